//! MQTT 5.0 limits: Maximum Packet Size both ways (`maximum-packet-size`) and the broker's
//! Receive Maximum (`flow-control`).

use std::collections::BTreeSet;
use std::path::Path;

use mqtt_kit_client::QoS;
use mqtt_kit_codec::{Packet, ProtocolVersion};

use crate::conformance::client::{ARRIVAL_TIME, Peer, QUIET_TIME, drain, message, receive, within};
use crate::conformance::ctx::Ctx;
use crate::conformance::outcome::{Context as _, Outcome, ensure, fail};
use crate::conformance::proxy::{Direction, Tapped};

/// The broker's Maximum Packet Size in `maximum-packet-size`.
const BROKER_MAXIMUM: u32 = 1000;
/// The client's own Maximum Packet Size in `maximum-packet-size`.
const CLIENT_MAXIMUM: u32 = 500;
/// The broker's Receive Maximum in `flow-control`.
const RECEIVE_MAXIMUM: u16 = 2;

/// The broker of `maximum-packet-size`: packets up to 1000 bytes.
pub fn small_packets(_dir: &Path) -> String {
    format!("max_packet_size {BROKER_MAXIMUM}\n")
}

/// The broker of `flow-control`: Receive Maximum 2 (mosquitto sends its
/// `max_inflight_messages` as Receive Maximum).
pub fn small_receive_maximum(_dir: &Path) -> String {
    format!("max_inflight_messages {RECEIVE_MAXIMUM}\n")
}

/// The size on the wire of the PUBLISH packets seen going `direction`.
fn publish_sizes(tapped: &[Tapped], direction: Direction) -> Vec<usize> {
    tapped
        .iter()
        .filter(|t| t.direction == direction)
        .filter_map(|t| match &t.packet {
            Ok(packet @ Packet::Publish(_)) => packet.encoded_len(ProtocolVersion::V5).ok(),
            _ => None,
        })
        .collect()
}

/// Scenario `maximum-packet-size`: a publish above the broker's Maximum Packet Size is
/// refused locally with a clear error (not sent); the broker never delivers above the
/// client's own maximum.
pub async fn maximum_packet_size(ctx: Ctx) -> Outcome {
    let proxy = ctx.proxy()?;
    let topic = ctx.topic("size");
    let publisher = Peer::connect(ctx.options_via(&proxy, "big")?).await?;
    let announced = publisher.connected.limits.maximum_packet_size;
    crate::conformance::outcome::ensure_or_limited!(
        ctx,
        announced == Some(BROKER_MAXIMUM),
        crate::conformance::limitations::Limitation::FixedLimits,
        "the broker announced Maximum Packet Size {announced:?}, configured {BROKER_MAXIMUM}"
    );
    let receiver = Peer::connect(
        ctx.options_via(&proxy, "small")?
            .maximum_packet_size(CLIENT_MAXIMUM),
    )
    .await?;
    let mut subscription = receiver
        .client
        .subscribe(&topic, QoS::AtLeastOnce)
        .await
        .context("subscribe")?;

    // Above the broker's maximum: refused by the client, never sent.
    let oversized = vec![b'x'; 2 * BROKER_MAXIMUM as usize];
    match within(
        ARRIVAL_TIME,
        publisher
            .client
            .publish(&topic, oversized, QoS::AtLeastOnce),
    )
    .await
    {
        Some(Err(error)) => {
            let text = error.to_string().to_lowercase();
            ensure!(
                text.contains("large") || text.contains("size") || text.contains("maximum"),
                "the oversized publish failed, but the error does not say why: {error}"
            );
            ctx.note(format!("Oversized publish refused locally: \"{error}\"."));
        }
        Some(Ok(published)) => fail!(
            "a publish of {} B, above the broker's Maximum Packet Size {BROKER_MAXIMUM}, was \
             accepted: {published:?}",
            2 * BROKER_MAXIMUM
        ),
        None => fail!("a publish above the broker's maximum neither failed nor ended"),
    }
    // Between the two maximums: the broker takes it but must not deliver it to the client
    // [MQTT-3.1.2-25]; a small one goes through.
    let between = vec![b'm'; (CLIENT_MAXIMUM + 200) as usize];
    publisher
        .client
        .publish(&topic, between, QoS::AtLeastOnce)
        .await
        .context("publish between the client's and the broker's maximum")?;
    publisher
        .client
        .publish_message(message(&topic, "small", QoS::AtLeastOnce, false)?)
        .await
        .context("publish a small message")?;
    let got = receive(&mut subscription, 1, ARRIVAL_TIME, "the small message").await?;
    let more = drain(&mut subscription, QUIET_TIME).await;
    ensure!(
        &got[0].payload()[..] == b"small" && more.is_empty(),
        "the receiver with Maximum Packet Size {CLIENT_MAXIMUM} got payloads of {:?} B",
        got.iter()
            .chain(&more)
            .map(|m| m.payload().len())
            .collect::<Vec<_>>()
    );

    let tapped = proxy.tapped();
    let sent = publish_sizes(&tapped, Direction::ToBroker);
    ensure!(
        sent.iter().all(|&size| size <= BROKER_MAXIMUM as usize),
        "PUBLISH packets of {sent:?} B went to a broker whose maximum is {BROKER_MAXIMUM}"
    );
    let delivered = publish_sizes(&tapped, Direction::ToClient);
    ensure!(
        delivered
            .iter()
            .all(|&size| size <= CLIENT_MAXIMUM as usize),
        "the broker delivered PUBLISH packets of {delivered:?} B above the client's maximum \
         {CLIENT_MAXIMUM}"
    );
    publisher.disconnect().await?;
    receiver.disconnect().await
}

/// Scenario `flow-control`: with a small Receive Maximum at the broker, the client never
/// has more QoS 1 and 2 publishes in flight than allowed.
pub async fn flow_control(ctx: Ctx) -> Outcome {
    const EACH: usize = 20;
    let proxy = ctx.proxy()?;
    let peer = Peer::connect(ctx.options_via(&proxy, "flow")?).await?;
    let announced = peer.connected.limits.receive_maximum;
    crate::conformance::outcome::ensure_or_limited!(
        ctx,
        announced == RECEIVE_MAXIMUM,
        crate::conformance::limitations::Limitation::FixedLimits,
        "the broker announced Receive Maximum {announced}, configured {RECEIVE_MAXIMUM}"
    );
    let topic = ctx.topic("flow");
    let mut handles = Vec::new();
    for n in 0..EACH {
        for qos in [QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let publish = message(&topic, format!("{n}"), qos, false)?;
            handles.push(peer.client.enqueue(publish).await.context("enqueue")?);
        }
    }
    for handle in handles {
        match within(ARRIVAL_TIME * 2, handle).await {
            Some(Ok(_)) => {}
            Some(Err(error)) => fail!("a publish failed: {error}"),
            None => fail!("the publishes did not all complete"),
        }
    }
    // In flight: from the PUBLISH until its PUBACK (QoS 1) or PUBCOMP (QoS 2).
    let mut in_flight = BTreeSet::new();
    let mut most = 0;
    for t in proxy.tapped() {
        match (&t.packet, t.direction) {
            (Ok(Packet::Publish(p)), Direction::ToBroker) => {
                if let Some(id) = p.packet_id {
                    in_flight.insert(id.get());
                }
            }
            (Ok(Packet::PubAck(a)), Direction::ToClient) => {
                in_flight.remove(&a.packet_id.get());
            }
            (Ok(Packet::PubComp(c)), Direction::ToClient) => {
                in_flight.remove(&c.packet_id.get());
            }
            _ => {}
        }
        most = most.max(in_flight.len());
    }
    ensure!(
        most <= usize::from(RECEIVE_MAXIMUM),
        "the client had {most} QoS 1/2 publishes in flight; the broker's Receive Maximum is \
         {RECEIVE_MAXIMUM}"
    );
    ensure!(
        most == usize::from(RECEIVE_MAXIMUM),
        "the client never used the {RECEIVE_MAXIMUM} slots it had (at most {most} in flight)"
    );
    peer.disconnect().await
}
