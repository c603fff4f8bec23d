//! mosquitto killed with SIGKILL at random moments while a publisher sends numbered messages
//! to a subscriber, and started again on the same port from its persistence file (saved at
//! every change).

use std::time::{Duration, Instant};

use mqtt_testkit::{Listener, Mosquitto, TempDir};

use super::clients::{Links, Publisher, Subscriber, wait_until};
use super::plan::Plan;
use super::report::Outcome;
use super::settle::{close, settle};

const TEST: &str = "brokerkill";

/// Runs the test.
pub fn run(plan: &Plan, broker_config: &str) -> Result<Outcome, String> {
    Outcome::measure("broker kill -9 and restart", |outcome, _| {
        let store = TempDir::new("chaos-broker-store").map_err(|e| e.to_string())?;
        // mosquitto started as root drops to its own user: it must be able to write here (else
        // every save fails, logged as "Permission denied", and a restart loses every session).
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(store.path(), std::fs::Permissions::from_mode(0o777))
                .map_err(|e| format!("{}: {e}", store.path().display()))?;
        }
        let config = format!(
            "{broker_config}persistence true\npersistence_location {}/\nautosave_interval 1\nautosave_on_changes true\n",
            store.path().display()
        );
        let mut broker = Mosquitto::start_with_config(&[Listener::tcp()], &config);
        let uri = format!("mqtt://127.0.0.1:{}", broker.port(0));
        smol::block_on(async {
            let subscriber = Subscriber::start(&uri, "chaos-brokerkill-sub", TEST).await?;
            let (mut publisher, links) = Publisher::start(&uri, "chaos-brokerkill-pub", TEST)?;
            let subscriber_links = Links::watch(&subscriber.client);
            let per_kill = plan.broker_messages / (u64::from(plan.broker_kills) + 1);
            let mut number = 1;
            let mut kills = 0;
            let mut longest: Option<Duration> = None;
            for _ in 0..plan.broker_kills {
                for _ in 0..per_kill {
                    publisher.send(number).await?;
                    number += 1;
                }
                // Killed at a random moment while messages are in flight.
                async_io::Timer::after(Duration::from_millis(fastrand::u64(0..100))).await;
                broker.stop();
                kills += 1;
                async_io::Timer::after(Duration::from_millis(fastrand::u64(50..300))).await;
                let restarted = Instant::now();
                broker.restart();
                wait_until(Duration::from_secs(30), || {
                    links.first_after(restarted, true).is_some()
                })
                .await;
                if let Some(up) = links.first_after(restarted, true) {
                    let took = up.duration_since(restarted);
                    longest = Some(longest.map_or(took, |l| l.max(took)));
                }
            }
            while number <= plan.broker_messages {
                publisher.send(number).await?;
                number += 1;
            }
            settle(&mut publisher, &subscriber, outcome).await;
            outcome.broker_kill_goals();
            outcome.faults = kills;
            outcome.recover = longest;
            outcome.notes.push(format!(
            "{kills} kills with SIGKILL, restart on the same port after 50-300 ms; mosquitto persistence saved at every change; recover = from the restart to the publisher's next CONNACK"
        ));
            let (present, all) = subscriber_links.sessions_present();
            let (pub_present, pub_all) = links.sessions_present();
            outcome.notes.push(format!(
            "after the restarts the broker still had the subscriber's session in {present} of {all} connections, the publisher's in {pub_present} of {pub_all} (the first connection of each makes it)"
        ));
            outcome.notes.push(format!(
                "subscriber: {:?}; publisher: {:?}",
                subscriber_links.reasons(),
                links.reasons()
            ));
            close(Some(&publisher), &subscriber).await;
            Ok::<(), String>(())
        })
    })
}
