//! Scenario `manual-ack-resume`: a persistent session with manual acknowledgement is
//! resumed by a new client that subscribes to nothing and has no Events stream yet; the
//! broker sends the messages it queued at once. None may be acknowledged unseen: a PUBACK
//! goes only for a message the application got (here through an Events stream made
//! afterwards) and acknowledged.

use std::time::Duration;

use mqtt_kit_client::{OptionsBuilder, QoS};

use crate::conformance::client::{ARRIVAL_TIME, Peer, event_messages};
use crate::conformance::ctx::{Ctx, sleep};
use crate::conformance::outcome::{Context as _, Outcome, Problem, ensure};
use crate::conformance::proxy::Proxy;
use crate::conformance::scenarios::wire::{acknowledged, packet_ids_of};

/// The queued messages.
const QUEUED: [&str; 2] = ["queued one", "queued two"];

/// Scenario `manual-ack-resume` (3.1.1 and 5.0).
pub async fn manual_ack_resume(ctx: Ctx) -> Outcome {
    let id = ctx.client_id("mack");
    let topic = ctx.topic("manual");
    let persistent = |options: OptionsBuilder| -> OptionsBuilder {
        let options = options.id(id.clone()).clean(false).manual_ack(true);
        if ctx.version.is_v5() {
            options.session_expiry_interval(60)
        } else {
            options
        }
    };
    let first = Peer::connect(persistent(ctx.options("mack")?)).await?;
    let subscription = first
        .client
        .subscribe(&topic, QoS::AtLeastOnce)
        .await
        .context("subscribe")?;
    drop(subscription);
    first.disconnect().await?;

    let publisher = ctx.publisher("pub").await?;
    for payload in QUEUED {
        publisher
            .client
            .publish(&topic, payload, QoS::AtLeastOnce)
            .await
            .context("publish while the session is offline")?;
    }
    publisher.disconnect().await?;

    let proxy = ctx.proxy()?;
    // A client with no stream of any kind while the broker sends what it queued: the
    // application cannot have seen those messages.
    let options = persistent(ctx.options_via(&proxy, "mack")?)
        .build()
        .context("options")?;
    let (client, driver) = mqtt_kit_client::Client::new(options);
    let _driver = crate::conformance::client::spawn(async move {
        let _ = driver.run().await;
    })?;
    let sent = wait_sent(&proxy).await?;
    // Time for a client that acknowledges on its own to do so.
    sleep(Duration::from_millis(700)).await;
    let early = acked_of(&proxy, &sent);
    ensure!(
        early.is_empty(),
        "the client acknowledged packet(s) {early:?} (of {sent:?}) that the application \
         had not seen: manual acknowledgement, a resumed session, no subscription and no \
         Events stream yet (seen on the wire)"
    );
    // An Events stream now: what comes through it is seen, and acknowledged by hand.
    let mut events = client.events();
    let seen = event_messages(
        &mut events,
        QUEUED.len(),
        ARRIVAL_TIME,
        "the queued messages",
    )
    .await
    .unwrap_or_default();
    for message in &seen {
        client.acknowledge(message).await.context("acknowledge")?;
    }
    sleep(Duration::from_millis(700)).await;
    let tapped = proxy.tapped();
    let seen_ids: Vec<u16> = seen
        .iter()
        .flat_map(|m| packet_ids_of(&tapped, &String::from_utf8_lossy(m.payload())))
        .collect();
    let unseen: Vec<u16> = acked_of(&proxy, &sent)
        .into_iter()
        .filter(|id| !seen_ids.contains(id))
        .collect();
    ensure!(
        unseen.is_empty(),
        "the client acknowledged packet(s) {unseen:?} that the application never got \
         (the broker sent {sent:?}; the application got {} message(s))",
        seen.len()
    );
    ctx.note(format!(
        "The broker sent {} queued message(s); the application got {} through an Events \
         stream made afterwards and acknowledged them; nothing else was acknowledged.",
        sent.len(),
        seen.len()
    ));
    client.disconnect().await.context("disconnect")
}

/// The packet ids of the queued messages the broker sent, once both were seen.
async fn wait_sent(proxy: &Proxy) -> Result<Vec<u16>, Problem> {
    let both = proxy
        .wait_for(ARRIVAL_TIME, |tapped| {
            QUEUED
                .iter()
                .all(|payload| !packet_ids_of(tapped, payload).is_empty())
        })
        .await;
    ensure!(
        both,
        "the broker did not send both queued messages on resuming (seen on the wire)"
    );
    let tapped = proxy.tapped();
    Ok(QUEUED
        .iter()
        .flat_map(|payload| packet_ids_of(&tapped, payload))
        .collect())
}

/// Which of `ids` the client acknowledged so far.
fn acked_of(proxy: &Proxy, ids: &[u16]) -> Vec<u16> {
    acknowledged(&proxy.tapped())
        .into_iter()
        .filter(|id| ids.contains(id))
        .collect()
}
