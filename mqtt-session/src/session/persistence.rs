//! Persistence as data: a session built with [`Session::restore`] says what must outlive the
//! process as [`Record`]s, in order, and never touches a file. Whoever drives it takes them
//! with [`Session::poll_records`] and appends them to its [`crate::Journal`] (one write and
//! one `fsync` for many records) *before* it writes the bytes [`Session::poll_transmit`]
//! handed out after them: whatever the broker may see is then on record.
//!
//! A session made with [`Session::new`] emits nothing and copies nothing.

use super::*;
use crate::QueueFullPolicy;
use crate::store::StoredSession;

impl Session {
    /// A session that goes on from `stored` (what a [`crate::Journal`] holds, for example
    /// after a restart) and emits the [`Record`]s that keep it durable: the publishes in
    /// flight are sent again (DUP) on the next connection that resumes the session, the ones
    /// queued before they had a packet identifier are queued again in their order (the
    /// queue's full policy applied: with [`QueueFullPolicy::DropOldestQos0`] the oldest QoS 0
    /// ones beyond the capacity are dropped), and incoming QoS 2 exchanges are not delivered
    /// twice.
    ///
    /// [`QueueFullPolicy::DropOldestQos0`]: crate::QueueFullPolicy::DropOldestQos0
    pub fn restore(config: SessionConfig, stored: StoredSession) -> Self {
        let mut session = Self::blank(config);
        session.records = Some(Vec::new());
        session.established = stored.established;
        for entry in stored.outgoing.into_values() {
            let Some(id) = entry.publish.packet_id else {
                continue;
            };
            session.ids.reserve(id);
            let token = session.new_publish_token();
            let stage = if entry.released {
                Stage::Released
            } else {
                Stage::Published
            };
            session.in_flight.insert(
                Outgoing {
                    token,
                    order: entry.order,
                    publish: entry.publish,
                    stage,
                },
                true,
            );
        }
        for id in stored.incoming_qos2 {
            session.incoming.qos2.insert(id, Qos2State::Recorded);
        }
        let restored: Vec<Waiting> = stored
            .queued
            .into_iter()
            .map(|(seq, publish)| Waiting {
                token: session.new_publish_token(),
                seq,
                recorded: true,
                publish,
                checked_under: None,
            })
            .collect();
        session.next_seq = restored.last().map_or(1, |last| last.seq + 1);
        // Accepted before the restart: never refused now, only what the policy may drop goes.
        session.waiting.push_front_all(restored.into_iter());
        while session.waiting.len() > session.config.queue_capacity
            && session.config.queue_full_policy == QueueFullPolicy::DropOldestQos0
        {
            let Some(dropped) = session
                .waiting
                .remove_where(|waiting| waiting.publish.qos == QoS::AtMostOnce)
            else {
                break;
            };
            session.unqueued(&dropped);
        }
        session
    }

    /// Whether this session emits records ([`Session::restore`]).
    pub fn is_durable(&self) -> bool {
        self.records.is_some()
    }

    /// Moves the records to make durable, in order, to the end of `out`; returns how many.
    /// Append them to the journal before writing the bytes that
    /// [`Session::poll_transmit`] hands out from now on.
    pub fn poll_records(&mut self, out: &mut Vec<Record>) -> usize {
        match self.records.as_mut() {
            Some(records) => {
                let count = records.len();
                out.append(records);
                count
            }
            None => 0,
        }
    }

    pub(super) fn record(&mut self, record: Record) {
        if let Some(records) = self.records.as_mut() {
            records.push(record);
        }
    }

    /// The publish of `token`, if it still waits for its packet identifier, is put on record.
    pub(super) fn record_if_waiting(&mut self, token: PublishToken) {
        let Some(records) = self.records.as_mut() else {
            return;
        };
        if let Some(waiting) = self
            .waiting
            .back_mut()
            .filter(|waiting| waiting.token == token && !waiting.recorded)
        {
            waiting.recorded = true;
            records.push(Record::Queue {
                seq: waiting.seq,
                publish: waiting.publish.clone(),
            });
        }
    }

    /// `waiting` left the queue (dropped, cancelled, written at QoS 0, or given a packet
    /// identifier, whose record follows).
    pub(super) fn unqueued(&mut self, waiting: &Waiting) {
        if waiting.recorded {
            self.record(Record::Unqueue(waiting.seq));
        }
    }

    /// After [`Record::Clear`] the journal holds nothing: every publish still waiting is put
    /// on record again, in its place.
    pub(super) fn record_queue_again(&mut self) {
        let Some(records) = self.records.as_mut() else {
            return;
        };
        for waiting in self.waiting.iter_mut() {
            waiting.seq = self.next_seq;
            self.next_seq += 1;
            waiting.recorded = true;
            records.push(Record::Queue {
                seq: waiting.seq,
                publish: waiting.publish.clone(),
            });
        }
    }
}
