//! One running broker of any implementation the xtask starts, with the operations the
//! scenarios need (stop, restart, its ports): each broker is a process of its own, killed by
//! its PID when stopped or dropped.

use std::path::Path;

use mqtt_testkit::{Listener, Mosquitto};

use super::process::BrokerProcess;
use super::{Endpoint, Flavour, aedes, amqtt, panic_message, rumqttd, start_mosquitto, url};
use crate::conformance::matrix::{Transport, Version};

/// A running broker process.
pub enum Running {
    /// mosquitto, through the testkit.
    Mosquitto(Mosquitto),
    /// rumqttd, aedes or amqtt.
    Process(BrokerProcess),
}

impl Running {
    /// Starts `flavour` with `listeners`; `mosquitto_extra` is added to mosquitto's
    /// configuration (the other brokers are configured alike by their own files: see
    /// aedes' broker.mjs). rumqttd ignores `listeners`: it always has one plain TCP listener
    /// for 3.1.1 (port 0) and one for 5.0 (port 1).
    pub fn start(
        flavour: Flavour,
        listeners: &[Listener],
        mosquitto_extra: &str,
        files: &Path,
    ) -> Result<Running, String> {
        match flavour {
            Flavour::Mosquitto => {
                start_mosquitto(listeners, mosquitto_extra).map(Running::Mosquitto)
            }
            Flavour::Rumqttd => rumqttd::start(files).map(Running::Process),
            Flavour::Aedes => aedes::start(listeners, files).map(Running::Process),
            Flavour::Amqtt => amqtt::start(listeners, files).map(Running::Process),
        }
    }

    /// The port of listener `index`.
    pub fn port(&self, index: usize) -> Result<u16, String> {
        match self {
            Running::Mosquitto(mosquitto) => Ok(mosquitto.port(index)),
            Running::Process(process) => process
                .port(index)
                .ok_or_else(|| format!("the broker has no listener {index}")),
        }
    }

    /// Kills the broker (its clients see their connections drop).
    pub fn stop(&mut self) {
        match self {
            Running::Mosquitto(mosquitto) => mosquitto.stop(),
            Running::Process(process) => process.stop(),
        }
    }

    /// Kills the broker and starts it again on the same ports (its sessions are lost).
    pub fn restart(&mut self) -> Result<(), String> {
        match self {
            Running::Mosquitto(mosquitto) => {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| mosquitto.restart()))
                    .map_err(|panic| {
                        format!("mosquitto did not restart: {}", panic_message(&*panic))
                    })
            }
            Running::Process(process) => process.restart(),
        }
    }

    /// The plain TCP endpoints of a broker started with `Listener::tcp()` first: one for
    /// every version, or rumqttd's two (3.1.1 and 3.1 on the first, 5.0 on the second).
    pub fn tcp_endpoints(&self, flavour: Flavour) -> Result<Vec<Endpoint>, String> {
        let plain = |port: u16, versions: &'static [Version]| Endpoint {
            transport: Transport::Tcp,
            url: url(Transport::Tcp, port),
            versions,
            ca_pem: None,
            client_identity: None,
        };
        Ok(match flavour {
            Flavour::Rumqttd => vec![
                plain(self.port(0)?, &[Version::V3_1, Version::V3_1_1]),
                plain(self.port(1)?, &[Version::V5]),
            ],
            _ => vec![plain(self.port(0)?, &[])],
        })
    }
}
