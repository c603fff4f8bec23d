//! The bounded queue of publishes from the handles to the driver: commands by value in one
//! ring buffer (grown on demand, then reused), the driver's waker, and a line of senders
//! waiting for room, oldest first. Nothing is allocated per publish (a channel whose
//! receiver boxes a listener each time it finds itself empty costs one allocation per
//! publish on a client that publishes one message at a time).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::client::PublishCommand;
use crate::error::ClientError;

impl State {
    /// Room that is not kept for a woken sender.
    fn has_room(&self) -> bool {
        self.items.len() + self.reserved < self.capacity
    }

    /// Takes the first sender out of the line, with room kept for it.
    fn wake_next(&mut self) -> Option<Waker> {
        let (_, waker) = self.line.pop_front()?;
        self.reserved += 1;
        Some(waker)
    }
}

struct State {
    items: VecDeque<PublishCommand>,
    capacity: usize,
    /// No more sending: every handle is gone, or the driver is.
    closed: bool,
    /// The driver, when it found the queue empty.
    receiver: Option<Waker>,
    /// Senders waiting for room, by ticket, oldest first.
    line: VecDeque<(u64, Waker)>,
    /// Room kept for senders taken out of the line and woken, until they use it (or give
    /// up and pass it on): a newcomer does not take it from them.
    reserved: usize,
    next_ticket: u64,
}

/// See the [module documentation](self).
pub(crate) struct PublishQueue {
    state: Mutex<State>,
}

impl std::fmt::Debug for PublishQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("PublishQueue")
            .field("len", &state.items.len())
            .field("capacity", &state.capacity)
            .field("closed", &state.closed)
            .finish()
    }
}

/// Why [`PublishQueue::try_send`] did not take a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TrySendError {
    Full,
    Closed,
}

impl PublishQueue {
    /// A queue of at most `capacity` commands (it allocates nothing until used).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            state: Mutex::new(State {
                items: VecDeque::new(),
                capacity,
                closed: false,
                receiver: None,
                line: VecDeque::new(),
                reserved: 0,
                next_ticket: 0,
            }),
        }
    }

    /// Every change to the state is complete before anything that could panic, so a lock
    /// poisoned by a panic elsewhere is used as it is.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `command` if there is room now (a refused one is dropped: its reply says
    /// Closed, to nobody, since the caller keeps no handle then).
    pub(crate) fn try_send(&self, command: PublishCommand) -> Result<(), TrySendError> {
        let mut state = self.lock();
        let refused = if state.closed {
            TrySendError::Closed
        } else if !state.has_room() || !state.line.is_empty() {
            // Senders waiting in line go first.
            TrySendError::Full
        } else {
            state.items.push_back(command);
            let receiver = state.receiver.take();
            drop(state);
            if let Some(receiver) = receiver {
                receiver.wake();
            }
            return Ok(());
        };
        drop(state);
        drop(command);
        Err(refused)
    }

    /// Queues `command`, waiting for room in line with the other senders.
    pub(crate) fn send(&self, command: PublishCommand) -> Send<'_> {
        Send {
            queue: self,
            command: Some(command),
            ticket: None,
        }
    }

    /// The next command; `None` once the queue is closed and empty.
    pub(crate) fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<PublishCommand>> {
        let mut state = self.lock();
        if let Some(command) = state.items.pop_front() {
            // Room for one more: kept for the first sender in line.
            let sender = state.wake_next();
            drop(state);
            if let Some(sender) = sender {
                sender.wake();
            }
            return Poll::Ready(Some(command));
        }
        if state.closed {
            return Poll::Ready(None);
        }
        if !state
            .receiver
            .as_ref()
            .is_some_and(|old| old.will_wake(cx.waker()))
        {
            state.receiver = Some(cx.waker().clone());
        }
        Poll::Pending
    }

    /// Whether no command waits.
    pub(crate) fn is_empty(&self) -> bool {
        self.lock().items.is_empty()
    }

    /// Whether sending is over (commands may still wait to be taken).
    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Ends sending: senders waiting in line and later ones get [`ClientError::Closed`]; the
    /// driver takes what waits, then `None`.
    pub(crate) fn close(&self) {
        let (receiver, line) = {
            let mut state = self.lock();
            state.closed = true;
            (state.receiver.take(), std::mem::take(&mut state.line))
        };
        for (_, waker) in line {
            waker.wake();
        }
        if let Some(receiver) = receiver {
            receiver.wake();
        }
    }

    /// Takes every command still queued (the driver ends: dropped, they answer Closed).
    pub(crate) fn drain(&self) -> VecDeque<PublishCommand> {
        std::mem::take(&mut self.lock().items)
    }
}

/// The future of [`PublishQueue::send`]. Dropped while it waits, nothing is queued.
pub(crate) struct Send<'a> {
    queue: &'a PublishQueue,
    /// Until queued.
    command: Option<PublishCommand>,
    /// Its place in line, once it waited.
    ticket: Option<u64>,
}

impl Future for Send<'_> {
    type Output = Result<(), ClientError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(command) = this.command.take() else {
            return Poll::Ready(Ok(()));
        };
        let mut state = this.queue.lock();
        if state.closed {
            this.ticket = None;
            drop(state);
            // Dropped here, out of the lock: its reply says Closed too.
            drop(command);
            return Poll::Ready(Err(ClientError::Closed));
        }
        let in_line_at = this
            .ticket
            .and_then(|ticket| state.line.iter().position(|(other, _)| *other == ticket));
        let may_take = match (this.ticket, in_line_at) {
            // Woken: room was kept for it.
            (Some(_), None) => {
                state.reserved = state.reserved.saturating_sub(1);
                true
            }
            (Some(_), Some(at)) => at == 0 && state.has_room(),
            (None, _) => state.line.is_empty() && state.has_room(),
        };
        if may_take {
            if let Some(at) = in_line_at {
                state.line.remove(at);
            }
            state.items.push_back(command);
            this.ticket = None;
            let receiver = state.receiver.take();
            drop(state);
            if let Some(receiver) = receiver {
                receiver.wake();
            }
            return Poll::Ready(Ok(()));
        }
        match in_line_at.and_then(|at| state.line.get_mut(at)) {
            Some((_, waker)) => {
                if !waker.will_wake(cx.waker()) {
                    *waker = cx.waker().clone();
                }
            }
            None => {
                let ticket = state.next_ticket;
                state.next_ticket += 1;
                state.line.push_back((ticket, cx.waker().clone()));
                this.ticket = Some(ticket);
            }
        }
        this.command = Some(command);
        Poll::Pending
    }
}

impl Drop for Send<'_> {
    fn drop(&mut self) {
        let (Some(ticket), Some(_)) = (self.ticket, &self.command) else {
            return;
        };
        let next = {
            let mut state = self.queue.lock();
            match state.line.iter().position(|(other, _)| *other == ticket) {
                Some(at) => {
                    state.line.remove(at);
                    None
                }
                // It was woken, with room kept for it that it will not use: the next in
                // line gets it.
                None => {
                    state.reserved = state.reserved.saturating_sub(1);
                    state.wake_next()
                }
            }
        };
        if let Some(next) = next {
            next.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    use mqtt_kit_codec::{Publish, QoS, TopicName};

    use super::*;
    use crate::client::completion::Completions;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        (count, waker)
    }

    fn command(id: u64) -> PublishCommand {
        let completions = Arc::new(Completions::default());
        let (reply, _) = completions.open();
        PublishCommand {
            id,
            publish: Publish::new(TopicName::try_from("t").unwrap(), "", QoS::AtMostOnce),
            reply,
            accepted: None,
        }
    }

    fn received(queue: &PublishQueue, waker: &Waker) -> Option<u64> {
        match queue.poll_recv(&mut Context::from_waker(waker)) {
            Poll::Ready(Some(command)) => Some(command.id),
            _ => None,
        }
    }

    #[test]
    fn commands_come_out_in_order_and_wake_the_driver() {
        let queue = PublishQueue::new(2);
        let (driver, waker) = counter();
        assert_eq!(received(&queue, &waker), None);
        assert!(queue.try_send(command(1)).is_ok());
        assert_eq!(driver.0.load(Ordering::SeqCst), 1);
        assert!(queue.try_send(command(2)).is_ok());
        assert_eq!(queue.try_send(command(3)).err(), Some(TrySendError::Full));
        assert_eq!(received(&queue, &waker), Some(1));
        assert_eq!(received(&queue, &waker), Some(2));
        assert!(queue.is_empty());
    }

    #[test]
    fn a_waiting_sender_gets_the_room_before_a_new_one() {
        let queue = PublishQueue::new(1);
        let (_, driver_waker) = counter();
        let (sender, sender_waker) = counter();
        let mut cx = Context::from_waker(&sender_waker);
        assert!(queue.try_send(command(1)).is_ok());
        let mut waiting = std::pin::pin!(queue.send(command(2)));
        assert!(waiting.as_mut().poll(&mut cx).is_pending());
        assert_eq!(received(&queue, &driver_waker), Some(1));
        assert_eq!(sender.0.load(Ordering::SeqCst), 1, "woken: there is room");
        // A newcomer does not overtake the one in line.
        assert_eq!(queue.try_send(command(3)).err(), Some(TrySendError::Full));
        assert!(matches!(
            waiting.as_mut().poll(&mut cx),
            Poll::Ready(Ok(()))
        ));
        assert_eq!(received(&queue, &driver_waker), Some(2));
    }

    #[test]
    fn a_sender_that_gives_up_passes_its_turn_on() {
        let queue = PublishQueue::new(1);
        let (_, driver_waker) = counter();
        let (first, first_waker) = counter();
        let (second, second_waker) = counter();
        assert!(queue.try_send(command(1)).is_ok());
        let mut one = Box::pin(queue.send(command(2)));
        let mut two = Box::pin(queue.send(command(3)));
        assert!(
            one.as_mut()
                .poll(&mut Context::from_waker(&first_waker))
                .is_pending()
        );
        assert!(
            two.as_mut()
                .poll(&mut Context::from_waker(&second_waker))
                .is_pending()
        );
        assert_eq!(received(&queue, &driver_waker), Some(1));
        assert_eq!(first.0.load(Ordering::SeqCst), 1);
        drop(one);
        assert_eq!(
            second.0.load(Ordering::SeqCst),
            1,
            "the room went to the next"
        );
        let mut cx = Context::from_waker(&second_waker);
        assert!(matches!(two.as_mut().poll(&mut cx), Poll::Ready(Ok(()))));
        assert_eq!(received(&queue, &driver_waker), Some(3));
    }

    #[test]
    fn closing_fails_the_waiting_and_later_senders_but_keeps_what_was_queued() {
        let queue = PublishQueue::new(1);
        let (_, driver_waker) = counter();
        let (sender, sender_waker) = counter();
        assert!(queue.try_send(command(1)).is_ok());
        let mut waiting = Box::pin(queue.send(command(2)));
        let mut cx = Context::from_waker(&sender_waker);
        assert!(waiting.as_mut().poll(&mut cx).is_pending());
        queue.close();
        assert_eq!(sender.0.load(Ordering::SeqCst), 1);
        assert!(matches!(
            waiting.as_mut().poll(&mut cx),
            Poll::Ready(Err(ClientError::Closed))
        ));
        assert_eq!(queue.try_send(command(3)).err(), Some(TrySendError::Closed));
        assert_eq!(received(&queue, &driver_waker), Some(1));
        assert!(matches!(
            queue.poll_recv(&mut Context::from_waker(&driver_waker)),
            Poll::Ready(None)
        ));
    }
}
