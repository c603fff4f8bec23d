//! The packets measured: PUBLISH with payloads from 0 B to 1 MiB (3.1.1, and 5.0 with a few
//! properties), CONNECT with a Will and credentials (3.1.1; 5.0 with properties and Will
//! properties) and SUBSCRIBE with 10 filters (3.1.1; 5.0 with options and a subscription
//! identifier). Field values are plausible for a real client, so that topic checks and string
//! copies cost what they would cost in use.

use std::num::{NonZeroU16, NonZeroU32};

use bytes::{Bytes, BytesMut};
use mqtt_kit_codec::{
    Connect, Packet, PacketId, PayloadFormat, ProtocolVersion, Publish, QoS, RetainHandling,
    Subscribe, SubscriptionId, SubscriptionOptions, TopicFilter, TopicName, Will,
};

/// One packet, ready to be encoded and decoded.
pub struct Case {
    /// Name of the criterion groups (`encode/NAME`, `decode/NAME`).
    pub name: String,
    /// The version it is encoded and decoded with.
    pub version: ProtocolVersion,
    /// Our value of the packet.
    pub packet: Packet,
    /// Our encoding of it: the bytes every decoder is given.
    pub wire: Bytes,
}

const PAYLOAD_SIZES: [(usize, &str); 5] = [
    (0, "0B"),
    (64, "64B"),
    (1024, "1KiB"),
    (16 * 1024, "16KiB"),
    (1024 * 1024, "1MiB"),
];

const CLIENT_ID: &str = "bench-client-0001";

/// Every packet measured, in report order.
pub fn all() -> Vec<Case> {
    let mut cases = Vec::new();
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        for (size, label) in PAYLOAD_SIZES {
            cases.push(case(
                format!("publish-{}-{label}", version_label(version)),
                version,
                publish(version, size).into(),
            ));
        }
    }
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        cases.push(case(
            format!("connect-{}-will", version_label(version)),
            version,
            connect(version).into(),
        ));
    }
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        cases.push(case(
            format!("subscribe-{}-10-filters", version_label(version)),
            version,
            subscribe(version).into(),
        ));
    }
    cases
}

fn case(name: String, version: ProtocolVersion, packet: Packet) -> Case {
    let mut out = BytesMut::new();
    packet
        .encode(version, None, &mut out)
        .expect("every bench packet encodes");
    Case {
        name,
        version,
        packet,
        wire: out.freeze(),
    }
}

fn version_label(version: ProtocolVersion) -> &'static str {
    match version {
        ProtocolVersion::V3_1 => "v3.1",
        ProtocolVersion::V3_1_1 => "v3.1.1",
        ProtocolVersion::V5 => "v5",
    }
}

fn topic(name: &str) -> TopicName {
    TopicName::try_from(name).expect("valid topic name")
}

fn filter(name: &str) -> TopicFilter {
    TopicFilter::try_from(name).expect("valid topic filter")
}

/// A payload that is not all one byte, so that nothing can shortcut it.
fn payload(size: usize) -> Bytes {
    (0..size)
        .map(|i| (i.wrapping_mul(31) % 251) as u8)
        .collect::<Vec<u8>>()
        .into()
}

/// A QoS 1 PUBLISH; for 5.0 with five properties (expiry, content type, response topic,
/// correlation data and one user property).
fn publish(version: ProtocolVersion, size: usize) -> Publish {
    let mut publish = Publish::new(
        topic("sensors/building-1/floor-3/room-42/temperature"),
        payload(size),
        QoS::AtLeastOnce,
    )
    .with_packet_id(PacketId::new(4242).expect("non-zero"));
    if version.is_v5() {
        let properties = &mut publish.properties;
        properties.message_expiry_interval = Some(60);
        properties.content_type = Some("application/octet-stream".into());
        properties.response_topic = Some(topic("replies/bench-client-0001"));
        properties.correlation_data = Some(Bytes::from_static(b"0123456789abcdef"));
        properties
            .user_properties
            .push(("trace-id".into(), "4bf92f3577b34da6a3ce929d0e0e4736".into()));
    }
    publish
}

/// A CONNECT with a retained QoS 1 Will, user name and password; for 5.0 with connection
/// properties and Will properties.
fn connect(version: ProtocolVersion) -> Connect {
    let mut will = Will::new(
        topic("clients/bench-client-0001/status"),
        Bytes::from_static(b"offline"),
        QoS::AtLeastOnce,
    );
    will.retain = true;
    let mut connect = Connect::new(version, CLIENT_ID);
    connect.keep_alive = 60;
    connect.username = Some("bench-user".into());
    connect.password = Some(Bytes::from_static(b"bench-password"));
    if version.is_v5() {
        let properties = &mut connect.properties;
        properties.session_expiry_interval = Some(3600);
        properties.receive_maximum = NonZeroU16::new(100);
        properties.maximum_packet_size = NonZeroU32::new(1 << 20);
        properties.topic_alias_maximum = Some(10);
        properties
            .user_properties
            .push(("client-kind".into(), "bench".into()));
        let will_properties = &mut will.properties;
        will_properties.will_delay_interval = Some(5);
        will_properties.payload_format_indicator = Some(PayloadFormat::Utf8);
        will_properties.message_expiry_interval = Some(300);
        will_properties.content_type = Some("text/plain".into());
    }
    connect.will = Some(will);
    connect
}

const FILTERS: [&str; 10] = [
    "sensors/+/temperature",
    "sensors/+/humidity",
    "alerts/#",
    "devices/bench-client-0001/commands",
    "devices/bench-client-0001/config/+",
    "$share/workers/jobs/+",
    "status/+/online",
    "firmware/updates/#",
    "building-1/floor-3/+/lights",
    "building-1/floor-3/room-42/#",
];

/// A SUBSCRIBE with 10 filters of every QoS; for 5.0 with No Local, Retain As Published,
/// Retain Handling and a subscription identifier.
fn subscribe(version: ProtocolVersion) -> Subscribe {
    let filters = FILTERS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let filter = filter(name);
            let qos = QoS::try_from((i % 3) as u8).expect("0, 1 or 2");
            let mut options = SubscriptionOptions::new(qos);
            if version.is_v5() {
                options.no_local = i % 2 == 0 && !filter.is_shared();
                options.retain_as_published = i % 3 == 0;
                options.retain_handling = match i % 3 {
                    0 => RetainHandling::SendAtSubscribe,
                    1 => RetainHandling::SendAtSubscribeIfNew,
                    _ => RetainHandling::DoNotSend,
                };
            }
            (filter, options)
        })
        .collect();
    let mut subscribe = Subscribe::new(PacketId::new(7).expect("non-zero"), filters);
    if version.is_v5() {
        subscribe.properties.subscription_identifier = SubscriptionId::new(42);
    }
    subscribe
}
