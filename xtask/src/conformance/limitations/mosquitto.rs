//! What mosquitto 2.0 (Debian 12's 2.0.11) is known to do that keeps a check from being
//! shown (SCENARIOS.md, broker variations, and what runs showed on the wire).

use super::Limitation;

/// The reason for `limitation` on mosquitto `version`, if it has it.
pub fn reason(limitation: Limitation, version: &str) -> Option<&'static str> {
    if !version.starts_with("2.0.") {
        return None;
    }
    let reason = match limitation {
        Limitation::GrantsDeniedSubscriptions => {
            "mosquitto 2.0 grants every subscription (SUBACK 0x00/0x01/0x02), even to a \
             filter its ACL denies; the ACL only stops delivery (SCENARIOS.md, broker \
             variations); the refusal path is covered by mqtt-kit-client's scripted-broker tests"
        }
        Limitation::NoEnhancedAuth => {
            "mosquitto 2.0 offers enhanced authentication (AUTH) only through an \
             authentication plugin, and none is installed (SCENARIOS.md, broker \
             variations); the AUTH flow is covered by mqtt-kit-session's scripted tests"
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

        _ => return None,
    };
    Some(reason)
}
