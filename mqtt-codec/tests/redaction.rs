//! `Debug` never shows a password, authentication data or a payload: only their lengths.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use mqtt_kit_codec::{
    Auth, AuthReasonCode, ConnAck, Connect, ConnectReasonCode, Packet, ProtocolVersion, Publish,
    QoS, TopicName, Will,
};

const PASSWORD: &str = "pa55-w0rd-secret";
const AUTH_DATA: &str = "scram-client-proof";
const PAYLOAD: &str = "payload-that-is-private";

fn topic() -> TopicName {
    TopicName::try_from("sensors/7").unwrap()
}

/// Formats `value` both ways `{:?}` may be asked for, and checks neither shows `secret`.
fn assert_hidden(value: &impl std::fmt::Debug, secret: &str) -> String {
    let flat = format!("{value:?}");
    let pretty = format!("{value:#?}");
    for text in [&flat, &pretty] {
        assert!(!text.contains(secret), "{secret:?} shown in {text}");
    }
    flat
}

#[test]
fn connect_shows_the_password_and_will_payload_by_length() {
    let mut connect = Connect::new(ProtocolVersion::V5, "client-1");
    connect.username = Some("alice".into());
    connect.password = Some(PASSWORD.into());
    connect.will = Some(Will::new(topic(), PAYLOAD, QoS::AtLeastOnce));
    connect.properties.authentication_method = Some("SCRAM-SHA-256".into());
    connect.properties.authentication_data = Some(AUTH_DATA.into());
    let packet = Packet::Connect(Box::new(connect));
    for secret in [PASSWORD, AUTH_DATA, PAYLOAD] {
        assert_hidden(&packet, secret);
    }
    let text = format!("{packet:?}");
    assert!(
        text.contains("password: Some(<redacted 16 bytes>)"),
        "{text}"
    );
    assert!(text.contains("payload: <23 bytes>"), "{text}");
    assert!(
        text.contains("authentication_data: Some(<redacted 18 bytes>)"),
        "{text}"
    );
    // What is no secret still helps whoever reads the log.
    assert!(
        text.contains("alice") && text.contains("SCRAM-SHA-256"),
        "{text}"
    );
}

#[test]
fn publish_shows_its_payload_by_length() {
    let mut publish = Publish::new(topic(), PAYLOAD, QoS::AtMostOnce);
    publish.retain = true;
    let text = assert_hidden(&Packet::Publish(publish), PAYLOAD);
    assert!(text.contains("payload: <23 bytes>"), "{text}");
    assert!(
        text.contains("sensors/7") && text.contains("retain: true"),
        "{text}"
    );
}

#[test]
fn auth_and_connack_redact_authentication_data() {
    let mut auth = Auth::new(AuthReasonCode::ContinueAuthentication);
    auth.properties.authentication_data = Some(AUTH_DATA.into());
    let text = assert_hidden(&auth, AUTH_DATA);
    assert!(text.contains("<redacted 18 bytes>"), "{text}");
    let mut connack = ConnAck::new(ConnectReasonCode::Success);
    connack.properties.authentication_data = Some(AUTH_DATA.into());
    assert_hidden(&connack, AUTH_DATA);
    let empty = format!("{:?}", Auth::new(AuthReasonCode::Success));
    assert!(empty.contains("authentication_data: None"), "{empty}");
}
