//! Scenarios: subscriptions: overlaps, refusals, $-topics, unsubscribe, v5 options, identifiers, shared.

use crate::conformance::ctx::Ctx;
use crate::conformance::outcome::Outcome;

/// Scenario `overlapping` (see SCENARIOS.md).
pub async fn overlapping(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// Scenario `subscribe-failure` (see SCENARIOS.md).
pub async fn subscribe_failure(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// Scenario `dollar-topics` (see SCENARIOS.md).
pub async fn dollar_topics(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// Scenario `unsubscribe` (see SCENARIOS.md).
pub async fn unsubscribe(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// Scenario `subscribe-options` (see SCENARIOS.md).
pub async fn subscribe_options(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// Scenario `subscription-ids` (see SCENARIOS.md).
pub async fn subscription_ids(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// Scenario `shared-subscriptions` (see SCENARIOS.md).
pub async fn shared_subscriptions(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// The broker configuration of this module's scenarios.
pub fn deny_acl(_dir: &std::path::Path) -> String {
    String::new()
}
