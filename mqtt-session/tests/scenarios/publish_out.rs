//! Outgoing publishes: QoS 0/1/2, packet identifiers, the server's limits.

use std::num::{NonZeroU16, NonZeroU32};

use mqtt_kit_codec::{
    AckProperties, Packet, PacketType, PubAck, PubAckReasonCode, PubComp, PubRec, PubRecReasonCode,
    PubRel, PubRelReasonCode, QoS, SubscriptionOptions,
};
use mqtt_kit_session::{CommandError, Event, ProtocolError, PublishAck, PublishError};

use crate::support::*;

fn done(events: &[Event]) -> Vec<(u64, Result<PublishAck, PublishError>)> {
    events
        .iter()
        .filter_map(|event| match event {
            Event::PublishDone { token, result } => Some((token.get(), result.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn qos0_goes_out_once_without_packet_id_or_dup() {
    shows!("3.1.1", "MQTT-4.3.1-1"; "5.0", "MQTT-4.3.1-1"; "3.1.1", "MQTT-3.3.1-2"; "5.0", "MQTT-3.3.1-2";
        "3.1.1", "MQTT-2.3.1-5"; "5.0", "MQTT-2.2.1-2"; "5.0", "MQTT-2.2.2-1");
    for version in [V311, V5] {
        let mut h = Harness::connected(config(version));
        let token = h
            .session
            .publish(message("a/b", "x", QoS::AtMostOnce))
            .unwrap();
        let bytes = h.sent_bytes();
        assert_eq!(bytes[0], 0x30, "PUBLISH, DUP 0, QoS 0, RETAIN 0");
        if version == V5 {
            // Topic, then a property length of zero, then the payload: no packet identifier.
            assert_eq!(&bytes[1..], b"\x07\x00\x03a/b\x00x");
        } else {
            assert_eq!(&bytes[1..], b"\x06\x00\x03a/bx");
        }
        let events = h.events();
        assert_eq!(done(&events), [(token.get(), Ok(PublishAck::Written))]);
        // Lost connections never bring QoS 0 back.
        h.lose_connection();
        let (_, sent) = h.reconnect(connack_ok(false));
        assert!(sent.is_empty());
    }
}

#[test]
fn qos1_takes_an_unused_packet_id_and_ends_with_puback() {
    shows!("3.1.1", "MQTT-4.3.2-1"; "5.0", "MQTT-4.3.2-1"; "5.0", "MQTT-4.3.2-2"; "5.0", "MQTT-4.3.2-3";
        "3.1.1", "MQTT-2.3.1-1"; "3.1.1", "MQTT-2.3.1-2"; "3.1.1", "MQTT-2.3.1-6"; "5.0", "MQTT-2.2.1-3"; "5.0", "MQTT-2.2.1-5");
    for version in [V311, V5] {
        let mut h = Harness::connected(config(version));
        let first = h
            .session
            .publish(message("t", "1", QoS::AtLeastOnce))
            .unwrap();
        let second = h
            .session
            .publish(message("t", "2", QoS::AtLeastOnce))
            .unwrap();
        h.expect_sent([
            sent_publish("t", "1", QoS::AtLeastOnce, Some(1), false),
            sent_publish("t", "2", QoS::AtLeastOnce, Some(2), false),
        ]);
        // Unacknowledged: no event yet, and the identifiers stay taken.
        assert!(done(&h.events()).is_empty());
        h.broker(PubAck::new(id(2))).unwrap();
        let third = h
            .session
            .publish(message("t", "3", QoS::AtLeastOnce))
            .unwrap();
        h.expect_sent([sent_publish("t", "3", QoS::AtLeastOnce, Some(3), false)]);
        h.broker(PubAck::new(id(1))).unwrap();
        h.broker(PubAck::new(id(3))).unwrap();
        let events = h.events();
        let tokens: Vec<u64> = done(&events).iter().map(|(token, _)| *token).collect();
        assert_eq!(tokens, [second.get(), first.get(), third.get()]);
        assert!(
            done(&events)
                .iter()
                .all(|(_, result)| matches!(result, Ok(PublishAck::PubAck(_))))
        );
        assert_eq!(h.session.in_flight().count(), 0);
    }
}

#[test]
fn packet_ids_are_never_reused_while_in_flight() {
    shows!("3.1.1", "MQTT-2.3.1-2"; "5.0", "MQTT-2.2.1-3");
    let mut h = Harness::connected(config(V5));
    // A SUBSCRIBE holds id 1, publishes 2 and 3; freeing 2 does not hand it out at once.
    h.session
        .subscribe(
            vec![(filter("a/#"), SubscriptionOptions::new(QoS::AtLeastOnce))],
            Default::default(),
        )
        .unwrap();
    h.session
        .publish(message("t", "1", QoS::AtLeastOnce))
        .unwrap();
    h.session
        .publish(message("t", "2", QoS::ExactlyOnce))
        .unwrap();
    let ids: Vec<u16> = h
        .sent()
        .iter()
        .map(|packet| match packet {
            Packet::Subscribe(s) => s.packet_id.get(),
            Packet::Publish(p) => p.packet_id.unwrap().get(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ids, [1, 2, 3]);
    h.broker(PubAck::new(id(2))).unwrap();
    h.session
        .publish(message("t", "3", QoS::AtLeastOnce))
        .unwrap();
    h.expect_sent([sent_publish("t", "3", QoS::AtLeastOnce, Some(4), false)]);
}

#[test]
fn qos2_goes_publish_pubrec_pubrel_pubcomp() {
    shows!("3.1.1", "MQTT-4.3.3-1"; "5.0", "MQTT-4.3.3-1"; "5.0", "MQTT-4.3.3-2"; "5.0", "MQTT-4.3.3-3";
        "5.0", "MQTT-4.3.3-4"; "5.0", "MQTT-4.3.3-5"; "3.1.1", "MQTT-3.6.1-1"; "5.0", "MQTT-3.6.1-1";
        "5.0", "MQTT-3.6.2-1"; "3.1.1", "MQTT-2.3.1-6"; "5.0", "MQTT-2.2.1-5");
    for version in [V311, V5] {
        let mut h = Harness::connected(config(version));
        let token = h
            .session
            .publish(message("t", "x", QoS::ExactlyOnce))
            .unwrap();
        h.expect_sent([sent_publish("t", "x", QoS::ExactlyOnce, Some(1), false)]);
        h.broker(PubRec::new(id(1))).unwrap();
        let bytes = h.sent_bytes();
        // PUBREL: fixed header flags 0010, same packet identifier, reason Success (the
        // two-byte form in 5.0).
        assert_eq!(bytes, [0x62, 0x02, 0x00, 0x01]);
        assert!(done(&h.events()).is_empty(), "still waiting for PUBCOMP");
        h.broker(PubComp::new(id(1))).unwrap();
        match done(&h.events()).as_slice() {
            [(t, Ok(PublishAck::PubComp(pubcomp)))] => {
                assert_eq!(*t, token.get());
                assert_eq!(pubcomp.packet_id, id(1));
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn pubrels_leave_in_the_order_the_pubrecs_came() {
    shows!("3.1.1", "MQTT-4.6.0-4"; "5.0", "MQTT-4.6.0-4");
    for version in [V311, V5] {
        let mut h = Harness::connected(config(version));
        for payload in ["1", "2", "3"] {
            h.session
                .publish(message("t", payload, QoS::ExactlyOnce))
                .unwrap();
        }
        h.sent();
        for n in [3, 1, 2] {
            h.broker(PubRec::new(id(n))).unwrap();
        }
        h.expect_sent([PubRel::new(id(3)), PubRel::new(id(1)), PubRel::new(id(2))]);
    }
}

#[test]
fn an_error_puback_fails_that_message_only() {
    shows!("5.0", "MQTT-4.4.0-2");
    let mut h = Harness::connected(config(V5));
    let refused = h
        .session
        .publish(message("t", "1", QoS::AtLeastOnce))
        .unwrap();
    let accepted = h
        .session
        .publish(message("t", "2", QoS::AtLeastOnce))
        .unwrap();
    h.sent();
    let mut puback = PubAck::new(id(1));
    puback.code = PubAckReasonCode::NotAuthorized;
    puback.properties.reason_string = Some("no".into());
    h.broker(puback.clone()).unwrap();
    h.broker(PubAck::new(id(2))).unwrap();
    let events = h.events();
    assert_eq!(
        done(&events),
        [
            (refused.get(), Err(PublishError::RejectedPubAck(puback))),
            (accepted.get(), Ok(PublishAck::PubAck(PubAck::new(id(2))))),
        ]
    );
    // Treated as acknowledged: not sent again on the next connection.
    h.lose_connection();
    let (_, sent) = h.reconnect(connack_ok(true));
    assert!(sent.is_empty());
}

#[test]
fn an_error_pubrec_ends_the_exchange_without_pubrel() {
    shows!("5.0", "MQTT-4.4.0-2"; "5.0", "MQTT-4.3.3-4");
    let mut h = Harness::connected(config(V5));
    let token = h
        .session
        .publish(message("t", "1", QoS::ExactlyOnce))
        .unwrap();
    h.sent();
    let mut pubrec = PubRec::new(id(1));
    pubrec.code = PubRecReasonCode::QuotaExceeded;
    h.broker(pubrec.clone()).unwrap();
    h.expect_silent();
    assert_eq!(
        done(&h.events()),
        [(token.get(), Err(PublishError::RejectedPubRec(pubrec)))]
    );
    h.lose_connection();
    let (_, sent) = h.reconnect(connack_ok(true));
    assert!(sent.is_empty(), "never retransmitted");
}

#[test]
fn the_server_receive_maximum_bounds_publishes_in_flight() {
    shows!("5.0", "MQTT-3.3.4-7"; "5.0", "MQTT-4.9.0-1"; "5.0", "MQTT-4.9.0-2"; "5.0", "MQTT-3.3.4-8"; "5.0", "MQTT-4.9.0-3");
    let mut connack = connack_ok(false);
    connack.properties.receive_maximum = NonZeroU16::new(2);
    let mut h = Harness::connected_with(config(V5), connack);
    for payload in ["1", "2", "3", "4"] {
        h.session
            .publish(message("t", payload, QoS::AtLeastOnce))
            .unwrap();
    }
    h.expect_sent([
        sent_publish("t", "1", QoS::AtLeastOnce, Some(1), false),
        sent_publish("t", "2", QoS::AtLeastOnce, Some(2), false),
    ]);
    assert_eq!(h.session.waiting_len(), 2);
    // With the quota at zero, other packets still go: SUBSCRIBE, and the PUBACK of a message
    // from the server.
    h.session
        .subscribe(
            vec![(filter("x"), SubscriptionOptions::new(QoS::AtMostOnce))],
            Default::default(),
        )
        .unwrap();
    h.receive("in", "y", QoS::AtLeastOnce, Some(9));
    let sent = h.sent();
    assert!(
        matches!(sent.as_slice(), [Packet::Subscribe(_), Packet::PubAck(ack)] if ack.packet_id == id(9))
    );
    // Each acknowledgement lets the next one go, in order.
    h.broker(PubAck::new(id(2))).unwrap();
    h.expect_sent([sent_publish("t", "3", QoS::AtLeastOnce, Some(4), false)]);
    h.broker(PubAck::new(id(1))).unwrap();
    h.expect_sent([sent_publish("t", "4", QoS::AtLeastOnce, Some(5), false)]);
}

#[test]
fn qos0_waits_behind_qos1_held_by_the_receive_maximum() {
    let mut connack = connack_ok(false);
    connack.properties.receive_maximum = NonZeroU16::new(1);
    let mut h = Harness::connected_with(config(V5), connack);
    h.session
        .publish(message("t", "1", QoS::AtLeastOnce))
        .unwrap();
    h.session
        .publish(message("t", "2", QoS::AtLeastOnce))
        .unwrap();
    h.session
        .publish(message("t", "3", QoS::AtMostOnce))
        .unwrap();
    h.expect_sent([sent_publish("t", "1", QoS::AtLeastOnce, Some(1), false)]);
    h.broker(PubAck::new(id(1))).unwrap();
    // Order of acceptance is kept.
    h.expect_sent([
        sent_publish("t", "2", QoS::AtLeastOnce, Some(2), false),
        sent_publish("t", "3", QoS::AtMostOnce, None, false),
    ]);
}

#[test]
fn the_server_maximum_qos_and_retain_available_are_obeyed() {
    shows!("5.0", "MQTT-3.2.2-11"; "5.0", "MQTT-3.2.2-14");
    let mut connack = connack_ok(false);
    connack.properties.maximum_qos = Some(QoS::AtLeastOnce);
    connack.properties.retain_available = Some(false);
    let mut h = Harness::connected_with(config(V5), connack);
    assert_eq!(
        h.session.publish(message("t", "x", QoS::ExactlyOnce)),
        Err(CommandError::QoSNotSupported {
            requested: QoS::ExactlyOnce,
            maximum: QoS::AtLeastOnce
        })
    );
    let mut retained = message("t", "x", QoS::AtMostOnce);
    retained.retain = true;
    assert_eq!(
        h.session.publish(retained),
        Err(CommandError::RetainNotAvailable)
    );
    h.expect_silent();
    assert!(
        h.session
            .publish(message("t", "x", QoS::AtLeastOnce))
            .is_ok()
    );
}

#[test]
fn an_oversized_publish_is_refused_before_anything_is_sent() {
    shows!("5.0", "MQTT-3.2.2-15");
    let mut connack = connack_ok(false);
    connack.properties.maximum_packet_size = NonZeroU32::new(20);
    let mut h = Harness::connected_with(config(V5), connack);
    let big = mqtt_kit_codec::Publish::new(topic("t"), vec![0u8; 100], QoS::AtLeastOnce);
    match h.session.publish(big) {
        Err(CommandError::PacketTooLarge { size, maximum: 20 }) => assert!(size > 100),
        other => panic!("{other:?}"),
    }
    h.expect_silent();
    assert_eq!(h.session.waiting_len(), 0);
    // A subscription that would not fit is refused the same way.
    let long = filter(&"f".repeat(40));
    assert!(matches!(
        h.session.subscribe(
            vec![(long, SubscriptionOptions::new(QoS::AtMostOnce))],
            Default::default()
        ),
        Err(CommandError::PacketTooLarge { .. })
    ));
    h.expect_silent();
}

#[test]
fn a_client_publish_carries_no_subscription_identifier() {
    shows!("5.0", "MQTT-3.3.4-6");
    let mut h = Harness::connected(config(V5));
    let mut publish = message("t", "x", QoS::AtMostOnce);
    publish
        .properties
        .subscription_identifiers
        .push(mqtt_kit_codec::SubscriptionId::new(7).unwrap());
    assert_eq!(
        h.session.publish(publish),
        Err(CommandError::SubscriptionIdentifierInPublish)
    );
    h.expect_silent();
}

#[test]
fn v5_properties_are_refused_on_a_311_connection() {
    let mut h = Harness::connected(config(V311));
    let mut publish = message("t", "x", QoS::AtMostOnce);
    publish.properties.content_type = Some("text/plain".into());
    assert!(matches!(
        h.session.publish(publish),
        Err(CommandError::Encode(_))
    ));
    h.expect_silent();
}

#[test]
fn acknowledgements_must_match_an_exchange_in_flight() {
    shows!("3.1.1", "MQTT-4.8.0-1");
    // PUBACK for nothing in flight.
    let mut h = Harness::connected(config(V5));
    assert_eq!(
        h.broker(PubAck::new(id(5))),
        Err(ProtocolError::UnknownPacketId {
            packet: PacketType::PubAck,
            packet_id: 5
        })
    );
    h.expect_sent([Packet::Disconnect(mqtt_kit_codec::Disconnect::new(
        mqtt_kit_codec::DisconnectReasonCode::ProtocolError,
    ))]);
    // PUBACK for a QoS 2 message, PUBCOMP before PUBREC.
    for wrong in [
        Packet::PubAck(PubAck::new(id(1))),
        Packet::PubComp(PubComp::new(id(1))),
    ] {
        let mut h = Harness::connected(config(V311));
        h.session
            .publish(message("t", "x", QoS::ExactlyOnce))
            .unwrap();
        h.sent();
        assert!(matches!(
            h.broker(wrong),
            Err(ProtocolError::UnknownPacketId { .. })
        ));
        h.expect_silent();
    }
}

#[test]
fn a_failed_pubrec_after_a_successful_one_gets_no_pubrel_and_fails_the_publish() {
    // PUBREL only answers a PUBREC below 0x80 [MQTT-4.3.3-4]; a repeated PUBREC that now
    // fails ends the exchange as refused.
    shows!("5.0", "MQTT-4.3.3-4");
    let mut h = Harness::connected(config(V5));
    let token = h.publish_all("t", &[("1", QoS::ExactlyOnce)])[0];
    h.sent();
    h.broker(PubRec::new(id(1))).unwrap();
    h.expect_sent([PubRel::new(id(1))]);
    // A successful repeat is answered again (our PUBREL may have crossed it)...
    h.broker(PubRec::new(id(1))).unwrap();
    h.expect_sent([PubRel::new(id(1))]);
    // ...a failed one is not.
    let mut pubrec = PubRec::new(id(1));
    pubrec.code = PubRecReasonCode::UnspecifiedError;
    h.broker(pubrec.clone()).unwrap();
    assert_eq!(h.sent_bytes(), Vec::<u8>::new(), "no PUBREL after 0x80");
    assert_eq!(
        done(&h.events()),
        [(token.get(), Err(PublishError::RejectedPubRec(pubrec)))]
    );
    assert_eq!(h.session.in_flight().count(), 0);
    // The exchange is over: a PUBCOMP for it now answers nothing.
    assert_eq!(
        h.broker(PubComp::new(id(1))),
        Err(ProtocolError::UnknownPacketId {
            packet: PacketType::PubComp,
            packet_id: 1
        })
    );
}

#[test]
fn a_failed_pubrec_for_an_unknown_id_gets_no_pubrel() {
    shows!("5.0", "MQTT-4.3.3-4");
    let mut h = Harness::connected(config(V5));
    // PUBREC, packet identifier 7, reason 0x80 Unspecified error: nothing in flight.
    h.broker_bytes(&[0x50, 0x03, 0x00, 0x07, 0x80]).unwrap();
    assert_eq!(h.sent_bytes(), Vec::<u8>::new(), "no PUBREL after 0x80");
    assert!(h.events().is_empty());
    assert_eq!(
        h.session.state(),
        mqtt_kit_session::ConnectionState::Connected
    );
}

#[test]
fn a_pubrec_for_an_unknown_id_is_answered_with_0x92() {
    let mut h = Harness::connected(config(V5));
    h.broker(PubRec::new(id(7))).unwrap();
    let mut pubrel = PubRel::new(id(7));
    pubrel.code = PubRelReasonCode::PacketIdentifierNotFound;
    h.expect_sent([pubrel]);
}

#[test]
fn reply_properties_are_left_out_when_they_would_exceed_the_maximum_packet_size() {
    shows!("5.0", "MQTT-3.4.2-2"; "5.0", "MQTT-3.4.2-3"; "5.0", "MQTT-3.5.2-2"; "5.0", "MQTT-3.5.2-3";
        "5.0", "MQTT-3.6.2-2"; "5.0", "MQTT-3.6.2-3"; "5.0", "MQTT-3.7.2-2"; "5.0", "MQTT-3.7.2-3";
        "5.0", "MQTT-3.4.2-1"; "5.0", "MQTT-3.5.2-1"; "5.0", "MQTT-3.7.2-1");
    let mut config = config(V5);
    config.ack_mode = mqtt_kit_session::AckMode::Manual;
    let mut connack = connack_ok(false);
    connack.properties.maximum_packet_size = NonZeroU32::new(16);
    let mut h = Harness::connected_with(config, connack);
    h.receive("a", "1", QoS::AtLeastOnce, Some(1));
    h.receive("a", "2", QoS::ExactlyOnce, Some(2));
    let tokens: Vec<_> = h
        .events()
        .into_iter()
        .filter_map(|event| match event {
            Event::Message(message) => message.ack,
            _ => None,
        })
        .collect();
    let long = AckProperties {
        reason_string: Some("a reason string far longer than sixteen bytes".into()),
        user_properties: vec![("k".into(), "v".into())],
    };
    // A short reason string fits and is kept; a long one is left out, the code stays.
    let short = AckProperties {
        reason_string: Some("ok".into()),
        ..Default::default()
    };
    h.session
        .acknowledge_with(tokens[0], PubAckReasonCode::Success, short.clone())
        .unwrap();
    h.session
        .acknowledge_with(tokens[1], PubAckReasonCode::NoMatchingSubscribers, long)
        .unwrap();
    let mut pubrec = PubRec::new(id(2));
    pubrec.code = PubRecReasonCode::NoMatchingSubscribers;
    let mut puback = PubAck::new(id(1));
    puback.properties = short;
    h.expect_sent([Packet::PubAck(puback), Packet::PubRec(pubrec)]);
    // PUBREL and PUBCOMP carry no optional properties from the session at all.
    h.session
        .publish(message("t", "x", QoS::ExactlyOnce))
        .unwrap();
    h.sent();
    h.broker(PubRec::new(id(1))).unwrap();
    h.broker(PubRel::new(id(2))).unwrap();
    h.expect_sent([
        Packet::PubRel(PubRel::new(id(1))),
        Packet::PubComp(PubComp::new(id(2))),
    ]);
}

#[test]
fn a_large_payload_goes_out_by_reference_and_in_order() {
    for version in [V311, V5] {
        let mut h = Harness::connected(config(version));
        let payload = bytes::Bytes::from(vec![0xa5; 64 * 1024]);
        let big = mqtt_kit_codec::Publish::new(topic("big"), payload.clone(), QoS::AtLeastOnce);
        h.session.publish(big.clone()).unwrap();
        h.session
            .publish(message("small", "after", QoS::AtMostOnce))
            .unwrap();
        let mut out = mqtt_kit_session::OutBuffer::new();
        let len = h.session.poll_transmit_buffer(h.now, &mut out);
        assert_eq!(len, out.len());
        let mut slices = [std::io::IoSlice::new(&[]); 8];
        let count = out.io_slices(&mut slices);
        assert!(
            slices[..count]
                .iter()
                .any(|slice| slice.as_ptr() == payload.as_ptr() && slice.len() == payload.len()),
            "the application's bytes themselves, not a copy"
        );
        let flat: Vec<u8> = slices[..count]
            .iter()
            .flat_map(|slice| slice.iter().copied())
            .collect();
        let mut sent_big = big;
        sent_big.packet_id = Some(id(1));
        let expected: Vec<Packet> = vec![
            sent_big.into(),
            message("small", "after", QoS::AtMostOnce).into(),
        ];
        assert_eq!(decode_all(&flat, version), expected);
        h.expect_silent();
    }
}

#[test]
fn a_completed_publish_tells_the_server_s_reason_code_and_string() {
    let mut h = Harness::connected(config(V5));
    h.publish_all("t", &[("0", QoS::AtMostOnce), ("1", QoS::AtLeastOnce)]);
    h.sent();
    let mut puback = PubAck::new(id(1));
    puback.code = PubAckReasonCode::NoMatchingSubscribers;
    puback.properties.reason_string = Some("nobody listens".into());
    h.broker(puback).unwrap();
    let acks: Vec<(u8, Option<String>)> = done(&h.events())
        .into_iter()
        .map(|(_, result)| {
            let ack = result.unwrap();
            (ack.reason_code(), ack.reason_string().map(str::to_owned))
        })
        .collect();
    assert_eq!(
        acks,
        [(0, None), (0x10, Some("nobody listens".to_owned()))],
        "QoS 0 written, then the PUBACK (0x10 is a success)"
    );
}
