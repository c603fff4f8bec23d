//! Manual acknowledgement across reconnections: a QoS 2 message handed to the application is
//! never handed over again while the session lives on the server, and its first token
//! completes the exchange on whatever connection is current; a QoS 1 message is delivered
//! again (at least once) with a new token. A session the server did not keep takes every
//! pending message, and token, with it.

use mqtt_kit_codec::{
    AckProperties, Packet, PubAck, PubAckReasonCode, PubComp, PubRec, PubRecReasonCode, PubRel, QoS,
};
use mqtt_kit_session::{AckMode, AckToken, CommandError, SessionConfig};

use crate::support::*;

/// A session the server keeps across connections, acknowledged by the application.
fn manual_persistent(version: mqtt_kit_codec::ProtocolVersion) -> SessionConfig {
    let mut config = config(version);
    config.ack_mode = AckMode::Manual;
    config.clean_start = false;
    if version == V5 {
        config.properties.session_expiry_interval = Some(3600);
    }
    config
}

/// A connected session that received the QoS 2 message "x" (packet identifier 1) and handed
/// it to the application, which has not answered; returns its token.
fn holding_qos2(version: mqtt_kit_codec::ProtocolVersion) -> (Harness, AckToken) {
    let mut h = Harness::connected(manual_persistent(version));
    h.receive("t", "x", QoS::ExactlyOnce, Some(1));
    let handed = delivered(&h.events());
    let token = match handed.as_slice() {
        [(payload, false, Some(token))] if payload == "x" => *token,
        other => panic!("expected x with a token, got {other:?}"),
    };
    h.expect_silent();
    (h, token)
}

/// The connection drops and a new one resumes the session (Session Present 1).
fn cut_and_resume(h: &mut Harness) {
    h.lose_connection();
    let (_, written) = h.reconnect(connack_ok(true));
    assert_eq!(
        written,
        Vec::<Packet>::new(),
        "nothing owed before the resend"
    );
    h.events();
}

/// The broker sends the QoS 2 message "x" again with DUP set, as a resumed session must
/// [MQTT-4.4.0-1]; the application must not get it a second time.
fn duplicate_of_x(h: &mut Harness) {
    h.broker(sent_publish("t", "x", QoS::ExactlyOnce, Some(1), true))
        .expect("the duplicate is accepted");
    let handed = delivered(&h.events());
    assert!(handed.is_empty(), "delivered twice: {handed:?}");
}

/// The broker releases packet identifier 1: the client completes the exchange, and the
/// identifier names a new message from then on.
fn release_completes(h: &mut Harness, token: AckToken) {
    h.broker(PubRel::new(id(1))).unwrap();
    h.expect_sent([PubComp::new(id(1))]);
    assert_eq!(
        h.session.acknowledge(token),
        Err(CommandError::UnknownAckToken),
        "the exchange is over"
    );
    h.receive("t", "new", QoS::ExactlyOnce, Some(1));
    let again = delivered(&h.events());
    assert_eq!(again.len(), 1, "a new message after PUBCOMP: {again:?}");
    assert_eq!(again[0].0, "new");
}

#[test]
fn a_held_qos2_message_is_delivered_once_and_acknowledged_with_its_first_token_after_resumes() {
    shows!("3.1.1", "MQTT-4.3.3-2"; "5.0", "MQTT-4.3.3-8"; "5.0", "MQTT-4.3.3-10";
        "5.0", "MQTT-4.3.3-11"; "3.1.1", "MQTT-4.4.0-1"; "5.0", "MQTT-4.4.0-1");
    for version in [V311, V5] {
        let (mut h, token) = holding_qos2(version);
        // The duplicates come before the application answers, over several connections: not
        // delivered again, and not answered until the application owns the message.
        for _ in 0..3 {
            cut_and_resume(&mut h);
            duplicate_of_x(&mut h);
            duplicate_of_x(&mut h);
            h.expect_silent();
        }
        h.session.acknowledge(token).unwrap();
        h.expect_sent([PubRec::new(id(1))]);
        release_completes(&mut h, token);
    }
}

#[test]
fn a_held_qos2_message_acknowledged_before_its_duplicate_is_answered_when_it_arrives() {
    shows!("3.1.1", "MQTT-4.3.3-2"; "5.0", "MQTT-4.3.3-10"; "3.1.1", "MQTT-4.4.0-1";
        "5.0", "MQTT-4.4.0-1");
    for version in [V311, V5] {
        let (mut h, token) = holding_qos2(version);
        cut_and_resume(&mut h);
        h.session.acknowledge(token).unwrap();
        // No PUBLISH of this connection to answer yet: the PUBREC answers the resend.
        h.expect_silent();
        duplicate_of_x(&mut h);
        h.expect_sent([PubRec::new(id(1))]);
        release_completes(&mut h, token);
    }
}

#[test]
fn a_qos2_acknowledgement_given_while_disconnected_answers_the_duplicate() {
    shows!("3.1.1", "MQTT-4.3.3-2"; "5.0", "MQTT-4.3.3-10");
    for version in [V311, V5] {
        let (mut h, token) = holding_qos2(version);
        h.lose_connection();
        h.session.acknowledge(token).unwrap();
        let (_, written) = h.reconnect(connack_ok(true));
        assert_eq!(written, Vec::<Packet>::new());
        h.events();
        duplicate_of_x(&mut h);
        h.expect_sent([PubRec::new(id(1))]);
        release_completes(&mut h, token);
    }
}

#[test]
fn a_pubrec_written_on_an_earlier_connection_answers_the_duplicate_at_once() {
    shows!("3.1.1", "MQTT-4.3.3-2"; "5.0", "MQTT-4.3.3-10");
    for version in [V311, V5] {
        let (mut h, token) = holding_qos2(version);
        h.session.acknowledge(token).unwrap();
        h.expect_sent([PubRec::new(id(1))]);
        cut_and_resume(&mut h);
        // The broker did not see that PUBREC.
        duplicate_of_x(&mut h);
        h.expect_sent([PubRec::new(id(1))]);
        assert_eq!(
            h.session.acknowledge(token),
            Err(CommandError::UnknownAckToken),
            "already answered"
        );
        release_completes(&mut h, token);
    }
}

#[test]
fn a_pubrec_still_queued_when_the_connection_dropped_answers_the_duplicate() {
    shows!("3.1.1", "MQTT-4.3.3-2"; "5.0", "MQTT-4.3.3-10");
    for version in [V311, V5] {
        let mut h = Harness::connected(manual_persistent(version));
        h.receive("t", "q1", QoS::AtLeastOnce, Some(7));
        h.receive("t", "x", QoS::ExactlyOnce, Some(1));
        let first = delivered(&h.events());
        // Acknowledged, but its PUBREC waits behind the QoS 1 message when the cut comes.
        h.session.acknowledge(first[1].2.unwrap()).unwrap();
        h.expect_silent();
        cut_and_resume(&mut h);
        h.broker(sent_publish("t", "q1", QoS::AtLeastOnce, Some(7), true))
            .unwrap();
        let again = delivered(&h.events());
        assert_eq!(again.len(), 1, "{version:?}: QoS 1 again, got {again:?}");
        duplicate_of_x(&mut h);
        h.session.acknowledge(again[0].2.unwrap()).unwrap();
        h.expect_sent([
            Packet::PubAck(PubAck::new(id(7))),
            Packet::PubRec(PubRec::new(id(1))),
        ]);
        release_completes(&mut h, first[1].2.unwrap());
    }
}

#[test]
fn the_pubrec_of_a_held_message_takes_its_place_among_the_acks_of_the_new_connection() {
    shows!("3.1.1", "MQTT-4.6.0-2"; "3.1.1", "MQTT-4.6.0-3"; "5.0", "MQTT-4.6.0-2";
        "5.0", "MQTT-4.6.0-3");
    for version in [V311, V5] {
        // A new message comes before the duplicate: its PUBACK goes first.
        let (mut h, held) = holding_qos2(version);
        cut_and_resume(&mut h);
        h.receive("t", "n", QoS::AtLeastOnce, Some(5));
        let new = delivered(&h.events())[0].2.unwrap();
        duplicate_of_x(&mut h);
        h.session.acknowledge(held).unwrap();
        h.expect_silent();
        h.session.acknowledge(new).unwrap();
        h.expect_sent([
            Packet::PubAck(PubAck::new(id(5))),
            Packet::PubRec(PubRec::new(id(1))),
        ]);
        release_completes(&mut h, held);

        // The duplicate comes first: its PUBREC goes first.
        let (mut h, held) = holding_qos2(version);
        cut_and_resume(&mut h);
        duplicate_of_x(&mut h);
        h.receive("t", "n", QoS::AtLeastOnce, Some(6));
        let new = delivered(&h.events())[0].2.unwrap();
        h.session.acknowledge(new).unwrap();
        h.expect_silent();
        h.session.acknowledge(held).unwrap();
        h.expect_sent([
            Packet::PubRec(PubRec::new(id(1))),
            Packet::PubAck(PubAck::new(id(6))),
        ]);
        release_completes(&mut h, held);
    }
}

#[test]
fn a_refusal_given_while_disconnected_answers_the_duplicate_and_frees_the_id() {
    shows!("5.0", "MQTT-4.3.3-9");
    let (mut h, token) = holding_qos2(V5);
    h.lose_connection();
    h.session
        .acknowledge_with(
            token,
            PubAckReasonCode::NotAuthorized,
            AckProperties::default(),
        )
        .unwrap();
    h.reconnect(connack_ok(true));
    h.events();
    duplicate_of_x(&mut h);
    let mut refused = PubRec::new(id(1));
    refused.code = PubRecReasonCode::NotAuthorized;
    h.expect_sent([refused]);
    h.receive("t", "new", QoS::ExactlyOnce, Some(1));
    assert_eq!(
        delivered(&h.events()).len(),
        1,
        "the identifier names a new message"
    );
}

#[test]
fn a_held_qos1_message_is_delivered_again_with_a_new_token_after_a_resume() {
    // At least once: a QoS 1 identifier is not kept past its connection, so the resend is a
    // delivery of its own (DUP set) and the old token is refused.
    shows!("3.1.1", "MQTT-4.4.0-1"; "5.0", "MQTT-4.4.0-1"; "3.1.1", "MQTT-4.3.2-2";
        "5.0", "MQTT-4.3.2-4");
    for version in [V311, V5] {
        let mut h = Harness::connected(manual_persistent(version));
        h.receive("t", "q1", QoS::AtLeastOnce, Some(1));
        h.receive("t", "q2", QoS::ExactlyOnce, Some(2));
        let first = delivered(&h.events());
        let (old_q1, old_q2) = (first[0].2.unwrap(), first[1].2.unwrap());
        cut_and_resume(&mut h);
        assert_eq!(
            h.session.acknowledge(old_q1),
            Err(CommandError::UnknownAckToken)
        );
        h.broker(sent_publish("t", "q1", QoS::AtLeastOnce, Some(1), true))
            .unwrap();
        h.broker(sent_publish("t", "q2", QoS::ExactlyOnce, Some(2), true))
            .unwrap();
        let again = delivered(&h.events());
        assert_eq!(
            again.len(),
            1,
            "{version:?}: only QoS 1 again, got {again:?}"
        );
        assert_eq!((again[0].0.as_str(), again[0].1), ("q1", true));
        let new_q1 = again[0].2.unwrap();
        assert_ne!(new_q1, old_q1);
        h.session.acknowledge(new_q1).unwrap();
        h.expect_sent([PubAck::new(id(1))]);
        h.session.acknowledge(old_q2).unwrap();
        h.expect_sent([PubRec::new(id(2))]);
        h.broker(PubRel::new(id(2))).unwrap();
        h.expect_sent([PubComp::new(id(2))]);
    }
}

#[test]
fn a_session_not_resumed_forgets_held_messages_and_refuses_their_tokens() {
    shows!("5.0", "MQTT-3.2.2-5"; "3.1.1", "MQTT-3.1.2-6");
    // 3.1.1 with a clean session on every connection, and either version when the server
    // answers Session Present 0.
    let mut clean_311 = manual_persistent(V311);
    clean_311.clean_start = true;
    for config in [clean_311, manual_persistent(V311), manual_persistent(V5)] {
        let version = config.version;
        let mut h = Harness::connected(config);
        h.receive("t", "q1", QoS::AtLeastOnce, Some(1));
        h.receive("t", "q2", QoS::ExactlyOnce, Some(2));
        let first = delivered(&h.events());
        h.lose_connection();
        h.reconnect(connack_ok(false));
        h.events();
        for (_, _, token) in &first {
            assert_eq!(
                h.session.acknowledge(token.unwrap()),
                Err(CommandError::UnknownAckToken),
                "{version:?}"
            );
        }
        h.expect_silent();
        // The identifier is free: a PUBLISH with it is a new message.
        h.receive("t", "next", QoS::ExactlyOnce, Some(2));
        let next = delivered(&h.events());
        assert_eq!(next.len(), 1, "{version:?}: {next:?}");
        h.session.acknowledge(next[0].2.unwrap()).unwrap();
        h.expect_sent([PubRec::new(id(2))]);
    }
}
