//! What rumqttd 0.20 (as built into the xtask: no TLS, no WebSocket) is known to do that
//! keeps a check from being shown, each seen on the wire in a run of the matrix.

use super::Limitation;

/// The reason for `limitation` on rumqttd `version`, if it has it.
pub fn reason(limitation: Limitation, version: &str) -> Option<&'static str> {
    if !version.starts_with("0.20.") {
        return None;
    }
    let reason = match limitation {
        Limitation::GrantsDeniedSubscriptions => {
            "rumqttd has no subscription ACL (its configuration has none to give), so it \
             grants every filter and no refusal can be shown; the refusal path is covered \
             by mqtt-client's scripted-broker tests and by aedes and mosquitto here"
        }
        _ => return None,
    };
    Some(reason)
}
