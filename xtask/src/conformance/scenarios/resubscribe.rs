//! Scenarios about subscription handles that users trip on: subscribing twice to the same
//! filter (`resubscribe`) and dropping a `Subscription` at once (`dropped-subscription`).
//! Both compare what the application got with what the broker sent, seen through the
//! proxy: the client may neither lose a message nor make two of one.

use std::time::{Duration, Instant};

use mqtt_kit_client::{Event, Events, Message, QoS, Subscription};

use crate::conformance::client::{ARRIVAL_TIME, Peer, QUIET_TIME, describe, message, within};
use crate::conformance::ctx::Ctx;
use crate::conformance::outcome::{Context as _, Outcome, Problem, ensure};
use crate::conformance::proxy::Tapped;
use crate::conformance::scenarios::wire::publishes_of;

/// The retained message's payload.
const RETAINED: &str = "retained before";
/// The live message's payload.
const LIVE: &str = "live after";

/// Publishes `payload` to `topic` at QoS 1 from a client of its own.
async fn publish(ctx: &Ctx, topic: &str, payload: &str, retain: bool) -> Result<(), Problem> {
    let publisher = ctx.publisher("pub").await?;
    publisher
        .client
        .publish_message(message(
            topic,
            payload.to_owned(),
            QoS::AtLeastOnce,
            retain,
        )?)
        .await
        .context(&format!("publish {payload:?}"))?;
    publisher.disconnect().await
}

/// Everything the application gets, from each subscription stream and from `events` as
/// `Event::Message`: until nothing more came for the quiet time (the first within `limit`).
async fn collect(
    subscriptions: &mut [Subscription],
    events: &mut Events,
    limit: Duration,
) -> Vec<(String, Message)> {
    let started = Instant::now();
    let mut last = None::<Instant>;
    let mut got = Vec::new();
    let step = QUIET_TIME / 10;
    loop {
        let quiet = last.map_or(started.elapsed() >= limit, |t| t.elapsed() >= QUIET_TIME);
        if quiet || started.elapsed() >= limit + QUIET_TIME {
            return got;
        }
        // Polls every source in turn for a short while: dropping `next()` loses nothing.
        for (index, subscription) in subscriptions.iter_mut().enumerate() {
            if let Some(Some(m)) = within(step, subscription.next()).await {
                got.push((format!("subscription {}", index + 1), m));
                last = Some(Instant::now());
            }
        }
        if let Some(Some(Event::Message(m))) = within(step, events.next()).await {
            got.push(("Event::Message".to_owned(), m));
            last = Some(Instant::now());
        }
    }
}

/// How many times the application got `payload`, and where.
fn deliveries(got: &[(String, Message)], payload: &str) -> Vec<String> {
    got.iter()
        .filter(|(_, m)| &m.payload()[..] == payload.as_bytes())
        .map(|(place, m)| format!("{place}: {}", describe(m)))
        .collect()
}

/// Checks that the application got the retained and the live message as often as the
/// broker sent each (`how`: where the application was to get them).
fn each_as_often_as_sent(
    tapped: &[Tapped],
    got: &[(String, Message)],
    how: &str,
) -> Result<(), Problem> {
    for payload in [RETAINED, LIVE] {
        let sent = publishes_of(tapped, payload);
        let delivered = deliveries(got, payload);
        ensure!(
            sent >= 1,
            "the broker never sent {payload:?} (seen on the wire)"
        );
        ensure!(
            delivered.len() == sent,
            "{payload:?}: the broker sent it in {sent} PUBLISH packet(s) (seen on the wire), \
             the application got it {} time(s) {how}: {delivered:?}",
            delivered.len()
        );
    }
    Ok(())
}

/// Scenario `resubscribe`: a client subscribes to a filter it is already subscribed to; each
/// retained and live message reaches the application once per PUBLISH the broker sent it
/// in (one per broker-side subscription: a second SUBSCRIBE to the same filter replaces
/// the first [MQTT-3.8.4-3]), never twice from one PUBLISH.
pub async fn resubscribe(ctx: Ctx) -> Outcome {
    let topic = ctx.topic("again");
    publish(&ctx, &topic, RETAINED, true).await?;
    let proxy = ctx.proxy()?;
    let peer = Peer::connect(ctx.options_via(&proxy, "resub")?).await?;
    let mut events = peer.client.events();
    let mut subscriptions = Vec::new();
    for attempt in ["first", "second"] {
        subscriptions.push(
            peer.client
                .subscribe(&topic, QoS::AtLeastOnce)
                .await
                .context(&format!("{attempt} subscribe"))?,
        );
    }
    publish(&ctx, &topic, LIVE, false).await?;
    let got = collect(&mut subscriptions, &mut events, ARRIVAL_TIME).await;
    let tapped = proxy.tapped();
    each_as_often_as_sent(
        &tapped,
        &got,
        "from its two subscription streams and Events",
    )?;
    ctx.note(format!(
        "The broker sent the retained message {} time(s) and the live one {} time(s) (seen \
         on the wire); each reached the application as often.",
        publishes_of(&tapped, RETAINED),
        publishes_of(&tapped, LIVE)
    ));
    drop(subscriptions);
    peer.disconnect().await
}

/// Scenario `dropped-subscription`: a `Subscription` dropped right after `subscribe`
/// returns loses nothing the broker delivered: the retained and the live message reach the
/// application as `Event::Message` (mqtt-kit-client's documentation: a message that no live
/// subscription stream takes is an `Event::Message`).
pub async fn dropped_subscription(ctx: Ctx) -> Outcome {
    let topic = ctx.topic("dropped");
    publish(&ctx, &topic, RETAINED, true).await?;
    let proxy = ctx.proxy()?;
    let peer = Peer::connect(ctx.options_via(&proxy, "drop")?).await?;
    let mut events = peer.client.events();
    let subscription = peer
        .client
        .subscribe(&topic, QoS::AtLeastOnce)
        .await
        .context("subscribe")?;
    drop(subscription);
    publish(&ctx, &topic, LIVE, false).await?;
    let got = collect(&mut [], &mut events, ARRIVAL_TIME).await;
    let tapped = proxy.tapped();
    each_as_often_as_sent(
        &tapped,
        &got,
        "as Event::Message, its Subscription dropped at once",
    )?;
    peer.disconnect().await
}
