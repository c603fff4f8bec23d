//! Scenarios: retained messages: kept, delivered flagged, cleared.

use crate::conformance::ctx::Ctx;
use crate::conformance::outcome::Outcome;

/// Scenario `retained` (see SCENARIOS.md).
pub async fn retained(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}
