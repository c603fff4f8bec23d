//! Subscriptions as streams: a [`SubscribeRequest`] becomes a [`Subscription`] that yields
//! exactly the messages of the subscriptions it made.
//!
//! How a message finds its subscriptions (the rules live in the protocol engine,
//! `mqtt_kit_session::Session::owners`):
//! - when it carries MQTT 5.0 Subscription Identifiers, it goes to the subscriptions with
//!   those identifiers (the client gives each subscription one of its own unless told not
//!   to), and to the subscriptions without identifier whose filters match its topic;
//! - otherwise (MQTT 3.x, or a broker that sends none) to the subscription of every filter
//!   that matches its topic: once per subscription, never twice;
//! - a message no live subscription takes goes to the [`Events`](crate::Events) streams as
//!   [`Event::Message`](crate::Event::Message). With no `Events` stream, one that needs the
//!   application's acknowledgement (manual acknowledgement, QoS 1/2) is held for the first
//!   `Events` stream made, never acknowledged unseen; any other is dropped (nobody asked
//!   for it, and the broker already has its acknowledgement).
//!
//! Subscribing again to a filter replaces the subscription, on the broker as here: from the
//! moment the SUBSCRIBE is sent the filter's messages go to the new stream (the broker may
//! send its retained messages before the SUBACK), and an older stream left without
//! subscriptions ends. A refused filter stays with the stream it had.
//!
//! Nothing delivered is lost with a stream: a [`Subscription`] dropped with messages unread
//! (or never received, because the `subscribe` future was dropped) hands them to the
//! `Events` streams, and every later message of its subscriptions goes there too.

use std::pin::Pin;
use std::sync::Weak;
use std::task::{Context, Poll};

use futures_lite::Stream;
use mqtt_kit_codec::bytestring::ByteString;
use mqtt_kit_codec::{
    QoS, SubAck, SubscribeProperties, SubscribeReasonCode, SubscriptionId, SubscriptionOptions,
    TopicError, TopicFilter,
};

use crate::events::{Listeners, Message};

/// What to subscribe to: topic filters with their options, and SUBSCRIBE properties.
///
/// ```
/// use mqtt_kit_client::{QoS, SubscribeRequest};
///
/// let request = SubscribeRequest::new()
///     .topic("sensors/+/temperature", QoS::AtLeastOnce)?
///     .topic("alarms/#", QoS::ExactlyOnce)?;
/// assert_eq!(request.filters().len(), 2);
/// # Ok::<(), mqtt_kit_client::TopicError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubscribeRequest {
    pub(crate) filters: Vec<(TopicFilter, SubscriptionOptions)>,
    pub(crate) properties: SubscribeProperties,
}

impl SubscribeRequest {
    /// A request with no filter yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `filter` (text, checked here) with maximum QoS `qos`.
    pub fn topic(self, filter: &str, qos: QoS) -> Result<Self, TopicError> {
        let filter = TopicFilter::try_from(filter)?;
        Ok(self.filter(filter, SubscriptionOptions::new(qos)))
    }

    /// Adds `filter` with `options` (MQTT 5.0: No Local, Retain As Published, Retain
    /// Handling).
    pub fn filter(mut self, filter: TopicFilter, options: SubscriptionOptions) -> Self {
        self.filters.push((filter, options));
        self
    }

    /// MQTT 5.0: the Subscription Identifier (otherwise the client assigns one).
    pub fn identifier(mut self, identifier: SubscriptionId) -> Self {
        self.properties.subscription_identifier = Some(identifier);
        self
    }

    /// MQTT 5.0: a user property of the SUBSCRIBE.
    pub fn user_property(
        mut self,
        name: impl Into<ByteString>,
        value: impl Into<ByteString>,
    ) -> Self {
        self.properties
            .user_properties
            .push((name.into(), value.into()));
        self
    }

    /// MQTT 5.0: the SUBSCRIBE properties in full.
    pub fn properties(mut self, properties: SubscribeProperties) -> Self {
        self.properties = properties;
        self
    }

    /// The filters and their options.
    pub fn filters(&self) -> &[(TopicFilter, SubscriptionOptions)] {
        &self.filters
    }
}

/// A subscription the broker granted (at least in part), and the stream of the messages that
/// match it, from [`Client::subscribe`](crate::Client::subscribe).
///
/// The stream ends when the subscription ends (unsubscribed, or replaced by a later
/// subscription to the same filters) or the driver ends. Messages wait without bound until
/// read (the driver never waits for a reader); with manual acknowledgement the broker sends
/// no more unacknowledged QoS 1/2 messages than the Receive Maximum, which bounds them.
/// Dropping the `Subscription` does not unsubscribe: the messages it still holds, and its
/// messages from then on, go to the [`Events`](crate::Events) streams
/// ([`Client::unsubscribe`](crate::Client::unsubscribe) stops them).
#[derive(Debug)]
pub struct Subscription {
    pub(crate) suback: SubAck,
    pub(crate) filters: Vec<TopicFilter>,
    pub(crate) identifier: Option<SubscriptionId>,
    pub(crate) receiver: Pin<Box<async_channel::Receiver<Message>>>,
    /// Where the messages it holds go when it is dropped.
    pub(crate) listeners: Weak<Listeners>,
}

impl Drop for Subscription {
    /// Closes the stream first (the driver then sends its messages to the `Events` streams),
    /// then hands over what it held, so that nothing delivered is lost.
    fn drop(&mut self) {
        self.receiver.close();
        let Some(listeners) = self.listeners.upgrade() else {
            return;
        };
        while let Ok(message) = self.receiver.try_recv() {
            listeners.unclaimed(message, true);
        }
    }
}

impl Subscription {
    /// The broker's SUBACK.
    pub fn suback(&self) -> &SubAck {
        &self.suback
    }

    /// Each filter with the QoS granted, or the reason code it was refused with.
    pub fn results(&self) -> Vec<(TopicFilter, Result<QoS, SubscribeReasonCode>)> {
        self.filters
            .iter()
            .cloned()
            .zip(
                self.suback
                    .codes
                    .iter()
                    .map(|code| code.granted_qos().ok_or(*code)),
            )
            .collect()
    }

    /// The Subscription Identifier used (MQTT 5.0), if any.
    pub fn identifier(&self) -> Option<SubscriptionId> {
        self.identifier
    }

    /// The next message; `None` once the subscription or the driver has ended.
    ///
    /// Dropping this future is safe: no message is lost.
    pub async fn next(&mut self) -> Option<Message> {
        self.receiver.recv().await.ok()
    }

    /// The next message if one is waiting.
    pub fn try_next(&mut self) -> Option<Message> {
        self.receiver.try_recv().ok()
    }

    /// How many messages wait to be read.
    pub fn len(&self) -> usize {
        self.receiver.len()
    }

    /// Whether no message waits to be read.
    pub fn is_empty(&self) -> bool {
        self.receiver.is_empty()
    }
}

impl Stream for Subscription {
    type Item = Message;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        self.receiver.as_mut().poll_next(cx)
    }
}
