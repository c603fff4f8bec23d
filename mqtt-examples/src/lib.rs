//! Shared helpers of the mqtt-rs examples and command-line tools.
//!
//! - [`embedded_broker`]: when no broker is named (no `--broker`, no `MQTT_BROKER`), the
//!   examples start a real broker in-process on a free loopback port and run against it, so
//!   they work on a machine with nothing installed;
//! - [`broker_choice`]: that choice, made the same way by every example;
//! - [`run`]: time limits for each step of an example, and its exit code;
//! - [`proxy`]: a TCP proxy that can be cut, to show reconnection;
//! - [`describe`]: a line of text for each client event;
//! - [`cli`]: the command lines of `mqtt-pub` and `mqtt-sub` (mosquitto_pub's and
//!   mosquitto_sub's options).

pub mod broker_choice;
pub mod cli;
pub mod describe;
pub mod embedded_broker;
pub mod proxy;
pub mod run;
