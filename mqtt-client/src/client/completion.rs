//! The end of each publish, told to its [`PublishHandle`](crate::PublishHandle): a one-shot
//! answer kept in a slot of a table that the client's handles share, instead of a one-shot
//! channel allocated per publish. A slot is used again once its answer was taken, or once
//! the publish is done and nobody waits for it any more.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::error::ClientError;
use crate::events::Published;

/// How a publish ended.
pub(crate) type Outcome = Result<Published, ClientError>;

enum Slot {
    /// Free for the next publish.
    Free,
    /// Under way; the handle waits with this waker once polled.
    Waiting(Option<Waker>),
    /// Done: the answer, until the handle takes it.
    Done(Outcome),
    /// Under way, but the handle is gone: freed once done.
    Abandoned,
}

#[derive(Default)]
struct Table {
    slots: Vec<Slot>,
    free: Vec<usize>,
}

impl Table {
    fn release(&mut self, index: usize) {
        if let Some(slot) = self.slots.get_mut(index) {
            *slot = Slot::Free;
            self.free.push(index);
        }
    }
}

/// The slots of one client (as many as publishes were ever under way at once).
#[derive(Default)]
pub(crate) struct Completions {
    table: Mutex<Table>,
}

impl std::fmt::Debug for Completions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Completions")
            .field("slots", &self.lock().slots.len())
            .finish()
    }
}

impl Completions {
    /// A slot for a new publish: the end that answers and the end that waits.
    pub(crate) fn open(self: &Arc<Self>) -> (Completer, Answer) {
        let index = {
            let mut table = self.lock();
            match table.free.pop() {
                Some(index) => {
                    if let Some(slot) = table.slots.get_mut(index) {
                        *slot = Slot::Waiting(None);
                    }
                    index
                }
                None => {
                    table.slots.push(Slot::Waiting(None));
                    table.slots.len() - 1
                }
            }
        };
        let completer = Completer {
            completions: self.clone(),
            index,
            done: false,
        };
        let answer = Answer {
            completions: self.clone(),
            index,
            taken: false,
        };
        (completer, answer)
    }

    /// The table; a panic elsewhere while it was held left it consistent (every change to it
    /// is a single assignment), so a poisoned lock is used as it is.
    fn lock(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The driver's end of a slot: answers once; dropped unanswered, it answers
/// [`ClientError::Closed`] (the driver ended).
pub(crate) struct Completer {
    completions: Arc<Completions>,
    index: usize,
    done: bool,
}

impl Completer {
    /// Tells the handle how the publish ended.
    pub(crate) fn complete(mut self, outcome: Outcome) {
        self.finish(outcome);
    }

    fn finish(&mut self, outcome: Outcome) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        let waker = {
            let mut table = self.completions.lock();
            match table.slots.get_mut(self.index) {
                Some(slot @ Slot::Waiting(_)) => match std::mem::replace(slot, Slot::Done(outcome))
                {
                    Slot::Waiting(waker) => waker,
                    _ => None,
                },
                Some(Slot::Abandoned) => {
                    table.release(self.index);
                    None
                }
                _ => None,
            }
        };
        // Woken outside the lock: the handle's task may run at once on another thread.
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Drop for Completer {
    fn drop(&mut self) {
        self.finish(Err(ClientError::Closed));
    }
}

/// The handle's end of a slot.
pub(crate) struct Answer {
    completions: Arc<Completions>,
    index: usize,
    taken: bool,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answer")
            .field("taken", &self.taken)
            .finish_non_exhaustive()
    }
}

impl Answer {
    /// The answer once there is one. After it was taken: [`ClientError::Closed`].
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Outcome> {
        if self.taken {
            return Poll::Ready(Err(ClientError::Closed));
        }
        let mut table = self.completions.lock();
        match table.slots.get_mut(self.index) {
            Some(Slot::Waiting(waker)) => {
                if !waker.as_ref().is_some_and(|old| old.will_wake(cx.waker())) {
                    *waker = Some(cx.waker().clone());
                }
                Poll::Pending
            }
            Some(slot @ Slot::Done(_)) => {
                let Slot::Done(outcome) = std::mem::replace(slot, Slot::Free) else {
                    return Poll::Pending;
                };
                table.free.push(self.index);
                self.taken = true;
                Poll::Ready(outcome)
            }
            // Not this answer's slot any more: cannot happen while the answer lives.
            _ => {
                self.taken = true;
                Poll::Ready(Err(ClientError::Closed))
            }
        }
    }

    /// The answer if there is one now (tests of the engine).
    #[cfg(test)]
    pub(crate) fn try_take(&mut self) -> Option<Outcome> {
        match self.poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(outcome) => Some(outcome),
            Poll::Pending => None,
        }
    }
}

impl Drop for Answer {
    fn drop(&mut self) {
        if self.taken {
            return;
        }
        let mut table = self.completions.lock();
        match table.slots.get(self.index) {
            Some(Slot::Done(_)) => table.release(self.index),
            Some(Slot::Waiting(_)) => {
                if let Some(slot) = table.slots.get_mut(self.index) {
                    *slot = Slot::Abandoned;
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_arrives_once_and_the_slot_is_used_again() {
        let completions = Arc::new(Completions::default());
        let (completer, mut answer) = completions.open();
        assert!(answer.try_take().is_none());
        completer.complete(Ok(Published::Written));
        assert!(matches!(answer.try_take(), Some(Ok(Published::Written))));
        assert!(matches!(answer.try_take(), Some(Err(ClientError::Closed))));
        drop(answer);
        let (_completer, _answer) = completions.open();
        assert_eq!(completions.lock().slots.len(), 1, "the slot was reused");
    }

    #[test]
    fn a_completer_dropped_unanswered_says_closed() {
        let completions = Arc::new(Completions::default());
        let (completer, mut answer) = completions.open();
        drop(completer);
        assert!(matches!(answer.try_take(), Some(Err(ClientError::Closed))));
    }

    #[test]
    fn slots_of_dropped_handles_are_freed_when_done_and_not_before() {
        let completions = Arc::new(Completions::default());
        let (completer, answer) = completions.open();
        drop(answer);
        let (_second, _answer) = completions.open();
        assert_eq!(
            completions.lock().slots.len(),
            2,
            "still under way: not reused"
        );
        completer.complete(Ok(Published::Written));
        let (_third, _answer) = completions.open();
        assert_eq!(completions.lock().slots.len(), 2, "freed once done: reused");
        // Done before the handle is dropped: freed by the drop.
        let (completer, answer) = completions.open();
        completer.complete(Ok(Published::Written));
        drop(answer);
        assert_eq!(completions.lock().free.len(), 1);
    }

    #[test]
    fn the_waiting_task_is_woken() {
        struct Flag(std::sync::atomic::AtomicBool);
        impl std::task::Wake for Flag {
            fn wake(self: Arc<Self>) {
                self.0.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let flag = Arc::new(Flag(false.into()));
        let waker = Waker::from(flag.clone());
        let completions = Arc::new(Completions::default());
        let (completer, mut answer) = completions.open();
        assert!(answer.poll(&mut Context::from_waker(&waker)).is_pending());
        completer.complete(Ok(Published::Written));
        assert!(flag.0.load(std::sync::atomic::Ordering::SeqCst));
        assert!(answer.try_take().is_some());
    }
}
