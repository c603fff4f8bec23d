//! [`DefaultConnector`]: the connector for any address, picked by its scheme.

use crate::{BoxedStream, BrokerAddress, ConnectFuture, Connector, TcpConnector, TransportError};

/// Connects to any address this crate knows, with the connector its scheme calls for: TCP
/// for `mqtt://`, TLS for `mqtts://`, WebSocket for `ws://` and `wss://`, Unix sockets for
/// `unix://`. What a client uses unless given another connector.
///
/// A transport whose cargo feature is off gives [`TransportError::FeatureDisabled`]. The TLS
/// configuration, unless one is given with [`tls`](Self::tls), is the default
/// ([`TlsConfig::new`](crate::tls::TlsConfig::new): the system's roots), built the first
/// time a TLS address is connected to.
///
/// ```no_run
/// use mqtt_kit_transport::{Connector, DefaultConnector};
///
/// # futures_lite::future::block_on(async {
/// let connector = DefaultConnector::new();
/// for url in ["mqtt://localhost", "mqtts://broker.example", "wss://broker.example/mqtt"] {
///     let stream = connector.connect(&url.parse()?).await?;
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct DefaultConnector {
    tcp: TcpConnector,
    #[cfg(feature = "tls")]
    tls: crate::tls::SharedTls,
    #[cfg(feature = "websocket")]
    websocket: crate::websocket::WebSocketConnector,
    #[cfg(unix)]
    unix: crate::UnixConnector,
}

impl Default for DefaultConnector {
    fn default() -> Self {
        #[cfg(feature = "tls")]
        let tls = crate::tls::SharedTls::default();
        DefaultConnector {
            tcp: TcpConnector::new(),
            #[cfg(all(feature = "websocket", feature = "tls"))]
            websocket: crate::websocket::WebSocketConnector::new().shared_tls(tls.clone()),
            #[cfg(all(feature = "websocket", not(feature = "tls")))]
            websocket: crate::websocket::WebSocketConnector::new(),
            #[cfg(feature = "tls")]
            tls,
            #[cfg(unix)]
            unix: crate::UnixConnector::new(),
        }
    }
}

impl DefaultConnector {
    /// Every transport with its defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Opens TCP connections (under `mqtt://`, `mqtts://`, `ws://` and `wss://`) with `tcp`.
    /// A WebSocket connector given later with [`websocket`](Self::websocket) keeps its own.
    pub fn tcp(mut self, tcp: TcpConnector) -> Self {
        #[cfg(feature = "websocket")]
        {
            self.websocket = self.websocket.tcp(tcp.clone());
        }
        self.tcp = tcp;
        self
    }

    /// Runs `mqtts://` and `wss://` connections through `tls` (its TCP settings are not
    /// used; this connector's are).
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: crate::tls::TlsConnector) -> Self {
        self.tls = crate::tls::SharedTls::given(tls);
        #[cfg(feature = "websocket")]
        {
            self.websocket = self.websocket.shared_tls(self.tls.clone());
        }
        self
    }

    /// Opens `ws://` and `wss://` connections with `websocket`, as it is configured (its
    /// headers, subprotocol, TCP and TLS settings).
    #[cfg(feature = "websocket")]
    pub fn websocket(mut self, websocket: crate::websocket::WebSocketConnector) -> Self {
        self.websocket = websocket;
        self
    }

    async fn connect_to(&self, address: &BrokerAddress) -> Result<BoxedStream, TransportError> {
        match address {
            BrokerAddress::Tcp { host, port } => {
                Ok(Box::new(self.tcp.connect_to(host, *port).await?))
            }
            BrokerAddress::Tls { host, port } => {
                #[cfg(feature = "tls")]
                {
                    let tls = self.tls.get()?;
                    let tcp = self.tcp.connect_to(host, *port).await?;
                    Ok(Box::new(tls.handshake(host, tcp).await?))
                }
                #[cfg(not(feature = "tls"))]
                {
                    let _ = (host, port);
                    Err(TransportError::FeatureDisabled {
                        scheme: address.scheme(),
                        feature: "tls",
                    })
                }
            }
            BrokerAddress::WebSocket { .. } | BrokerAddress::SecureWebSocket { .. } => {
                #[cfg(feature = "websocket")]
                {
                    self.websocket.connect(address).await
                }
                #[cfg(not(feature = "websocket"))]
                {
                    Err(TransportError::FeatureDisabled {
                        scheme: address.scheme(),
                        feature: "websocket",
                    })
                }
            }
            BrokerAddress::Unix { .. } => {
                #[cfg(unix)]
                {
                    self.unix.connect(address).await
                }
                #[cfg(not(unix))]
                {
                    Err(TransportError::UnsupportedAddress {
                        connector: "DefaultConnector (Unix sockets exist on Unix systems only)",
                        scheme: address.scheme(),
                    })
                }
            }
        }
    }
}

impl Connector for DefaultConnector {
    fn connect<'a>(&'a self, address: &'a BrokerAddress) -> ConnectFuture<'a> {
        match address {
            // A future is as large as its largest branch: plain TCP, the common case, gets
            // one of its own rather than room for a TLS handshake it does not make (kilobytes
            // per client while it connects, which add up when a fleet reconnects at once).
            BrokerAddress::Tcp { .. } => self.tcp.connect(address),
            _ => Box::pin(self.connect_to(address)),
        }
    }
}
