//! [`TlsConnector`]: TCP, then a rustls handshake.

use std::sync::Arc;
use std::time::Duration;

use async_net::TcpStream;
use futures_io::{AsyncRead, AsyncWrite};
use rustls::ClientConfig;
use rustls::pki_types::ServerName;

use super::{TlsConfig, TlsError, TlsStream};
use crate::timeout::{DEFAULT_HANDSHAKE_TIMEOUT, limit_time};
use crate::{
    BoxedStream, BrokerAddress, ConnectFuture, Connector, Host, Stage, TcpConnector, TransportError,
};

/// Opens TLS connections (`mqtts://`, `ssl://`): TCP through a [`TcpConnector`], then a
/// rustls handshake that checks the server's certificate against the name in the address.
///
/// ```no_run
/// use mqtt_kit_transport::Connector;
/// use mqtt_kit_transport::tls::{TlsConfig, TlsConnector};
///
/// # futures_lite::future::block_on(async {
/// let ca_pem = std::fs::read("/etc/mosquitto/ca_certificates/ca.crt")?;
/// let connector = TlsConnector::new(&TlsConfig::new().add_ca_pem(&ca_pem)?)?;
/// let stream = connector.connect(&"mqtts://broker.example".parse()?).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct TlsConnector {
    config: Arc<ClientConfig>,
    tcp: TcpConnector,
    server_name: Option<ServerName<'static>>,
    handshake_timeout: Option<Duration>,
}

impl TlsConnector {
    /// A connector for `config`; fails when the configuration does (no trust roots, a bad
    /// client key, ...).
    pub fn new(config: &TlsConfig) -> Result<Self, TlsError> {
        Ok(Self::from_client_config(config.build()?))
    }

    /// A connector for a rustls configuration built by the caller, used as it is.
    pub fn from_client_config(config: Arc<ClientConfig>) -> Self {
        TlsConnector {
            config,
            tcp: TcpConnector::new(),
            server_name: None,
            handshake_timeout: Some(DEFAULT_HANDSHAKE_TIMEOUT),
        }
    }

    /// Opens the TCP connections with `tcp` (its connect timeout, `TCP_NODELAY`).
    pub fn tcp(mut self, tcp: TcpConnector) -> Self {
        self.tcp = tcp;
        self
    }

    /// Sends this name in SNI and checks the server's certificate against it, instead of the
    /// host in the address: for a broker reached by IP address or through a tunnel.
    pub fn server_name(mut self, name: &str) -> Result<Self, TlsError> {
        let name =
            ServerName::try_from(name.to_owned()).map_err(|_| TlsError::InvalidServerName {
                name: name.to_owned(),
            })?;
        self.server_name = Some(name);
        Ok(self)
    }

    /// Sets how long the TLS handshake may take (default: 10 seconds; `None`: no limit).
    pub fn handshake_timeout(mut self, limit: Option<Duration>) -> Self {
        self.handshake_timeout = limit;
        self
    }

    /// The rustls configuration in use.
    pub fn client_config(&self) -> &Arc<ClientConfig> {
        &self.config
    }

    /// Opens a TCP connection to `host:port` and runs the TLS handshake over it.
    pub async fn connect_to(
        &self,
        host: &Host,
        port: u16,
    ) -> Result<TlsStream<TcpStream>, TransportError> {
        let tcp = self.tcp.connect_to(host, port).await?;
        self.handshake(host, tcp).await
    }

    /// Runs the TLS handshake over an already open `stream` to `host`: TLS over a proxy
    /// tunnel, a stream of another runtime, or the WebSocket connector's TCP connection.
    pub async fn handshake<S>(&self, host: &Host, stream: S) -> Result<TlsStream<S>, TransportError>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let server_name = match &self.server_name {
            Some(name) => name.clone(),
            None => server_name_of(host)?,
        };
        let shown_name = server_name.to_str().into_owned();
        let connector = futures_rustls::TlsConnector::from(self.config.clone());
        limit_time(self.handshake_timeout, Stage::TlsHandshake, async {
            match connector.connect(server_name, stream).await {
                Ok(stream) => Ok(TlsStream::new(stream, shown_name.clone())),
                Err(error) => Err(match TlsError::from_handshake_io(&error, &shown_name) {
                    Some(tls) => TransportError::Tls(tls),
                    None => TransportError::Io {
                        stage: Stage::TlsHandshake,
                        source: error,
                    },
                }),
            }
        })
        .await
    }
}

impl Connector for TlsConnector {
    fn connect<'a>(&'a self, address: &'a BrokerAddress) -> ConnectFuture<'a> {
        Box::pin(async move {
            match address {
                BrokerAddress::Tls { host, port } => {
                    Ok(Box::new(self.connect_to(host, *port).await?) as BoxedStream)
                }
                other => Err(TransportError::UnsupportedAddress {
                    connector: "TlsConnector",
                    scheme: other.scheme(),
                }),
            }
        })
    }
}

/// The name the server's certificate must carry: the DNS name, or the IP address itself.
fn server_name_of(host: &Host) -> Result<ServerName<'static>, TlsError> {
    match host {
        Host::Ip(ip) => Ok(ServerName::IpAddress((*ip).into())),
        Host::Name(name) => ServerName::try_from(name.clone())
            .map_err(|_| TlsError::InvalidServerName { name: name.clone() }),
    }
}
