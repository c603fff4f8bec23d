//! PUBLISH: an application message, both ways (MQTT 5.0 section 3.3).

use bytes::{Bytes, BytesMut};

use crate::error::{DecodeError, EncodeError};
use crate::packet::{Body, PacketType, encode_body, encode_head, measure};
use crate::properties::PublishProperties;
use crate::qos::{PacketId, QoS};
use crate::redact::ByteCount;
use crate::topic::{TopicError, TopicName};
use crate::version::ProtocolVersion;
use crate::wire::{Reader, Sink};

/// An application message. Topic and payload are slices of the buffer it was decoded from.
/// Its `Debug` shows the payload as its length only.
#[derive(Clone, PartialEq, Eq)]
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

impl core::fmt::Debug for Publish {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Publish")
            .field("dup", &self.dup)
            .field("qos", &self.qos)
            .field("retain", &self.retain)
            .field("topic", &self.topic)
            .field("packet_id", &self.packet_id)
            .field("payload", &ByteCount(&self.payload))
            .field("properties", &self.properties)
            .finish()
    }
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

/// Encoding by reference: a session keeps its messages (to send them again) and encodes
/// each where it lies, without moving or cloning it into a [`crate::Packet`].
impl Publish {
    /// Exact size on the wire, as [`Packet::encoded_len`](crate::Packet::encoded_len).
    ///
    /// ```
    /// use mqtt_kit_codec::{Packet, ProtocolVersion, Publish, QoS, TopicName};
    ///
    /// let publish = Publish::new(TopicName::try_from("a/b").unwrap(), "hi", QoS::AtMostOnce);
    /// let size = publish.encoded_len(ProtocolVersion::V5);
    /// assert_eq!(size, Packet::from(publish).encoded_len(ProtocolVersion::V5));
    /// ```
    pub fn encoded_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        measure(self, version).map(|size| size.total)
    }

    /// Appends the PUBLISH to `out`, as [`Packet::encode`](crate::Packet::encode) (same
    /// checks and limit; `out` untouched on error); returns the number of bytes written.
    pub fn encode(
        &self,
        version: ProtocolVersion,
        max_packet_size: Option<u32>,
        out: &mut BytesMut,
    ) -> Result<usize, EncodeError> {
        encode_body(self, version, max_packet_size, out)
    }

    /// Appends all of the PUBLISH but its payload to `out` and returns the payload, as
    /// [`Packet::encode_head`](crate::Packet::encode_head).
    pub fn encode_head(
        &self,
        version: ProtocolVersion,
        max_packet_size: Option<u32>,
        out: &mut BytesMut,
    ) -> Result<&Bytes, EncodeError> {
        encode_head(self, version, max_packet_size, out, false).map(|_| &self.payload)
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
        self.properties.check_version(Self::TYPE, version)?;
        if self.topic.is_empty() && self.properties.topic_alias.is_none() {
            return Err(EncodeError::EmptyTopicWithoutAlias);
        }
        Ok(())
    }

    #[inline]
    fn write<S: Sink>(&self, version: ProtocolVersion, sink: &mut S) {
        sink.validated(&self.topic);
        if let Some(packet_id) = self.packet_id {
            sink.u16(packet_id.get());
        }
        if version.is_v5() {
            sink.properties(&self.properties);
        }
    }

    #[inline]
    fn payload(&self) -> &Bytes {
        &self.payload
    }

    // Inlined into `decode`, so that the PUBLISH is built in place rather than copied.
    #[inline(always)]
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
        let properties = PublishProperties::read_if_v5(r, version)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use crate::{DecodeLimits, DisconnectReasonCode, Packet, PropertyId, SubscriptionId, decode};
    use alloc::vec;
    use core::num::NonZeroU16;

    fn qos1() -> Publish {
        let mut publish =
            Publish::new(topic("some"), "payload", QoS::AtLeastOnce).with_packet_id(pid(1));
        publish.dup = true;
        publish.retain = true;
        publish
    }

    #[test]
    fn encoding_by_reference_is_encoding_the_packet() {
        for version in [V3_1, V3_1_1, V5] {
            let publish = qos1();
            let packet = Packet::Publish(publish.clone());
            let mut whole = bytes::BytesMut::new();
            let len = packet.encode(version, None, &mut whole).unwrap();
            let mut by_ref = bytes::BytesMut::new();
            assert_eq!(publish.encode(version, None, &mut by_ref), Ok(len));
            assert_eq!(by_ref, whole);
            assert_eq!(publish.encoded_len(version), Ok(len));
            let mut head = bytes::BytesMut::new();
            let payload = publish.encode_head(version, None, &mut head).unwrap();
            assert_eq!([&head[..], &payload[..]].concat(), whole.to_vec());
            // The same limit, and nothing written when over it.
            let mut refused = bytes::BytesMut::new();
            let max = u32::try_from(len - 1).unwrap();
            assert!(publish.encode(version, Some(max), &mut refused).is_err());
            assert!(refused.is_empty());
        }
        let mut missing_id = qos1();
        missing_id.packet_id = None;
        assert_eq!(
            missing_id.encoded_len(V5),
            Err(EncodeError::MissingPacketId)
        );
    }

    #[test]
    fn every_version() {
        round_trip(qos1(), V3_1_1, "3b0f0004736f6d6500017061796c6f6164");
        round_trip(qos1(), V3_1, "3b0f0004736f6d6500017061796c6f6164");
        round_trip(qos1(), V5, "3b100004736f6d650001007061796c6f6164");
        round_trip(
            Publish::new(topic("some"), "", QoS::AtMostOnce),
            V3_1_1,
            "30060004736f6d65",
        );
    }

    #[test]
    fn payload_and_topic_are_slices_of_the_input() {
        let mut buf = bytes("3b0f0004736f6d6500017061796c6f6164");
        let start = buf.as_ptr() as usize;
        let end = start + buf.len();
        let Some(Packet::Publish(publish)) =
            decode(&mut buf, V3_1_1, &DecodeLimits::default()).unwrap()
        else {
            panic!("not a PUBLISH");
        };
        for ptr in [
            publish.payload.as_ptr() as usize,
            publish.topic.as_bytes().as_ptr() as usize,
        ] {
            assert!((start..end).contains(&ptr));
        }
    }

    #[test]
    fn qos_3_is_malformed() {
        // [MQTT-3.3.1-4]
        let err = decode_hex("36080004736f6d650001", V3_1_1).unwrap_err();
        assert_eq!(err, DecodeError::PublishQoS3);
        assert_eq!(
            err.disconnect_reason(),
            DisconnectReasonCode::MalformedPacket
        );
    }

    #[test]
    fn packet_id_0_is_refused() {
        // [MQTT-2.2.1-3] (3.1.1: [MQTT-2.3.1-1])
        assert_eq!(
            decode_hex("32080004736f6d650000", V3_1_1),
            Err(DecodeError::ZeroPacketId {
                packet_type: PacketType::Publish
            })
        );
    }

    #[test]
    fn packet_id_goes_with_qos() {
        // [MQTT-2.2.1-2]
        let qos0 = Publish::new(topic("a"), "", QoS::AtMostOnce).with_packet_id(pid(1));
        assert_eq!(encode(qos0, V5), Err(EncodeError::PacketIdWithQoS0));
        // [MQTT-2.2.1-3]
        assert_eq!(
            encode(Publish::new(topic("a"), "", QoS::ExactlyOnce), V5),
            Err(EncodeError::MissingPacketId)
        );
    }

    #[test]
    fn dup_is_never_set_on_qos_0() {
        // [MQTT-3.3.1-2]: refused when sending, tolerated when received (luamqtt sends it).
        let mut publish = Publish::new(topic("a"), "", QoS::AtMostOnce);
        publish.dup = true;
        assert_eq!(
            encode(publish.clone(), V3_1_1),
            Err(EncodeError::DupWithQoS0)
        );
        assert_eq!(
            decode_hex("38030001 61".replace(' ', "").as_str(), V3_1_1),
            Ok(Packet::Publish(publish))
        );
    }

    #[test]
    fn wildcards_are_refused_in_the_topic() {
        // [MQTT-3.3.2-2]
        let err = decode_hex("300400022f23", V3_1_1).unwrap_err();
        assert_eq!(err, DecodeError::Topic(TopicError::WildcardInTopicName));
        assert!(err.to_string().contains("[MQTT-3.3.2-2]"));
    }

    #[test]
    fn topic_must_be_utf8_without_null() {
        // [MQTT-1.5.4-1] [MQTT-4.7.3-2]
        assert_eq!(
            decode_hex("30030001ff", V3_1_1),
            Err(DecodeError::InvalidUtf8)
        );
        assert_eq!(
            decode_hex("3003000100", V3_1_1),
            Err(DecodeError::Topic(TopicError::NullCharacter))
        );
    }

    #[test]
    fn empty_topic_needs_a_v5_alias() {
        // [MQTT-4.7.3-1]; MQTT 5.0 section 3.3.2.1
        assert_eq!(
            decode_hex("30020000", V3_1_1),
            Err(DecodeError::Topic(TopicError::Empty))
        );
        assert_eq!(
            decode_hex("3003000000", V5),
            Err(DecodeError::EmptyTopicWithoutAlias)
        );
        let mut aliased = Publish::new(TopicName::empty(), "x", QoS::AtMostOnce);
        assert_eq!(
            encode(aliased.clone(), V5),
            Err(EncodeError::EmptyTopicWithoutAlias)
        );
        aliased.properties.topic_alias = NonZeroU16::new(3);
        round_trip(aliased, V5, "3007000003230003 78".replace(' ', "").as_str());
    }

    #[test]
    fn topic_alias_0_is_refused() {
        // [MQTT-3.3.2-8]
        let err = decode_hex("300700016103230000", V5).unwrap_err();
        assert_eq!(
            err,
            DecodeError::InvalidPropertyValue {
                property: PropertyId::TopicAlias,
                value: 0
            }
        );
        assert_eq!(
            err.disconnect_reason(),
            DisconnectReasonCode::TopicAliasInvalid
        );
    }

    #[test]
    fn subscription_identifiers_repeat_in_order_but_not_as_0() {
        let mut publish = Publish::new(topic("t"), "", QoS::AtMostOnce);
        publish.properties.subscription_identifiers = vec![
            SubscriptionId::new(2).unwrap(),
            SubscriptionId::new(268_435_455).unwrap(),
            SubscriptionId::new(2).unwrap(),
        ];
        round_trip(publish, V5, "300d000174090b020bffffff7f0b02");
        // MQTT 5.0 section 3.3.2.3.8: 0 is a Protocol Error.
        assert_eq!(
            decode_hex("300600017402 0b00".replace(' ', "").as_str(), V5),
            Err(DecodeError::InvalidPropertyValue {
                property: PropertyId::SubscriptionIdentifier,
                value: 0
            })
        );
    }

    #[test]
    fn user_properties_keep_order_and_duplicates() {
        let mut publish = Publish::new(topic("t"), "", QoS::AtMostOnce);
        publish.properties.user_properties = vec![
            ("k".into(), "2".into()),
            ("a".into(), "1".into()),
            ("k".into(), "1".into()),
        ];
        let hex = encode(publish.clone(), V5).unwrap();
        assert_eq!(decode_hex(&hex, V5), Ok(Packet::Publish(publish)));
    }

    #[test]
    fn response_topic_has_no_wildcards() {
        // [MQTT-3.3.2-14]
        assert_eq!(
            decode_hex("30080001740408 00012b".replace(' ', "").as_str(), V5),
            Err(DecodeError::InvalidResponseTopic(
                TopicError::WildcardInTopicName
            ))
        );
    }

    #[test]
    fn properties_are_refused_in_v3() {
        let mut publish = Publish::new(topic("t"), "", QoS::AtMostOnce);
        publish.properties.content_type = Some("text/plain".into());
        assert_eq!(
            encode(publish, V3_1_1),
            Err(EncodeError::PropertiesNotAllowed {
                packet_type: PacketType::Publish,
                version: V3_1_1
            })
        );
    }
}
