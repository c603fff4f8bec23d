//! The broker stopped with SIGSTOP while the client publishes as fast as it can (without
//! waiting: `try_publish`): the client's memory must stay bounded (its queues are), and once
//! the broker continues (SIGCONT) everything accepted must arrive.

use std::time::{Duration, Instant};

use mqtt_testkit::{Listener, Mosquitto};
use rustix::process::{Pid, Signal, kill_process};

use super::clients::{Publisher, Subscriber};
use super::plan::Plan;
use super::report::Outcome;
use super::settle::{close, settle};

const TEST: &str = "brokerstop";

/// Memory may grow this much while the broker is stopped (the queues of the client, its
/// socket buffers, our own list of handles): beyond, it is taken as unbounded.
const BOUND_KIB: u64 = 64 * 1024;

fn signal(broker: &Mosquitto, signal: Signal) -> Result<(), String> {
    let pid = broker
        .pid()
        .and_then(|pid| Pid::from_raw(pid as i32))
        .ok_or("the broker is not running")?;
    // The PID of the broker this test started.
    kill_process(pid, signal).map_err(|e| format!("signal the broker: {e}"))
}

/// Runs the test.
pub fn run(plan: &Plan, broker_config: &str) -> Result<Outcome, String> {
    Outcome::measure("broker SIGSTOP, publishing flat out", |outcome, memory| {
        let broker = Mosquitto::start_with_config(&[Listener::tcp()], broker_config);
        let uri = format!("mqtt://127.0.0.1:{}", broker.port(0));
        smol::block_on(async {
            let subscriber = Subscriber::start(&uri, "chaos-brokerstop-sub", TEST).await?;
            let (mut publisher, _) = Publisher::start(&uri, "chaos-brokerstop-pub", TEST)?;
            let baseline = memory.last_kib();
            signal(&broker, Signal::STOP)?;
            let stopped = Instant::now();
            let window = Duration::from_secs(plan.stop_seconds);
            let mut number = 1;
            let mut refused = 0u64;
            let mut halfway = None;
            while stopped.elapsed() < window {
                if publisher.try_send(number)? {
                    number += 1;
                } else {
                    refused += 1;
                    // Full: let the driver run (a refused message is not accepted; it is tried
                    // again with the same number).
                    async_io::Timer::after(Duration::from_millis(1)).await;
                }
                if halfway.is_none() && stopped.elapsed() >= window / 2 {
                    halfway = Some(memory.last_kib());
                }
            }
            let end = memory.last_kib();
            signal(&broker, Signal::CONT)?;
            settle(&mut publisher, &subscriber, outcome).await;
            outcome.faults = 1;
            let growth = memory.peak_kib().saturating_sub(baseline);
            let late = end.saturating_sub(halfway.unwrap_or(end));
            outcome.goal(
            format!(
                "memory bounded while stopped: grew {growth} KiB in all (bound {BOUND_KIB}), {late} KiB in the second half"
            ),
            growth <= BOUND_KIB && late <= BOUND_KIB / 4,
        );
            outcome.notes.push(format!(
            "broker stopped {} s; {} publishes accepted, {refused} refused as the queue was full (WouldBlock)",
            plan.stop_seconds,
            outcome.accepted
        ));
            close(Some(&publisher), &subscriber).await;
            Ok::<(), String>(())
        })
    })
}
