//! The launcher itself: a broker with extra configuration answers a CONNECT, and comes back
//! on the same port after a restart.

#![allow(clippy::unwrap_used)] // a test: a failure is a failed test

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use mqtt_testkit::{Listener, Mosquitto};

/// MQTT 3.1.1 CONNECT, client id "kit", clean session, keep alive 60.
const CONNECT: [u8; 17] = [
    0x10, 0x0f, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x03, b'k', b'i',
    b't',
];

fn connack_from(port: u16) -> [u8; 4] {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(&CONNECT).unwrap();
    let mut connack = [0u8; 4];
    stream.read_exact(&mut connack).unwrap();
    connack
}

#[test]
#[ignore = "needs mosquitto"]
fn extra_configuration_is_applied_and_restart_keeps_the_port() {
    let mut broker = Mosquitto::start_with_config(&[Listener::tcp()], "max_inflight_messages 7");
    let config = std::fs::read_to_string(broker.dir().join("mosquitto.conf")).unwrap();
    assert!(config.contains("\nmax_inflight_messages 7\n"), "{config}");
    assert_eq!(connack_from(broker.port(0)), [0x20, 0x02, 0x00, 0x00]);
    let first_pid = broker.pid();
    broker.restart();
    assert_ne!(broker.pid(), first_pid);
    assert_eq!(connack_from(broker.port(0)), [0x20, 0x02, 0x00, 0x00]);
}
