//! What every client's delivery workload shares in the child process (the payloads and their
//! pace are [`super::feed`]'s): the tallies of what arrived (every payload's number checked)
//! and what was acknowledged, the wait for the end (with a watchdog for messages that never
//! come), the measurement window and the report line.
//!
//! The tallies sit behind a mutex because with rumqttc they are kept inside its event-loop
//! task; our client's workloads use the same, so both pay the same (tens of nanoseconds a
//! message, next to microseconds of client work).

use std::io::Write as _;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::probe::{CpuTime, own_cpu};
use super::stats::percentile_nearest_rank;

/// How long nothing may arrive or be acknowledged before the run gives up on the rest.
const STALL_LIMIT: Duration = Duration::from_secs(3);
/// How often the watchdog looks.
const WATCH_EVERY: Duration = Duration::from_millis(100);
/// Bytes at the start of each payload: sequence number, send time (ns since the run's base).
pub const HEADER_LEN: usize = 16;

/// The runtime a workload runs on (for its timers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// smol (async-io's timers).
    Smol,
    /// tokio (tokio's timers; the caller is inside a tokio runtime).
    Tokio,
}

impl Runtime {
    /// Sleeps until `at` with the runtime's own timer.
    pub async fn sleep_until(self, at: Instant) {
        match self {
            Runtime::Smol => {
                async_io::Timer::at(at).await;
            }
            Runtime::Tokio => tokio::time::sleep_until(at.into()).await,
        }
    }
}

/// The little-endian number at the start of `bytes`.
pub fn read_u64(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?))
}

/// A one-time signal to the waiting main task.
type Done = async_channel::Sender<()>;

/// What the subscriber received.
#[derive(Debug)]
pub struct Arrivals {
    expected: u64,
    size: usize,
    seen: Vec<u64>,
    distinct: u64,
    duplicates: u64,
    corrupt: u64,
    last: Option<Instant>,
    base: Instant,
    latencies_ns: Option<Vec<u64>>,
    done: Done,
}

impl Arrivals {
    /// Records one payload; says "done" once every expected one came.
    pub fn record(&mut self, payload: &[u8]) {
        let now = Instant::now();
        self.last = Some(now);
        let Some(seq) = read_u64(payload).filter(|seq| *seq < self.expected) else {
            self.corrupt += 1;
            return;
        };
        if payload.len() != self.size {
            self.corrupt += 1;
            return;
        }
        let (word, bit) = ((seq / 64) as usize, 1u64 << (seq % 64));
        if self.seen[word] & bit != 0 {
            self.duplicates += 1;
            return;
        }
        self.seen[word] |= bit;
        self.distinct += 1;
        if let Some(latencies) = &mut self.latencies_ns {
            let sent = read_u64(&payload[8..]).unwrap_or(0);
            let arrived = now.duration_since(self.base).as_nanos() as u64;
            latencies.push(arrived.saturating_sub(sent));
        }
        if self.distinct == self.expected {
            let _ = self.done.try_send(());
        }
    }
}

/// What the publisher had acknowledged (QoS 0: written).
#[derive(Debug)]
pub struct Acks {
    expected: u64,
    acked: u64,
    failed: u64,
    last: Option<Instant>,
    done: Done,
}

impl Acks {
    /// Records one acknowledgement (or one failure to publish).
    pub fn record(&mut self, ok: bool) {
        self.last = Some(Instant::now());
        if ok {
            self.acked += 1;
        } else {
            self.failed += 1;
        }
        if self.acked + self.failed == self.expected {
            let _ = self.done.try_send(());
        }
    }
}

/// Locks a tally (a poisoned lock still holds good counts).
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The tallies of one run and the signal that ends it.
#[derive(Debug, Clone)]
pub struct Tallies {
    /// What arrived.
    pub arrivals: Arc<Mutex<Arrivals>>,
    /// What was acknowledged.
    pub acks: Arc<Mutex<Acks>>,
    finished: async_channel::Receiver<()>,
}

impl Tallies {
    /// Tallies for `expected` messages of `size` bytes; with `latency`, arrival times are
    /// kept, measured from `base`.
    pub fn new(expected: u64, size: usize, latency: bool, base: Instant) -> Tallies {
        let (done, finished) = async_channel::bounded(2);
        let arrivals = Arrivals {
            expected,
            size: size.max(HEADER_LEN),
            seen: vec![0; expected.div_ceil(64) as usize],
            distinct: 0,
            duplicates: 0,
            corrupt: 0,
            last: None,
            base,
            latencies_ns: latency.then(|| Vec::with_capacity(expected as usize)),
            done: done.clone(),
        };
        let acks = Acks {
            expected,
            acked: 0,
            failed: 0,
            last: None,
            done,
        };
        Tallies {
            arrivals: Arc::new(Mutex::new(arrivals)),
            acks: Arc::new(Mutex::new(acks)),
            finished,
        }
    }

    fn progress(&self) -> u64 {
        let arrivals = lock(&self.arrivals);
        let acks = lock(&self.acks);
        arrivals.distinct + arrivals.duplicates + arrivals.corrupt + acks.acked + acks.failed
    }

    /// Waits until every message arrived and every publish was acknowledged, or until nothing
    /// has happened for a while (lost messages: the report says how many).
    pub async fn wait(&self, runtime: Runtime) {
        let both_done = async {
            for _ in 0..2 {
                if self.finished.recv().await.is_err() {
                    return;
                }
            }
        };
        let watchdog = async {
            let mut last = self.progress();
            let mut still_since = Instant::now();
            loop {
                runtime.sleep_until(Instant::now() + WATCH_EVERY).await;
                let now = self.progress();
                if now != last {
                    last = now;
                    still_since = Instant::now();
                } else if still_since.elapsed() >= STALL_LIMIT {
                    return;
                }
            }
        };
        futures_lite::future::or(both_done, watchdog).await;
    }
}

/// The measured part of a run: from just before the first publish to the last arrival or
/// acknowledgement.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    start: Instant,
    cpu: CpuTime,
}

impl Window {
    /// Opens the window and tells the parent (a `start` line), which then reads the broker's
    /// CPU time.
    pub fn open() -> Window {
        println!("start");
        let _ = std::io::stdout().flush();
        Window {
            start: Instant::now(),
            cpu: own_cpu(),
        }
    }

    /// The report of a delivery run (throughput or latency), as the child's JSON answer.
    pub fn close(self, tallies: &Tallies, published: u64) -> Value {
        let cpu = own_cpu().since(self.cpu);
        let mut arrivals = lock(&tallies.arrivals);
        let acks = lock(&tallies.acks);
        let end = arrivals.last.max(acks.last).unwrap_or(self.start);
        let elapsed = end.duration_since(self.start).as_secs_f64();
        let mut report = json!({
            "published": published,
            "acked": acks.acked,
            "publish_failures": acks.failed,
            "delivered": arrivals.distinct,
            "duplicates": arrivals.duplicates,
            "corrupt": arrivals.corrupt,
            "lost": arrivals.expected - arrivals.distinct,
            "elapsed_s": elapsed,
            "cpu_user_s": cpu.user,
            "cpu_system_s": cpu.system,
        });
        if let Some(latencies) = arrivals.latencies_ns.as_mut() {
            latencies.sort_unstable();
            let micros = |q: f64| percentile_nearest_rank(latencies, q) as f64 / 1000.0;
            report["latency_us"] = json!({
                "samples": latencies.len(),
                "p50": micros(0.5),
                "p99": micros(0.99),
                "p999": micros(0.999),
                "max": micros(1.0),
            });
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrivals_count_distinct_duplicate_and_corrupt_payloads() {
        let base = Instant::now();
        let tallies = Tallies::new(3, 16, true, base);
        let payloads = crate::bench::feed::numbered_payloads(16, 3).each;
        {
            let mut arrivals = lock(&tallies.arrivals);
            arrivals.record(&payloads[0]);
            arrivals.record(&payloads[0]);
            arrivals.record(b"short");
            arrivals.record(&payloads[2]);
            assert_eq!(
                (arrivals.distinct, arrivals.duplicates, arrivals.corrupt),
                (2, 1, 1)
            );
            arrivals.record(&payloads[1]);
        }
        lock(&tallies.acks).record(true);
        lock(&tallies.acks).record(true);
        lock(&tallies.acks).record(true);
        // Both sides said "done": the wait ends at once.
        smol::block_on(tallies.wait(Runtime::Smol));
        let report = Window::open().close(&tallies, 3);
        assert_eq!(report["lost"], 0);
        assert_eq!(report["latency_us"]["samples"], 3);
    }
}
