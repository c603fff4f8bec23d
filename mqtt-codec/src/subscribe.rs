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
        if !self.properties.is_empty() {
            return Err(EncodeError::PropertiesNotAllowed {
                packet_type: Self::TYPE,
                version,
            });
        }
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
            sink.binary(filter.as_bytes());
            sink.u8(options.to_byte());
        }
    }

    fn read(_flags: u8, r: &mut Reader, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let packet_id = read_packet_id(r)?;
        let properties = if version.is_v5() {
            SubscribeProperties::read(r)?
        } else {
            SubscribeProperties::default()
        };
        let mut filters = Vec::new();
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
