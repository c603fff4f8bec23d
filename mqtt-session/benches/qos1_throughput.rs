//! The engine alone: QoS 1 publishes through a [`Session`] (accept, encode the PUBLISH, take
//! the PUBACK, report completion), with no network, so that the client's own overhead can be
//! told apart from the network's. Run with `cargo bench -p mqtt-kit-session`.

// A benchmark that cannot set up has nothing to measure: failing loudly is right.
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use bytes::BytesMut;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mqtt_kit_codec::{
    ConnAck, ConnectReasonCode, Packet, ProtocolVersion, Publish, QoS, TopicName,
};
use mqtt_kit_session::{Event, Session, SessionConfig};

const BATCH: usize = 100;

fn connected(version: ProtocolVersion) -> Session {
    let now = Instant::now();
    let mut session = Session::new(SessionConfig::new(version, "bench"));
    session.connect(now).expect("connect");
    let mut out = BytesMut::new();
    let _ = session.poll_transmit(now, &mut out);
    let mut input = BytesMut::new();
    Packet::ConnAck(ConnAck::new(ConnectReasonCode::Success))
        .encode(version, None, &mut input)
        .expect("encode CONNACK");
    session.handle_read(&mut input, now).expect("CONNACK");
    while session.poll_event().is_some() {}
    session
}

/// Publishes `BATCH` QoS 1 messages, writes them out, and feeds back their PUBACKs.
fn round(
    session: &mut Session,
    message: &Publish,
    out: &mut BytesMut,
    acks: &mut BytesMut,
    now: Instant,
) {
    for _ in 0..BATCH {
        session.publish(message.clone()).expect("publish");
    }
    out.clear();
    let _ = session.poll_transmit(now, out);
    // The packet identifiers of the batch, from the bytes written: 2-byte topic length
    // prefix, topic, then the identifier.
    acks.clear();
    let mut at = 0;
    while at < out.len() {
        let remaining = usize::from(out[at + 1]);
        let topic_len = usize::from(u16::from_be_bytes([out[at + 2], out[at + 3]]));
        let id_at = at + 4 + topic_len;
        acks.extend_from_slice(&[0x40, 0x02, out[id_at], out[id_at + 1]]);
        at += 2 + remaining;
    }
    session.handle_read(acks, now).expect("PUBACKs");
    let mut completed = 0;
    while let Some(event) = session.poll_event() {
        if matches!(event, Event::PublishDone { result: Ok(_), .. }) {
            completed += 1;
        }
    }
    assert_eq!(completed, BATCH);
}

fn qos1_through_the_session(c: &mut Criterion) {
    let mut group = c.benchmark_group("session");
    group.throughput(Throughput::Elements(BATCH as u64));
    for (name, version) in [
        ("qos1_publish_v311", ProtocolVersion::V3_1_1),
        ("qos1_publish_v5", ProtocolVersion::V5),
    ] {
        let mut session = connected(version);
        let topic = TopicName::try_from("bench/sensor/temperature").expect("topic");
        let message = Publish::new(topic, vec![0x5a; 64], QoS::AtLeastOnce);
        let mut out = BytesMut::with_capacity(64 * 1024);
        let mut acks = BytesMut::with_capacity(4 * BATCH);
        let now = Instant::now();
        group.bench_function(name, |b| {
            b.iter(|| round(black_box(&mut session), &message, &mut out, &mut acks, now))
        });
    }
    group.finish();
}

criterion_group!(benches, qos1_through_the_session);
criterion_main!(benches);
