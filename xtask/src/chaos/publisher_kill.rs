//! A publisher process that uses the durable store, killed with SIGKILL at random moments
//! and started again with the same store, until it has published every number; a
//! subscriber counts what arrives. "Accepted" is what the publisher recorded after its
//! `enqueue` returned.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mqtt_testkit::{Listener, Mosquitto, TempDir};

use super::clients::{Subscriber, wait_until};
use super::memory::rss_kib;
use super::plan::Plan;
use super::publisher_process::last_accepted;
use super::report::Outcome;
use super::settle::{close, count};

const TEST: &str = "pubkill";

/// Starts publisher run `attempt`: odd runs publish in a burst, even ones paced.
fn spawn(uri: &str, dir: &Path, last: u64, attempt: u32) -> Result<Child, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current exe: {e}"))?;
    Command::new(exe)
        .arg("chaos-publisher")
        .arg(uri)
        .arg(dir.join("publisher.store"))
        .arg(dir.join("accepted"))
        .arg(last.to_string())
        .arg(attempt.to_string())
        .arg(if attempt % 2 == 1 { "burst" } else { "paced" })
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("start the publisher: {e}"))
}

/// Runs the test.
pub fn run(plan: &Plan, broker_config: &str) -> Result<Outcome, String> {
    Outcome::measure("publisher kill -9 (durable store)", |outcome, _| {
        let broker = Mosquitto::start_with_config(&[Listener::tcp()], broker_config);
        let uri = format!("mqtt://127.0.0.1:{}", broker.port(0));
        let dir = TempDir::new("chaos-publisher").map_err(|e| e.to_string())?;
        let mut kills = 0;
        let mut attempt = 0;
        let mut child_peak = 0;
        let mut longest_restart: Option<Duration> = None;
        smol::block_on(async {
            let subscriber = Subscriber::start(&uri, "chaos-pubkill-sub", TEST).await?;
            let mut recoveries = Vec::new();
            for _ in 0..plan.publisher_kills {
                if last_accepted(&dir.path().join("accepted")) >= plan.publisher_messages {
                    // Nothing left to publish, nothing to kill.
                    break;
                }
                let restarted = Instant::now();
                let mut child = spawn(&uri, dir.path(), plan.publisher_messages, attempt)?;
                // Killed at a random moment once its messages arrive.
                wait_until(Duration::from_secs(10), || {
                    subscriber.tally.first_of_attempt(attempt).is_some()
                        || matches!(child.try_wait(), Ok(Some(_)))
                })
                .await;
                if let Some(first) = subscriber.tally.first_of_attempt(attempt) {
                    let took = first.duration_since(restarted);
                    recoveries.push(took.as_millis());
                    longest_restart = Some(longest_restart.map_or(took, |l| l.max(took)));
                }
                attempt += 1;
                async_io::Timer::after(Duration::from_millis(fastrand::u64(0..400))).await;
                if let Some(kib) = rss_kib(&child.id().to_string()) {
                    child_peak = child_peak.max(kib);
                }
                if matches!(child.try_wait(), Ok(None)) {
                    // SIGKILL to the PID of the child started above, and only to it.
                    let _ = child.kill();
                    kills += 1;
                }
                let _ = child.wait();
            }
            // The last run publishes what is left and ends by itself.
            let mut child = spawn(&uri, dir.path(), plan.publisher_messages, attempt)?;
            let finished = wait_until(Duration::from_secs(120), || {
                matches!(child.try_wait(), Ok(Some(_)))
            })
            .await;
            let status = if finished {
                child.wait().ok()
            } else {
                let _ = child.kill();
                let _ = child.wait();
                None
            };
            let accepted = last_accepted(&dir.path().join("accepted"));
            let numbers: Vec<u64> = (1..=accepted).collect();
            count(&subscriber.tally, &numbers, outcome).await;
            outcome.sent = plan.publisher_messages;
            outcome.faults = kills;
            outcome.recover = longest_restart;
            outcome.goal(
                format!("the last run finishes by itself (exit: {status:?})"),
                status.is_some_and(|s| s.success()) && accepted == plan.publisher_messages,
            );
            outcome.notes.push(format!(
            "{kills} kills with SIGKILL at random moments (runs alternately paced at about 1,000 messages/s and in bursts as fast as the client accepts); recoveries {recoveries:?} ms; accepted = the publisher's enqueue returned (recorded, fsynced, after each); recover = from a start of the process to the first of its new messages at the subscriber; publisher process peak memory {} KiB",
            child_peak
        ));
            close(None, &subscriber).await;
            Ok::<(), String>(())
        })
    })
}
