//! rumqttd (the Rust broker of the rumqtt project, a dependency of the xtask) as a broker of
//! the matrix. It runs in a child process of the xtask itself (`xtask conformance-rumqttd`),
//! so that it can be killed and restarted like any other broker: in-process it would run on
//! threads that cannot be stopped.
//!
//! rumqttd serves MQTT 3.1.1 and MQTT 5.0 on separate listeners (no 3.1), plain TCP only
//! as built here (its TLS and WebSocket features are off).

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use rumqttd::{Broker, Config, ConnectionSettings, RouterConfig, ServerSettings};

use super::process::BrokerProcess;

/// The version built into the xtask (pinned with `=` in xtask/Cargo.toml).
pub const VERSION: &str = "0.20.0";

/// The task name of the child process.
pub const TASK: &str = "conformance-rumqttd";

/// Starts rumqttd in a child process; listener 0 speaks 3.1.1, listener 1 speaks 5.0.
pub fn start(dir: &Path) -> Result<BrokerProcess, String> {
    let exe = std::env::current_exe().map_err(|e| format!("where is the xtask binary? {e}"))?;
    BrokerProcess::start(
        "rumqttd",
        dir.join("rumqttd.log"),
        Box::new(move |ports| {
            let mut command = Command::new(&exe);
            command.arg(TASK).args(ports.iter().map(u16::to_string));
            Ok(command)
        }),
    )
}

/// The child's side: `xtask conformance-rumqttd [V4_PORT V5_PORT]`; runs until killed.
pub fn serve(args: &[String]) -> ExitCode {
    match serve_on(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("rumqttd: {error}");
            ExitCode::FAILURE
        }
    }
}

fn serve_on(args: &[String]) -> Result<(), String> {
    // Ends with the xtask, even one killed before it could kill this process.
    let _ = rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL));
    let ports: Vec<u16> = args
        .iter()
        .map(|a| a.parse().map_err(|e| format!("port {a}: {e}")))
        .collect::<Result<_, _>>()?;
    let (v4, v5) = match ports[..] {
        [v4, v5] => (v4, v5),
        [] => (free_port()?, free_port()?),
        _ => return Err("give two ports or none".into()),
    };
    let v4 = SocketAddr::from((Ipv4Addr::LOCALHOST, v4));
    let v5 = SocketAddr::from((Ipv4Addr::LOCALHOST, v5));
    let mut broker = Broker::new(config(v4, v5));
    let serving = std::thread::spawn(move || broker.start().map_err(|e| e.to_string()));
    wait_until_listening(v4)?;
    wait_until_listening(v5)?;
    println!("ready {} {}", v4.port(), v5.port());
    serving
        .join()
        .map_err(|_| "the broker thread panicked".to_owned())?
}

/// rumqttd's settings: limits above what the scenarios send (10 MiB payloads, 200 clients).
fn config(v4: SocketAddr, v5: SocketAddr) -> Config {
    let listener = |name: &str, listen: SocketAddr| {
        let settings = ServerSettings {
            name: name.to_owned(),
            listen,
            tls: None,
            next_connection_delay_ms: 0,
            connections: ConnectionSettings {
                connection_timeout_ms: 60_000,
                max_payload_size: 32 << 20,
                max_inflight_count: 100,
                auth: None,
                external_auth: None,
                dynamic_filters: true,
            },
        };
        HashMap::from([(name.to_owned(), settings)])
    };
    Config {
        id: 0,
        router: RouterConfig {
            max_connections: 10_000,
            max_outgoing_packet_count: 200,
            max_segment_size: 100 << 20,
            max_segment_count: 10,
            custom_segment: None,
            initialized_filters: None,
            shared_subscriptions_strategy: Default::default(),
        },
        v4: Some(listener("v4", v4)),
        v5: Some(listener("v5", v5)),
        ..Config::default()
    }
}

/// A free loopback port: rumqttd binds by address, so the port is released before it binds
/// it again (the child does this itself, once; a restart reuses the ports).
fn free_port() -> Result<u16, String> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free loopback port: {e}"))
}

fn wait_until_listening(addr: SocketAddr) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        if Instant::now() >= deadline {
            return Err(format!("rumqttd did not listen on {addr}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}
