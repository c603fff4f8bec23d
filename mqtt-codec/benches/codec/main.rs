//! Encoding and decoding speed of the codec, side by side with a peer and a floor.
//!
//! For every packet of [`cases`], two criterion groups, `encode/NAME` and `decode/NAME`, each
//! with up to three functions measured the same way:
//!
//! - `ours`: this crate ([`Packet::encode`], [`decode`]);
//! - `rumqttc`: rumqttc 0.25's codec, with the `bench-rumqttc` feature only (see [`peer`]);
//! - `memcpy`: a plain copy of the packet's bytes, the floor of any encoder that copies the
//!   payload and of any decoder that copies its input;
//! - `ours-payload-by-reference` (PUBLISH only, encode only): [`Packet::encode_head`], which
//!   writes everything but the payload and hands the payload back for a vectored write. It
//!   does a different job from the copying encoders (nothing copies the payload into the
//!   buffer), so the table prints it as its own row, never as `ours`.
//!
//! Encoding appends the packet to a reused `BytesMut` (cleared before each packet). Decoding
//! takes a read buffer holding exactly one packet (see [`read_buffer`]) and produces the
//! library's packet value; the input buffers are prepared, and the packet values dropped,
//! outside the timed part, in batches of [`DECODE_BATCH`].
//!
//! ```text
//! cargo bench -p mqtt-kit-codec --features bench-rumqttc --bench codec
//! python3 mqtt-codec/benches/ratio_table.py      # Markdown table from target/criterion
//! ```
//!
//! (With `CARGO_TARGET_DIR` set, criterion and the script both use `$CARGO_TARGET_DIR/criterion`.)
//! Without the feature, only `ours` and `memcpy` run, and rumqttc is not built: the feature
//! is off in `cargo test` and `cargo clippy --workspace --all-targets`. The whole run takes
//! about six minutes (94 functions, 1 s warm-up and 2 s of samples each); pass a filter such
//! as `-- publish-v5` to run part of it.

#![allow(
    clippy::expect_used,
    reason = "a benchmark whose setup is broken has nothing to measure: it stops"
)]

mod cases;
#[cfg(feature = "bench-rumqttc")]
mod peer;

use std::hint::black_box;
use std::time::Duration;

use bytes::BytesMut;
use cases::Case;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use mqtt_kit_codec::{DecodeLimits, Packet, decode};

/// Inputs decoded per timed batch: enough to make the timer's own cost negligible (a few
/// nanoseconds shared by the batch), few enough that 64 one-MiB inputs fit in memory.
const DECODE_BATCH: u64 = 64;

/// Short runs, so that the whole comparison (14 packets, 2 directions, 3 functions) stays
/// within minutes on a busy 2-core machine. Command-line options still override these.
fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
        .nresamples(20_000)
        .without_plots()
}

fn encode_group(c: &mut Criterion, case: &Case) {
    let mut group = c.benchmark_group(format!("encode/{}", case.name));
    group.throughput(Throughput::Bytes(case.wire.len() as u64));
    let mut out = BytesMut::with_capacity(case.wire.len());

    group.bench_function("ours", |b| {
        b.iter(|| {
            out.clear();
            let written = black_box(&case.packet)
                .encode(case.version, None, &mut out)
                .expect("encodes");
            black_box(&mut out);
            written
        })
    });

    if matches!(case.packet, Packet::Publish(_)) {
        group.bench_function("ours-payload-by-reference", |b| {
            b.iter(|| {
                out.clear();
                let payload = black_box(&case.packet)
                    .encode_head(case.version, None, &mut out)
                    .expect("encodes");
                black_box(&mut out);
                black_box(payload);
            })
        });
    }

    #[cfg(feature = "bench-rumqttc")]
    {
        let packet = peer::PeerPacket::from_ours(&case.packet, case.version);
        group.bench_function("rumqttc", |b| {
            b.iter(|| {
                out.clear();
                let written = black_box(&packet).encode(&mut out).expect("encodes");
                black_box(&mut out);
                written
            })
        });
    }

    group.bench_function("memcpy", |b| {
        b.iter(|| {
            out.clear();
            out.extend_from_slice(black_box(&case.wire));
            black_box(&mut out);
        })
    });
    group.finish();
}

fn decode_group(c: &mut Criterion, case: &Case) {
    let mut group = c.benchmark_group(format!("decode/{}", case.name));
    group.throughput(Throughput::Bytes(case.wire.len() as u64));
    let input = || read_buffer(&case.wire);
    let batch = BatchSize::NumIterations(DECODE_BATCH);
    let limits = DecodeLimits::default();

    group.bench_function("ours", |b| {
        b.iter_batched_ref(
            input,
            |buf| decode(buf, black_box(case.version), &limits),
            batch,
        )
    });

    #[cfg(feature = "bench-rumqttc")]
    group.bench_function("rumqttc", |b| {
        b.iter_batched_ref(
            input,
            |buf| peer::PeerPacket::decode(black_box(case.version), buf),
            batch,
        )
    });

    let mut copy = Vec::with_capacity(case.wire.len());
    group.bench_function("memcpy", |b| {
        b.iter_batched_ref(
            input,
            |buf| {
                copy.clear();
                copy.extend_from_slice(buf);
                black_box(&mut copy);
            },
            batch,
        )
    });
    group.finish();
}

/// A read buffer holding exactly `wire`, in the state a read loop leaves it in: an earlier
/// packet (a PINGREQ) was split off it, so it is shared and splitting it costs a reference
/// count, not an allocation, whichever library splits it.
fn read_buffer(wire: &[u8]) -> BytesMut {
    const PINGREQ: [u8; 2] = [0xc0, 0x00];
    let mut buf = BytesMut::with_capacity(PINGREQ.len() + wire.len());
    buf.extend_from_slice(&PINGREQ);
    buf.extend_from_slice(wire);
    drop(buf.split_to(PINGREQ.len()));
    buf
}

/// Stops before measuring anything if a packet does not survive its own round trip (and,
/// with the peer, if rumqttc does not see the same packet).
fn check(case: &Case) {
    let decoded = decode(
        &mut BytesMut::from(&case.wire[..]),
        case.version,
        &DecodeLimits::default(),
    );
    assert_eq!(decoded, Ok(Some(case.packet.clone())), "{}", case.name);
    #[cfg(feature = "bench-rumqttc")]
    peer::check(&case.packet, &case.wire, case.version);
}

fn codec(c: &mut Criterion) {
    for case in cases::all() {
        check(&case);
        encode_group(c, &case);
        decode_group(c, &case);
    }
}

criterion_group! {
    name = benches;
    config = config();
    targets = codec
}
criterion_main!(benches);
