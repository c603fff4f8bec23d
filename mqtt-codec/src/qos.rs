//! Quality of service levels and packet identifiers.

use core::fmt;
use core::num::NonZeroU16;

/// The quality of service of a message (MQTT 5.0 section 4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[repr(u8)]
pub enum QoS {
    /// QoS 0: delivered at most once, never acknowledged.
    #[default]
    AtMostOnce = 0,
    /// QoS 1: delivered at least once, acknowledged by PUBACK.
    AtLeastOnce = 1,
    /// QoS 2: delivered exactly once, through PUBREC, PUBREL and PUBCOMP.
    ExactlyOnce = 2,
}

/// A QoS value other than 0, 1 or 2 (the value 3 is reserved) [MQTT-3.3.1-4].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not a QoS level (0, 1 or 2) [MQTT-3.3.1-4]")]
pub struct InvalidQoS(pub u8);

impl QoS {
    /// The QoS as its two-bit wire value.
    #[inline]
    pub const fn as_u8(self) -> u8 {
        self as u8
    }
}

impl TryFrom<u8> for QoS {
    type Error = InvalidQoS;

    #[inline]
    fn try_from(value: u8) -> Result<Self, InvalidQoS> {
        match value {
            0 => Ok(Self::AtMostOnce),
            1 => Ok(Self::AtLeastOnce),
            2 => Ok(Self::ExactlyOnce),
            other => Err(InvalidQoS(other)),
        }
    }
}

impl From<QoS> for u8 {
    #[inline]
    fn from(qos: QoS) -> u8 {
        qos as u8
    }
}

impl fmt::Display for QoS {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "QoS {}", *self as u8)
    }
}

/// A packet identifier: a non-zero 16-bit number [MQTT-2.2.1-3] (3.1.1: [MQTT-2.3.1-1]).
///
/// Zero is not a packet identifier, so this type cannot hold it, and a zero on the wire is
/// refused by the decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PacketId(NonZeroU16);

impl PacketId {
    /// The identifier `value`, or `None` for 0.
    #[inline]
    pub const fn new(value: u16) -> Option<Self> {
        match NonZeroU16::new(value) {
            Some(id) => Some(Self(id)),
            None => None,
        }
    }

    /// The identifier as a number (never 0).
    #[inline]
    pub const fn get(self) -> u16 {
        self.0.get()
    }
}

/// The packet identifier 0, which is not allowed [MQTT-2.2.1-3].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("packet identifier 0 is not allowed [MQTT-2.2.1-3]")]
pub struct ZeroPacketId;

impl TryFrom<u16> for PacketId {
    type Error = ZeroPacketId;

    #[inline]
    fn try_from(value: u16) -> Result<Self, ZeroPacketId> {
        Self::new(value).ok_or(ZeroPacketId)
    }
}

impl From<NonZeroU16> for PacketId {
    #[inline]
    fn from(value: NonZeroU16) -> Self {
        Self(value)
    }
}

impl From<PacketId> for u16 {
    #[inline]
    fn from(id: PacketId) -> u16 {
        id.get()
    }
}

impl fmt::Display for PacketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qos_from_wire_values() {
        use alloc::string::ToString;
        assert_eq!(QoS::try_from(0), Ok(QoS::AtMostOnce));
        assert_eq!(QoS::try_from(1), Ok(QoS::AtLeastOnce));
        assert_eq!(QoS::try_from(2), Ok(QoS::ExactlyOnce));
        // [MQTT-3.3.1-4]: 3 is not a QoS.
        assert_eq!(QoS::try_from(3), Err(InvalidQoS(3)));
        assert!(InvalidQoS(3).to_string().contains("[MQTT-3.3.1-4]"));
    }

    #[test]
    fn packet_id_zero_is_refused() {
        // [MQTT-2.2.1-3]
        assert_eq!(PacketId::new(0), None);
        assert_eq!(PacketId::try_from(0), Err(ZeroPacketId));
        assert_eq!(PacketId::new(65535).map(PacketId::get), Some(65535));
        assert_eq!(u16::from(PacketId::new(7).unwrap()), 7);
    }
}
