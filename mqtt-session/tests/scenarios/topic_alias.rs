//! Topic aliases both ways.

use std::num::NonZeroU16;

use mqtt_kit_codec::{Disconnect, DisconnectReasonCode, Packet, Publish, QoS, TopicName};
use mqtt_kit_session::{CommandError, ProtocolError};

use crate::support::*;

fn aliased(name: &str, payload: &'static str, alias: u16) -> Publish {
    let mut publish = sent_publish(name, payload, QoS::AtMostOnce, None, false);
    publish.properties.topic_alias = NonZeroU16::new(alias);
    publish
}

fn reused(payload: &'static str, alias: u16) -> Publish {
    let mut publish = aliased("x", payload, alias);
    publish.topic = TopicName::empty();
    publish
}

#[test]
fn outgoing_aliases_stay_within_the_server_maximum() {
    shows!("5.0", "MQTT-3.3.2-8"; "5.0", "MQTT-3.3.2-9"; "5.0", "MQTT-3.2.2-17");
    let mut connack = connack_ok(false);
    connack.properties.topic_alias_maximum = Some(2);
    let mut h = Harness::connected_with(config(V5), connack);
    for (name, payload) in [("a", "1"), ("b", "2"), ("a", "3"), ("c", "4"), ("a", "5")] {
        h.session
            .publish(message(name, payload, QoS::AtMostOnce))
            .unwrap();
    }
    // 1 and 2 assigned; "a" reused; "c" takes the least recently used alias (b's, 2).
    h.expect_sent([
        aliased("a", "1", 1),
        aliased("b", "2", 2),
        reused("3", 1),
        aliased("c", "4", 2),
        reused("5", 1),
    ]);
    let mut bad = message("a", "x", QoS::AtMostOnce);
    bad.properties.topic_alias = NonZeroU16::new(1);
    assert_eq!(
        h.session.publish(bad),
        Err(CommandError::TopicAliasSetByCaller)
    );
}

#[test]
fn no_alias_is_sent_when_the_server_takes_none() {
    shows!("5.0", "MQTT-3.2.2-18");
    let mut h = Harness::connected(config(V5));
    h.session
        .publish(message("a", "1", QoS::AtMostOnce))
        .unwrap();
    h.session
        .publish(message("a", "2", QoS::AtMostOnce))
        .unwrap();
    h.expect_sent([
        sent_publish("a", "1", QoS::AtMostOnce, None, false),
        sent_publish("a", "2", QoS::AtMostOnce, None, false),
    ]);
}

#[test]
fn aliases_are_forgotten_with_the_connection() {
    shows!("5.0", "MQTT-3.3.2-7");
    let mut connack = connack_ok(false);
    connack.properties.topic_alias_maximum = Some(2);
    let mut h = Harness::connected_with(config(V5), connack.clone());
    h.session
        .publish(message("a", "1", QoS::AtMostOnce))
        .unwrap();
    h.broker(aliased("in", "x", 1)).unwrap();
    h.sent();
    h.lose_connection();
    h.reconnect(connack);
    h.events();
    // Outgoing: assigned anew. Incoming: the old mapping is gone.
    h.session
        .publish(message("a", "2", QoS::AtMostOnce))
        .unwrap();
    h.expect_sent([aliased("a", "2", 1)]);
    assert_eq!(
        h.broker(reused("y", 1)),
        Err(ProtocolError::UnknownTopicAlias(1))
    );
}

#[test]
fn incoming_aliases_up_to_our_maximum_are_resolved() {
    shows!("5.0", "MQTT-3.3.2-10");
    let mut config = config(V5);
    config.topic_alias_maximum = 3;
    let mut h = Harness::connected(config);
    h.broker(aliased("sensors/1", "a", 3)).unwrap();
    h.broker(reused("b", 3)).unwrap();
    h.broker(aliased("sensors/2", "c", 3)).unwrap();
    h.broker(reused("d", 3)).unwrap();
    let topics: Vec<(String, String)> = h
        .events()
        .into_iter()
        .filter_map(|event| match event {
            mqtt_kit_session::Event::Message(m) => Some((
                m.publish.topic.to_string(),
                String::from_utf8_lossy(&m.publish.payload).into_owned(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        topics,
        [
            ("sensors/1".to_owned(), "a".to_owned()),
            ("sensors/1".to_owned(), "b".to_owned()),
            ("sensors/2".to_owned(), "c".to_owned()),
            ("sensors/2".to_owned(), "d".to_owned())
        ]
    );
}

#[test]
fn an_alias_above_our_maximum_ends_the_connection_with_0x94() {
    shows!("5.0", "MQTT-3.1.2-26"; "5.0", "MQTT-3.1.2-27");
    let mut config = config(V5);
    config.topic_alias_maximum = 2;
    let mut h = Harness::connected(config);
    assert_eq!(
        h.broker(aliased("a", "x", 3)),
        Err(ProtocolError::TopicAliasInvalid(3))
    );
    h.expect_sent([Disconnect::new(DisconnectReasonCode::TopicAliasInvalid)]);
    // With no aliases announced, any alias is invalid.
    let mut config = self::config(V5);
    config.topic_alias_maximum = 0;
    let mut h = Harness::connected(config);
    match h.sent().as_slice() {
        [] => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(
        h.broker(aliased("a", "x", 1)),
        Err(ProtocolError::TopicAliasInvalid(1))
    );
    h.expect_sent([Packet::Disconnect(Disconnect::new(
        DisconnectReasonCode::TopicAliasInvalid,
    ))]);
}
