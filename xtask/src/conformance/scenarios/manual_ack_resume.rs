//! Scenario `manual-ack-resume`: a persistent session with manual acknowledgement is
//! resumed by a new client that subscribes to nothing; the broker sends the messages it
//! queued. None may be acknowledged before the application has seen it and acknowledged
//! it: they reach the application as `Event::Message`, and only `acknowledge` sends the
//! PUBACK.

use std::time::Duration;

use mqtt_client::{OptionsBuilder, QoS};

use crate::conformance::client::{
    ARRIVAL_TIME, CONNECT_TIME, Peer, event_messages, wait_connected,
};
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

    let publisher = ctx.connect("pub").await?;
    for payload in QUEUED {
        publisher
            .client
            .publish(&topic, payload, QoS::AtLeastOnce)
            .await
            .context("publish while the session is offline")?;
    }
    publisher.disconnect().await?;

    let proxy = ctx.proxy()?;
    let (client, mut events, _driver) = Peer::start(persistent(ctx.options_via(&proxy, "mack")?))?;
    let connected = wait_connected(&mut events, CONNECT_TIME).await?;
    ensure!(
        connected.session_present,
        "session present was false on resuming the persistent session"
    );
    let sent = wait_sent(&proxy).await?;
    // Time for a client that acknowledges on its own to do so.
    sleep(Duration::from_millis(700)).await;
    let early = acked_of(&proxy, &sent);
    ensure!(
        early.is_empty(),
        "the client acknowledged packet(s) {early:?} before the application saw them \
         (manual acknowledgement, no subscription after resuming)"
    );
    let messages = event_messages(
        &mut events,
        QUEUED.len(),
        ARRIVAL_TIME,
        "the queued messages",
    )
    .await
    .map_err(|problem| match problem {
        Problem::Fail(reason) => Problem::Fail(format!(
            "{reason}: the broker sent them (packet ids {sent:?}, seen on the wire), the \
                 application never got them as Event::Message"
        )),
        other => other,
    })?;
    let early = acked_of(&proxy, &sent);
    ensure!(
        early.is_empty(),
        "the client acknowledged packet(s) {early:?} before the application called \
         acknowledge"
    );
    for message in &messages {
        client.acknowledge(message).await.context("acknowledge")?;
    }
    let all_acked = proxy
        .wait_for(ARRIVAL_TIME, |tapped| {
            let acked = acknowledged(tapped);
            sent.iter().all(|id| acked.contains(id))
        })
        .await;
    ensure!(
        all_acked,
        "after acknowledge, the PUBACKs for {sent:?} did not all go (sent: {:?})",
        acked_of(&proxy, &sent)
    );
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
