//! A newcomer's manual-acknowledgement worker, against a real mosquitto: it resumes its
//! session without subscribing again and without reading `Events` at first. The broker sends
//! the jobs it queued at once; none may be acknowledged on the application's behalf. They are
//! held for the first `Events` stream, and a job the application did not acknowledge is sent
//! again to the next run of the worker.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failure here is a failed test

use std::collections::BTreeSet;
use std::time::Duration;

use mqtt_kit_client::{Client, Event, Events, Options, QoS};
use mqtt_testkit::{Listener, Mosquitto};

mod support;
use support::within;

const JOBS: [&str; 4] = ["job 1", "job 2", "job 3", "job 4"];
const TOPIC: &str = "newcomer/jobs";

fn worker_options(broker: &Mosquitto) -> Options {
    Options::builder()
        .uri(format!("mqtt://127.0.0.1:{}", broker.port(0)))
        .id("newcomer-worker")
        .clean(false)
        .manual_ack(true)
        .build()
        .unwrap()
}

/// The payloads of the next `count` messages on `events`.
async fn jobs_from(events: &mut Events, count: usize) -> BTreeSet<String> {
    let mut jobs = BTreeSet::new();
    while jobs.len() < count {
        match within(events.next()).await.expect("the client ended") {
            Event::Message(message) => {
                jobs.insert(String::from_utf8_lossy(message.payload()).into_owned());
            }
            Event::Error(error) => panic!("the worker failed: {error}"),
            _ => {}
        }
    }
    jobs
}

#[test]
#[ignore = "needs mosquitto"]
fn a_resumed_manual_ack_session_acknowledges_nothing_unseen() {
    // Its debug log names every PUBACK it receives.
    let broker = Mosquitto::start_with_config(&[Listener::tcp()], "log_type debug\n");
    smol::block_on(async {
        // The worker's first run: its session and subscription, kept by the broker.
        let worker = within(Client::connect(worker_options(&broker)))
            .await
            .unwrap();
        let subscription = within(worker.subscribe(TOPIC, QoS::AtLeastOnce)).await;
        drop(subscription.unwrap());
        within(worker.disconnect()).await.unwrap();

        let producer_options = Options::builder()
            .uri(format!("mqtt://127.0.0.1:{}", broker.port(0)))
            .build()
            .unwrap();
        let producer = within(Client::connect(producer_options)).await.unwrap();
        for job in JOBS {
            within(producer.publish(TOPIC, job, QoS::AtLeastOnce))
                .await
                .unwrap();
        }
        within(producer.disconnect()).await.unwrap();

        // The newcomer's run: connected, no subscription, no stream. The broker sends the
        // four jobs now; a client that acknowledged what nobody claimed would do it here.
        let worker = within(Client::connect(worker_options(&broker)))
            .await
            .unwrap();
        smol::Timer::after(Duration::from_millis(500)).await;
        // The first Events stream gets the held jobs; the application reads them and
        // acknowledges none (it crashes, say).
        let mut events = worker.events();
        let held = jobs_from(&mut events, JOBS.len()).await;
        assert_eq!(held, JOBS.map(String::from).into());
        within(worker.disconnect()).await.unwrap();

        // The next run gets every job again: the broker never had a PUBACK for them.
        let (worker, driver) = Client::new(worker_options(&broker));
        let mut events = worker.events();
        smol::spawn(driver.run()).detach();
        let again = jobs_from(&mut events, JOBS.len()).await;
        assert_eq!(again, JOBS.map(String::from).into());
        within(worker.disconnect()).await.unwrap();
    });
    let log = broker.log();
    assert!(
        log.contains("Sending PUBLISH to newcomer-worker"),
        "no debug log:\n{log}"
    );
    assert!(
        !log.contains("Received PUBACK from newcomer-worker"),
        "mosquitto logged an acknowledgement that the application never gave:\n{log}"
    );
}
