//! Known limitations of the brokers the scenarios run against: the only grounds for an
//! `n/a` in the table. Each one names its source (the "Broker variations" section of
//! xtask/conformance/SCENARIOS.md, or what a run showed and the broker's documentation
//! confirms).

use super::brokers::{BrokerKind, Flavour};

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
}

impl Limitation {
    /// The reason to show when `broker` has this limitation, `None` when it does not (or
    /// when nothing is known of the broker: a `--broker` of the user's is held to every
    /// check).
    pub fn applies_to(self, broker: &BrokerKind) -> Option<String> {
        let BrokerKind::Started {
            flavour: Flavour::Mosquitto,
            version,
        } = broker
        else {
            return None;
        };
        if !version.starts_with("2.0.") {
            return None;
        }
        let reason = match self {
            Limitation::GrantsDeniedSubscriptions => {
                "mosquitto 2.0 grants every subscription (SUBACK 0x00/0x01/0x02), even to a \
                 filter its ACL denies; the ACL only stops delivery (SCENARIOS.md, broker \
                 variations); the refusal path is covered by mqtt-client's scripted-broker tests"
            }
            Limitation::NoEnhancedAuth => {
                "mosquitto 2.0 offers enhanced authentication (AUTH) only through an \
                 authentication plugin, and none is installed (SCENARIOS.md, broker \
                 variations); the AUTH flow is covered by mqtt-session's scripted tests"
            }
            Limitation::OverlapAtLowerQos => {
                "mosquitto 2.0 sends one message at QoS 1 to a 3.1.1 client whose subscriptions \
                 TopicA/# (QoS 2) and TopicA/+ (QoS 1) both match, where [MQTT-3.3.5-1] asks \
                 for the highest QoS (SCENARIOS.md, broker variations: \"it delivers one \
                 message at QoS 1\"); the client gave that message to both subscriptions"
            }
            Limitation::NoDisconnectOnTakeover => {
                "mosquitto 2.0 closes the connection of a 5.0 client whose session another \
                 connection takes over without sending DISCONNECT 0x8E (seen on the wire), \
                 and the DISCONNECTs it does send answer client protocol errors (0x95 for an \
                 oversized packet...) that this client never commits; so no broker DISCONNECT \
                 with a reason can be shown; the client reported the loss"
            }
            Limitation::SlowWebSocketSends => {
                "mosquitto 2.0.11 with Debian's libwebsockets sends large messages to WebSocket \
                 clients at a few tens of kB/s (eclipse-mosquitto/mosquitto issues #2252 and \
                 #1390, open; the client acknowledges every byte at once, seen in the socket's \
                 counters), so the 1 MiB to 10 MiB payloads from the broker cannot arrive \
                 within the time limit"
            }
            Limitation::NoServerTopicAliases => {
                "mosquitto 2.0 never assigns topic aliases to the messages it sends to clients \
                 (it accepts them from clients only), so incoming aliases cannot be shown \
                 (SCENARIOS.md, broker variations: server-sent topic aliases)"
            }
            Limitation::CopyPerSubscription => {
                "mosquitto 2.0 sends one copy of the message per matching subscription, each \
                 with its own Subscription Identifier, which the standard allows \
                 ([MQTT-3.3.4-3], [MQTT-3.3.4-5]), so a single message carrying both \
                 identifiers cannot be shown (SCENARIOS.md, broker variations)"
            }
        };
        Some(format!("{reason} [mosquitto {version}]"))
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
