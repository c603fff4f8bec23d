//! The idle-memory workload, the same for every client: resident memory per connected idle
//! client, past the one-time costs the first client pays (the runtime, shared pools), with
//! the clients connecting one at a time or all at once.
//!
//! All at once, each connection is made by a task of its own, spawned together, as an
//! application would reconnect a fleet: whatever a client holds only while connecting
//! (buffers, timers, the connecting task) overlaps across clients, and the runtime's own
//! structures grow to the peak. A client that could not connect in the rush is counted and
//! reported, not retried; the memory is per client that did connect.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::harness::Runtime;
use super::job::Arrival;
use super::probe::resident_bytes;

/// A task for the client's runtime.
pub type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

/// How long the first client settles before the memory is read.
const SETTLE_FIRST: Duration = Duration::from_millis(300);
/// How long the others settle (their tasks finish connecting, allocators release).
const SETTLE_ALL: Duration = Duration::from_millis(500);

/// The figures of one run, and the clients, for the caller to disconnect.
pub struct Idle<C> {
    /// The child's JSON answer.
    pub report: Value,
    /// Every connected client, the first included.
    pub clients: Vec<C>,
}

/// Connects `count` clients with `connect` (its argument is a role for the client id),
/// spawning with `spawn` when they connect all at once; resident memory per client.
pub async fn measure<C, F, Fut>(
    runtime: Runtime,
    count: usize,
    arrival: Arrival,
    connect: F,
    spawn: impl Fn(Task),
) -> Result<Idle<C>, String>
where
    C: Send + 'static,
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<C, String>> + Send + 'static,
{
    let first = connect("idle-first".into()).await?;
    runtime.sleep_until(Instant::now() + SETTLE_FIRST).await;
    let before = resident_bytes();
    let started = Instant::now();
    let mut clients = Vec::with_capacity(count + 1);
    let mut failures = Vec::new();
    match arrival {
        Arrival::OneAtATime => {
            for index in 0..count {
                clients.push(connect(format!("idle-{index}")).await?);
            }
        }
        Arrival::AllAtOnce => {
            let (results, outcomes) = async_channel::unbounded();
            for index in 0..count {
                let connecting = connect(format!("idle-{index}"));
                let results = results.clone();
                spawn(Box::pin(async move {
                    let _ = results.send(connecting.await).await;
                }));
            }
            drop(results);
            while let Ok(outcome) = outcomes.recv().await {
                match outcome {
                    Ok(client) => clients.push(client),
                    Err(error) => failures.push(error),
                }
            }
        }
    }
    let connect_s = started.elapsed().as_secs_f64();
    runtime.sleep_until(Instant::now() + SETTLE_ALL).await;
    let after = resident_bytes();
    if clients.is_empty() && count > 0 {
        let why = failures.first().map_or("", String::as_str);
        return Err(format!("none of {count} clients connected: {why}"));
    }
    let report = report(count, clients.len(), &failures, connect_s, (before, after));
    clients.push(first);
    Ok(Idle { report, clients })
}

/// The report of an idle-clients run: resident memory before and after, per connected client.
fn report(
    count: usize,
    connected: usize,
    failures: &[String],
    connect_s: f64,
    (before, after): (u64, u64),
) -> Value {
    json!({
        "clients": count,
        "connected": connected,
        "not_connected": failures.len(),
        "first_error": failures.first(),
        "connect_s": connect_s,
        "rss_before": before,
        "rss_after": after,
        "bytes_per_client": after.saturating_sub(before) as f64 / connected.max(1) as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_that_did_not_connect_are_counted_not_charged() {
        let value = report(
            4,
            2,
            &["refused".into(), "refused".into()],
            0.1,
            (1000, 3048),
        );
        assert_eq!(value["bytes_per_client"], 1024.0);
        assert_eq!(value["not_connected"], 2);
        assert_eq!(value["first_error"], "refused");
    }

    #[test]
    fn all_at_once_connects_every_client_on_tasks() {
        static EXECUTOR: smol::Executor<'static> = smol::Executor::new();
        let idle = smol::block_on(EXECUTOR.run(measure(
            Runtime::Smol,
            5,
            Arrival::AllAtOnce,
            |role| async move {
                if role == "idle-3" {
                    Err("refused".to_string())
                } else {
                    Ok(role)
                }
            },
            |task| EXECUTOR.spawn(task).detach(),
        )))
        .unwrap();
        assert_eq!(idle.clients.len(), 5);
        assert_eq!(idle.report["not_connected"], 1);
    }
}
