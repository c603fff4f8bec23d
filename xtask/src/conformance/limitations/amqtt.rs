//! What amqtt 0.12 is known to do that keeps a check from being shown. It speaks MQTT 3.1.1
//! only: every 3.1 and 5.0 case is n/a from the version probe (see brokers/probe.rs).
//!
//! Not sorted out yet, so amqtt is opt-in (`--broker-kind amqtt`): in its first run
//! (2026-12-05) 20 cases of 3.1.1 failed. What they showed, to be confirmed on the wire one
//! by one before any becomes an n/a here: a QoS 0 publish delivered at QoS 2; retained
//! messages of other topics delivered to filters they do not match (offline-queue,
//! dropped-subscription, will-defaults); the will sent after a normal DISCONNECT, and not
//! sent after a keep-alive timeout; session present 0 for a persistent session; no refusal
//! of the subscribe-failure filter (no ACL configured); nothing delivered on `#`.

use super::Limitation;

/// The reason for `limitation` on amqtt `version`, if it has it (none yet: see above).
pub fn reason(_limitation: Limitation, _version: &str) -> Option<&'static str> {
    None
}
