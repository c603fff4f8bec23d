//! PUBLISH: an application message, both ways (MQTT 5.0 section 3.3).

use bytes::Bytes;

use crate::error::{DecodeError, EncodeError};
use crate::packet::{Body, PacketType};
use crate::properties::PublishProperties;
use crate::qos::{PacketId, QoS};
use crate::topic::{TopicError, TopicName};
use crate::version::ProtocolVersion;
use crate::wire::{Reader, Sink};

/// An application message. Topic and payload are slices of the buffer it was decoded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    /// Set when the packet is sent again (never with QoS 0 [MQTT-3.3.1-2]).
    pub dup: bool,
    /// Quality of service.
    pub qos: QoS,
    /// Whether the server keeps it as the topic's retained message.
    pub retain: bool,
    /// The topic; [`TopicName::empty`] only with an MQTT 5.0 Topic Alias.
    pub topic: TopicName,
    /// Packet identifier: present exactly when QoS is 1 or 2 [MQTT-2.2.1-2] [MQTT-2.2.1-3].
    pub packet_id: Option<PacketId>,
    /// The message.
    pub payload: Bytes,
    /// MQTT 5.0 properties (must be empty for 3.x).
    pub properties: PublishProperties,
}

impl Publish {
    /// A message with no DUP, no RETAIN, no properties and no packet identifier yet (QoS 1
    /// and 2 need one before encoding: see [`Publish::with_packet_id`]).
    pub fn new(topic: TopicName, payload: impl Into<Bytes>, qos: QoS) -> Self {
        Self {
            dup: false,
            qos,
            retain: false,
            topic,
            packet_id: None,
            payload: payload.into(),
            properties: PublishProperties::default(),
        }
    }

    /// The same message with packet identifier `packet_id`.
    #[must_use]
    pub fn with_packet_id(mut self, packet_id: PacketId) -> Self {
        self.packet_id = Some(packet_id);
        self
    }
}

impl Body for Publish {
    const TYPE: PacketType = PacketType::Publish;

    #[inline]
    fn flags(&self) -> u8 {
        u8::from(self.dup) << 3 | self.qos.as_u8() << 1 | u8::from(self.retain)
    }

    #[inline]
    fn check(&self, version: ProtocolVersion) -> Result<(), EncodeError> {
        match (self.qos, self.packet_id) {
            (QoS::AtMostOnce, Some(_)) => return Err(EncodeError::PacketIdWithQoS0),
            (QoS::AtLeastOnce | QoS::ExactlyOnce, None) => {
                return Err(EncodeError::MissingPacketId);
            }
            _ => {}
        }
        if self.dup && self.qos == QoS::AtMostOnce {
            return Err(EncodeError::DupWithQoS0);
        }
        if !version.is_v5() && !self.properties.is_empty() {
            return Err(EncodeError::PropertiesNotAllowed {
                packet_type: Self::TYPE,
                version,
            });
        }
        if self.topic.is_empty() && self.properties.topic_alias.is_none() {
            return Err(EncodeError::EmptyTopicWithoutAlias);
        }
        Ok(())
    }

    #[inline]
    fn write<S: Sink>(&self, version: ProtocolVersion, sink: &mut S) {
        sink.binary(self.topic.as_bytes());
        if let Some(packet_id) = self.packet_id {
            sink.u16(packet_id.get());
        }
        if version.is_v5() {
            sink.properties(&self.properties);
        }
        sink.raw(&self.payload);
    }

    #[inline]
    fn read(flags: u8, r: &mut Reader, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let qos = QoS::try_from((flags >> 1) & 0b11).map_err(|_| DecodeError::PublishQoS3)?;
        let topic = TopicName::from_wire(r.topic()?)?;
        let packet_id = if qos == QoS::AtMostOnce {
            None
        } else {
            Some(PacketId::new(r.u16()?).ok_or(DecodeError::ZeroPacketId {
                packet_type: Self::TYPE,
            })?)
        };
        let properties = if version.is_v5() {
            PublishProperties::read(r)?
        } else {
            PublishProperties::default()
        };
        if topic.is_empty() {
            if !version.is_v5() {
                return Err(TopicError::Empty.into());
            }
            if properties.topic_alias.is_none() {
                return Err(DecodeError::EmptyTopicWithoutAlias);
            }
        }
        Ok(Self {
            dup: flags & 0b1000 != 0,
            qos,
            retain: flags & 1 != 0,
            topic,
            packet_id,
            payload: r.rest(),
            properties,
        })
    }
}
