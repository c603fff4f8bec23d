//! Scenarios: sessions: client ids, persistence, expiry, server DISCONNECT, authentication.

use crate::conformance::ctx::Ctx;
use crate::conformance::outcome::Outcome;

/// Scenario `zero-length-id` (see SCENARIOS.md).
pub async fn zero_length_id(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// Scenario `offline-queue` (see SCENARIOS.md).
pub async fn offline_queue(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// Scenario `session-expiry` (see SCENARIOS.md).
pub async fn session_expiry(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// Scenario `server-disconnect` (see SCENARIOS.md).
pub async fn server_disconnect(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}

/// Scenario `enhanced-auth` (see SCENARIOS.md).
pub async fn enhanced_auth(ctx: Ctx) -> Outcome {
    super::pending(&ctx)
}
