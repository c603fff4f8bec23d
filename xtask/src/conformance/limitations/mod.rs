//! Known limitations of the brokers the scenarios run against: the only grounds for an
//! `n/a` in the table. Each one names its source (the "Broker variations" section of
//! xtask/conformance/SCENARIOS.md, or what a run showed and the broker's documentation
//! confirms).

use super::brokers::{BrokerKind, Flavour};

mod aedes;
mod amqtt;
mod mosquitto;
mod rumqttd;

/// A broker behaviour that keeps a scenario (or one check of it) from being shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limitation {
    /// The broker grants subscriptions that its ACL denies.
    GrantsDeniedSubscriptions,
    /// The broker has no enhanced authentication (AUTH) without a plugin.
    NoEnhancedAuth,
    /// On overlapping subscriptions (3.1.1) the broker sends one message at a QoS below the
    /// highest of the subscriptions.
    OverlapAtLowerQos,
    /// The broker sends no DISCONNECT to a client whose session another connection took
    /// over: it just closes the connection.
    NoDisconnectOnTakeover,
    /// The broker sends large messages to WebSocket clients at a few tens of kB/s.
    SlowWebSocketSends,
    /// The broker never sends topic aliases to clients.
    NoServerTopicAliases,
    /// On overlapping subscriptions (5.0) the broker sends one copy per subscription, each
    /// with its own Subscription Identifier.
    CopyPerSubscription,
    /// On overlapping subscriptions (3.1.1) the broker sends one copy per subscription:
    /// nothing in a 3.1.1 PUBLISH says which subscription a copy is for.
    CopyPerSubscriptionV311,
    /// The broker announces no Subscription Identifiers (5.0).
    NoSubscriptionIdentifiers,
    /// The broker delivers a message at a QoS above the one it was published with.
    UpgradesQos,
    /// The broker sends unacknowledged messages again without DUP after a reconnection.
    NoDupOnResend,
    /// The broker keeps no 5.0 session after the connection ends.
    NoSessionsV5,
    /// The broker keeps a 5.0 session past its Session Expiry Interval.
    IgnoresSessionExpiry,
    /// The broker ignores No Local.
    NoLocalIgnored,
    /// The broker resolves the topic aliases a client sends to the wrong topics.
    MisresolvesClientAliases,
    /// The broker announces the same limits (Maximum Packet Size, Receive Maximum) whatever
    /// its configuration.
    FixedLimits,
    /// The broker refuses or mishandles a subscription to `#`.
    NoRootWildcard,
    /// The broker reports no session present for a client whose session holds no
    /// subscription.
    NoSessionWithoutSubscriptions,
}

impl Limitation {
    /// The reason to show when `broker` has this limitation, `None` when it does not (or
    /// when nothing is known of the broker: a `--broker` of the user's is held to every
    /// check).
    pub fn applies_to(self, broker: &BrokerKind) -> Option<String> {
        let BrokerKind::Started { flavour, version } = broker else {
            return None;
        };
        let reason = match flavour {
            Flavour::Mosquitto => mosquitto::reason(self, version),
            Flavour::Rumqttd => rumqttd::reason(self, version),
            Flavour::Aedes => aedes::reason(self, version),
            Flavour::Amqtt => amqtt::reason(self, version),
        }?;
        Some(format!("{reason} [{} {version}]", flavour.name()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_brokers_have_limitations() {
        let mosquitto = BrokerKind::Started {
            flavour: Flavour::Mosquitto,
            version: "2.0.11".into(),
        };
        let external = BrokerKind::External {
            url: "mqtt://127.0.0.1:1883".into(),
        };
        let reason = Limitation::NoEnhancedAuth.applies_to(&mosquitto).unwrap();
        assert!(reason.contains("plugin") && reason.contains("2.0.11"));
        assert_eq!(Limitation::NoEnhancedAuth.applies_to(&external), None);
    }
}
