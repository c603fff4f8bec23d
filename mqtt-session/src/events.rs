//! What the session tells the application: [`Event`]s, and the tokens that tie them to the
//! commands that caused them.

use mqtt_kit_codec::{
    Auth, ConnAck, Disconnect, DisconnectReasonCode, PacketId, PubAck, PubComp, PubRec, Publish,
    QoS, SubAck, TopicFilter, UnsubAck,
};

use crate::auth::AuthError;
use crate::connect::Connected;
use crate::error::{CommandError, ProtocolError, PublishError};

/// Identifies one accepted publish until its [`Event::PublishDone`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublishToken(pub(crate) u64);

/// Identifies one SUBSCRIBE or UNSUBSCRIBE until its [`Event::SubscribeDone`] or
/// [`Event::UnsubscribeDone`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestToken(pub(crate) u64);

impl PublishToken {
    /// The number behind the token (unique within a session, increasing).
    pub fn get(self) -> u64 {
        self.0
    }
}

impl RequestToken {
    /// The number behind the token (unique within a session, increasing).
    pub fn get(self) -> u64 {
        self.0
    }
}

/// Identifies one incoming QoS 1/2 message to acknowledge with
/// [`crate::Session::acknowledge`] (manual acknowledgement).
///
/// A QoS 2 token stays valid until it is used, across reconnections that resume the session
/// (the message is never delivered twice); a QoS 1 token is valid on its connection only
/// (after a reconnection the server sends the message again and it is delivered again, with
/// a new token). A session the server did not keep takes every token with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AckToken {
    pub(crate) packet_id: PacketId,
    pub(crate) qos: QoS,
    pub(crate) delivery: u64,
}

impl AckToken {
    /// The packet identifier of the message.
    pub fn packet_id(&self) -> PacketId {
        self.packet_id
    }

    /// Its QoS (1: answered by PUBACK, 2: by PUBREC).
    pub fn qos(&self) -> QoS {
        self.qos
    }
}

/// An incoming application message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The PUBLISH, with its topic name resolved when it came as a topic alias.
    pub publish: Publish,
    /// With manual acknowledgement and QoS 1/2: the token to acknowledge it with.
    pub ack: Option<AckToken>,
}

/// How an accepted publish completed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PublishAck {
    /// QoS 0: written to the outgoing buffer.
    Written,
    /// QoS 1: the server's PUBACK (reason code below 0x80).
    PubAck(PubAck),
    /// QoS 2: the server's PUBCOMP (after a PUBREC below 0x80).
    PubComp(PubComp),
    /// QoS 2: the server took the message (PUBREC below 0x80) but the session was lost before
    /// PUBCOMP; the server owns the message, nothing is sent again.
    Received(PubRec),
}

impl PublishAck {
    /// The MQTT 5.0 reason code of the acknowledgement (0 for QoS 0, and always 0 on 3.x:
    /// 0x10 "No matching subscribers" is a success too).
    pub fn reason_code(&self) -> u8 {
        match self {
            Self::Written => 0,
            Self::PubAck(ack) => ack.code.code(),
            Self::PubComp(ack) => ack.code.code(),
            Self::Received(ack) => ack.code.code(),
        }
    }

    /// The server's reason string, if it sent one (MQTT 5.0).
    pub fn reason_string(&self) -> Option<&str> {
        match self {
            Self::Written => None,
            Self::PubAck(ack) => ack.properties.reason_string.as_deref(),
            Self::PubComp(ack) => ack.properties.reason_string.as_deref(),
            Self::Received(ack) => ack.properties.reason_string.as_deref(),
        }
    }
}

/// Why a connection ended. After [`Event::Disconnected`], write out what
/// [`crate::Session::poll_transmit`] still holds, then close the network connection.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// We disconnected ([`crate::Session::disconnect`]).
    Local(DisconnectReasonCode),
    /// The server refused the connection: its CONNACK, with reason code (and, in 5.0, reason
    /// string and server reference).
    Refused(ConnAck),
    /// The server sent DISCONNECT: reason code, reason string, server reference.
    Server(Disconnect),
    /// The server broke the protocol; we sent DISCONNECT with the matching reason code (5.0).
    ProtocolViolation(ProtocolError),
    /// No PINGRESP came in time after a PINGREQ.
    KeepAliveTimeout,
    /// No CONNACK came in time after CONNECT.
    ConnAckTimeout,
    /// The authenticator refused the server's data.
    AuthFailed(AuthError),
    /// The driver reported the network connection lost.
    ConnectionLost,
}

impl std::fmt::Display for DisconnectReason {
    /// One line for a log: who ended the connection and why, with the server's reason string
    /// when it sent one.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Local(code) => write!(f, "disconnected by us: {code}")?,
            Self::Refused(connack) => write!(f, "refused by the server: {}", connack.code)?,
            Self::Server(disconnect) => {
                write!(f, "disconnected by the server: {}", disconnect.code)?
            }
            Self::ProtocolViolation(error) => write!(f, "the server broke the protocol: {error}")?,
            Self::KeepAliveTimeout => f.write_str("no PINGRESP in time: the server is gone")?,
            Self::ConnAckTimeout => f.write_str("no CONNACK in time")?,
            Self::AuthFailed(error) => write!(f, "authentication failed: {error}")?,
            Self::ConnectionLost => f.write_str("connection lost")?,
        }
        if let Some(reason) = self.reason_string() {
            write!(f, " ({reason})")?;
        }
        Ok(())
    }
}

impl DisconnectReason {
    /// The server reference (another server to use), when the server sent one.
    pub fn server_reference(&self) -> Option<&str> {
        match self {
            Self::Refused(connack) => connack.properties.server_reference.as_deref(),
            Self::Server(disconnect) => disconnect.properties.server_reference.as_deref(),
            _ => None,
        }
    }

    /// The server's reason string, when it sent one.
    pub fn reason_string(&self) -> Option<&str> {
        match self {
            Self::Refused(connack) => connack.properties.reason_string.as_deref(),
            Self::Server(disconnect) => disconnect.properties.reason_string.as_deref(),
            _ => None,
        }
    }
}

/// Something that happened, in the order it happened.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// The server accepted the connection.
    Connected(Connected),
    /// A message arrived.
    Message(Message),
    /// An accepted publish is over: acknowledged, or failed.
    PublishDone {
        /// The token [`crate::Session::publish`] returned.
        token: PublishToken,
        /// The acknowledgement, or why there will be none.
        result: Result<PublishAck, PublishError>,
    },
    /// A SUBSCRIBE is over: the SUBACK (one reason code per filter, in order), or the
    /// connection was lost first.
    SubscribeDone {
        /// The token [`crate::Session::subscribe`] returned.
        token: RequestToken,
        /// The SUBACK, or `Err` when the connection ended before it.
        result: Result<SubAck, RequestLost>,
    },
    /// An UNSUBSCRIBE is over.
    UnsubscribeDone {
        /// The token [`crate::Session::unsubscribe`] returned.
        token: RequestToken,
        /// The UNSUBACK, or `Err` when the connection ended before it.
        result: Result<UnsubAck, RequestLost>,
    },
    /// Subscriptions were made again after the server lost the session; the SUBACK of one of
    /// them.
    SubscriptionRestored(SubAck),
    /// A subscription could not be made again after the server lost the session (the new
    /// server's limits refuse it); it is forgotten.
    SubscriptionNotRestored {
        /// Its filter.
        filter: TopicFilter,
        /// Why.
        error: CommandError,
    },
    /// A re-authentication succeeded (the server's AUTH 0x00).
    Reauthenticated(Auth),
    /// The connection is over: flush [`crate::Session::poll_transmit`], then close it.
    Disconnected(DisconnectReason),
}

/// A SUBSCRIBE or UNSUBSCRIBE got no answer because the connection ended; it is not sent
/// again (subscriptions are restored on the next connection only if the session was lost).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the connection ended before the server answered")]
pub struct RequestLost;

#[cfg(test)]
mod tests {
    use super::*;
    use mqtt_kit_codec::ConnectReasonCode;

    #[test]
    fn a_disconnect_reason_reads_as_one_line_with_the_servers_reason_string() {
        let mut disconnect = Disconnect::new(DisconnectReasonCode::ServerShuttingDown);
        disconnect.properties.reason_string = Some("maintenance".into());
        let text = DisconnectReason::Server(disconnect).to_string();
        assert!(text.starts_with("disconnected by the server: "), "{text}");
        assert!(text.contains("0x8b"), "{text}");
        assert!(text.ends_with("(maintenance)"), "{text}");
        let refused = DisconnectReason::Refused(ConnAck::new(ConnectReasonCode::NotAuthorized));
        assert!(refused.to_string().contains("0x87"), "{refused}");
        assert_eq!(
            DisconnectReason::ConnectionLost.to_string(),
            "connection lost"
        );
    }
}
