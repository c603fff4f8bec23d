//! Scenarios: sizes and numbers: large payloads, many clients.

use crate::conformance::ctx::Ctx;
use crate::conformance::outcome::Outcome;

/// Scenario `large-payload` (see SCENARIOS.md).
pub async fn large_payload(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// Scenario `many-clients` (see SCENARIOS.md).
pub async fn many_clients(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}
