//! Publishes the session accepted, until their end: the reply to each, QoS 0 messages done
//! once their bytes are written, and (before the first connection) when each was accepted.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use mqtt_kit_session::PublishToken;

use crate::client::completion::Completer;
use crate::error::ClientError;
use crate::events::Published;

/// A publish waiting for its end.
pub(crate) struct PendingPublish {
    pub(crate) id: u64,
    pub(crate) reply: Completer,
}

#[derive(Default)]
pub(crate) struct Publishes {
    replies: HashMap<PublishToken, PendingPublish>,
    /// QoS 0 publishes encoded but not yet written: done when `written` reaches the mark.
    unwritten: VecDeque<(u64, PendingPublish)>,
    /// Bytes handed to the driver to write, and bytes it wrote, on this connection.
    queued: u64,
    written: u64,
    /// Before the first connection: when each publish was accepted, oldest first.
    accepted_at: VecDeque<(Instant, PublishToken)>,
}

impl Publishes {
    pub(crate) fn accepted(
        &mut self,
        token: PublishToken,
        pending: PendingPublish,
        now: Instant,
        never_connected: bool,
    ) {
        self.replies.insert(token, pending);
        if never_connected {
            self.accepted_at.push_back((now, token));
        }
    }

    pub(crate) fn take(&mut self, token: PublishToken) -> Option<PendingPublish> {
        self.replies.remove(&token)
    }

    /// A QoS 0 publish was encoded, its bytes among the `unqueued` bytes the session still
    /// holds: it is done once everything up to them is written.
    pub(crate) fn encoded(
        &mut self,
        pending: PendingPublish,
        unqueued: usize,
    ) -> Option<PendingPublish> {
        let mark = self.queued + unqueued as u64;
        if self.written >= mark {
            return Some(pending);
        }
        self.unwritten.push_back((mark, pending));
        None
    }

    /// `count` bytes were handed to the driver to write.
    pub(crate) fn queued_bytes(&mut self, count: usize) {
        self.queued += count as u64;
    }

    /// `count` bytes were written: `done` is given each QoS 0 publish now fully written (a
    /// call, not a vector: no allocation per write).
    pub(crate) fn written_bytes(&mut self, count: usize, mut done: impl FnMut(PendingPublish)) {
        self.written += count as u64;
        while self
            .unwritten
            .front()
            .is_some_and(|(mark, _)| *mark <= self.written)
        {
            if let Some((_, pending)) = self.unwritten.pop_front() {
                done(pending);
            }
        }
    }

    /// The connection ended: QoS 0 publishes not yet written will never be.
    pub(crate) fn connection_ended(&mut self) -> Vec<PendingPublish> {
        self.queued = 0;
        self.written = 0;
        self.unwritten
            .drain(..)
            .map(|(_, pending)| pending)
            .collect()
    }

    /// The first connection was made: no publish waits for it any more.
    pub(crate) fn first_connection(&mut self) {
        self.accepted_at = VecDeque::new();
    }

    /// When the oldest publish waiting for a first connection was accepted.
    pub(crate) fn oldest(&self) -> Option<Instant> {
        self.accepted_at.front().map(|(at, _)| *at)
    }

    /// Takes the tokens of publishes that have waited `timeout` or longer for a first
    /// connection at `now`.
    pub(crate) fn expired(&mut self, now: Instant, timeout: Duration) -> Vec<PublishToken> {
        let mut expired = Vec::new();
        while let Some((at, token)) = self.accepted_at.front().copied() {
            if now.saturating_duration_since(at) < timeout {
                break;
            }
            self.accepted_at.pop_front();
            expired.push(token);
        }
        expired
    }

    /// Every publish still waiting (the driver ends: they fail with Closed when dropped).
    pub(crate) fn clear(&mut self) {
        self.replies.clear();
        self.unwritten.clear();
    }

    #[cfg(test)]
    pub(crate) fn waiting(&self) -> usize {
        self.replies.len() + self.unwritten.len()
    }
}

/// Answers a publish with `result` (and tells the `Events` streams).
pub(crate) fn answer(
    listeners: &crate::events::Listeners,
    pending: PendingPublish,
    result: Result<Published, ClientError>,
) {
    if listeners.any() {
        listeners.emit(crate::events::Event::Published {
            id: pending.id,
            result: result.clone(),
        });
    }
    pending.reply.complete(result);
}
