//! DISCONNECT: the end of a connection (MQTT 5.0 section 3.14).

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
        if version.is_v5() {
            return Ok(());
        }
        if self.code != DisconnectReasonCode::NormalDisconnection {
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
        Ok(())
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
