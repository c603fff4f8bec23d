//! What the session logs: each packet at `trace` with its type, identifier, topic, QoS and
//! payload length, never its payload, a password or authentication data; protocol
//! violations at `warn` with the statement they break.

use mqtt_kit_codec::{Packet, PubAck, QoS};
use mqtt_testkit::capture_logs;

use crate::support::*;

const PASSWORD: &str = "correct-horse-battery";
const PAYLOAD: &str = "meter-reading-31337";

#[test]
fn packets_are_logged_without_payload_or_password() {
    let mut config = config(V5);
    config.username = Some("meter".into());
    config.password = Some(PASSWORD.into());
    let (_, logs) = capture_logs(|| {
        let mut h = Harness::connected(config);
        h.session
            .publish(message("meters/7", PAYLOAD, QoS::AtLeastOnce))
            .unwrap();
        assert!(matches!(h.sent().as_slice(), [Packet::Publish(_)]));
        h.broker(PubAck::new(id(1))).unwrap();
        h.receive("meters/8", PAYLOAD, QoS::AtMostOnce, None);
    });
    for secret in [PASSWORD, PAYLOAD] {
        assert!(!logs.contains(secret), "{secret:?} logged:\n{logs}");
    }
    let lines: Vec<&str> = logs.lines().collect();
    let find = |words: &[&str]| {
        lines
            .iter()
            .find(|line| words.iter().all(|word| line.contains(word)))
            .unwrap_or_else(|| panic!("no line with {words:?} in\n{logs}"))
    };
    let connect = find(&["TRACE", "packet sent", "packet=CONNECT"]);
    assert!(connect.contains("password=true"), "{connect}");
    let publish = find(&["TRACE", "packet sent", "packet=PUBLISH"]);
    for field in [
        "packet_id=1",
        "topic=\"meters/7\"",
        "qos=1",
        "payload_len=19",
    ] {
        assert!(publish.contains(field), "{field} missing: {publish}");
    }
    find(&["TRACE", "packet received", "packet=CONNACK"]);
    find(&["TRACE", "packet received", "packet=PUBACK", "packet_id=1"]);
    find(&[
        "packet received",
        "packet=PUBLISH",
        "topic=\"meters/8\"",
        "payload_len=19",
    ]);
}

#[test]
fn a_protocol_violation_is_a_warning_that_cites_the_statement() {
    let (_, logs) = capture_logs(|| {
        let mut h = Harness::new(config(V5));
        h.session.connect(h.now).unwrap();
        h.sent();
        // A PUBACK before CONNACK [MQTT-3.2.0-1].
        assert!(h.broker(PubAck::new(id(1))).is_err());
    });
    let warning = logs
        .lines()
        .find(|line| line.contains("WARN"))
        .unwrap_or_else(|| panic!("no warning in\n{logs}"));
    assert!(warning.contains("protocol violation"), "{warning}");
    assert!(warning.contains("statement=\"MQTT-3.2.0-1\""), "{warning}");
}

#[test]
fn debug_of_the_configuration_and_the_output_shows_no_secret() {
    let mut config = config(V5);
    config.username = Some("meter".into());
    config.password = Some(PASSWORD.into());
    config.will = Some(mqtt_kit_codec::Will::new(
        topic("meters/7/gone"),
        PAYLOAD,
        QoS::AtLeastOnce,
    ));
    let text = format!("{config:?}");
    assert!(
        !text.contains(PASSWORD) && !text.contains(PAYLOAD),
        "{text}"
    );
    assert!(
        text.contains("password: Some(<redacted 21 bytes>)"),
        "{text}"
    );
    assert!(text.contains("meters/7/gone"), "{text}");

    let mut h = Harness::new(config);
    h.session.connect(h.now).unwrap();
    let mut out = mqtt_kit_session::OutBuffer::new();
    let count = h.session.poll_transmit_buffer(h.now, &mut out);
    assert!(
        count > PASSWORD.len(),
        "the CONNECT with its password waits in the buffer"
    );
    let text = format!("{out:?}");
    assert!(!text.contains(PASSWORD), "{text}");
    assert!(text.contains(&format!("len: {count}")), "{text}");
}
