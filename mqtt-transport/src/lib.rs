//! Connectors for MQTT clients: byte streams to a broker over TCP, TLS, WebSocket, Unix
//! sockets, or whatever a user brings.
//!
//! Work in progress.

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
#[cfg(unix)]
pub use unix::UnixConnector;
