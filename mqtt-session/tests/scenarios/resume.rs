//! Sessions across connections and restarts.

use std::num::NonZeroU16;

use mqtt_kit_codec::{
    Packet, PubAck, PubComp, PubRec, PubRel, QoS, SubAck, SubscribeReasonCode, SubscriptionOptions,
};
use mqtt_kit_session::{Event, LostSessionPolicy, PublishAck, PublishError, SessionConfig};

use crate::support::*;

fn persistent(version: mqtt_kit_codec::ProtocolVersion) -> SessionConfig {
    let mut config = config(version);
    config.clean_start = false;
    if version == V5 {
        config.properties.session_expiry_interval = Some(3600);
    }
    config
}

/// A session with, in order of sending: QoS 1 "a" (id 1), QoS 2 "b" (id 2, PUBREC'd so
/// PUBREL sent), QoS 2 "c" (id 3), QoS 1 "d" (id 4, acknowledged).
fn with_unfinished_exchanges(version: mqtt_kit_codec::ProtocolVersion) -> Harness {
    unfinished_exchanges(Harness::new(persistent(version)))
}

/// `h`'s session connected anew, with the exchanges of [`with_unfinished_exchanges`].
fn unfinished_exchanges(mut h: Harness) -> Harness {
    h.session.connect(h.now).unwrap();
    h.sent();
    // A 5.0 session not known to the client must start clean; for 3.1.1 the same flag.
    h.broker(connack_ok(false)).unwrap();
    h.publish_all(
        "t",
        &[
            ("a", QoS::AtLeastOnce),
            ("b", QoS::ExactlyOnce),
            ("c", QoS::ExactlyOnce),
            ("d", QoS::AtLeastOnce),
        ],
    );
    h.sent();
    h.broker(PubRec::new(id(2))).unwrap();
    h.broker(PubAck::new(id(4))).unwrap();
    h.expect_sent([PubRel::new(id(2))]);
    h.events();
    h
}

/// What [`with_unfinished_exchanges`] sends again on a resumed session.
fn resent_in_order() -> Vec<Packet> {
    vec![
        Packet::Publish(sent_publish("t", "a", QoS::AtLeastOnce, Some(1), true)),
        Packet::Publish(sent_publish("t", "c", QoS::ExactlyOnce, Some(3), true)),
        Packet::PubRel(PubRel::new(id(2))),
    ]
}

#[test]
fn unacknowledged_publish_and_pubrel_are_sent_again_in_order_with_dup() {
    shows!("3.1.1", "MQTT-4.4.0-1"; "5.0", "MQTT-4.4.0-1"; "3.1.1", "MQTT-3.3.1-1"; "5.0", "MQTT-3.3.1-1";
        "3.1.1", "MQTT-4.6.0-1"; "5.0", "MQTT-4.6.0-1"; "3.1.1", "MQTT-2.3.1-3"; "5.0", "MQTT-4.3.3-6";
        "3.1.1", "MQTT-4.1.0-1"; "3.1.1", "MQTT-4.1.0-2"; "5.0", "MQTT-4.1.0-1"; "5.0", "MQTT-3.1.2-23";
        "3.1.1", "MQTT-3.1.2-4");
    for version in [V311, V5] {
        let mut h = with_unfinished_exchanges(version);
        h.lose_connection();
        let (clean_start, sent) = h.reconnect(connack_ok(true));
        assert!(!clean_start);
        // Original order of sending: "a" and "c" as PUBLISH with DUP and their identifiers;
        // "b" only as PUBREL (its PUBLISH is never sent again once PUBREL was), after "c"
        // because its PUBREL was sent after "c"'s PUBLISH.
        assert_eq!(
            sent,
            [
                Packet::Publish(sent_publish("t", "a", QoS::AtLeastOnce, Some(1), true)),
                Packet::Publish(sent_publish("t", "c", QoS::ExactlyOnce, Some(3), true)),
                Packet::PubRel(PubRel::new(id(2))),
            ]
        );
        h.broker(PubAck::new(id(1))).unwrap();
        h.broker(PubComp::new(id(2))).unwrap();
        h.broker(PubRec::new(id(3))).unwrap();
        h.expect_sent([PubRel::new(id(3))]);
        h.broker(PubComp::new(id(3))).unwrap();
        let finished = h
            .events()
            .into_iter()
            .filter(|event| matches!(event, Event::PublishDone { result: Ok(_), .. }))
            .count();
        assert_eq!(finished, 3);
        assert_eq!(h.session.in_flight().count(), 0);
    }
}

#[test]
fn resends_respect_the_new_receive_maximum() {
    let mut h = with_unfinished_exchanges(V5);
    h.lose_connection();
    let mut connack = connack_ok(true);
    connack.properties.receive_maximum = NonZeroU16::new(1);
    let (_, sent) = h.reconnect(connack);
    // "a" fills the window; the PUBREL of "b" is not held back by it; "c" waits.
    assert_eq!(
        sent,
        [
            Packet::Publish(sent_publish("t", "a", QoS::AtLeastOnce, Some(1), true)),
            Packet::PubRel(PubRel::new(id(2))),
        ]
    );
    h.broker(PubAck::new(id(1))).unwrap();
    h.expect_sent([sent_publish("t", "c", QoS::ExactlyOnce, Some(3), true)]);
}

#[test]
fn a_lost_session_sends_publishes_again_as_new_messages() {
    shows!("5.0", "MQTT-3.2.2-5"; "3.1.1", "MQTT-3.1.2-6"; "5.0", "MQTT-3.1.2-4");
    for version in [V311, V5] {
        let mut h = with_unfinished_exchanges(version);
        h.lose_connection();
        let (_, sent) = h.reconnect(connack_ok(false));
        // No DUP, new identifiers; "b" was owned by the server (PUBREC) and completes.
        assert_eq!(
            sent,
            [
                Packet::Publish(sent_publish("t", "a", QoS::AtLeastOnce, Some(5), false)),
                Packet::Publish(sent_publish("t", "c", QoS::ExactlyOnce, Some(6), false)),
            ]
        );
        let received = h
            .events()
            .into_iter()
            .filter(|event| {
                matches!(
                    event,
                    Event::PublishDone {
                        result: Ok(PublishAck::Received(_)),
                        ..
                    }
                )
            })
            .count();
        assert_eq!(received, 1);
    }
}

#[test]
fn a_lost_session_can_fail_each_unacknowledged_publish_instead() {
    shows!("5.0", "MQTT-3.2.2-5");
    let mut config = persistent(V5);
    config.lost_session_policy = LostSessionPolicy::Fail;
    let mut h = Harness::connected(config);
    let a = h
        .session
        .publish(message("t", "a", QoS::AtLeastOnce))
        .unwrap();
    let b = h
        .session
        .publish(message("t", "b", QoS::ExactlyOnce))
        .unwrap();
    h.sent();
    h.lose_connection();
    h.events();
    let (_, sent) = h.reconnect(connack_ok(false));
    assert!(sent.is_empty());
    let failed: Vec<_> = h
        .events()
        .into_iter()
        .filter_map(|event| match event {
            Event::PublishDone {
                token,
                result: Err(PublishError::SessionLost),
            } => Some(token),
            _ => None,
        })
        .collect();
    assert_eq!(failed, [a, b]);
}

#[test]
fn incoming_qos2_state_survives_a_reconnection() {
    shows!("5.0", "MQTT-4.3.3-10"; "5.0", "MQTT-4.1.0-1");
    let mut h = Harness::connected(persistent(V5));
    h.receive("a", "x", QoS::ExactlyOnce, Some(5));
    h.expect_sent([PubRec::new(id(5))]);
    h.lose_connection();
    h.reconnect(connack_ok(true));
    h.events();
    // The server did not see our PUBREC and sends the PUBLISH again: not delivered twice.
    h.broker(sent_publish("a", "x", QoS::ExactlyOnce, Some(5), true))
        .unwrap();
    h.expect_sent([PubRec::new(id(5))]);
    assert!(h.events().is_empty());
    h.broker(PubRel::new(id(5))).unwrap();
    h.expect_sent([PubComp::new(id(5))]);
}

#[test]
fn subscriptions_are_made_again_when_the_session_was_lost() {
    let mut h = Harness::connected(persistent(V5));
    let properties = mqtt_kit_codec::SubscribeProperties {
        subscription_identifier: Some(mqtt_kit_codec::SubscriptionId::new(7).unwrap()),
        ..Default::default()
    };
    let mut options = SubscriptionOptions::new(QoS::AtLeastOnce);
    options.no_local = true;
    h.session
        .subscribe(
            vec![
                (filter("a/#"), options),
                (filter("denied"), SubscriptionOptions::new(QoS::AtMostOnce)),
            ],
            properties.clone(),
        )
        .unwrap();
    h.sent();
    h.broker(SubAck::new(
        id(1),
        vec![
            SubscribeReasonCode::GrantedQoS1,
            SubscribeReasonCode::NotAuthorized,
        ],
    ))
    .unwrap();
    h.events();
    assert_eq!(h.session.subscriptions().count(), 1);
    h.lose_connection();
    let (_, sent) = h.reconnect(connack_ok(false));
    match sent.as_slice() {
        [Packet::Subscribe(subscribe)] => {
            assert_eq!(subscribe.filters, [(filter("a/#"), options)]);
            assert_eq!(subscribe.properties, properties);
        }
        other => panic!("{other:?}"),
    }
    // With the session present nothing is subscribed again.
    h.lose_connection();
    let (_, sent) = h.reconnect(connack_ok(true));
    assert!(sent.is_empty());
}

#[test]
fn a_subscription_the_server_refuses_to_restore_is_no_longer_listed() {
    let mut h = Harness::connected(persistent(V311));
    h.subscribe_to(&[("a", QoS::AtLeastOnce)]);
    h.broker(SubAck::new(id(1), vec![SubscribeReasonCode::GrantedQoS1]))
        .unwrap();
    h.events();
    h.lose_connection();
    let (_, sent) = h.reconnect(connack_ok(false));
    let Some(Packet::Subscribe(subscribe)) = sent.first() else {
        panic!("{sent:?}");
    };
    h.broker(SubAck::new(
        subscribe.packet_id,
        vec![SubscribeReasonCode::UnspecifiedError],
    ))
    .unwrap();
    assert!(
        h.events()
            .iter()
            .any(|event| matches!(event, Event::SubscriptionRestored(_)))
    );
    // The server holds no such subscription now: the session must not claim it does, nor
    // subscribe again to it after the next lost session.
    assert_eq!(h.session.subscriptions().count(), 0);
    h.lose_connection();
    let (_, sent) = h.reconnect(connack_ok(false));
    assert!(sent.is_empty(), "{sent:?}");
}

#[test]
fn a_restarted_process_resumes_from_its_journal() {
    shows!("3.1.1", "MQTT-4.1.0-1"; "5.0", "MQTT-3.1.2-23");
    let path = fresh_store_path("restart.journal");
    let mut h = unfinished_exchanges(Harness::on_journal(persistent(V5), &path, false));
    h.receive("in", "x", QoS::ExactlyOnce, Some(77));
    h.sent();
    drop(h);
    // A new process: a new session on the same journal.
    let mut h = Harness::on_journal(persistent(V5), &path, false);
    assert_eq!(h.session.in_flight().count(), 3);
    let (clean_start, sent) = h.reconnect(connack_ok(true));
    assert!(!clean_start);
    assert_eq!(sent, resent_in_order());
    // New messages do not take identifiers still in flight.
    h.session
        .publish(message("t", "e", QoS::AtLeastOnce))
        .unwrap();
    h.expect_sent([sent_publish("t", "e", QoS::AtLeastOnce, Some(4), false)]);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_session_without_journal_emits_no_records() {
    let mut h = with_unfinished_exchanges(V311);
    let mut records = Vec::new();
    assert_eq!(h.session.poll_records(&mut records), 0);
    assert!(!h.session.is_durable());
}

#[test]
fn publishes_queued_before_their_packet_identifier_survive_a_restart_in_order() {
    let path = fresh_store_path("queued.journal");
    let mut h = Harness::on_journal(persistent(V5), &path, false);
    // Offline: accepted into the queue, on record at once.
    h.publish_all(
        "q",
        &[
            ("1", QoS::AtLeastOnce),
            ("2", QoS::ExactlyOnce),
            ("3", QoS::AtMostOnce),
        ],
    );
    h.persist();
    drop(h);
    let mut h = Harness::on_journal(persistent(V5), &path, false);
    assert_eq!(h.session.waiting_len(), 3);
    let (_, sent) = h.reconnect(connack_ok(false));
    assert_eq!(
        sent,
        [
            Packet::Publish(sent_publish("q", "1", QoS::AtLeastOnce, Some(1), false)),
            Packet::Publish(sent_publish("q", "2", QoS::ExactlyOnce, Some(2), false)),
            Packet::Publish(sent_publish("q", "3", QoS::AtMostOnce, None, false)),
        ]
    );
    drop(h);
    // Sent: they are in flight now (QoS 1/2) or gone (QoS 0), not queued twice.
    let h = Harness::on_journal(persistent(V5), &path, false);
    assert_eq!(h.session.waiting_len(), 0);
    assert_eq!(h.session.in_flight().count(), 2);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn the_queue_full_policy_applies_to_what_is_restored() {
    let path = fresh_store_path("full.journal");
    let mut config = persistent(V5);
    config.queue_capacity = 4;
    let mut h = Harness::on_journal(config.clone(), &path, false);
    h.publish_all(
        "q",
        &[
            ("0", QoS::AtMostOnce),
            ("1", QoS::AtLeastOnce),
            ("2", QoS::AtMostOnce),
            ("3", QoS::AtLeastOnce),
        ],
    );
    h.persist();
    drop(h);
    config.queue_capacity = 2;
    config.queue_full_policy = mqtt_kit_session::QueueFullPolicy::DropOldestQos0;
    let mut h = Harness::on_journal(config, &path, false);
    assert_eq!(h.session.waiting_len(), 2, "the two QoS 0 ones dropped");
    let (_, sent) = h.reconnect(connack_ok(false));
    assert_eq!(
        sent,
        [
            Packet::Publish(sent_publish("q", "1", QoS::AtLeastOnce, Some(1), false)),
            Packet::Publish(sent_publish("q", "3", QoS::AtLeastOnce, Some(2), false)),
        ]
    );
    let _ = std::fs::remove_file(&path);
}

#[test]
fn no_message_expiry_is_applied_to_a_publish_once_sent() {
    shows!("5.0", "MQTT-4.3.3-7");
    let mut h = Harness::connected(persistent(V5));
    let mut publish = message("t", "x", QoS::ExactlyOnce);
    publish.properties.message_expiry_interval = Some(1);
    h.session.publish(publish.clone()).unwrap();
    h.sent();
    h.lose_connection();
    h.advance(3600.0);
    let (_, sent) = h.reconnect(connack_ok(true));
    // Long expired, it is still sent again, unchanged but for DUP.
    publish.packet_id = Some(id(1));
    publish.dup = true;
    assert_eq!(sent, [Packet::Publish(publish)]);
}

/// A path for a file store in this process's temporary directory, with no file there yet.
fn fresh_store_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mqtt-session-scenario-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

/// A persistent 5.0 session on a journal at `path`, connected (new session).
fn connected_on_file_store(path: &std::path::Path, sync: bool) -> Harness {
    let mut h = Harness::on_journal(persistent(V5), path, sync);
    h.reconnect(connack_ok(false));
    h
}

#[test]
fn a_restarted_process_resumes_from_a_journal_file() {
    shows!("5.0", "MQTT-4.1.0-1"; "3.1.1", "MQTT-4.1.0-1");
    let path = fresh_store_path("session.store");
    {
        let mut h = connected_on_file_store(&path, true);
        h.publish_all("t", &[("a", QoS::AtLeastOnce), ("b", QoS::ExactlyOnce)]);
        h.sent();
        h.broker(PubRec::new(id(2))).unwrap();
        h.receive("in", "x", QoS::ExactlyOnce, Some(9));
        h.sent();
        // The process ends here, without any goodbye.
    }
    let mut h = Harness::on_journal(persistent(V5), &path, true);
    let (clean_start, sent) = h.reconnect(connack_ok(true));
    assert!(!clean_start);
    assert_eq!(
        sent,
        [
            Packet::Publish(sent_publish("t", "a", QoS::AtLeastOnce, Some(1), true)),
            Packet::PubRel(PubRel::new(id(2))),
        ]
    );
    h.events();
    // The incoming QoS 2 message is remembered: sent again, it is not delivered twice.
    h.broker(sent_publish("in", "x", QoS::ExactlyOnce, Some(9), true))
        .unwrap();
    assert!(h.events().is_empty());
    h.expect_sent([PubRec::new(id(9))]);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_journal_with_large_messages_in_flight_appends_instead_of_rewriting_itself() {
    // Each step of an exchange is one small record appended to the journal; the file is
    // rewritten only once the journal has grown well past its live content, whatever the
    // size of the messages in flight (rewriting megabytes at every PUBACK would be
    // quadratic).
    let path = fresh_store_path("large.store");
    let mut h = connected_on_file_store(&path, false);
    let file_len = || std::fs::metadata(&path).unwrap().len();
    let large = || mqtt_kit_codec::Publish::new(topic("t"), vec![7u8; 600_000], QoS::AtLeastOnce);
    for _ in 0..3 {
        h.session.publish(large()).unwrap();
    }
    h.sent();
    let before = file_len();
    for (n, packet_id) in [1u16, 2].into_iter().enumerate() {
        h.broker(PubAck::new(id(packet_id))).unwrap();
        h.persist();
        // One removal record (a 12-byte frame: length, its checksum, the body's checksum;
        // then kind and packet identifier) appended, nothing rewritten.
        assert_eq!(file_len(), before + 15 * (n as u64 + 1));
    }
    h.broker(PubAck::new(id(3))).unwrap();
    // Still bounded: the journal is compacted once it has grown enough.
    for _ in 0..30 {
        let token = h.session.publish(large()).unwrap();
        h.sent();
        let (packet_id, _) = h
            .session
            .in_flight()
            .find(|(t, _)| *t == token)
            .map(|(t, publish)| (publish.packet_id.unwrap(), t))
            .unwrap();
        h.broker(PubAck::new(packet_id)).unwrap();
        h.persist();
        assert!(file_len() < 8_000_000, "journal of {} bytes", file_len());
    }
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_message_too_large_for_the_new_server_fails_instead_of_being_sent_again() {
    shows!("5.0", "MQTT-3.2.2-15");
    let mut h = Harness::connected(persistent(V5));
    let big = mqtt_kit_codec::Publish::new(topic("t"), vec![1u8; 200], QoS::AtLeastOnce);
    let token = h.session.publish(big).unwrap();
    h.publish_all("t", &[("small", QoS::AtLeastOnce)]);
    h.sent();
    h.lose_connection();
    h.events();
    let mut connack = connack_ok(true);
    connack.properties.maximum_packet_size = std::num::NonZeroU32::new(100);
    let (_, sent) = h.reconnect(connack);
    assert_eq!(
        sent,
        [Packet::Publish(sent_publish(
            "t",
            "small",
            QoS::AtLeastOnce,
            Some(2),
            true
        ))]
    );
    let failed = h.events().into_iter().any(|event| {
        matches!(event, Event::PublishDone { token: t, result: Err(PublishError::Refused(
            mqtt_kit_session::CommandError::PacketTooLarge { maximum: 100, .. })) } if t == token)
    });
    assert!(failed);
    assert_eq!(h.session.in_flight().count(), 1);
}

#[test]
fn a_subscription_the_new_server_refuses_is_reported_not_dropped_silently() {
    let mut h = Harness::connected(persistent(V5));
    h.subscribe_to(&[("plain", QoS::AtLeastOnce), ("wild/#", QoS::AtLeastOnce)]);
    h.broker(SubAck::new(
        id(1),
        vec![SubscribeReasonCode::GrantedQoS1; 2],
    ))
    .unwrap();
    h.events();
    h.lose_connection();
    let mut connack = connack_ok(false);
    connack.properties.wildcard_subscription_available = Some(false);
    let (_, sent) = h.reconnect(connack);
    match sent.as_slice() {
        [Packet::Subscribe(subscribe)] => assert_eq!(subscribe.filters[0].0, filter("plain")),
        other => panic!("{other:?}"),
    }
    assert!(h.events().iter().any(|event| matches!(
        event,
        Event::SubscriptionNotRestored { filter: f, .. } if *f == filter("wild/#")
    )));
    assert_eq!(h.session.subscriptions().count(), 1);
}
