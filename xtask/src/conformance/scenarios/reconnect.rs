//! Scenario `reconnect`: the broker is killed and restarted while a client is connected.

use std::path::Path;
use std::time::{Duration, Instant};

use mqtt_kit_client::{Event, QoS};

use crate::conformance::client::{ARRIVAL_TIME, Peer, receive, within};
use crate::conformance::ctx::{Ctx, sleep};
use crate::conformance::outcome::{Context as _, Outcome, Problem, ensure, fail};

/// How long the broker stays down: long enough for several attempts with back-off.
const OUTAGE: Duration = Duration::from_secs(3);

/// The broker of `reconnect`: mosquitto as usual (its sessions die with it: no
/// persistence).
pub fn plain(_dir: &Path) -> String {
    String::new()
}

/// Scenario `reconnect`: the client reconnects with back-off, restores its subscriptions
/// and goes on receiving.
pub async fn reconnect(ctx: Ctx) -> Outcome {
    let broker = ctx.own_broker()?.clone();
    let mut client = Peer::connect(ctx.reconnecting("recon")?).await?;
    let topic = ctx.topic("TopicA");
    let mut subscription = client
        .client
        .subscribe(&topic, QoS::AtLeastOnce)
        .await
        .context("subscribe")?;
    publish_once(&ctx, &topic, "before").await?;
    receive(&mut subscription, 1, ARRIVAL_TIME, "before the restart").await?;

    broker.stop().map_err(Problem::Fail)?;
    let down = Instant::now();
    sleep(OUTAGE).await;
    let restarting = broker.clone();
    smol::unblock(move || restarting.restart())
        .await
        .map_err(Problem::Fail)?;

    // What the client tells between the loss and the new connection.
    let mut attempts = Vec::new();
    let mut lost = false;
    let reconnected = within(Duration::from_secs(15), async {
        while let Some(event) = client.events.next().await {
            match event {
                Event::Disconnected(_) => lost = true,
                Event::Reconnecting { delay, .. } => attempts.push(delay),
                Event::Connected(connected) => return Some(connected),
                Event::Closed => return None,
                _ => {}
            }
        }
        None
    })
    .await
    .flatten();
    let Some(connected) = reconnected else {
        fail!(
            "no new connection within 15 s of the restart ({} attempts: {attempts:?})",
            attempts.len()
        );
    };
    let outage = down.elapsed();
    ensure!(lost, "the client did not report the lost connection");
    ensure!(
        !connected.session_present,
        "session present after a broker restart without persistence"
    );
    // Back-off: several attempts during the outage, none in a tight loop, waits growing.
    ensure!(
        attempts.len() >= 2 && attempts.len() <= 12,
        "{} reconnection attempts in {:.1} s: expected a few, spaced by back-off",
        attempts.len(),
        outage.as_secs_f64()
    );
    ensure!(
        attempts.iter().all(|d| *d >= Duration::from_millis(50)),
        "a reconnection attempt came without waiting: {attempts:?}"
    );
    let longest = attempts.iter().max().copied().unwrap_or_default();
    ensure!(
        longest > attempts[0],
        "the waits between attempts did not grow: {attempts:?}"
    );

    // The subscription is restored: a new message reaches the same stream.
    publish_once(&ctx, &topic, "after").await?;
    let after = receive(&mut subscription, 1, ARRIVAL_TIME, "after the restart")
        .await
        .map_err(|problem| match problem {
            Problem::Fail(reason) => {
                Problem::Fail(format!("{reason}: the subscription was not restored"))
            }
            other => other,
        })?;
    ensure!(
        &after[0].payload()[..] == b"after",
        "after the restart the subscription got {:?}",
        after[0].payload()
    );
    ctx.note(format!(
        "Broker down {:.1} s; the client waited {:?} between attempts.",
        OUTAGE.as_secs_f64(),
        attempts
            .iter()
            .map(|d| format!("{:.2} s", d.as_secs_f64()))
            .collect::<Vec<_>>()
    ));
    client.disconnect().await
}

/// Publishes one message from a client of its own.
async fn publish_once(ctx: &Ctx, topic: &str, payload: &str) -> Result<(), Problem> {
    let publisher = ctx.publisher("pub").await?;
    publisher
        .client
        .publish(topic, payload.to_owned(), QoS::AtLeastOnce)
        .await
        .context("publish")?;
    publisher.disconnect().await
}
