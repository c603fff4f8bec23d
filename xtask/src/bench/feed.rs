//! What the publisher sends, and when: numbered payloads built before the window opens
//! (throughput: all at once; fixed rate: on the pacer's ticks) or payloads stamped with their
//! send time (latency: on the pacer's ticks). Every client's workload publishes through the
//! same [`Feed`], so they all send the same bytes at the same times.

use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};

use super::harness::{HEADER_LEN, Runtime};
use super::job::Workload;

/// `count` payloads of `size` bytes (at least [`HEADER_LEN`]), numbered from 0, built before
/// the measurement so that building them costs nothing to either client: slices of one
/// buffer, which the workload keeps ([`Payloads::keep`]) until its window is closed, so
/// that freeing it (an munmap of up to 130 MB) is not counted against whichever client
/// drops the last slice.
pub fn numbered_payloads(size: usize, count: u64) -> Payloads {
    let size = size.max(HEADER_LEN);
    let mut buffer = BytesMut::with_capacity(size * count as usize);
    for seq in 0..count {
        buffer.put_u64_le(seq);
        buffer.put_u64_le(0);
        buffer.put_bytes(0xa5, size - HEADER_LEN);
    }
    let whole = buffer.freeze();
    let each = (0..count as usize)
        .map(|index| whole.slice(index * size..(index + 1) * size))
        .collect();
    Payloads { whole, each }
}

/// The payloads of a throughput or fixed-rate run.
#[derive(Debug)]
pub struct Payloads {
    whole: Bytes,
    /// One per message, in order.
    pub each: Vec<Bytes>,
}

impl Payloads {
    /// The buffer behind every payload, to hold until the window is closed.
    pub fn keep(&self) -> Bytes {
        self.whole.clone()
    }
}

/// A payload of `size` bytes carrying `seq` and the time it is made (ns since `base`).
pub fn timed_payload(size: usize, seq: u64, base: Instant) -> Bytes {
    let size = size.max(HEADER_LEN);
    let mut buffer = BytesMut::with_capacity(size);
    buffer.put_u64_le(seq);
    buffer.put_u64_le(base.elapsed().as_nanos() as u64);
    buffer.put_bytes(0xa5, size - HEADER_LEN);
    buffer.freeze()
}

/// The publisher's clock for paced runs: message `i` is due `i / rate` seconds after the
/// start, and messages go out on 1 ms ticks (tokio's timer resolution), so every client sends
/// the same bursts at the same times.
#[derive(Debug)]
pub struct Pacer {
    start: Instant,
    rate: u64,
    total: u64,
    sent: u64,
}

impl Pacer {
    /// `total` messages at `rate` a second, from now.
    pub fn new(rate: u32, total: u64) -> Pacer {
        Pacer {
            start: Instant::now(),
            rate: u64::from(rate.max(1)),
            total,
            sent: 0,
        }
    }

    /// Sleeps until the tick of the next message, and says how many are due then (0 once all
    /// were sent). The caller sends them all.
    pub async fn due(&mut self, runtime: Runtime) -> u64 {
        if self.sent >= self.total {
            return 0;
        }
        let tick = (self.sent * 1000).div_ceil(self.rate);
        runtime
            .sleep_until(self.start + Duration::from_millis(tick))
            .await;
        let due_by_tick = (tick * self.rate / 1000 + 1).min(self.total);
        let count = due_by_tick - self.sent;
        self.sent = due_by_tick;
        count
    }
}

/// The payloads of one run and the pace they go at.
#[derive(Debug)]
pub struct Feed {
    numbered: Option<Payloads>,
    /// Messages a second; none: as fast as the client takes them.
    rate: Option<u32>,
    size: usize,
    base: Instant,
    next: u64,
    total: u64,
}

impl Feed {
    /// The feed of `workload` (none for idle clients); timed payloads carry their send time
    /// as ns since `base`.
    pub fn of(workload: &Workload, base: Instant) -> Option<Feed> {
        let total = workload.messages();
        let (numbered, rate) = match *workload {
            Workload::Throughput { size, count, .. } => {
                (Some(numbered_payloads(size, count)), None)
            }
            Workload::FixedRate { size, rate, .. } => {
                (Some(numbered_payloads(size, total)), Some(rate))
            }
            Workload::Latency { rate, .. } => (None, Some(rate)),
            Workload::Idle { .. } => return None,
        };
        Some(Feed {
            numbered,
            rate,
            size: workload.size(),
            base,
            next: 0,
            total,
        })
    }

    /// Whether the subscriber should record latencies (the payloads carry a send time).
    pub fn timed(&self) -> bool {
        self.numbered.is_none()
    }

    /// The buffer behind the pre-built payloads, to hold until the window is closed.
    pub fn keep(&self) -> Option<Bytes> {
        self.numbered.as_ref().map(Payloads::keep)
    }

    /// Hands every payload to `send`, each when it is due; the number sent.
    pub async fn publish(mut self, runtime: Runtime, mut send: impl AsyncFnMut(Bytes)) -> u64 {
        // The clock starts now, when the window has just opened (the feed was made before
        // the clients connected).
        let mut pacer = self.rate.map(|rate| Pacer::new(rate, self.total));
        let mut numbered = self
            .numbered
            .take()
            .map(|payloads| payloads.each.into_iter());
        loop {
            let due = match &mut pacer {
                Some(pacer) => pacer.due(runtime).await,
                None => self.total - self.next,
            };
            if due == 0 {
                return self.next;
            }
            for _ in 0..due {
                let payload = match &mut numbered {
                    Some(payloads) => match payloads.next() {
                        Some(payload) => payload,
                        None => return self.next,
                    },
                    None => timed_payload(self.size, self.next, self.base),
                };
                send(payload).await;
                self.next += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::harness::read_u64;
    use mqtt_kit_client::QoS;

    #[test]
    fn payloads_carry_their_number() {
        let payloads = numbered_payloads(1024, 3).each;
        assert_eq!(payloads.len(), 3);
        assert!(payloads.iter().all(|p| p.len() == 1024));
        assert_eq!(read_u64(&payloads[2]), Some(2));
        let timed = timed_payload(16, 9, Instant::now());
        assert_eq!((timed.len(), read_u64(&timed)), (16, Some(9)));
    }

    #[test]
    fn the_pacer_sends_each_message_once_on_millisecond_ticks() {
        let mut pacer = Pacer::new(2000, 7);
        let mut counts = Vec::new();
        smol::block_on(async {
            loop {
                match pacer.due(Runtime::Smol).await {
                    0 => break,
                    count => counts.push(count),
                }
            }
        });
        // Message 0 at tick 0, then two a tick.
        assert_eq!(counts, [1, 2, 2, 2]);
    }

    #[test]
    fn a_fixed_rate_feed_sends_the_numbered_payloads_in_order() {
        let workload = Workload::FixedRate {
            qos: QoS::AtLeastOnce,
            size: 32,
            rate: 100_000,
            millis: 1,
        };
        let feed = Feed::of(&workload, Instant::now()).unwrap();
        assert!(!feed.timed());
        let mut numbers = Vec::new();
        let sent = smol::block_on(feed.publish(Runtime::Smol, async |payload: Bytes| {
            numbers.push(read_u64(&payload));
        }));
        assert_eq!(sent, 100);
        assert!(
            numbers
                .iter()
                .enumerate()
                .all(|(i, n)| *n == Some(i as u64))
        );
    }
}
