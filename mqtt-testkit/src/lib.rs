//! Test support shared by the workspace's tests, `cargo xtask conformance` and
//! `cargo xtask bench` (not published):
//!
//! - [`Mosquitto`]: a real mosquitto broker with its own configuration, each listener on a
//!   free loopback port, killed by its PID when dropped;
//! - [`TestCa`]: a certificate authority made on the fly, signing server and client
//!   certificates (rcgen);
//! - [`TempDir`]: a directory of its own, removed when dropped;
//! - [`capture_logs`]: what a piece of code logs with `tracing`, as text.
//!
//! Everything here panics with a clear message when the machine cannot do what a test needs
//! (mosquitto missing, no free port): a test that needs a broker fails, it is never skipped.
//!
//! ```
//! use mqtt_testkit::TestCa;
//! let ca = TestCa::new("example CA");
//! let server = ca.server(&["localhost", "127.0.0.1"]);
//! assert!(server.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: a failure here is a failed test

mod certs;
mod logs;
mod mosquitto;
mod temp_dir;

pub use certs::{Identity, TestCa};
pub use logs::capture_logs;
pub use mosquitto::{Listener, ListenerTls, Mosquitto, Protocol};
pub use temp_dir::TempDir;
