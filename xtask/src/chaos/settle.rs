//! The end of every message test: wait (bounded) for what was accepted to be acknowledged and
//! to arrive, then count it into the outcome.

use std::time::Duration;

use super::clients::{Publisher, Subscriber, wait_until};
use super::report::Outcome;
use super::tally::Tally;

/// How long acknowledgements may take once the faults are over.
const ACK_LIMIT: Duration = Duration::from_secs(60);
/// How long the last messages may take to arrive once acknowledged.
const ARRIVAL_LIMIT: Duration = Duration::from_secs(30);

/// Waits for `publisher`'s messages to be acknowledged and to reach `subscriber`, then counts
/// them into `outcome` (with the delivery goals).
pub async fn settle(publisher: &mut Publisher, subscriber: &Subscriber, outcome: &mut Outcome) {
    let acknowledged = publisher.acknowledged(ACK_LIMIT).await;
    outcome.sent = publisher.sent;
    outcome.acknowledged = Some(acknowledged);
    let accepted = publisher.accepted.clone();
    count(&subscriber.tally, &accepted, outcome).await;
    outcome.lost_after_ack = Some(subscriber.tally.not_received(&publisher.acknowledged));
    if !publisher.unacknowledged.is_empty() {
        let first: Vec<_> = publisher.unacknowledged.iter().take(5).collect();
        outcome.notes.push(format!(
            "{} accepted publish(es) ended without an acknowledgement; the first: {first:?}",
            publisher.unacknowledged.len()
        ));
    }
}

/// Waits for the numbers in `accepted` to arrive in `tally`, then counts them into `outcome`
/// (with the delivery goals and the first numbers missing).
pub async fn count(tally: &Tally, accepted: &[u64], outcome: &mut Outcome) {
    wait_until(ARRIVAL_LIMIT, || tally.has_all(accepted.iter().copied())).await;
    let count = tally.count(accepted.iter().copied());
    outcome.accepted = accepted.len() as u64;
    outcome.received = Some(count.received);
    outcome.lost = count.lost;
    outcome.duplicated = count.duplicated;
    outcome.delivery_goals();
    let missing = tally.missing(accepted.iter().copied(), 10);
    if !missing.is_empty() {
        outcome
            .notes
            .push(format!("first missing numbers: {missing:?}"));
    }
}

/// Ends both clients (politely: what is left in flight is not counted any more).
pub async fn close(publisher: Option<&Publisher>, subscriber: &Subscriber) {
    if let Some(publisher) = publisher {
        let _ = publisher.client.disconnect().await;
    }
    let _ = subscriber.client.disconnect().await;
}
