//! What aedes 0.51 is known to do that keeps a check from being shown, each seen on the
//! wire in a run of the matrix. It speaks MQTT 3.1 and 3.1.1 only: every 5.0 case is n/a
//! from the version probe (see brokers/probe.rs), not from here.

use super::Limitation;

/// The reason for `limitation` on aedes `version`, if it has it.
pub fn reason(limitation: Limitation, version: &str) -> Option<&'static str> {
    if !version.starts_with("0.51.") {
        return None;
    }
    Some(match limitation {
        Limitation::NoDupOnResend => {
            "aedes 0.51 sends the unacknowledged messages of a resumed session again without \
             the DUP flag that [MQTT-3.3.1-1] asks for"
        }
        Limitation::NoSessionWithoutSubscriptions => {
            "aedes 0.51 answers a reconnection with clean session 0 with session present 0 \
             when the session holds no subscription, though it holds the client's \
             unacknowledged QoS 1/2 publishes, so the client's resending with DUP cannot \
             be shown (mosquitto and rumqttd show it)"
        }
        _ => return None,
    })
}
