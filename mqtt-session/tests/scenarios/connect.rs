//! CONNECT and CONNACK.

use mqtt_kit_codec::{ConnAck, ConnectReasonCode, Packet, ProtocolVersion, QoS, Will};
use mqtt_kit_session::{
    CommandError, ConnectionState, DisconnectReason, Event, ProtocolError, Session,
};

use crate::support::*;

/// The bytes of the CONNECT the session writes for `config`.
fn connect_bytes(config: mqtt_kit_session::SessionConfig) -> Vec<u8> {
    let mut h = Harness::new(config);
    h.session.connect(h.now).expect("connect");
    h.sent_bytes()
}

fn position(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {haystack:?}"))
}

#[test]
fn connect_is_the_first_packet_and_carries_the_configuration() {
    shows!("3.1.1", "MQTT-3.1.0-1"; "5.0", "MQTT-3.1.0-1"; "3.1.1", "MQTT-3.1.3-3"; "5.0", "MQTT-3.1.3-3";
        "3.1.1", "MQTT-3.1.3-4"; "5.0", "MQTT-3.1.3-4"; "5.0", "MQTT-3.1.2-1"; "3.1.1", "MQTT-3.1.2-3"; "5.0", "MQTT-3.1.2-3");
    for version in [V31, V311, V5] {
        let mut h = Harness::new(config(version));
        h.session.connect(h.now).unwrap();
        let bytes = h.sent_bytes();
        assert_eq!(bytes[0], 0x10, "CONNECT, flags 0");
        let name: &[u8] = if version == V31 {
            b"\x00\x06MQIsdp"
        } else {
            b"\x00\x04MQTT"
        };
        assert_eq!(&bytes[2..2 + name.len()], name, "protocol name");
        let flags = bytes[2 + name.len() + 1];
        assert_eq!(flags, 0x02, "clean start only; the reserved bit is 0");
        // The client identifier is the first (here the only) field of the payload, as a
        // length-prefixed UTF-8 string.
        assert!(bytes.ends_with(b"\x00\x08client-1"));
        match decode_all(&bytes, version).as_slice() {
            [Packet::Connect(connect)] => {
                assert_eq!(connect.protocol, version);
                assert_eq!(connect.client_id, "client-1");
                assert_eq!(connect.keep_alive, 60);
                assert!(connect.clean_start);
            }
            other => panic!("expected CONNECT, got {other:?}"),
        }
        assert_eq!(h.session.state(), ConnectionState::Connecting);
    }
}

#[test]
fn connect_flags_follow_will_user_name_and_password() {
    shows!("3.1.1", "MQTT-3.1.2-9"; "3.1.1", "MQTT-3.1.2-11"; "3.1.1", "MQTT-3.1.2-13"; "3.1.1", "MQTT-3.1.2-14";
        "3.1.1", "MQTT-3.1.2-15"; "3.1.1", "MQTT-3.1.2-18"; "3.1.1", "MQTT-3.1.2-19"; "3.1.1", "MQTT-3.1.2-20";
        "3.1.1", "MQTT-3.1.2-21"; "3.1.1", "MQTT-3.1.3-1"; "3.1.1", "MQTT-3.1.3-10"; "3.1.1", "MQTT-3.1.3-11";
        "5.0", "MQTT-3.1.2-9"; "5.0", "MQTT-3.1.2-11"; "5.0", "MQTT-3.1.2-12"; "5.0", "MQTT-3.1.2-13";
        "5.0", "MQTT-3.1.2-16"; "5.0", "MQTT-3.1.2-17"; "5.0", "MQTT-3.1.2-18"; "5.0", "MQTT-3.1.2-19";
        "5.0", "MQTT-3.1.3-1"; "5.0", "MQTT-3.1.3-11"; "5.0", "MQTT-3.1.3-12");
    for version in [V311, V5] {
        // No will, no user name, no password: their flags, Will QoS and Will Retain are 0 and
        // the payload is the client identifier alone.
        let bare = connect_bytes(config(version));
        let flags_at = 9;
        assert_eq!(bare[flags_at], 0x02);
        assert!(bare.ends_with(b"\x00\x08client-1"));

        for will_qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let mut full = config(version);
            let mut will = Will::new(topic("clients/1/status"), "gone", will_qos);
            will.retain = true;
            full.will = Some(will);
            full.username = Some("alice".into());
            full.password = Some("secret".into());
            let bytes = connect_bytes(full);
            let expected = 0x80 | 0x40 | 0x20 | (will_qos as u8) << 3 | 0x04 | 0x02;
            assert_eq!(
                bytes[flags_at], expected,
                "user, password, will retain, will QoS, will, clean"
            );
            assert_eq!(
                (bytes[flags_at] >> 3) & 0x03,
                will_qos as u8,
                "Will QoS is never 3"
            );
            // Payload order: client identifier, will topic, will payload, user name, password.
            let order = [
                position(&bytes, b"\x00\x08client-1"),
                position(&bytes, b"\x00\x10clients/1/status"),
                position(&bytes, b"\x00\x04gone"),
                position(&bytes, b"\x00\x05alice"),
                position(&bytes, b"\x00\x06secret"),
            ];
            assert!(order.windows(2).all(|pair| pair[0] < pair[1]), "{order:?}");
        }
    }
}

#[test]
fn a_password_without_a_user_name_is_refused_in_311() {
    shows!("3.1.1", "MQTT-3.1.2-22");
    let mut config = config(V311);
    config.password = Some("secret".into());
    let mut session = Session::new(config);
    let error = session.connect(std::time::Instant::now()).unwrap_err();
    assert!(matches!(error, CommandError::Encode(_)), "{error:?}");
    assert_eq!(session.state(), ConnectionState::Disconnected);
}

#[test]
fn an_empty_client_id_needs_a_clean_session_in_311() {
    shows!("3.1.1", "MQTT-3.1.3-7");
    let mut config = SessionConfig311::empty_id();
    config.clean_start = false;
    let mut session = Session::new(config.clone());
    assert_eq!(
        session.connect(std::time::Instant::now()),
        Err(CommandError::EmptyClientIdNeedsCleanStart)
    );
    config.clean_start = true;
    let mut session = Session::new(config);
    assert_eq!(session.connect(std::time::Instant::now()), Ok(()));
}

struct SessionConfig311;
impl SessionConfig311 {
    fn empty_id() -> mqtt_kit_session::SessionConfig {
        mqtt_kit_session::SessionConfig::new(V311, "")
    }
}

#[test]
fn an_mqtt_31_client_id_is_1_to_23_bytes() {
    let mut session = Session::new(mqtt_kit_session::SessionConfig::new(V31, "x".repeat(24)));
    assert_eq!(
        session.connect(std::time::Instant::now()),
        Err(CommandError::ClientIdLength)
    );
}

#[test]
fn a_refused_connack_ends_the_connection_with_its_reason() {
    shows!("3.1.1", "MQTT-3.2.2-5"; "5.0", "MQTT-3.2.2-7"; "5.0", "MQTT-4.13.2-1");
    // 5.0: reason code, reason string and server reference reach the application.
    let mut h = Harness::new(config(V5));
    h.session.connect(h.now).unwrap();
    h.sent();
    let mut refused = ConnAck::new(ConnectReasonCode::UseAnotherServer);
    refused.properties.reason_string = Some("maintenance".into());
    refused.properties.server_reference = Some("other.example:1883".into());
    h.broker(refused.clone()).unwrap();
    let events = h.events();
    match events.as_slice() {
        [Event::Disconnected(reason @ DisconnectReason::Refused(connack))] => {
            assert_eq!(connack.code, ConnectReasonCode::UseAnotherServer);
            assert_eq!(reason.reason_string(), Some("maintenance"));
            assert_eq!(reason.server_reference(), Some("other.example:1883"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.session.state(), ConnectionState::Disconnected);
    h.expect_silent();
    // 3.1.1: return code 5, not authorized.
    let mut h = Harness::new(config(V311));
    h.session.connect(h.now).unwrap();
    h.sent();
    h.broker_bytes(&[0x20, 0x02, 0x00, 0x05]).unwrap();
    match h.events().as_slice() {
        [Event::Disconnected(DisconnectReason::Refused(connack))] => {
            assert_eq!(connack.code, ConnectReasonCode::NotAuthorized)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn only_connack_may_come_before_connack() {
    shows!("3.1.1", "MQTT-3.2.0-1"; "5.0", "MQTT-3.2.0-1"; "3.1.1", "MQTT-4.8.0-1");
    for version in [V311, V5] {
        let mut h = Harness::new(config(version));
        h.session.connect(h.now).unwrap();
        h.sent();
        let error = h.broker(Packet::PingResp).unwrap_err();
        assert_eq!(
            error,
            ProtocolError::BeforeConnAck(mqtt_kit_codec::PacketType::PingResp)
        );
        if version == V5 {
            // 5.0 says why: DISCONNECT 0x82 Protocol Error.
            h.expect_sent([Packet::Disconnect(mqtt_kit_codec::Disconnect::new(
                mqtt_kit_codec::DisconnectReasonCode::ProtocolError,
            ))]);
        } else {
            // 3.1.1 just closes the network connection.
            h.expect_silent();
        }
        h.expect_ended_by_violation();
    }
}

#[test]
fn a_second_connack_is_a_protocol_error() {
    shows!("5.0", "MQTT-3.2.0-2");
    let mut h = Harness::connected(config(V5));
    assert_eq!(
        h.broker(connack_ok(false)),
        Err(ProtocolError::SecondConnAck)
    );
    h.expect_sent([Packet::Disconnect(mqtt_kit_codec::Disconnect::new(
        mqtt_kit_codec::DisconnectReasonCode::ProtocolError,
    ))]);
}

#[test]
fn publishes_wait_for_connack() {
    let mut h = Harness::new(config(V5));
    h.session.connect(h.now).unwrap();
    h.sent();
    let token = h
        .session
        .publish(message("a", "1", QoS::AtLeastOnce))
        .unwrap();
    h.expect_silent();
    h.broker(connack_ok(false)).unwrap();
    h.expect_sent([sent_publish("a", "1", QoS::AtLeastOnce, Some(1), false)]);
    assert!(token.get() > 0);
}

#[test]
fn the_assigned_client_identifier_is_reported_and_used_again() {
    shows!("5.0", "MQTT-3.1.3-7"; "5.0", "MQTT-3.2.2-16"; "5.0", "MQTT-3.1.3-2"; "3.1.1", "MQTT-3.1.3-2");
    let mut config = mqtt_kit_session::SessionConfig::new(V5, "");
    config.properties.session_expiry_interval = Some(3600);
    let mut h = Harness::new(config);
    h.session.connect(h.now).unwrap();
    h.sent();
    let mut connack = connack_ok(false);
    connack.properties.assigned_client_identifier = Some("auto-42".into());
    h.broker(connack).unwrap();
    match h.events().as_slice() {
        [Event::Connected(connected)] => {
            assert_eq!(connected.assigned_client_id.as_deref(), Some("auto-42"))
        }
        other => panic!("{other:?}"),
    }
    h.lose_connection();
    h.session.connect(h.now).unwrap();
    match h.sent().as_slice() {
        [Packet::Connect(connect)] => {
            assert_eq!(
                connect.client_id, "auto-42",
                "the session is identified by it"
            );
            assert!(!connect.clean_start);
        }
        other => panic!("{other:?}"),
    }
    // 3.1.1: the same client identifier on every connection.
    let mut h = Harness::connected(config_311_persistent());
    h.lose_connection();
    h.session.connect(h.now).unwrap();
    match h.sent().as_slice() {
        [Packet::Connect(connect)] => assert_eq!(connect.client_id, "client-1"),
        other => panic!("{other:?}"),
    }
}

fn config_311_persistent() -> mqtt_kit_session::SessionConfig {
    let mut config = config(V311);
    config.clean_start = false;
    config
}

#[test]
fn connack_limits_are_reported() {
    let mut h = Harness::new(config(V5));
    h.session.connect(h.now).unwrap();
    h.sent();
    let mut connack = connack_ok(false);
    let p = &mut connack.properties;
    p.receive_maximum = std::num::NonZeroU16::new(5);
    p.maximum_qos = Some(QoS::AtLeastOnce);
    p.retain_available = Some(false);
    p.maximum_packet_size = std::num::NonZeroU32::new(1000);
    p.topic_alias_maximum = Some(3);
    p.wildcard_subscription_available = Some(false);
    p.shared_subscription_available = Some(false);
    p.subscription_identifiers_available = Some(false);
    h.broker(connack).unwrap();
    let limits = match h.events().as_slice() {
        [Event::Connected(connected)] => connected.limits.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(limits.receive_maximum, 5);
    assert_eq!(limits.maximum_qos, QoS::AtLeastOnce);
    assert!(!limits.retain_available);
    assert_eq!(limits.maximum_packet_size, Some(1000));
    assert_eq!(limits.topic_alias_maximum, 3);
    assert!(!limits.wildcard_subscription_available);
    assert!(!limits.shared_subscription_available);
    assert!(!limits.subscription_identifiers_available);
    assert_eq!(h.session.server_limits(), Some(&limits));
}

#[test]
fn session_present_without_session_state_closes_and_next_time_starts_clean() {
    shows!("5.0", "MQTT-3.2.2-4");
    let mut config = config(V5);
    config.clean_start = false;
    config.empty_state_may_resume = false;
    let mut h = Harness::new(config);
    h.session.connect(h.now).unwrap();
    h.sent();
    assert_eq!(
        h.broker(connack_ok(true)),
        Err(ProtocolError::SessionPresentWithoutState)
    );
    h.expect_sent([Packet::Disconnect(mqtt_kit_codec::Disconnect::new(
        mqtt_kit_codec::DisconnectReasonCode::ProtocolError,
    ))]);
    h.events();
    let (clean_start, _) = h.reconnect(connack_ok(false));
    assert!(clean_start, "the next connection asks for a new session");
}

#[test]
fn a_new_session_resuming_by_default_takes_over_the_brokers_session() {
    // The default: an empty state counts as the session state, so a restarted persistent
    // subscriber keeps what the broker queued for it.
    let mut config = config(V5);
    config.clean_start = false;
    let mut h = Harness::new(config);
    h.session.connect(h.now).unwrap();
    h.sent();
    assert_eq!(h.broker(connack_ok(true)), Ok(()));
    match h.events().as_slice() {
        [Event::Connected(connected)] => assert!(connected.session_present),
        other => panic!("{other:?}"),
    }
}

#[test]
fn session_present_in_answer_to_clean_start_is_a_protocol_error() {
    let mut h = Harness::new(config(V311));
    h.session.connect(h.now).unwrap();
    h.sent();
    assert_eq!(
        h.broker(connack_ok(true)),
        Err(ProtocolError::SessionPresentOnCleanStart)
    );
}

#[test]
fn no_connack_in_time_ends_the_attempt() {
    let mut h = Harness::new(config(V5));
    h.session.connect(h.now).unwrap();
    h.sent();
    assert_eq!(h.deadline_secs(), Some(30.0));
    h.advance(29.0);
    assert!(h.events().is_empty());
    h.advance(1.0);
    assert_eq!(
        h.events(),
        [Event::Disconnected(DisconnectReason::ConnAckTimeout)]
    );
    assert_eq!(h.session.poll_timeout(), None);
    assert_eq!(h.session.connect(h.now), Ok(()), "a new attempt may start");
    assert_eq!(
        h.session.connect(h.now),
        Err(CommandError::AlreadyConnected)
    );
}

#[test]
fn the_protocol_version_is_the_configured_one() {
    for version in [
        ProtocolVersion::V3_1,
        ProtocolVersion::V3_1_1,
        ProtocolVersion::V5,
    ] {
        let bytes = connect_bytes(config(version));
        let level = if version == V31 { bytes[10] } else { bytes[8] };
        assert_eq!(level, version.level());
    }
}

#[test]
fn a_connack_maximum_packet_size_too_small_for_an_acknowledgement_is_a_protocol_error() {
    // Maximum Packet Size 0 is a Protocol Error (MQTT 5.0 section 3.2.2.3.6); 1 to 4 bytes
    // cannot carry a PUBACK/PUBREC/PUBREL/PUBCOMP with a reason code (5 bytes), which the
    // client must be able to send, so such a CONNACK is refused too rather than have
    // acknowledgements dropped.
    for size in 0u8..=4 {
        let mut h = Harness::new(config(V5));
        h.session.connect(h.now).unwrap();
        h.sent();
        // CONNACK: no session, Success, properties: Maximum Packet Size `size`.
        let error = h
            .broker_bytes(&[0x20, 0x08, 0x00, 0x00, 0x05, 0x27, 0x00, 0x00, 0x00, size])
            .expect_err("refused");
        if size == 0 {
            assert!(matches!(error, ProtocolError::Decode(_)), "{error}");
        } else {
            assert_eq!(
                error,
                ProtocolError::MaximumPacketSizeTooSmall(u32::from(size))
            );
            assert!(error.to_string().contains("too small"), "{error}");
        }
        // DISCONNECT 0x82 Protocol Error.
        assert_eq!(h.sent_bytes(), [0xE0, 0x01, 0x82], "size {size}");
        h.expect_ended_by_violation();
    }
}

#[test]
fn a_connack_maximum_packet_size_of_5_still_carries_acknowledgements_and_pingreq() {
    let mut config = config(V5);
    config.keep_alive = 10;
    let mut h = Harness::new(config);
    h.session.connect(h.now).unwrap();
    h.sent();
    h.broker_bytes(&[0x20, 0x08, 0x00, 0x00, 0x05, 0x27, 0x00, 0x00, 0x00, 0x05])
        .unwrap();
    assert!(matches!(h.events().as_slice(), [Event::Connected(_)]));
    // QoS 1 PUBLISH "t", packet identifier 1, no properties, empty payload.
    h.broker_bytes(&[0x32, 0x06, 0x00, 0x01, b't', 0x00, 0x01, 0x00])
        .unwrap();
    assert_eq!(h.sent_bytes(), [0x40, 0x02, 0x00, 0x01], "PUBACK");
    // PUBREC for an identifier not in flight: PUBREL 0x92, 5 bytes.
    h.broker_bytes(&[0x50, 0x02, 0x00, 0x07]).unwrap();
    assert_eq!(
        h.sent_bytes(),
        [0x62, 0x03, 0x00, 0x07, 0x92],
        "PUBREL 0x92"
    );
    h.advance(10.0);
    assert_eq!(h.sent_bytes(), [0xC0, 0x00], "PINGREQ");
}
