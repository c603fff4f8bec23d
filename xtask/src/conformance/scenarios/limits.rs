//! Scenarios: v5 limits: maximum packet size, receive maximum.

use crate::conformance::ctx::Ctx;
use crate::conformance::outcome::Outcome;

/// Scenario `maximum-packet-size` (see SCENARIOS.md).
pub async fn maximum_packet_size(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// Scenario `flow-control` (see SCENARIOS.md).
pub async fn flow_control(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// The broker configuration of this module's scenarios.
pub fn small_packets(_dir: &std::path::Path) -> String {
    String::new()
}

/// The broker configuration of this module's scenarios.
pub fn small_receive_maximum(_dir: &std::path::Path) -> String {
    String::new()
}
