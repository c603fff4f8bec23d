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
        if !self.properties.is_empty() {
            return Err(EncodeError::PropertiesNotAllowed {
                packet_type: Self::TYPE,
                version,
            });
        }
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
        let properties = if version.is_v5() {
            ConnAckProperties::read(r)?
        } else {
            ConnAckProperties::default()
        };
        Ok(Self {
            session_present: flags & 1 != 0,
            code,
            properties,
        })
    }
}
