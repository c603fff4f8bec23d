//! Scenarios: v5 message properties.

use crate::conformance::ctx::Ctx;
use crate::conformance::outcome::Outcome;

/// Scenario `user-properties` (see SCENARIOS.md).
pub async fn user_properties(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// Scenario `payload-format` (see SCENARIOS.md).
pub async fn payload_format(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// Scenario `message-expiry` (see SCENARIOS.md).
pub async fn message_expiry(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// Scenario `request-response` (see SCENARIOS.md).
pub async fn request_response(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}
