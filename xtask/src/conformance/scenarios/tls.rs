//! Scenarios: certificate checks.

use crate::conformance::ctx::Ctx;
use crate::conformance::outcome::Outcome;

/// Scenario `unknown-ca` (see SCENARIOS.md).
pub async fn unknown_ca(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// Scenario `wrong-name` (see SCENARIOS.md).
pub async fn wrong_name(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}
