//! DISCONNECT: the end of a connection (MQTT 5.0 section 3.14).

use crate::ack::check_v3_success;
use crate::error::{DecodeError, EncodeError};
use crate::packet::{Body, PacketType};
use crate::properties::DisconnectProperties;
use crate::reason_code::DisconnectReasonCode;
use crate::version::ProtocolVersion;
use crate::wire::{Reader, Sink};

/// A disconnection. MQTT 3.x DISCONNECT is empty: only Normal disconnection without
/// properties can be encoded there.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Disconnect {
    /// Why the connection ends.
    pub code: DisconnectReasonCode,
    /// MQTT 5.0 properties (must be empty for 3.x).
    pub properties: DisconnectProperties,
}

impl Disconnect {
    /// A DISCONNECT with `code` and no properties.
    pub fn new(code: DisconnectReasonCode) -> Self {
        Self {
            code,
            properties: DisconnectProperties::default(),
        }
    }
}

impl Body for Disconnect {
    const TYPE: PacketType = PacketType::Disconnect;

    fn check(&self, version: ProtocolVersion) -> Result<(), EncodeError> {
        check_v3_success(
            Self::TYPE,
            self.code.code(),
            self.properties.is_empty(),
            version,
        )
    }

    /// The shortest form: nothing for Normal disconnection without properties, the reason
    /// code alone without properties (MQTT 5.0 section 3.14.2.2.1).
    fn write<S: Sink>(&self, version: ProtocolVersion, sink: &mut S) {
        if !version.is_v5() {
            return;
        }
        let has_properties = !self.properties.is_empty();
        if self.code != DisconnectReasonCode::NormalDisconnection || has_properties {
            sink.u8(self.code.code());
        }
        if has_properties {
            sink.properties(&self.properties);
        }
    }

    fn read(_flags: u8, r: &mut Reader, version: ProtocolVersion) -> Result<Self, DecodeError> {
        if !version.is_v5() || r.is_empty() {
            return Ok(Self::default());
        }
        let byte = r.u8()?;
        let code =
            DisconnectReasonCode::try_from(byte).map_err(|_| DecodeError::InvalidReasonCode {
                packet_type: Self::TYPE,
                code: byte,
            })?;
        let properties = if r.is_empty() {
            DisconnectProperties::default()
        } else {
            DisconnectProperties::read(r)?
        };
        Ok(Self { code, properties })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Packet;
    use crate::test_support::*;

    #[test]
    fn v3_is_empty() {
        round_trip(Disconnect::default(), V3_1_1, "e000");
        assert_eq!(
            encode(Disconnect::new(DisconnectReasonCode::ServerBusy), V3_1_1),
            Err(EncodeError::ReasonCodeNotInVersion {
                packet_type: PacketType::Disconnect,
                code: 0x89,
                version: V3_1_1
            })
        );
        assert_eq!(
            decode_hex("e00100", V3_1_1),
            Err(DecodeError::TrailingBytes {
                packet_type: PacketType::Disconnect,
                count: 1
            })
        );
    }

    #[test]
    fn v5_shortest_forms() {
        round_trip(Disconnect::default(), V5, "e000");
        // MQTT 5.0 section 3.14.2.2.1: no property length when there are no properties.
        round_trip(
            Disconnect::new(DisconnectReasonCode::MalformedPacket),
            V5,
            "e00181",
        );
        let mut moved = Disconnect::new(DisconnectReasonCode::ServerMoved);
        moved.properties.server_reference = Some("b".into());
        round_trip(moved, V5, "e0069d041c000162");
    }

    #[test]
    fn v5_decodes_every_form() {
        for hex in ["e000", "e00100", "e0020000"] {
            assert_eq!(
                decode_hex(hex, V5),
                Ok(Packet::Disconnect(Disconnect::default())),
                "{hex}"
            );
        }
        // [MQTT-3.14.2-1]
        assert_eq!(
            decode_hex("e0022000", V5),
            Err(DecodeError::InvalidReasonCode {
                packet_type: PacketType::Disconnect,
                code: 0x20
            })
        );
    }

    #[test]
    fn reserved_flags_are_refused() {
        // [MQTT-3.14.1-1]
        assert_eq!(
            decode_hex("e100", V5),
            Err(DecodeError::InvalidHeaderFlags {
                packet_type: PacketType::Disconnect,
                flags: 1
            })
        );
    }
}
