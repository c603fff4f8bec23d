//! Acknowledgements written in the order the PUBLISH packets arrived, even when the
//! application acknowledges them in another order.
//!
//! The client must send PUBACK and PUBREC in the order the PUBLISH packets were received
//! [MQTT-4.6.0-2] [MQTT-4.6.0-3]. Every incoming QoS 1/2 PUBLISH takes a slot at the back
//! of this queue; a slot becomes ready when its reply is known (at once with automatic
//! acknowledgement, when the application says so with manual acknowledgement); replies
//! leave from the front only, so a ready slot waits behind any earlier one still pending.

use std::collections::{HashMap, VecDeque};

#[derive(Debug, Clone)]
struct Slot<R> {
    packet_id: u16,
    reply: Option<R>,
}

/// Acknowledgements in arrival order; `R` is the reply to write (a PUBACK or PUBREC).
#[derive(Debug, Clone)]
pub struct AckQueue<R> {
    slots: VecDeque<Slot<R>>,
    /// Sequence number of `slots[0]`.
    front: u64,
    /// Slots still waiting for their reply, by packet identifier.
    pending: HashMap<u16, u64>,
    /// How many slots (pending or ready) each packet identifier has in the queue.
    queued: HashMap<u16, usize>,
}

impl<R> Default for AckQueue<R> {
    fn default() -> Self {
        Self::new()
    }
}

/// The packet identifier named is not waiting for an acknowledgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotPending;

impl<R> AckQueue<R> {
    /// An empty queue.
    pub fn new() -> Self {
        Self {
            slots: VecDeque::new(),
            front: 0,
            pending: HashMap::new(),
            queued: HashMap::new(),
        }
    }

    /// A PUBLISH arrived whose reply is not known yet. Returns false (and changes nothing) if
    /// a reply for the same packet identifier is already pending.
    pub fn push_pending(&mut self, packet_id: u16) -> bool {
        if self.pending.contains_key(&packet_id) {
            return false;
        }
        let seq = self.front + self.slots.len() as u64;
        self.slots.push_back(Slot {
            packet_id,
            reply: None,
        });
        self.pending.insert(packet_id, seq);
        *self.queued.entry(packet_id).or_default() += 1;
        true
    }

    /// A PUBLISH arrived whose reply is known at once.
    pub fn push_ready(&mut self, packet_id: u16, reply: R) {
        self.slots.push_back(Slot {
            packet_id,
            reply: Some(reply),
        });
        *self.queued.entry(packet_id).or_default() += 1;
    }

    /// Whether a reply for `packet_id` (pending or ready) is still in the queue, not written.
    pub fn is_queued(&self, packet_id: u16) -> bool {
        self.queued.contains_key(&packet_id)
    }

    /// Whether a reply for `packet_id` is pending.
    pub fn is_pending(&self, packet_id: u16) -> bool {
        self.pending.contains_key(&packet_id)
    }

    /// The reply for `packet_id` is now known.
    pub fn complete(&mut self, packet_id: u16, reply: R) -> Result<(), NotPending> {
        let seq = self.pending.remove(&packet_id).ok_or(NotPending)?;
        let index = usize::try_from(seq - self.front).map_err(|_| NotPending)?;
        let slot = self.slots.get_mut(index).ok_or(NotPending)?;
        slot.reply = Some(reply);
        Ok(())
    }

    /// The next reply that may be written now, with its packet identifier.
    pub fn pop_ready(&mut self) -> Option<(u16, R)> {
        // Only a front slot whose reply is known may leave.
        self.slots.front()?.reply.as_ref()?;
        let slot = self.slots.pop_front()?;
        self.front += 1;
        if let Some(count) = self.queued.get_mut(&slot.packet_id) {
            *count -= 1;
            if *count == 0 {
                self.queued.remove(&slot.packet_id);
            }
        }
        slot.reply.map(|reply| (slot.packet_id, reply))
    }

    /// How many slots there are (pending or ready).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether there is no slot.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Forgets everything (the connection is gone: replies owed on it are never written).
    pub fn clear(&mut self) {
        self.front += self.slots.len() as u64;
        self.slots.clear();
        self.pending.clear();
        self.queued.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_leave_in_arrival_order() {
        let mut queue = AckQueue::new();
        assert!(queue.push_pending(1));
        assert!(queue.push_pending(2));
        assert!(!queue.push_pending(2));
        queue.push_ready(3, "c");
        assert!(queue.is_queued(3));
        assert_eq!(queue.complete(2, "b"), Ok(()));
        assert_eq!(queue.pop_ready(), None, "2 and 3 wait behind 1");
        assert_eq!(queue.complete(1, "a"), Ok(()));
        assert_eq!(queue.complete(1, "a"), Err(NotPending));
        assert_eq!(queue.pop_ready(), Some((1, "a")));
        assert_eq!(queue.pop_ready(), Some((2, "b")));
        assert_eq!(queue.pop_ready(), Some((3, "c")));
        assert!(!queue.is_queued(3));
        assert_eq!(queue.pop_ready(), None);
        assert!(queue.is_empty());
    }

    #[test]
    fn clear_forgets_pending_replies() {
        let mut queue = AckQueue::new();
        queue.push_pending(7);
        queue.clear();
        assert!(!queue.is_pending(7));
        assert_eq!(queue.complete(7, ()), Err(NotPending));
        assert!(queue.push_pending(7));
        assert_eq!(queue.complete(7, ()), Ok(()));
        assert_eq!(queue.len(), 1);
        assert_eq!(queue.pop_ready(), Some((7, ())));
    }
}
