//! The brokers the scenarios run against: the ones the xtask starts itself (mosquitto,
//! rumqttd, aedes, amqtt: free loopback ports, a configuration of their own, killed by PID at the
//! end), the brokers single scenarios need (ACLs, small limits, restarts), or a broker the
//! user names with `--broker`.

use std::path::{Path, PathBuf};
use std::process::Command;

use mqtt_testkit::Mosquitto;

use super::matrix::{Transport, Version};

pub mod aedes;
pub mod amqtt;
pub mod listeners;
pub mod own;
pub mod probe;
pub mod process;
pub mod rumqttd;
pub mod running;
pub mod shared;

pub use own::{Configure, OwnBroker};
pub use shared::SharedBroker;

/// A broker implementation the xtask can start itself (`--broker-kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flavour {
    /// mosquitto, from the system (Debian's package).
    Mosquitto,
    /// rumqttd, built into the xtask, in a child process.
    Rumqttd,
    /// aedes on Node.js, installed from npm into the target directory.
    Aedes,
    /// amqtt on Python, installed from PyPI into the target directory.
    Amqtt,
}

impl Flavour {
    /// The brokers of a run without `--broker-kind`: each shows the matrix green (pass, or
    /// n/a with what was seen). amqtt is not among them: its deviations are not sorted out
    /// yet (see limitations/amqtt.rs).
    pub const DEFAULT: [Flavour; 3] = [Flavour::Mosquitto, Flavour::Rumqttd, Flavour::Aedes];

    /// Every broker the xtask can start, in report order.
    pub const ALL: [Flavour; 4] = [
        Flavour::Mosquitto,
        Flavour::Rumqttd,
        Flavour::Aedes,
        Flavour::Amqtt,
    ];

    /// The name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Flavour::Mosquitto => "mosquitto",
            Flavour::Rumqttd => "rumqttd",
            Flavour::Aedes => "aedes",
            Flavour::Amqtt => "amqtt",
        }
    }

    /// Parses a name as [`name`](Self::name) writes it.
    pub fn parse(text: &str) -> Option<Flavour> {
        Flavour::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(text.trim()))
    }
}

/// What kind of broker the run is against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokerKind {
    /// A broker the xtask started, with its version (`2.0.11`).
    Started {
        /// Which implementation.
        flavour: Flavour,
        /// Its version.
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
            BrokerKind::Started { flavour, version } => {
                format!(
                    "{} {version} (started by the xtask on loopback)",
                    flavour.name()
                )
            }
            BrokerKind::External { url } => format!("the broker at {url} (given with --broker)"),
        }
    }

    /// The short name of the report's column group: `mosquitto 2.0.11`, or the URL.
    pub fn label(&self) -> String {
        match self {
            BrokerKind::Started { flavour, version } => format!("{} {version}", flavour.name()),
            BrokerKind::External { url } => url.clone(),
        }
    }

    /// The implementation, when the xtask started it.
    pub fn flavour(&self) -> Option<Flavour> {
        match self {
            BrokerKind::Started { flavour, .. } => Some(*flavour),
            BrokerKind::External { .. } => None,
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
    /// The versions this endpoint serves (empty: every one). rumqttd has one listener for
    /// 3.1.1 and another for 5.0.
    pub versions: &'static [Version],
    /// The CA that signed the broker's certificate, PEM (TLS transports of our own broker;
    /// `None`: the system's roots).
    pub ca_pem: Option<String>,
    /// The client certificate and key, PEM, for mutual TLS.
    pub client_identity: Option<(String, String)>,
}

impl Endpoint {
    /// Whether a client of `version` should use this endpoint.
    pub fn serves(&self, version: Version) -> bool {
        self.versions.is_empty() || self.versions.contains(&version)
    }

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

/// The URL of a loopback listener.
pub fn url(transport: Transport, port: u16) -> String {
    match transport {
        Transport::Ws | Transport::Wss => {
            format!("{}://127.0.0.1:{port}/mqtt", transport.scheme())
        }
        _ => format!("{}://127.0.0.1:{port}", transport.scheme()),
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
pub fn start_mosquitto(
    listeners: &[mqtt_testkit::Listener],
    extra: &str,
) -> Result<Mosquitto, String> {
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
            versions: &[],
            ca_pem: None,
            client_identity: None,
        };
        assert_eq!(endpoint.url, "wss://127.0.0.1:8081/mqtt");
        assert_eq!(endpoint.port(), Some(8081));
        assert_eq!(url(Transport::Mtls, 1), "mqtts://127.0.0.1:1");
    }
}
