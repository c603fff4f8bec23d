//! rumqttd (the Rust broker of the rumqtt project, a dependency of the xtask) as a broker of
//! the matrix. It runs in a child process of the xtask itself (`xtask conformance-rumqttd`),
//! so that it can be killed and restarted like any other broker: in-process it would run on
//! threads that cannot be stopped.
//!
//! rumqttd serves MQTT 3.1.1 and MQTT 5.0 on separate listeners (no 3.1), plain TCP only
//! as built here (its TLS and WebSocket features are off).

use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use rumqttd::{Broker, Config};
use serde_json::json;

use super::process::{BrokerProcess, free_loopback_port};

/// The version built into the xtask (pinned with `=` in xtask/Cargo.toml).
pub const VERSION: &str = "0.20.0";

/// The xtask's binary, noted at the start: a rebuild during a run replaces the file, and the
/// running process's own path then reads "(deleted)".
static EXE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Notes the xtask's binary (call at the start of the run).
pub fn note_binary() {
    if let Ok(exe) = std::env::current_exe() {
        let _ = EXE.set(exe);
    }
}

/// The task name of the child process.
pub const TASK: &str = "conformance-rumqttd";

/// Starts rumqttd in a child process, with a configuration file of its own in `dir`;
/// listener 0 speaks 3.1.1, listener 1 speaks 5.0.
pub fn start(dir: &Path) -> Result<BrokerProcess, String> {
    let exe = EXE
        .get()
        .cloned()
        .ok_or("the xtask's binary was not noted at the start")?;
    let config = dir.join("rumqttd.json");
    BrokerProcess::start(
        "rumqttd",
        dir.join("rumqttd.log"),
        Box::new(move |ports| {
            // rumqttd binds by address: the ports are chosen here, once (a port released and
            // bound again at once: a short race), and kept for restarts.
            let (v4, v5) = match ports {
                [v4, v5] => (*v4, *v5),
                _ => (free_loopback_port()?, free_loopback_port()?),
            };
            std::fs::write(&config, settings(v4, v5).to_string())
                .map_err(|e| format!("could not write {}: {e}", config.display()))?;
            let mut command = Command::new(&exe);
            command.arg(TASK).arg(&config);
            Ok(command)
        }),
    )
}

/// The child's side: `xtask conformance-rumqttd CONFIG.json`; runs until killed.
pub fn serve(args: &[String]) -> ExitCode {
    match serve_with(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("rumqttd: {error}");
            ExitCode::FAILURE
        }
    }
}

fn serve_with(args: &[String]) -> Result<(), String> {
    // Ends with the xtask, even one killed before it could kill this process.
    let _ = rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL));
    let [path] = args else {
        return Err("give the configuration file".into());
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let config: Config = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    let listeners: Vec<SocketAddr> = [&config.v4, &config.v5]
        .into_iter()
        .flatten()
        .flat_map(|servers| servers.values().map(|server| server.listen))
        .collect();
    let mut broker = Broker::new(config);
    let serving = std::thread::spawn(move || broker.start().map_err(|e| e.to_string()));
    for &address in &listeners {
        wait_until_listening(address)?;
    }
    let ports: Vec<String> = listeners.iter().map(|a| a.port().to_string()).collect();
    println!("ready {}", ports.join(" "));
    serving
        .join()
        .map_err(|_| "the broker thread panicked".to_owned())?
}

/// rumqttd's configuration (its serde form): one loopback listener per version, limits above
/// what the scenarios send (10 MiB payloads, 200 clients).
fn settings(v4: u16, v5: u16) -> serde_json::Value {
    let listener = |name: &str, port: u16| {
        json!({ name: {
            "name": name,
            "listen": format!("127.0.0.1:{port}"),
            "next_connection_delay_ms": 0,
            "connections": {
                "connection_timeout_ms": 60_000,
                "max_payload_size": 32 << 20,
                "max_inflight_count": 100,
                "dynamic_filters": true
            }
        }})
    };
    json!({
        "id": 0,
        "router": {
            "max_connections": 10_000,
            "max_outgoing_packet_count": 200,
            "max_segment_size": 100 << 20,
            "max_segment_count": 10
        },
        "v4": listener("v4", v4),
        "v5": listener("v5", v5)
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_rumqttds() {
        let config: Config = serde_json::from_value(settings(1883, 1884)).unwrap();
        let port =
            |servers: &Option<std::collections::HashMap<String, rumqttd::ServerSettings>>| {
                servers
                    .as_ref()
                    .map(|s| s.values().map(|s| s.listen.port()).collect::<Vec<_>>())
            };
        assert_eq!(port(&config.v4), Some(vec![1883]));
        assert_eq!(port(&config.v5), Some(vec![1884]));
        assert_eq!(config.router.max_connections, 10_000);
    }
}
