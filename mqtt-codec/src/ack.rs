//! PUBACK, PUBREC, PUBREL and PUBCOMP: the acknowledgements of QoS 1 and QoS 2 (MQTT 5.0
//! sections 3.4 to 3.7). All four are a packet identifier, then in MQTT 5.0 a reason code and
//! properties that are left out when they are Success and empty.

use alloc::vec::Vec;

use crate::error::{DecodeError, EncodeError};
use crate::packet::{Body, PacketType};
use crate::properties::AckProperties;
use crate::qos::PacketId;
use crate::reason_code::{PubAckReasonCode, PubCompReasonCode, PubRecReasonCode, PubRelReasonCode};
use crate::version::ProtocolVersion;
use crate::wire::{Reader, Sink};

/// Reads a packet identifier, refusing 0 [MQTT-2.2.1-3].
#[inline]
pub(crate) fn read_packet_id(r: &mut Reader) -> Result<PacketId, DecodeError> {
    let packet_type = r.packet_type();
    PacketId::new(r.u16()?).ok_or(DecodeError::ZeroPacketId { packet_type })
}

/// Reads one reason code per byte up to the end of the packet (SUBACK, UNSUBACK): at least
/// one, each a code of `T` that `allowed` accepts.
pub(crate) fn read_reason_codes<T: TryFrom<u8>>(
    r: &mut Reader,
    allowed: impl Fn(&T) -> bool,
) -> Result<Vec<T>, DecodeError> {
    let packet_type = r.packet_type();
    let mut codes = Vec::new();
    while !r.is_empty() {
        let code = r.u8()?;
        let valid = T::try_from(code).ok().filter(&allowed);
        codes.push(valid.ok_or(DecodeError::InvalidReasonCode { packet_type, code })?);
    }
    if codes.is_empty() {
        return Err(DecodeError::NoReasonCodes { packet_type });
    }
    Ok(codes)
}

/// What 3.x cannot carry: a reason code other than Success, or properties.
/// (PUBACK, PUBREC, PUBREL, PUBCOMP and DISCONNECT, whose success code is 0).
pub(crate) fn check_v3_success(
    packet_type: PacketType,
    code: u8,
    properties_empty: bool,
    version: ProtocolVersion,
) -> Result<(), EncodeError> {
    if version.is_v5() {
        return Ok(());
    }
    if code != 0 {
        return Err(EncodeError::ReasonCodeNotInVersion {
            packet_type,
            code,
            version,
        });
    }
    if !properties_empty {
        return Err(EncodeError::PropertiesNotAllowed {
            packet_type,
            version,
        });
    }
    Ok(())
}

/// The shortest form: the reason code only when not Success or when properties follow, the
/// property length only when there are properties (MQTT 5.0 section 3.4.2.1).
#[inline]
fn write_ack<S: Sink>(
    packet_id: PacketId,
    code: u8,
    properties: &AckProperties,
    version: ProtocolVersion,
    sink: &mut S,
) {
    sink.u16(packet_id.get());
    if !version.is_v5() {
        return;
    }
    let has_properties = !properties.is_empty();
    if code != 0 || has_properties {
        sink.u8(code);
    }
    if has_properties {
        sink.properties(properties);
    }
}

/// Reads every form: 2 bytes (Success, no properties), 3 bytes (no property length), or all.
#[inline]
fn read_ack(
    r: &mut Reader,
    version: ProtocolVersion,
) -> Result<(PacketId, u8, AckProperties), DecodeError> {
    let packet_id = read_packet_id(r)?;
    if !version.is_v5() || r.is_empty() {
        return Ok((packet_id, 0, AckProperties::default()));
    }
    let code = r.u8()?;
    let properties = if r.is_empty() {
        AckProperties::default()
    } else {
        AckProperties::read(r)?
    };
    Ok((packet_id, code, properties))
}

macro_rules! ack_packet {
    ($(#[$doc:meta])* $name:ident, $code:ident, $packet_type:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            /// The identifier of the PUBLISH being acknowledged.
            pub packet_id: PacketId,
            /// The result (always Success in MQTT 3.x).
            pub code: $code,
            /// MQTT 5.0 properties (must be empty for 3.x).
            pub properties: AckProperties,
        }

        impl $name {
            /// A successful acknowledgement without properties.
            #[inline]
            pub fn new(packet_id: PacketId) -> Self {
                Self {
                    packet_id,
                    code: $code::Success,
                    properties: AckProperties::default(),
                }
            }
        }

        impl Body for $name {
            const TYPE: PacketType = PacketType::$packet_type;

            #[inline]
            fn check(&self, version: ProtocolVersion) -> Result<(), EncodeError> {
                check_v3_success(Self::TYPE, self.code.code(), self.properties.is_empty(), version)
            }

            #[inline]
            fn write<S: Sink>(&self, version: ProtocolVersion, sink: &mut S) {
                write_ack(self.packet_id, self.code.code(), &self.properties, version, sink);
            }

            #[inline]
            fn read(_flags: u8, r: &mut Reader, version: ProtocolVersion) -> Result<Self, DecodeError> {
                let (packet_id, code, properties) = read_ack(r, version)?;
                let code = $code::try_from(code).map_err(|_| DecodeError::InvalidReasonCode {
                    packet_type: Self::TYPE,
                    code,
                })?;
                Ok(Self { packet_id, code, properties })
            }
        }
    };
}

ack_packet!(
    /// PUBACK: the answer to a QoS 1 PUBLISH.
    PubAck, PubAckReasonCode, PubAck
);
ack_packet!(
    /// PUBREC: the first answer to a QoS 2 PUBLISH.
    PubRec, PubRecReasonCode, PubRec
);
ack_packet!(
    /// PUBREL: the release that answers PUBREC.
    PubRel, PubRelReasonCode, PubRel
);
ack_packet!(
    /// PUBCOMP: the answer to PUBREL, which ends a QoS 2 exchange.
    PubComp, PubCompReasonCode, PubComp
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use crate::{Packet, PropertyId};

    #[test]
    fn v3_is_the_packet_id_alone() {
        round_trip(PubAck::new(pid(1)), V3_1_1, "40020001");
        round_trip(PubRec::new(pid(2)), V3_1_1, "50020002");
        round_trip(PubRel::new(pid(3)), V3_1, "62020003");
        round_trip(PubComp::new(pid(65535)), V3_1_1, "7002ffff");
    }

    #[test]
    fn v5_shortest_forms() {
        // Success without properties: 2 bytes.
        round_trip(PubAck::new(pid(10)), V5, "4002000a");
        // Another code without properties: no property length (MQTT 5.0 section 3.4.2.2.1).
        let refused = PubAck {
            code: PubAckReasonCode::UnspecifiedError,
            ..PubAck::new(pid(10))
        };
        round_trip(refused, V5, "4003000a80");
        // With properties: everything.
        let mut explained = PubRel::new(pid(10));
        explained.properties.reason_string = Some("x".into());
        round_trip(explained, V5, "6208000a00041f000178");
    }

    #[test]
    fn v5_decodes_every_form() {
        let expected = PubComp {
            code: PubCompReasonCode::PacketIdentifierNotFound,
            ..PubComp::new(pid(4))
        };
        for hex in ["7003000492", "700400049200"] {
            assert_eq!(decode_hex(hex, V5), Ok(Packet::PubComp(expected.clone())));
        }
        assert_eq!(
            decode_hex("700300040 0".replace(' ', "").as_str(), V5),
            Ok(Packet::PubComp(PubComp::new(pid(4))))
        );
    }

    #[test]
    fn reason_codes_outside_the_packet_list_are_refused() {
        // [MQTT-3.4.2-1]: 0x92 is a PUBREL/PUBCOMP code, not a PUBACK one.
        assert_eq!(
            decode_hex("4003000192", V5),
            Err(DecodeError::InvalidReasonCode {
                packet_type: PacketType::PubAck,
                code: 0x92
            })
        );
        // [MQTT-3.6.2-1]
        assert_eq!(
            decode_hex("6203000110", V5),
            Err(DecodeError::InvalidReasonCode {
                packet_type: PacketType::PubRel,
                code: 0x10
            })
        );
    }

    #[test]
    fn v3_cannot_carry_codes_or_properties() {
        let refused = PubRec {
            code: PubRecReasonCode::QuotaExceeded,
            ..PubRec::new(pid(1))
        };
        assert_eq!(
            encode(refused, V3_1_1),
            Err(EncodeError::ReasonCodeNotInVersion {
                packet_type: PacketType::PubRec,
                code: 0x97,
                version: V3_1_1
            })
        );
        let mut explained = PubAck::new(pid(1));
        explained
            .properties
            .user_properties
            .push(("a".into(), "b".into()));
        assert!(matches!(
            encode(explained, V3_1_1),
            Err(EncodeError::PropertiesNotAllowed { .. })
        ));
        // 3.x PUBACK has exactly two bytes.
        assert_eq!(
            decode_hex("4003000100", V3_1_1),
            Err(DecodeError::TrailingBytes {
                packet_type: PacketType::PubAck,
                count: 1
            })
        );
    }

    #[test]
    fn pubrel_flags_must_be_0010() {
        // [MQTT-3.6.1-1]
        assert_eq!(
            decode_hex("60020001", V3_1_1),
            Err(DecodeError::InvalidHeaderFlags {
                packet_type: PacketType::PubRel,
                flags: 0
            })
        );
        // [MQTT-2.1.3-1]: the others must be 0000.
        assert_eq!(
            decode_hex("42020001", V3_1_1),
            Err(DecodeError::InvalidHeaderFlags {
                packet_type: PacketType::PubAck,
                flags: 2
            })
        );
    }

    #[test]
    fn packet_id_0_and_short_packets_are_refused() {
        // [MQTT-2.2.1-3]
        assert_eq!(
            decode_hex("50020000", V5),
            Err(DecodeError::ZeroPacketId {
                packet_type: PacketType::PubRec
            })
        );
        assert_eq!(
            decode_hex("400100", V5),
            Err(DecodeError::Truncated {
                packet_type: PacketType::PubAck
            })
        );
    }

    #[test]
    fn ack_properties_are_reason_string_and_user_properties_only() {
        assert_eq!(
            decode_hex("4009000100051100000001", V5),
            Err(DecodeError::PropertyNotAllowed {
                property: PropertyId::SessionExpiryInterval,
                packet_type: PacketType::PubAck
            })
        );
    }
}
