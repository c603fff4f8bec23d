//! Enhanced authentication (MQTT 5.0 AUTH).

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use mqtt_kit_codec::{
    Auth, AuthProperties, AuthReasonCode, Disconnect, DisconnectReasonCode, Packet, QoS,
};
use mqtt_kit_session::{
    AuthError, Authenticator, CommandError, DisconnectReason, Event, ProtocolError,
};

use crate::support::*;

/// A challenge-response method: answers each challenge `c` with `c` reversed, and accepts the
/// final data only if it is "ok". Records what it saw.
#[derive(Clone, Default)]
struct Reverse {
    seen: Arc<Mutex<Vec<String>>>,
}

impl Authenticator for Reverse {
    fn method(&self) -> &str {
        "REVERSE"
    }
    fn initial_data(&mut self) -> Result<Option<Bytes>, AuthError> {
        self.seen.lock().unwrap().push("initial".into());
        Ok(Some(Bytes::from_static(b"hello")))
    }
    fn respond(&mut self, challenge: Option<&Bytes>) -> Result<Option<Bytes>, AuthError> {
        let challenge = challenge.ok_or_else(|| AuthError::new("no challenge"))?;
        self.seen
            .lock()
            .unwrap()
            .push(format!("challenge {}", String::from_utf8_lossy(challenge)));
        let mut reversed = challenge.to_vec();
        reversed.reverse();
        Ok(Some(reversed.into()))
    }
    fn finish(&mut self, data: Option<&Bytes>) -> Result<(), AuthError> {
        match data.map(|d| d.as_ref()) {
            Some(b"ok") => Ok(()),
            _ => Err(AuthError::new("the server's final data is wrong")),
        }
    }
}

fn auth(code: AuthReasonCode, method: &str, data: &'static [u8]) -> Auth {
    Auth {
        code,
        properties: AuthProperties {
            authentication_method: Some(method.into()),
            authentication_data: Some(Bytes::from_static(data)),
            ..Default::default()
        },
    }
}

fn connack_auth(data: &'static [u8]) -> mqtt_kit_codec::ConnAck {
    let mut connack = connack_ok(false);
    connack.properties.authentication_method = Some("REVERSE".into());
    connack.properties.authentication_data = Some(Bytes::from_static(data));
    connack
}

/// A session with the authenticator, CONNECT written.
fn connecting(authenticator: Reverse) -> Harness {
    let mut h = Harness::new(config(V5));
    h.session.set_authenticator(Box::new(authenticator));
    h.session.connect(h.now).unwrap();
    match h.sent().as_slice() {
        [Packet::Connect(connect)] => {
            assert_eq!(
                connect.properties.authentication_method.as_deref(),
                Some("REVERSE")
            );
            assert_eq!(
                connect.properties.authentication_data.as_deref(),
                Some(&b"hello"[..])
            );
        }
        other => panic!("{other:?}"),
    }
    h
}

#[test]
fn the_auth_exchange_runs_through_the_authenticator() {
    shows!("5.0", "MQTT-4.12.0-3"; "5.0", "MQTT-4.12.0-5"; "5.0", "MQTT-4.12.0-2"; "5.0", "MQTT-3.1.2-30";
        "5.0", "MQTT-3.15.1-1"; "5.0", "MQTT-3.15.2-1");
    let authenticator = Reverse::default();
    let mut h = connecting(authenticator.clone());
    // Publishes wait: only AUTH (or DISCONNECT) before CONNACK.
    h.session
        .publish(message("t", "x", QoS::AtMostOnce))
        .unwrap();
    h.broker(auth(
        AuthReasonCode::ContinueAuthentication,
        "REVERSE",
        b"abc",
    ))
    .unwrap();
    let bytes = h.sent_bytes();
    assert_eq!(bytes[0], 0xF0, "AUTH, reserved flags 0");
    assert_eq!(
        decode_all(&bytes, V5),
        [Packet::Auth(auth(
            AuthReasonCode::ContinueAuthentication,
            "REVERSE",
            b"cba"
        ))]
    );
    h.broker(auth(
        AuthReasonCode::ContinueAuthentication,
        "REVERSE",
        b"xy",
    ))
    .unwrap();
    h.expect_sent([auth(
        AuthReasonCode::ContinueAuthentication,
        "REVERSE",
        b"yx",
    )]);
    h.broker(connack_auth(b"ok")).unwrap();
    assert!(matches!(h.events().first(), Some(Event::Connected(_))));
    h.expect_sent([sent_publish("t", "x", QoS::AtMostOnce, None, false)]);
    assert_eq!(
        *authenticator.seen.lock().unwrap(),
        ["initial", "challenge abc", "challenge xy"]
    );
}

#[test]
fn final_data_the_authenticator_refuses_ends_the_connection() {
    let mut h = connecting(Reverse::default());
    h.broker(connack_auth(b"forged")).unwrap();
    h.expect_sent([Disconnect::new(DisconnectReasonCode::UnspecifiedError)]);
    assert!(matches!(
        h.events().as_slice(),
        [Event::Disconnected(DisconnectReason::AuthFailed(_))]
    ));
}

#[test]
fn another_method_from_the_server_is_a_protocol_error() {
    shows!("5.0", "MQTT-4.12.0-5");
    let mut h = connecting(Reverse::default());
    assert!(matches!(
        h.broker(auth(
            AuthReasonCode::ContinueAuthentication,
            "OTHER",
            b"abc"
        )),
        Err(ProtocolError::AuthMethodMismatch { .. })
    ));
    h.expect_sent([Disconnect::new(DisconnectReasonCode::ProtocolError)]);
}

#[test]
fn without_an_authenticator_no_auth_is_sent_or_accepted() {
    shows!("5.0", "MQTT-4.12.0-7"; "5.0", "MQTT-4.12.0-6");
    let mut h = Harness::connected(config(V5));
    assert_eq!(
        h.session.reauthenticate(),
        Err(CommandError::NoAuthenticator)
    );
    h.expect_silent();
    assert_eq!(
        h.broker(auth(
            AuthReasonCode::ContinueAuthentication,
            "REVERSE",
            b"abc"
        )),
        Err(ProtocolError::AuthWithoutMethod)
    );
    h.expect_sent([Disconnect::new(DisconnectReasonCode::ProtocolError)]);
    // And on 3.1.1 an authenticator cannot be used at all.
    let mut h = Harness::new(config(V311));
    h.session.set_authenticator(Box::new(Reverse::default()));
    assert!(matches!(
        h.session.connect(h.now),
        Err(CommandError::NeedsV5 { .. })
    ));
}

#[test]
fn re_authentication_after_connack() {
    shows!("5.0", "MQTT-4.12.1-1"; "5.0", "MQTT-4.12.0-3");
    let mut h = connecting(Reverse::default());
    h.broker(connack_auth(b"ok")).unwrap();
    h.events();
    h.session.reauthenticate().unwrap();
    h.expect_sent([auth(AuthReasonCode::ReAuthenticate, "REVERSE", b"hello")]);
    h.broker(auth(
        AuthReasonCode::ContinueAuthentication,
        "REVERSE",
        b"123",
    ))
    .unwrap();
    h.expect_sent([auth(
        AuthReasonCode::ContinueAuthentication,
        "REVERSE",
        b"321",
    )]);
    let success = auth(AuthReasonCode::Success, "REVERSE", b"ok");
    h.broker(success.clone()).unwrap();
    assert_eq!(h.events(), [Event::Reauthenticated(success)]);
    // A Success nobody asked for is not accepted.
    assert_eq!(
        h.broker(auth(AuthReasonCode::Success, "REVERSE", b"ok")),
        Err(ProtocolError::UnexpectedAuth(0))
    );
}

#[test]
fn a_failed_re_authentication_closes_the_connection() {
    shows!("5.0", "MQTT-4.12.1-2");
    let mut h = connecting(Reverse::default());
    h.broker(connack_auth(b"ok")).unwrap();
    h.events();
    h.session.reauthenticate().unwrap();
    h.sent();
    // The server refuses: DISCONNECT 0x87; the connection is over, nothing more is sent.
    let refusal = Disconnect::new(DisconnectReasonCode::NotAuthorized);
    h.broker(refusal.clone()).unwrap();
    assert_eq!(
        h.events(),
        [Event::Disconnected(DisconnectReason::Server(refusal))]
    );
    h.expect_silent();
    // Our side refuses the server's final data: DISCONNECT, closed.
    let mut h = connecting(Reverse::default());
    h.broker(connack_auth(b"ok")).unwrap();
    h.events();
    h.session.reauthenticate().unwrap();
    h.sent();
    h.broker(auth(AuthReasonCode::Success, "REVERSE", b"forged"))
        .unwrap();
    h.expect_sent([Disconnect::new(DisconnectReasonCode::UnspecifiedError)]);
    assert!(matches!(
        h.events().as_slice(),
        [Event::Disconnected(DisconnectReason::AuthFailed(_))]
    ));
}
