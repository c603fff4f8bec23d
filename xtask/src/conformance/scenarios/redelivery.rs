//! Scenarios: redelivery after a cut, in both directions.

use crate::conformance::ctx::Ctx;
use crate::conformance::outcome::Outcome;

/// Scenario `redelivery` (see SCENARIOS.md).
pub async fn redelivery(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// Scenario `client-redelivery` (see SCENARIOS.md).
pub async fn client_redelivery(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}
