//! Incoming publishes: QoS 0/1/2, exactly-once, manual acknowledgement in order, our own
//! limits.

use std::num::NonZeroU32;

use mqtt_kit_codec::{
    AckProperties, Disconnect, DisconnectReasonCode, Packet, PubAck, PubAckReasonCode, PubComp,
    PubCompReasonCode, PubRec, PubRecReasonCode, PubRel, Publish, QoS,
};
use mqtt_kit_session::{
    AckMode, AckToken, CommandError, DisconnectReason, Event, ProtocolError, SessionConfig,
};

use crate::support::*;

fn messages(events: &[Event]) -> Vec<(String, Option<AckToken>)> {
    delivered(events)
        .into_iter()
        .map(|(payload, _, ack)| (payload, ack))
        .collect()
}

fn manual(version: mqtt_kit_codec::ProtocolVersion) -> SessionConfig {
    let mut config = config(version);
    config.ack_mode = AckMode::Manual;
    config
}

#[test]
fn qos0_is_delivered_without_reply() {
    shows!("3.1.1", "MQTT-3.3.4-1"; "5.0", "MQTT-3.3.4-1");
    let mut h = Harness::connected(config(V311));
    h.receive("a", "x", QoS::AtMostOnce, None);
    assert_eq!(messages(&h.events()), [("x".to_owned(), None)]);
    h.expect_silent();
}

#[test]
fn qos1_is_answered_with_puback_of_the_same_id() {
    shows!("3.1.1", "MQTT-4.3.2-2"; "5.0", "MQTT-4.3.2-4"; "3.1.1", "MQTT-3.3.4-1"; "5.0", "MQTT-3.3.4-1";
        "3.1.1", "MQTT-4.5.0-2"; "5.0", "MQTT-4.5.0-2");
    for version in [V311, V5] {
        let mut h = Harness::connected(config(version));
        h.receive("a", "x", QoS::AtLeastOnce, Some(300));
        assert_eq!(messages(&h.events()), [("x".to_owned(), None)]);
        h.expect_sent([PubAck::new(id(300))]);
    }
}

#[test]
fn a_qos1_id_acknowledged_names_a_new_message() {
    shows!("5.0", "MQTT-4.3.2-5");
    let mut h = Harness::connected(config(V5));
    h.receive("a", "1", QoS::AtLeastOnce, Some(4));
    h.receive("a", "2", QoS::AtLeastOnce, Some(4));
    assert_eq!(messages(&h.events()).len(), 2);
    h.expect_sent([PubAck::new(id(4)), PubAck::new(id(4))]);
}

#[test]
fn qos2_is_delivered_once_until_pubrel() {
    shows!("3.1.1", "MQTT-4.3.3-2"; "5.0", "MQTT-4.3.3-8"; "5.0", "MQTT-4.3.3-10"; "5.0", "MQTT-4.3.3-11";
        "5.0", "MQTT-4.3.3-12"; "3.1.1", "MQTT-3.3.4-1");
    for version in [V311, V5] {
        let mut h = Harness::connected(config(version));
        h.receive("a", "first", QoS::ExactlyOnce, Some(9));
        h.expect_sent([PubRec::new(id(9))]);
        // The same message again (DUP): answered, not delivered again.
        h.broker(sent_publish("a", "first", QoS::ExactlyOnce, Some(9), true))
            .unwrap();
        h.expect_sent([PubRec::new(id(9))]);
        assert_eq!(messages(&h.events()), [("first".to_owned(), None)]);
        h.broker(PubRel::new(id(9))).unwrap();
        h.expect_sent([PubComp::new(id(9))]);
        // After PUBCOMP the identifier names a new message.
        h.receive("a", "second", QoS::ExactlyOnce, Some(9));
        assert_eq!(messages(&h.events()), [("second".to_owned(), None)]);
        h.expect_sent([PubRec::new(id(9))]);
    }
}

#[test]
fn qos2_continues_even_for_an_expired_message() {
    shows!("5.0", "MQTT-4.3.3-13");
    let mut h = Harness::connected(config(V5));
    let mut publish = sent_publish("a", "x", QoS::ExactlyOnce, Some(1), false);
    publish.properties.message_expiry_interval = Some(0);
    h.broker(publish).unwrap();
    h.advance(5.0);
    h.expect_sent([PubRec::new(id(1))]);
    h.broker(PubRel::new(id(1))).unwrap();
    h.expect_sent([PubComp::new(id(1))]);
}

#[test]
fn a_refused_qos2_id_names_a_new_message() {
    shows!("5.0", "MQTT-4.3.3-9");
    let mut h = Harness::connected(manual(V5));
    h.receive("a", "1", QoS::ExactlyOnce, Some(3));
    let token = messages(&h.events())[0].1.unwrap();
    h.session
        .acknowledge_with(
            token,
            PubAckReasonCode::NotAuthorized,
            AckProperties::default(),
        )
        .unwrap();
    let mut refused = PubRec::new(id(3));
    refused.code = PubRecReasonCode::NotAuthorized;
    h.expect_sent([refused]);
    h.receive("a", "2", QoS::ExactlyOnce, Some(3));
    assert_eq!(messages(&h.events()).len(), 1, "delivered as a new message");
}

#[test]
fn manual_acknowledgements_leave_in_arrival_order() {
    shows!("3.1.1", "MQTT-4.6.0-2"; "3.1.1", "MQTT-4.6.0-3"; "5.0", "MQTT-4.6.0-2"; "5.0", "MQTT-4.6.0-3");
    for version in [V311, V5] {
        let mut h = Harness::connected(manual(version));
        h.receive("a", "1", QoS::AtLeastOnce, Some(1));
        h.receive("a", "2", QoS::ExactlyOnce, Some(2));
        h.receive("a", "3", QoS::AtMostOnce, None);
        h.receive("a", "4", QoS::AtLeastOnce, Some(4));
        let delivered = messages(&h.events());
        assert_eq!(delivered.len(), 4);
        assert!(delivered[2].1.is_none(), "QoS 0 needs no acknowledgement");
        let token = |i: usize| delivered[i].1.unwrap();
        // Acknowledged 4, 2, 1: nothing leaves before 1, then all in arrival order.
        h.session.acknowledge(token(3)).unwrap();
        h.expect_silent();
        h.session.acknowledge(token(1)).unwrap();
        h.expect_silent();
        h.session.acknowledge(token(0)).unwrap();
        h.expect_sent([
            Packet::PubAck(PubAck::new(id(1))),
            Packet::PubRec(PubRec::new(id(2))),
            Packet::PubAck(PubAck::new(id(4))),
        ]);
        assert_eq!(
            h.session.acknowledge(token(0)),
            Err(CommandError::UnknownAckToken)
        );
        assert_eq!(token(1).qos(), QoS::ExactlyOnce);
        assert_eq!(token(1).packet_id(), id(2));
    }
}

#[test]
fn repeats_of_a_qos2_publish_waiting_behind_an_acknowledgement_take_no_more_room() {
    // A broker that keeps sending the same QoS 2 PUBLISH while the application holds an
    // earlier message: one PUBREC is owed and kept, not one per copy (no unbounded growth).
    shows!("5.0", "MQTT-4.3.3-10"; "5.0", "MQTT-4.6.0-3");
    let mut h = Harness::connected(manual(V5));
    h.receive("a", "1", QoS::AtLeastOnce, Some(1));
    h.receive("a", "2", QoS::ExactlyOnce, Some(2));
    let delivered = messages(&h.events());
    h.session.acknowledge(delivered[1].1.unwrap()).unwrap();
    for _ in 0..1000 {
        h.broker(sent_publish("a", "2", QoS::ExactlyOnce, Some(2), true))
            .unwrap();
    }
    assert!(messages(&h.events()).is_empty(), "never delivered again");
    h.expect_silent();
    h.session.acknowledge(delivered[0].1.unwrap()).unwrap();
    h.expect_sent([
        Packet::PubAck(PubAck::new(id(1))),
        Packet::PubRec(PubRec::new(id(2))),
    ]);
    // Once that PUBREC is written, a repeat is answered again.
    h.broker(sent_publish("a", "2", QoS::ExactlyOnce, Some(2), true))
        .unwrap();
    h.expect_sent([PubRec::new(id(2))]);
}

#[test]
fn automatic_mode_refuses_manual_acknowledgement() {
    let mut h = Harness::connected(manual(V5));
    h.receive("a", "1", QoS::AtLeastOnce, Some(1));
    let token = messages(&h.events())[0].1.unwrap();
    let mut other = Harness::connected(config(V5));
    assert_eq!(
        other.session.acknowledge(token),
        Err(CommandError::NotManualAck)
    );
}

#[test]
fn a_pubrel_for_an_unknown_id_is_completed() {
    let mut h = Harness::connected(config(V5));
    h.broker(PubRel::new(id(8))).unwrap();
    let mut pubcomp = PubComp::new(id(8));
    pubcomp.code = PubCompReasonCode::PacketIdentifierNotFound;
    h.expect_sent([pubcomp]);
    let mut h = Harness::connected(config(V311));
    h.broker(PubRel::new(id(8))).unwrap();
    h.expect_sent([PubComp::new(id(8))]);
}

#[test]
fn a_pubrel_before_our_pubrec_is_a_protocol_error() {
    let mut h = Harness::connected(manual(V5));
    h.receive("a", "1", QoS::ExactlyOnce, Some(1));
    assert_eq!(
        h.broker(PubRel::new(id(1))),
        Err(ProtocolError::PubRelBeforePubRec(1))
    );
    h.expect_sent([Disconnect::new(DisconnectReasonCode::ProtocolError)]);
}

#[test]
fn a_qos1_publish_reusing_an_answered_qos2_id_ends_that_exchange_instead_of_looping() {
    // A broker restarted from an older saved state reuses the identifier of a QoS 2
    // exchange we answered with PUBREC. A protocol error would repeat on every reconnection.
    let mut h = Harness::connected(config(V5));
    h.receive("a", "1", QoS::ExactlyOnce, Some(1));
    h.expect_sent([PubRec::new(id(1))]);
    h.events();
    h.broker(sent_publish("a", "2", QoS::AtLeastOnce, Some(1), false))
        .unwrap();
    h.expect_sent([PubAck::new(id(1))]);
    assert_eq!(h.events().len(), 1, "the new message is delivered");
    // The old exchange is gone: a PUBREL for it is completed as unknown.
    h.broker(PubRel::new(id(1))).unwrap();
    h.expect_sent([PubComp {
        packet_id: id(1),
        code: PubCompReasonCode::PacketIdentifierNotFound,
        properties: Default::default(),
    }]);
}

#[test]
fn a_qos1_publish_reusing_a_qos2_id_not_yet_answered_is_a_protocol_error() {
    let mut h = Harness::connected(manual(V5));
    h.receive("a", "1", QoS::ExactlyOnce, Some(1));
    assert_eq!(
        h.broker(sent_publish("a", "1", QoS::AtLeastOnce, Some(1), false)),
        Err(ProtocolError::PacketIdInUse(1))
    );
}

#[test]
fn our_receive_maximum_is_enforced_with_disconnect_0x93() {
    shows!("5.0", "MQTT-3.3.4-9");
    let mut config = manual(V5);
    config.receive_maximum = 2;
    let mut h = Harness::new(config);
    h.session.connect(h.now).unwrap();
    match h.sent().as_slice() {
        [Packet::Connect(connect)] => {
            assert_eq!(connect.properties.receive_maximum.map(|m| m.get()), Some(2))
        }
        other => panic!("{other:?}"),
    }
    h.broker(connack_ok(false)).unwrap();
    h.receive("a", "1", QoS::AtLeastOnce, Some(1));
    h.receive("a", "2", QoS::ExactlyOnce, Some(2));
    // QoS 0 does not count.
    h.receive("a", "3", QoS::AtMostOnce, None);
    let tokens: Vec<_> = messages(&h.events())
        .into_iter()
        .filter_map(|(_, t)| t)
        .collect();
    // Once PUBACK is sent the slot is free again.
    h.session.acknowledge(tokens[0]).unwrap();
    h.receive("a", "4", QoS::AtLeastOnce, Some(3));
    h.sent();
    assert_eq!(
        h.broker(sent_publish("a", "5", QoS::AtLeastOnce, Some(4), false)),
        Err(ProtocolError::ReceiveMaximumExceeded(2))
    );
    h.expect_sent([Disconnect::new(
        DisconnectReasonCode::ReceiveMaximumExceeded,
    )]);
}

#[test]
fn an_oversized_incoming_packet_ends_the_connection_with_0x95() {
    shows!("5.0", "MQTT-3.1.2-24");
    let mut config = config(V5);
    config.maximum_packet_size = Some(64);
    let mut h = Harness::new(config);
    h.session.connect(h.now).unwrap();
    match h.sent().as_slice() {
        [Packet::Connect(connect)] => {
            assert_eq!(connect.properties.maximum_packet_size, NonZeroU32::new(64))
        }
        other => panic!("{other:?}"),
    }
    h.broker(connack_ok(false)).unwrap();
    let big = Publish::new(topic("a"), vec![7u8; 100], QoS::AtMostOnce);
    let error = h.broker(big).unwrap_err();
    assert_eq!(
        error.disconnect_reason(),
        DisconnectReasonCode::PacketTooLarge
    );
    h.expect_sent([Disconnect::new(DisconnectReasonCode::PacketTooLarge)]);
    assert!(matches!(
        h.events().last(),
        Some(Event::Disconnected(DisconnectReason::ProtocolViolation(
            ProtocolError::Decode(_)
        )))
    ));
}

#[test]
fn a_zero_limit_of_ours_is_neither_announced_nor_enforced() {
    // 0 is not a valid Receive Maximum or Maximum Packet Size, so CONNECT leaves them out and
    // the server may use the protocol's defaults: enforcing anything else would end
    // connections the server has every right to expect to work.
    let mut config = config(V5);
    config.receive_maximum = 0;
    config.maximum_packet_size = Some(0);
    let mut h = Harness::new(config);
    h.session.connect(h.now).unwrap();
    match h.sent().as_slice() {
        [Packet::Connect(connect)] => {
            assert_eq!(connect.properties.receive_maximum, None);
            assert_eq!(connect.properties.maximum_packet_size, None);
        }
        other => panic!("{other:?}"),
    }
    h.broker(connack_ok(false)).unwrap();
    h.receive("a", "1", QoS::ExactlyOnce, Some(1));
    h.receive("a", "2", QoS::ExactlyOnce, Some(2));
    h.receive("a", "3", QoS::AtLeastOnce, Some(3));
    assert_eq!(messages(&h.events()).len(), 3);
    h.expect_sent([
        Packet::PubRec(PubRec::new(id(1))),
        Packet::PubRec(PubRec::new(id(2))),
        Packet::PubAck(PubAck::new(id(3))),
    ]);
}

#[test]
fn a_byte_order_mark_in_a_topic_is_kept() {
    shows!("3.1.1", "MQTT-1.5.3-3"; "5.0", "MQTT-1.5.4-3");
    for version in [V311, V5] {
        let mut h = Harness::connected(config(version));
        h.receive("\u{FEFF}a", "x", QoS::AtMostOnce, None);
        match h.events().as_slice() {
            [Event::Message(message)] => assert_eq!(message.publish.topic.as_str(), "\u{FEFF}a"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn packets_are_taken_whole_from_any_split_of_the_byte_stream() {
    shows!("3.1.1", "MQTT-6.0.0-2"; "5.0", "MQTT-6.0.0-2");
    let mut h = Harness::connected(config(V5));
    let mut bytes = bytes::BytesMut::new();
    for n in 1..=3 {
        Packet::Publish(sent_publish(
            "a/b",
            "payload",
            QoS::AtLeastOnce,
            Some(n),
            false,
        ))
        .encode(V5, None, &mut bytes)
        .unwrap();
    }
    // One byte at a time: partial packets wait, whole ones are taken.
    let mut buffer = bytes::BytesMut::new();
    for byte in bytes.iter() {
        buffer.extend_from_slice(&[*byte]);
        h.session.handle_read(&mut buffer, h.now).unwrap();
    }
    assert!(buffer.is_empty());
    assert_eq!(messages(&h.events()).len(), 3);
    h.expect_sent([PubAck::new(id(1)), PubAck::new(id(2)), PubAck::new(id(3))]);
}
