//! DISCONNECT both ways.

use std::num::NonZeroU32;

use mqtt_kit_codec::{Disconnect, DisconnectReasonCode, Packet, PacketType, PubAck, QoS};
use mqtt_kit_session::{CommandError, ConnectionState, DisconnectReason, Event, ProtocolError};

use crate::support::*;

#[test]
fn after_disconnect_nothing_more_is_sent() {
    shows!("3.1.1", "MQTT-3.14.4-1"; "3.1.1", "MQTT-3.14.4-2"; "5.0", "MQTT-3.14.4-1"; "5.0", "MQTT-3.14.4-2";
        "5.0", "MQTT-3.14.2-1");
    for version in [V311, V5] {
        let mut h = Harness::connected(config(version));
        h.session
            .publish(message("t", "1", QoS::AtLeastOnce))
            .unwrap();
        h.sent();
        let mut disconnect = Disconnect::new(DisconnectReasonCode::DisconnectWithWillMessage);
        if version == V311 {
            disconnect = Disconnect::new(DisconnectReasonCode::NormalDisconnection);
        }
        h.session.disconnect(disconnect.clone()).unwrap();
        h.expect_sent([disconnect.clone()]);
        assert_eq!(
            h.events(),
            [Event::Disconnected(DisconnectReason::Local(
                disconnect.code
            ))]
        );
        assert_eq!(h.session.state(), ConnectionState::Disconnected);
        // The driver closes the connection; nothing more is written on it: not a publish,
        // not an acknowledgement, not a PINGREQ.
        h.session
            .publish(message("t", "2", QoS::AtLeastOnce))
            .unwrap();
        h.broker(PubAck::new(id(1))).unwrap();
        h.advance(1000.0);
        h.expect_silent();
        assert_eq!(
            h.session
                .disconnect(Disconnect::new(DisconnectReasonCode::NormalDisconnection)),
            Err(CommandError::NotConnected)
        );
        // The unacknowledged message and the queued one wait for the next connection.
        assert_eq!(h.session.in_flight().count(), 1);
        assert_eq!(h.session.waiting_len(), 1);
    }
}

#[test]
fn a_server_disconnect_is_reported_with_reason_string_and_reference() {
    shows!("5.0", "MQTT-4.13.2-1");
    let mut h = Harness::connected(config(V5));
    let mut disconnect = Disconnect::new(DisconnectReasonCode::UseAnotherServer);
    disconnect.properties.reason_string = Some("moving".into());
    disconnect.properties.server_reference = Some("b.example".into());
    h.broker(disconnect.clone()).unwrap();
    let events = h.events();
    match events.as_slice() {
        [Event::Disconnected(reason)] => {
            assert_eq!(reason, &DisconnectReason::Server(disconnect));
            assert_eq!(reason.reason_string(), Some("moving"));
            assert_eq!(reason.server_reference(), Some("b.example"));
        }
        other => panic!("{other:?}"),
    }
    h.expect_silent();
}

#[test]
fn a_311_server_must_not_send_disconnect() {
    let mut h = Harness::connected(config(V311));
    assert_eq!(
        h.broker_bytes(&[0xE0, 0x00]),
        Err(ProtocolError::UnexpectedPacket(PacketType::Disconnect))
    );
    h.expect_silent();
}

#[test]
fn disconnect_properties_are_left_out_when_too_large() {
    shows!("5.0", "MQTT-3.14.2-3"; "5.0", "MQTT-3.14.2-4"; "5.0", "MQTT-3.15.2-2"; "5.0", "MQTT-3.15.2-3");
    let mut connack = connack_ok(false);
    connack.properties.maximum_packet_size = NonZeroU32::new(10);
    let mut h = Harness::connected_with(config(V5), connack);
    let mut disconnect = Disconnect::new(DisconnectReasonCode::NormalDisconnection);
    disconnect.properties.reason_string = Some("a reason string longer than ten bytes".into());
    h.session.disconnect(disconnect).unwrap();
    h.expect_sent([Packet::Disconnect(Disconnect::new(
        DisconnectReasonCode::NormalDisconnection,
    ))]);
}

#[test]
fn a_session_expiry_in_disconnect_after_none_in_connect_is_refused() {
    let mut h = Harness::connected(config(V5));
    let mut disconnect = Disconnect::new(DisconnectReasonCode::NormalDisconnection);
    disconnect.properties.session_expiry_interval = Some(60);
    assert_eq!(
        h.session.disconnect(disconnect),
        Err(CommandError::SessionExpiryAfterZero)
    );
    h.expect_silent();
}

#[test]
fn a_session_expiry_in_a_server_disconnect_is_a_protocol_error() {
    shows!("5.0", "MQTT-3.14.2-2");
    let mut h = Harness::connected(config(V5));
    let mut disconnect = Disconnect::new(DisconnectReasonCode::ServerShuttingDown);
    disconnect.properties.session_expiry_interval = Some(10);
    h.broker(disconnect.clone()).unwrap();
    assert_eq!(
        h.events(),
        [Event::Disconnected(DisconnectReason::ProtocolViolation(
            ProtocolError::SessionExpiryFromServer(Box::new(disconnect))
        ))]
    );
    // The server is closing the connection already: nothing is written back.
    h.expect_silent();
}
