//! Scenarios about messages sent again after a cut: to the client (`redelivery`) and by the
//! client (`client-redelivery`).

use mqtt_client::{Message, QoS};
use mqtt_codec::Packet;

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
) -> Result<mqtt_client::OptionsBuilder, Problem> {
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

/// The payloads of `messages`, sorted.
fn payloads(messages: &[Message]) -> Vec<String> {
    let mut payloads: Vec<String> = messages
        .iter()
        .map(|m| String::from_utf8_lossy(m.payload()).into_owned())
        .collect();
    payloads.sort();
    payloads
}

/// Scenario `redelivery`: a persistent session receives QoS 1 and 2 messages but does not
/// acknowledge them (manual acknowledgement), then the connection is cut: after the
/// reconnection the same messages are delivered again (DUP set) and, once acknowledged,
/// not again.
pub async fn redelivery(ctx: Ctx) -> Outcome {
    let proxy = ctx.proxy()?;
    let mut receiver = Peer::connect(persistent(&ctx, &proxy, "redel")?.manual_ack(true)).await?;
    let topic = ctx.topic("TopicA");
    let mut subscription = receiver
        .client
        .subscribe(&topic, QoS::ExactlyOnce)
        .await
        .context("subscribe at QoS 2")?;
    let publisher = ctx.connect("pub").await?;
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

    proxy.cut();
    let connected = receiver.reconnected(CONNECT_TIME).await?;
    ensure!(
        connected.session_present,
        "session present was false after the cut (persistent session)"
    );
    let mut again = drain(&mut subscription, ARRIVAL_TIME / 2).await;
    if again.len() < 2 {
        again.extend(drain(&mut subscription, ARRIVAL_TIME / 2).await);
    }
    if again.len() != 2 {
        let resent: Vec<String> = proxy
            .tapped()
            .iter()
            .filter(|t| t.connection == 1 && t.direction == Direction::ToClient)
            .filter_map(|t| match &t.packet {
                Ok(Packet::Publish(p)) => Some(format!(
                    "{} q{} d{}",
                    String::from_utf8_lossy(&p.payload),
                    p.qos as u8,
                    u8::from(p.dup)
                )),
                _ => None,
            })
            .collect();
        fail!(
            "after the cut the application got {} again (expected r1 and r2 with DUP); the \
             broker sent them again as {resent:?}",
            if again.is_empty() {
                "nothing".to_owned()
            } else {
                again.iter().map(describe).collect::<Vec<_>>().join(", ")
            }
        );
    }
    ensure!(
        payloads(&again) == ["r1", "r2"] && again.iter().all(Message::dup),
        "after the cut: expected r1 and r2 again with DUP set, got {}",
        again.iter().map(describe).collect::<Vec<_>>().join(", ")
    );
    for message in &again {
        receiver
            .client
            .acknowledge(message)
            .await
            .context("acknowledge")?;
    }
    // Acknowledged when the broker has the PUBACK and the PUBCOMP.
    let acknowledged = proxy
        .wait_for(ARRIVAL_TIME, |tapped| {
            seen(tapped, 1, |t, p| {
                t.direction == Direction::ToBroker && matches!(p, Packet::PubAck(_))
            }) && seen(tapped, 1, |t, p| {
                t.direction == Direction::ToBroker && matches!(p, Packet::PubComp(_))
            })
        })
        .await;
    ensure!(
        acknowledged,
        "the acknowledgements (PUBACK, then PUBREC/PUBREL/PUBCOMP) did not reach the broker"
    );
    proxy.cut();
    receiver.reconnected(CONNECT_TIME).await?;
    let third = drain(&mut subscription, QUIET_TIME * 2).await;
    ensure!(
        third.is_empty(),
        "acknowledged messages were delivered again: {}",
        third.iter().map(describe).collect::<Vec<_>>().join(", ")
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
    publisher.reconnected(CONNECT_TIME).await?;

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
