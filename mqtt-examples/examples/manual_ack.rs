//! Manual acknowledgement (luamqtt's `acknowledge`): a worker acknowledges each job only once
//! it is done, so a job it was doing when it crashed is not lost: the broker sends it again
//! when the worker comes back to its session.
//!
//! The worker keeps a session (clean session off, a fixed client id) and acknowledges by
//! hand. It finishes job 1, then "crashes" during job 2 (its connection is cut before the
//! acknowledgement); when it connects again, the broker sends job 2 again, with job 3, and
//! the worker finishes them. At the end it clears its session on the broker.
//!
//! ```text
//! cargo run -p mqtt-examples --example manual_ack                     # embedded broker
//! cargo run -p mqtt-examples --example manual_ack -- --broker mqtt://localhost:1883
//! ```
//!
//! With no broker given (`--broker URL` or `MQTT_BROKER`) it starts one in-process and says so.

use std::collections::BTreeSet;
use std::error::Error;
use std::process::ExitCode;

use mqtt_examples::broker_choice::ExampleArgs;
use mqtt_examples::embedded_broker::BrokerProtocol;
use mqtt_examples::run::step;
use mqtt_kit_client::{Client, Event, Options, QoS};

fn main() -> ExitCode {
    mqtt_examples::run::main("manual_ack", &[], run)
}

fn run(args: &ExampleArgs) -> Result<(), Box<dyn Error>> {
    let broker = args.broker(BrokerProtocol::V3_1_1)?;
    let jobs = format!("mqtt-kit/examples/manual_ack/{}/jobs", std::process::id());
    let worker_options = || {
        Options::builder()
            .uri(broker.url())
            .id(format!("manual-ack-worker-{}", std::process::id()))
            .clean(false)
            .manual_ack(true)
            .reconnect(false)
    };

    smol::block_on(async {
        // First run of the worker: a new session. Its driver is a task of ours (rather than
        // `Client::connect`'s), so that the example can cut the connection as a crash would.
        let (worker, driver) = Client::new(worker_options().build()?);
        let worker_connection = smol::spawn(driver.run());
        step(worker.wait_connected()).await??;
        let mut queue = step(worker.subscribe(&jobs, QoS::AtLeastOnce)).await??;
        println!("worker: subscribed to {jobs}, acknowledging by hand");

        let producer_options = Options::builder().uri(broker.url()).build()?;
        let producer = step(Client::connect(producer_options)).await??;
        for job in ["job 1", "job 2", "job 3"] {
            step(producer.publish(&jobs, job, QoS::AtLeastOnce)).await??;
        }
        println!("producer: 3 jobs queued");

        let first = step(queue.next())
            .await?
            .ok_or("the worker's subscription ended")?;
        println!("worker: did {}, acknowledging it", payload(&first));
        step(worker.acknowledge(&first)).await??;

        let second = step(queue.next())
            .await?
            .ok_or("the worker's subscription ended")?;
        println!(
            "worker: crashed while doing {}: no acknowledgement",
            payload(&second)
        );
        worker_connection.cancel().await;

        // Second run: the same id and clean session off resume the session, and the broker
        // sends again every job it has no acknowledgement for.
        let (worker, driver) = Client::new(worker_options().build()?);
        let mut events = worker.events();
        let worker_connection = smol::spawn(driver.run());
        let mut left: BTreeSet<String> = ["job 2", "job 3"].map(String::from).into();
        while !left.is_empty() {
            match step(events.next()).await?.ok_or("the worker stopped")? {
                Event::Connected(connected) => {
                    println!(
                        "worker: back, session present: {}",
                        connected.session_present
                    );
                }
                Event::Message(job) => {
                    let again = if job.dup() { " (DUP: sent again)" } else { "" };
                    println!("worker: did {}{again}, acknowledging it", payload(&job));
                    step(worker.acknowledge(&job)).await??;
                    left.remove(payload(&job).as_str());
                }
                Event::Error(error) => return Err(error.into()),
                _ => {}
            }
        }
        println!("worker: every job done");
        step(worker.disconnect()).await??;
        // The driver ends once the DISCONNECT is sent.
        step(worker_connection).await??;

        // Leave nothing behind: a clean session discards the stored one.
        let cleanup = worker_options().clean(true).build()?;
        let worker = step(Client::connect(cleanup)).await??;
        step(worker.disconnect()).await??;
        step(producer.disconnect()).await??;
        Ok(())
    })
}

fn payload(message: &mqtt_kit_client::Message) -> String {
    String::from_utf8_lossy(message.payload()).into_owned()
}
