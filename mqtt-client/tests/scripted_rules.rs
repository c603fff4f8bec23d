//! What the engine's rules mean for a user, shown through the real client against a scripted
//! broker: nothing lost when a subscription stream is dropped, one delivery per subscription
//! when a filter is subscribed again, a dead link left at once, events in the order of their
//! causes, redirects only when the broker asks for one.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use mqtt_kit_client::{ClientError, DisconnectReason, Event, Message, QoS};
use mqtt_kit_codec::{
    ConnectReasonCode, Disconnect, DisconnectReasonCode, Packet, Publish, SubAck,
    SubscribeReasonCode,
};

#[macro_use]
mod support;
use support::scripted::{Mode, Peer, wait_for};
use support::setup::*;
use support::within;

use mqtt_kit_client::ProtocolVersion::{V3_1_1, V5};

fn retained(name: &str) -> Publish {
    let mut message = publish(name, "r", QoS::AtMostOnce, None);
    message.retain = true;
    message
}

/// Reads the client's SUBSCRIBE and sends `before` and then a SUBACK granting it.
async fn answer_subscribe(peer: &mut Peer, before: &[Publish]) {
    let Packet::Subscribe(subscribe) = peer.next_packet().await else {
        panic!("SUBSCRIBE expected");
    };
    for message in before {
        peer.send(message.clone()).await;
    }
    let codes = vec![SubscribeReasonCode::GrantedQoS0; subscribe.filters.len()];
    peer.send(SubAck::new(subscribe.packet_id, codes)).await;
}

fn topics(messages: &[Message]) -> Vec<&str> {
    messages.iter().map(Message::topic).collect()
}

scripted!(
    /// Retained messages that came before the SUBACK, held by a `Subscription` dropped
    /// unread, go to the `Events` stream, and so do its later messages.
    a_dropped_subscription_loses_nothing,
    |mode| async move {
        let mut setup = start(V3_1_1, mode, |o| o).await;
        let mut peer = accept(&setup, true, false).await;
        let client = setup.client.clone();
        let subscribing = smol::spawn(async move { client.subscribe("r/#", QoS::AtMostOnce).await });
        answer_subscribe(&mut peer, &[retained("r/1"), retained("r/2")]).await;
        drop(within(subscribing).await.unwrap());
        peer.send(publish("r/3", "live", QoS::AtMostOnce, None))
            .await;
        let mut seen = Vec::new();
        while seen.len() < 3 {
            let message = wait_for(&mut setup.events, |event| match event {
                Event::Message(message) => Some(message.clone()),
                _ => None,
            })
            .await;
            seen.push(message);
        }
        assert_eq!(topics(&seen), ["r/1", "r/2", "r/3"]);
        disconnect(setup, peer).await;
    }
);

scripted!(
    /// A filter subscribed again: the broker sends its retained messages once, and the
    /// client delivers each once, to the new subscription.
    subscribing_again_delivers_once,
    |mode| async move {
        let setup = start(V3_1_1, mode, |o| o).await;
        let mut peer = accept(&setup, true, false).await;
        let client = setup.client.clone();
        let first = smol::spawn(async move { client.subscribe("a/#", QoS::AtMostOnce).await });
        answer_subscribe(&mut peer, &[]).await;
        let mut first = within(first).await.unwrap();
        let client = setup.client.clone();
        let second = smol::spawn(async move { client.subscribe("a/#", QoS::AtMostOnce).await });
        let messages = [retained("a/1"), retained("a/2"), retained("a/3")];
        answer_subscribe(&mut peer, &messages).await;
        let mut second = within(second).await.unwrap();
        let mut seen = Vec::new();
        for _ in 0..3 {
            seen.push(within(second.next()).await.unwrap());
        }
        assert_eq!(topics(&seen), ["a/1", "a/2", "a/3"]);
        assert_eq!(
            within(first.next()).await,
            None,
            "the first stream ended with nothing"
        );
        disconnect(setup, peer).await;
    }
);

scripted!(
    /// A CONNACK and an offending packet in one read: Connected, then the error, then
    /// Disconnected.
    events_come_in_the_order_of_their_causes,
    |mode| async move {
        let mut setup = start(V5, mode, |o| o.reconnect(false)).await;
        let mut peer = setup.broker.accept().await;
        peer.expect(connect_packet(V5, true)).await;
        let mut bytes = bytes::BytesMut::new();
        for _ in 0..2 {
            Packet::from(connack(false))
                .encode(V5, None, &mut bytes)
                .unwrap();
        }
        peer.send_bytes(&bytes).await;
        let mut order = Vec::new();
        while let Some(event) = within(setup.events.next()).await {
            order.push(match event {
                Event::Connecting { .. } => "connecting",
                Event::Connected(_) => "connected",
                Event::Error(ClientError::Protocol(_)) => "protocol error",
                Event::Disconnected(DisconnectReason::ProtocolViolation(_)) => "disconnected",
                Event::Error(_) => "final error",
                Event::Closed => "closed",
                _ => "other",
            });
        }
        assert_eq!(
            order[..4],
            ["connecting", "connected", "protocol error", "disconnected"]
        );
    }
);

scripted!(
    /// DISCONNECT 0x89 "Server busy" with a Server Reference is no redirect: the next
    /// attempt goes to the broker of the list.
    server_busy_does_not_redirect,
    |mode| async move {
        let setup = start(V5, mode, |o| o).await;
        let mut peer = accept(&setup, true, false).await;
        let mut busy = Disconnect::new(DisconnectReasonCode::ServerBusy);
        busy.properties.server_reference = Some("127.0.0.1:1".into());
        peer.send(busy).await;
        peer.expect_closed().await;
        let mut peer = setup.broker.accept().await;
        peer.expect(connect_packet(V5, false)).await;
        peer.send(connack(false)).await;
        let list: mqtt_kit_client::BrokerAddress = setup.broker.uri().parse().unwrap();
        assert!(setup.connector.attempts().iter().all(|tried| *tried == list));
        disconnect(setup, peer).await;
    }
);

/// Publishes QoS 0 messages of 16 KiB until the client stops taking them (its write buffer is
/// over the high-water mark: the link takes nothing).
async fn flood_until_stuck(client: &mqtt_kit_client::Client) -> smol::Task<()> {
    let flooder = client.clone();
    let flood = smol::spawn(async move {
        let payload = bytes::Bytes::from(vec![0u8; 16 * 1024]);
        loop {
            let message = publish("flood", "", QoS::AtMostOnce, None);
            let message = Publish {
                payload: payload.clone(),
                ..message
            };
            if flooder.enqueue(message).await.is_err() {
                return;
            }
        }
    });
    // The client's channel of publishes stays full once the driver stops taking them.
    loop {
        let probe = publish("probe", "", QoS::AtMostOnce, None);
        match client.try_publish(probe) {
            Err(ClientError::WouldBlock) => break,
            _ => async_io::Timer::after(std::time::Duration::from_millis(10)).await,
        };
    }
    flood
}

/// A broker that accepts (a client with keep alive `keep_alive`) and then never reads
/// again, nor answers: a half-open link.
async fn half_open(setup: &Setup, keep_alive: u16) -> Peer {
    let mut peer = setup.broker.accept().await;
    let mut connect = connect_packet(V3_1_1, true);
    connect.keep_alive = keep_alive;
    peer.expect(connect).await;
    peer.send(connack(false)).await;
    peer
}

/// Under a flood on a half-open link, keep alive finds the link dead and the client
/// reconnects (its unwritten bytes dropped, not waited for).
#[test]
fn a_half_open_link_under_a_flood_is_left_for_a_new_connection() {
    smol::block_on(async {
        let mut setup = start(V3_1_1, Mode::Whole, |o| o.keep_alive(1).publish_capacity(4)).await;
        let _stuck = half_open(&setup, 1).await;
        let flood = flood_until_stuck(&setup.client).await;
        let reason = wait_for(&mut setup.events, |event| match event {
            Event::Disconnected(reason) => Some(reason.clone()),
            _ => None,
        })
        .await;
        assert_eq!(reason, DisconnectReason::KeepAliveTimeout);
        let mut peer = setup.broker.accept().await;
        let mut connect = connect_packet(V3_1_1, true);
        connect.keep_alive = 1;
        peer.expect(connect).await;
        drop(flood);
        peer.send(connack(false)).await;
        let Setup { client, driver, .. } = setup;
        let done = smol::spawn(async move { client.disconnect().await });
        // What was queued goes out first; then the DISCONNECT.
        while !matches!(peer.next_packet().await, Packet::Disconnect(_)) {}
        within(done).await.unwrap();
        within(driver).await.unwrap();
    });
}

/// `disconnect()` returns on a link that takes nothing: the DISCONNECT is given a moment,
/// not for ever.
#[test]
fn disconnect_returns_on_a_dead_link() {
    smol::block_on(async {
        let setup = start(V3_1_1, Mode::Whole, |o| o.keep_alive(0).publish_capacity(4)).await;
        let _stuck = half_open(&setup, 0).await;
        let flood = flood_until_stuck(&setup.client).await;
        within(setup.client.disconnect()).await.unwrap();
        within(setup.driver).await.unwrap();
        drop(flood);
    });
}

/// A refused connection that names another server with a reason other than 0x9C/0x9D is
/// not followed either (CONNACK side).
#[test]
fn a_refusal_that_names_a_server_is_no_redirect_unless_it_says_so() {
    smol::block_on(async {
        let setup = start(V5, Mode::Whole, |o| o).await;
        let mut peer = setup.broker.accept().await;
        peer.expect(connect_packet(V5, true)).await;
        let mut refused = mqtt_kit_codec::ConnAck::new(ConnectReasonCode::ServerUnavailable);
        refused.properties.server_reference = Some("127.0.0.1:1".into());
        peer.send(refused).await;
        let mut peer = setup.broker.accept().await;
        peer.expect(connect_packet(V5, false)).await;
        peer.send(connack(false)).await;
        let list: mqtt_kit_client::BrokerAddress = setup.broker.uri().parse().unwrap();
        assert!(
            setup
                .connector
                .attempts()
                .iter()
                .all(|tried| *tried == list)
        );
        disconnect(setup, peer).await;
    });
}
