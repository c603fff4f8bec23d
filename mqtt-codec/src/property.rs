//! MQTT 5.0 properties one by one (section 2.2.2.2): identifiers, value types, and reading and
//! writing a single property. Which packet may carry which is in `properties.rs`.

use alloc::string::String;
use bytes::Bytes;
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

/// One decoded property, its value checked against the rules that hold in every packet.
#[derive(Debug)]
pub(crate) enum Property {
    PayloadFormatIndicator(PayloadFormat),
    MessageExpiryInterval(u32),
    ContentType(String),
    ResponseTopic(TopicName),
    CorrelationData(Bytes),
    SubscriptionIdentifier(SubscriptionId),
    SessionExpiryInterval(u32),
    AssignedClientIdentifier(String),
    ServerKeepAlive(u16),
    AuthenticationMethod(String),
    AuthenticationData(Bytes),
    RequestProblemInformation(bool),
    WillDelayInterval(u32),
    RequestResponseInformation(bool),
    ResponseInformation(String),
    ServerReference(String),
    ReasonString(String),
    ReceiveMaximum(NonZeroU16),
    TopicAliasMaximum(u16),
    TopicAlias(NonZeroU16),
    MaximumQoS(QoS),
    RetainAvailable(bool),
    User(String, String),
    MaximumPacketSize(NonZeroU32),
    WildcardSubscriptionAvailable(bool),
    SubscriptionIdentifierAvailable(bool),
    SharedSubscriptionAvailable(bool),
}

impl Property {
    /// Reads one property: identifier, then a value of the identifier's type.
    pub(crate) fn read(r: &mut Reader) -> Result<(PropertyId, Self), DecodeError> {
        let raw = r.variable_byte_integer()?;
        let id = u8::try_from(raw)
            .ok()
            .and_then(PropertyId::from_u8)
            .ok_or(DecodeError::UnknownProperty { id: raw })?;
        let invalid = |value: u32| DecodeError::InvalidPropertyValue {
            property: id,
            value,
        };
        let flag = |r: &mut Reader| match r.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(invalid(other.into())),
        };
        let property = match id {
            PropertyId::PayloadFormatIndicator => Self::PayloadFormatIndicator(match r.u8()? {
                0 => PayloadFormat::Unspecified,
                1 => PayloadFormat::Utf8,
                other => return Err(invalid(other.into())),
            }),
            PropertyId::MessageExpiryInterval => Self::MessageExpiryInterval(r.u32()?),
            PropertyId::ContentType => Self::ContentType(r.string()?),
            // [MQTT-3.3.2-13] [MQTT-3.3.2-14]: a UTF-8 string without wildcards.
            PropertyId::ResponseTopic => {
                Self::ResponseTopic(TopicName::from_byte_string(r.utf8()?)?)
            }
            PropertyId::CorrelationData => Self::CorrelationData(r.binary()?),
            PropertyId::SubscriptionIdentifier => {
                let value = r.variable_byte_integer()?;
                Self::SubscriptionIdentifier(SubscriptionId::new(value).ok_or(invalid(value))?)
            }
            PropertyId::SessionExpiryInterval => Self::SessionExpiryInterval(r.u32()?),
            PropertyId::AssignedClientIdentifier => Self::AssignedClientIdentifier(r.string()?),
            PropertyId::ServerKeepAlive => Self::ServerKeepAlive(r.u16()?),
            PropertyId::AuthenticationMethod => Self::AuthenticationMethod(r.string()?),
            PropertyId::AuthenticationData => Self::AuthenticationData(r.binary()?),
            PropertyId::RequestProblemInformation => Self::RequestProblemInformation(flag(r)?),
            PropertyId::WillDelayInterval => Self::WillDelayInterval(r.u32()?),
            PropertyId::RequestResponseInformation => Self::RequestResponseInformation(flag(r)?),
            PropertyId::ResponseInformation => Self::ResponseInformation(r.string()?),
            PropertyId::ServerReference => Self::ServerReference(r.string()?),
            PropertyId::ReasonString => Self::ReasonString(r.string()?),
            PropertyId::ReceiveMaximum => {
                Self::ReceiveMaximum(NonZeroU16::new(r.u16()?).ok_or(invalid(0))?)
            }
            PropertyId::TopicAliasMaximum => Self::TopicAliasMaximum(r.u16()?),
            // [MQTT-3.3.2-8]
            PropertyId::TopicAlias => {
                Self::TopicAlias(NonZeroU16::new(r.u16()?).ok_or(invalid(0))?)
            }
            PropertyId::MaximumQoS => Self::MaximumQoS(match r.u8()? {
                0 => QoS::AtMostOnce,
                1 => QoS::AtLeastOnce,
                other => return Err(invalid(other.into())),
            }),
            PropertyId::RetainAvailable => Self::RetainAvailable(flag(r)?),
            PropertyId::UserProperty => {
                let name = r.string()?;
                Self::User(name, r.string()?)
            }
            PropertyId::MaximumPacketSize => {
                Self::MaximumPacketSize(NonZeroU32::new(r.u32()?).ok_or(invalid(0))?)
            }
            PropertyId::WildcardSubscriptionAvailable => {
                Self::WildcardSubscriptionAvailable(flag(r)?)
            }
            PropertyId::SubscriptionIdentifierAvailable => {
                Self::SubscriptionIdentifierAvailable(flag(r)?)
            }
            PropertyId::SharedSubscriptionAvailable => Self::SharedSubscriptionAvailable(flag(r)?),
        };
        Ok((id, property))
    }
}

/// Reads a property block (its length, then properties up to that length), handing each
/// property to `apply`.
pub(crate) fn read_properties(
    r: &mut Reader,
    mut apply: impl FnMut(PropertyId, Property) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    let len = r.variable_byte_integer()?;
    let mut block = r.sub_reader(len)?;
    while !block.is_empty() {
        let (id, property) = Property::read(&mut block)?;
        apply(id, property)?;
    }
    Ok(())
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

/// Writers of one property each: nothing for `None`.
pub(crate) mod put {
    use super::*;

    #[inline]
    pub(crate) fn byte<S: Sink>(s: &mut S, id: PropertyId, value: Option<u8>) {
        if let Some(value) = value {
            s.u8(id as u8);
            s.u8(value);
        }
    }

    #[inline]
    pub(crate) fn flag<S: Sink>(s: &mut S, id: PropertyId, value: Option<bool>) {
        byte(s, id, value.map(u8::from));
    }

    #[inline]
    pub(crate) fn two<S: Sink>(s: &mut S, id: PropertyId, value: Option<u16>) {
        if let Some(value) = value {
            s.u8(id as u8);
            s.u16(value);
        }
    }

    #[inline]
    pub(crate) fn four<S: Sink>(s: &mut S, id: PropertyId, value: Option<u32>) {
        if let Some(value) = value {
            s.u8(id as u8);
            s.u32(value);
        }
    }

    #[inline]
    pub(crate) fn subscription_id<S: Sink>(s: &mut S, value: SubscriptionId) {
        s.u8(PropertyId::SubscriptionIdentifier as u8);
        s.variable_byte_integer(value.get());
    }

    #[inline]
    pub(crate) fn string<S: Sink>(s: &mut S, id: PropertyId, value: Option<&str>) {
        if let Some(value) = value {
            s.u8(id as u8);
            s.string(value);
        }
    }

    #[inline]
    pub(crate) fn topic<S: Sink>(s: &mut S, id: PropertyId, value: Option<&TopicName>) {
        if let Some(value) = value {
            s.u8(id as u8);
            s.binary(value.as_bytes());
        }
    }

    #[inline]
    pub(crate) fn binary<S: Sink>(s: &mut S, id: PropertyId, value: Option<&Bytes>) {
        if let Some(value) = value {
            s.u8(id as u8);
            s.binary(value);
        }
    }

    #[inline]
    pub(crate) fn user_properties<S: Sink>(s: &mut S, pairs: &[(String, String)]) {
        for (name, value) in pairs {
            s.u8(PropertyId::UserProperty as u8);
            s.string(name);
            s.string(value);
        }
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
