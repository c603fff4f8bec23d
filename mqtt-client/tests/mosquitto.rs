//! Against a real broker: mosquitto, started by each test on free loopback ports (the tests
//! are ignored unless asked for; CI runs them, and a missing mosquitto is then a failure).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use mqtt_client::{Client, Event, Options, ProtocolVersion, Published, QoS};
use mqtt_testkit::{Listener, Mosquitto};

mod support;
use support::within;

fn options(broker: &Mosquitto, version: ProtocolVersion, id: &str) -> Options {
    Options::builder()
        .uri(format!("mqtt://127.0.0.1:{}", broker.port(0)))
        .id(id)
        .version(version)
        .build()
        .unwrap()
}

/// Connect, subscribe, publish at each QoS, receive each message on the subscription stream,
/// unsubscribe, disconnect.
async fn basic_flow(version: ProtocolVersion) {
    let broker = Mosquitto::start(&[Listener::tcp()]);
    let (client, driver) = Client::new(options(&broker, version, "basic-flow"));
    let mut events = client.events();
    let driver = smol::spawn(driver.run());

    let mut subscription = within(client.subscribe("basic/#", QoS::ExactlyOnce))
        .await
        .unwrap();
    assert_eq!(
        subscription.results()[0].1,
        Ok(QoS::ExactlyOnce),
        "granted QoS 2"
    );
    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
        let topic = format!("basic/{}", qos.as_u8());
        let done = within(client.publish(&topic, format!("payload {}", qos.as_u8()), qos))
            .await
            .unwrap();
        match (qos, &done) {
            (QoS::AtMostOnce, Published::Written) => {}
            (QoS::AtLeastOnce, Published::PubAck(_)) => {}
            (QoS::ExactlyOnce, Published::PubComp(_)) => {}
            other => panic!("unexpected completion {other:?}"),
        }
        let message = within(subscription.next()).await.unwrap();
        assert_eq!(message.topic(), topic);
        assert_eq!(message.qos(), qos);
        assert_eq!(
            &message.payload()[..],
            format!("payload {}", qos.as_u8()).as_bytes()
        );
    }
    let unsuback = within(client.unsubscribe(&["basic/#"])).await.unwrap();
    let expected_codes = if version == ProtocolVersion::V5 { 1 } else { 0 };
    assert_eq!(unsuback.codes.len(), expected_codes);
    assert!(unsuback.codes.iter().all(|code| !code.is_error()));
    assert!(
        within(subscription.next()).await.is_none(),
        "the stream ends"
    );
    within(client.disconnect()).await.unwrap();
    within(driver).await.unwrap();
    let mut seen_connected = false;
    while let Some(event) = events.try_next() {
        if let Event::Connected(connected) = event {
            assert!(!connected.session_present);
            seen_connected = true;
        }
    }
    assert!(seen_connected);
}

#[test]
#[ignore = "needs mosquitto"]
fn basic_flow_v311() {
    smol::block_on(basic_flow(ProtocolVersion::V3_1_1));
}

#[test]
#[ignore = "needs mosquitto"]
fn basic_flow_v5() {
    smol::block_on(basic_flow(ProtocolVersion::V5));
}

#[test]
#[ignore = "needs mosquitto"]
fn v5_subscription_identifiers_route_overlapping_subscriptions() {
    smol::block_on(async {
        let broker = Mosquitto::start(&[Listener::tcp()]);
        let client = Client::spawn(options(&broker, ProtocolVersion::V5, "ids"));
        let mut all = within(client.subscribe("ids/#", QoS::AtLeastOnce))
            .await
            .unwrap();
        let mut one = within(client.subscribe("ids/one", QoS::AtLeastOnce))
            .await
            .unwrap();
        assert_ne!(all.identifier(), None);
        assert_ne!(all.identifier(), one.identifier());
        within(client.publish("ids/two", "2", QoS::AtLeastOnce))
            .await
            .unwrap();
        within(client.publish("ids/one", "1", QoS::AtLeastOnce))
            .await
            .unwrap();
        let first = within(all.next()).await.unwrap();
        assert_eq!(first.topic(), "ids/two");
        let second = within(all.next()).await.unwrap();
        assert_eq!(second.topic(), "ids/one");
        let only = within(one.next()).await.unwrap();
        assert_eq!(only.topic(), "ids/one");
        assert_eq!(
            only.properties().subscription_identifiers,
            vec![one.identifier().unwrap()],
            "mosquitto sends one PUBLISH per matching subscription, each with its identifier"
        );
        smol::Timer::after(Duration::from_millis(100)).await;
        assert!(one.try_next().is_none(), "ids/two never matched ids/one");
        within(client.disconnect()).await.unwrap();
    });
}
