//! Shared helpers of the mqtt-kit examples (luamqtt's, and more).
//!
//! - [`embedded_broker`]: when no broker is named (no `--broker`, no `MQTT_BROKER`), the
//!   examples start a real broker in-process on a free loopback port and run against it, so
//!   they work on a machine with nothing installed;
//! - [`broker_choice`]: that choice, made the same way by every example;
//! - [`run`]: time limits for each step of an example, and its exit code;
//! - [`proxy`]: a TCP proxy that can be cut, to show reconnection;
//! - [`describe`]: a line of text for each client event.
//!
//! The command-line tools `mqtt-pub` and `mqtt-sub` are a package of their own, `mqtt-kit-cli`
//! (folder `cli/`), without the embedded broker: `cargo install --path mqtt-examples/cli`.
//!
//! What every example does, in short:
//!
//! ```
//! use mqtt_kit_client::{Client, Options, QoS};
//! use mqtt_examples::broker_choice::ExampleArgs;
//! use mqtt_examples::embedded_broker::BrokerProtocol;
//! use mqtt_examples::run::step;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The broker given by --broker or MQTT_BROKER; here none, so an embedded one (said in
//! // one line on standard output).
//! let args = ExampleArgs::parse("doc", [], None, &[])?;
//! let broker = args.broker(BrokerProtocol::V3_1_1)?;
//! smol::block_on(async {
//!     let options = Options::builder().uri(broker.url()).build()?;
//!     // Connected, or the first attempt's error (refused, unreachable, TLS...).
//!     let client = step(Client::connect(options)).await??;
//!     let mut messages = step(client.subscribe("doc/#", QoS::AtLeastOnce)).await??;
//!     step(client.publish("doc/lib", "hi", QoS::AtLeastOnce)).await??;
//!     let message = step(messages.next()).await?.expect("the broker sends it back");
//!     assert_eq!(&message.payload()[..], b"hi");
//!     step(client.disconnect()).await??;
//!     Ok(())
//! })
//! # }
//! ```

pub mod broker_choice;
pub mod describe;
pub mod embedded_broker;
pub mod proxy;
pub mod run;
