//! Enhanced authentication (MQTT 5.0 AUTH exchanges) through a pluggable [`Authenticator`].
//!
//! With an authenticator, CONNECT carries its Authentication Method and initial data; each
//! AUTH 0x18 (Continue authentication) from the server is answered by an AUTH 0x18 carrying
//! the authenticator's response [MQTT-4.12.0-3]; the successful CONNACK (or, when
//! re-authenticating, the server's AUTH 0x00) is checked by the authenticator last. Every AUTH
//! we send names the same method [MQTT-4.12.0-5]; without an authenticator we never send AUTH
//! [MQTT-4.12.0-7] and an AUTH from the server is a Protocol Error. Re-authentication
//! ([`crate::Session::reauthenticate`]) is possible any time after CONNACK [MQTT-4.12.1-1].

use bytes::Bytes;

/// The authenticator refused to go on; the message says why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("authentication failed: {message}")]
pub struct AuthError {
    /// What went wrong.
    pub message: String,
}

impl AuthError {
    /// An error saying `message`.
    pub fn new(message: impl std::fmt::Display) -> Self {
        Self {
            message: message.to_string(),
        }
    }
}

/// One method of enhanced authentication (SCRAM, Kerberos, a token scheme...), on the client
/// side.
pub trait Authenticator: Send {
    /// The Authentication Method (e.g. `SCRAM-SHA-256`), sent in CONNECT and in every AUTH.
    fn method(&self) -> &str;

    /// The Authentication Data of the first message: in CONNECT, and in the AUTH 0x19 that
    /// starts a re-authentication.
    fn initial_data(&mut self) -> Result<Option<Bytes>, AuthError>;

    /// The server continues the exchange (AUTH 0x18) with `challenge`: the data of our
    /// answering AUTH 0x18.
    fn respond(&mut self, challenge: Option<&Bytes>) -> Result<Option<Bytes>, AuthError>;

    /// The server says the exchange succeeded (CONNACK 0x00, or AUTH 0x00 after a
    /// re-authentication) with this final data: accept it, or refuse (the connection ends).
    fn finish(&mut self, data: Option<&Bytes>) -> Result<(), AuthError>;
}
