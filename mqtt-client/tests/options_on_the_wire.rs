//! The options a strict broker (or one that mishandles what the client does on its own)
//! needs, shown by the bytes on the wire: automatic topic aliases and subscription
//! identifiers on and off, `empty_state_may_resume`, a Will from a `&str` topic and a cleared
//! one, and a publish built with `publish_with`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use mqtt_kit_client::{PayloadFormat, QoS};
use mqtt_kit_codec::{Publish, SubAck, SubscribeReasonCode, Will};

#[macro_use]
mod support;
use support::scripted::Mode;
use support::setup::*;
use support::within;

use mqtt_kit_client::ProtocolVersion::V5;

/// A CONNACK that lets the client use up to 10 topic aliases.
fn connack_with_aliases() -> mqtt_kit_codec::ConnAck {
    let mut connack = connack(false);
    connack.properties.topic_alias_maximum = Some(10);
    connack
}

/// Publishes QoS 0 "x" to `a/b` twice; the broker reads exactly `expected`.
async fn two_publishes(topic_aliases: Option<bool>, expected: &[u8]) {
    let setup = start(V5, Mode::Whole, |options| match topic_aliases {
        Some(on) => options.topic_aliases(on),
        None => options,
    })
    .await;
    let mut peer = setup.broker.accept().await;
    peer.expect(connect_packet(V5, true)).await;
    peer.send(connack_with_aliases()).await;
    for _ in 0..2 {
        within(setup.client.publish("a/b", "x", QoS::AtMostOnce))
            .await
            .unwrap();
    }
    peer.expect_bytes(expected).await;
    disconnect(setup, peer).await;
}

#[test]
fn without_automatic_topic_aliases_every_publish_carries_its_topic_and_no_alias() {
    smol::block_on(async {
        // PUBLISH QoS 0, topic "a/b", no properties, payload "x": twice, the same.
        let plain = [0x30, 0x07, 0x00, 0x03, b'a', b'/', b'b', 0x00, b'x'];
        two_publishes(Some(false), &[plain, plain].concat()).await;
        // By default the topic is sent once, then only its alias (property 0x23).
        let first = [0x30, 0x0a, 0, 3, b'a', b'/', b'b', 0x03, 0x23, 0, 1, b'x'];
        let second = [0x30, 0x07, 0, 0, 0x03, 0x23, 0, 1, b'x'];
        two_publishes(None, &[&first[..], &second[..]].concat()).await;
    });
}

/// Subscribes to `a/b`; the broker reads exactly `expected`.
async fn subscribe(subscription_identifiers: bool, expected: &[u8]) {
    let setup = start(V5, Mode::Whole, |options| {
        options.subscription_identifiers(subscription_identifiers)
    })
    .await;
    let mut peer = accept(&setup, true, false).await;
    let client = setup.client.clone();
    let subscribing = smol::spawn(async move { client.subscribe("a/b", QoS::AtLeastOnce).await });
    peer.expect_bytes(expected).await;
    peer.send(SubAck::new(id(1), vec![SubscribeReasonCode::GrantedQoS1]))
        .await;
    within(subscribing).await.unwrap();
    disconnect(setup, peer).await;
}

#[test]
fn without_automatic_subscription_identifiers_subscribe_has_no_identifier() {
    smol::block_on(async {
        // SUBSCRIBE id 1, no properties, "a/b" at QoS 1.
        let plain = [0x82, 0x09, 0, 1, 0x00, 0, 3, b'a', b'/', b'b', 0x01];
        subscribe(false, &plain).await;
        // By default: Subscription Identifier (property 0x0B) 1.
        let identified = [
            0x82, 0x0b, 0, 1, 0x02, 0x0b, 0x01, 0, 3, b'a', b'/', b'b', 0x01,
        ];
        subscribe(true, &identified).await;
    });
}

#[test]
fn a_new_client_that_may_not_resume_on_empty_state_refuses_session_present_and_starts_clean() {
    smol::block_on(async {
        let setup = start(V5, Mode::Whole, |options| {
            options.clean(false).empty_state_may_resume(false)
        })
        .await;
        let mut peer = setup.broker.accept().await;
        peer.expect(connect_packet(V5, false)).await;
        peer.send(connack(true)).await;
        // DISCONNECT with 0x82, Protocol Error [MQTT-3.2.2-4]...
        peer.expect_bytes(&[0xe0, 0x01, 0x82]).await;
        peer.expect_closed().await;
        // ...and the next connection asks for a clean start.
        let mut peer = setup.broker.accept().await;
        peer.expect(connect_packet(V5, true)).await;
        peer.send(connack(false)).await;
        disconnect(setup, peer).await;
    });
}

#[test]
fn by_default_a_new_client_takes_over_the_session_the_broker_kept() {
    smol::block_on(async {
        let setup = start(V5, Mode::Whole, |options| options.clean(false)).await;
        let peer = accept(&setup, false, true).await;
        within(setup.client.wait_connected()).await.unwrap();
        assert!(setup.client.is_connected());
        disconnect(setup, peer).await;
    });
}

#[test]
fn a_will_from_a_str_topic_goes_in_connect_and_a_cleared_one_does_not() {
    smol::block_on(async {
        let setup = start(V5, Mode::Whole, |options| {
            options
                .will_message("devices/7/status", "offline", QoS::AtLeastOnce)
                .will_retain(true)
        })
        .await;
        let mut peer = setup.broker.accept().await;
        let mut connect = connect_packet(V5, true);
        let mut will = Will::new(topic("devices/7/status"), "offline", QoS::AtLeastOnce);
        will.retain = true;
        connect.will = Some(will);
        peer.expect(connect).await;
        peer.send(connack(false)).await;
        disconnect(setup, peer).await;

        let setup = start(V5, Mode::Whole, |options| {
            options
                .will_message("devices/7/status", "offline", QoS::AtLeastOnce)
                .clear_will()
        })
        .await;
        let peer = accept(&setup, true, false).await;
        disconnect(setup, peer).await;
    });
}

#[test]
fn publish_with_sends_retain_and_properties() {
    smol::block_on(async {
        let setup = start(V5, Mode::Whole, |options| options.topic_aliases(false)).await;
        let mut peer = accept(&setup, true, false).await;
        let client = setup.client.clone();
        let publishing = smol::spawn(async move {
            client
                .publish_with("sensors/7", "21.5")
                .qos(QoS::AtLeastOnce)
                .retain(true)
                .payload_format(PayloadFormat::Utf8)
                .message_expiry(Duration::from_secs(600))
                .content_type("text/plain")
                .response_topic("replies/7")
                .correlation_data("request-1")
                .user_property("unit", "celsius")
                .await
        });
        let mut expected = publish("sensors/7", "21.5", QoS::AtLeastOnce, Some(1));
        expected.retain = true;
        let properties = &mut expected.properties;
        properties.payload_format_indicator = Some(PayloadFormat::Utf8);
        properties.message_expiry_interval = Some(600);
        properties.content_type = Some("text/plain".into());
        properties.response_topic = Some(topic("replies/7"));
        properties.correlation_data = Some("request-1".into());
        properties.user_properties = vec![("unit".into(), "celsius".into())];
        peer.expect(expected).await;
        peer.send(mqtt_kit_codec::PubAck::new(id(1))).await;
        assert_eq!(within(publishing).await.unwrap().reason_code(), 0);
        disconnect(setup, peer).await;
    });
}

#[test]
fn publish_with_an_invalid_topic_sends_nothing() {
    smol::block_on(async {
        let setup = start(V5, Mode::Whole, |options| options).await;
        let peer = accept(&setup, true, false).await;
        let wildcard = setup.client.publish_with("sensors/+", "x").await;
        assert!(matches!(
            wildcard,
            Err(mqtt_kit_client::ClientError::Topic(_))
        ));
        let response = setup
            .client
            .publish_with("sensors/7", "x")
            .response_topic("replies/#")
            .await;
        assert!(matches!(
            response,
            Err(mqtt_kit_client::ClientError::Topic(_))
        ));
        let built: Publish = setup
            .client
            .publish_with("sensors/7", "x")
            .retain(true)
            .build()
            .unwrap();
        assert!(built.retain && built.packet_id.is_none());
        // Nothing went out: the next bytes the broker reads are the DISCONNECT.
        disconnect(setup, peer).await;
    });
}
