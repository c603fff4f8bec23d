//! Numbered QoS 1 and QoS 2 messages from a publisher to a subscriber, both through the
//! fault proxy: connections cut every N publishes, then a delay on every chunk, then half-open
//! links (nothing forwarded, nothing closed) that the client must detect by itself.

use std::time::{Duration, Instant};

use mqtt_testkit::{Listener, Mosquitto};

use super::clients::{KEEP_ALIVE, Publisher, Subscriber, wait_until};
use super::plan::Plan;
use super::proxy::{FaultProxy, Mode};
use super::report::Outcome;
use super::settle::{close, settle};

const TEST: &str = "proxy";

/// Runs the test.
pub fn run(plan: &Plan, broker_config: &str) -> Result<Outcome, String> {
    Outcome::measure("proxy: cuts, delay, half-open", |outcome, _| {
        let broker = Mosquitto::start_with_config(&[Listener::tcp()], broker_config);
        let proxy = FaultProxy::start(broker.port(0)).map_err(|e| format!("proxy: {e}"))?;
        smol::block_on(async {
            let subscriber = Subscriber::start(&proxy.uri(), "chaos-proxy-sub", TEST).await?;
            let (mut publisher, links) = Publisher::start(&proxy.uri(), "chaos-proxy-pub", TEST)?;
            proxy.cut_every(plan.cut_every);

            // Cuts, through 80% of the messages; then a delay of 2 ms on every chunk.
            let cut_phase = plan.proxy_messages * 4 / 5;
            for number in 1..=plan.proxy_messages {
                if number == cut_phase + 1 {
                    proxy.cut_every(0);
                    proxy.set_mode(Mode::Delay(Duration::from_millis(2)));
                }
                publisher.send(number).await?;
            }
            proxy.set_mode(Mode::Forward);

            // Half-open links: a few messages go into the silent link; the client must find it
            // dead within 1.5 keep-alive intervals.
            let mut slowest: Option<Duration> = None;
            let mut undetected = 0;
            let mut next = plan.proxy_messages + 1;
            for _ in 0..plan.half_opens {
                // Let the link come up first: a half-open link needs a link.
                wait_until(Duration::from_secs(10), || links.is_up()).await;
                async_io::Timer::after(Duration::from_millis(500)).await;
                let since = Instant::now();
                proxy.set_mode(Mode::HalfOpen);
                for _ in 0..10 {
                    publisher.send(next).await?;
                    next += 1;
                }
                let limit = Duration::from_secs(u64::from(KEEP_ALIVE) * 5);
                wait_until(limit, || links.first_after(since, false).is_some()).await;
                match links.first_after(since, false) {
                    Some(at) => {
                        let took = at.duration_since(since);
                        slowest = Some(slowest.map_or(took, |s| s.max(took)));
                    }
                    None => undetected += 1,
                }
                proxy.set_mode(Mode::Forward);
            }

            settle(&mut publisher, &subscriber, outcome).await;
            outcome.faults = proxy.cuts() + u64::from(plan.half_opens);
            outcome.recover = links.longest_outage();
            let limit = Duration::from_millis(u64::from(KEEP_ALIVE) * 1500);
            outcome.goal(
            format!(
                "half-open link detected within 1.5 x keep alive ({} ms): slowest {}, {} not detected within 5 x",
                limit.as_millis(),
                slowest.map_or_else(|| "-".to_owned(), |s| format!("{} ms", s.as_millis())),
                undetected
            ),
            undetected == 0 && slowest.is_some_and(|s| s <= limit),
        );
            outcome.notes.push(format!(
            "{} connections cut (every {} publishes through a connection), then a 2 ms delay per chunk, then {} half-open episodes; keep alive {} s",
            proxy.cuts(),
            plan.cut_every,
            plan.half_opens,
            KEEP_ALIVE
        ));
            close(Some(&publisher), &subscriber).await;
            Ok::<(), String>(())
        })
    })
}
