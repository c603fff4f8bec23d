//! UNSUBSCRIBE: unsubscription requests, client to server (MQTT 5.0 section 3.10).

use alloc::vec::Vec;

use crate::ack::read_packet_id;
use crate::error::{DecodeError, EncodeError};
use crate::packet::{Body, PacketType};
use crate::properties::UnsubscribeProperties;
use crate::qos::PacketId;
use crate::topic_filter::TopicFilter;
use crate::version::ProtocolVersion;
use crate::wire::{Reader, Sink};

/// An unsubscription request: one or more topic filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    /// Packet identifier, echoed by the UNSUBACK.
    pub packet_id: PacketId,
    /// The filters to unsubscribe from, at least one [MQTT-3.10.3-2].
    pub filters: Vec<TopicFilter>,
    /// MQTT 5.0 properties (must be empty for 3.x).
    pub properties: UnsubscribeProperties,
}

impl Unsubscribe {
    /// An UNSUBSCRIBE without properties.
    pub fn new(packet_id: PacketId, filters: Vec<TopicFilter>) -> Self {
        Self {
            packet_id,
            filters,
            properties: UnsubscribeProperties::default(),
        }
    }
}

impl Body for Unsubscribe {
    const TYPE: PacketType = PacketType::Unsubscribe;

    fn check(&self, version: ProtocolVersion) -> Result<(), EncodeError> {
        if self.filters.is_empty() {
            return Err(EncodeError::EmptyUnsubscribe);
        }
        if !version.is_v5() && !self.properties.is_empty() {
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
        }
        for filter in &self.filters {
            sink.binary(filter.as_bytes());
        }
    }

    fn read(_flags: u8, r: &mut Reader, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let packet_id = read_packet_id(r)?;
        let properties = if version.is_v5() {
            UnsubscribeProperties::read(r)?
        } else {
            UnsubscribeProperties::default()
        };
        let mut filters = Vec::new();
        while !r.is_empty() {
            filters.push(TopicFilter::from_byte_string(r.topic()?)?);
        }
        if filters.is_empty() {
            return Err(DecodeError::EmptyUnsubscribe);
        }
        Ok(Self {
            packet_id,
            filters,
            properties,
        })
    }
}
