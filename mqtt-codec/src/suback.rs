//! SUBACK: the server's answer to SUBSCRIBE (MQTT 5.0 section 3.9).

use alloc::vec::Vec;

use crate::ack::{read_packet_id, read_reason_codes};
use crate::error::{DecodeError, EncodeError};
use crate::packet::{Body, PacketType};
use crate::properties::SubAckProperties;
use crate::qos::PacketId;
use crate::reason_code::SubscribeReasonCode;
use crate::version::ProtocolVersion;
use crate::wire::{Reader, Sink};

/// A subscription acknowledgement: one reason code per topic filter, in order
/// [MQTT-3.9.3-1].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubAck {
    /// The identifier of the SUBSCRIBE being acknowledged.
    pub packet_id: PacketId,
    /// One code per filter (3.x: only 0x00, 0x01, 0x02, 0x80 [MQTT-3.9.3-2]).
    pub codes: Vec<SubscribeReasonCode>,
    /// MQTT 5.0 properties (must be empty for 3.x).
    pub properties: SubAckProperties,
}

impl SubAck {
    /// A SUBACK without properties.
    pub fn new(packet_id: PacketId, codes: Vec<SubscribeReasonCode>) -> Self {
        Self {
            packet_id,
            codes,
            properties: SubAckProperties::default(),
        }
    }
}

impl Body for SubAck {
    const TYPE: PacketType = PacketType::SubAck;

    fn check(&self, version: ProtocolVersion) -> Result<(), EncodeError> {
        if self.codes.is_empty() {
            return Err(EncodeError::NoReasonCodes {
                packet_type: Self::TYPE,
            });
        }
        if version.is_v5() {
            return Ok(());
        }
        self.properties.check_version(Self::TYPE, version)?;
        match self.codes.iter().find(|code| !code.exists_in_v3()) {
            Some(code) => Err(EncodeError::ReasonCodeNotInVersion {
                packet_type: Self::TYPE,
                code: code.code(),
                version,
            }),
            None => Ok(()),
        }
    }

    fn write<S: Sink>(&self, version: ProtocolVersion, sink: &mut S) {
        sink.u16(self.packet_id.get());
        if version.is_v5() {
            sink.properties(&self.properties);
        }
        for code in &self.codes {
            sink.u8(code.code());
        }
    }

    fn read(_flags: u8, r: &mut Reader, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let packet_id = read_packet_id(r)?;
        let properties = SubAckProperties::read_if_v5(r, version)?;
        let codes = read_reason_codes(r, |code: &SubscribeReasonCode| {
            version.is_v5() || code.exists_in_v3()
        })?;
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
    use crate::Packet;
    use crate::test_support::*;

    #[test]
    fn codes_in_order() {
        use SubscribeReasonCode::*;
        round_trip(
            SubAck::new(pid(1), vec![GrantedQoS0, GrantedQoS2, UnspecifiedError]),
            V3_1_1,
            "900500010002 80".replace(' ', "").as_str(),
        );
        round_trip(
            SubAck::new(pid(14), vec![GrantedQoS2, NotAuthorized]),
            V5,
            "9005000e000287",
        );
    }

    #[test]
    fn v3_has_four_codes_only() {
        // [MQTT-3.9.3-2]
        assert_eq!(
            decode_hex("9003000103", V3_1_1),
            Err(DecodeError::InvalidReasonCode {
                packet_type: PacketType::SubAck,
                code: 3
            })
        );
        assert_eq!(
            decode_hex("9003000187", V3_1_1),
            Err(DecodeError::InvalidReasonCode {
                packet_type: PacketType::SubAck,
                code: 0x87
            })
        );
        assert_eq!(
            encode(
                SubAck::new(pid(1), vec![SubscribeReasonCode::QuotaExceeded]),
                V3_1_1
            ),
            Err(EncodeError::ReasonCodeNotInVersion {
                packet_type: PacketType::SubAck,
                code: 0x97,
                version: V3_1_1
            })
        );
        assert_eq!(
            decode_hex("900401010097", V5),
            Ok(Packet::SubAck(SubAck::new(
                pid(257),
                vec![SubscribeReasonCode::QuotaExceeded]
            )))
        );
    }

    #[test]
    fn at_least_one_code() {
        // [MQTT-3.9.3-2]: one code per filter, and a SUBSCRIBE has at least one.
        assert_eq!(
            encode(SubAck::new(pid(1), vec![]), V5),
            Err(EncodeError::NoReasonCodes {
                packet_type: PacketType::SubAck
            })
        );
        assert_eq!(
            decode_hex("90020001", V3_1_1),
            Err(DecodeError::NoReasonCodes {
                packet_type: PacketType::SubAck
            })
        );
    }
}
