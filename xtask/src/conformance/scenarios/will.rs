//! Scenarios: wills: sent on a cut or a silent client, not on DISCONNECT, delayed in 5.0.

use crate::conformance::ctx::Ctx;
use crate::conformance::outcome::Outcome;

/// Scenario `will` (see SCENARIOS.md).
pub async fn will(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// Scenario `will-not-sent` (see SCENARIOS.md).
pub async fn will_not_sent(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// Scenario `keepalive` (see SCENARIOS.md).
pub async fn keepalive(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// Scenario `will-delay` (see SCENARIOS.md).
pub async fn will_delay(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}
