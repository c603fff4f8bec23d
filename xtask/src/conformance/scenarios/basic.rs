//! Scenarios: basic: connect, subscribe, publish at each QoS, disconnect.

use crate::conformance::ctx::Ctx;
use crate::conformance::outcome::Outcome;

/// Scenario `basic` (see SCENARIOS.md).
pub async fn basic(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}
