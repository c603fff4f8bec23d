//! Records per second appended to a journal, in batches of several sizes, with and without
//! fsync (one fsync per batch: group commit).
//!
//! `cargo bench -p mqtt-kit-session --bench journal_append`
//!
//! Each record is a QoS 1 publish saved (64-byte payload) or its removal, half each, as a
//! QoS 1 stream produces them. The file lives under the target directory (on the disk, not
//! a tmpfs, where fsync would cost nothing).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use mqtt_kit_codec::{PacketId, Publish, QoS, TopicName};
use mqtt_kit_session::StoredPublish;
use mqtt_kit_session::{Journal, Record};

/// Each configuration runs for about this long.
const BUDGET: Duration = Duration::from_millis(1500);

fn records(batch: usize, first: u64) -> Vec<Record> {
    let topic = TopicName::try_from("bench/journal").unwrap();
    (0..batch as u64)
        .map(|n| {
            let seq = first + n;
            let id = PacketId::new((seq % 60_000 + 1) as u16).unwrap();
            if seq % 2 == 0 {
                Record::SaveOutgoing(StoredPublish {
                    order: seq,
                    publish: Publish::new(topic.clone(), vec![b'x'; 64], QoS::AtLeastOnce)
                        .with_packet_id(id),
                    released: false,
                })
            } else {
                Record::RemoveOutgoing(PacketId::new(((seq - 1) % 60_000 + 1) as u16).unwrap())
            }
        })
        .collect()
}

fn run(fsync: bool, batch: usize) -> f64 {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("journal-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("j-{fsync}-{batch}"));
    let _ = std::fs::remove_file(&path);
    let mut journal = Journal::open(&path, fsync).unwrap();
    let start = Instant::now();
    let mut written = 0u64;
    while start.elapsed() < BUDGET {
        let batch = records(batch, written);
        journal.append(&batch).unwrap();
        written += batch.len() as u64;
    }
    let rate = written as f64 / start.elapsed().as_secs_f64();
    drop(journal);
    let _ = std::fs::remove_file(&path);
    rate
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then one short pass.
    if !std::env::args().any(|a| a == "--bench") {
        run(false, 16);
        return;
    }
    println!("| fsync | batch (records) | records/s | fsyncs/s |");
    println!("| --- | ---: | ---: | ---: |");
    for fsync in [false, true] {
        for batch in [1, 16, 256, 4096] {
            let rate = run(fsync, batch);
            let syncs = if fsync { rate / batch as f64 } else { 0.0 };
            println!(
                "| {} | {batch} | {rate:.0} | {syncs:.0} |",
                if fsync { "on" } else { "off" }
            );
        }
    }
}
