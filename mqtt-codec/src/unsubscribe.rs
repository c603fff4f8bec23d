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
        self.properties.check_version(Self::TYPE, version)?;
        Ok(())
    }

    fn write<S: Sink>(&self, version: ProtocolVersion, sink: &mut S) {
        sink.u16(self.packet_id.get());
        if version.is_v5() {
            sink.properties(&self.properties);
        }
        for filter in &self.filters {
            sink.validated(filter);
        }
    }

    fn read(_flags: u8, r: &mut Reader, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let packet_id = read_packet_id(r)?;
        let properties = UnsubscribeProperties::read_if_v5(r, version)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Packet;
    use crate::test_support::*;

    #[test]
    fn filters_in_order() {
        let unsubscribe = Unsubscribe::new(
            pid(4660),
            vec![filter("some/#"), filter("other/+/topic/#"), filter("#")],
        );
        round_trip(
            unsubscribe,
            V3_1_1,
            "a21e12340006736f6d652f23000f6f746865722f2b2f746f7069632f23000123",
        );
        let mut unsubscribe = Unsubscribe::new(pid(14), vec![filter("other")]);
        unsubscribe
            .properties
            .user_properties
            .push(("a".into(), "b".into()));
        let hex = encode(unsubscribe.clone(), V5).unwrap();
        assert_eq!(decode_hex(&hex, V5), Ok(Packet::Unsubscribe(unsubscribe)));
    }

    #[test]
    fn empty_unsubscribe_is_refused() {
        // [MQTT-3.10.3-2]
        assert_eq!(
            encode(Unsubscribe::new(pid(1), vec![]), V5),
            Err(EncodeError::EmptyUnsubscribe)
        );
        assert_eq!(
            decode_hex("a203000100", V5),
            Err(DecodeError::EmptyUnsubscribe)
        );
    }

    #[test]
    fn fixed_header_flags_must_be_0010() {
        // [MQTT-3.10.1-1]
        assert_eq!(
            decode_hex("a00800010004736f6d65", V3_1_1),
            Err(DecodeError::InvalidHeaderFlags {
                packet_type: PacketType::Unsubscribe,
                flags: 0
            })
        );
    }

    #[test]
    fn properties_are_refused_in_v3() {
        let mut unsubscribe = Unsubscribe::new(pid(1), vec![filter("a")]);
        unsubscribe
            .properties
            .user_properties
            .push(("a".into(), "b".into()));
        assert!(matches!(
            encode(unsubscribe, V3_1_1),
            Err(EncodeError::PropertiesNotAllowed { .. })
        ));
    }
}
