//! The client on tokio: the client is runtime-agnostic (its driver is a plain future), and a
//! [`Connector`](mqtt_kit_client::Connector) decides how bytes reach the broker. Here
//! `TokioConnector` (mqtt-kit-client's `tokio` feature) opens tokio's `TcpStream`, and every
//! task, the driver's included, runs on a tokio runtime. A connector of your own is a dozen
//! lines: `TokioConnector`'s source in mqtt-kit-transport is one.
//!
//! ```text
//! cargo run -p mqtt-examples --example tokio                          # embedded broker
//! cargo run -p mqtt-examples --example tokio -- --broker mqtt://localhost:1883
//! ```
//!
//! The broker must be a plain `mqtt://` one (the connector only speaks TCP). With no broker
//! given (`--broker URL` or `MQTT_BROKER`) it starts one in-process and says so.

use std::error::Error;
use std::process::ExitCode;
use std::sync::Arc;

use mqtt_examples::broker_choice::ExampleArgs;
use mqtt_examples::embedded_broker::BrokerProtocol;
use mqtt_examples::run::step;
use mqtt_kit_client::{Client, Options, QoS, TokioConnector};

fn main() -> ExitCode {
    mqtt_examples::run::main("tokio", &[], run)
}

fn run(args: &ExampleArgs) -> Result<(), Box<dyn Error>> {
    let broker = args.broker(BrokerProtocol::V3_1_1)?;
    let options = Options::builder()
        .uri(broker.url())
        .connector(Arc::new(TokioConnector))
        .build()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;

    runtime.block_on(async {
        let (client, driver) = Client::new(options);
        let driver = tokio::spawn(driver.run());

        let topic = format!("mqtt-kit/examples/tokio/{}", client.id());
        let mut messages = step(client.subscribe(&topic, QoS::AtLeastOnce)).await??;
        println!("tokio: connected through tokio's TcpStream; subscribed to {topic}");

        // A tokio task publishes while this one reads.
        let publisher = tokio::spawn({
            let (client, topic) = (client.clone(), topic.clone());
            async move {
                for n in 1..=3 {
                    client
                        .publish(&topic, format!("tick {n}"), QoS::AtLeastOnce)
                        .await?;
                }
                Ok::<_, mqtt_kit_client::ClientError>(())
            }
        });
        for _ in 1..=3 {
            let message = step(messages.next())
                .await?
                .ok_or("the subscription ended")?;
            println!(
                "tokio: received {:?}",
                String::from_utf8_lossy(message.payload())
            );
        }
        step(publisher).await???;

        step(client.disconnect()).await??;
        step(driver).await???;
        println!("tokio: disconnected, the driver task has ended");
        Ok(())
    })
}
