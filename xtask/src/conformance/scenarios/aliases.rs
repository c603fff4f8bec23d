//! Scenarios: v5 topic aliases both ways.

use crate::conformance::ctx::Ctx;
use crate::conformance::outcome::Outcome;

/// Scenario `topic-alias-out` (see SCENARIOS.md).
pub async fn topic_alias_out(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// Scenario `topic-alias-in` (see SCENARIOS.md).
pub async fn topic_alias_in(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}
