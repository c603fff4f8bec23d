//! UNSUBACK: the server's answer to UNSUBSCRIBE (MQTT 5.0 section 3.11).

use alloc::vec::Vec;

use crate::ack::{read_packet_id, read_reason_codes};
use crate::error::{DecodeError, EncodeError};
use crate::packet::{Body, PacketType};
use crate::properties::UnsubAckProperties;
use crate::qos::PacketId;
use crate::reason_code::UnsubAckReasonCode;
use crate::version::ProtocolVersion;
use crate::wire::{Reader, Sink};

/// An unsubscription acknowledgement. MQTT 3.x has no reason codes: `codes` is empty there;
/// MQTT 5.0 has one per topic filter, in order [MQTT-3.11.3-1].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsubAck {
    /// The identifier of the UNSUBSCRIBE being acknowledged.
    pub packet_id: PacketId,
    /// One code per filter in 5.0; empty in 3.x.
    pub codes: Vec<UnsubAckReasonCode>,
    /// MQTT 5.0 properties (must be empty for 3.x).
    pub properties: UnsubAckProperties,
}

impl UnsubAck {
    /// An UNSUBACK without properties (`codes` empty for 3.x).
    pub fn new(packet_id: PacketId, codes: Vec<UnsubAckReasonCode>) -> Self {
        Self {
            packet_id,
            codes,
            properties: UnsubAckProperties::default(),
        }
    }
}

impl Body for UnsubAck {
    const TYPE: PacketType = PacketType::UnsubAck;

    fn check(&self, version: ProtocolVersion) -> Result<(), EncodeError> {
        if version.is_v5() {
            if self.codes.is_empty() {
                return Err(EncodeError::NoReasonCodes {
                    packet_type: Self::TYPE,
                });
            }
            return Ok(());
        }
        if !self.codes.is_empty() {
            return Err(EncodeError::FieldNotInVersion {
                field: "UNSUBACK reason codes",
                version,
            });
        }
        self.properties.check_version(Self::TYPE, version)?;
        Ok(())
    }

    fn write<S: Sink>(&self, version: ProtocolVersion, sink: &mut S) {
        sink.u16(self.packet_id.get());
        if version.is_v5() {
            sink.properties(&self.properties);
            for code in &self.codes {
                sink.u8(code.code());
            }
        }
    }

    fn read(_flags: u8, r: &mut Reader, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let packet_id = read_packet_id(r)?;
        if !version.is_v5() {
            return Ok(Self::new(packet_id, Vec::new()));
        }
        let properties = UnsubAckProperties::read(r)?;
        let codes = read_reason_codes(r, |_: &UnsubAckReasonCode| true)?;
        Ok(Self {
            packet_id,
            codes,
            properties,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;

    #[test]
    fn v3_has_no_codes() {
        round_trip(UnsubAck::new(pid(255), vec![]), V3_1_1, "b00200ff");
        assert!(matches!(
            encode(
                UnsubAck::new(pid(1), vec![UnsubAckReasonCode::Success]),
                V3_1_1
            ),
            Err(EncodeError::FieldNotInVersion { .. })
        ));
        assert_eq!(
            decode_hex("b003000100", V3_1_1),
            Err(DecodeError::TrailingBytes {
                packet_type: PacketType::UnsubAck,
                count: 1
            })
        );
    }

    #[test]
    fn v5_has_one_code_per_filter() {
        use UnsubAckReasonCode::*;
        round_trip(
            UnsubAck::new(
                pid(8995),
                vec![Success, NoSubscriptionExisted, NotAuthorized],
            ),
            V5,
            "b00623230000118 7".replace(' ', "").as_str(),
        );
        // [MQTT-3.11.3-2]
        assert_eq!(
            decode_hex("b00401010002", V5),
            Err(DecodeError::InvalidReasonCode {
                packet_type: PacketType::UnsubAck,
                code: 2
            })
        );
        assert_eq!(
            decode_hex("b003010100", V5),
            Err(DecodeError::NoReasonCodes {
                packet_type: PacketType::UnsubAck
            })
        );
        assert_eq!(
            encode(UnsubAck::new(pid(1), vec![]), V5),
            Err(EncodeError::NoReasonCodes {
                packet_type: PacketType::UnsubAck
            })
        );
    }
}
