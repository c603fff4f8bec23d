//! CONNACK: the server's answer to CONNECT (MQTT 5.0 section 3.2).

use crate::error::{DecodeError, EncodeError};
use crate::packet::{Body, PacketType};
use crate::properties::ConnAckProperties;
use crate::property::PropertyId;
use crate::qos::QoS;
use crate::reason_code::ConnectReasonCode;
use crate::version::ProtocolVersion;
use crate::wire::{Reader, Sink};

/// A connection acknowledgement.
///
/// MQTT 3.x return codes are carried by the same [`ConnectReasonCode`]: 0 to 5 are
/// `Success`, `UnsupportedProtocolVersion`, `ClientIdentifierNotValid`, `ServerUnavailable`,
/// `BadUserNameOrPassword` and `NotAuthorized` ([`ConnectReasonCode::from_v3`]); encoding
/// another code for 3.x is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnAck {
    /// Whether the server resumed a session (not in MQTT 3.1).
    pub session_present: bool,
    /// The result of the connection attempt.
    pub code: ConnectReasonCode,
    /// MQTT 5.0 properties (must be empty for 3.x).
    pub properties: ConnAckProperties,
}

impl ConnAck {
    /// A CONNACK with `code`, no session and no properties.
    pub fn new(code: ConnectReasonCode) -> Self {
        Self {
            session_present: false,
            code,
            properties: ConnAckProperties::default(),
        }
    }
}

impl Body for ConnAck {
    const TYPE: PacketType = PacketType::ConnAck;

    fn check(&self, version: ProtocolVersion) -> Result<(), EncodeError> {
        if self.session_present && self.code != ConnectReasonCode::Success {
            return Err(EncodeError::SessionPresentWithError);
        }
        if version.is_v5() {
            if self.properties.maximum_qos == Some(QoS::ExactlyOnce) {
                return Err(EncodeError::InvalidPropertyValue {
                    property: PropertyId::MaximumQoS,
                    reason: "only 0 or 1 may be sent; leave it out for QoS 2",
                });
            }
            return Ok(());
        }
        if self.code.to_v3().is_none() {
            return Err(EncodeError::ReasonCodeNotInVersion {
                packet_type: Self::TYPE,
                code: self.code.code(),
                version,
            });
        }
        self.properties.check_version(Self::TYPE, version)?;
        if version == ProtocolVersion::V3_1 && self.session_present {
            return Err(EncodeError::FieldNotInVersion {
                field: "CONNACK Session Present",
                version,
            });
        }
        Ok(())
    }

    fn write<S: Sink>(&self, version: ProtocolVersion, sink: &mut S) {
        sink.u8(u8::from(self.session_present));
        if version.is_v5() {
            sink.u8(self.code.code());
            sink.properties(&self.properties);
        } else {
            sink.u8(self.code.to_v3().unwrap_or_default());
        }
    }

    fn read(_flags: u8, r: &mut Reader, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let flags = r.u8()?;
        if flags & !1 != 0 {
            return Err(DecodeError::InvalidConnAckFlags { flags });
        }
        let byte = r.u8()?;
        let code = if version.is_v5() {
            ConnectReasonCode::try_from(byte).ok()
        } else {
            ConnectReasonCode::from_v3(byte)
        }
        .ok_or(DecodeError::InvalidReasonCode {
            packet_type: Self::TYPE,
            code: byte,
        })?;
        let properties = ConnAckProperties::read_if_v5(r, version)?;
        Ok(Self {
            session_present: flags & 1 != 0,
            code,
            properties,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;

    #[test]
    fn v3_return_codes_map_onto_reason_codes() {
        round_trip(ConnAck::new(ConnectReasonCode::Success), V3_1_1, "20020000");
        round_trip(
            ConnAck::new(ConnectReasonCode::ClientIdentifierNotValid),
            V3_1_1,
            "20020002",
        );
        round_trip(
            ConnAck::new(ConnectReasonCode::NotAuthorized),
            V3_1,
            "20020005",
        );
        let resumed = ConnAck {
            session_present: true,
            ..ConnAck::new(ConnectReasonCode::Success)
        };
        round_trip(resumed, V3_1_1, "20020100");
        // 3.x return codes 6..=255 are reserved.
        assert_eq!(
            decode_hex("20020006", V3_1_1),
            Err(DecodeError::InvalidReasonCode {
                packet_type: PacketType::ConnAck,
                code: 6
            })
        );
        assert_eq!(
            encode(ConnAck::new(ConnectReasonCode::Banned), V3_1_1),
            Err(EncodeError::ReasonCodeNotInVersion {
                packet_type: PacketType::ConnAck,
                code: 0x8a,
                version: V3_1_1
            })
        );
    }

    #[test]
    fn v5_reason_code_and_properties() {
        round_trip(ConnAck::new(ConnectReasonCode::Success), V5, "2003000000");
        let mut connack = ConnAck::new(ConnectReasonCode::Success);
        connack.properties.maximum_qos = Some(QoS::AtLeastOnce);
        connack.properties.assigned_client_identifier = Some("auto-1".into());
        connack.properties.server_keep_alive = Some(10);
        round_trip(connack, V5, "201100000e1200066175746f2d3113000a2401");
        // [MQTT-3.2.2-8]
        assert_eq!(
            decode_hex("2003002000", V5),
            Err(DecodeError::InvalidReasonCode {
                packet_type: PacketType::ConnAck,
                code: 0x20
            })
        );
    }

    #[test]
    fn reserved_flags_are_refused() {
        // [MQTT-3.2.2-1]
        assert_eq!(
            decode_hex("2003020000", V5),
            Err(DecodeError::InvalidConnAckFlags { flags: 2 })
        );
        assert_eq!(
            decode_hex("20028000", V3_1_1),
            Err(DecodeError::InvalidConnAckFlags { flags: 0x80 })
        );
    }

    #[test]
    fn session_present_only_with_success() {
        // [MQTT-3.2.2-6] (3.1.1: [MQTT-3.2.2-4])
        let connack = ConnAck {
            session_present: true,
            ..ConnAck::new(ConnectReasonCode::ServerBusy)
        };
        assert_eq!(
            encode(connack.clone(), V5),
            Err(EncodeError::SessionPresentWithError)
        );
        // Received, it is the session's to judge, so it decodes.
        assert!(
            matches!(decode_hex("2003018900", V5), Ok(crate::Packet::ConnAck(c)) if c == connack)
        );
    }

    #[test]
    fn maximum_qos_is_0_or_1() {
        // MQTT 5.0 section 3.2.2.3.4: Protocol Error.
        let mut connack = ConnAck::new(ConnectReasonCode::Success);
        connack.properties.maximum_qos = Some(QoS::ExactlyOnce);
        assert!(matches!(
            encode(connack, V5),
            Err(EncodeError::InvalidPropertyValue {
                property: PropertyId::MaximumQoS,
                ..
            })
        ));
        let err = decode_hex("20050000022402", V5).unwrap_err();
        assert_eq!(
            err,
            DecodeError::InvalidPropertyValue {
                property: PropertyId::MaximumQoS,
                value: 2
            }
        );
        assert_eq!(
            err.disconnect_reason(),
            crate::DisconnectReasonCode::ProtocolError
        );
    }

    #[test]
    fn properties_of_other_packets_are_refused() {
        // MQTT 5.0 section 2.2.2.2: Malformed Packet. Topic Alias belongs to PUBLISH.
        let err = decode_hex("200600000323000a", V5).unwrap_err();
        assert_eq!(
            err,
            DecodeError::PropertyNotAllowed {
                property: PropertyId::TopicAlias,
                packet_type: PacketType::ConnAck
            }
        );
        assert_eq!(
            err.disconnect_reason(),
            crate::DisconnectReasonCode::MalformedPacket
        );
    }

    #[test]
    fn duplicate_properties_are_refused() {
        // MQTT 5.0 section 3.2.2.3.9: Reason String more than once is a Protocol Error.
        let err = decode_hex("200b0000081f0001611f000162", V5).unwrap_err();
        assert_eq!(
            err,
            DecodeError::DuplicateProperty {
                property: PropertyId::ReasonString
            }
        );
        assert_eq!(
            err.disconnect_reason(),
            crate::DisconnectReasonCode::ProtocolError
        );
    }

    #[test]
    fn v3_cannot_carry_v5_fields() {
        let mut connack = ConnAck::new(ConnectReasonCode::Success);
        connack.properties.retain_available = Some(false);
        assert!(matches!(
            encode(connack, V3_1_1),
            Err(EncodeError::PropertiesNotAllowed { .. })
        ));
        let resumed = ConnAck {
            session_present: true,
            ..ConnAck::new(ConnectReasonCode::Success)
        };
        assert!(matches!(
            encode(resumed, V3_1),
            Err(EncodeError::FieldNotInVersion { .. })
        ));
    }
}
