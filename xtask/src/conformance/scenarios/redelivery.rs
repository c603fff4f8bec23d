//! Scenarios about messages sent again after a cut: to the client (`redelivery`) and by the
//! client (`client-redelivery`).

use mqtt_kit_client::{Message, QoS};
use mqtt_kit_codec::Packet;

use crate::conformance::client::{
    ARRIVAL_TIME, CONNECT_TIME, Peer, QUIET_TIME, describe, drain, message, receive, within,
};
use crate::conformance::ctx::Ctx;
use crate::conformance::outcome::{Context as _, Outcome, Problem, ensure, fail};
use crate::conformance::proxy::{Direction, Proxy, Tapped};

/// Options of a persistent session through `proxy` that reconnects quickly.
fn persistent(
    ctx: &Ctx,
    proxy: &Proxy,
    role: &str,
) -> Result<mqtt_kit_client::OptionsBuilder, Problem> {
    let options = ctx
        .options_via(proxy, role)?
        .clean(false)
        .reconnect(true)
        .backoff(crate::conformance::client::quick_backoff());
    Ok(if ctx.version.is_v5() {
        options.session_expiry_interval(60)
    } else {
        options
    })
}

/// Whether the packets seen hold `count` packets that `pick` takes.
fn seen(tapped: &[Tapped], count: usize, pick: impl Fn(&Tapped, &Packet) -> bool) -> bool {
    tapped
        .iter()
        .filter(|t| t.packet.as_ref().is_ok_and(|p| pick(t, p)))
        .count()
        >= count
}

/// The PUBLISH packets the broker sent from tap entry `from` on, as `payload qQOS dDUP`.
fn publishes_to_client(tapped: &[Tapped], from: usize) -> Vec<String> {
    tapped
        .iter()
        .skip(from)
        .filter(|t| t.direction == Direction::ToClient)
        .filter_map(|t| match &t.packet {
            Ok(Packet::Publish(p)) => Some(format!(
                "{} q{} d{}",
                String::from_utf8_lossy(&p.payload),
                p.qos as u8,
                u8::from(p.dup)
            )),
            _ => None,
        })
        .collect()
}

/// Scenario `redelivery`: a persistent session receives a QoS 1 and a QoS 2 message but does
/// not acknowledge them (manual acknowledgement), then the connection is cut. After the
/// reconnection (session present) the broker sends both again with DUP set
/// [MQTT-4.4.0-1]: the QoS 1 message is delivered to the application again (at least once),
/// the QoS 2 message is not (exactly once [MQTT-4.3.3-10]: it was handed over already).
/// Acknowledging the new QoS 1 delivery and the original QoS 2 message completes both
/// exchanges on the new connection (PUBACK; PUBREC, PUBREL, PUBCOMP), and after another cut
/// neither comes back.
pub async fn redelivery(ctx: Ctx) -> Outcome {
    let proxy = ctx.proxy()?;
    let mut receiver = Peer::connect(persistent(&ctx, &proxy, "redel")?.manual_ack(true)).await?;
    let topic = ctx.topic("TopicA");
    let mut subscription = receiver
        .client
        .subscribe(&topic, QoS::ExactlyOnce)
        .await
        .context("subscribe at QoS 2")?;
    let publisher = ctx.publisher("pub").await?;
    for (qos, payload) in [(QoS::AtLeastOnce, "r1"), (QoS::ExactlyOnce, "r2")] {
        publisher
            .client
            .publish(&topic, payload, qos)
            .await
            .context("publish")?;
    }
    let first = receive(&mut subscription, 2, ARRIVAL_TIME, "first delivery").await?;
    ensure!(
        first.iter().all(Message::needs_ack),
        "with manual acknowledgement, the messages should wait for the application's ack"
    );
    let Some(held_qos2) = first
        .iter()
        .find(|m| &m.payload()[..] == b"r2" && m.qos() == QoS::ExactlyOnce)
    else {
        fail!(
            "first delivery: expected r1 at QoS 1 and r2 at QoS 2, got {}",
            first.iter().map(describe).collect::<Vec<_>>().join(", ")
        );
    };

    let cut_at = proxy.tapped().len();
    proxy.cut();
    let connected = receiver.reconnected(CONNECT_TIME).await?;
    ensure!(
        connected.session_present,
        "session present was false after the cut (persistent session)"
    );
    // Both come again from the broker; only the QoS 1 one reaches the application again.
    let resent = proxy
        .wait_for(ARRIVAL_TIME, |tapped| {
            let resent = publishes_to_client(tapped, cut_at);
            resent.contains(&"r1 q1 d1".to_owned()) && resent.contains(&"r2 q2 d1".to_owned())
        })
        .await;
    crate::conformance::outcome::ensure_or_limited!(
        ctx,
        resent,
        crate::conformance::limitations::Limitation::NoDupOnResend,
        "after the cut the broker did not send r1 and r2 again with DUP set (it sent {:?})",
        publishes_to_client(&proxy.tapped(), cut_at)
    );
    let again = drain(&mut subscription, QUIET_TIME).await;
    ensure!(
        again.len() == 1 && &again[0].payload()[..] == b"r1" && again[0].dup(),
        "after the cut the application should get r1 again with DUP set (QoS 1: at least \
         once) and not r2 (QoS 2: exactly once, already delivered); it got {}",
        if again.is_empty() {
            "nothing".to_owned()
        } else {
            again.iter().map(describe).collect::<Vec<_>>().join(", ")
        }
    );
    receiver
        .client
        .acknowledge(&again[0])
        .await
        .context("acknowledge r1 (delivered again)")?;
    receiver
        .client
        .acknowledge(held_qos2)
        .await
        .context("acknowledge r2 (its first delivery) after the reconnection")?;
    // Acknowledged when the broker has the PUBACK and the QoS 2 exchange is complete, all on
    // the new connection.
    let acknowledged = proxy
        .wait_for(ARRIVAL_TIME, |tapped| {
            let after_cut = tapped.get(cut_at..).unwrap_or_default();
            let went = |direction: Direction, kind: fn(&Packet) -> bool| {
                seen(after_cut, 1, |t, p| t.direction == direction && kind(p))
            };
            went(Direction::ToBroker, |p| matches!(p, Packet::PubAck(_)))
                && went(Direction::ToBroker, |p| matches!(p, Packet::PubRec(_)))
                && went(Direction::ToClient, |p| matches!(p, Packet::PubRel(_)))
                && went(Direction::ToBroker, |p| matches!(p, Packet::PubComp(_)))
        })
        .await;
    ensure!(
        acknowledged,
        "after the reconnection the acknowledgements (PUBACK for r1; PUBREC, PUBREL, PUBCOMP \
         for r2) did not all go through"
    );

    let second_cut_at = proxy.tapped().len();
    proxy.cut();
    receiver.reconnected(CONNECT_TIME).await?;
    let third = drain(&mut subscription, QUIET_TIME * 2).await;
    ensure!(
        third.is_empty(),
        "acknowledged messages were delivered again: {}",
        third.iter().map(describe).collect::<Vec<_>>().join(", ")
    );
    let resent = publishes_to_client(&proxy.tapped(), second_cut_at);
    ensure!(
        resent.is_empty(),
        "after the second cut the broker sent acknowledged messages again: {resent:?}"
    );
    publisher.disconnect().await?;
    receiver.disconnect().await
}

/// Scenario `client-redelivery`: the client publishes at QoS 1 and 2 and the connection is
/// cut before the acknowledgements: after the reconnection the client sends them again with
/// DUP set; each reaches the subscriber (QoS 2 exactly once).
pub async fn client_redelivery(ctx: Ctx) -> Outcome {
    let topic = ctx.topic("TopicA");
    let subscriber = ctx.connect("sub").await?;
    let mut subscription = subscriber
        .client
        .subscribe(&topic, QoS::ExactlyOnce)
        .await
        .context("subscribe at QoS 2")?;

    let proxy = ctx.proxy()?;
    let mut publisher = Peer::connect(persistent(&ctx, &proxy, "cpub")?).await?;
    // The broker gets the publishes, but its acknowledgements never reach the client.
    proxy.hold(Direction::ToClient, true);
    let mut handles = Vec::new();
    for (qos, payload) in [(QoS::AtLeastOnce, "c1"), (QoS::ExactlyOnce, "c2")] {
        let handle = publisher
            .client
            .enqueue(message(&topic, payload, qos, false)?)
            .await
            .context("hand the publish to the client")?;
        handles.push((payload, handle));
    }
    let reached = proxy
        .wait_for(ARRIVAL_TIME, |tapped| {
            seen(tapped, 2, |t, p| {
                t.connection == 0
                    && t.direction == Direction::ToBroker
                    && matches!(p, Packet::Publish(_))
            })
        })
        .await;
    ensure!(reached, "the two publishes did not reach the broker");
    proxy.cut();
    proxy.hold(Direction::ToClient, false);
    let connected = publisher.reconnected(CONNECT_TIME).await?;

    for (payload, handle) in handles {
        match within(ARRIVAL_TIME, handle).await {
            Some(Ok(_)) => {}
            Some(Err(error)) => fail!("the publish of {payload} failed after the cut: {error}"),
            None => fail!("the publish of {payload} was not acknowledged after the reconnection"),
        }
    }
    let resent: Vec<(u8, bool)> = proxy
        .tapped()
        .iter()
        .filter(|t| t.connection > 0 && t.direction == Direction::ToBroker)
        .filter_map(|t| match &t.packet {
            Ok(Packet::Publish(p)) => Some((p.qos as u8, p.dup)),
            _ => None,
        })
        .collect();
    crate::conformance::outcome::ensure_or_limited!(
        ctx,
        connected.session_present,
        crate::conformance::limitations::Limitation::NoSessionWithoutSubscriptions,
        "the broker answered the reconnection (clean session 0) with session present 0, so \
         the client rightly sent the publishes again as new messages: (QoS, DUP) {resent:?}"
    );
    ensure!(
        resent.contains(&(1, true)) && resent.contains(&(2, true)),
        "after the reconnection the client sent (QoS, DUP) {resent:?}; expected QoS 1 and \
         QoS 2 again with DUP set"
    );
    let mut got = receive(&mut subscription, 2, ARRIVAL_TIME, "at the subscriber").await?;
    got.extend(drain(&mut subscription, QUIET_TIME).await);
    let count = |payload: &str| {
        got.iter()
            .filter(|m| &m.payload()[..] == payload.as_bytes())
            .count()
    };
    ensure!(
        count("c1") >= 1 && count("c2") == 1,
        "the subscriber got c1 {} time(s) (at least once expected) and c2 {} time(s) \
         (exactly once expected)",
        count("c1"),
        count("c2")
    );
    if count("c1") > 1 {
        ctx.note("QoS 1 arrived twice (allowed: at least once).");
    }
    subscriber.disconnect().await?;
    publisher.disconnect().await
}
