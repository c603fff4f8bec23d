//! SUBSCRIBE: subscription requests, client to server (MQTT 5.0 section 3.8).

use alloc::vec::Vec;

use crate::ack::read_packet_id;
use crate::error::{DecodeError, EncodeError};
use crate::packet::{Body, PacketType};
use crate::properties::SubscribeProperties;
use crate::qos::{PacketId, QoS};
use crate::topic_filter::TopicFilter;
use crate::version::ProtocolVersion;
use crate::wire::{Reader, Sink};

/// Subscriptions that decoding makes room for before reading them (more grow the list).
const MAX_PRESIZED_FILTERS: usize = 32;

/// Whether the server sends retained messages when a subscription is made (MQTT 5.0 section
/// 3.8.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum RetainHandling {
    /// Send retained messages at subscribe time (0; the only behaviour of 3.x).
    #[default]
    SendAtSubscribe = 0,
    /// Send them only if the subscription did not exist yet (1).
    SendAtSubscribeIfNew = 1,
    /// Do not send them (2).
    DoNotSend = 2,
}

/// The options of one subscription: its maximum QoS and, in MQTT 5.0, three more options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SubscriptionOptions {
    /// The highest QoS the client wants messages with.
    pub qos: QoS,
    /// Do not send the client its own messages back (5.0; not on shared subscriptions
    /// [MQTT-3.8.3-4]).
    pub no_local: bool,
    /// Keep the RETAIN flag of forwarded messages as published (5.0).
    pub retain_as_published: bool,
    /// When retained messages are sent (5.0).
    pub retain_handling: RetainHandling,
}

impl SubscriptionOptions {
    /// Options with maximum QoS `qos` and the 3.x behaviour for the rest.
    pub fn new(qos: QoS) -> Self {
        Self {
            qos,
            ..Self::default()
        }
    }

    /// Whether only the QoS is set, the only option 3.x has.
    fn is_v3(self) -> bool {
        !self.no_local
            && !self.retain_as_published
            && self.retain_handling == RetainHandling::SendAtSubscribe
    }

    fn to_byte(self) -> u8 {
        self.qos.as_u8()
            | u8::from(self.no_local) << 2
            | u8::from(self.retain_as_published) << 3
            | (self.retain_handling as u8) << 4
    }

    /// Reads the options byte, refusing reserved bits [MQTT-3.8.3-5] (3.1.1: all but the QoS
    /// bits are reserved [MQTT-3.8.3-4]).
    fn from_byte(options: u8, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let reserved = if version.is_v5() {
            0b1100_0000
        } else {
            0b1111_1100
        };
        if options & reserved != 0 {
            return Err(DecodeError::ReservedSubscriptionOptions { options });
        }
        let qos = QoS::try_from(options & 0b11).map_err(|_| DecodeError::SubscriptionQoS3)?;
        let retain_handling = match (options >> 4) & 0b11 {
            0 => RetainHandling::SendAtSubscribe,
            1 => RetainHandling::SendAtSubscribeIfNew,
            2 => RetainHandling::DoNotSend,
            _ => return Err(DecodeError::RetainHandling3),
        };
        Ok(Self {
            qos,
            no_local: options & 0b100 != 0,
            retain_as_published: options & 0b1000 != 0,
            retain_handling,
        })
    }
}

/// A subscription request: one or more topic filters, each with its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscribe {
    /// Packet identifier, echoed by the SUBACK.
    pub packet_id: PacketId,
    /// The subscriptions, at least one [MQTT-3.8.3-2].
    pub filters: Vec<(TopicFilter, SubscriptionOptions)>,
    /// MQTT 5.0 properties (must be empty for 3.x).
    pub properties: SubscribeProperties,
}

impl Subscribe {
    /// A SUBSCRIBE without properties.
    pub fn new(packet_id: PacketId, filters: Vec<(TopicFilter, SubscriptionOptions)>) -> Self {
        Self {
            packet_id,
            filters,
            properties: SubscribeProperties::default(),
        }
    }
}

impl Body for Subscribe {
    const TYPE: PacketType = PacketType::Subscribe;

    fn check(&self, version: ProtocolVersion) -> Result<(), EncodeError> {
        if self.filters.is_empty() {
            return Err(EncodeError::EmptySubscribe);
        }
        if version.is_v5() {
            if self
                .filters
                .iter()
                .any(|(f, o)| o.no_local && f.is_shared())
            {
                return Err(EncodeError::NoLocalOnSharedSubscription);
            }
            return Ok(());
        }
        self.properties.check_version(Self::TYPE, version)?;
        if !self.filters.iter().all(|(_, o)| o.is_v3()) {
            return Err(EncodeError::FieldNotInVersion {
                field: "subscription options No Local, Retain As Published and Retain Handling",
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
        for (filter, options) in &self.filters {
            sink.validated(filter);
            sink.u8(options.to_byte());
        }
    }

    fn read(_flags: u8, r: &mut Reader, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let packet_id = read_packet_id(r)?;
        let properties = SubscribeProperties::read_if_v5(r, version)?;
        // Each subscription takes at least 4 bytes: room for them all at once, up to a bound.
        let mut filters = Vec::with_capacity((r.remaining() / 4).min(MAX_PRESIZED_FILTERS));
        while !r.is_empty() {
            let filter = TopicFilter::from_byte_string(r.topic()?)?;
            let options = SubscriptionOptions::from_byte(r.u8()?, version)?;
            if options.no_local && filter.is_shared() && version.is_v5() {
                return Err(DecodeError::NoLocalOnSharedSubscription);
            }
            filters.push((filter, options));
        }
        if filters.is_empty() {
            return Err(DecodeError::EmptySubscribe);
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
    use crate::test_support::*;
    use crate::{DisconnectReasonCode, Packet, PropertyId, SubscriptionId, TopicError};

    fn three_filters() -> Subscribe {
        Subscribe::new(
            pid(2),
            vec![
                (filter("some/#"), SubscriptionOptions::new(QoS::AtMostOnce)),
                (
                    filter("other/+/topic/#"),
                    SubscriptionOptions::new(QoS::AtLeastOnce),
                ),
                (filter("#"), SubscriptionOptions::new(QoS::ExactlyOnce)),
            ],
        )
    }

    #[test]
    fn v3_filters_and_qos() {
        round_trip(
            three_filters(),
            V3_1_1,
            "822100020006736f6d652f2300000f6f746865722f2b2f746f7069632f230100012302",
        );
    }

    #[test]
    fn v5_options_and_properties() {
        let mut subscribe = Subscribe::new(
            pid(4),
            vec![
                (
                    filter("test"),
                    SubscriptionOptions {
                        qos: QoS::ExactlyOnce,
                        no_local: true,
                        retain_as_published: true,
                        retain_handling: RetainHandling::DoNotSend,
                    },
                ),
                (
                    filter("$share/g/x"),
                    SubscriptionOptions::new(QoS::AtMostOnce),
                ),
            ],
        );
        subscribe.properties.subscription_identifier = SubscriptionId::new(9029);
        let hex = encode(subscribe.clone(), V5).unwrap();
        assert!(hex.starts_with("821a0004030bc546"), "{hex}");
        assert_eq!(decode_hex(&hex, V5), Ok(Packet::Subscribe(subscribe)));
    }

    #[test]
    fn empty_subscribe_is_refused() {
        // [MQTT-3.8.3-2] (3.1.1: [MQTT-3.8.3-3])
        assert_eq!(
            encode(Subscribe::new(pid(1), vec![]), V3_1_1),
            Err(EncodeError::EmptySubscribe)
        );
        let err = decode_hex("8203000500", V5).unwrap_err();
        assert_eq!(err, DecodeError::EmptySubscribe);
        assert_eq!(err.disconnect_reason(), DisconnectReasonCode::ProtocolError);
        assert_eq!(
            decode_hex("82020005", V3_1_1),
            Err(DecodeError::EmptySubscribe)
        );
    }

    #[test]
    fn fixed_header_flags_must_be_0010() {
        // [MQTT-3.8.1-1]
        assert_eq!(
            decode_hex("800900010004736f6d6500", V3_1_1),
            Err(DecodeError::InvalidHeaderFlags {
                packet_type: PacketType::Subscribe,
                flags: 0
            })
        );
    }

    #[test]
    fn reserved_option_bits_are_refused() {
        // [MQTT-3.8.3-5]
        assert_eq!(
            decode_hex("820a00010000047465737440", V5),
            Err(DecodeError::ReservedSubscriptionOptions { options: 0x40 })
        );
        // 3.1.1: [MQTT-3.8.3-4]: only the QoS bits exist.
        assert_eq!(
            decode_hex("82090001000474657374 04".replace(' ', "").as_str(), V3_1_1),
            Err(DecodeError::ReservedSubscriptionOptions { options: 0x04 })
        );
    }

    #[test]
    fn qos_3_and_retain_handling_3_are_refused() {
        // MQTT 5.0 section 3.8.3.1 (3.1.1: [MQTT-3.8.3-4])
        assert_eq!(
            decode_hex("8209000100047465737403", V3_1_1),
            Err(DecodeError::SubscriptionQoS3)
        );
        assert_eq!(
            decode_hex("820a00010000047465737430", V5),
            Err(DecodeError::RetainHandling3)
        );
    }

    #[test]
    fn no_local_on_a_shared_subscription_is_refused() {
        // [MQTT-3.8.3-4]
        let options = SubscriptionOptions {
            no_local: true,
            ..SubscriptionOptions::default()
        };
        let subscribe = Subscribe::new(pid(1), vec![(filter("$share/g/t"), options)]);
        assert_eq!(
            encode(subscribe, V5),
            Err(EncodeError::NoLocalOnSharedSubscription)
        );
        assert_eq!(
            decode_hex(
                "8210000100000a247368617265 2f672f7404"
                    .replace(' ', "")
                    .as_str(),
                V5
            ),
            Err(DecodeError::NoLocalOnSharedSubscription)
        );
    }

    #[test]
    fn v5_options_are_refused_in_v3() {
        let options = SubscriptionOptions {
            retain_handling: RetainHandling::SendAtSubscribeIfNew,
            ..SubscriptionOptions::default()
        };
        let subscribe = Subscribe::new(pid(1), vec![(filter("t"), options)]);
        assert!(matches!(
            encode(subscribe, V3_1_1),
            Err(EncodeError::FieldNotInVersion { .. })
        ));
    }

    #[test]
    fn invalid_filters_are_refused() {
        // [MQTT-4.7.1-1]
        assert_eq!(
            decode_hex("8208000100036123 6200".replace(' ', "").as_str(), V3_1_1),
            Err(DecodeError::Topic(TopicError::MisplacedMultiLevelWildcard))
        );
    }

    #[test]
    fn one_subscription_identifier_only() {
        // MQTT 5.0 section 3.8.2.1.2 (luamqtt vector "with invalid properties").
        assert_eq!(
            decode_hex("820e0005040b010b0200047465737400", V5),
            Err(DecodeError::DuplicateProperty {
                property: PropertyId::SubscriptionIdentifier
            })
        );
    }
}
