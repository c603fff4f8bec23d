//! What the subscriber received, by message number, and what that says about what the
//! publisher had accepted: lost and duplicated messages.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The payload of message `number`, published in the publisher's run `attempt` (a publisher
/// restarted after a kill sends the numbers it had not recorded as accepted again, in a new
/// attempt: those are new messages, not duplicates).
pub fn payload(number: u64, attempt: u32) -> String {
    format!("{number}/{attempt}")
}

/// The topic for QoS `qos` (1 or 2) of test `test`.
pub fn topic(test: &str, qos: u8) -> String {
    format!("chaos/{test}/q{qos}")
}

/// The QoS a number is published with: odd numbers QoS 1, even numbers QoS 2.
pub fn qos_of(number: u64) -> u8 {
    if number % 2 == 1 { 1 } else { 2 }
}

/// Messages received, shared with the subscriber's task.
#[derive(Debug, Default, Clone)]
pub struct Tally(Arc<Mutex<Received>>);

#[derive(Debug, Default)]
struct Received {
    /// Times each (number, attempt) arrived.
    copies: BTreeMap<(u64, u32), u32>,
    numbers: BTreeSet<u64>,
    /// When the first message of each attempt arrived.
    first_of_attempt: HashMap<u32, Instant>,
}

/// Lost and duplicated messages among those accepted.
#[derive(Debug, Default, Clone, Copy)]
pub struct Count {
    /// Distinct messages received.
    pub received: u64,
    /// Accepted numbers never received, QoS 1 and QoS 2.
    pub lost: [u64; 2],
    /// Extra copies of one message, QoS 1 and QoS 2.
    pub duplicated: [u64; 2],
}

impl Tally {
    /// Records one message.
    pub fn record(&self, payload: &[u8]) {
        let mut received = self.lock();
        let parsed = std::str::from_utf8(payload).ok().and_then(|text| {
            let (number, attempt) = text.split_once('/')?;
            Some((number.parse().ok()?, attempt.parse().ok()?))
        });
        // A payload that is not one of ours has nothing to count.
        if let Some(key) = parsed {
            received
                .first_of_attempt
                .entry(key.1)
                .or_insert_with(Instant::now);
            *received.copies.entry(key).or_default() += 1;
            received.numbers.insert(key.0);
        }
    }

    /// When the first message published in `attempt` arrived.
    pub fn first_of_attempt(&self, attempt: u32) -> Option<Instant> {
        self.lock().first_of_attempt.get(&attempt).copied()
    }

    /// Whether every number in `accepted` has arrived.
    pub fn has_all(&self, accepted: impl IntoIterator<Item = u64>) -> bool {
        let received = self.lock();
        accepted.into_iter().all(|n| received.numbers.contains(&n))
    }

    /// The count against the numbers the publisher accepted.
    pub fn count(&self, accepted: impl IntoIterator<Item = u64>) -> Count {
        let received = self.lock();
        let mut count = Count {
            received: received.copies.len() as u64,
            ..Count::default()
        };
        for number in accepted {
            if !received.numbers.contains(&number) {
                count.lost[usize::from(qos_of(number) - 1)] += 1;
            }
        }
        for (&(number, _), &copies) in &received.copies {
            count.duplicated[usize::from(qos_of(number) - 1)] += u64::from(copies - 1);
        }
        count
    }

    /// How many of `numbers` never arrived.
    pub fn not_received(&self, numbers: &[u64]) -> u64 {
        let received = self.lock();
        numbers
            .iter()
            .filter(|n| !received.numbers.contains(n))
            .count() as u64
    }

    /// Up to `limit` accepted numbers not received, to name them in the report.
    pub fn missing(&self, accepted: impl IntoIterator<Item = u64>, limit: usize) -> Vec<u64> {
        let received = self.lock();
        accepted
            .into_iter()
            .filter(|n| !received.numbers.contains(n))
            .take(limit)
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Received> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_attempt_is_not_a_duplicate_and_a_missing_number_is_lost() {
        let tally = Tally::default();
        for payload in ["1/0", "2/0", "2/0", "3/0", "3/1", "x"] {
            tally.record(payload.as_bytes());
        }
        let count = tally.count(1..=5);
        assert_eq!(count.lost, [1, 1], "5 (QoS 1) and 4 (QoS 2)");
        assert_eq!(
            count.duplicated,
            [0, 1],
            "2/0 twice; 3/0 and 3/1 are two messages"
        );
        assert_eq!(count.received, 4, "x is not ours");
        assert_eq!(tally.missing(1..=5, 10), [4, 5]);
    }
}
