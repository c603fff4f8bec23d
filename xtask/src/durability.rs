//! `cargo xtask durability`: what a journal costs. One client, with 100 tasks publishing
//! QoS 1 messages to mosquitto (100 in flight, the broker's `max_inflight_messages` too) three
//! ways, interleaved repetition by repetition: without a journal (nothing copied), with a
//! journal without `fsync` (records reach the file; a crash of the process loses nothing, a
//! power cut may), and with `fsync` after each batch (group commit: what `enqueue` accepted
//! is on the disk). Every message is acknowledged before a run counts; the rate is messages
//! per second from the first publish to the last PUBACK.
//!
//! Release build only (a debug xtask hands over to one, as `bench` does).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use mqtt_kit_client::{Client, Journal, Options, ProtocolVersion, Publish, QoS, TopicName};
use mqtt_testkit::{Listener, Mosquitto, TempDir};

use crate::bench::release;

const IN_FLIGHT: usize = 100;
const PAYLOAD: usize = 64;

/// How the publisher keeps its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setup {
    NoJournal,
    Journal,
    JournalFsync,
}

impl Setup {
    const ALL: [Setup; 3] = [Setup::NoJournal, Setup::Journal, Setup::JournalFsync];

    fn name(self) -> &'static str {
        match self {
            Setup::NoJournal => "no journal",
            Setup::Journal => "journal, no fsync",
            Setup::JournalFsync => "journal, fsync per batch",
        }
    }
}

/// Runs the task with `args` (`--quick`: fewer messages and one repetition).
pub fn main(args: &[String]) -> ExitCode {
    if !release::is_release() {
        return release::rerun_task("durability", args);
    }
    let quick = args.iter().any(|arg| arg == "--quick");
    let (messages, reps) = if quick { (5_000, 1) } else { (50_000, 5) };
    let broker = Mosquitto::start_with_config(&[Listener::tcp()], "max_inflight_messages 100\n");
    let uri = format!("mqtt://127.0.0.1:{}", broker.port(0));
    let mut rates: Vec<(Setup, Vec<f64>)> = Setup::ALL.iter().map(|s| (*s, Vec::new())).collect();
    for rep in 0..reps {
        // A B C, then C B A: neither order favours a set-up.
        let mut order = Setup::ALL.to_vec();
        if rep % 2 == 1 {
            order.reverse();
        }
        for setup in order {
            match smol::block_on(run(&uri, setup, messages)) {
                Ok(rate) => {
                    if let Some((_, list)) = rates.iter_mut().find(|(s, _)| *s == setup) {
                        list.push(rate);
                    }
                }
                Err(error) => {
                    eprintln!("xtask durability: {} failed: {error}", setup.name());
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    report(&rates, messages, reps);
    ExitCode::SUCCESS
}

/// One run: `messages` QoS 1 messages; messages per second.
async fn run(uri: &str, setup: Setup, messages: usize) -> Result<f64, Box<dyn std::error::Error>> {
    let dir = TempDir::new("xtask-durability")?;
    let mut options = Options::builder()
        .uri(uri)
        .id(format!("durability-{}", std::process::id()))
        .version(ProtocolVersion::V3_1_1)
        .queue_capacity(IN_FLIGHT * 2)
        .max_in_flight(IN_FLIGHT as u16);
    if setup != Setup::NoJournal {
        let journal = Journal::open(dir.path().join("journal"), setup == Setup::JournalFsync)?;
        options = options.journal(journal);
    }
    let client = Client::connect(options.build()?).await?;
    let topic = TopicName::try_from("durability/rate")?;
    let payload = bytes::Bytes::from(vec![b'x'; PAYLOAD]);
    let start = Instant::now();
    // 100 publishers, each waiting for its message to be accepted and acknowledged before
    // the next: what an application with 100 messages in flight does, and what lets the
    // journal commit many records with one fsync.
    let publishers: Vec<_> = (0..IN_FLIGHT)
        .map(|index| {
            let client = client.clone();
            let topic = topic.clone();
            let payload = payload.clone();
            let count = messages / IN_FLIGHT + usize::from(index < messages % IN_FLIGHT);
            smol::spawn(async move {
                for _ in 0..count {
                    let publish = Publish::new(topic.clone(), payload.clone(), QoS::AtLeastOnce);
                    client.publish_message(publish).await?;
                }
                Ok::<(), mqtt_kit_client::ClientError>(())
            })
        })
        .collect();
    for publisher in publishers {
        publisher.await?;
    }
    let elapsed = start.elapsed().max(Duration::from_micros(1));
    client.disconnect().await?;
    Ok(messages as f64 / elapsed.as_secs_f64())
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
}

fn report(rates: &[(Setup, Vec<f64>)], messages: usize, reps: usize) {
    let baseline = rates
        .iter()
        .find(|(setup, _)| *setup == Setup::NoJournal)
        .map_or(0.0, |(_, list)| median(list));
    println!(
        "QoS 1, {PAYLOAD} B payloads, {IN_FLIGHT} in flight, {messages} messages, \
         median of {reps} interleaved runs, against mosquitto on loopback\n"
    );
    println!("| set-up | messages/s | min..max | against no journal |");
    println!("| --- | --- | --- | --- |");
    for (setup, list) in rates {
        let rate = median(list);
        let min = list.iter().copied().fold(f64::INFINITY, f64::min);
        let max = list.iter().copied().fold(0.0, f64::max);
        let ratio = if baseline > 0.0 { rate / baseline } else { 0.0 };
        println!(
            "| {} | {rate:.0} | {min:.0}..{max:.0} | {ratio:.2}x |",
            setup.name()
        );
    }
}
