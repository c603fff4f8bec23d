//! Shared helpers of the mqtt-rs examples and command-line tools.
//!
//! The main one is the [embedded default broker](embedded_broker): when no broker is named
//! (no `--broker`, no `MQTT_BROKER`), the examples start a real broker in-process on a free
//! loopback port and run against it, so they work on a machine with nothing installed.

pub mod embedded_broker;
