//! MQTT 5.0 properties one by one (section 2.2.2.2): identifiers, value types, and reading and
//! writing a single property. Which packet may carry which is in `properties.rs`.

use bytes::Bytes;
use bytestring::ByteString;
use core::fmt;
use core::num::{NonZeroU16, NonZeroU32};

use crate::error::DecodeError;
use crate::qos::QoS;
use crate::topic::TopicName;
use crate::wire::{MAX_VARIABLE_BYTE_INTEGER, Reader, Sink};

/// Declares the property identifiers with their names.
macro_rules! property_ids {
    ($( $(#[$doc:meta])* $variant:ident = $value:literal => $name:literal, )+) => {
        /// The identifier of an MQTT 5.0 property.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum PropertyId {
            $( $(#[$doc])* $variant = $value, )+
        }

        impl PropertyId {
            /// The identifier for a byte, `None` if the standard defines no such property.
            pub const fn from_u8(id: u8) -> Option<Self> {
                match id {
                    $( $value => Some(Self::$variant), )+
                    _ => None,
                }
            }

            /// The name the specification gives the property.
            pub const fn name(self) -> &'static str {
                match self {
                    $( Self::$variant => $name, )+
                }
            }
        }
    };
}

property_ids! {
    /// Payload Format Indicator (byte): PUBLISH, Will.
    PayloadFormatIndicator = 0x01 => "Payload Format Indicator",
    /// Message Expiry Interval (four-byte integer): PUBLISH, Will.
    MessageExpiryInterval = 0x02 => "Message Expiry Interval",
    /// Content Type (string): PUBLISH, Will.
    ContentType = 0x03 => "Content Type",
    /// Response Topic (string): PUBLISH, Will.
    ResponseTopic = 0x08 => "Response Topic",
    /// Correlation Data (binary): PUBLISH, Will.
    CorrelationData = 0x09 => "Correlation Data",
    /// Subscription Identifier (variable byte integer): PUBLISH, SUBSCRIBE.
    SubscriptionIdentifier = 0x0B => "Subscription Identifier",
    /// Session Expiry Interval (four-byte integer): CONNECT, CONNACK, DISCONNECT.
    SessionExpiryInterval = 0x11 => "Session Expiry Interval",
    /// Assigned Client Identifier (string): CONNACK.
    AssignedClientIdentifier = 0x12 => "Assigned Client Identifier",
    /// Server Keep Alive (two-byte integer): CONNACK.
    ServerKeepAlive = 0x13 => "Server Keep Alive",
    /// Authentication Method (string): CONNECT, CONNACK, AUTH.
    AuthenticationMethod = 0x15 => "Authentication Method",
    /// Authentication Data (binary): CONNECT, CONNACK, AUTH.
    AuthenticationData = 0x16 => "Authentication Data",
    /// Request Problem Information (byte): CONNECT.
    RequestProblemInformation = 0x17 => "Request Problem Information",
    /// Will Delay Interval (four-byte integer): Will.
    WillDelayInterval = 0x18 => "Will Delay Interval",
    /// Request Response Information (byte): CONNECT.
    RequestResponseInformation = 0x19 => "Request Response Information",
    /// Response Information (string): CONNACK.
    ResponseInformation = 0x1A => "Response Information",
    /// Server Reference (string): CONNACK, DISCONNECT.
    ServerReference = 0x1C => "Server Reference",
    /// Reason String (string): CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK,
    /// DISCONNECT, AUTH.
    ReasonString = 0x1F => "Reason String",
    /// Receive Maximum (two-byte integer): CONNECT, CONNACK.
    ReceiveMaximum = 0x21 => "Receive Maximum",
    /// Topic Alias Maximum (two-byte integer): CONNECT, CONNACK.
    TopicAliasMaximum = 0x22 => "Topic Alias Maximum",
    /// Topic Alias (two-byte integer): PUBLISH.
    TopicAlias = 0x23 => "Topic Alias",
    /// Maximum QoS (byte): CONNACK.
    MaximumQoS = 0x24 => "Maximum QoS",
    /// Retain Available (byte): CONNACK.
    RetainAvailable = 0x25 => "Retain Available",
    /// User Property (string pair): every packet that has properties; may repeat.
    UserProperty = 0x26 => "User Property",
    /// Maximum Packet Size (four-byte integer): CONNECT, CONNACK.
    MaximumPacketSize = 0x27 => "Maximum Packet Size",
    /// Wildcard Subscription Available (byte): CONNACK.
    WildcardSubscriptionAvailable = 0x28 => "Wildcard Subscription Available",
    /// Subscription Identifier Available (byte): CONNACK.
    SubscriptionIdentifierAvailable = 0x29 => "Subscription Identifier Available",
    /// Shared Subscription Available (byte): CONNACK.
    SharedSubscriptionAvailable = 0x2A => "Shared Subscription Available",
}

impl fmt::Display for PropertyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({:#04x})", self.name(), *self as u8)
    }
}

/// What the payload of a message is, per its Payload Format Indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum PayloadFormat {
    /// Unspecified bytes (0).
    #[default]
    Unspecified = 0,
    /// UTF-8 encoded character data (1).
    Utf8 = 1,
}

/// A Subscription Identifier: 1 to 268,435,455 (MQTT 5.0 section 3.8.2.1.2; 0 is a
/// Protocol Error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubscriptionId(NonZeroU32);

impl SubscriptionId {
    /// The largest identifier, the largest variable byte integer.
    pub const MAX: u32 = MAX_VARIABLE_BYTE_INTEGER;

    /// The identifier `value`, or `None` for 0 or a value above [`SubscriptionId::MAX`].
    #[inline]
    pub const fn new(value: u32) -> Option<Self> {
        if value > Self::MAX {
            return None;
        }
        match NonZeroU32::new(value) {
            Some(id) => Some(Self(id)),
            None => None,
        }
    }

    /// The identifier as a number.
    #[inline]
    pub const fn get(self) -> u32 {
        self.0.get()
    }
}

impl fmt::Display for SubscriptionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A property value type: how it is read, with the checks that hold in every packet that
/// carries it, and how it is written after its identifier. Decoding reads each value straight
/// into its field of the packet's properties struct (`properties.rs`): no intermediate value
/// of every property type is built and moved.
pub(crate) trait PropertyValue: Sized {
    /// Reads the value of property `id`.
    fn read(r: &mut Reader, id: PropertyId) -> Result<Self, DecodeError>;

    /// Writes the property: its identifier, then the value.
    fn put<S: Sink>(&self, id: PropertyId, sink: &mut S);
}

/// The error for a value the standard does not allow for property `id`.
#[inline]
fn invalid(id: PropertyId, value: impl Into<u32>) -> DecodeError {
    DecodeError::InvalidPropertyValue {
        property: id,
        value: value.into(),
    }
}

impl PropertyValue for u16 {
    #[inline]
    fn read(r: &mut Reader, _: PropertyId) -> Result<Self, DecodeError> {
        r.u16()
    }

    #[inline]
    fn put<S: Sink>(&self, id: PropertyId, sink: &mut S) {
        sink.u8(id as u8);
        sink.u16(*self);
    }
}

impl PropertyValue for u32 {
    #[inline]
    fn read(r: &mut Reader, _: PropertyId) -> Result<Self, DecodeError> {
        r.u32()
    }

    #[inline]
    fn put<S: Sink>(&self, id: PropertyId, sink: &mut S) {
        sink.u8(id as u8);
        sink.u32(*self);
    }
}

/// Receive Maximum, Topic Alias: 0 is a Protocol Error (MQTT 5.0 section 3.2.2.3.3,
/// [MQTT-3.3.2-8]).
impl PropertyValue for NonZeroU16 {
    #[inline]
    fn read(r: &mut Reader, id: PropertyId) -> Result<Self, DecodeError> {
        Self::new(r.u16()?).ok_or(invalid(id, 0u32))
    }

    #[inline]
    fn put<S: Sink>(&self, id: PropertyId, sink: &mut S) {
        self.get().put(id, sink);
    }
}

/// Maximum Packet Size: 0 is a Protocol Error (MQTT 5.0 section 3.2.2.3.6).
impl PropertyValue for NonZeroU32 {
    #[inline]
    fn read(r: &mut Reader, id: PropertyId) -> Result<Self, DecodeError> {
        Self::new(r.u32()?).ok_or(invalid(id, 0u32))
    }

    #[inline]
    fn put<S: Sink>(&self, id: PropertyId, sink: &mut S) {
        self.get().put(id, sink);
    }
}

/// The byte properties that are flags: 0 or 1, anything else a Protocol Error.
impl PropertyValue for bool {
    #[inline]
    fn read(r: &mut Reader, id: PropertyId) -> Result<Self, DecodeError> {
        match r.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(invalid(id, other)),
        }
    }

    #[inline]
    fn put<S: Sink>(&self, id: PropertyId, sink: &mut S) {
        sink.u8(id as u8);
        sink.u8(u8::from(*self));
    }
}

/// Maximum QoS, the only QoS property: 0 or 1 (MQTT 5.0 section 3.2.2.3.4).
impl PropertyValue for QoS {
    #[inline]
    fn read(r: &mut Reader, id: PropertyId) -> Result<Self, DecodeError> {
        match r.u8()? {
            0 => Ok(QoS::AtMostOnce),
            1 => Ok(QoS::AtLeastOnce),
            other => Err(invalid(id, other)),
        }
    }

    #[inline]
    fn put<S: Sink>(&self, id: PropertyId, sink: &mut S) {
        sink.u8(id as u8);
        sink.u8(self.as_u8());
    }
}

impl PropertyValue for PayloadFormat {
    #[inline]
    fn read(r: &mut Reader, id: PropertyId) -> Result<Self, DecodeError> {
        match r.u8()? {
            0 => Ok(PayloadFormat::Unspecified),
            1 => Ok(PayloadFormat::Utf8),
            other => Err(invalid(id, other)),
        }
    }

    #[inline]
    fn put<S: Sink>(&self, id: PropertyId, sink: &mut S) {
        sink.u8(id as u8);
        sink.u8(*self as u8);
    }
}

impl PropertyValue for ByteString {
    #[inline]
    fn read(r: &mut Reader, _: PropertyId) -> Result<Self, DecodeError> {
        r.utf8()
    }

    #[inline]
    fn put<S: Sink>(&self, id: PropertyId, sink: &mut S) {
        sink.u8(id as u8);
        sink.string(self);
    }
}

impl PropertyValue for Bytes {
    #[inline]
    fn read(r: &mut Reader, _: PropertyId) -> Result<Self, DecodeError> {
        r.binary()
    }

    #[inline]
    fn put<S: Sink>(&self, id: PropertyId, sink: &mut S) {
        sink.u8(id as u8);
        sink.binary(self);
    }
}

/// Response Topic: a UTF-8 string without wildcards [MQTT-3.3.2-13] [MQTT-3.3.2-14].
impl PropertyValue for TopicName {
    #[inline]
    fn read(r: &mut Reader, _: PropertyId) -> Result<Self, DecodeError> {
        TopicName::from_byte_string(r.topic()?).map_err(DecodeError::InvalidResponseTopic)
    }

    #[inline]
    fn put<S: Sink>(&self, id: PropertyId, sink: &mut S) {
        // Already validated: no second scan for U+0000, no length check.
        sink.u8(id as u8);
        sink.validated(self);
    }
}

/// Subscription Identifier: 0 is a Protocol Error (MQTT 5.0 section 3.3.2.3.8).
impl PropertyValue for SubscriptionId {
    #[inline]
    fn read(r: &mut Reader, id: PropertyId) -> Result<Self, DecodeError> {
        let value = r.variable_byte_integer()?;
        SubscriptionId::new(value).ok_or(invalid(id, value))
    }

    #[inline]
    fn put<S: Sink>(&self, id: PropertyId, sink: &mut S) {
        sink.u8(id as u8);
        sink.variable_byte_integer(self.get());
    }
}

/// Reads a property identifier: a variable byte integer naming a property the standard
/// defines (anything else is a Malformed Packet).
#[inline]
pub(crate) fn read_id(r: &mut Reader) -> Result<PropertyId, DecodeError> {
    let raw = r.variable_byte_integer()?;
    u8::try_from(raw)
        .ok()
        .and_then(PropertyId::from_u8)
        .ok_or(DecodeError::UnknownProperty { id: raw })
}

/// Stores a property that may appear only once.
#[inline]
pub(crate) fn set_once<T>(
    slot: &mut Option<T>,
    value: T,
    id: PropertyId,
) -> Result<(), DecodeError> {
    if slot.is_some() {
        return Err(DecodeError::DuplicateProperty { property: id });
    }
    *slot = Some(value);
    Ok(())
}

/// Writes User Property pairs in order.
#[inline]
pub(crate) fn put_user_properties<S: Sink>(s: &mut S, pairs: &[(ByteString, ByteString)]) {
    for (name, value) in pairs {
        s.u8(PropertyId::UserProperty as u8);
        s.string(name);
        s.string(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscription_identifiers_are_1_to_268435455() {
        assert_eq!(SubscriptionId::new(0), None);
        assert_eq!(SubscriptionId::new(1).map(SubscriptionId::get), Some(1));
        assert_eq!(
            SubscriptionId::new(268_435_455).map(SubscriptionId::get),
            Some(268_435_455)
        );
        assert_eq!(SubscriptionId::new(268_435_456), None);
    }

    #[test]
    fn property_ids_round_trip() {
        let mut known = 0;
        for byte in 0..=255u8 {
            if let Some(id) = PropertyId::from_u8(byte) {
                assert_eq!(id as u8, byte);
                known += 1;
            }
        }
        // MQTT 5.0 table 2-4 lists 27 properties.
        assert_eq!(known, 27);
        assert_eq!(PropertyId::TopicAlias.name(), "Topic Alias");
    }
}
