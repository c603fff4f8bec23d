//! luamqtt's `examples/simple.lua` in Rust: connect, subscribe to `luamqtt/#` at QoS 1,
//! publish `hello`, receive it and acknowledge it, disconnect.
//!
//! ```text
//! cargo run -p mqtt-examples --example simple                          # embedded broker
//! cargo run -p mqtt-examples --example simple -- --broker mqtt://localhost:1883
//! MQTT_BROKER=mqtts://broker.example cargo run -p mqtt-examples --example simple
//! ```
//!
//! With no broker given it starts one in-process (rumqttd on a free loopback port) and says so.

use std::error::Error;
use std::process::ExitCode;

use mqtt_examples::broker_choice::ExampleArgs;
use mqtt_examples::embedded_broker::BrokerProtocol;
use mqtt_examples::run::step;
use mqtt_kit_client::{Client, Options, QoS};

fn main() -> ExitCode {
    mqtt_examples::run::main("simple", &[], run)
}

fn run(args: &ExampleArgs) -> Result<(), Box<dyn Error>> {
    let broker = args.broker(BrokerProtocol::V3_1_1)?;

    // luamqtt's simple.lua acknowledges its message by hand: so do we.
    let options = Options::builder()
        .uri(broker.url())
        .clean(true)
        .manual_ack(true)
        .build()?;

    smol::block_on(async {
        // connect
        let client = step(Client::connect(options)).await??;
        println!("connected");

        // subscribe
        let mut messages = step(client.subscribe("luamqtt/#", QoS::AtLeastOnce)).await??;
        for (filter, result) in messages.results() {
            println!("subscribed to {filter}: {result:?}");
        }

        // publish
        let topic = "luamqtt/simpletest";
        let published = step(client.publish(topic, "hello", QoS::AtLeastOnce)).await??;
        println!(
            "published hello to {topic}: reason code {:#04x}",
            published.reason_code()
        );

        // receive and acknowledge, until our own message comes back
        loop {
            let Some(message) = step(messages.next()).await? else {
                return Err("the subscription ended before the message came".into());
            };
            client.acknowledge(&message).await?;
            let payload = String::from_utf8_lossy(message.payload());
            println!(
                "received: {} {payload:?} (QoS {})",
                message.topic(),
                message.qos().as_u8()
            );
            if message.topic() == topic && payload == "hello" {
                break;
            }
        }

        // disconnect
        step(client.disconnect()).await??;
        println!("disconnected");
        Ok(())
    })
}
