//! Keep alive.

use mqtt_codec::{Packet, PubAck, QoS};
use mqtt_session::{DisconnectReason, Event, SessionConfig};

use crate::support::*;

fn keep_alive(version: mqtt_codec::ProtocolVersion, seconds: u16) -> SessionConfig {
    let mut config = config(version);
    config.keep_alive = seconds;
    config
}

#[test]
fn pingreq_goes_out_only_after_a_keep_alive_period_without_sending() {
    shows!("3.1.1", "MQTT-3.1.2-23"; "5.0", "MQTT-3.1.2-20");
    for version in [V311, V5] {
        let mut h = Harness::connected(keep_alive(version, 10));
        assert_eq!(h.deadline_secs(), Some(10.0));
        // Something sent at 6 s moves the PINGREQ to 16 s, whatever is received.
        h.advance(6.0);
        h.session
            .publish(message("t", "x", QoS::AtLeastOnce))
            .unwrap();
        h.sent();
        h.advance(3.0);
        h.broker(PubAck::new(id(1))).unwrap();
        assert_eq!(h.deadline_secs(), Some(16.0));
        h.advance(6.9);
        h.expect_silent();
        h.advance(0.1);
        h.expect_sent([Packet::PingReq]);
        h.broker(Packet::PingResp).unwrap();
        assert_eq!(h.deadline_secs(), Some(26.0));
        assert!(
            !h.events()
                .iter()
                .any(|e| matches!(e, Event::Disconnected(_)))
        );
    }
}

#[test]
fn a_missing_pingresp_ends_the_connection() {
    shows!("3.1.1", "MQTT-3.12.4-1");
    let mut config = keep_alive(V311, 10);
    config.pingresp_timeout = Some(std::time::Duration::from_secs(5));
    let mut h = Harness::connected(config);
    h.advance_to_deadline();
    h.expect_sent([Packet::PingReq]);
    assert_eq!(h.deadline_secs(), Some(15.0));
    h.advance(4.0);
    // Bytes arriving show the link is alive: the wait starts again from them.
    h.receive("a", "x", QoS::AtMostOnce, None);
    h.events();
    assert_eq!(h.deadline_secs(), Some(19.0));
    h.advance_to_deadline();
    assert_eq!(
        h.events(),
        [Event::Disconnected(DisconnectReason::KeepAliveTimeout)]
    );
    h.expect_silent();
    assert_eq!(h.session.poll_timeout(), None);
}

#[test]
fn keep_alive_zero_never_pings() {
    let mut h = Harness::connected(keep_alive(V5, 0));
    assert_eq!(h.session.poll_timeout(), None);
    h.advance(1_000_000.0);
    h.expect_silent();
}

#[test]
fn the_server_keep_alive_replaces_ours() {
    shows!("5.0", "MQTT-3.1.2-21"; "5.0", "MQTT-3.2.2-21"; "5.0", "MQTT-3.2.2-22");
    let mut connack = connack_ok(false);
    connack.properties.server_keep_alive = Some(5);
    let mut h = Harness::connected_with(keep_alive(V5, 60), connack);
    assert_eq!(h.deadline_secs(), Some(5.0));
    h.advance(5.0);
    h.expect_sent([Packet::PingReq]);
    // Without it, ours stays.
    let h = Harness::connected(keep_alive(V5, 60));
    assert_eq!(h.deadline_secs(), Some(60.0));
    // And a 3.1.1 connection ignores nothing: it has no such property.
    let h = Harness::connected(keep_alive(V311, 30));
    assert_eq!(h.deadline_secs(), Some(30.0));
}

#[test]
fn timeouts_too_long_to_reach_mean_waiting_for_ever() {
    // Duration::MAX (or anything past the end of Instant) is a way to say "no limit": it
    // must not overflow the clock.
    let mut config = keep_alive(V5, 10);
    config.connack_timeout = std::time::Duration::MAX;
    config.pingresp_timeout = Some(std::time::Duration::MAX);
    let mut h = Harness::new(config);
    h.session.connect(h.now).unwrap();
    h.sent();
    assert_eq!(h.session.poll_timeout(), None, "CONNACK awaited for ever");
    h.broker(connack_ok(false)).unwrap();
    h.events();
    assert_eq!(h.deadline_secs(), Some(10.0));
    h.advance_to_deadline();
    h.expect_sent([Packet::PingReq]);
    assert_eq!(h.session.poll_timeout(), None, "PINGRESP awaited for ever");
    h.advance(1e9);
    assert_eq!(h.session.state(), mqtt_session::ConnectionState::Connected);
}
