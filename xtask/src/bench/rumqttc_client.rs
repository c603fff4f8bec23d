//! The same workloads with rumqttc 0.25 (default features off) on a multi-threaded tokio
//! runtime, used as its documentation says: an `AsyncClient` and an `EventLoop` per
//! connection, the event loop polled by a task of its own; what the subscriber receives and
//! what the publisher has acknowledged are counted from the events (the only place rumqttc
//! tells them), the publisher calls `publish_bytes` in the main task.
//!
//! Settings as close to our client's as rumqttc allows: 100 publishes in flight (its
//! default), Nagle off (ours is), packets up to 1 MiB (its default of 10 KiB cannot carry
//! the 64 KiB payloads), a request channel of 1 000 (our client queues 1 000 publishes plus
//! 64 on their way). The idle-memory workload uses rumqttc's defaults throughout.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, NetworkOptions, Outgoing, Packet};
use serde_json::Value;

use super::harness::{Acks, Pacer, Payloads, Runtime, Tallies, Window, lock, numbered_payloads};
use super::harness::{Arrivals, idle_report, timed_payload};
use super::job::{Job, Workload};
use super::ours::IN_FLIGHT;
use super::probe::resident_bytes;

const MAX_PACKET: usize = 1 << 20;
const REQUEST_CAPACITY: usize = 1000;
/// rumqttc's examples' channel capacity, for the idle clients.
const IDLE_REQUEST_CAPACITY: usize = 10;
const DISCONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Runs `job` with rumqttc; the JSON answer for the parent.
pub fn run(job: &Job) -> Result<Value, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?
        .block_on(workload(job))
}

async fn workload(job: &Job) -> Result<Value, String> {
    match job.workload {
        Workload::Throughput { qos, size, count } => {
            let payloads = numbered_payloads(size, count);
            delivery(job, qos, size, Some(payloads), None).await
        }
        Workload::Latency {
            qos, size, rate, ..
        } => {
            let pacer = Pacer::new(rate, job.workload.messages());
            delivery(job, qos, size, None, Some(pacer)).await
        }
        Workload::Idle { clients } => idle(job, clients).await,
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

fn qos_of(qos: mqtt_client::QoS) -> rumqttc::QoS {
    match qos {
        mqtt_client::QoS::AtMostOnce => rumqttc::QoS::AtMostOnce,
        mqtt_client::QoS::AtLeastOnce => rumqttc::QoS::AtLeastOnce,
        mqtt_client::QoS::ExactlyOnce => rumqttc::QoS::ExactlyOnce,
    }
}

async fn delivery(
    job: &Job,
    qos: mqtt_client::QoS,
    size: usize,
    payloads: Option<Payloads>,
    pacer: Option<Pacer>,
) -> Result<Value, String> {
    let qos = qos_of(qos);
    let expected = job.workload.messages();
    let base = Instant::now();
    let tallies = Tallies::new(expected, size, pacer.is_some(), base);

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

    let kept = payloads.as_ref().map(Payloads::keep);
    let window = Window::open();
    let mut published = 0;
    let mut send = async |payload| {
        published += 1;
        if publisher
            .publish_bytes(job.topic.as_str(), qos, false, payload)
            .await
            .is_err()
        {
            lock(&tallies.acks).record(false);
        }
    };
    if let Some(payloads) = payloads {
        for payload in payloads.each {
            send(payload).await;
        }
    }
    if let Some(mut pacer) = pacer {
        let mut seq = 0;
        loop {
            let due = pacer.due(Runtime::Tokio).await;
            if due == 0 {
                break;
            }
            for _ in 0..due {
                send(timed_payload(size, seq, base)).await;
                seq += 1;
            }
        }
    }
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

/// `count` idle clients: resident memory per client, past the first client's one-time costs.
async fn idle(job: &Job, count: usize) -> Result<Value, String> {
    let connect = async |role: &str| {
        let (client, event_loop) =
            AsyncClient::new(options(job, role, false), IDLE_REQUEST_CAPACITY);
        ready(drive(event_loop, Role::Idle)).await.map(|()| client)
    };
    let first = connect("idle-first").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = resident_bytes();
    let mut clients = Vec::with_capacity(count);
    for index in 0..count {
        clients.push(connect(&format!("idle-{index}")).await?);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = resident_bytes();
    let report = idle_report(count, before, after);
    clients.push(first);
    goodbye(&clients).await;
    Ok(report)
}
