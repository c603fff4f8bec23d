//! Many clients on one thread, like luamqtt's ioloop: 20 clients on a single-threaded
//! executor (smol's `LocalExecutor`), each subscribing to the same topic and publishing one
//! message; every client must receive every message exactly once.
//!
//! ```text
//! cargo run -p mqtt-examples --example many_clients                   # embedded broker
//! cargo run -p mqtt-examples --example many_clients -- --broker mqtt://localhost:1883
//! ```
//!
//! With no broker given (`--broker URL` or `MQTT_BROKER`) it starts one in-process and says so.
//! Each client's driver is a task on the same executor as the application's tasks: nothing
//! here needs a thread of its own.

use std::collections::BTreeSet;
use std::error::Error;
use std::process::ExitCode;

use mqtt_examples::broker_choice::ExampleArgs;
use mqtt_examples::embedded_broker::BrokerProtocol;
use mqtt_examples::run::step;
use mqtt_kit_client::{Client, Options, QoS, Subscription};
use smol::LocalExecutor;

const CLIENTS: usize = 20;

fn main() -> ExitCode {
    mqtt_examples::run::main("many_clients", &[], run)
}

fn run(args: &ExampleArgs) -> Result<(), Box<dyn Error>> {
    let broker = args.broker(BrokerProtocol::V3_1_1)?;
    // A topic of this run only, so that a shared broker's other traffic does not count.
    let topic = format!("mqtt-kit/examples/many_clients/{}", std::process::id());

    let executor = LocalExecutor::new();
    smol::block_on(executor.run(async {
        let mut clients = Vec::new();
        for _ in 0..CLIENTS {
            let options = Options::builder().uri(broker.url()).build()?;
            let (client, driver) = Client::new(options);
            // The driver does the client's I/O and timers: one more task on this thread.
            executor.spawn(driver.run()).detach();
            clients.push(client);
        }

        // Everybody subscribes (all at once) before anybody publishes.
        let subscribing: Vec<_> = clients
            .iter()
            .map(|client| {
                let (client, topic) = (client.clone(), topic.clone());
                executor
                    .spawn(async move { step(client.subscribe(&topic, QoS::AtLeastOnce)).await })
            })
            .collect();
        let mut subscriptions = Vec::new();
        for task in subscribing {
            subscriptions.push(task.await??);
        }
        println!("{CLIENTS} clients connected and subscribed to {topic}");

        // Everybody publishes one message, all at once.
        let publishing: Vec<_> = clients
            .iter()
            .enumerate()
            .map(|(sender, client)| {
                let (client, topic) = (client.clone(), topic.clone());
                executor.spawn(async move {
                    step(client.publish(&topic, sender.to_string(), QoS::AtLeastOnce)).await
                })
            })
            .collect();
        for task in publishing {
            task.await??;
        }
        println!("{CLIENTS} messages published and acknowledged");

        // Everybody reads until it has one message from each sender.
        let receiving: Vec<_> = subscriptions
            .into_iter()
            .map(|subscription| executor.spawn(receive_one_from_each(subscription)))
            .collect();
        for (receiver, task) in receiving.into_iter().enumerate() {
            task.await
                .map_err(|error| format!("client {receiver}: {error}"))?;
        }
        println!(
            "{} messages received: every client got every message exactly once",
            CLIENTS * CLIENTS
        );

        for client in &clients {
            step(client.disconnect()).await??;
        }
        println!("all {CLIENTS} clients disconnected; they all ran on this one thread");
        Ok(())
    }))
}

/// Reads messages until one came from every sender; a repeat or a stranger is an error.
async fn receive_one_from_each(mut subscription: Subscription) -> Result<(), Box<dyn Error>> {
    let mut senders = BTreeSet::new();
    while senders.len() < CLIENTS {
        let message = step(subscription.next())
            .await?
            .ok_or("the subscription ended")?;
        let sender: usize = std::str::from_utf8(message.payload())?.parse()?;
        if sender >= CLIENTS || !senders.insert(sender) {
            return Err(format!("unexpected message from {sender}").into());
        }
    }
    Ok(())
}
