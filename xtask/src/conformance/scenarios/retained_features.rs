//! Retained messages with the 5.0 features that change how a message finds its
//! subscription: Subscription Identifiers (`retained-subscription-ids`) and topic aliases
//! (`retained-topic-aliases`). The client's defaults are used (both on).

use mqtt_kit_client::{QoS, SubscribeRequest, Subscription, SubscriptionId};

use crate::conformance::client::{
    ARRIVAL_TIME, Peer, QUIET_TIME, describe, drain, message, receive,
};
use crate::conformance::ctx::Ctx;
use crate::conformance::limitations::Limitation;
use crate::conformance::outcome::{Context as _, Outcome, Problem, ensure};
use crate::conformance::scenarios::wire::{aliases_and_ids, topics_to_client};

/// The identifier the scenario gives its first subscription itself.
const OWN_ID: u32 = 7;

/// Every message `subscription` gets until it is quiet, at least `count`.
async fn exactly(
    subscription: &mut Subscription,
    count: usize,
    what: &str,
) -> Result<Vec<mqtt_kit_client::Message>, Problem> {
    let mut got = receive(subscription, count, ARRIVAL_TIME, what).await?;
    got.extend(drain(subscription, QUIET_TIME).await);
    ensure!(
        got.len() == count,
        "{what}: {count} message(s) expected, got {}: {:?}",
        got.len(),
        got.iter().map(describe).collect::<Vec<_>>()
    );
    Ok(got)
}

/// Scenario `retained-subscription-ids` (5.0): a retained message reaches a subscription
/// with an identifier of its own (carrying it), and again a second, overlapping
/// subscription with the client's automatic identifier, each once; a live message then
/// reaches each subscription once.
pub async fn retained_subscription_ids(ctx: Ctx) -> Outcome {
    let topic = ctx.topic("ids/a");
    let publisher = ctx.publisher("pub").await?;
    publisher
        .client
        .publish_message(message(&topic, "retained", QoS::AtLeastOnce, true)?)
        .await
        .context("publish retained")?;
    let proxy = ctx.proxy()?;
    let peer = Peer::connect(ctx.options_via(&proxy, "rids")?).await?;
    if !peer.connected.limits.subscription_identifiers_available {
        return Err(ctx.limitation_seen(
            Limitation::NoSubscriptionIdentifiers,
            "its CONNACK said Subscription Identifiers Available = 0",
        ));
    }
    let request = SubscribeRequest::new()
        .topic(&ctx.topic("ids/+"), QoS::AtLeastOnce)
        .context("filter")?
        .identifier(SubscriptionId::new(OWN_ID).context("subscription id")?);
    let mut own = peer
        .client
        .subscribe_with(request)
        .await
        .context("subscribe ids/+ with identifier 7")?;
    let got = exactly(&mut own, 1, "the retained message on ids/+ (identifier 7)").await?;
    let ids = crate::conformance::client::subscription_ids(&got[0]);
    ensure!(
        got[0].retain() && ids.contains(&OWN_ID),
        "the retained message on ids/+ came as {} with identifiers {ids:?}, expected \
         retained with {OWN_ID}",
        describe(&got[0])
    );
    let mut automatic = peer
        .client
        .subscribe(&topic, QoS::AtLeastOnce)
        .await
        .context("subscribe ids/a")?;
    exactly(
        &mut automatic,
        1,
        "the retained message on ids/a (automatic id)",
    )
    .await?;
    let again = drain(&mut own, QUIET_TIME).await;
    ensure!(
        again.is_empty(),
        "the retained message sent for the new subscription ids/a also reached ids/+ \
         (identifier 7): {:?}",
        again.iter().map(describe).collect::<Vec<_>>()
    );
    publisher
        .client
        .publish(&topic, "live", QoS::AtLeastOnce)
        .await
        .context("publish live")?;
    exactly(&mut own, 1, "the live message on ids/+").await?;
    exactly(&mut automatic, 1, "the live message on ids/a").await?;
    let (_, ids_on_wire) = aliases_and_ids(&proxy.tapped());
    ensure!(
        ids_on_wire,
        "the broker announced Subscription Identifiers but sent none (seen on the wire)"
    );
    publisher.disconnect().await?;
    peer.disconnect().await
}

/// Scenario `retained-topic-aliases` (5.0): retained and live messages to two topics, sent
/// with the client's topic aliases and received with topic aliases allowed (the defaults),
/// arrive with their full topic names, each once.
pub async fn retained_topic_aliases(ctx: Ctx) -> Outcome {
    let topics = [ctx.topic("alias/a"), ctx.topic("alias/b")];
    let publishing = ctx.proxy()?;
    let publisher = Peer::connect(ctx.options_via(&publishing, "apub")?).await?;
    // Twice each: the second PUBLISH to a topic can go with its alias alone.
    for round in 0..2 {
        for topic in &topics {
            publisher
                .client
                .publish_message(message(
                    topic,
                    format!("{topic} r{round}"),
                    QoS::AtLeastOnce,
                    true,
                )?)
                .await
                .context("publish retained")?;
        }
    }
    let receiving = ctx.proxy()?;
    let peer = Peer::connect(ctx.options_via(&receiving, "asub")?).await?;
    let mut subscription = peer
        .client
        .subscribe(&ctx.topic("alias/+"), QoS::AtLeastOnce)
        .await
        .context("subscribe alias/+")?;
    let mut got = exactly(&mut subscription, 2, "the retained messages").await?;
    for round in 0..2 {
        for topic in &topics {
            publisher
                .client
                .publish(topic, format!("{topic} l{round}"), QoS::AtLeastOnce)
                .await
                .context("publish live")?;
        }
    }
    got.extend(exactly(&mut subscription, 4, "the live messages").await?);
    let on_wire = topics_to_client(&receiving.tapped());
    for m in &got {
        let payload = String::from_utf8_lossy(m.payload());
        crate::conformance::outcome::ensure_or_limited!(
            ctx,
            payload.starts_with(&format!("{} ", m.topic()))
                || !on_wire.iter().any(|t| t == m.topic()),
            Limitation::MisresolvesClientAliases,
            "{payload:?} was published with the client's topic aliases; the broker sent the \
             topics {on_wire:?} (seen on the wire, its aliases resolved)"
        );
        ensure!(
            payload.starts_with(&format!("{} ", m.topic())),
            "{payload:?} arrived with the topic {}",
            m.topic()
        );
    }
    let (sent_aliases, _) = aliases_and_ids(&receiving.tapped());
    let used_aliases = publishing.tapped().iter().any(|t| {
        matches!(&t.packet, Ok(mqtt_kit_codec::Packet::Publish(p)) if p.properties.topic_alias.is_some())
    });
    ensure!(
        used_aliases || publisher.connected.limits.topic_alias_maximum == 0,
        "the broker allowed {} topic aliases, and the client used none (seen on the wire)",
        publisher.connected.limits.topic_alias_maximum
    );
    if !sent_aliases && !used_aliases {
        return Err(ctx.limitation_seen(
            Limitation::NoServerTopicAliases,
            "its CONNACK allowed no topic alias (Topic Alias Maximum 0) and it sent none",
        ));
    }
    ctx.note(format!(
        "Topic aliases seen on the wire: from the publishing client {used_aliases}, from the \
         broker {sent_aliases}."
    ));
    publisher.disconnect().await?;
    peer.disconnect().await
}
