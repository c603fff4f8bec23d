//! The blocking facade, for scripts and programs without async: connect, subscribe, publish
//! and receive with plain calls that block (the client's driver runs on a thread of its own).
//!
//! ```text
//! cargo run -p mqtt-examples --example blocking                       # embedded broker
//! cargo run -p mqtt-examples --example blocking -- --broker mqtt://localhost:1883
//! ```
//!
//! With no broker given (`--broker URL` or `MQTT_BROKER`) it starts one in-process and says so.

use std::error::Error;
use std::process::ExitCode;

use mqtt_examples::broker_choice::ExampleArgs;
use mqtt_examples::embedded_broker::BrokerProtocol;
use mqtt_examples::run::STEP_TIMEOUT;
use mqtt_kit_client::{Options, QoS, blocking};

fn main() -> ExitCode {
    mqtt_examples::run::main("blocking", &[], run)
}

fn run(args: &ExampleArgs) -> Result<(), Box<dyn Error>> {
    let broker = args.broker(BrokerProtocol::V3_1_1)?;
    let options = Options::builder().uri(broker.url()).build()?;

    // Blocks until the broker's CONNACK (or the first failure).
    let client = blocking::Client::connect(options)?;
    println!("connected as {}", client.as_async().id());

    let topic = format!("mqtt-kit/examples/blocking/{}", client.as_async().id());
    let mut subscription = client.subscribe(&topic, QoS::AtLeastOnce)?;
    println!("subscribed to {topic}");

    for n in 1..=3 {
        // Blocks until the broker's PUBACK.
        client.publish(&topic, format!("reading {n}"), QoS::AtLeastOnce)?;
    }
    println!("published 3 messages");

    for _ in 1..=3 {
        let message = subscription.recv_timeout(STEP_TIMEOUT)?;
        println!(
            "received on {}: {}",
            message.topic(),
            String::from_utf8_lossy(message.payload())
        );
    }

    // Blocks until the DISCONNECT is sent and the driver's thread has ended.
    client.disconnect()?;
    println!("disconnected");
    Ok(())
}
