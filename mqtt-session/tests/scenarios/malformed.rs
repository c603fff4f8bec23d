//! Bytes that are not a valid packet from a server: the connection ends (with DISCONNECT and
//! the matching reason code on 5.0) and the application is told why.

use mqtt_kit_codec::{Disconnect, DisconnectReasonCode, Packet, ProtocolVersion};
use mqtt_kit_session::ProtocolError;

use crate::support::*;

/// Feeds `bytes` to a connected session: the connection must end with a protocol violation,
/// the 5.0 DISCONNECT carrying `code`.
#[track_caller]
fn refused(version: ProtocolVersion, bytes: &[u8], code: DisconnectReasonCode) -> ProtocolError {
    let mut h = Harness::connected(config(version));
    let error = h
        .broker_bytes(bytes)
        .expect_err("the session must refuse these bytes");
    if version == V5 {
        assert_eq!(error.disconnect_reason(), code, "{error}");
        h.expect_sent([Packet::Disconnect(Disconnect::new(code))]);
    } else {
        h.expect_silent();
    }
    h.expect_ended_by_violation();
    error
}

const MALFORMED: DisconnectReasonCode = DisconnectReasonCode::MalformedPacket;
const PROTOCOL: DisconnectReasonCode = DisconnectReasonCode::ProtocolError;

#[test]
fn malformed_311_packets_close_the_connection() {
    shows!("3.1.1", "MQTT-3.3.1-4"; "3.1.1", "MQTT-2.2.2-1"; "3.1.1", "MQTT-2.2.2-2"; "3.1.1", "MQTT-3.6.1-1";
        "3.1.1", "MQTT-1.5.3-1"; "3.1.1", "MQTT-1.5.3-2"; "3.1.1", "MQTT-4.7.3-2"; "3.1.1", "MQTT-3.3.2-2";
        "3.1.1", "MQTT-4.7.1-1"; "3.1.1", "MQTT-4.7.3-1"; "3.1.1", "MQTT-2.3.1-1"; "3.1.1", "MQTT-3.3.2-1";
        "3.1.1", "MQTT-4.8.0-1"; "3.1.1", "MQTT-3.8.1-1"; "3.1.1", "MQTT-3.10.1-1");
    let cases: &[(&str, &[u8])] = &[
        ("QoS 3", &[0x36, 0x03, 0x00, 0x01, b'a']),
        ("PUBREL flags 0000", &[0x60, 0x02, 0x00, 0x01]),
        ("PUBACK flags 0010", &[0x42, 0x02, 0x00, 0x01]),
        (
            "ill-formed UTF-8 topic",
            &[0x30, 0x05, 0x00, 0x03, 0xED, 0xA0, 0x80],
        ),
        (
            "U+0000 in topic",
            &[0x30, 0x05, 0x00, 0x03, b'a', 0x00, b'b'],
        ),
        (
            "wildcard in topic",
            &[0x30, 0x05, 0x00, 0x03, b'a', b'/', b'#'],
        ),
        ("empty topic", &[0x30, 0x02, 0x00, 0x00]),
        (
            "QoS 1 with packet identifier 0",
            &[0x32, 0x05, 0x00, 0x01, b'a', 0x00, 0x00],
        ),
        (
            "topic longer than the packet",
            &[0x30, 0x03, 0x00, 0x09, b'a'],
        ),
        (
            "SUBSCRIBE from a server",
            &[0x82, 0x06, 0x00, 0x01, 0x00, 0x01, b'a', 0x00],
        ),
        (
            "UNSUBSCRIBE from a server",
            &[0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, b'a'],
        ),
        ("PINGREQ from a server", &[0xC0, 0x00]),
        ("reserved packet type 0", &[0x00, 0x00]),
    ];
    for (what, bytes) in cases {
        let error = refused(V311, bytes, MALFORMED);
        assert!(!error.to_string().is_empty(), "{what}");
    }
}

#[test]
fn malformed_5_0_packets_end_the_connection_with_0x81() {
    shows!("5.0", "MQTT-3.14.1-1"; "5.0", "MQTT-1.5.5-1"; "5.0", "MQTT-1.5.4-1"; "5.0", "MQTT-1.5.4-2";
        "5.0", "MQTT-4.7.3-2"; "5.0", "MQTT-1.5.7-1"; "5.0", "MQTT-4.7.0-1";
        "5.0", "MQTT-3.3.2-13"; "5.0", "MQTT-3.3.2-19"; "5.0", "MQTT-3.3.1-4";
        "5.0", "MQTT-3.6.1-1"; "5.0", "MQTT-2.1.3-1"; "5.0", "MQTT-3.15.1-1"; "5.0", "MQTT-3.3.2-1";
        "5.0", "MQTT-3.8.1-1"; "5.0", "MQTT-3.10.1-1");
    let cases: &[(&str, &[u8])] = &[
        ("DISCONNECT reserved bit", &[0xE1, 0x00]),
        ("AUTH reserved bit", &[0xF1, 0x00]),
        ("PUBREL flags 0000", &[0x60, 0x02, 0x00, 0x01]),
        ("QoS 3", &[0x36, 0x04, 0x00, 0x01, b'a', 0x00]),
        ("non-minimal remaining length", &[0xD0, 0x80, 0x00]),
        (
            "ill-formed UTF-8 topic",
            &[0x30, 0x06, 0x00, 0x03, 0xED, 0xA0, 0x80, 0x00],
        ),
        (
            "U+0000 in topic",
            &[0x30, 0x06, 0x00, 0x03, b'a', 0x00, b'b', 0x00],
        ),
        (
            "ill-formed UTF-8 in a user property value",
            &[
                0x30, 0x0E, 0x00, 0x01, b'a', 0x0A, 0x26, 0x00, 0x01, b'k', 0x00, 0x03, b'v', 0xC3,
                0x28, b'x',
            ],
        ),
        (
            "ill-formed UTF-8 in Response Topic",
            &[
                0x30, 0x09, 0x00, 0x01, b'a', 0x05, 0x08, 0x00, 0x02, 0xC3, 0x28,
            ],
        ),
        (
            "ill-formed UTF-8 in Content Type",
            &[
                0x30, 0x09, 0x00, 0x01, b'a', 0x05, 0x03, 0x00, 0x02, 0xC3, 0x28,
            ],
        ),
    ];
    for (what, bytes) in cases {
        let error = refused(V5, bytes, MALFORMED);
        assert!(matches!(error, ProtocolError::Decode(_)), "{what}: {error}");
    }
}

#[test]
fn well_formed_5_0_packets_that_break_a_rule_end_the_connection_with_that_rule_s_code() {
    // 0x81 is for what cannot be parsed; a packet that parses but breaks a rule gets the
    // code of the rule (MQTT 5.0 section 4.13): 0x90 for a topic name that is not
    // accepted, else 0x82 Protocol Error.
    shows!("5.0", "MQTT-3.3.2-2"; "5.0", "MQTT-3.3.2-14"; "5.0", "MQTT-4.13.2-1");
    let cases: &[(&str, &[u8], DisconnectReasonCode)] = &[
        (
            "QoS 1 PUBLISH with packet identifier 0",
            &[0x32, 0x06, 0x00, 0x01, b'a', 0x00, 0x00, 0x00],
            PROTOCOL,
        ),
        (
            "PUBACK with packet identifier 0",
            &[0x40, 0x02, 0x00, 0x00],
            PROTOCOL,
        ),
        (
            "wildcard in the topic name",
            &[0x30, 0x06, 0x00, 0x03, b'a', b'/', b'+', 0x00],
            DisconnectReasonCode::TopicNameInvalid,
        ),
        (
            "wildcard in Response Topic",
            &[
                0x30, 0x0A, 0x00, 0x01, b'a', 0x06, 0x08, 0x00, 0x03, b'r', b'/', b'#',
            ],
            PROTOCOL,
        ),
        (
            "empty Response Topic",
            &[0x30, 0x07, 0x00, 0x01, b'a', 0x03, 0x08, 0x00, 0x00],
            PROTOCOL,
        ),
    ];
    for (what, bytes, code) in cases {
        let mut h = Harness::connected(config(V5));
        let error = h.broker_bytes(bytes).expect_err(what);
        assert!(matches!(error, ProtocolError::Decode(_)), "{what}: {error}");
        // DISCONNECT, remaining length 1, the reason code.
        assert_eq!(h.sent_bytes(), [0xE0, 0x01, code.code()], "{what}");
        h.expect_ended_by_violation();
    }
}

#[test]
fn packets_a_server_must_not_send_are_protocol_errors() {
    shows!("5.0", "MQTT-3.8.1-1"; "5.0", "MQTT-3.10.1-1");
    let cases: &[(&str, &[u8])] = &[
        (
            "SUBSCRIBE",
            &[0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, b'a', 0x00],
        ),
        (
            "UNSUBSCRIBE",
            &[0xA2, 0x06, 0x00, 0x01, 0x00, 0x00, 0x01, b'a'],
        ),
        ("PINGREQ", &[0xC0, 0x00]),
    ];
    for (what, bytes) in cases {
        let error = refused(V5, bytes, PROTOCOL);
        assert!(
            matches!(error, ProtocolError::UnexpectedPacket(_)),
            "{what}: {error}"
        );
    }
}
