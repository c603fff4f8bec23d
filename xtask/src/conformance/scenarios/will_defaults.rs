//! Scenario `will-defaults`: a will reaches a subscriber that uses the client's defaults
//! (on 5.0: topic aliases allowed, a Subscription Identifier per subscription), on its
//! subscription stream, once, with its full topic name: after a live message on the same
//! topic, so that a broker that uses aliases sends the will with its alias alone.

use mqtt_kit_client::{Event, QoS, TopicName, Will};

use crate::conformance::client::{ARRIVAL_TIME, Peer, QUIET_TIME, describe, drain, receive};
use crate::conformance::ctx::Ctx;
use crate::conformance::outcome::{Context as _, Outcome, ensure};
use crate::conformance::scenarios::wire::aliases_and_ids;

/// The will's payload.
const WILL: &str = "will to a subscriber with the defaults";

/// Scenario `will-defaults` (3.1.1 and 5.0).
pub async fn will_defaults(ctx: Ctx) -> Outcome {
    let topic = ctx.topic("defaults/will");
    let watching = ctx.proxy()?;
    let mut watcher = Peer::connect(ctx.options_via(&watching, "wdef")?).await?;
    let mut subscription = watcher
        .client
        .subscribe(&topic, QoS::AtLeastOnce)
        .await
        .context("subscribe to the will topic")?;

    let dying = ctx.proxy()?;
    let will = Will::new(
        TopicName::try_from(topic.as_str()).context("will topic")?,
        WILL,
        QoS::AtLeastOnce,
    );
    let mut client = Peer::connect(ctx.options_via(&dying, "dies")?.will(will)).await?;
    client
        .client
        .publish(&topic, "alive", QoS::AtLeastOnce)
        .await
        .context("publish before dying")?;
    let alive = receive(&mut subscription, 1, ARRIVAL_TIME, "the live message").await?;
    ensure!(
        &alive[0].payload()[..] == b"alive" && alive[0].topic() == topic,
        "the live message arrived as {}",
        describe(&alive[0])
    );
    // Cut off without DISCONNECT: the broker sends the will.
    dying.cut();
    client.kill();
    let mut got = receive(&mut subscription, 1, ARRIVAL_TIME, "the will").await?;
    got.extend(drain(&mut subscription, QUIET_TIME).await);
    ensure!(
        got.len() == 1 && &got[0].payload()[..] == WILL.as_bytes() && got[0].topic() == topic,
        "expected the will once on {topic}, got {:?}",
        got.iter().map(describe).collect::<Vec<_>>()
    );
    let stray = watcher
        .event(QUIET_TIME, |event| match event {
            Event::Message(m) => Some(describe(m)),
            _ => None,
        })
        .await;
    ensure!(
        stray.is_none(),
        "a message also came as Event::Message: {stray:?}"
    );
    if ctx.version.is_v5() {
        let (aliases, ids) = aliases_and_ids(&watching.tapped());
        ctx.note(format!(
            "Seen on the wire to the subscriber: topic aliases {aliases}, subscription \
             identifiers {ids}."
        ));
    }
    watcher.disconnect().await
}
