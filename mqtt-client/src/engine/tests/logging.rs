//! What the engine logs, and at which level: connection attempts and their outcome,
//! reconnection delays, disconnect reasons; never a password, authentication data or a
//! payload, even at `trace`, where the session logs every packet.

use mqtt_kit_codec::{Disconnect, DisconnectReasonCode, PacketId, PubAck, Will};
use mqtt_testkit::capture_logs;

use super::*;

const PASSWORD: &str = "s3cret-pa55word";
const PAYLOAD: &str = "private-reading-42";
const WILL: &str = "last-words-of-the-meter";

/// The first line that has every one of `words`.
fn line<'a>(logs: &'a str, words: &[&str]) -> &'a str {
    logs.lines()
        .find(|line| words.iter().all(|word| line.contains(word)))
        .unwrap_or_else(|| panic!("no line with {words:?} in\n{logs}"))
}

#[test]
fn a_connection_and_its_loss_are_logged_without_secrets() {
    let options = Options::builder()
        .uri("mqtt://127.0.0.1:1883")
        .id("logged")
        .version(ProtocolVersion::V5)
        .username("meter")
        .password(PASSWORD)
        .will(Will::new(
            TopicName::try_from("meters/gone").unwrap(),
            WILL,
            QoS::AtLeastOnce,
        ))
        .backoff(Backoff {
            jitter: 0.0,
            ..Backoff::default()
        })
        .build()
        .unwrap();
    let (_, logs) = capture_logs(|| {
        let mut harness = Harness::with(options);
        let mut events = harness.events();
        harness.connect();
        let completions = std::sync::Arc::new(crate::client::completion::Completions::default());
        let (reply, _answer) = completions.open();
        let command = PublishCommand {
            id: 1,
            publish: Publish::new(
                TopicName::try_from("meters/1").unwrap(),
                PAYLOAD,
                QoS::AtLeastOnce,
            ),
            reply,
            accepted: None,
        };
        harness.engine.publish(command, harness.now);
        assert!(matches!(harness.next_packet(), Some(Packet::Publish(_))));
        let incoming = Publish::new(
            TopicName::try_from("meters/2").unwrap(),
            PAYLOAD,
            QoS::AtMostOnce,
        );
        harness.receive(&[
            PubAck::new(PacketId::new(1).unwrap()).into(),
            incoming.into(),
            Disconnect::new(DisconnectReasonCode::ServerBusy).into(),
        ]);
        assert!(matches!(
            harness.engine.connection_closed(),
            After::Retry(_)
        ));
        // Everything an application may print: the events and its own Debug of them.
        harness.engine.attempt_failed(ClientError::Closed);
        let mut count = 0;
        while let Some(event) = events.try_next() {
            tracing::info!("event: {event} / {event:?}");
            count += 1;
        }
        assert!(
            count >= 5,
            "connecting, connected, message, disconnected, reconnecting..."
        );
    });
    for secret in [PASSWORD, PAYLOAD, WILL] {
        assert!(!logs.contains(secret), "{secret:?} logged:\n{logs}");
    }
    line(
        &logs,
        &[
            "INFO",
            "connecting",
            "address=mqtt://127.0.0.1:1883",
            "attempt=0",
        ],
    );
    line(&logs, &["INFO", "connected", "session_present=false"]);
    line(
        &logs,
        &["TRACE", "packet sent", "packet=PUBLISH", "payload_len=18"],
    );
    line(
        &logs,
        &[
            "TRACE",
            "packet received",
            "packet=PUBLISH",
            "topic=\"meters/2\"",
        ],
    );
    line(&logs, &["WARN", "disconnected", "Server busy"]);
    line(
        &logs,
        &[
            "INFO",
            "reconnecting after a delay",
            "delay_ms=1000",
            "failures=1",
        ],
    );
    line(
        &logs,
        &["WARN", "connection attempt failed", "the client is closed"],
    );
    line(&logs, &["event: message on meters/2 (QoS 0, 18 bytes)"]);
}
