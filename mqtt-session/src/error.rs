//! Errors: commands the session refuses, publishes that fail, and protocol violations that end
//! a connection.

use mqtt_kit_codec::{
    DecodeError, Disconnect, DisconnectReasonCode, EncodeError, PacketType, PubAck, PubRec, QoS,
};

use crate::auth::AuthError;

/// A command the session refused; nothing was sent or queued.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The command needs a connection (CONNACK received) and there is none.
    #[error("not connected: wait for the CONNACK of a connection")]
    NotConnected,
    /// `connect` while a connection is being made or is up.
    #[error("already connecting or connected: call connection_lost or disconnect first")]
    AlreadyConnected,
    /// The queue of waiting publishes is full and the policy refuses new ones.
    #[error("the queue of waiting publishes is full ({capacity}); try again after some are sent")]
    QueueFull {
        /// The queue's capacity.
        capacity: usize,
    },
    /// The packet is larger than the server's Maximum Packet Size [MQTT-3.2.2-15].
    #[error(
        "packet of {size} bytes exceeds the server's Maximum Packet Size of {maximum} [MQTT-3.2.2-15]"
    )]
    PacketTooLarge {
        /// Size of the packet on the wire.
        size: usize,
        /// The server's limit.
        maximum: u32,
    },
    /// The server's Maximum QoS is lower than the QoS asked for [MQTT-3.2.2-11].
    #[error("{requested} exceeds the server's Maximum QoS of {} [MQTT-3.2.2-11]", *.maximum as u8)]
    QoSNotSupported {
        /// The QoS asked for.
        requested: QoS,
        /// The server's Maximum QoS.
        maximum: QoS,
    },
    /// The server does not accept retained messages [MQTT-3.2.2-14].
    #[error("the server does not accept retained messages (Retain Available 0) [MQTT-3.2.2-14]")]
    RetainNotAvailable,
    /// A client must not send a Subscription Identifier in PUBLISH [MQTT-3.3.4-6].
    #[error("a PUBLISH from a client must not carry a Subscription Identifier [MQTT-3.3.4-6]")]
    SubscriptionIdentifierInPublish,
    /// Topic aliases are chosen by the session, not by the caller.
    #[error(
        "topic aliases are assigned by the session: leave PublishProperties::topic_alias empty"
    )]
    TopicAliasSetByCaller,
    /// The topic name is empty (only an alias could stand for it, and aliases are the session's).
    #[error("the topic name must not be empty [MQTT-4.7.3-1]")]
    EmptyTopic,
    /// SUBSCRIBE and UNSUBSCRIBE need at least one topic filter [MQTT-3.8.3-3] [MQTT-3.10.3-2].
    #[error("at least one topic filter is needed [MQTT-3.8.3-3] [MQTT-3.10.3-2]")]
    NoTopicFilter,
    /// No Local on a shared subscription is a Protocol Error [MQTT-3.8.3-4].
    #[error("No Local must not be set on a shared subscription ({filter}) [MQTT-3.8.3-4]")]
    NoLocalOnSharedSubscription {
        /// The filter.
        filter: String,
    },
    /// The server said it does not support this kind of subscription (CONNACK).
    #[error("the server does not support {feature} (CONNACK)")]
    FeatureNotAvailable {
        /// "wildcard subscriptions", "shared subscriptions" or "subscription identifiers".
        feature: &'static str,
    },
    /// An MQTT 5.0 feature asked for on an MQTT 3.x connection.
    #[error("{feature} needs MQTT 5.0")]
    NeedsV5 {
        /// What was asked for.
        feature: &'static str,
    },
    /// MQTT 3.1.1 allows an empty client identifier only with a clean session [MQTT-3.1.3-7].
    #[error("an empty client identifier needs a clean session [MQTT-3.1.3-7]")]
    EmptyClientIdNeedsCleanStart,
    /// MQTT 3.1 client identifiers are 1 to 23 bytes long.
    #[error("an MQTT 3.1 client identifier must be 1 to 23 bytes long")]
    ClientIdLength,
    /// The acknowledgement token is unknown or was used already.
    #[error("unknown or already used acknowledgement token")]
    UnknownAckToken,
    /// `acknowledge` with automatic acknowledgement.
    #[error("acknowledgements are automatic: configure AckMode::Manual to acknowledge by hand")]
    NotManualAck,
    /// The reason code given does not fit this acknowledgement.
    #[error("reason code {code:#04x} is not a valid {packet} reason code")]
    InvalidReasonCode {
        /// The code.
        code: u8,
        /// "PUBACK" or "PUBREC".
        packet: &'static str,
    },
    /// Every packet identifier is in use (65,535 exchanges in flight).
    #[error("all 65,535 packet identifiers are in use; wait for acknowledgements")]
    NoPacketId,
    /// A non-zero Session Expiry Interval in DISCONNECT after a CONNECT with none is a
    /// Protocol Error (MQTT 5.0, 3.14.2.2.2).
    #[error("Session Expiry Interval in DISCONNECT must stay 0 when CONNECT had 0")]
    SessionExpiryAfterZero,
    /// Re-authentication needs an authenticator [MQTT-4.12.0-7].
    #[error("no Authentication Method was sent in CONNECT: no AUTH can be sent [MQTT-4.12.0-7]")]
    NoAuthenticator,
    /// The authenticator refused.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The packet cannot be encoded (e.g. MQTT 5.0 properties on a 3.x connection).
    #[error("cannot encode the packet: {0}")]
    Encode(#[from] EncodeError),
}

/// Why an accepted publish did not complete.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// The server refused it: PUBACK with a reason code of 0x80 or more.
    #[error("the server refused the message: PUBACK {}", .0.code)]
    RejectedPubAck(PubAck),
    /// The server refused it: PUBREC with a reason code of 0x80 or more.
    #[error("the server refused the message: PUBREC {}", .0.code)]
    RejectedPubRec(PubRec),
    /// The server did not keep the session and the policy is
    /// [`crate::LostSessionPolicy::Fail`]; the server may or may not have it.
    #[error("the server lost the session before acknowledging the message")]
    SessionLost,
    /// Dropped from the full queue to make room ([`crate::QueueFullPolicy::DropOldestQos0`]).
    #[error("dropped from the full queue of waiting publishes")]
    Dropped,
    /// Waiting for a connection, it became impossible under the new server's limits.
    #[error(transparent)]
    Refused(#[from] CommandError),
}

/// A protocol violation by the server, or a packet we cannot take: the connection ends, with a
/// DISCONNECT carrying [`ProtocolError::disconnect_reason`] on MQTT 5.0 [MQTT-4.8.0-1]
/// [MQTT-4.13.2-1].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The bytes are not a valid packet (malformed, too large...).
    #[error("invalid packet from the server: {0}")]
    Decode(#[from] DecodeError),
    /// A packet other than CONNACK (or AUTH) came before CONNACK [MQTT-3.2.0-1].
    #[error("{0:?} received before CONNACK [MQTT-3.2.0-1]")]
    BeforeConnAck(PacketType),
    /// A second CONNACK [MQTT-3.2.0-2].
    #[error("a second CONNACK [MQTT-3.2.0-2]")]
    SecondConnAck,
    /// A packet only a client sends (CONNECT, SUBSCRIBE, PINGREQ...), or a DISCONNECT or AUTH
    /// that this protocol version does not allow from a server.
    #[error("the server sent {0:?}, which a server must not send")]
    UnexpectedPacket(PacketType),
    /// An acknowledgement for a packet identifier that has no exchange of that kind in flight.
    #[error("{packet:?} for packet identifier {packet_id}, which is not waiting for one")]
    UnknownPacketId {
        /// The acknowledgement.
        packet: PacketType,
        /// Its packet identifier.
        packet_id: u16,
    },
    /// PUBREL for an incoming QoS 2 message we have not answered with PUBREC yet.
    #[error("PUBREL for packet identifier {0} before our PUBREC")]
    PubRelBeforePubRec(u16),
    /// A QoS 1 PUBLISH reusing the identifier of an unfinished QoS 2 one, or the reverse.
    #[error("PUBLISH reuses packet identifier {0}, still in use by another message")]
    PacketIdInUse(u16),
    /// More unacknowledged QoS 1/2 PUBLISH than our Receive Maximum [MQTT-3.3.4-9].
    #[error("the server exceeded our Receive Maximum of {0} [MQTT-3.3.4-9]")]
    ReceiveMaximumExceeded(u16),
    /// Topic alias 0 or above our Topic Alias Maximum [MQTT-3.2.2-17] (client side: 0x94).
    #[error("topic alias {0} is 0 or above our Topic Alias Maximum")]
    TopicAliasInvalid(u16),
    /// An empty topic name with an alias that has no mapping.
    #[error("topic alias {0} has no topic yet and the PUBLISH has no topic name")]
    UnknownTopicAlias(u16),
    /// SUBACK/UNSUBACK with a different number of reason codes than filters [MQTT-3.8.4-6]
    /// [MQTT-3.9.3-1] [MQTT-3.11.3-1].
    #[error("{packet:?} has {got} reason codes for {expected} topic filters")]
    ReasonCodeCount {
        /// SUBACK or UNSUBACK.
        packet: PacketType,
        /// How many filters the request had.
        expected: usize,
        /// How many codes came.
        got: usize,
    },
    /// Session Present 1 after we asked for a clean start [MQTT-3.2.2-2].
    #[error("Session Present 1 in answer to Clean Start 1 [MQTT-3.2.2-2]")]
    SessionPresentOnCleanStart,
    /// Session Present 1 while we hold no session state [MQTT-3.2.2-4]; the next connection
    /// asks for a clean start.
    #[error("Session Present 1 while the client has no session state [MQTT-3.2.2-4]")]
    SessionPresentWithoutState,
    /// AUTH from the server without an Authentication Method in our CONNECT [MQTT-4.12.0-6].
    #[error("AUTH from the server, but CONNECT had no Authentication Method [MQTT-4.12.0-6]")]
    AuthWithoutMethod,
    /// AUTH or CONNACK naming another Authentication Method than ours [MQTT-4.12.0-5].
    #[error("Authentication Method {got:?} differs from ours ({expected}) [MQTT-4.12.0-5]")]
    AuthMethodMismatch {
        /// Ours.
        expected: String,
        /// The server's.
        got: Option<String>,
    },
    /// A server DISCONNECT with a Session Expiry Interval [MQTT-3.14.2-2]; the DISCONNECT
    /// (reason code, reason string, server reference) is kept.
    #[error("the server's DISCONNECT ({}) carries a Session Expiry Interval [MQTT-3.14.2-2]", .0.code)]
    SessionExpiryFromServer(Box<Disconnect>),
    /// A CONNACK whose Maximum Packet Size is below 5 bytes, too small for the packets the
    /// client must be able to send: an acknowledgement (PUBACK, PUBREC, PUBREL, PUBCOMP) is
    /// 4 bytes, 5 with a reason code. Refused like the value 0, which MQTT 5.0 section
    /// 3.2.2.3.6 makes a Protocol Error (the decoder refuses that one).
    #[error(
        "the server's Maximum Packet Size of {0} bytes is too small to carry the acknowledgements the client must send (5 bytes with a reason code): a Protocol Error, like the value 0 (MQTT 5.0 section 3.2.2.3.6)"
    )]
    MaximumPacketSizeTooSmall(u32),
    /// An AUTH reason code that the server may not send at this point.
    #[error("unexpected AUTH reason code {0:#04x}")]
    UnexpectedAuth(u8),
}

impl ProtocolError {
    /// The reason code of the DISCONNECT we send for this error (MQTT 5.0).
    pub fn disconnect_reason(&self) -> DisconnectReasonCode {
        match self {
            Self::Decode(error) => error.disconnect_reason(),
            Self::ReceiveMaximumExceeded(_) => DisconnectReasonCode::ReceiveMaximumExceeded,
            Self::TopicAliasInvalid(_) => DisconnectReasonCode::TopicAliasInvalid,
            _ => DisconnectReasonCode::ProtocolError,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_maximum_qos_message_says_qos_once_per_value() {
        let error = CommandError::QoSNotSupported {
            requested: QoS::ExactlyOnce,
            maximum: QoS::AtMostOnce,
        };
        assert_eq!(
            error.to_string(),
            "QoS 2 exceeds the server's Maximum QoS of 0 [MQTT-3.2.2-11]"
        );
    }
}
