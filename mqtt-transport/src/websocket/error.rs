//! WebSocket failures: a refused upgrade, a refused subprotocol, frames MQTT does not allow.

use async_tungstenite::tungstenite;

/// Why a WebSocket connection could not be opened or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebSocketError {
    /// A header given to [`WebSocketConnector::header`](super::WebSocketConnector::header)
    /// or a subprotocol name that HTTP does not allow.
    #[error("invalid HTTP header {name:?}: {reason}")]
    InvalidHeader {
        /// The header's name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The server answered the upgrade request with an HTTP status other than 101.
    #[error(
        "the server refused the WebSocket upgrade with HTTP status {status} \
         (is the path right? many brokers serve MQTT on /mqtt)"
    )]
    Rejected {
        /// The HTTP status code.
        status: u16,
    },
    /// The server did not agree to the subprotocol we asked for.
    #[error(
        "the server did not agree to the WebSocket subprotocol {requested:?} \
         (is this an MQTT endpoint?)"
    )]
    SubprotocolRefused {
        /// The subprotocol asked for.
        requested: String,
    },
    /// The server closed the connection in the middle of the upgrade.
    #[error("the server closed the connection during the WebSocket handshake")]
    ClosedDuringHandshake,
    /// The server sent a text frame; MQTT goes in binary frames only (MQTT-6.0.0-1), and a
    /// client receiving anything else must close the connection.
    #[error(
        "the server sent a WebSocket text frame; MQTT allows binary frames only [MQTT-6.0.0-1]"
    )]
    TextFrame,
    /// Any other WebSocket failure.
    #[error("WebSocket protocol error: {0}")]
    Protocol(#[source] Box<tungstenite::Error>),
}
