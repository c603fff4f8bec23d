//! MQTT 5.0 topic aliases: sent by the client (`topic-alias-out`) and by the broker
//! (`topic-alias-in`).

use std::collections::BTreeSet;

use mqtt_kit_client::QoS;
use mqtt_kit_codec::Packet;

use crate::conformance::client::{ARRIVAL_TIME, CONNECT_TIME, Peer, receive};
use crate::conformance::ctx::Ctx;
use crate::conformance::limitations::Limitation;
use crate::conformance::outcome::{Context as _, Outcome, ensure};
use crate::conformance::proxy::{Direction, Tapped};

/// The PUBLISH packets seen going `direction`: (connection, topic as sent, alias).
fn publishes(tapped: &[Tapped], direction: Direction) -> Vec<(u64, String, Option<u16>)> {
    tapped
        .iter()
        .filter(|t| t.direction == direction)
        .filter_map(|t| match &t.packet {
            Ok(Packet::Publish(p)) => Some((
                t.connection,
                p.topic.as_str().to_owned(),
                p.properties.topic_alias.map(|a| a.get()),
            )),
            _ => None,
        })
        .collect()
}

/// Scenario `topic-alias-out`: the client sends with topic aliases within the broker's
/// Topic Alias Maximum; messages arrive with full topic names; aliases are forgotten after
/// a reconnection.
pub async fn topic_alias_out(ctx: Ctx) -> Outcome {
    // More topics than the broker allows aliases (mosquitto: 10), each used twice.
    let topics: Vec<String> = (0..12).map(|n| ctx.topic(&format!("alias/{n}"))).collect();
    let subscriber = ctx.connect("sub").await?;
    let mut subscription = subscriber
        .client
        .subscribe(&ctx.topic("alias/+"), QoS::AtLeastOnce)
        .await
        .context("subscribe")?;
    let proxy = ctx.proxy()?;
    let mut publisher = Peer::connect(ctx.reconnecting("alias")?.uri(proxy.url())).await?;
    let maximum = publisher.connected.limits.topic_alias_maximum;
    ensure!(
        maximum > 0,
        "the broker allows no topic aliases (Topic Alias Maximum 0)"
    );
    // Round 2 in reverse order: the 10 most recent topics keep their aliases (least
    // recently used reassigned first), so most of round 2 goes out as an alias alone.
    for round in 0..2 {
        let order: Vec<&String> = if round == 0 {
            topics.iter().collect()
        } else {
            topics.iter().rev().collect()
        };
        for topic in order {
            publisher
                .client
                .publish(topic, format!("round {round}"), QoS::AtLeastOnce)
                .await
                .context("publish")?;
        }
    }
    let got = receive(&mut subscription, 24, ARRIVAL_TIME, "messages").await?;
    let names: BTreeSet<&str> = got.iter().map(|m| m.topic()).collect();
    crate::conformance::outcome::ensure_or_limited!(
        ctx,
        names.len() == 12 && names.iter().all(|n| topics.iter().any(|t| t == n)),
        crate::conformance::limitations::Limitation::MisresolvesClientAliases,
        "the messages arrived with topics {names:?}, not the 12 full names"
    );
    let sent = publishes(&proxy.tapped(), Direction::ToBroker);
    let aliases: BTreeSet<u16> = sent.iter().filter_map(|(_, _, a)| *a).collect();
    ensure!(
        !aliases.is_empty(),
        "the client sent no topic alias although the broker allows {maximum}"
    );
    ensure!(
        aliases.iter().all(|&a| a >= 1 && a <= maximum),
        "the client used aliases {aliases:?} beyond the broker's maximum {maximum}"
    );
    ensure!(
        sent.iter()
            .any(|(_, topic, alias)| topic.is_empty() && alias.is_some()),
        "the client never sent a PUBLISH with the alias alone (empty topic)"
    );

    // After a reconnection the aliases are gone: the first PUBLISH of each topic must carry
    // its name again [MQTT-3.3.2-7].
    proxy.cut();
    publisher.reconnected(CONNECT_TIME).await?;
    publisher
        .client
        .publish(&topics[0], "after reconnect", QoS::AtLeastOnce)
        .await
        .context("publish after the reconnection")?;
    receive(&mut subscription, 1, ARRIVAL_TIME, "after the reconnection").await?;
    let after: Vec<_> = publishes(&proxy.tapped(), Direction::ToBroker)
        .into_iter()
        .filter(|(connection, _, _)| *connection > 0)
        .collect();
    ensure!(
        after
            .first()
            .is_some_and(|(_, topic, _)| topic == &topics[0]),
        "the first PUBLISH after the reconnection was {:?}: an alias of the old connection",
        after.first()
    );
    ctx.note(format!(
        "The client used aliases {}..={} of the broker's {maximum}.",
        aliases.first().copied().unwrap_or_default(),
        aliases.last().copied().unwrap_or_default()
    ));
    publisher.disconnect().await?;
    subscriber.disconnect().await
}

/// Scenario `topic-alias-in`: the client allows the broker 1 alias: messages sent with
/// aliases arrive with their full topic names.
pub async fn topic_alias_in(ctx: Ctx) -> Outcome {
    let proxy = ctx.proxy()?;
    let receiver = Peer::connect(ctx.options_via(&proxy, "ain")?.topic_alias_maximum(1)).await?;
    let topics = [ctx.topic("in/a"), ctx.topic("in/b")];
    let mut subscription = receiver
        .client
        .subscribe(&ctx.topic("in/+"), QoS::AtLeastOnce)
        .await
        .context("subscribe")?;
    let publisher = ctx.publisher("pub").await?;
    let order = [0, 0, 0, 1, 1, 0];
    for &n in &order {
        publisher
            .client
            .publish(&topics[n], "aliased?", QoS::AtLeastOnce)
            .await
            .context("publish")?;
    }
    let got = receive(&mut subscription, order.len(), ARRIVAL_TIME, "messages").await?;
    let names: Vec<&str> = got.iter().map(|m| m.topic()).collect();
    let wanted: Vec<&str> = order.iter().map(|&n| topics[n].as_str()).collect();
    let tapped = proxy.tapped();
    let on_wire = crate::conformance::scenarios::wire::topics_to_client(&tapped);
    crate::conformance::outcome::ensure_or_limited!(
        ctx,
        names == wanted || on_wire != names,
        Limitation::MisresolvesClientAliases,
        "the broker itself sent the topics {on_wire:?} (seen on the wire, its aliases \
         resolved), for messages published (with the publishing client's aliases) to \
         {wanted:?}"
    );
    ensure!(
        names == wanted,
        "the messages arrived with topics {names:?}, expected {wanted:?} (the broker sent \
         {on_wire:?}, seen on the wire, its aliases resolved)"
    );
    let allowed = tapped.iter().any(|t| {
        matches!(&t.packet, Ok(Packet::Connect(c)) if c.properties.topic_alias_maximum == Some(1))
    });
    ensure!(
        allowed,
        "the client's CONNECT did not allow the broker 1 topic alias"
    );
    let received = publishes(&tapped, Direction::ToClient);
    if received.iter().any(|(_, _, alias)| alias.is_some()) {
        ensure!(
            received
                .iter()
                .all(|(_, _, alias)| alias.is_none_or(|a| a == 1)),
            "the broker used an alias beyond 1: {received:?}"
        );
        return publisher
            .disconnect()
            .await
            .and(receiver.disconnect().await);
    }
    Err(ctx.limitation_seen(
        Limitation::NoServerTopicAliases,
        &format!(
            "the broker sent no topic alias to the client ({} PUBLISH packets on the wire, \
             all with the full topic name and no Topic Alias, though the client allowed 1); \
             the {} messages arrived with their full names",
            received.len(),
            order.len()
        ),
    ))
}
