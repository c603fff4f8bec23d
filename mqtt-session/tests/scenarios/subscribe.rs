//! SUBSCRIBE and UNSUBSCRIBE.

use mqtt_kit_codec::{
    Packet, PacketType, QoS, RetainHandling, SubAck, SubscribeReasonCode, SubscriptionOptions,
    UnsubAck, UnsubAckReasonCode,
};
use mqtt_kit_session::{CommandError, Event, ProtocolError, RequestLost};

use crate::support::*;

#[test]
fn subscribe_carries_every_v5_option_and_gets_a_result_per_filter() {
    shows!("5.0", "MQTT-3.8.1-1"; "5.0", "MQTT-3.8.3-1"; "5.0", "MQTT-3.8.3-5"; "5.0", "MQTT-3.8.4-2";
        "5.0", "MQTT-3.8.4-6"; "5.0", "MQTT-3.9.3-1"; "5.0", "MQTT-2.2.1-6");
    let mut h = Harness::connected(config(V5));
    let options = SubscriptionOptions {
        qos: QoS::ExactlyOnce,
        no_local: true,
        retain_as_published: true,
        retain_handling: RetainHandling::DoNotSend,
    };
    let mut properties = mqtt_kit_codec::SubscribeProperties {
        subscription_identifier: Some(mqtt_kit_codec::SubscriptionId::new(300).unwrap()),
        ..Default::default()
    };
    properties.user_properties.push(("k".into(), "v".into()));
    let token = h
        .session
        .subscribe(
            vec![
                (filter("a/+/c"), options),
                (
                    filter("$share/g/x"),
                    SubscriptionOptions::new(QoS::AtMostOnce),
                ),
            ],
            properties,
        )
        .unwrap();
    let bytes = h.sent_bytes();
    assert_eq!(bytes[0], 0x82, "SUBSCRIBE, reserved flags 0010");
    // Options byte of the first filter: retain handling 2, RAP, NL, QoS 2; reserved bits 0.
    let at = bytes
        .windows(7)
        .position(|w| w == b"\x00\x05a/+/c")
        .unwrap()
        + 7;
    assert_eq!(bytes[at], 0b0010_1110);
    // A SUBACK for another identifier is not this request's.
    let packet_id = match decode_all(&bytes, V5).as_slice() {
        [Packet::Subscribe(subscribe)] => subscribe.packet_id,
        other => panic!("{other:?}"),
    };
    let suback = SubAck::new(
        packet_id,
        vec![
            SubscribeReasonCode::GrantedQoS2,
            SubscribeReasonCode::NotAuthorized,
        ],
    );
    h.broker(suback.clone()).unwrap();
    assert_eq!(
        h.events(),
        [Event::SubscribeDone {
            token,
            result: Ok(suback)
        }]
    );
    let granted: Vec<String> = h
        .session
        .subscriptions()
        .map(|s| s.filter.to_string())
        .collect();
    assert_eq!(
        granted,
        ["a/+/c"],
        "per filter: the refused one is not recorded"
    );
}

#[test]
fn subscribe_in_311_maps_return_codes_by_position() {
    shows!("3.1.1", "MQTT-3.8.1-1"; "3.1.1", "MQTT-3.8.3-1"; "3.1.1", "MQTT-3.8.3-4"; "3.1.1", "MQTT-3.8.4-2";
        "3.1.1", "MQTT-3.8.4-5"; "3.1.1", "MQTT-3.9.3-1"; "3.1.1", "MQTT-2.3.1-7");
    let mut h = Harness::connected(config(V311));
    let token = h
        .session
        .subscribe(
            vec![
                (filter("a"), SubscriptionOptions::new(QoS::AtLeastOnce)),
                (filter("b/#"), SubscriptionOptions::new(QoS::ExactlyOnce)),
            ],
            Default::default(),
        )
        .unwrap();
    let bytes = h.sent_bytes();
    assert_eq!(bytes[0], 0x82);
    assert_eq!(
        &bytes[4..],
        b"\x00\x01a\x01\x00\x03b/#\x02",
        "QoS bytes with reserved bits 0"
    );
    h.broker_bytes(&[0x90, 0x04, 0x00, 0x01, 0x01, 0x80])
        .unwrap();
    match h.events().as_slice() {
        [
            Event::SubscribeDone {
                token: t,
                result: Ok(suback),
            },
        ] => {
            assert_eq!(*t, token);
            assert_eq!(
                suback.codes,
                [
                    SubscribeReasonCode::GrantedQoS1,
                    SubscribeReasonCode::UnspecifiedError
                ]
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_reserved_suback_return_code_in_311_closes_the_connection() {
    shows!("3.1.1", "MQTT-3.9.3-2");
    let mut h = Harness::connected(config(V311));
    h.session
        .subscribe(
            vec![(filter("a"), SubscriptionOptions::new(QoS::AtLeastOnce))],
            Default::default(),
        )
        .unwrap();
    h.sent();
    assert!(h.broker_bytes(&[0x90, 0x03, 0x00, 0x01, 0x03]).is_err());
    h.expect_silent();
    assert!(matches!(h.events().last(), Some(Event::Disconnected(_))));
}

#[test]
fn a_suback_must_answer_every_filter_of_a_pending_request() {
    let mut h = Harness::connected(config(V5));
    h.subscribe_to(&[("a", QoS::AtLeastOnce), ("b", QoS::AtLeastOnce)]);
    assert_eq!(
        h.broker(SubAck::new(id(1), vec![SubscribeReasonCode::GrantedQoS1])),
        Err(ProtocolError::ReasonCodeCount {
            packet: PacketType::SubAck,
            expected: 2,
            got: 1
        })
    );
    let mut h = Harness::connected(config(V5));
    assert_eq!(
        h.broker(SubAck::new(id(1), vec![SubscribeReasonCode::GrantedQoS1])),
        Err(ProtocolError::UnknownPacketId {
            packet: PacketType::SubAck,
            packet_id: 1
        })
    );
}

#[test]
fn subscribe_and_unsubscribe_need_a_filter() {
    shows!("3.1.1", "MQTT-3.8.3-3"; "5.0", "MQTT-3.8.3-2"; "3.1.1", "MQTT-3.10.3-2"; "5.0", "MQTT-3.10.3-2");
    for version in [V311, V5] {
        let mut h = Harness::connected(config(version));
        assert_eq!(
            h.session.subscribe(vec![], Default::default()),
            Err(CommandError::NoTopicFilter)
        );
        assert_eq!(
            h.session.unsubscribe(vec![], Default::default()),
            Err(CommandError::NoTopicFilter)
        );
        h.expect_silent();
    }
}

#[test]
fn no_local_on_a_shared_subscription_is_refused() {
    shows!("5.0", "MQTT-3.8.3-4");
    let mut h = Harness::connected(config(V5));
    let mut options = SubscriptionOptions::new(QoS::AtMostOnce);
    options.no_local = true;
    assert!(matches!(
        h.session
            .subscribe(vec![(filter("$share/g/a"), options)], Default::default()),
        Err(CommandError::NoLocalOnSharedSubscription { .. })
    ));
    h.expect_silent();
}

#[test]
fn features_the_server_lacks_are_refused() {
    let mut connack = connack_ok(false);
    connack.properties.wildcard_subscription_available = Some(false);
    connack.properties.shared_subscription_available = Some(false);
    connack.properties.subscription_identifiers_available = Some(false);
    let mut h = Harness::connected_with(config(V5), connack);
    let qos0 = SubscriptionOptions::new(QoS::AtMostOnce);
    for name in ["a/#", "$share/g/a"] {
        assert!(matches!(
            h.session
                .subscribe(vec![(filter(name), qos0)], Default::default()),
            Err(CommandError::FeatureNotAvailable { .. })
        ));
    }
    let properties = mqtt_kit_codec::SubscribeProperties {
        subscription_identifier: Some(mqtt_kit_codec::SubscriptionId::new(1).unwrap()),
        ..Default::default()
    };
    assert!(matches!(
        h.session.subscribe(vec![(filter("a"), qos0)], properties),
        Err(CommandError::FeatureNotAvailable {
            feature: "subscription identifiers"
        })
    ));
    h.expect_silent();
    // v5-only options on a 3.1.1 connection.
    let mut h = Harness::connected(config(V311));
    let mut options = qos0;
    options.retain_as_published = true;
    assert!(matches!(
        h.session
            .subscribe(vec![(filter("a"), options)], Default::default()),
        Err(CommandError::NeedsV5 { .. })
    ));
    assert!(
        h.session
            .subscribe(vec![(filter("a"), qos0)], Default::default())
            .is_ok()
    );
}

#[test]
fn unsubscribe_gets_a_result_per_filter() {
    shows!("3.1.1", "MQTT-3.10.1-1"; "3.1.1", "MQTT-3.10.3-1"; "3.1.1", "MQTT-3.10.4-4"; "5.0", "MQTT-3.10.1-1";
        "5.0", "MQTT-3.10.3-1"; "5.0", "MQTT-3.10.4-5"; "5.0", "MQTT-3.11.3-1");
    for version in [V311, V5] {
        let mut h = Harness::connected(config(version));
        h.subscribe_to(&[("a", QoS::AtLeastOnce), ("b", QoS::AtLeastOnce)]);
        h.broker(SubAck::new(
            id(1),
            vec![SubscribeReasonCode::GrantedQoS1; 2],
        ))
        .unwrap();
        let token = h
            .session
            .unsubscribe(vec![filter("a"), filter("b")], Default::default())
            .unwrap();
        let bytes = h.sent_bytes();
        assert_eq!(bytes[0], 0xA2, "UNSUBSCRIBE, reserved flags 0010");
        assert!(
            bytes.ends_with(b"\x00\x01a\x00\x01b"),
            "UTF-8 filters packed one after the other"
        );
        h.events();
        let codes = if version == V5 {
            vec![
                UnsubAckReasonCode::Success,
                UnsubAckReasonCode::NotAuthorized,
            ]
        } else {
            vec![]
        };
        let unsuback = UnsubAck::new(id(2), codes);
        h.broker(unsuback.clone()).unwrap();
        assert_eq!(
            h.events(),
            [Event::UnsubscribeDone {
                token,
                result: Ok(unsuback)
            }]
        );
        let left: Vec<String> = h
            .session
            .subscriptions()
            .map(|s| s.filter.to_string())
            .collect();
        let expected: &[&str] = if version == V5 { &["b"] } else { &[] };
        assert_eq!(left, expected);
    }
}

#[test]
fn requests_without_answer_fail_when_the_connection_ends() {
    let mut h = Harness::connected(config(V5));
    let sub = h
        .session
        .subscribe(
            vec![(filter("a"), SubscriptionOptions::new(QoS::AtMostOnce))],
            Default::default(),
        )
        .unwrap();
    let unsub = h
        .session
        .unsubscribe(vec![filter("a")], Default::default())
        .unwrap();
    h.lose_connection();
    let events = h.events();
    assert!(events.contains(&Event::SubscribeDone {
        token: sub,
        result: Err(RequestLost)
    }));
    assert!(events.contains(&Event::UnsubscribeDone {
        token: unsub,
        result: Err(RequestLost)
    }));
    assert_eq!(
        h.session.subscribe(
            vec![(filter("a"), SubscriptionOptions::new(QoS::AtMostOnce))],
            Default::default()
        ),
        Err(CommandError::NotConnected)
    );
    // Their identifiers are free again.
    let (_, _) = h.reconnect(connack_ok(false));
    h.session
        .publish(message("t", "x", QoS::AtLeastOnce))
        .unwrap();
    h.expect_sent([sent_publish("t", "x", QoS::AtLeastOnce, Some(3), false)]);
}
