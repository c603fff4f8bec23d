//! UNSUBACK: the server's answer to UNSUBSCRIBE (MQTT 5.0 section 3.11).

use alloc::vec::Vec;

use crate::ack::read_packet_id;
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
        if !self.properties.is_empty() {
            return Err(EncodeError::PropertiesNotAllowed {
                packet_type: Self::TYPE,
                version,
            });
        }
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
        let mut codes = Vec::new();
        while !r.is_empty() {
            let byte = r.u8()?;
            codes.push(UnsubAckReasonCode::try_from(byte).map_err(|_| {
                DecodeError::InvalidReasonCode {
                    packet_type: Self::TYPE,
                    code: byte,
                }
            })?);
        }
        if codes.is_empty() {
            return Err(DecodeError::NoReasonCodes {
                packet_type: Self::TYPE,
            });
        }
        Ok(Self {
            packet_id,
            codes,
            properties,
        })
    }
}
