//! The peer measured against: rumqttc's codec (`rumqttc::mqttbytes::v4` for 3.1.1,
//! `rumqttc::v5::mqttbytes::v5` for 5.0), through the `Packet::read` and `Packet::write`
//! functions its own tokio codec calls. Our packets are translated field by field into its
//! types once, before measuring, and [`check`] proves both sides hold the same packet.

use bytes::{Bytes, BytesMut};
use bytestring::ByteString;
use mqtt_kit_codec::{
    Connect, DecodeLimits, Packet, ProtocolVersion, Publish, QoS, RetainHandling, Subscribe, decode,
};
use rumqttc::mqttbytes::{self as bytes4, v4};
use rumqttc::v5::mqttbytes::{self as bytes5, v5};

/// A packet in rumqttc's types, of either version.
#[derive(Debug, PartialEq, Eq)]
#[allow(
    clippy::large_enum_variant,
    reason = "boxing would add an allocation to every rumqttc decode we measure"
)]
pub enum PeerPacket {
    /// MQTT 3.1.1.
    V4(v4::Packet),
    /// MQTT 5.0.
    V5(v5::Packet),
}

/// Why rumqttc refused something.
#[derive(Debug)]
pub enum PeerError {
    /// From its 3.1.1 codec.
    V4(bytes4::Error),
    /// From its 5.0 codec.
    V5(bytes5::Error),
}

impl std::fmt::Display for PeerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::V4(error) => write!(f, "rumqttc 3.1.1: {error}"),
            Self::V5(error) => write!(f, "rumqttc 5.0: {error}"),
        }
    }
}

impl PeerPacket {
    /// rumqttc's `Packet::write`, with no size limit (its 3.1.1 codec always takes one).
    #[inline]
    pub fn encode(&self, out: &mut BytesMut) -> Result<usize, PeerError> {
        match self {
            Self::V4(packet) => packet.write(out, usize::MAX).map_err(PeerError::V4),
            Self::V5(packet) => packet.write(out, None).map_err(PeerError::V5),
        }
    }

    /// rumqttc's `Packet::read` of the packet at the front of `buf`, with no size limit.
    #[inline]
    pub fn decode(version: ProtocolVersion, buf: &mut BytesMut) -> Result<Self, PeerError> {
        if version.is_v5() {
            v5::Packet::read(buf, None)
                .map(Self::V5)
                .map_err(PeerError::V5)
        } else {
            v4::Packet::read(buf, usize::MAX)
                .map(Self::V4)
                .map_err(PeerError::V4)
        }
    }

    /// Our packet in rumqttc's types (only the packet kinds the benchmark uses).
    pub fn from_ours(packet: &Packet, version: ProtocolVersion) -> Self {
        match (packet, version.is_v5()) {
            (Packet::Publish(p), false) => Self::V4(v4::Packet::Publish(publish_v4(p))),
            (Packet::Publish(p), true) => Self::V5(v5::Packet::Publish(publish_v5(p))),
            (Packet::Connect(c), false) => Self::V4(v4::Packet::Connect(connect_v4(c))),
            (Packet::Connect(c), true) => {
                let (connect, will, login) = connect_v5(c);
                Self::V5(v5::Packet::Connect(connect, will, login))
            }
            (Packet::Subscribe(s), false) => Self::V4(v4::Packet::Subscribe(subscribe_v4(s))),
            (Packet::Subscribe(s), true) => Self::V5(v5::Packet::Subscribe(subscribe_v5(s))),
            (other, _) => unimplemented!("no rumqttc translation for {:?}", other.packet_type()),
        }
    }
}

/// Proves that both libraries see the same packet: rumqttc decodes our bytes into its
/// translation of our packet, we decode rumqttc's bytes into our packet, and both encodings
/// have the same length (property order may differ in 5.0).
pub fn check(packet: &Packet, wire: &Bytes, version: ProtocolVersion) {
    let peer = PeerPacket::from_ours(packet, version);
    let decoded = PeerPacket::decode(version, &mut BytesMut::from(&wire[..]))
        .expect("rumqttc decodes our bytes");
    assert_eq!(decoded, peer, "rumqttc reads our bytes as its translation");
    let mut theirs = BytesMut::new();
    let written = peer.encode(&mut theirs).expect("rumqttc encodes");
    assert_eq!(written, wire.len(), "both encodings have the same length");
    let ours = decode(&mut theirs, version, &DecodeLimits::default())
        .expect("we decode rumqttc's bytes")
        .expect("a whole packet");
    assert_eq!(&ours, packet, "we read rumqttc's bytes as our packet");
}

fn qos4(qos: QoS) -> bytes4::QoS {
    match qos {
        QoS::AtMostOnce => bytes4::QoS::AtMostOnce,
        QoS::AtLeastOnce => bytes4::QoS::AtLeastOnce,
        QoS::ExactlyOnce => bytes4::QoS::ExactlyOnce,
    }
}

fn qos5(qos: QoS) -> bytes5::QoS {
    match qos {
        QoS::AtMostOnce => bytes5::QoS::AtMostOnce,
        QoS::AtLeastOnce => bytes5::QoS::AtLeastOnce,
        QoS::ExactlyOnce => bytes5::QoS::ExactlyOnce,
    }
}

fn packet_id(id: Option<mqtt_kit_codec::PacketId>) -> u16 {
    id.map_or(0, |id| id.get())
}

fn publish_v4(p: &Publish) -> v4::Publish {
    v4::Publish {
        dup: p.dup,
        qos: qos4(p.qos),
        retain: p.retain,
        topic: p.topic.as_str().to_owned(),
        pkid: packet_id(p.packet_id),
        payload: p.payload.clone(),
    }
}

fn publish_v5(p: &Publish) -> v5::Publish {
    let ours = &p.properties;
    let properties = (!ours.is_empty()).then(|| v5::PublishProperties {
        payload_format_indicator: ours.payload_format_indicator.map(|f| f as u8),
        message_expiry_interval: ours.message_expiry_interval,
        topic_alias: ours.topic_alias.map(|a| a.get()),
        response_topic: ours.response_topic.as_ref().map(|t| t.as_str().to_owned()),
        correlation_data: ours.correlation_data.clone(),
        user_properties: user_properties(&ours.user_properties),
        subscription_identifiers: ours
            .subscription_identifiers
            .iter()
            .map(|id| id.get() as usize)
            .collect(),
        content_type: ours.content_type.as_deref().map(str::to_owned),
    });
    v5::Publish {
        dup: p.dup,
        qos: qos5(p.qos),
        retain: p.retain,
        topic: Bytes::copy_from_slice(p.topic.as_bytes()),
        pkid: packet_id(p.packet_id),
        payload: p.payload.clone(),
        properties,
    }
}

/// User properties as rumqttc holds them: owned strings.
fn user_properties(pairs: &[(ByteString, ByteString)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

fn password(c: &Connect) -> String {
    c.password
        .as_ref()
        .map(|p| String::from_utf8(p.to_vec()).expect("rumqttc passwords are strings"))
        .unwrap_or_default()
}

fn connect_v4(c: &Connect) -> v4::Connect {
    v4::Connect {
        protocol: bytes4::Protocol::V4,
        keep_alive: c.keep_alive,
        client_id: c.client_id.to_string(),
        clean_session: c.clean_start,
        last_will: c.will.as_ref().map(|w| v4::LastWill {
            topic: w.topic.as_str().to_owned(),
            message: w.payload.clone(),
            qos: qos4(w.qos),
            retain: w.retain,
        }),
        login: c.username.as_ref().map(|username| v4::Login {
            username: username.to_string(),
            password: password(c),
        }),
    }
}

fn connect_v5(c: &Connect) -> (v5::Connect, Option<v5::LastWill>, Option<v5::Login>) {
    let ours = &c.properties;
    let properties = (!ours.is_empty()).then(|| v5::ConnectProperties {
        session_expiry_interval: ours.session_expiry_interval,
        receive_maximum: ours.receive_maximum.map(|r| r.get()),
        max_packet_size: ours.maximum_packet_size.map(|m| m.get()),
        topic_alias_max: ours.topic_alias_maximum,
        request_response_info: ours.request_response_information.map(u8::from),
        request_problem_info: ours.request_problem_information.map(u8::from),
        user_properties: user_properties(&ours.user_properties),
        authentication_method: ours.authentication_method.as_deref().map(str::to_owned),
        authentication_data: ours.authentication_data.clone(),
    });
    let will = c.will.as_ref().map(|w| {
        let ours = &w.properties;
        v5::LastWill {
            topic: Bytes::copy_from_slice(w.topic.as_bytes()),
            message: w.payload.clone(),
            qos: qos5(w.qos),
            retain: w.retain,
            properties: (!ours.is_empty()).then(|| v5::LastWillProperties {
                delay_interval: ours.will_delay_interval,
                payload_format_indicator: ours.payload_format_indicator.map(|f| f as u8),
                message_expiry_interval: ours.message_expiry_interval,
                content_type: ours.content_type.as_deref().map(str::to_owned),
                response_topic: ours.response_topic.as_ref().map(|t| t.as_str().to_owned()),
                correlation_data: ours.correlation_data.clone(),
                user_properties: user_properties(&ours.user_properties),
            }),
        }
    });
    let login = c.username.as_ref().map(|username| v5::Login {
        username: username.to_string(),
        password: password(c),
    });
    let connect = v5::Connect {
        keep_alive: c.keep_alive,
        client_id: c.client_id.to_string(),
        clean_start: c.clean_start,
        properties,
    };
    (connect, will, login)
}

fn subscribe_v4(s: &Subscribe) -> v4::Subscribe {
    v4::Subscribe {
        pkid: s.packet_id.get(),
        filters: s
            .filters
            .iter()
            .map(|(filter, options)| v4::SubscribeFilter {
                path: filter.as_str().to_owned(),
                qos: qos4(options.qos),
            })
            .collect(),
    }
}

fn subscribe_v5(s: &Subscribe) -> v5::Subscribe {
    let ours = &s.properties;
    v5::Subscribe {
        pkid: s.packet_id.get(),
        filters: s
            .filters
            .iter()
            .map(|(filter, options)| v5::Filter {
                path: filter.as_str().to_owned(),
                qos: qos5(options.qos),
                nolocal: options.no_local,
                preserve_retain: options.retain_as_published,
                retain_forward_rule: match options.retain_handling {
                    RetainHandling::SendAtSubscribe => v5::RetainForwardRule::OnEverySubscribe,
                    RetainHandling::SendAtSubscribeIfNew => v5::RetainForwardRule::OnNewSubscribe,
                    RetainHandling::DoNotSend => v5::RetainForwardRule::Never,
                },
            })
            .collect(),
        properties: (!ours.is_empty()).then(|| v5::SubscribeProperties {
            id: ours.subscription_identifier.map(|id| id.get() as usize),
            user_properties: user_properties(&ours.user_properties),
        }),
    }
}
