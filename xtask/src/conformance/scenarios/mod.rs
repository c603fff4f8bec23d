//! The scenarios of xtask/conformance/SCENARIOS.md, grouped by theme, one module each.

pub mod aliases;
pub mod basic;
pub mod limits;
pub mod payloads;
pub mod properties;
pub mod reconnect;
pub mod redelivery;
pub mod retained;
pub mod session;
pub mod subscriptions;
pub mod tls;
pub mod will;
