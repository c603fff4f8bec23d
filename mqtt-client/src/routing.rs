//! Subscriptions as streams: a [`SubscribeRequest`] becomes a [`Subscription`] that yields
//! exactly the messages matching it, and the driver's [`Router`] decides which stream each
//! incoming message goes to.
//!
//! How a message finds its subscriptions:
//! - when it carries MQTT 5.0 Subscription Identifiers, it goes to the subscriptions with
//!   those identifiers (the client gives each subscription one of its own unless told not
//!   to), and to the subscriptions without identifier whose filters match its topic;
//! - otherwise (MQTT 3.x, or a broker that sends none) to every subscription whose filters
//!   match its topic;
//! - a message no live subscription takes goes to the [`Events`](crate::Events) streams as
//!   [`Event::Message`](crate::Event::Message). Only when there is no `Events` stream either
//!   does it go nowhere (with manual acknowledgement it is then acknowledged, so that the
//!   broker does not hold back the messages behind it): make an `Events` stream, or
//!   subscribe with streams, to see every message.
//!
//! Subscribing again to a filter replaces the subscription, on the broker as here: the filter
//! moves to the new subscription, and an older subscription left without filters ends. A
//! subscription stream is registered when its SUBSCRIBE is sent, so that the retained
//! messages that may come before the SUBACK are routed to it too.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_lite::Stream;
use mqtt_codec::bytestring::ByteString;
use mqtt_codec::{
    QoS, SubAck, SubscribeProperties, SubscribeReasonCode, SubscriptionId, SubscriptionOptions,
    TopicError, TopicFilter,
};

use crate::events::Message;

/// What to subscribe to: topic filters with their options, and SUBSCRIBE properties.
///
/// ```
/// use mqtt_client::{QoS, SubscribeRequest};
///
/// let request = SubscribeRequest::new()
///     .topic("sensors/+/temperature", QoS::AtLeastOnce)?
///     .topic("alarms/#", QoS::ExactlyOnce)?;
/// assert_eq!(request.filters().len(), 2);
/// # Ok::<(), mqtt_client::TopicError>(())
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
/// Dropping the `Subscription` does not unsubscribe: its messages go to the
/// [`Events`](crate::Events) streams from then on ([`Client::unsubscribe`](crate::Client::unsubscribe)
/// stops them).
#[derive(Debug)]
pub struct Subscription {
    pub(crate) suback: SubAck,
    pub(crate) filters: Vec<TopicFilter>,
    pub(crate) identifier: Option<SubscriptionId>,
    pub(crate) receiver: Pin<Box<async_channel::Receiver<Message>>>,
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

/// One subscription stream, as the driver sees it.
#[derive(Debug)]
struct Route {
    key: u64,
    filters: Vec<TopicFilter>,
    identifier: Option<SubscriptionId>,
    sender: async_channel::Sender<Message>,
}

/// The driver's table of subscription streams.
#[derive(Debug, Default)]
pub(crate) struct Router {
    routes: Vec<Route>,
    next_key: u64,
}

impl Router {
    /// Registers a stream for a SUBSCRIBE being sent; returns its key and receiving end.
    pub(crate) fn add(
        &mut self,
        filters: Vec<TopicFilter>,
        identifier: Option<SubscriptionId>,
    ) -> (u64, async_channel::Receiver<Message>) {
        let (sender, receiver) = async_channel::unbounded();
        self.next_key += 1;
        let key = self.next_key;
        self.routes.push(Route {
            key,
            filters,
            identifier,
            sender,
        });
        (key, receiver)
    }

    /// The SUBACK of route `key` came: refused filters leave it, granted ones leave every
    /// older route (the broker replaced those subscriptions). Routes left without filters end.
    pub(crate) fn granted(&mut self, key: u64, suback: &SubAck) {
        let Some(index) = self.routes.iter().position(|route| route.key == key) else {
            return;
        };
        let route = &mut self.routes[index];
        let granted: Vec<TopicFilter> = route
            .filters
            .iter()
            .zip(&suback.codes)
            .filter(|(_, code)| !code.is_error())
            .map(|(filter, _)| filter.clone())
            .collect();
        route.filters.clone_from(&granted);
        for (other_index, other) in self.routes.iter_mut().enumerate() {
            if other_index != index {
                other.filters.retain(|filter| !granted.contains(filter));
            }
        }
        self.end_empty();
    }

    /// Gives route `key` the Subscription Identifier its SUBSCRIBE carries.
    pub(crate) fn set_identifier(&mut self, key: u64, identifier: Option<SubscriptionId>) {
        if let Some(route) = self.routes.iter_mut().find(|route| route.key == key) {
            route.identifier = identifier;
        }
    }

    /// Forgets route `key` (its SUBSCRIBE failed).
    pub(crate) fn remove(&mut self, key: u64) {
        self.routes.retain(|route| route.key != key);
    }

    /// `filters` were unsubscribed: they leave every route.
    pub(crate) fn unsubscribed(&mut self, filters: &[TopicFilter]) {
        for route in &mut self.routes {
            route.filters.retain(|filter| !filters.contains(filter));
        }
        self.end_empty();
    }

    fn end_empty(&mut self) {
        self.routes.retain(|route| {
            let keep = !route.filters.is_empty();
            if !keep {
                route.sender.close();
            }
            keep
        });
    }

    /// Hands `message` to the streams it belongs to; gives it back when none took it.
    pub(crate) fn route(&mut self, message: Message) -> Option<Message> {
        let identifiers = &message.publish.properties.subscription_identifiers;
        let by_identifier = !identifiers.is_empty();
        let mut taken = false;
        let mut dead = false;
        for route in &self.routes {
            let matches = match route.identifier {
                Some(id) if by_identifier => identifiers.contains(&id),
                _ => route
                    .filters
                    .iter()
                    .any(|filter| filter.matches(&message.publish.topic)),
            };
            if !matches {
                continue;
            }
            if route.sender.try_send(message.clone()).is_ok() {
                taken = true;
            } else {
                dead = true;
            }
        }
        if dead {
            self.routes.retain(|route| !route.sender.is_closed());
        }
        (!taken).then_some(message)
    }

    /// Ends every stream (the driver ends).
    pub(crate) fn close(&mut self) {
        for route in self.routes.drain(..) {
            route.sender.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqtt_codec::{PacketId, Publish, TopicName};

    fn message(topic: &str, identifiers: &[u32]) -> Message {
        let mut publish = Publish::new(TopicName::try_from(topic).unwrap(), "x", QoS::AtMostOnce);
        publish.properties.subscription_identifiers = identifiers
            .iter()
            .map(|id| SubscriptionId::new(*id).unwrap())
            .collect();
        Message { publish, ack: None }
    }

    fn filters(list: &[&str]) -> Vec<TopicFilter> {
        list.iter()
            .map(|f| TopicFilter::try_from(*f).unwrap())
            .collect()
    }

    fn suback(codes: &[SubscribeReasonCode]) -> SubAck {
        SubAck::new(PacketId::new(1).unwrap(), codes.to_vec())
    }

    #[test]
    fn by_filter_when_no_identifiers() {
        let mut router = Router::default();
        let (_, a) = router.add(filters(&["a/#"]), None);
        let (_, b) = router.add(filters(&["a/+", "c"]), SubscriptionId::new(2));
        assert!(router.route(message("a/x", &[])).is_none());
        assert_eq!(a.len(), 1);
        assert_eq!(b.len(), 1);
        assert!(router.route(message("c", &[])).is_none());
        assert_eq!(b.len(), 2);
        let unrouted = router.route(message("d", &[]));
        assert_eq!(unrouted.unwrap().topic(), "d");
    }

    #[test]
    fn by_identifier_when_the_broker_sends_them() {
        let mut router = Router::default();
        let (_, one) = router.add(filters(&["a/#"]), SubscriptionId::new(1));
        let (_, two) = router.add(filters(&["a/b"]), SubscriptionId::new(2));
        // Both filters match, but the broker says only subscription 2 did (for example
        // subscription 1 has No Local and this is our own message).
        assert!(router.route(message("a/b", &[2])).is_none());
        assert_eq!((one.len(), two.len()), (0, 1));
    }

    #[test]
    fn shared_subscriptions_match_their_filter() {
        let mut router = Router::default();
        let (_, shared) = router.add(filters(&["$share/g/jobs/+"]), None);
        assert!(router.route(message("jobs/1", &[])).is_none());
        assert_eq!(shared.len(), 1);
    }

    #[test]
    fn refused_and_replaced_filters_leave_their_routes() {
        let mut router = Router::default();
        let (first, old) = router.add(filters(&["a", "b"]), None);
        router.granted(
            first,
            &suback(&[
                SubscribeReasonCode::GrantedQoS1,
                SubscribeReasonCode::NotAuthorized,
            ]),
        );
        assert!(router.route(message("b", &[])).is_some(), "b was refused");
        let (second, new) = router.add(filters(&["a"]), None);
        router.granted(second, &suback(&[SubscribeReasonCode::GrantedQoS0]));
        assert!(
            old.is_closed(),
            "its only filter moved to the new subscription"
        );
        assert!(router.route(message("a", &[])).is_none());
        assert_eq!(new.len(), 1);
        router.unsubscribed(&filters(&["a"]));
        assert!(new.is_closed());
        assert!(router.route(message("a", &[])).is_some());
    }

    #[test]
    fn a_dropped_stream_gives_its_messages_back() {
        let mut router = Router::default();
        let (_, receiver) = router.add(filters(&["#"]), None);
        drop(receiver);
        assert!(router.route(message("x", &[])).is_some());
        assert!(router.routes.is_empty());
    }
}
