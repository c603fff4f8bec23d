//! Connectors for MQTT clients: byte streams to a broker over TCP, TLS, WebSocket, Unix
//! sockets, or whatever a user brings.
//!
//! luamqtt runs its client over luasocket, luasec, copas or OpenResty's cosockets through a
//! "connector". Here a connector turns a [`BrokerAddress`] into a byte stream
//! (`futures_io::AsyncRead + AsyncWrite`, boxed as a [`BoxedStream`]) that the client then
//! speaks MQTT over. This crate knows nothing of MQTT packets: it opens connections, checks
//! certificates and says precisely what failed ([`TransportError`]).
//!
//! ```
//! use futures_lite::{AsyncReadExt, AsyncWriteExt, future};
//! use mqtt_kit_transport::{BrokerAddress, Connector, DefaultConnector};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! future::block_on(async {
//!     // A stand-in broker on a free loopback port: it reads a CONNECT, accepts it.
//!     let listener = async_net::TcpListener::bind("127.0.0.1:0").await?;
//!     let port = listener.local_addr()?.port();
//!     let broker = async {
//!         let (mut socket, _) = listener.accept().await?;
//!         let mut connect = [0; 16];
//!         socket.read_exact(&mut connect).await?;
//!         socket.write_all(&[0x20, 0x02, 0x00, 0x00]).await // CONNACK: accepted
//!     };
//!
//!     // The client side: any address, the connector its scheme calls for.
//!     let client = async {
//!         let address: BrokerAddress = format!("mqtt://127.0.0.1:{port}").parse()?;
//!         let mut stream = DefaultConnector::new().connect(&address).await?;
//!         // An MQTT 3.1.1 CONNECT, client id "t1" (written by the codec crate in real life).
//!         stream.write_all(b"\x10\x0e\x00\x04MQTT\x04\x02\x00\x3c\x00\x02t1").await?;
//!         let mut connack = [0; 4];
//!         stream.read_exact(&mut connack).await?;
//!         Ok::<_, Box<dyn std::error::Error>>(connack)
//!     };
//!
//!     let (served, connack) = future::zip(broker, client).await;
//!     served?;
//!     assert_eq!(connack?, [0x20, 0x02, 0x00, 0x00]);
//!     Ok(())
//! })
//! # }
//! ```
//!
//! # Addresses and connectors
//!
//! | address | connector |
//! | --- | --- |
//! | `mqtt://host:1883`, `tcp://host`, `host`, `host:port`, `[::1]:1883` | [`TcpConnector`] |
//! | `mqtts://host:8883`, `ssl://host` | [`tls::TlsConnector`] (feature `tls`) |
//! | `ws://host:80/mqtt`, `wss://host:443/mqtt` | [`websocket::WebSocketConnector`] (feature `websocket`; `wss` also `tls`) |
//! | `unix:///path/to/socket` | [`UnixConnector`] (Unix systems) |
//! | any of them | [`DefaultConnector`], which picks by scheme |
//!
//! A client holds its connector as `Box<dyn Connector>` or `Arc<dyn Connector>`; anyone can
//! implement [`Connector`] for another transport (a proxy, a stream of another runtime, an
//! in-memory pipe: see the trait's documentation).
//!
//! # TLS
//!
//! rustls, through futures-rustls, with the ring crypto provider by default. Server
//! certificates are always checked, against the operating system's certificate
//! authorities, Mozilla's, or the broker's own CA ([`tls::TlsConfig`]), unless the user
//! calls [`tls::TlsConfig::danger_accept_invalid_certs`] (or, for the host name alone,
//! [`tls::TlsConfig::danger_accept_any_hostname`], mosquitto's `--insecure`). Client
//! certificates (mutual TLS; keys plain or encrypted PKCS#8 with a password; X.509 v1
//! certificates too), a CA directory, the oldest TLS version, SNI, ALPN and a hand-built
//! `rustls::ClientConfig` are supported. Unreadable certificates
//! in the system store are skipped, never a panic; an empty store is an error that says
//! what to do. Each handshake failure is a [`tls::TlsError`] that names it: unknown CA,
//! name mismatch, expired certificate, client certificate required or refused...
//!
//! # Cargo features
//!
//! | feature | default | what it brings |
//! | --- | --- | --- |
//! | `tls` | yes | `mqtts://` with rustls and futures-rustls |
//! | `ring` | yes | the ring crypto provider (without it: the process-default provider) |
//! | `native-roots` | yes | the operating system's CAs (rustls-native-certs) |
//! | `webpki-roots` | no | Mozilla's CAs, compiled in (webpki-roots) |
//! | `websocket` | yes | `ws://` (and with `tls`, `wss://`) with async-tungstenite |
//! | `tokio` | no | `TokioConnector`: `mqtt://` on tokio's own sockets (inside a tokio runtime) |
//!
//! With `default-features = false` only TCP and Unix sockets are built: no TLS or
//! WebSocket code at all.
//!
//! # Runtimes
//!
//! Sockets and timers come from async-io (as in smol), which drives them on a thread of its
//! own: the connectors and their streams work under any executor.

mod address;
mod connector;
mod default_connector;
mod error;
mod tcp;
mod timeout;
#[cfg(unix)]
mod unix;

#[cfg(feature = "tls")]
pub mod tls;
#[cfg(feature = "tokio")]
mod tokio_tcp;
#[cfg(feature = "websocket")]
pub mod websocket;

pub use address::{
    AddressError, BrokerAddress, DEFAULT_WEBSOCKET_PATH, Host, MQTT_PORT, MQTTS_PORT, WS_PORT,
    WSS_PORT,
};
pub use connector::{BoxedStream, ByteStream, ConnectFuture, Connector};
pub use default_connector::DefaultConnector;
pub use error::{ConnectAttempt, Stage, TransportError};
pub use tcp::{DEFAULT_CONNECT_TIMEOUT, TcpConnector};
pub use timeout::DEFAULT_HANDSHAKE_TIMEOUT;
#[cfg(feature = "tokio")]
pub use tokio_tcp::TokioConnector;
#[cfg(unix)]
pub use unix::UnixConnector;

/// The README's examples, run as doctests so that they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
