//! Decoding and encoding errors, each naming the normative statement it enforces where the
//! standard numbers one (`[MQTT-x.y.z-n]`, MQTT 5.0 numbering unless marked "3.1.1:"), else the
//! section of MQTT 5.0 that states the rule.

use alloc::string::String;

use crate::packet::PacketType;
use crate::property::PropertyId;
use crate::reason_code::{ConnectReasonCode, DisconnectReasonCode};
use crate::topic::TopicError;
use crate::version::ProtocolVersion;

/// Why bytes received are not a valid packet. Any of these ends the connection; use
/// [`DecodeError::disconnect_reason`] (or [`DecodeError::connect_reason`] for a CONNECT) to
/// tell the peer why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The first byte has packet type 0, which is reserved.
    #[error("packet type 0 is reserved (first byte {first_byte:#04x}): not an MQTT packet")]
    ReservedPacketType {
        /// The first byte.
        first_byte: u8,
    },
    /// An AUTH packet (type 15) in a protocol version before 5.0.
    #[error(
        "AUTH packets exist only in MQTT 5.0, not in {version} (packet type 15 is reserved there)"
    )]
    AuthNotInVersion {
        /// The version in use.
        version: ProtocolVersion,
    },
    /// The flags of the fixed header are not the ones the packet type requires.
    #[error(
        "invalid fixed header flags {flags:#06b} for {packet_type} [MQTT-2.1.3-1] (3.1.1: [MQTT-2.2.2-1])"
    )]
    InvalidHeaderFlags {
        /// The packet type.
        packet_type: PacketType,
        /// The four flag bits received.
        flags: u8,
    },
    /// A variable byte integer (the remaining length, a property length, a subscription
    /// identifier) runs past four bytes.
    #[error("variable byte integer longer than 4 bytes (MQTT 5.0 section 1.5.5)")]
    MalformedVariableByteInteger,
    /// A variable byte integer uses more bytes than its value needs.
    #[error("variable byte integer not in its shortest form [MQTT-1.5.5-1]")]
    NonMinimalVariableByteInteger,
    /// The fixed header announces a packet larger than the limit: refused before its body is
    /// read.
    #[error(
        "packet of {size} bytes exceeds the maximum packet size of {max} bytes (MQTT 5.0 section 3.1.2.11.4)"
    )]
    PacketTooLarge {
        /// The size of the whole packet, fixed header included.
        size: u64,
        /// The limit.
        max: u32,
    },
    /// The packet ended in the middle of a field: the remaining length is too short.
    #[error("{packet_type} packet ended in the middle of a field: remaining length too short")]
    Truncated {
        /// The packet type.
        packet_type: PacketType,
    },
    /// Bytes left over after the last field of the packet.
    #[error("{count} unexpected bytes after the end of the {packet_type} packet")]
    TrailingBytes {
        /// The packet type.
        packet_type: PacketType,
        /// How many bytes were left over.
        count: usize,
    },
    /// A string is not well-formed UTF-8.
    #[error("string is not well-formed UTF-8 [MQTT-1.5.4-1] (3.1.1: [MQTT-1.5.3-1])")]
    InvalidUtf8,
    /// A string contains U+0000.
    #[error("string contains the null character U+0000 [MQTT-1.5.4-2] (3.1.1: [MQTT-1.5.3-2])")]
    NullCharacter,
    /// A topic name (of a PUBLISH or a Will) or a topic filter is not valid.
    #[error(transparent)]
    Topic(#[from] TopicError),
    /// A Response Topic (of a PUBLISH, or of a Will: MQTT 5.0 section 3.1.3.2.5) is not a
    /// valid topic name: empty, or with a wildcard [MQTT-3.3.2-14].
    #[error("invalid Response Topic [MQTT-3.3.2-14]: {0}")]
    InvalidResponseTopic(TopicError),
    /// A PUBLISH with both QoS bits set.
    #[error("PUBLISH with QoS 3 (both QoS bits set) [MQTT-3.3.1-4]")]
    PublishQoS3,
    /// A CONNECT with Will QoS 3.
    #[error("CONNECT with Will QoS 3 [MQTT-3.1.2-12] (3.1.1: [MQTT-3.1.2-14])")]
    WillQoS3,
    /// A subscription asking for QoS 3.
    #[error("subscription with maximum QoS 3 (MQTT 5.0 section 3.8.3.1; 3.1.1: [MQTT-3.8.3-4])")]
    SubscriptionQoS3,
    /// A packet identifier of 0.
    #[error("packet identifier 0 in {packet_type} [MQTT-2.2.1-3] (3.1.1: [MQTT-2.3.1-1])")]
    ZeroPacketId {
        /// The packet type.
        packet_type: PacketType,
    },
    /// CONNECT with a protocol name other than `MQTT` (or `MQIsdp` for 3.1).
    #[error(
        "CONNECT with protocol name {name:?}, expected \"MQTT\" (or \"MQIsdp\" with level 3) [MQTT-3.1.2-1]"
    )]
    InvalidProtocolName {
        /// The name received (lossily decoded).
        name: String,
    },
    /// CONNECT with a protocol level this codec does not speak.
    #[error("CONNECT with unsupported protocol level {level} [MQTT-3.1.2-2]")]
    UnsupportedProtocolLevel {
        /// The level received.
        level: u8,
    },
    /// The reserved bit 0 of the CONNECT flags is set.
    #[error("reserved CONNECT flag bit 0 is set [MQTT-3.1.2-3]")]
    ReservedConnectFlag,
    /// Will QoS or Will Retain set without the Will Flag.
    #[error(
        "Will QoS or Will Retain set without the Will Flag [MQTT-3.1.2-11] [MQTT-3.1.2-13] (3.1.1: [MQTT-3.1.2-13] [MQTT-3.1.2-15])"
    )]
    WillFlagsWithoutWill,
    /// MQTT 3.1.1 CONNECT with the Password Flag but not the User Name Flag.
    #[error("Password Flag set without the User Name Flag (3.1.1: [MQTT-3.1.2-22])")]
    PasswordWithoutUsername,
    /// A bit other than Session Present is set in the CONNACK flags.
    #[error("reserved CONNACK flags {flags:#04x} [MQTT-3.2.2-1]")]
    InvalidConnAckFlags {
        /// The flags byte.
        flags: u8,
    },
    /// A reason code (or 3.x return code) that this packet does not allow.
    #[error("{code:#04x} is not a valid {packet_type} reason code [{}]", reason_code_statement(*.packet_type))]
    InvalidReasonCode {
        /// The packet type.
        packet_type: PacketType,
        /// The byte received.
        code: u8,
    },
    /// A property identifier the standard does not define.
    #[error("unknown property identifier {id:#04x}: Malformed Packet (MQTT 5.0 section 2.2.2.2)")]
    UnknownProperty {
        /// The identifier.
        id: u32,
    },
    /// A property that this packet may not carry.
    #[error(
        "property {property} is not allowed in {packet_type}: Malformed Packet (MQTT 5.0 section 2.2.2.2)"
    )]
    PropertyNotAllowed {
        /// The property.
        property: PropertyId,
        /// The packet type (CONNECT also for Will properties).
        packet_type: PacketType,
    },
    /// A property that may appear once appears again.
    #[error(
        "property {property} appears more than once: Protocol Error (MQTT 5.0 section 2.2.2.2)"
    )]
    DuplicateProperty {
        /// The property.
        property: PropertyId,
    },
    /// A property with a value the standard forbids (Receive Maximum 0, Maximum QoS 2, a
    /// flag other than 0 or 1, Topic Alias 0 [MQTT-3.3.2-8], Subscription Identifier 0, ...).
    #[error(
        "property {property} has the value {value}, which is not allowed: Protocol Error (MQTT 5.0 section 3)"
    )]
    InvalidPropertyValue {
        /// The property.
        property: PropertyId,
        /// The value received.
        value: u32,
    },
    /// Authentication Data without Authentication Method.
    #[error(
        "Authentication Data without Authentication Method: Protocol Error (MQTT 5.0 section 3.1.2.11.10)"
    )]
    AuthenticationDataWithoutMethod,
    /// A SUBSCRIBE without any subscription.
    #[error("SUBSCRIBE without any topic filter [MQTT-3.8.3-2] (3.1.1: [MQTT-3.8.3-3])")]
    EmptySubscribe,
    /// An UNSUBSCRIBE without any topic filter.
    #[error("UNSUBSCRIBE without any topic filter [MQTT-3.10.3-2]")]
    EmptyUnsubscribe,
    /// A SUBACK (or MQTT 5.0 UNSUBACK) without any reason code.
    #[error(
        "{packet_type} without any reason code: one is due for each topic filter [MQTT-3.9.3-2] [MQTT-3.11.3-2]"
    )]
    NoReasonCodes {
        /// The packet type.
        packet_type: PacketType,
    },
    /// Reserved bits set in a subscription options byte.
    #[error(
        "reserved bits set in subscription options {options:#04x} [MQTT-3.8.3-5] (3.1.1: [MQTT-3.8.3-4])"
    )]
    ReservedSubscriptionOptions {
        /// The options byte.
        options: u8,
    },
    /// Retain Handling 3.
    #[error("subscription with Retain Handling 3: Protocol Error (MQTT 5.0 section 3.8.3.1)")]
    RetainHandling3,
    /// No Local on a shared subscription.
    #[error("No Local set on a shared subscription [MQTT-3.8.3-4]")]
    NoLocalOnSharedSubscription,
    /// An MQTT 5.0 PUBLISH with an empty topic name and no Topic Alias.
    #[error(
        "PUBLISH with an empty topic name and no Topic Alias: Protocol Error (MQTT 5.0 section 3.3.2.1)"
    )]
    EmptyTopicWithoutAlias,
    /// The first packet of a connection is not a CONNECT.
    #[error("the first packet must be CONNECT, got {packet_type} [MQTT-3.1.0-1]")]
    ExpectedConnect {
        /// The packet type received.
        packet_type: PacketType,
    },
}

/// The statement that requires one of the listed reason codes in a packet.
fn reason_code_statement(packet_type: PacketType) -> &'static str {
    match packet_type {
        PacketType::ConnAck => "MQTT-3.2.2-8",
        PacketType::PubAck => "MQTT-3.4.2-1",
        PacketType::PubRec => "MQTT-3.5.2-1",
        PacketType::PubRel => "MQTT-3.6.2-1",
        PacketType::PubComp => "MQTT-3.7.2-1",
        PacketType::SubAck => "MQTT-3.9.3-2",
        PacketType::UnsubAck => "MQTT-3.11.3-2",
        PacketType::Disconnect => "MQTT-3.14.2-1",
        _ => "MQTT-3.15.2-1",
    }
}

impl DecodeError {
    /// The MQTT 5.0 reason code to send in the DISCONNECT that closes the connection because
    /// of this error (MQTT 5.0 section 4.13): Malformed Packet (0x81) only for bytes that
    /// cannot be parsed as the packet (lengths, flags, encodings, QoS 3, properties a packet
    /// may not carry); for a well-formed packet that breaks a rule, the code naming the rule:
    /// Packet too large (0x95), Topic Alias invalid (0x94), Topic Name invalid (0x90), Topic
    /// Filter invalid (0x8F), and Protocol Error (0x82) for the rest (a packet identifier of
    /// 0, a repeated property, an empty or wildcard Response Topic...).
    pub fn disconnect_reason(&self) -> DisconnectReasonCode {
        match self {
            Self::PacketTooLarge { .. } => DisconnectReasonCode::PacketTooLarge,
            Self::InvalidPropertyValue {
                property: PropertyId::TopicAlias,
                ..
            } => DisconnectReasonCode::TopicAliasInvalid,
            // A string that is not UTF-8, or holds U+0000, is malformed [MQTT-1.5.4-1]
            // [MQTT-1.5.4-2], whatever it names; a length past 65,535 cannot be on the wire.
            Self::Topic(
                TopicError::InvalidUtf8 | TopicError::NullCharacter | TopicError::TooLong { .. },
            )
            | Self::InvalidResponseTopic(
                TopicError::InvalidUtf8 | TopicError::NullCharacter | TopicError::TooLong { .. },
            ) => DisconnectReasonCode::MalformedPacket,
            Self::Topic(TopicError::WildcardInTopicName) => DisconnectReasonCode::TopicNameInvalid,
            Self::Topic(
                TopicError::MisplacedMultiLevelWildcard
                | TopicError::MisplacedSingleLevelWildcard
                | TopicError::InvalidShareName
                | TopicError::MissingSharedFilter,
            ) => DisconnectReasonCode::TopicFilterInvalid,
            Self::Topic(_)
            | Self::InvalidResponseTopic(_)
            | Self::ZeroPacketId { .. }
            | Self::AuthNotInVersion { .. }
            | Self::SubscriptionQoS3
            | Self::UnsupportedProtocolLevel { .. }
            | Self::DuplicateProperty { .. }
            | Self::InvalidPropertyValue { .. }
            | Self::AuthenticationDataWithoutMethod
            | Self::EmptySubscribe
            | Self::EmptyUnsubscribe
            | Self::NoReasonCodes { .. }
            | Self::RetainHandling3
            | Self::NoLocalOnSharedSubscription
            | Self::EmptyTopicWithoutAlias
            | Self::ExpectedConnect { .. } => DisconnectReasonCode::ProtocolError,
            _ => DisconnectReasonCode::MalformedPacket,
        }
    }

    /// The CONNACK reason code a server sends when the CONNECT could not be decoded:
    /// Unsupported Protocol Version (0x84, 3.x return code 1) for an unknown protocol name or
    /// level [MQTT-3.1.2-2], else the same as [`DecodeError::disconnect_reason`].
    pub fn connect_reason(&self) -> ConnectReasonCode {
        match self {
            Self::InvalidProtocolName { .. } | Self::UnsupportedProtocolLevel { .. } => {
                ConnectReasonCode::UnsupportedProtocolVersion
            }
            _ => match self.disconnect_reason() {
                DisconnectReasonCode::PacketTooLarge => ConnectReasonCode::PacketTooLarge,
                DisconnectReasonCode::TopicNameInvalid => ConnectReasonCode::TopicNameInvalid,
                DisconnectReasonCode::ProtocolError => ConnectReasonCode::ProtocolError,
                _ => ConnectReasonCode::MalformedPacket,
            },
        }
    }
}

/// Why a packet cannot be encoded: the codec refuses to write bytes the standard forbids.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The packet is larger than the peer's Maximum Packet Size.
    #[error(
        "packet of {size} bytes exceeds the maximum packet size of {max} bytes [MQTT-3.2.2-15] [MQTT-3.1.2-24]"
    )]
    PacketTooLarge {
        /// The size of the whole packet, fixed header included.
        size: usize,
        /// The limit.
        max: u32,
    },
    /// The remaining length exceeds what four bytes can say (268,435,455).
    #[error(
        "remaining length {len} exceeds 268435455, the largest MQTT can encode (MQTT 5.0 section 2.1.4)"
    )]
    RemainingLengthTooLarge {
        /// The remaining length.
        len: usize,
    },
    /// MQTT 5.0 properties on a packet encoded for 3.x: refused rather than silently dropped.
    #[error("{packet_type} has MQTT 5.0 properties, which {version} cannot carry")]
    PropertiesNotAllowed {
        /// The packet type.
        packet_type: PacketType,
        /// The version asked for.
        version: ProtocolVersion,
    },
    /// A reason code that the version cannot carry (3.x has no reason code in PUBACK, for one).
    #[error("{packet_type} reason code {code:#04x} cannot be sent in {version}")]
    ReasonCodeNotInVersion {
        /// The packet type.
        packet_type: PacketType,
        /// The code.
        code: u8,
        /// The version asked for.
        version: ProtocolVersion,
    },
    /// A field that the version does not have (No Local in 3.1.1, Session Present in 3.1 ...).
    #[error("{field} cannot be sent in {version}")]
    FieldNotInVersion {
        /// The field.
        field: &'static str,
        /// The version asked for.
        version: ProtocolVersion,
    },
    /// An AUTH packet for a version before 5.0.
    #[error("AUTH packets exist only in MQTT 5.0, not in {version}")]
    AuthNotInVersion {
        /// The version asked for.
        version: ProtocolVersion,
    },
    /// A CONNECT whose `protocol` is not the version the codec encodes for.
    #[error("CONNECT for {connect} encoded as {requested}")]
    VersionMismatch {
        /// The CONNECT's own protocol version.
        connect: ProtocolVersion,
        /// The version asked for.
        requested: ProtocolVersion,
    },
    /// A QoS 0 PUBLISH with a packet identifier.
    #[error("QoS 0 PUBLISH with a packet identifier [MQTT-2.2.1-2] (3.1.1: [MQTT-2.3.1-5])")]
    PacketIdWithQoS0,
    /// A QoS 1 or 2 PUBLISH without a packet identifier.
    #[error(
        "QoS 1 or 2 PUBLISH without a packet identifier [MQTT-2.2.1-3] (3.1.1: [MQTT-2.3.1-1])"
    )]
    MissingPacketId,
    /// A QoS 0 PUBLISH with DUP set.
    #[error("QoS 0 PUBLISH with DUP set [MQTT-3.3.1-2]")]
    DupWithQoS0,
    /// A PUBLISH with the empty topic name but no Topic Alias (or not in MQTT 5.0).
    #[error(
        "PUBLISH with an empty topic name needs an MQTT 5.0 Topic Alias [MQTT-4.7.3-1] (MQTT 5.0 section 3.3.2.1)"
    )]
    EmptyTopicWithoutAlias,
    /// An empty topic name somewhere else than a PUBLISH (a Will topic).
    #[error("empty topic name [MQTT-4.7.3-1]")]
    EmptyTopic,
    /// A SUBSCRIBE without any subscription.
    #[error("SUBSCRIBE without any topic filter [MQTT-3.8.3-2] (3.1.1: [MQTT-3.8.3-3])")]
    EmptySubscribe,
    /// An UNSUBSCRIBE without any topic filter.
    #[error("UNSUBSCRIBE without any topic filter [MQTT-3.10.3-2]")]
    EmptyUnsubscribe,
    /// A SUBACK (or MQTT 5.0 UNSUBACK) without any reason code.
    #[error(
        "{packet_type} without any reason code: one is due for each topic filter [MQTT-3.9.3-2] [MQTT-3.11.3-2]"
    )]
    NoReasonCodes {
        /// The packet type.
        packet_type: PacketType,
    },
    /// No Local on a shared subscription.
    #[error("No Local set on a shared subscription [MQTT-3.8.3-4]")]
    NoLocalOnSharedSubscription,
    /// MQTT 3.1.1 (or 3.1) CONNECT with a password but no user name.
    #[error("password without user name (3.1.1: [MQTT-3.1.2-22])")]
    PasswordWithoutUsername,
    /// MQTT 3.1.1 CONNECT with an empty client identifier and Clean Session 0.
    #[error("empty client identifier requires Clean Session (3.1.1: [MQTT-3.1.3-7])")]
    EmptyClientIdWithoutCleanSession,
    /// CONNACK with Session Present and a failure code.
    #[error(
        "CONNACK with Session Present and a non-zero reason code [MQTT-3.2.2-6] (3.1.1: [MQTT-3.2.2-4])"
    )]
    SessionPresentWithError,
    /// A string or binary field longer than 65,535 bytes.
    #[error(
        "string or binary data of {len} bytes, more than 65535 (MQTT 5.0 sections 1.5.4, 1.5.6)"
    )]
    StringTooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// A string containing U+0000.
    #[error("string contains the null character U+0000 [MQTT-1.5.4-2] (3.1.1: [MQTT-1.5.3-2])")]
    NullCharacter,
    /// A property value the standard forbids.
    #[error("property {property}: {reason}")]
    InvalidPropertyValue {
        /// The property.
        property: PropertyId,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Authentication Data without Authentication Method.
    #[error(
        "Authentication Data without Authentication Method: Protocol Error (MQTT 5.0 section 3.1.2.11.10)"
    )]
    AuthenticationDataWithoutMethod,
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn messages_cite_their_statement() {
        assert!(
            DecodeError::PublishQoS3
                .to_string()
                .contains("[MQTT-3.3.1-4]")
        );
        assert!(
            DecodeError::InvalidReasonCode {
                packet_type: PacketType::PubAck,
                code: 3
            }
            .to_string()
            .ends_with("[MQTT-3.4.2-1]")
        );
        assert!(
            DecodeError::InvalidReasonCode {
                packet_type: PacketType::Auth,
                code: 3
            }
            .to_string()
            .ends_with("[MQTT-3.15.2-1]")
        );
        assert!(
            DecodeError::Topic(TopicError::WildcardInTopicName)
                .to_string()
                .contains("[MQTT-3.3.2-2]")
        );
        assert!(
            EncodeError::PacketIdWithQoS0
                .to_string()
                .contains("[MQTT-2.2.1-2]")
        );
        assert!(
            EncodeError::SessionPresentWithError
                .to_string()
                .contains("[MQTT-3.2.2-6]")
        );
    }

    #[test]
    fn disconnect_reasons() {
        use DisconnectReasonCode as D;
        let cases = [
            (
                DecodeError::PacketTooLarge { size: 10, max: 5 },
                D::PacketTooLarge,
            ),
            (
                DecodeError::InvalidPropertyValue {
                    property: PropertyId::TopicAlias,
                    value: 0,
                },
                D::TopicAliasInvalid,
            ),
            (
                DecodeError::InvalidPropertyValue {
                    property: PropertyId::ReceiveMaximum,
                    value: 0,
                },
                D::ProtocolError,
            ),
            (
                DecodeError::DuplicateProperty {
                    property: PropertyId::ReasonString,
                },
                D::ProtocolError,
            ),
            (DecodeError::EmptySubscribe, D::ProtocolError),
            (
                DecodeError::PropertyNotAllowed {
                    property: PropertyId::TopicAlias,
                    packet_type: PacketType::ConnAck,
                },
                D::MalformedPacket,
            ),
            (DecodeError::InvalidUtf8, D::MalformedPacket),
            (
                DecodeError::ZeroPacketId {
                    packet_type: PacketType::Publish,
                },
                D::ProtocolError,
            ),
            (
                DecodeError::Topic(TopicError::WildcardInTopicName),
                D::TopicNameInvalid,
            ),
            (
                DecodeError::Topic(TopicError::MisplacedMultiLevelWildcard),
                D::TopicFilterInvalid,
            ),
            (
                DecodeError::Topic(TopicError::NullCharacter),
                D::MalformedPacket,
            ),
            (
                DecodeError::InvalidResponseTopic(TopicError::WildcardInTopicName),
                D::ProtocolError,
            ),
            (
                DecodeError::InvalidResponseTopic(TopicError::Empty),
                D::ProtocolError,
            ),
            (
                DecodeError::InvalidResponseTopic(TopicError::NullCharacter),
                D::MalformedPacket,
            ),
            (
                DecodeError::MalformedVariableByteInteger,
                D::MalformedPacket,
            ),
            (
                DecodeError::InvalidHeaderFlags {
                    packet_type: PacketType::PubRel,
                    flags: 0,
                },
                D::MalformedPacket,
            ),
        ];
        for (error, reason) in cases {
            assert_eq!(error.disconnect_reason(), reason, "{error}");
        }
    }

    #[test]
    fn connect_reasons() {
        assert_eq!(
            DecodeError::InvalidProtocolName {
                name: "MQTX".into()
            }
            .connect_reason(),
            ConnectReasonCode::UnsupportedProtocolVersion
        );
        assert_eq!(
            DecodeError::PacketTooLarge { size: 10, max: 5 }.connect_reason(),
            ConnectReasonCode::PacketTooLarge
        );
        assert_eq!(
            DecodeError::ReservedConnectFlag.connect_reason(),
            ConnectReasonCode::MalformedPacket
        );
        assert_eq!(
            DecodeError::AuthenticationDataWithoutMethod.connect_reason(),
            ConnectReasonCode::ProtocolError
        );
        // A Will Topic with a wildcard.
        assert_eq!(
            DecodeError::Topic(TopicError::WildcardInTopicName).connect_reason(),
            ConnectReasonCode::TopicNameInvalid
        );
    }
}
