//! The workloads with our client, on smol or on tokio, used as its documentation says: a
//! driver future per client spawned on the runtime (an executor run by `smol::block_on` on
//! the main thread, so that tasks and the reactor share it / `tokio::spawn`), the
//! subscriber's stream read by a task of its own, the publisher in the main task, pipelining
//! with [`Client::enqueue`] and awaiting each [`PublishHandle`] for the acknowledgement.
//!
//! Both clients keep at most 100 QoS 1/2 publishes in flight, as rumqttc does by default
//! and as mosquitto is configured for the bench.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mqtt_kit_client::{Client, Options, Publish, PublishHandle, QoS, TokioConnector, TopicName};
use serde_json::Value;

use super::feed::Feed;
use super::harness::{Runtime, Tallies, Window, lock};
use super::idle;
use super::job::{Arrival, Job, Workload};

/// Publishes in flight at once (rumqttc's default, mosquitto's setting in the bench).
pub const IN_FLIGHT: u16 = 100;
/// Finished publish handles the publisher may hold before it reads the oldest.
const HANDLES_HELD: usize = 1024;
/// How long a goodbye may take.
const DISCONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Runs `job` with our client on `runtime`; the JSON answer for the parent.
pub fn run(job: &Job, runtime: Runtime) -> Result<Value, String> {
    match runtime {
        Runtime::Smol => smol::block_on(SMOL_EXECUTOR.run(workload(job, runtime))),
        // Tokio's current-thread runtime: on this 2-core machine the faster set-up of a
        // client whose tasks all talk to each other (the multi-threaded one wakes threads
        // across cores: futex calls on every hand-over), as it is rumqttc's.
        Runtime::Tokio => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("tokio runtime: {e}"))?
            .block_on(workload(job, runtime)),
    }
}

async fn workload(job: &Job, runtime: Runtime) -> Result<Value, String> {
    let base = Instant::now();
    match (
        job.workload,
        job.workload.qos(),
        Feed::of(&job.workload, base),
    ) {
        (Workload::Idle { clients, arrival }, ..) => idle(job, runtime, clients, arrival).await,
        (_, Some(qos), Some(feed)) => delivery(job, runtime, qos, feed, base).await,
        _ => Err("no messages to send".into()),
    }
}

/// The smol executor of the child: run by the main thread, which also drives the reactor
/// while it waits (smol's single-threaded set-up; `smol::spawn` would put the tasks on a
/// thread of their own and wake it across threads for every readiness event).
static SMOL_EXECUTOR: smol::Executor<'static> = smol::Executor::new();

fn spawn(runtime: Runtime, future: impl Future<Output = ()> + Send + 'static) {
    match runtime {
        Runtime::Smol => SMOL_EXECUTOR.spawn(future).detach(),
        Runtime::Tokio => drop(tokio::spawn(future)),
    }
}

/// A connected client (its driver running on `runtime`).
async fn connect(job: &Job, runtime: Runtime, role: &str) -> Result<Client, String> {
    let mut options = Options::builder()
        .uri(format!("mqtt://{}", job.address))
        .id(format!("b{}-{role}", std::process::id()))
        .reconnect(false)
        .max_in_flight(IN_FLIGHT);
    if runtime == Runtime::Tokio {
        options = options.connector(Arc::new(TokioConnector));
    }
    let options = options.build().map_err(|e| format!("options: {e}"))?;
    let (client, driver) = Client::new(options);
    spawn(runtime, async move {
        let _ = driver.run().await;
    });
    // As an application waits (no events stream: the client makes no events then).
    client
        .wait_connected()
        .await
        .map_err(|error| format!("{role} did not connect: {error}"))?;
    Ok(client)
}

async fn delivery(
    job: &Job,
    runtime: Runtime,
    qos: QoS,
    feed: Feed,
    base: Instant,
) -> Result<Value, String> {
    let expected = job.workload.messages();
    let tallies = Tallies::new(expected, job.workload.size(), feed.timed(), base);
    let subscriber = connect(job, runtime, "sub").await?;
    let mut subscription = subscriber
        .subscribe(&job.topic, qos)
        .await
        .map_err(|e| format!("subscribe: {e}"))?;
    let arrivals = tallies.arrivals.clone();
    spawn(runtime, async move {
        while let Some(message) = subscription.next().await {
            lock(&arrivals).record(message.payload());
        }
    });
    let publisher = connect(job, runtime, "pub").await?;
    let topic = TopicName::try_from(job.topic.as_str()).map_err(|e| format!("topic: {e}"))?;

    let kept = feed.keep();
    let window = Window::open();
    let mut sender = Sender::new(&publisher, &tallies);
    feed.publish(runtime, async |payload| {
        sender.send(Publish::new(topic.clone(), payload, qos)).await;
    })
    .await;
    let published = sender.finish().await;
    tallies.wait(runtime).await;
    let report = window.close(&tallies, published);
    drop(kept);
    goodbye(runtime, &[publisher, subscriber]).await;
    Ok(report)
}

/// The publisher: hands messages to the client and reads their handles, oldest first.
struct Sender<'a> {
    client: &'a Client,
    tallies: &'a Tallies,
    handles: VecDeque<PublishHandle>,
    published: u64,
}

impl<'a> Sender<'a> {
    fn new(client: &'a Client, tallies: &'a Tallies) -> Self {
        Sender {
            client,
            tallies,
            handles: VecDeque::with_capacity(HANDLES_HELD),
            published: 0,
        }
    }

    async fn send(&mut self, publish: Publish) {
        self.published += 1;
        match self.client.enqueue(publish).await {
            Ok(handle) => self.handles.push_back(handle),
            Err(_) => lock(&self.tallies.acks).record(false),
        }
        if self.handles.len() >= HANDLES_HELD {
            self.read_oldest().await;
        }
    }

    async fn read_oldest(&mut self) {
        if let Some(handle) = self.handles.pop_front() {
            let ok = handle.await.is_ok();
            lock(&self.tallies.acks).record(ok);
        }
    }

    /// Reads every handle left; the number of messages published.
    async fn finish(mut self) -> u64 {
        while !self.handles.is_empty() {
            self.read_oldest().await;
        }
        self.published
    }
}

/// Disconnects, within a time limit (the figures are taken already).
async fn goodbye(runtime: Runtime, clients: &[Client]) {
    let all = async {
        for client in clients {
            let _ = client.disconnect().await;
        }
    };
    let limit = runtime.sleep_until(Instant::now() + DISCONNECT_TIMEOUT);
    futures_lite::future::or(all, limit).await;
}

/// `count` idle clients, connecting as `arrival` says: resident memory per client.
async fn idle(
    job: &Job,
    runtime: Runtime,
    count: usize,
    arrival: Arrival,
) -> Result<Value, String> {
    let connect_one = |role: String| {
        let job = job.clone();
        async move { connect(&job, runtime, &role).await }
    };
    let idle = idle::measure(runtime, count, arrival, connect_one, |task| {
        spawn(runtime, task);
    })
    .await?;
    goodbye(runtime, &idle.clients).await;
    Ok(idle.report)
}
