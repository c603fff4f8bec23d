//! The embedded default broker: a real MQTT broker (rumqttd) started in-process on free
//! loopback ports, so that every example runs on a machine with no broker installed.
//!
//! rumqttd serves MQTT 3.1.1 and MQTT 5.0 on separate listeners, so the broker opens one
//! port for each; [`EmbeddedBroker::url`] picks the one for the version a client speaks.
//! It refuses a keep alive of 0, so examples that use it keep the default keep alive.

use std::collections::HashMap;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use rumqttd::{Broker, Config, ConnectionSettings, RouterConfig, ServerSettings};

/// How long [`EmbeddedBroker::start`] waits for the listeners to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// Which MQTT version a listener of the embedded broker speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokerProtocol {
    /// MQTT 3.1.1 (protocol level 4).
    V3_1_1,
    /// MQTT 5.0 (protocol level 5).
    V5,
}

/// A running in-process broker. It runs on its own threads until the process exits.
#[derive(Debug, Clone)]
pub struct EmbeddedBroker {
    v311: SocketAddr,
    v5: SocketAddr,
}

impl EmbeddedBroker {
    /// Starts the broker on two free loopback ports and waits until both accept connections.
    pub fn start() -> io::Result<Self> {
        let v311 = free_loopback_port()?;
        let v5 = free_loopback_port()?;
        let config = broker_config(v311, v5);
        thread::Builder::new()
            .name("embedded-broker".into())
            .spawn(move || {
                let mut broker = Broker::new(config);
                if let Err(error) = broker.start() {
                    eprintln!("embedded broker stopped: {error}");
                }
            })?;
        wait_until_listening(v311)?;
        wait_until_listening(v5)?;
        Ok(Self { v311, v5 })
    }

    /// The `mqtt://` URL of the listener for `protocol`.
    pub fn url(&self, protocol: BrokerProtocol) -> String {
        format!("mqtt://{}", self.address(protocol))
    }

    /// The socket address of the listener for `protocol`.
    pub fn address(&self, protocol: BrokerProtocol) -> SocketAddr {
        match protocol {
            BrokerProtocol::V3_1_1 => self.v311,
            BrokerProtocol::V5 => self.v5,
        }
    }
}

fn broker_config(v311: SocketAddr, v5: SocketAddr) -> Config {
    let listener = |name: &str, listen: SocketAddr| {
        let settings = ServerSettings {
            name: name.to_owned(),
            listen,
            tls: None,
            next_connection_delay_ms: 0,
            connections: ConnectionSettings {
                connection_timeout_ms: 60_000,
                max_payload_size: 1 << 20,
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
        v4: Some(listener("v4", v311)),
        v5: Some(listener("v5", v5)),
        ..Config::default()
    }
}

/// Asks the OS for a free loopback port. rumqttd binds by address, not to a listener we
/// hand it, so the port is released again before the broker binds it (a short race that a
/// busy machine could lose; `start` then fails with a clear error rather than hanging).
fn free_loopback_port() -> io::Result<SocketAddr> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()
}

fn wait_until_listening(addr: SocketAddr) -> io::Result<()> {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(_) => return Ok(()),
            Err(error) if Instant::now() >= deadline => {
                return Err(io::Error::new(
                    error.kind(),
                    format!("embedded broker did not listen on {addr}: {error}"),
                ));
            }
            Err(_) => thread::sleep(Duration::from_millis(20)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// A raw MQTT 3.1.1 CONNECT (client id "t", clean session, keep alive 60) gets CONNACK
    /// "accepted" from the embedded broker's 3.1.1 listener.
    #[test]
    fn accepts_a_connect() {
        let broker = EmbeddedBroker::start().unwrap();
        let mut stream = TcpStream::connect(broker.address(BrokerProtocol::V3_1_1)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let connect = [
            0x10, 0x0d, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x01,
            b't',
        ];
        stream.write_all(&connect).unwrap();
        let mut connack = [0u8; 4];
        stream.read_exact(&mut connack).unwrap();
        assert_eq!(connack, [0x20, 0x02, 0x00, 0x00]);
    }
}
