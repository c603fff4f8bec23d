//! The scenarios of xtask/conformance/SCENARIOS.md, grouped by theme, one module each.

pub mod aliases;
pub mod basic;
pub mod limits;
pub mod manual_ack_resume;
pub mod payloads;
pub mod properties;
pub mod reconnect;
pub mod redelivery;
pub mod resubscribe;
pub mod retained;
pub mod retained_features;
pub mod server_reference;
pub mod session;
pub mod subscriptions;
pub mod tls;
pub mod will;
pub mod will_defaults;
pub mod wire;
