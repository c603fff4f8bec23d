//! The protocol version: MQTT 3.1, 3.1.1 or 5.0.

use core::fmt;

/// An MQTT protocol version, as carried by the protocol level byte of CONNECT.
///
/// The codec takes the version as a parameter because the same bytes mean different things in
/// 3.1.1 and 5.0 (5.0 adds properties and reason codes to most packets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProtocolVersion {
    /// MQTT 3.1 (protocol level 3, protocol name `MQIsdp`).
    V3_1,
    /// MQTT 3.1.1 (protocol level 4, protocol name `MQTT`).
    V3_1_1,
    /// MQTT 5.0 (protocol level 5, protocol name `MQTT`).
    V5,
}

impl ProtocolVersion {
    /// The protocol level byte of CONNECT: 3, 4 or 5.
    #[inline]
    pub const fn level(self) -> u8 {
        match self {
            Self::V3_1 => 3,
            Self::V3_1_1 => 4,
            Self::V5 => 5,
        }
    }

    /// The version for a protocol level byte, `None` for a level this crate does not know.
    #[inline]
    pub const fn from_level(level: u8) -> Option<Self> {
        match level {
            3 => Some(Self::V3_1),
            4 => Some(Self::V3_1_1),
            5 => Some(Self::V5),
            _ => None,
        }
    }

    /// The protocol name that CONNECT carries with this version: `MQIsdp` for 3.1, `MQTT` after.
    #[inline]
    pub const fn protocol_name(self) -> &'static str {
        match self {
            Self::V3_1 => "MQIsdp",
            Self::V3_1_1 | Self::V5 => "MQTT",
        }
    }

    /// Whether this is MQTT 5.0, the version with properties and reason codes.
    #[inline]
    pub const fn is_v5(self) -> bool {
        matches!(self, Self::V5)
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::V3_1 => "MQTT 3.1",
            Self::V3_1_1 => "MQTT 3.1.1",
            Self::V5 => "MQTT 5.0",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_round_trips_and_unknown_levels_are_refused() {
        for version in [
            ProtocolVersion::V3_1,
            ProtocolVersion::V3_1_1,
            ProtocolVersion::V5,
        ] {
            assert_eq!(ProtocolVersion::from_level(version.level()), Some(version));
        }
        for level in [0, 1, 2, 6, 0x83, 255] {
            assert_eq!(ProtocolVersion::from_level(level), None);
        }
    }

    #[test]
    fn protocol_names() {
        assert_eq!(ProtocolVersion::V3_1.protocol_name(), "MQIsdp");
        assert_eq!(ProtocolVersion::V3_1_1.protocol_name(), "MQTT");
        assert_eq!(ProtocolVersion::V5.protocol_name(), "MQTT");
    }
}
