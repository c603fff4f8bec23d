//! A broker run as a child process that says when it is ready: it prints one line
//! `ready <port> <port>...` (the ports it listens on, in listener order) on standard output.
//! The process is killed by its PID when stopped or dropped, even when the run fails; a
//! restart runs it again on the same ports.

use std::fs::File;
use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a broker may take to print its `ready` line.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Builds the command that runs the broker: given the ports to listen on (empty the first
/// time: the broker chooses them itself, so no port is picked and then raced for).
pub type Launcher = Box<dyn Fn(&[u16]) -> Result<Command, String> + Send>;

/// A running broker process.
pub struct BrokerProcess {
    name: String,
    launcher: Launcher,
    log: PathBuf,
    child: Option<Child>,
    ports: Vec<u16>,
}

impl BrokerProcess {
    /// Runs the broker and waits for its `ready` line; its standard error goes to `log`.
    pub fn start(name: &str, log: PathBuf, launcher: Launcher) -> Result<BrokerProcess, String> {
        let mut process = BrokerProcess {
            name: name.to_owned(),
            launcher,
            log,
            child: None,
            ports: Vec::new(),
        };
        process.launch()?;
        Ok(process)
    }

    /// The port of listener `index`.
    pub fn port(&self, index: usize) -> Option<u16> {
        self.ports.get(index).copied()
    }

    /// Kills the process (this PID only) and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the process and runs it again on the same ports.
    pub fn restart(&mut self) -> Result<(), String> {
        self.stop();
        self.launch()
    }

    fn launch(&mut self) -> Result<(), String> {
        let mut command = (self.launcher)(&self.ports)?;
        let log = File::create(&self.log)
            .map_err(|e| format!("could not create {}: {e}", self.log.display()))?;
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("could not run {}: {e}", self.name))?;
        let stdout = child.stdout.take();
        // The child's id is kept at once: whatever happens next, `stop` kills it.
        self.child = Some(child);
        let (ready, waiting) = mpsc::channel();
        if let Some(stdout) = stdout {
            // Reads every line until the process ends, so that the pipe never fills.
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { return };
                    if let Some(ports) = line.strip_prefix("ready") {
                        let _ = ready.send(ports.to_owned());
                    }
                }
            });
        }
        let ports = match waiting.recv_timeout(START_TIMEOUT) {
            Ok(ports) => ports,
            Err(_) => {
                self.stop();
                return Err(format!(
                    "{} did not say it was ready within {} s; its log: {}",
                    self.name,
                    START_TIMEOUT.as_secs(),
                    self.log_tail()
                ));
            }
        };
        let ports: Result<Vec<u16>, _> = ports.split_whitespace().map(str::parse).collect();
        match ports {
            Ok(ports) if self.ports.is_empty() || ports == self.ports => {
                self.ports = ports;
                Ok(())
            }
            other => {
                self.stop();
                Err(format!(
                    "{} said it listens on {other:?}, expected {:?}",
                    self.name, self.ports
                ))
            }
        }
    }

    /// The last lines of the broker's log, for error messages.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(8)..].join(" | ")
    }
}

/// A free loopback port, for a broker that binds by address (rumqttd, amqtt): released
/// before the broker binds it again, a short race that a busy machine could lose (the
/// broker then fails to start, with the reason in its log).
pub fn free_loopback_port() -> Result<u16, String> {
    std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free loopback port: {e}"))
}

impl Drop for BrokerProcess {
    fn drop(&mut self) {
        self.stop();
    }
}
