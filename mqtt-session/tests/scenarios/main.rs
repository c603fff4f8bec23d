//! Packet-level scenarios: every rule of the engine, scripted without a network. Each
//! scenario names the normative statements it shows with `shows!` (see
//! tests/COVERAGE.md and tests/coverage.rs).

// Helpers outside #[test] functions unwrap too: a failure there is a failed scenario.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

mod auth;
mod connect;
mod disconnect;
mod keep_alive;
mod logging;
mod malformed;
mod manual_ack_resume;
mod offline;
mod publish_in;
mod publish_out;
mod resume;
mod subscribe;
mod topic_alias;
