//! [`WebSocketConnector`]: TCP (and TLS for `wss://`), then the HTTP upgrade with the `mqtt`
//! subprotocol.

use std::io;
use std::time::Duration;

use async_tungstenite::tungstenite::client::IntoClientRequest;
use async_tungstenite::tungstenite::error::ProtocolError;
use async_tungstenite::tungstenite::http::header::{
    HeaderName, HeaderValue, SEC_WEBSOCKET_PROTOCOL,
};
use async_tungstenite::tungstenite::protocol::WebSocketConfig;
use async_tungstenite::tungstenite::{self};
use futures_io::{AsyncRead, AsyncWrite};

use super::{WebSocketByteStream, WebSocketError};
use crate::timeout::{DEFAULT_HANDSHAKE_TIMEOUT, limit_time};
use crate::{
    BoxedStream, BrokerAddress, ConnectFuture, Connector, Host, Stage, TcpConnector, TransportError,
};

/// The WebSocket subprotocol of MQTT 3.1.1 and 5.0 (MQTT 3.1 used `mqttv3.1`).
pub const MQTT_SUBPROTOCOL: &str = "mqtt";

/// Opens MQTT-over-WebSocket connections (`ws://`, and `wss://` with the `tls` feature).
///
/// The upgrade request asks for the `mqtt` subprotocol (`Sec-WebSocket-Protocol`) and
/// carries any headers added with [`header`](Self::header) (authentication tokens, origin).
/// The connection is returned as a byte stream ([`WebSocketByteStream`]).
///
/// ```no_run
/// use mqtt_kit_transport::Connector;
/// use mqtt_kit_transport::websocket::WebSocketConnector;
///
/// # futures_lite::future::block_on(async {
/// let connector = WebSocketConnector::new().header("Authorization", "Bearer 123")?;
/// let stream = connector.connect(&"wss://broker.example/mqtt".parse()?).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct WebSocketConnector {
    tcp: TcpConnector,
    #[cfg(feature = "tls")]
    tls: crate::tls::SharedTls,
    subprotocol: Option<(String, HeaderValue)>,
    headers: Vec<(HeaderName, HeaderValue)>,
    handshake_timeout: Option<Duration>,
    config: WebSocketConfig,
}

impl Default for WebSocketConnector {
    fn default() -> Self {
        WebSocketConnector {
            tcp: TcpConnector::new(),
            #[cfg(feature = "tls")]
            tls: crate::tls::SharedTls::default(),
            subprotocol: Some((
                MQTT_SUBPROTOCOL.to_owned(),
                HeaderValue::from_static(MQTT_SUBPROTOCOL),
            )),
            headers: Vec::new(),
            handshake_timeout: Some(DEFAULT_HANDSHAKE_TIMEOUT),
            config: WebSocketConfig::default(),
        }
    }
}

impl WebSocketConnector {
    /// A connector asking for the `mqtt` subprotocol, with a 10-second handshake timeout and
    /// the default TLS configuration for `wss://` (built on first use).
    pub fn new() -> Self {
        Self::default()
    }

    /// Opens the TCP connections with `tcp`.
    pub fn tcp(mut self, tcp: TcpConnector) -> Self {
        self.tcp = tcp;
        self
    }

    /// Runs `wss://` connections through `tls` (its roots, client certificate, ...); its own
    /// TCP settings are not used, this connector's are.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: crate::tls::TlsConnector) -> Self {
        self.tls = crate::tls::SharedTls::given(tls);
        self
    }

    #[cfg(feature = "tls")]
    pub(crate) fn shared_tls(mut self, tls: crate::tls::SharedTls) -> Self {
        self.tls = tls;
        self
    }

    /// Asks for this subprotocol instead of `mqtt` (e.g. `mqttv3.1` for old brokers), or for
    /// none.
    pub fn subprotocol(mut self, subprotocol: Option<&str>) -> Result<Self, WebSocketError> {
        self.subprotocol = match subprotocol {
            None => None,
            Some(name) => Some((
                name.to_owned(),
                header_value(SEC_WEBSOCKET_PROTOCOL.as_str(), name)?,
            )),
        };
        Ok(self)
    }

    /// Adds a header to the upgrade request, replacing one of the same name.
    pub fn header(mut self, name: &str, value: &str) -> Result<Self, WebSocketError> {
        let header_name =
            HeaderName::from_bytes(name.as_bytes()).map_err(|e| WebSocketError::InvalidHeader {
                name: name.to_owned(),
                reason: e.to_string(),
            })?;
        let value = header_value(name, value)?;
        self.headers
            .retain(|(existing, _)| *existing != header_name);
        self.headers.push((header_name, value));
        Ok(self)
    }

    /// Sets how long the WebSocket handshake (and for `wss://` the TLS handshake, each)
    /// may take (default: 10 seconds; `None`: no limit).
    pub fn handshake_timeout(mut self, limit: Option<Duration>) -> Self {
        self.handshake_timeout = limit;
        self
    }

    /// Sets the largest message accepted from the server (default: 64 MiB; `None`: no
    /// limit). A broker's MQTT packets larger than this end the connection.
    pub fn max_message_size(mut self, limit: Option<usize>) -> Self {
        self.config = self.config.max_message_size(limit).max_frame_size(limit);
        self
    }

    /// Runs the WebSocket upgrade over an already open `stream`: `host` and `port` go in
    /// the `Host` header, `path` is requested, `secure` says whether `stream` is encrypted.
    pub async fn handshake<S>(
        &self,
        stream: S,
        host: &Host,
        port: u16,
        path: &str,
        secure: bool,
    ) -> Result<WebSocketByteStream<S>, TransportError>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let scheme = if secure { "wss" } else { "ws" };
        let mut request = format!("{scheme}://{host}:{port}{path}")
            .into_client_request()
            .map_err(|e| WebSocketError::Protocol(Box::new(e)))?;
        let headers = request.headers_mut();
        if let Some((_, value)) = &self.subprotocol {
            headers.insert(SEC_WEBSOCKET_PROTOCOL, value.clone());
        }
        for (name, value) in &self.headers {
            headers.insert(name.clone(), value.clone());
        }
        let upgrade =
            async_tungstenite::client_async_with_config(request, stream, Some(self.config));
        limit_time(self.handshake_timeout, Stage::WebSocketHandshake, async {
            match upgrade.await {
                Ok((socket, _response)) => Ok(WebSocketByteStream::new(socket)),
                Err(error) => Err(self.handshake_error(error)),
            }
        })
        .await
    }

    /// Sorts a failed upgrade into what a user can act on.
    fn handshake_error(&self, error: tungstenite::Error) -> TransportError {
        match error {
            tungstenite::Error::Http(response) => WebSocketError::Rejected {
                status: response.status().as_u16(),
            }
            .into(),
            tungstenite::Error::Protocol(ProtocolError::SecWebSocketSubProtocolError(_)) => {
                WebSocketError::SubprotocolRefused {
                    requested: self
                        .subprotocol
                        .as_ref()
                        .map(|(name, _)| name.clone())
                        .unwrap_or_default(),
                }
                .into()
            }
            tungstenite::Error::Protocol(ProtocolError::HandshakeIncomplete) => {
                WebSocketError::ClosedDuringHandshake.into()
            }
            tungstenite::Error::Io(error) => io_handshake_error(error),
            other => WebSocketError::Protocol(Box::new(other)).into(),
        }
    }

    /// Opens a connection to a `ws://` or `wss://` address.
    async fn connect_to(
        &self,
        host: &Host,
        port: u16,
        path: &str,
        secure: bool,
    ) -> Result<BoxedStream, TransportError> {
        let tcp = self.tcp.connect_to(host, port).await?;
        if !secure {
            return Ok(Box::new(
                self.handshake(tcp, host, port, path, false).await?,
            ));
        }
        #[cfg(feature = "tls")]
        {
            let tls = self
                .tls
                .get()?
                .handshake_timeout(self.handshake_timeout)
                .handshake(host, tcp)
                .await?;
            Ok(Box::new(self.handshake(tls, host, port, path, true).await?))
        }
        #[cfg(not(feature = "tls"))]
        {
            drop(tcp);
            Err(TransportError::FeatureDisabled {
                scheme: "wss",
                feature: "tls",
            })
        }
    }
}

/// An I/O error during the upgrade: a TLS failure seen late (TLS 1.3 client certificates),
/// the server hanging up, or a plain I/O error.
fn io_handshake_error(error: io::Error) -> TransportError {
    #[cfg(feature = "tls")]
    let error = match crate::tls::TlsError::take_from(error) {
        Ok(tls) => return TransportError::Tls(tls),
        Err(error) => error,
    };
    match error.kind() {
        io::ErrorKind::UnexpectedEof
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => WebSocketError::ClosedDuringHandshake.into(),
        _ => TransportError::Io {
            stage: Stage::WebSocketHandshake,
            source: error,
        },
    }
}

fn header_value(name: &str, value: &str) -> Result<HeaderValue, WebSocketError> {
    HeaderValue::from_str(value).map_err(|e| WebSocketError::InvalidHeader {
        name: name.to_owned(),
        reason: e.to_string(),
    })
}

impl Connector for WebSocketConnector {
    fn connect<'a>(&'a self, address: &'a BrokerAddress) -> ConnectFuture<'a> {
        Box::pin(async move {
            match address {
                BrokerAddress::WebSocket { host, port, path } => {
                    self.connect_to(host, *port, path, false).await
                }
                BrokerAddress::SecureWebSocket { host, port, path } => {
                    self.connect_to(host, *port, path, true).await
                }
                other => Err(TransportError::UnsupportedAddress {
                    connector: "WebSocketConnector",
                    scheme: other.scheme(),
                }),
            }
        })
    }
}
