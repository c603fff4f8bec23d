//! `-A`: TCP connections from a given local address (and TLS over them).

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use mqtt_kit_client::{BoxedStream, BrokerAddress, ConnectFuture, Connector, TransportError};
use mqtt_kit_transport::tls::{TlsConfig, TlsConnector};
use mqtt_kit_transport::{ConnectAttempt, DEFAULT_CONNECT_TIMEOUT, Host, Stage};
use smol::Async;
use socket2::{Domain, Protocol, Socket, Type};

/// Opens `mqtt://` and `mqtts://` connections from `local` (its port chosen by the system).
#[derive(Debug)]
pub(crate) struct BoundConnector {
    local: SocketAddr,
    nodelay: bool,
    tls: Option<TlsConnector>,
}

impl BoundConnector {
    /// From `local`; `tls` for `mqtts://` (the default TLS configuration if `None`).
    pub(crate) fn new(local: SocketAddr, nodelay: bool, tls: Option<TlsConnector>) -> Self {
        BoundConnector {
            local,
            nodelay,
            tls,
        }
    }

    async fn tcp(&self, host: &Host, port: u16) -> Result<Async<TcpStream>, TransportError> {
        let (local, nodelay, host) = (self.local, self.nodelay, host.clone());
        // Name resolution and socket2's connect block: a thread of smol's pool does them.
        let stream = smol::unblock(move || connect_from(local, &host, port, nodelay)).await?;
        Async::new(stream).map_err(|source| TransportError::Io {
            stage: Stage::TcpConnect,
            source,
        })
    }
}

impl Connector for BoundConnector {
    fn connect<'a>(&'a self, address: &'a BrokerAddress) -> ConnectFuture<'a> {
        Box::pin(async move {
            match address {
                BrokerAddress::Tcp { host, port } => {
                    Ok(Box::new(self.tcp(host, *port).await?) as BoxedStream)
                }
                BrokerAddress::Tls { host, port } => {
                    let tcp = self.tcp(host, *port).await?;
                    let tls = match &self.tls {
                        Some(tls) => tls.clone(),
                        None => TlsConnector::new(&TlsConfig::new())?,
                    };
                    Ok(Box::new(tls.handshake(host, tcp).await?) as BoxedStream)
                }
                other => Err(TransportError::UnsupportedAddress {
                    connector: "mqtt-pub/mqtt-sub -A",
                    scheme: other.scheme(),
                }),
            }
        })
    }
}

/// Connects from `local` to the first address of `host` of the same family that answers.
fn connect_from(
    local: SocketAddr,
    host: &Host,
    port: u16,
    nodelay: bool,
) -> Result<TcpStream, TransportError> {
    let resolved: Vec<SocketAddr> = match host {
        Host::Ip(ip) => vec![SocketAddr::new(*ip, port)],
        Host::Name(name) => (name.as_str(), port)
            .to_socket_addrs()
            .map_err(|source| TransportError::Resolve {
                host: name.clone(),
                source,
            })?
            .collect(),
    };
    let host = host.to_string();
    let candidates: Vec<SocketAddr> = resolved
        .into_iter()
        .filter(|remote| remote.is_ipv4() == local.is_ipv4())
        .collect();
    if candidates.is_empty() {
        return Err(TransportError::NoAddress { host });
    }
    let mut attempts = Vec::new();
    for remote in candidates {
        match connect_one(local, remote, nodelay, DEFAULT_CONNECT_TIMEOUT) {
            Ok(stream) => return Ok(stream),
            Err(error) => attempts.push(ConnectAttempt {
                address: remote,
                error,
            }),
        }
    }
    Err(TransportError::Connect {
        host,
        port,
        attempts,
    })
}

fn connect_one(
    local: SocketAddr,
    remote: SocketAddr,
    nodelay: bool,
    limit: Duration,
) -> std::io::Result<TcpStream> {
    let socket = Socket::new(
        Domain::for_address(remote),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    socket.bind(&local.into())?;
    socket.set_tcp_nodelay(nodelay)?;
    socket.connect_timeout(&remote.into(), limit)?;
    Ok(socket.into())
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, TcpListener};

    use super::*;

    #[test]
    fn connections_come_from_the_bound_address() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let local = SocketAddr::from(([127, 0, 0, 2], 0));
        for host in [
            Host::Ip(Ipv4Addr::LOCALHOST.into()),
            Host::Name("localhost".into()),
        ] {
            let stream = connect_from(local, &host, port, true).unwrap();
            assert!(stream.nodelay().unwrap());
            let (_, peer) = listener.accept().unwrap();
            assert_eq!(peer.ip(), local.ip(), "{host}");
        }
    }

    #[test]
    fn a_family_the_local_address_cannot_reach_is_no_address() {
        let local = SocketAddr::from(([127, 0, 0, 1], 0));
        let v6 = Host::Ip("::1".parse().unwrap());
        assert!(matches!(
            connect_from(local, &v6, 1883, false),
            Err(TransportError::NoAddress { host }) if host == "[::1]"
        ));
    }
}
