//! The Will message: a "sensor" client connects with a Will ("offline") and says "online";
//! then its connection is cut without a DISCONNECT, as a crash or a network failure would
//! cut it, and a "watcher" client subscribed to the same topic receives the Will that the
//! broker publishes in the sensor's name.
//!
//! ```text
//! cargo run -p mqtt-examples --example last_will                      # embedded broker
//! cargo run -p mqtt-examples --example last_will -- --broker mqtt://localhost:1883
//! ```
//!
//! With no broker given (`--broker URL` or `MQTT_BROKER`) it starts one in-process and says so.

use std::error::Error;
use std::process::ExitCode;

use mqtt_examples::broker_choice::ExampleArgs;
use mqtt_examples::embedded_broker::BrokerProtocol;
use mqtt_examples::run::step;
use mqtt_kit_client::{Client, Options, QoS};

fn main() -> ExitCode {
    mqtt_examples::run::main("last_will", &[], run)
}

fn run(args: &ExampleArgs) -> Result<(), Box<dyn Error>> {
    let broker = args.broker(BrokerProtocol::V3_1_1)?;
    let status = format!("mqtt-kit/examples/last_will/{}/status", std::process::id());

    smol::block_on(async {
        let watcher_options = Options::builder().uri(broker.url()).build()?;
        let watcher = step(Client::connect(watcher_options)).await??;
        let mut statuses = step(watcher.subscribe(&status, QoS::AtLeastOnce)).await??;
        println!("watcher: subscribed to {status}");

        // The Will is part of CONNECT: the broker keeps it for as long as the connection
        // lives, and publishes it if the connection ends without a DISCONNECT.
        let options = Options::builder()
            .uri(broker.url())
            .will_message(&status, "offline", QoS::AtLeastOnce)
            .reconnect(false)
            .build()?;
        // The sensor's driver is a task of ours, so that the example can cut its connection.
        let (sensor, driver) = Client::new(options);
        let sensor_connection = smol::spawn(driver.run());
        step(sensor.wait_connected()).await??;
        step(sensor.publish(&status, "online", QoS::AtLeastOnce)).await??;
        println!("sensor: connected with a Will, said \"online\"");

        // Dropping the driver (its task) closes the network connection at once: no DISCONNECT is sent.
        sensor_connection.cancel().await;
        println!("sensor: connection cut");

        for expected in ["online", "offline"] {
            let message = step(statuses.next())
                .await?
                .ok_or("the watcher's subscription ended")?;
            let payload = String::from_utf8_lossy(message.payload());
            println!("watcher: the sensor is {payload}");
            if payload != expected {
                return Err(format!("expected {expected:?}, got {payload:?}").into());
            }
        }

        step(watcher.disconnect()).await??;
        Ok(())
    })
}
