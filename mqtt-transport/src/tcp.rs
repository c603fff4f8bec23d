//! Plain TCP: the connector under all the others.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use async_net::TcpStream;

use crate::timeout::limit_time;
use crate::{
    BoxedStream, BrokerAddress, ConnectAttempt, ConnectFuture, Connector, Host, Stage,
    TransportError,
};

/// How long one TCP connection attempt may take unless told otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens TCP connections (`mqtt://`, `tcp://`, bare `host:port`).
///
/// Host names are resolved and every address is tried in turn until one accepts, each within
/// the connect timeout. `TCP_NODELAY` is set (MQTT packets are small and latency matters)
/// unless turned off.
///
/// ```no_run
/// use std::time::Duration;
/// use mqtt_kit_transport::{Connector, TcpConnector};
///
/// # futures_lite::future::block_on(async {
/// let connector = TcpConnector::new().connect_timeout(Some(Duration::from_secs(3)));
/// let stream = connector.connect(&"broker.example:1883".parse()?).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct TcpConnector {
    connect_timeout: Option<Duration>,
    nodelay: bool,
}

impl Default for TcpConnector {
    fn default() -> Self {
        TcpConnector {
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            nodelay: true,
        }
    }
}

impl TcpConnector {
    /// A connector with a 10-second connect timeout per address and `TCP_NODELAY` on.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets how long each connection attempt (and the DNS look-up) may take; `None` waits as
    /// long as the operating system does.
    pub fn connect_timeout(mut self, limit: Option<Duration>) -> Self {
        self.connect_timeout = limit;
        self
    }

    /// Sets `TCP_NODELAY` on new connections (on by default).
    pub fn nodelay(mut self, nodelay: bool) -> Self {
        self.nodelay = nodelay;
        self
    }

    /// Opens a TCP connection to `host:port`, trying each address the host resolves to.
    pub async fn connect_to(&self, host: &Host, port: u16) -> Result<TcpStream, TransportError> {
        let addresses =
            limit_time(self.connect_timeout, Stage::Resolve, resolve(host, port)).await?;
        let mut attempts = Vec::with_capacity(addresses.len());
        for address in addresses {
            let attempt = limit_time(self.connect_timeout, Stage::TcpConnect, async {
                TcpStream::connect(address)
                    .await
                    .map_err(|source| TransportError::Io {
                        stage: Stage::TcpConnect,
                        source,
                    })
            })
            .await;
            let error = match attempt {
                Ok(stream) => {
                    stream
                        .set_nodelay(self.nodelay)
                        .map_err(|source| TransportError::Io {
                            stage: Stage::TcpConnect,
                            source,
                        })?;
                    return Ok(stream);
                }
                Err(TransportError::Io { source, .. }) => source,
                Err(TransportError::Timeout { after, .. }) => io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no answer within {after:?}"),
                ),
                Err(other) => return Err(other),
            };
            attempts.push(ConnectAttempt { address, error });
        }
        Err(summarize_failures(
            host,
            port,
            attempts,
            self.connect_timeout,
        ))
    }
}

impl Connector for TcpConnector {
    fn connect<'a>(&'a self, address: &'a BrokerAddress) -> ConnectFuture<'a> {
        Box::pin(async move {
            match address {
                BrokerAddress::Tcp { host, port } => {
                    Ok(Box::new(self.connect_to(host, *port).await?) as BoxedStream)
                }
                other => Err(TransportError::UnsupportedAddress {
                    connector: "TcpConnector",
                    scheme: other.scheme(),
                }),
            }
        })
    }
}

/// The socket addresses of `host`, in the resolver's order.
async fn resolve(host: &Host, port: u16) -> Result<Vec<SocketAddr>, TransportError> {
    let name = match host {
        Host::Ip(ip) => return Ok(vec![SocketAddr::new(*ip, port)]),
        Host::Name(name) => name,
    };
    let addresses = async_net::resolve((name.as_str(), port))
        .await
        .map_err(|source| TransportError::Resolve {
            host: name.clone(),
            source,
        })?;
    if addresses.is_empty() {
        return Err(TransportError::NoAddress { host: name.clone() });
    }
    Ok(addresses)
}

/// One error for all the failed attempts: the most precise that is true of every one.
fn summarize_failures(
    host: &Host,
    port: u16,
    attempts: Vec<ConnectAttempt>,
    limit: Option<Duration>,
) -> TransportError {
    let all = |kind| attempts.iter().all(|a| a.error.kind() == kind);
    if all(io::ErrorKind::ConnectionRefused) {
        return TransportError::Refused {
            host: host.to_string(),
            port,
        };
    }
    if let (true, Some(after)) = (all(io::ErrorKind::TimedOut), limit) {
        return TransportError::Timeout {
            stage: Stage::TcpConnect,
            after,
        };
    }
    TransportError::Connect {
        host: host.to_string(),
        port,
        attempts,
    }
}
