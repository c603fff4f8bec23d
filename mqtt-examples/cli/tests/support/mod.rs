//! What the CLI tests share: running the tools, a subscriber in the background.
#![allow(dead_code)] // each test file uses a part of it

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use mqtt_testkit::Mosquitto;

pub const PUB: &str = env!("CARGO_BIN_EXE_mqtt-pub");
pub const SUB: &str = env!("CARGO_BIN_EXE_mqtt-sub");

/// How long a test waits for mqtt-sub to subscribe, or to end.
pub const WAIT: Duration = Duration::from_secs(20);

pub fn run(program: &str, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Publishes and checks that mqtt-pub succeeded.
pub fn publish(args: &[&str], stdin: &[u8]) {
    let output = run(PUB, args, stdin);
    assert!(
        output.status.success(),
        "mqtt-pub {args:?}: {}",
        text(&output.stderr)
    );
}

/// A running mqtt-sub (with `-d`), once it has subscribed.
pub struct Subscriber {
    child: Child,
    stderr: mpsc::Receiver<String>,
}

impl Subscriber {
    pub fn start(args: &[&str]) -> Subscriber {
        let mut child = Command::new(SUB)
            .args(args)
            .arg("-d")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (lines, stderr) = mpsc::channel();
        let reader = BufReader::new(child.stderr.take().unwrap());
        std::thread::spawn(move || {
            for line in reader.lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let subscriber = Subscriber { child, stderr };
        // -d prints each packet, as mosquitto_sub's does.
        subscriber.wait_for_line("received SUBACK");
        subscriber
    }

    /// Waits for a line of standard error that contains `part`.
    pub fn wait_for_line(&self, part: &str) {
        loop {
            match self.stderr.recv_timeout(WAIT) {
                Ok(line) if line.contains(part) => return,
                Ok(_) => {}
                Err(error) => panic!("mqtt-sub never said {part:?}: {error}"),
            }
        }
    }

    /// Waits for the end; returns the exit code and what was printed.
    pub fn finish(mut self) -> (Option<i32>, String) {
        let status = self.child.wait().unwrap();
        let mut stdout = String::new();
        std::io::Read::read_to_string(&mut self.child.stdout.take().unwrap(), &mut stdout).unwrap();
        (status.code(), stdout)
    }
}

/// The port of the broker's first listener, as an argument.
pub fn mosquitto_port(broker: &Mosquitto) -> String {
    broker.port(0).to_string()
}
