//! The brokers the scenarios run against: the mosquitto the xtask starts (every transport,
//! certificates made for the run), the brokers single scenarios need (ACLs, small limits,
//! restarts), or a broker the user names with `--broker`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, MutexGuard};

use mqtt_testkit::{Listener, ListenerTls, Mosquitto, TempDir, TestCa};

use super::matrix::Transport;

/// What kind of broker the run is against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokerKind {
    /// mosquitto, started by the xtask; its version as `mosquitto -h` prints it (`2.0.11`).
    Mosquitto {
        /// The version.
        version: String,
    },
    /// A broker the user named with `--broker`.
    External {
        /// Its URL.
        url: String,
    },
}

impl BrokerKind {
    /// How the report names the broker.
    pub fn describe(&self) -> String {
        match self {
            BrokerKind::Mosquitto { version } => {
                format!("mosquitto {version} (started by the xtask on loopback)")
            }
            BrokerKind::External { url } => format!("the broker at {url} (given with --broker)"),
        }
    }
}

/// How a client reaches a broker over one transport.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The transport.
    pub transport: Transport,
    /// The broker's URL (`mqtt://127.0.0.1:PORT`, `wss://127.0.0.1:PORT/mqtt`...).
    pub url: String,
    /// The CA that signed the broker's certificate, PEM (TLS transports of our own broker;
    /// `None`: the system's roots).
    pub ca_pem: Option<String>,
    /// The client certificate and key, PEM, for mutual TLS.
    pub client_identity: Option<(String, String)>,
}

impl Endpoint {
    /// The TCP port of a loopback URL such as `mqtt://127.0.0.1:1883`, if it has one.
    pub fn port(&self) -> Option<u16> {
        let after_scheme = self
            .url
            .split_once("://")
            .map_or(&*self.url, |(_, rest)| rest);
        let authority = after_scheme.split('/').next()?;
        authority.rsplit_once(':')?.1.parse().ok()
    }
}

/// Broken TLS set-ups for the certificate-check scenarios.
#[derive(Debug, Clone)]
pub struct TlsFaults {
    /// A TLS listener whose certificate (signed by the right CA) names another host.
    pub wrong_name_tls: Endpoint,
    /// A secure WebSocket listener whose certificate names another host.
    pub wrong_name_wss: Endpoint,
    /// A CA that signed nothing the broker shows: trusting only it, every handshake fails.
    pub unknown_ca_pem: String,
}

/// The host name in the certificates of the wrong-name listeners.
pub const WRONG_NAME: &str = "wrong-name.invalid";

/// The mosquitto the xtask starts for the run: one listener per transport, plus the
/// wrong-name TLS listeners.
pub struct SharedBroker {
    /// The broker (killed when dropped).
    _mosquitto: Mosquitto,
    endpoints: Vec<Endpoint>,
    faults: TlsFaults,
}

impl SharedBroker {
    /// Starts mosquitto with TCP, TLS, mutual TLS, WebSocket and secure WebSocket listeners
    /// on free loopback ports, with certificates made now.
    pub fn start() -> Result<SharedBroker, String> {
        let ca = TestCa::new("mqtt-rs conformance CA");
        let other_ca = TestCa::new("mqtt-rs conformance unknown CA");
        let server = ca.server(&["localhost", "127.0.0.1"]);
        let wrong = ca.server(&[WRONG_NAME]);
        let client = ca.client("conformance-client");
        let tls = |cert_pem: &str, key_pem: &str, require_certificate| ListenerTls {
            ca_pem: ca.cert_pem().to_owned(),
            cert_pem: cert_pem.to_owned(),
            key_pem: key_pem.to_owned(),
            require_certificate,
        };
        let listeners = [
            Listener::tcp(),
            Listener::tcp().with_tls(tls(&server.cert_pem, &server.key_pem, false)),
            Listener::tcp().with_tls(tls(&server.cert_pem, &server.key_pem, true)),
            Listener::websockets(),
            Listener::websockets().with_tls(tls(&server.cert_pem, &server.key_pem, false)),
            Listener::tcp().with_tls(tls(&wrong.cert_pem, &wrong.key_pem, false)),
            Listener::websockets().with_tls(tls(&wrong.cert_pem, &wrong.key_pem, false)),
        ];
        let mosquitto = start_mosquitto(&listeners, "")?;
        let ca_pem = Some(ca.cert_pem().to_owned());
        let endpoint = |transport: Transport, index: usize| Endpoint {
            transport,
            url: url(transport, mosquitto.port(index)),
            ca_pem: (transport != Transport::Tcp && transport != Transport::Ws)
                .then(|| ca_pem.clone())
                .flatten(),
            client_identity: (transport == Transport::Mtls)
                .then(|| (client.cert_pem.clone(), client.key_pem.clone())),
        };
        let endpoints = Transport::ALL
            .iter()
            .enumerate()
            .map(|(index, &transport)| endpoint(transport, index))
            .collect();
        let faults = TlsFaults {
            wrong_name_tls: endpoint(Transport::Tls, 5),
            wrong_name_wss: endpoint(Transport::Wss, 6),
            unknown_ca_pem: other_ca.cert_pem().to_owned(),
        };
        Ok(SharedBroker {
            _mosquitto: mosquitto,
            endpoints,
            faults,
        })
    }

    /// The endpoint of one transport.
    pub fn endpoint(&self, transport: Transport) -> Option<&Endpoint> {
        self.endpoints.iter().find(|e| e.transport == transport)
    }

    /// The broken TLS set-ups.
    pub fn faults(&self) -> &TlsFaults {
        &self.faults
    }
}

/// The URL of a loopback listener.
pub fn url(transport: Transport, port: u16) -> String {
    match transport {
        Transport::Ws | Transport::Wss => {
            format!("{}://127.0.0.1:{port}/mqtt", transport.scheme())
        }
        _ => format!("{}://127.0.0.1:{port}", transport.scheme()),
    }
}

/// The configuration a scenario's own broker needs: `configure` writes whatever files it
/// wants into the directory given and returns the lines to add to `mosquitto.conf`.
pub type Configure = fn(&Path) -> String;

/// A broker of a scenario's own (plain TCP), which the scenario may stop and restart.
/// Cloneable; the runner kills it when the scenario ends, even one that timed out.
#[derive(Clone)]
pub struct OwnBroker {
    inner: Arc<Mutex<Option<OwnBrokerParts>>>,
    endpoint: Endpoint,
}

struct OwnBrokerParts {
    mosquitto: Mosquitto,
    // Dropped after the broker: it holds the files the configuration names.
    _files: TempDir,
}

impl OwnBroker {
    /// Starts mosquitto with one TCP listener and the configuration of `configure`.
    pub fn start(configure: Configure) -> Result<OwnBroker, String> {
        let files = TempDir::new("conformance-broker")
            .map_err(|e| format!("could not create a directory for the broker's files: {e}"))?;
        let extra = configure(files.path());
        let mosquitto = start_mosquitto(&[Listener::tcp()], &extra)?;
        let endpoint = Endpoint {
            transport: Transport::Tcp,
            url: url(Transport::Tcp, mosquitto.port(0)),
            ca_pem: None,
            client_identity: None,
        };
        Ok(OwnBroker {
            inner: Arc::new(Mutex::new(Some(OwnBrokerParts {
                mosquitto,
                _files: files,
            }))),
            endpoint,
        })
    }

    /// How to reach it.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Kills the broker (its clients see their connections drop).
    pub fn stop(&self) -> Result<(), String> {
        self.with(|parts| parts.mosquitto.stop())
    }

    /// Kills the broker and starts it again on the same port (its sessions are lost:
    /// persistence is off).
    pub fn restart(&self) -> Result<(), String> {
        self.with(|parts| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                parts.mosquitto.restart();
            }))
            .map_err(|panic| format!("mosquitto did not restart: {}", panic_message(&*panic)))
        })?
    }

    /// Kills the broker for good; later calls report that it is gone.
    pub fn kill(&self) {
        drop(self.lock().take());
    }

    fn with<T>(&self, f: impl FnOnce(&mut OwnBrokerParts) -> T) -> Result<T, String> {
        match self.lock().as_mut() {
            Some(parts) => Ok(f(parts)),
            None => Err("the scenario's broker was already shut down".to_owned()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<OwnBrokerParts>> {
        // A scenario that panicked while holding the lock leaves the broker usable.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Where mosquitto is installed, or the error (with the install hint) to show.
pub fn mosquitto_binary() -> Result<PathBuf, String> {
    Mosquitto::binary().ok_or_else(|| {
        "mosquitto is not installed: looked on PATH and at /usr/sbin/mosquitto.\n\
         Install it (Debian/Ubuntu: `sudo apt-get install mosquitto`; macOS: `brew install \
         mosquitto`), or run against a broker of yours with `--broker URL`."
            .to_owned()
    })
}

/// The version of the mosquitto at `binary`, from the first line of `mosquitto -h`
/// (`mosquitto version 2.0.11`).
pub fn mosquitto_version(binary: &Path) -> Result<String, String> {
    let output = Command::new(binary)
        .arg("-h")
        .output()
        .map_err(|e| format!("could not run {}: {e}", binary.display()))?;
    let text = String::from_utf8_lossy(&output.stdout);
    parse_version(&text).ok_or_else(|| {
        format!(
            "could not read the version of {} from `mosquitto -h`",
            binary.display()
        )
    })
}

fn parse_version(help: &str) -> Option<String> {
    help.lines()
        .next()?
        .strip_prefix("mosquitto version ")
        .map(|v| v.trim().to_owned())
}

/// Starts mosquitto, turning the testkit's panics (broker did not start) into errors.
fn start_mosquitto(listeners: &[Listener], extra: &str) -> Result<Mosquitto, String> {
    std::panic::catch_unwind(|| Mosquitto::start_with_config(listeners, extra))
        .map_err(|panic| format!("mosquitto did not start: {}", panic_message(&*panic)))
}

/// The message of a panic payload.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "(no message)".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_read_from_the_help_text() {
        let help = "mosquitto version 2.0.11\n\nmosquitto is an MQTT v5.0/v3.1.1/v3.1 broker.\n";
        assert_eq!(parse_version(help).as_deref(), Some("2.0.11"));
        assert_eq!(parse_version("Usage: something else"), None);
    }

    #[test]
    fn urls_and_ports() {
        let endpoint = Endpoint {
            transport: Transport::Wss,
            url: url(Transport::Wss, 8081),
            ca_pem: None,
            client_identity: None,
        };
        assert_eq!(endpoint.url, "wss://127.0.0.1:8081/mqtt");
        assert_eq!(endpoint.port(), Some(8081));
        assert_eq!(url(Transport::Mtls, 1), "mqtts://127.0.0.1:1");
    }
}
