//! Subscriptions: the requests awaiting SUBACK/UNSUBACK, and the subscriptions the server
//! granted (to make them again when the server loses the session).
//!
//! A SUBACK or UNSUBACK is matched to its request by packet identifier [MQTT-2.3.1-7]
//! [MQTT-3.8.4-2] [MQTT-3.10.4-4] and carries one reason code per filter, in the order of the
//! request [MQTT-3.8.4-6] [MQTT-3.9.3-1] [MQTT-3.11.3-1].
//!
//! Each subscription has an *owner*: the token of the application's request that made it
//! (kept when the session makes it again). The server holds one subscription per filter
//! [MQTT-3.8.4-3], so a filter has one owner at a time: the latest SUBSCRIBE for it, from the
//! moment it is sent (the server may send its retained messages before the SUBACK), or the
//! earlier owner again when the server refuses it. [`Subscriptions::owners`] says which owners
//! an incoming message belongs to: a client that hands each owner its messages delivers each
//! one once per subscription the server sent it for, never twice.

use std::collections::HashMap;

use mqtt_kit_codec::{
    Publish, SubscribeProperties, SubscriptionId, SubscriptionOptions, TopicFilter,
};

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
    /// The token of the application's request that made it.
    pub owner: RequestToken,
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
        /// Who the subscriptions it makes belong to.
        owner: RequestToken,
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

    /// Whether a subscription, granted or asked for, uses `identifier`.
    pub fn uses_identifier(&self, identifier: Option<SubscriptionId>) -> bool {
        let mut used = false;
        self.for_each_current(|_, id, _| used |= id.is_some() && id == identifier);
        used
    }

    /// Appends to `out` the owners that `publish` belongs to, each once.
    ///
    /// With Subscription Identifiers in the message, the server says which subscriptions it
    /// was sent for: their owners take it, and so do the owners of matching subscriptions
    /// made without an identifier. Without (MQTT 3.x, or a server that sends none), the
    /// owner of every filter that matches its topic takes it.
    pub fn owners(&self, publish: &Publish, out: &mut Vec<RequestToken>) {
        let identifiers = &publish.properties.subscription_identifiers;
        let topic = &publish.topic;
        self.for_each_current(|filter, identifier, owner| {
            let takes = match identifier {
                Some(id) if !identifiers.is_empty() => identifiers.contains(&id),
                _ => filter.matches(topic),
            };
            if takes && !out.contains(&owner) {
                out.push(owner);
            }
        });
    }

    /// Whether any subscription, made or asked for, belongs to `owner`.
    pub fn owns_any(&self, owner: RequestToken) -> bool {
        let mut found = false;
        self.for_each_current(|_, _, current| found |= current == owner);
        found
    }

    /// Calls `visit` with each filter's current owner and identifier: a SUBSCRIBE awaiting
    /// its SUBACK owns its filters (the latest one when several do), then the granted
    /// subscriptions own the filters no SUBSCRIBE awaits.
    fn for_each_current(
        &self,
        mut visit: impl FnMut(&TopicFilter, Option<SubscriptionId>, RequestToken),
    ) {
        let asked = || {
            self.pending
                .values()
                .filter_map(|request| match &request.kind {
                    RequestKind::Subscribe {
                        filters,
                        properties,
                        owner,
                        ..
                    } => Some((request.token, filters, properties, *owner)),
                    RequestKind::Unsubscribe { .. } => None,
                })
        };
        let latest_asking = |filter: &TopicFilter| {
            asked()
                .filter(|(_, filters, ..)| filters.iter().any(|(f, _)| f == filter))
                .map(|(token, ..)| token)
                .max()
        };
        for (token, filters, properties, owner) in asked() {
            for (filter, _) in filters {
                if latest_asking(filter) == Some(token) {
                    visit(filter, properties.subscription_identifier, owner);
                }
            }
        }
        for subscription in &self.granted {
            if latest_asking(&subscription.filter).is_none() {
                visit(
                    &subscription.filter,
                    subscription.properties.subscription_identifier,
                    subscription.owner,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqtt_kit_codec::{QoS, TopicName};

    fn publish(topic: &str, identifiers: &[u32]) -> Publish {
        let mut publish = Publish::new(TopicName::try_from(topic).unwrap(), "x", QoS::AtMostOnce);
        publish.properties.subscription_identifiers = identifiers
            .iter()
            .map(|id| SubscriptionId::new(*id).unwrap())
            .collect();
        publish
    }

    fn granted(filter: &str, identifier: Option<u32>, owner: u64) -> Subscription {
        Subscription {
            filter: TopicFilter::try_from(filter).unwrap(),
            options: SubscriptionOptions::new(QoS::AtLeastOnce),
            properties: SubscribeProperties {
                subscription_identifier: identifier.and_then(SubscriptionId::new),
                ..Default::default()
            },
            owner: RequestToken(owner),
        }
    }

    fn asking(subscriptions: &mut Subscriptions, packet_id: u16, filter: &str, owner: u64) {
        let request = Request {
            token: RequestToken(100 + u64::from(packet_id)),
            kind: RequestKind::Subscribe {
                filters: vec![(
                    TopicFilter::try_from(filter).unwrap(),
                    SubscriptionOptions::new(QoS::AtLeastOnce),
                )],
                properties: SubscribeProperties::default(),
                restore: false,
                owner: RequestToken(owner),
            },
        };
        subscriptions.pending.insert(packet_id, request);
    }

    fn owners(subscriptions: &Subscriptions, publish: &Publish) -> Vec<u64> {
        let mut out = Vec::new();
        subscriptions.owners(publish, &mut out);
        out.iter().map(|owner| owner.get()).collect()
    }

    #[test]
    fn every_matching_filter_without_identifiers_each_owner_once() {
        let mut subscriptions = Subscriptions::default();
        subscriptions.grant(granted("a/#", None, 1));
        subscriptions.grant(granted("a/+", None, 2));
        subscriptions.grant(granted("a/b", None, 2));
        assert_eq!(owners(&subscriptions, &publish("a/b", &[])), [1, 2]);
        assert_eq!(owners(&subscriptions, &publish("c", &[])), [0u64; 0]);
    }

    #[test]
    fn identifiers_say_which_subscriptions_the_server_sent_it_for() {
        let mut subscriptions = Subscriptions::default();
        subscriptions.grant(granted("a/#", Some(1), 1));
        subscriptions.grant(granted("a/b", Some(2), 2));
        subscriptions.grant(granted("a/+", None, 3));
        // Both filters with identifiers match, but the server says only subscription 2 did
        // (subscription 1 may have No Local, and this be our own message).
        assert_eq!(owners(&subscriptions, &publish("a/b", &[2])), [2, 3]);
    }

    #[test]
    fn shared_subscriptions_match_their_filter() {
        let mut subscriptions = Subscriptions::default();
        subscriptions.grant(granted("$share/g/jobs/+", None, 1));
        assert_eq!(owners(&subscriptions, &publish("jobs/1", &[])), [1]);
    }

    #[test]
    fn a_filter_subscribed_again_belongs_to_the_latest_subscribe_from_its_sending() {
        let mut subscriptions = Subscriptions::default();
        subscriptions.grant(granted("a", None, 1));
        asking(&mut subscriptions, 7, "a", 2);
        asking(&mut subscriptions, 8, "a", 3);
        assert_eq!(owners(&subscriptions, &publish("a", &[])), [3]);
        assert!(!subscriptions.owns_any(RequestToken(1)));
        assert!(!subscriptions.owns_any(RequestToken(2)));
        // Both refused: the filter is the first owner's again.
        subscriptions.pending.clear();
        assert_eq!(owners(&subscriptions, &publish("a", &[])), [1]);
        assert!(subscriptions.owns_any(RequestToken(1)));
    }
}
