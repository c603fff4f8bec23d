//! The bounded queue of accepted publishes that are not sent yet: while disconnected, and
//! while the server's Receive Maximum is used up.
//!
//! The queue is bounded; what happens when it is full is an explicit [`QueueFullPolicy`].
//! A message dropped to make room is handed back to the caller, which reports it: nothing
//! leaves this queue silently.

use std::collections::VecDeque;

/// What to do with a new publish when the queue of waiting publishes is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueFullPolicy {
    /// Refuse the new publish with an error; nothing queued is lost.
    #[default]
    RefuseNew,
    /// Drop the oldest queued QoS 0 message to make room (reported as an event); when no QoS 0
    /// message is queued, refuse the new one.
    DropOldestQos0,
}

/// A bounded FIFO with a policy for when it is full.
#[derive(Debug, Clone)]
pub struct OfflineQueue<T> {
    items: VecDeque<T>,
    capacity: usize,
    policy: QueueFullPolicy,
}

/// The outcome of [`OfflineQueue::push`] when the item was queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Queued<T> {
    /// Queued; nothing else changed.
    Queued,
    /// Queued after dropping this older item.
    QueuedDropping(T),
}

impl<T> OfflineQueue<T> {
    /// A queue of at most `capacity` items.
    pub fn new(capacity: usize, policy: QueueFullPolicy) -> Self {
        Self {
            items: VecDeque::new(),
            capacity,
            policy,
        }
    }

    /// Queues `item` at the back. `droppable` tells which queued items the
    /// [`QueueFullPolicy::DropOldestQos0`] policy may drop. When the queue is full and nothing
    /// may be dropped, `item` comes back as the error.
    pub fn push(&mut self, item: T, droppable: impl Fn(&T) -> bool) -> Result<Queued<T>, T> {
        if self.items.len() < self.capacity {
            self.items.push_back(item);
            return Ok(Queued::Queued);
        }
        match self.policy {
            QueueFullPolicy::RefuseNew => Err(item),
            QueueFullPolicy::DropOldestQos0 => {
                let Some(index) = self.items.iter().position(droppable) else {
                    return Err(item);
                };
                let dropped = self.items.remove(index);
                self.items.push_back(item);
                match dropped {
                    Some(dropped) => Ok(Queued::QueuedDropping(dropped)),
                    None => Ok(Queued::Queued),
                }
            }
        }
    }

    /// Puts items back at the front, keeping their order (publishes that must go before
    /// everything queued, e.g. ones to be sent again as new after a lost session). This may
    /// exceed the capacity: these were accepted earlier and are never refused.
    pub fn push_front_all(&mut self, items: impl DoubleEndedIterator<Item = T>) {
        for item in items.rev() {
            self.items.push_front(item);
        }
    }

    /// Takes out the first item for which `matches` is true.
    pub fn remove_where(&mut self, matches: impl Fn(&T) -> bool) -> Option<T> {
        let index = self.items.iter().position(matches)?;
        self.items.remove(index)
    }

    /// The newest item.
    pub fn back_mut(&mut self) -> Option<&mut T> {
        self.items.back_mut()
    }

    /// The items, oldest first, to change in place.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.items.iter_mut()
    }

    /// The oldest item.
    pub fn front(&self) -> Option<&T> {
        self.items.front()
    }

    /// Takes the oldest item.
    pub fn pop_front(&mut self) -> Option<T> {
        self.items.pop_front()
    }

    /// How many are queued.
    pub fn len(&self) -> usize {
        self.items.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes every item, oldest first.
    fn drain<T>(queue: &mut OfflineQueue<T>) -> Vec<T> {
        std::iter::from_fn(|| queue.pop_front()).collect()
    }

    #[test]
    fn refuse_new_keeps_what_is_queued() {
        let mut queue = OfflineQueue::new(2, QueueFullPolicy::RefuseNew);
        assert_eq!(queue.push(1, |_| true), Ok(Queued::Queued));
        assert_eq!(queue.push(2, |_| true), Ok(Queued::Queued));
        assert_eq!(queue.push(3, |_| true), Err(3));
        assert_eq!(drain(&mut queue), [1, 2]);
    }

    #[test]
    fn drop_oldest_qos0_drops_only_droppable_items() {
        // Even numbers stand for QoS 0 messages.
        let mut queue = OfflineQueue::new(3, QueueFullPolicy::DropOldestQos0);
        for item in [1, 2, 4] {
            assert_eq!(queue.push(item, |i| i % 2 == 0), Ok(Queued::Queued));
        }
        assert_eq!(queue.push(5, |i| i % 2 == 0), Ok(Queued::QueuedDropping(2)));
        assert_eq!(queue.push(7, |i| i % 2 == 0), Ok(Queued::QueuedDropping(4)));
        assert_eq!(queue.push(9, |i| i % 2 == 0), Err(9));
        queue.push_front_all([10, 11].into_iter());
        assert_eq!(drain(&mut queue), [10, 11, 1, 5, 7]);
    }
}
