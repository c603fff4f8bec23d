//! PUBACK, PUBREC, PUBREL and PUBCOMP: the acknowledgements of QoS 1 and QoS 2 (MQTT 5.0
//! sections 3.4 to 3.7). All four are a packet identifier, then in MQTT 5.0 a reason code and
//! properties that are left out when they are Success and empty.

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

/// What 3.x cannot carry: a reason code other than Success, or properties.
fn check_ack(
    packet_type: PacketType,
    code: u8,
    properties: &AckProperties,
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
    if !properties.is_empty() {
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
                check_ack(Self::TYPE, self.code.code(), &self.properties, version)
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
