//! Connectors for MQTT clients: byte streams to a broker over TCP, TLS, WebSocket, Unix
//! sockets, or whatever a user brings.
//!
//! Work in progress.

mod address;
mod connector;
mod error;
mod tcp;
mod timeout;

#[cfg(feature = "tls")]
pub mod tls;

pub use address::{
    AddressError, BrokerAddress, DEFAULT_WEBSOCKET_PATH, Host, MQTT_PORT, MQTTS_PORT, WS_PORT,
    WSS_PORT,
};
pub use connector::{BoxedStream, ByteStream, ConnectFuture, Connector};
pub use error::{ConnectAttempt, Stage, TransportError};
pub use tcp::{DEFAULT_CONNECT_TIMEOUT, TcpConnector};
pub use timeout::DEFAULT_HANDSHAKE_TIMEOUT;
