//! Scenarios: reconnect after the broker restarts.

use crate::conformance::ctx::Ctx;
use crate::conformance::outcome::Outcome;

/// Scenario `reconnect` (see SCENARIOS.md).
pub async fn reconnect(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// The broker configuration of this module's scenarios.
pub fn plain(_dir: &std::path::Path) -> String {
    String::new()
}
