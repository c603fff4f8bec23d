//! Keep alive.

use std::time::Duration;

use mqtt_kit_codec::{Packet, PubAck, QoS};
use mqtt_kit_session::{DisconnectReason, Event, SessionConfig};

use crate::support::*;

fn keep_alive(version: mqtt_kit_codec::ProtocolVersion, seconds: u16) -> SessionConfig {
    let mut config = config(version);
    config.keep_alive = seconds;
    config
}

#[test]
fn pingreq_goes_out_a_keep_alive_period_after_the_last_packet_sent() {
    shows!("3.1.1", "MQTT-3.1.2-23"; "5.0", "MQTT-3.1.2-20");
    for version in [V311, V5] {
        let mut h = Harness::connected(keep_alive(version, 10));
        assert_eq!(h.deadline_secs(), Some(10.0));
        // Something sent at 6 s moves the PINGREQ to 16 s; receiving later does not
        // postpone it.
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

/// What the client did on a link where the broker sent its last byte at `silent_from`
/// seconds and nothing after: `(second of the first PINGREQ, second of the
/// KeepAliveTimeout)`. With `flood`, the application publishes at QoS 0 every second.
fn declared_dead(mut h: Harness, silent_from: f64, flood: bool) -> (f64, f64) {
    let secs = |h: &Harness| h.now.duration_since(h.start).as_secs_f64();
    h.advance(silent_from);
    h.receive("last/word", "x", QoS::AtMostOnce, None);
    h.events();
    let mut next_publish = h.start + Duration::from_secs(1);
    let mut first_ping = None;
    loop {
        assert!(secs(&h) < 60.0, "still connected after a minute of silence");
        let deadline = h.session.poll_timeout().expect("a keep-alive deadline");
        h.now = if flood {
            deadline.min(next_publish)
        } else {
            deadline
        };
        if flood && h.now == next_publish {
            h.session
                .publish(message("flood", "x", QoS::AtMostOnce))
                .unwrap();
            next_publish += Duration::from_secs(1);
        }
        h.session.handle_timeout(h.now);
        if h.sent().contains(&Packet::PingReq) {
            first_ping.get_or_insert(secs(&h));
        }
        for event in h.events() {
            match event {
                Event::Disconnected(DisconnectReason::KeepAliveTimeout) => {
                    let ping = first_ping.expect("a PINGREQ before giving up");
                    return (ping, secs(&h));
                }
                Event::Disconnected(other) => panic!("disconnected for {other:?}"),
                _ => {}
            }
        }
    }
}

#[test]
fn a_silent_link_is_declared_dead_within_one_and_a_half_periods_idle_or_publishing_qos0() {
    // The server gives up 1.5 periods after it last heard from us [MQTT-3.1.2-24]; the
    // client finds a dead link as soon: PINGREQ one period after the last byte received
    // (or sent), PINGRESP awaited half a period. The broker's last byte comes at 2.5 s.
    let cases = [
        // Idle: the CONNECT at 0 s was the last packet sent, so the PINGREQ is due at 10 s.
        (false, 10.0, 15.0),
        // A half-open link: we keep writing, the broker sends nothing back. Sending alone
        // never makes a PINGREQ due: it goes out a period after the last byte received.
        (true, 12.5, 17.5),
    ];
    for version in [V311, V5] {
        for (flood, ping_at, dead_at) in cases {
            let h = Harness::connected(keep_alive(version, 10));
            let (ping, dead) = declared_dead(h, 2.5, flood);
            assert_eq!(
                (ping, dead),
                (ping_at, dead_at),
                "{version:?}, flood: {flood}"
            );
            assert!(dead - 2.5 <= 15.0);
        }
    }
}

#[test]
fn any_byte_received_keeps_a_busy_link_alive() {
    let mut h = Harness::connected(keep_alive(V5, 10));
    // The client publishes every second; the broker answers only the PINGREQ.
    for second in 1..=30 {
        h.advance(1.0);
        h.session
            .publish(message("flood", "x", QoS::AtMostOnce))
            .unwrap();
        let sent = h.sent();
        // A PINGREQ each 10 s of silence from the broker, answered at once.
        assert_eq!(
            sent.contains(&Packet::PingReq),
            second % 10 == 0,
            "second {second}: {sent:?}"
        );
        if sent.contains(&Packet::PingReq) {
            h.broker(Packet::PingResp).unwrap();
        }
    }
    assert!(
        !h.events()
            .iter()
            .any(|e| matches!(e, Event::Disconnected(_)))
    );
    // The PINGRESP at 30 s restarted the count: next PINGREQ at 40 s.
    assert_eq!(h.deadline_secs(), Some(40.0));
}

#[test]
fn an_explicit_pingresp_timeout_is_kept() {
    let mut config = keep_alive(V311, 10);
    config.pingresp_timeout = Some(Duration::from_secs(8));
    let (ping, dead) = declared_dead(Harness::connected(config), 0.0, false);
    assert_eq!((ping, dead), (10.0, 18.0));
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
    assert_eq!(
        h.session.state(),
        mqtt_kit_session::ConnectionState::Connected
    );
}
