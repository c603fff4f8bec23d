//! What rumqttd 0.20 (as built into the xtask: no TLS, no WebSocket) is known to do that
//! keeps a check from being shown, each seen on the wire in a run of the matrix
//! (2026-12-05; the scenario adds what it saw to the reason).

use super::Limitation;

/// The reason for `limitation` on rumqttd `version`, if it has it.
pub fn reason(limitation: Limitation, version: &str) -> Option<&'static str> {
    if !version.starts_with("0.20.") {
        return None;
    }
    Some(match limitation {
        Limitation::GrantsDeniedSubscriptions => {
            "rumqttd has no subscription ACL (its configuration has none to give), so it \
             grants every filter and no refusal can be shown; the refusal path is covered \
             by aedes and mosquitto here and by mqtt-kit-client's scripted-broker tests"
        }
        Limitation::UpgradesQos => {
            "rumqttd 0.20 sends a message at the QoS of the subscription, above the QoS it was \
             published with, where [MQTT-3.8.4-6] asks for the lower of the two"
        }
        Limitation::NoDupOnResend => {
            "rumqttd 0.20 sends the unacknowledged messages of a resumed session again \
             without the DUP flag that [MQTT-3.3.1-1] asks for"
        }
        Limitation::NoSessionsV5 => {
            "rumqttd 0.20 keeps no MQTT 5.0 session after the connection ends (its 5.0 \
             support is partial), so nothing can be queued for a 5.0 client"
        }
        Limitation::IgnoresSessionExpiry => {
            "rumqttd 0.20 keeps a 5.0 session past its Session Expiry Interval"
        }
        Limitation::NoLocalIgnored => {
            "rumqttd 0.20 ignores the No Local subscription option and sends a client its \
             own messages"
        }
        Limitation::MisresolvesClientAliases => {
            "rumqttd 0.20 resolves the topic aliases a publishing client sends to the wrong \
             topic names, so messages reach subscribers under another topic"
        }
        Limitation::FixedLimits => {
            "rumqttd 0.20 announces no Maximum Packet Size and Receive Maximum 65535 in its \
             CONNACK whatever its configuration, so the client's handling of a small limit \
             cannot be shown (mosquitto shows it)"
        }
        Limitation::NoDisconnectOnTakeover => {
            "rumqttd 0.20 closes the connection of a 5.0 client whose session another \
             connection takes over without sending DISCONNECT 0x8E; the client reported the \
             loss"
        }
        Limitation::NoEnhancedAuth => "rumqttd 0.20 has no enhanced authentication (AUTH)",
        Limitation::CopyPerSubscription => {
            "rumqttd 0.20 sends one copy of the message per matching subscription, each with \
             its own Subscription Identifier, which the standard allows ([MQTT-3.3.4-3], \
             [MQTT-3.3.4-5]); the routing of each copy to its own subscription was checked"
        }
        Limitation::CopyPerSubscriptionV311 => {
            "rumqttd 0.20 sends a 3.1.1 client one copy of the message per matching \
             subscription, which [MQTT-3.3.5-1] allows; a 3.1.1 PUBLISH carries nothing that \
             says which subscription a copy is for (5.0's Subscription Identifiers do, and \
             there each copy reaches its own stream once), so each stream gets every copy"
        }
        Limitation::NoRootWildcard => "rumqttd 0.20 mishandles a subscription to `#`",
        _ => return None,
    })
}
