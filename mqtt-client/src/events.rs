//! What the client tells the application (luamqtt's events: connect, message, subscribe,
//! unsubscribe, acknowledge, error, close, auth), as [`Event`]s on an [`Events`] stream, and
//! the [`Message`] and [`Published`] types.

use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_lite::Stream;
use mqtt_kit_codec::{
    Auth, Publish, PublishProperties, QoS, SubAck, TopicFilter, TopicName, UnsubAck,
};
use mqtt_kit_session::{AckToken, Connected, DisconnectReason};
use mqtt_kit_transport::BrokerAddress;

use crate::broadcast::{Broadcaster, Reader};
use crate::error::ClientError;

/// An incoming application message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The PUBLISH as received (topic alias resolved).
    pub publish: Publish,
    pub(crate) ack: Option<AckToken>,
}

impl Message {
    pub(crate) fn new(message: mqtt_kit_session::Message) -> Self {
        Self {
            publish: message.publish,
            ack: message.ack,
        }
    }

    /// The topic it was published to.
    pub fn topic(&self) -> &str {
        self.publish.topic.as_str()
    }

    /// The topic name.
    pub fn topic_name(&self) -> &TopicName {
        &self.publish.topic
    }

    /// The payload.
    pub fn payload(&self) -> &Bytes {
        &self.publish.payload
    }

    /// The QoS it came with.
    pub fn qos(&self) -> QoS {
        self.publish.qos
    }

    /// Whether it is a retained message.
    pub fn retain(&self) -> bool {
        self.publish.retain
    }

    /// Whether the broker sent it again (DUP).
    pub fn dup(&self) -> bool {
        self.publish.dup
    }

    /// Its MQTT 5.0 properties.
    pub fn properties(&self) -> &PublishProperties {
        &self.publish.properties
    }

    /// With manual acknowledgement, the token that
    /// [`Client::acknowledge`](crate::Client::acknowledge) uses (QoS 1 and 2 only).
    pub fn ack_token(&self) -> Option<AckToken> {
        self.ack
    }

    /// Whether the application must acknowledge it (manual acknowledgement, QoS 1 or 2).
    pub fn needs_ack(&self) -> bool {
        self.ack.is_some()
    }
}

/// How a publish completed: its acknowledgement from the broker (the engine's own type,
/// with [`Published::reason_code`] and [`Published::reason_string`]).
pub use mqtt_kit_session::PublishAck as Published;

/// Something that happened to the client, in the order it happened.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// A connection attempt begins (luamqtt has none; it tells which address is tried).
    Connecting {
        /// The broker address tried.
        address: BrokerAddress,
        /// 0 for the first attempt, then one more for each attempt since the last success.
        attempt: u32,
    },
    /// The broker accepted the connection (luamqtt's `connect`), with its CONNACK.
    Connected(Connected),
    /// A message that no live [`Subscription`](crate::Subscription) stream took (luamqtt's
    /// `message`): every message when the application uses no subscription streams.
    Message(Message),
    /// A SUBACK (luamqtt's `subscribe`): for a [`Client::subscribe`](crate::Client::subscribe),
    /// or for a subscription restored after the broker lost the session (`restored`).
    Subscribed {
        /// The SUBACK.
        suback: SubAck,
        /// Made by the client to restore subscriptions after a lost session.
        restored: bool,
    },
    /// A subscription could not be made again after the broker lost the session (the new
    /// broker's limits refuse it): it is forgotten and its stream ends.
    SubscriptionNotRestored {
        /// Its filter.
        filter: TopicFilter,
        /// Why.
        error: ClientError,
    },
    /// An UNSUBACK (luamqtt's `unsubscribe`).
    Unsubscribed(UnsubAck),
    /// An outgoing publish is over (luamqtt's `acknowledge`): acknowledged, or failed.
    Published {
        /// The identifier [`PublishHandle::id`](crate::PublishHandle::id) gives.
        id: u64,
        /// The acknowledgement, or why there is none.
        result: Result<Published, ClientError>,
    },
    /// Something went wrong (luamqtt's `error`): a connection attempt failed, the broker broke
    /// the protocol... The client reconnects if it is set to.
    Error(ClientError),
    /// The connection ended (luamqtt's `close`), with the reason.
    Disconnected(DisconnectReason),
    /// The client waits `delay` and then tries `address`.
    Reconnecting {
        /// The address of the next attempt.
        address: BrokerAddress,
        /// How long it waits first.
        delay: Duration,
        /// Failed attempts in a row so far.
        failures: u32,
    },
    /// A re-authentication succeeded (luamqtt's `auth`): the broker's AUTH.
    Auth(Auth),
    /// The driver has ended: no event comes after this one.
    Closed,
}

/// The stream of [`Event`]s, from [`Client::events`](crate::Client::events).
///
/// Every `Events` gets every event from the moment it is made. The driver never waits for an
/// `Events` reader: events queue without bound until read, so read them (or drop the stream).
/// The stream ends after [`Event::Closed`].
#[derive(Debug)]
pub struct Events {
    reader: Reader<Event>,
}

impl Events {
    /// The next event; `None` once the driver has ended and every event was read.
    ///
    /// Dropping this future is safe: no event is lost.
    pub async fn next(&mut self) -> Option<Event> {
        self.reader.next().await
    }

    /// The next event if one is waiting.
    pub fn try_next(&mut self) -> Option<Event> {
        self.reader.try_next()
    }
}

impl Stream for Events {
    type Item = Event;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        self.reader.poll_next(cx)
    }
}

/// The readers of events, shared by every handle and the driver.
#[derive(Debug, Default)]
pub(crate) struct Listeners {
    inner: Mutex<Readers>,
}

#[derive(Debug, Default)]
struct Readers {
    senders: Vec<async_channel::Sender<Box<Event>>>,
    /// Messages kept while no `Events` stream exists, for the first one made: those that
    /// wait for the application's acknowledgement (bounded by our Receive Maximum, since the
    /// broker sends no more unacknowledged messages than that) and those a dropped
    /// subscription stream held.
    held: Vec<Event>,
}

impl Listeners {
    pub(crate) fn subscribe(self: &Arc<Self>) -> Events {
        let (sender, receiver) = async_channel::unbounded();
        if let Ok(mut readers) = self.inner.lock() {
            for event in readers.held.drain(..) {
                let _ = sender.try_send(Box::new(event));
            }
            readers.senders.push(sender);
        }
        let listeners: Weak<dyn Broadcaster> = Arc::downgrade(self) as Weak<Self>;
        Events {
            reader: Reader::new(receiver, listeners),
        }
    }

    /// Hands `event` to every live reader, forgetting the ones that are gone.
    pub(crate) fn emit(&self, event: Event) {
        if let Ok(mut readers) = self.inner.lock() {
            readers.emit(event);
        }
    }

    /// A message that no subscription stream takes: to the `Events` streams. With none, it is
    /// held for the first stream made when it needs the application's acknowledgement (never
    /// acknowledged unseen) or `keep` says so (it was handed to a stream that was dropped
    /// unread); any other is dropped, as nobody asked for it.
    pub(crate) fn unclaimed(&self, message: Message, keep: bool) {
        let Ok(mut readers) = self.inner.lock() else {
            return;
        };
        readers.senders.retain(|sender| !sender.is_closed());
        if !readers.senders.is_empty() {
            readers.emit(Event::Message(message));
        } else if keep || message.needs_ack() {
            readers.held.push(Event::Message(message));
        }
    }

    /// Whether anybody listens (so the driver does not build events for nobody).
    pub(crate) fn any(&self) -> bool {
        self.inner
            .lock()
            .map(|readers| readers.senders.iter().any(|sender| !sender.is_closed()))
            .unwrap_or(false)
    }

    /// Ends every stream.
    pub(crate) fn close(&self) {
        if let Ok(mut readers) = self.inner.lock() {
            for sender in readers.senders.drain(..) {
                sender.close();
            }
        }
    }
}

impl Readers {
    fn emit(&mut self, event: Event) {
        self.senders.retain(|sender| !sender.is_closed());
        if let Some((last, others)) = self.senders.split_last() {
            for sender in others {
                let _ = sender.try_send(Box::new(event.clone()));
            }
            let _ = last.try_send(Box::new(event));
        }
    }
}

impl Broadcaster for Listeners {
    fn forget_closed(&self) {
        if let Ok(mut readers) = self.inner.lock() {
            readers.senders.retain(|sender| !sender.is_closed());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn readers(listeners: &Listeners) -> usize {
        listeners.inner.lock().map(|r| r.senders.len()).unwrap_or(0)
    }

    #[test]
    fn a_dropped_stream_is_forgotten_at_once_with_the_events_it_held() {
        let listeners = Arc::new(Listeners::default());
        let kept = listeners.subscribe();
        let dropped = listeners.subscribe();
        listeners.emit(Event::Closed);
        assert_eq!(readers(&listeners), 2);
        drop(dropped);
        assert_eq!(
            readers(&listeners),
            1,
            "unregistered without waiting for an event"
        );
        assert!(listeners.any());
        drop(kept);
        assert!(!listeners.any());
        assert_eq!(readers(&listeners), 0);
    }
}
