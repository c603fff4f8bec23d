//! The same workloads with rumqttc 0.25 (default features off) on tokio, on its
//! multi-threaded runtime (rumqttc's documented set-up, `#[tokio::main]`) or on its
//! current-thread runtime (often the faster on a machine with few cores: no work stealing,
//! no cross-thread wake-ups), used as its documentation says: an `AsyncClient` and an
//! `EventLoop` per connection, the event loop polled by a task of its own; what the
//! subscriber receives and what the publisher has acknowledged are counted from the events
//! (the only place rumqttc tells them), the publisher calls `publish_bytes` in the main task.
//!
//! Settings as close to our client's as rumqttc allows: 100 publishes in flight (its
//! default), Nagle off (ours is), packets up to 1 MiB (its default of 10 KiB cannot carry
//! the 64 KiB payloads), a request channel of 1 000 (our client queues 1 000 publishes plus
//! 64 on their way). The idle-memory workload uses rumqttc's defaults throughout.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, NetworkOptions, Outgoing, Packet};
use serde_json::Value;

use super::feed::Feed;
use super::harness::{Acks, Arrivals, Runtime, Tallies, Window, lock};
use super::idle;
use super::job::{Arrival, Job, Workload};
use super::ours::IN_FLIGHT;

const MAX_PACKET: usize = 1 << 20;
const REQUEST_CAPACITY: usize = 1000;
/// rumqttc's examples' channel capacity, for the idle clients.
const IDLE_REQUEST_CAPACITY: usize = 10;
const DISCONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Which tokio runtime rumqttc runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `Builder::new_multi_thread` (a worker a core).
    MultiThread,
    /// `Builder::new_current_thread`: every task on the main thread.
    CurrentThread,
}

/// Runs `job` with rumqttc on a tokio runtime of `flavor`; the JSON answer for the parent.
pub fn run(job: &Job, flavor: Flavor) -> Result<Value, String> {
    let mut builder = match flavor {
        Flavor::MultiThread => tokio::runtime::Builder::new_multi_thread(),
        Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
    };
    builder
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?
        .block_on(workload(job))
}

async fn workload(job: &Job) -> Result<Value, String> {
    let base = Instant::now();
    match (
        job.workload,
        job.workload.qos(),
        Feed::of(&job.workload, base),
    ) {
        (Workload::Idle { clients, arrival }, ..) => idle(job, clients, arrival).await,
        (_, Some(qos), Some(feed)) => delivery(job, qos_of(qos), feed, base).await,
        _ => Err("no messages to send".into()),
    }
}

fn options(job: &Job, role: &str, tuned: bool) -> MqttOptions {
    let mut options = MqttOptions::new(
        format!("r{}-{role}", std::process::id()),
        job.address.ip().to_string(),
        job.address.port(),
    );
    if tuned {
        options.set_max_packet_size(MAX_PACKET, MAX_PACKET);
        options.set_inflight(IN_FLIGHT);
    }
    options
}

fn event_loop(mut event_loop: EventLoop) -> EventLoop {
    let mut network = NetworkOptions::new();
    network.set_tcp_nodelay(true);
    event_loop.set_network_options(network);
    event_loop
}

/// What the event-loop task of a connection does with each event.
#[derive(Clone)]
enum Role {
    Subscriber(Arc<Mutex<Arrivals>>),
    Publisher(rumqttc::QoS, Arc<Mutex<Acks>>),
    Idle,
}

/// Polls `event_loop` on a task of its own: the returned channel says when the connection
/// is ready (CONNACK, and for a subscriber its SUBACK) or why it failed.
fn drive(mut event_loop: EventLoop, role: Role) -> async_channel::Receiver<Result<(), String>> {
    let (ready, ready_receiver) = async_channel::bounded(1);
    tokio::spawn(async move {
        loop {
            match event_loop.poll().await {
                Ok(Event::Incoming(Packet::Publish(publish))) => {
                    if let Role::Subscriber(arrivals) = &role {
                        lock(arrivals).record(&publish.payload);
                    }
                }
                Ok(Event::Incoming(Packet::PubAck(_))) => {
                    if let Role::Publisher(rumqttc::QoS::AtLeastOnce, acks) = &role {
                        lock(acks).record(true);
                    }
                }
                Ok(Event::Incoming(Packet::PubComp(_))) => {
                    if let Role::Publisher(rumqttc::QoS::ExactlyOnce, acks) = &role {
                        lock(acks).record(true);
                    }
                }
                Ok(Event::Outgoing(Outgoing::Publish(_))) => {
                    if let Role::Publisher(rumqttc::QoS::AtMostOnce, acks) = &role {
                        lock(acks).record(true);
                    }
                }
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    if !matches!(role, Role::Subscriber(_)) {
                        let _ = ready.try_send(Ok(()));
                    }
                }
                Ok(Event::Incoming(Packet::SubAck(_))) => {
                    let _ = ready.try_send(Ok(()));
                }
                Ok(_) => {}
                Err(error) => {
                    let _ = ready.try_send(Err(error.to_string()));
                    return;
                }
            }
        }
    });
    ready_receiver
}

async fn ready(receiver: async_channel::Receiver<Result<(), String>>) -> Result<(), String> {
    receiver
        .recv()
        .await
        .unwrap_or_else(|_| Err("event loop ended".into()))
}

fn qos_of(qos: mqtt_kit_client::QoS) -> rumqttc::QoS {
    match qos {
        mqtt_kit_client::QoS::AtMostOnce => rumqttc::QoS::AtMostOnce,
        mqtt_kit_client::QoS::AtLeastOnce => rumqttc::QoS::AtLeastOnce,
        mqtt_kit_client::QoS::ExactlyOnce => rumqttc::QoS::ExactlyOnce,
    }
}

async fn delivery(
    job: &Job,
    qos: rumqttc::QoS,
    feed: Feed,
    base: Instant,
) -> Result<Value, String> {
    let expected = job.workload.messages();
    let tallies = Tallies::new(expected, job.workload.size(), feed.timed(), base);

    let (subscriber, sub_loop) = AsyncClient::new(options(job, "sub", true), REQUEST_CAPACITY);
    let sub_ready = drive(
        event_loop(sub_loop),
        Role::Subscriber(tallies.arrivals.clone()),
    );
    subscriber
        .subscribe(job.topic.as_str(), qos)
        .await
        .map_err(|e| format!("subscribe: {e}"))?;
    ready(sub_ready).await?;
    let (publisher, pub_loop) = AsyncClient::new(options(job, "pub", true), REQUEST_CAPACITY);
    let pub_ready = drive(
        event_loop(pub_loop),
        Role::Publisher(qos, tallies.acks.clone()),
    );
    ready(pub_ready).await?;

    let kept = feed.keep();
    let window = Window::open();
    let published = feed
        .publish(Runtime::Tokio, async |payload| {
            if publisher
                .publish_bytes(job.topic.as_str(), qos, false, payload)
                .await
                .is_err()
            {
                lock(&tallies.acks).record(false);
            }
        })
        .await;
    tallies.wait(Runtime::Tokio).await;
    let report = window.close(&tallies, published);
    drop(kept);
    goodbye(&[publisher, subscriber]).await;
    Ok(report)
}

async fn goodbye(clients: &[AsyncClient]) {
    let all = async {
        for client in clients {
            let _ = client.disconnect().await;
        }
    };
    let _ = tokio::time::timeout(DISCONNECT_TIMEOUT, all).await;
}

/// `count` idle clients, connecting as `arrival` says: resident memory per client.
async fn idle(job: &Job, count: usize, arrival: Arrival) -> Result<Value, String> {
    let connect = |role: String| {
        let options = options(job, &role, false);
        async move {
            let (client, event_loop) = AsyncClient::new(options, IDLE_REQUEST_CAPACITY);
            ready(drive(event_loop, Role::Idle)).await.map(|()| client)
        }
    };
    let idle = idle::measure(Runtime::Tokio, count, arrival, connect, |task| {
        drop(tokio::spawn(task));
    })
    .await?;
    goodbye(&idle.clients).await;
    Ok(idle.report)
}
