//! The hand-off of incoming messages to subscription streams.
//!
//! Which subscriptions a message belongs to is the session's answer
//! ([`Session::owners`]): it holds the one table of subscriptions, each owned by the token of
//! the request that made it. Here each owner has the sending end of its
//! [`Subscription`](crate::Subscription) stream, and nothing else: no filters, no copies.
//!
//! A message no live stream takes comes back to the caller, for the `Events` streams. A
//! stream whose receiver is gone (the `Subscription` was dropped) is forgotten when a send
//! to it fails; the dropped `Subscription` hands what it held to the `Events` streams itself.

use std::collections::HashMap;

use mqtt_kit_session::{RequestToken, Session};

use crate::events::Message;

/// Subscription streams by owner.
#[derive(Debug, Default)]
pub(crate) struct Routes {
    streams: HashMap<RequestToken, async_channel::Sender<Message>>,
    /// Reused for each message's owners.
    owners: Vec<RequestToken>,
}

impl Routes {
    /// A stream for the subscriptions of `owner`; its receiving end.
    pub(crate) fn open(&mut self, owner: RequestToken) -> async_channel::Receiver<Message> {
        let (sender, receiver) = async_channel::unbounded();
        self.streams.insert(owner, sender);
        receiver
    }

    /// Hands `message` to the stream of each subscription it belongs to; gives it back when
    /// none took it.
    pub(crate) fn deliver(&mut self, session: &Session, message: Message) -> Option<Message> {
        self.owners.clear();
        session.owners(&message.publish, &mut self.owners);
        let mut taken = false;
        let mut rest = Some(message);
        let last = self.owners.len().saturating_sub(1);
        for (index, owner) in self.owners.iter().enumerate() {
            let Some(stream) = self.streams.get(owner) else {
                continue;
            };
            let Some(message) = rest.take() else {
                break;
            };
            // The last owner gets the message itself, the others a copy (payloads are shared).
            let (sent, kept) = if index == last {
                (message, None)
            } else {
                (message.clone(), Some(message))
            };
            match stream.try_send(sent) {
                Ok(()) => {
                    taken = true;
                    rest = kept;
                }
                Err(error) => {
                    // The stream is gone: the message is not lost, it goes on to the next
                    // owner or back to the caller.
                    self.streams.remove(owner);
                    rest = Some(kept.unwrap_or_else(|| error.into_inner()));
                }
            }
        }
        if taken { None } else { rest }
    }

    /// Ends the streams whose owner has no subscription left (unsubscribed, refused, or
    /// replaced by a later SUBSCRIBE of the same filters), except those `keep` says are still
    /// asked for.
    pub(crate) fn end_orphans(&mut self, session: &Session, keep: impl Fn(RequestToken) -> bool) {
        self.streams.retain(|owner, stream| {
            let live = session.owns_any(*owner) || keep(*owner);
            if !live {
                stream.close();
            }
            live
        });
    }

    /// Ends every stream (the driver ends).
    pub(crate) fn close(&mut self) {
        for (_, stream) in self.streams.drain() {
            stream.close();
        }
    }
}
