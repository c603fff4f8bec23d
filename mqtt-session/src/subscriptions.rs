//! Subscriptions: the requests awaiting SUBACK/UNSUBACK, and the subscriptions the server
//! granted (to make them again when the server loses the session).
//!
//! A SUBACK or UNSUBACK is matched to its request by packet identifier [MQTT-2.3.1-7]
//! [MQTT-3.8.4-2] [MQTT-3.10.4-4] and carries one reason code per filter, in the order of the
//! request [MQTT-3.8.4-6] [MQTT-3.9.3-1] [MQTT-3.11.3-1].

use std::collections::HashMap;

use mqtt_codec::{SubscribeProperties, SubscriptionOptions, TopicFilter};

use crate::events::RequestToken;

/// A subscription the server granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The topic filter.
    pub filter: TopicFilter,
    /// Its options (with the QoS asked for).
    pub options: SubscriptionOptions,
    /// The SUBSCRIBE properties it was made with (Subscription Identifier, user properties).
    pub properties: SubscribeProperties,
}

/// What a request in flight asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestKind {
    /// A SUBSCRIBE; `restore`: made by the session to restore subscriptions.
    Subscribe {
        /// Its filters.
        filters: Vec<(TopicFilter, SubscriptionOptions)>,
        /// Its properties.
        properties: SubscribeProperties,
        /// Made by the session after the server lost the session.
        restore: bool,
    },
    /// An UNSUBSCRIBE.
    Unsubscribe {
        /// Its filters.
        filters: Vec<TopicFilter>,
    },
}

/// A SUBSCRIBE or UNSUBSCRIBE awaiting its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The application's token.
    pub token: RequestToken,
    /// What was asked.
    pub kind: RequestKind,
}

/// Requests in flight and subscriptions granted.
#[derive(Debug, Clone, Default)]
pub struct Subscriptions {
    /// Requests by packet identifier.
    pub pending: HashMap<u16, Request>,
    granted: Vec<Subscription>,
}

impl Subscriptions {
    /// Records a granted subscription (replacing one with the same filter).
    pub fn grant(&mut self, subscription: Subscription) {
        match self
            .granted
            .iter_mut()
            .find(|s| s.filter == subscription.filter)
        {
            Some(existing) => *existing = subscription,
            None => self.granted.push(subscription),
        }
    }

    /// Forgets the subscription to `filter`.
    pub fn revoke(&mut self, filter: &TopicFilter) {
        self.granted.retain(|s| &s.filter != filter);
    }

    /// The granted subscriptions, oldest first.
    pub fn granted(&self) -> &[Subscription] {
        &self.granted
    }
}
