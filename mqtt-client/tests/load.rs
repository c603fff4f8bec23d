//! Load: many clients on one thread (luamqtt's ioloop), and a task that publishes from inside
//! its message loop while 100,000 messages pour in, without deadlock. Against the small
//! in-process broker of `support::mini_broker`, so they run with nothing installed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use mqtt_kit_client::{Client, Options, Publish, QoS, TopicName};

#[macro_use]
mod support;
use support::mini_broker::MiniBroker;
use support::within;

fn options(broker: &MiniBroker, id: &str) -> Options {
    Options::builder().uri(broker.uri()).id(id).build().unwrap()
}

/// Two hundred clients, their drivers and their application tasks all on one
/// single-threaded executor: each subscribes to its own topic, publishes to it at QoS 1,
/// receives its message and disconnects.
#[test]
fn two_hundred_clients_on_one_thread() {
    const CLIENTS: usize = 200;
    let broker = MiniBroker::start();
    let executor = smol::LocalExecutor::new();
    let done = Rc::new(Cell::new(0));
    let thread = std::thread::current().id();
    let mut tasks = Vec::new();
    for n in 0..CLIENTS {
        let (client, driver) = Client::new(options(&broker, &format!("many-{n}")));
        tasks.push(executor.spawn(async move { driver.run().await.unwrap() }));
        let done = done.clone();
        tasks.push(executor.spawn(async move {
            let topic = format!("many/{n}");
            let mut subscription = within(client.subscribe(&topic, QoS::AtLeastOnce))
                .await
                .unwrap();
            within(client.publish(&topic, format!("hello {n}"), QoS::AtLeastOnce))
                .await
                .unwrap();
            let message = within(subscription.next()).await.unwrap();
            assert_eq!(&message.payload()[..], format!("hello {n}").as_bytes());
            assert_eq!(std::thread::current().id(), thread);
            within(client.disconnect()).await.unwrap();
            done.set(done.get() + 1);
        }));
    }
    async_io::block_on(executor.run(async {
        for task in tasks {
            task.await;
        }
    }));
    assert_eq!(done.get(), CLIENTS);
}

/// One task reads 100,000 messages and, inside its loop, publishes an answer to each at
/// QoS 1 and waits for its PUBACK, while the messages keep pouring in faster than it
/// answers (and a second subscription of its own fills up unread). Every answer arrives.
#[test]
fn publishing_from_inside_the_message_loop_under_load() {
    const MESSAGES: u32 = 100_000;
    let broker = MiniBroker::start();
    smol::block_on(async {
        let echo = Client::spawn(options(&broker, "echo"));
        let producer = Client::spawn(options(&broker, "producer"));
        let listener = Client::spawn(options(&broker, "listener"));
        let mut requests = within(echo.subscribe("in/#", QoS::AtLeastOnce))
            .await
            .unwrap();
        let unread = within(echo.subscribe("out/#", QoS::AtMostOnce))
            .await
            .unwrap();
        let mut answers = within(listener.subscribe("out/#", QoS::AtMostOnce))
            .await
            .unwrap();

        let flood = smol::spawn({
            let producer = producer.clone();
            async move {
                let topic = TopicName::try_from("in/load").unwrap();
                for n in 0..MESSAGES {
                    let message =
                        Publish::new(topic.clone(), n.to_be_bytes().to_vec(), QoS::AtMostOnce);
                    // Waits only for room in the queue; the handle is not needed.
                    drop(producer.enqueue(message).await.unwrap());
                }
            }
        });

        let answering = smol::spawn({
            let echo = echo.clone();
            async move {
                for expected in 0..MESSAGES {
                    let message = within(requests.next()).await.unwrap();
                    assert_eq!(&message.payload()[..], expected.to_be_bytes());
                    let published = within(echo.publish(
                        "out/load",
                        message.payload().clone(),
                        QoS::AtLeastOnce,
                    ))
                    .await
                    .unwrap();
                    assert_eq!(published.reason_code(), 0);
                }
            }
        });

        let mut received = 0u32;
        while received < MESSAGES {
            let message = within(answers.next()).await.unwrap();
            assert_eq!(&message.payload()[..], received.to_be_bytes());
            received += 1;
        }
        within(flood).await;
        within(answering).await;
        // The subscription nobody read kept every message too: the driver never waited.
        smol::Timer::after(Duration::from_millis(200)).await;
        assert_eq!(unread.len(), MESSAGES as usize);
        for client in [&echo, &producer, &listener] {
            within(client.disconnect()).await.unwrap();
        }
    });
}

/// A client spawned with its events stream sees every event from the first connection
/// attempt on, however fast the driver starts.
#[test]
fn spawn_with_events_sees_the_first_connection_attempt() {
    let broker = MiniBroker::start();
    smol::block_on(async {
        let (client, mut events) = Client::spawn_with_events(options(&broker, "first-events"));
        let first = within(events.next()).await.unwrap();
        assert!(
            matches!(first, mqtt_kit_client::Event::Connecting { attempt: 0, .. }),
            "{first:?}"
        );
        let second = within(events.next()).await.unwrap();
        assert!(
            matches!(second, mqtt_kit_client::Event::Connected(_)),
            "{second:?}"
        );
        within(client.disconnect()).await.unwrap();
    });
}
