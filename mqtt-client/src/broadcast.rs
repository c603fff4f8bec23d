//! One reader of a value broadcast to every reader ([`Events`](crate::Events),
//! [`StateChanges`](crate::StateChanges)): an unbounded channel of boxed values that its
//! broadcaster forgets as soon as the reader is dropped.

use std::pin::Pin;
use std::sync::Weak;
use std::task::{Context, Poll};

use futures_lite::Stream;

/// What keeps the senders of the readers: it lets go of the closed ones.
pub(crate) trait Broadcaster: Send + Sync {
    /// Forgets the senders whose reader is gone.
    fn forget_closed(&self);
}

/// A reader's end.
pub(crate) struct Reader<T> {
    /// Values boxed: the channel allocates its slots 31 at a time, and a value can be some
    /// 300 bytes; a short-lived reader (a `wait_connected`, a stream made while connecting)
    /// would hold kilobytes meanwhile, which a thousand clients connecting at once add up to
    /// and the allocator keeps after.
    receiver: Pin<Box<async_channel::Receiver<Box<T>>>>,
    /// To be forgotten at once when dropped: the channel, and what it holds, would otherwise
    /// live until the next value (for an idle client, for ever).
    broadcaster: Weak<dyn Broadcaster>,
}

impl<T> std::fmt::Debug for Reader<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader")
            .field("waiting", &self.receiver.len())
            .finish()
    }
}

impl<T> Reader<T> {
    /// The reader of `receiver`, whose sender `broadcaster` keeps.
    pub(crate) fn new(
        receiver: async_channel::Receiver<Box<T>>,
        broadcaster: Weak<dyn Broadcaster>,
    ) -> Self {
        Self {
            receiver: Box::pin(receiver),
            broadcaster,
        }
    }

    /// The next value; `None` once the sender is gone and every value was read.
    pub(crate) async fn next(&mut self) -> Option<T> {
        self.receiver.recv().await.ok().map(|value| *value)
    }

    /// The next value if one is waiting.
    pub(crate) fn try_next(&mut self) -> Option<T> {
        self.receiver.try_recv().ok().map(|value| *value)
    }

    /// [`Stream::poll_next`] for the reader's owner.
    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.receiver
            .as_mut()
            .poll_next(cx)
            .map(|value| value.map(|value| *value))
    }
}

impl<T> Drop for Reader<T> {
    fn drop(&mut self) {
        self.receiver.close();
        if let Some(broadcaster) = self.broadcaster.upgrade() {
            broadcaster.forget_closed();
        }
    }
}
