//! MQTT over WebSocket (`ws://`, `wss://`) with async-tungstenite, without any runtime of its
//! own.
//!
//! [`WebSocketConnector`] opens connections; [`WebSocketByteStream`] turns the messages of a
//! WebSocket into the byte stream MQTT runs on; [`WebSocketError`] says what failed.

mod connector;
mod error;
mod stream;

pub use connector::{MQTT_SUBPROTOCOL, WebSocketConnector};
pub use error::WebSocketError;
pub use stream::{MAX_FRAME_PAYLOAD, WebSocketByteStream};

pub use async_tungstenite;
