//! The engine's rules, driven by hand: packets in and out, a virtual clock, no I/O.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use futures_channel::oneshot;
use mqtt_kit_codec::{
    ConnAck, ConnectReasonCode, DecodeLimits, Disconnect, DisconnectReasonCode, Packet, PacketId,
    ProtocolVersion, PubAck, Publish, QoS, SubAck, SubscribeReasonCode, TopicName, decode,
};
use mqtt_kit_session::{DisconnectReason, OutBuffer};

use super::{After, Closing, Engine, Next};
use crate::client::completion::{Answer, Completions};
use crate::client::{Command, PublishCommand};
use crate::error::ClientError;
use crate::events::{Event, Events, Listeners, Published};
use crate::routing::{SubscribeRequest, Subscription};
use crate::state::ConnectionState;
use crate::{Backoff, Options};

/// An engine and the broker's side of its connection.
struct Harness {
    engine: Engine,
    listeners: Arc<Listeners>,
    version: ProtocolVersion,
    now: Instant,
    /// What the engine wrote and the broker has not read yet.
    written: BytesMut,
}

fn options(version: ProtocolVersion, keep_alive: u16) -> Options {
    Options::builder()
        .uri("mqtt://127.0.0.1:1883")
        .add_uri("mqtt://127.0.0.2:1883")
        .id("engine-test")
        .version(version)
        .keep_alive(keep_alive)
        .backoff(Backoff {
            jitter: 0.0,
            ..Backoff::default()
        })
        .build()
        .unwrap()
}

impl Harness {
    fn new(version: ProtocolVersion) -> Self {
        Self::with(options(version, 60))
    }

    fn with(options: Options) -> Self {
        let version = options.version();
        let listeners = Arc::new(Listeners::default());
        Self {
            engine: Engine::new(options, None, listeners.clone(), Arc::default(), 1),
            listeners,
            version,
            now: Instant::now(),
            written: BytesMut::new(),
        }
    }

    fn events(&self) -> Events {
        self.listeners.subscribe()
    }

    fn advance(&mut self, by: Duration) {
        self.now += by;
        self.engine.handle_timeout(self.now);
    }

    /// Starts an attempt and opens its connection.
    fn open(&mut self) -> String {
        let Next::Connect(address) = self.engine.next_attempt(true) else {
            panic!("an attempt was expected");
        };
        self.engine.open(self.now).unwrap();
        assert!(matches!(self.next_packet(), Some(Packet::Connect(_))));
        address.to_string()
    }

    /// Opens a connection that the broker accepts.
    fn connect(&mut self) {
        self.open();
        self.receive(&[ConnAck::new(ConnectReasonCode::Success).into()]);
    }

    /// The broker sends `packets`, all in one read.
    fn receive(&mut self, packets: &[Packet]) {
        let mut bytes = BytesMut::new();
        for packet in packets {
            packet
                .clone()
                .encode(self.version, None, &mut bytes)
                .unwrap();
        }
        self.engine.handle_read(&mut bytes, self.now);
    }

    /// The next packet the engine wrote.
    fn next_packet(&mut self) -> Option<Packet> {
        let mut out = OutBuffer::new();
        self.engine.poll_transmit(self.now, &mut out);
        let mut bytes = BytesMut::new();
        out.copy_to(&mut bytes);
        self.engine.written(bytes.len());
        self.written.extend_from_slice(&bytes);
        decode(&mut self.written, self.version, &DecodeLimits::default()).unwrap()
    }

    fn subscribe(&mut self, filter: &str) -> oneshot::Receiver<Result<Subscription, ClientError>> {
        let (reply, answer) = oneshot::channel();
        let request = SubscribeRequest::new()
            .topic(filter, QoS::AtLeastOnce)
            .unwrap();
        self.engine
            .command(Command::Subscribe { request, reply }, self.now);
        answer
    }

    /// The SUBSCRIBE the engine just wrote.
    fn sent_subscribe(&mut self) -> mqtt_kit_codec::Subscribe {
        match self.next_packet() {
            Some(Packet::Subscribe(subscribe)) => subscribe,
            other => panic!("SUBSCRIBE expected, got {other:?}"),
        }
    }

    /// The SUBSCRIBE just sent, answered with success for every filter.
    fn grant_subscribe(&mut self) {
        let subscribe = self.sent_subscribe();
        let codes = vec![SubscribeReasonCode::GrantedQoS1; subscribe.filters.len()];
        self.receive(&[SubAck::new(subscribe.packet_id, codes).into()]);
    }
}

/// A publish command for `topic` at `qos`, and where its answer arrives.
fn publish_command(
    topic: &str,
    payload: impl Into<bytes::Bytes>,
    qos: QoS,
) -> (PublishCommand, Answer) {
    let completions = Arc::new(Completions::default());
    let (reply, answer) = completions.open();
    let topic = TopicName::try_from(topic).unwrap();
    let command = PublishCommand {
        id: 1,
        publish: Publish::new(topic, payload, qos),
        reply,
        accepted: None,
    };
    (command, answer)
}

fn message(topic: &str, retain: bool) -> Packet {
    let mut publish = Publish::new(TopicName::try_from(topic).unwrap(), "m", QoS::AtMostOnce);
    publish.retain = retain;
    publish.into()
}

fn messages_in(events: &mut Events) -> Vec<String> {
    std::iter::from_fn(|| events.try_next())
        .filter_map(|event| match event {
            Event::Message(message) => Some(message.topic().to_owned()),
            _ => None,
        })
        .collect()
}

#[test]
fn messages_of_a_dropped_subscription_go_to_the_events_stream() {
    let mut harness = Harness::new(ProtocolVersion::V3_1_1);
    let mut events = harness.events();
    harness.connect();
    let mut answer = harness.subscribe("retained/#");
    let subscribe = harness.sent_subscribe();
    // Retained messages come before the SUBACK, in the same read.
    harness.receive(&[
        message("retained/1", true),
        message("retained/2", true),
        SubAck::new(subscribe.packet_id, vec![SubscribeReasonCode::GrantedQoS1]).into(),
    ]);
    let subscription = answer.try_recv().unwrap().unwrap().unwrap();
    assert_eq!(subscription.len(), 2);
    drop(subscription);
    harness.receive(&[message("retained/3", false)]);
    assert_eq!(
        messages_in(&mut events),
        ["retained/1", "retained/2", "retained/3"]
    );
}

#[test]
fn messages_of_a_subscribe_whose_caller_gave_up_go_to_the_events_stream() {
    let mut harness = Harness::new(ProtocolVersion::V3_1_1);
    harness.connect();
    let answer = harness.subscribe("retained/#");
    let subscribe = harness.sent_subscribe();
    harness.receive(&[message("retained/1", true)]);
    drop(answer);
    harness.receive(&[
        SubAck::new(subscribe.packet_id, vec![SubscribeReasonCode::GrantedQoS1]).into(),
    ]);
    // No Events stream existed: the message was held for the first one.
    let mut events = harness.events();
    assert_eq!(messages_in(&mut events), ["retained/1"]);
}

#[test]
fn subscribing_again_to_a_filter_delivers_each_message_once() {
    let mut harness = Harness::new(ProtocolVersion::V3_1_1);
    let mut events = harness.events();
    harness.connect();
    let mut first = harness.subscribe("a/#");
    harness.grant_subscribe();
    let mut first = first.try_recv().unwrap().unwrap().unwrap();
    let mut second = harness.subscribe("a/#");
    let subscribe = harness.sent_subscribe();
    // The broker replaced its subscription: it sends the retained messages once.
    harness.receive(&[
        message("a/1", true),
        message("a/2", true),
        message("a/3", true),
        SubAck::new(subscribe.packet_id, vec![SubscribeReasonCode::GrantedQoS1]).into(),
    ]);
    let mut second = second.try_recv().unwrap().unwrap().unwrap();
    assert_eq!(second.len(), 3, "the new subscription has them");
    assert_eq!(first.try_next(), None, "the old one has none");
    assert!(messages_in(&mut events).is_empty());
    assert!(
        first.receiver.is_closed(),
        "its only filter moved to the new subscription"
    );
    assert!(second.try_next().is_some());
}

#[test]
fn a_refused_subscribe_again_leaves_the_filter_with_its_stream() {
    let mut harness = Harness::new(ProtocolVersion::V5);
    harness.connect();
    let mut first = harness.subscribe("a/#");
    harness.grant_subscribe();
    let mut first = first.try_recv().unwrap().unwrap().unwrap();
    let mut second = harness.subscribe("a/#");
    let subscribe = harness.sent_subscribe();
    harness.receive(&[SubAck::new(
        subscribe.packet_id,
        vec![SubscribeReasonCode::NotAuthorized],
    )
    .into()]);
    assert!(matches!(
        second.try_recv().unwrap().unwrap(),
        Err(ClientError::SubscribeRefused(_))
    ));
    harness.receive(&[message("a/1", false)]);
    assert_eq!(first.try_next().unwrap().topic(), "a/1");
}

#[test]
fn a_dead_link_is_found_within_one_and_a_half_keep_alive_and_dropped_with_its_unwritten_bytes() {
    let mut harness = Harness::with(options(ProtocolVersion::V3_1_1, 10));
    harness.connect();
    let last_received = harness.now;
    let (command, _answer) = publish_command("flood", vec![0; 100], QoS::AtLeastOnce);
    harness.engine.publish(command, harness.now);
    // Nothing comes back: the keep-alive timer ends the connection.
    let mut out = OutBuffer::new();
    for _ in 0..40 {
        harness.advance(Duration::from_secs(1));
        harness.engine.poll_transmit(harness.now, &mut out);
        if harness.engine.closing(harness.now) != Closing::Open {
            break;
        }
    }
    assert!(!out.is_empty(), "bytes are still unwritten");
    assert_eq!(harness.engine.closing(harness.now), Closing::Now);
    assert!(
        harness.now <= last_received + Duration::from_secs(15),
        "found dead within 1.5 keep-alive periods of the last byte received, not at {:?}",
        harness.now - last_received
    );
    let After::Retry(_) = harness.engine.connection_closed() else {
        panic!("it reconnects");
    };
    // The message stays in the session: it goes again on the next connection.
    harness.connect();
    let Some(Packet::Publish(again)) = harness.next_packet() else {
        panic!("the PUBLISH is sent again");
    };
    assert_eq!(again.topic.as_str(), "flood");
}

#[test]
fn our_disconnect_is_flushed_for_a_moment_at_most() {
    let mut harness = Harness::new(ProtocolVersion::V5);
    harness.connect();
    let (reply, mut answer) = oneshot::channel();
    let options = crate::DisconnectOptions::new();
    harness
        .engine
        .command(Command::Disconnect { options, reply }, harness.now);
    harness.engine.check_disconnect(harness.now, true);
    assert_eq!(harness.engine.closing(harness.now), Closing::Flush);
    // The link never takes the DISCONNECT: past the moment, the connection is dropped.
    harness.advance(Duration::from_secs(2));
    assert_eq!(harness.engine.closing(harness.now), Closing::Now);
    assert!(matches!(
        harness.engine.connection_closed(),
        After::Stop(Ok(()))
    ));
    assert!(matches!(answer.try_recv(), Ok(Some(Ok(())))));
}

#[test]
fn events_come_in_the_order_of_their_causes() {
    let mut harness = Harness::new(ProtocolVersion::V5);
    let mut events = harness.events();
    harness.open();
    // The CONNACK and an offending packet (a second CONNACK) in one read.
    harness.receive(&[
        ConnAck::new(ConnectReasonCode::Success).into(),
        ConnAck::new(ConnectReasonCode::Success).into(),
    ]);
    let order: Vec<&str> = std::iter::from_fn(|| events.try_next())
        .map(|event| match event {
            Event::Connecting { .. } => "connecting",
            Event::Connected(_) => "connected",
            Event::Error(ClientError::Protocol(_)) => "protocol error",
            Event::Disconnected(DisconnectReason::ProtocolViolation(_)) => "disconnected",
            _ => "other",
        })
        .collect();
    assert_eq!(
        order,
        ["connecting", "connected", "protocol error", "disconnected"]
    );
}

#[test]
fn only_use_another_server_and_server_moved_redirect() {
    for (code, redirected) in [
        (DisconnectReasonCode::ServerBusy, false),
        (DisconnectReasonCode::UseAnotherServer, true),
        (DisconnectReasonCode::ServerMoved, true),
    ] {
        let mut harness = Harness::new(ProtocolVersion::V5);
        harness.connect();
        let mut disconnect = Disconnect::new(code);
        disconnect.properties.server_reference = Some("127.0.0.9:1884".into());
        harness.receive(&[disconnect.into()]);
        assert_eq!(harness.engine.closing(harness.now), Closing::Now);
        assert!(matches!(
            harness.engine.connection_closed(),
            After::Retry(_)
        ));
        let next = harness.open();
        assert_eq!(next.contains("127.0.0.9"), redirected, "{code:?}: {next}");
    }
}

#[test]
fn requests_made_before_any_connection_fail_after_the_connect_timeout() {
    let mut harness = Harness::new(ProtocolVersion::V3_1_1);
    let mut subscribed = harness.subscribe("a");
    let (command, mut published) = publish_command("a", "x", QoS::AtLeastOnce);
    harness.engine.publish(command, harness.now);
    let Next::Connect(_) = harness.engine.next_attempt(true) else {
        panic!("an attempt was expected");
    };
    let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
    assert!(matches!(
        harness.engine.attempt_failed(refused.into()),
        After::Retry(_)
    ));
    harness.advance(Duration::from_secs(29));
    assert!(matches!(subscribed.try_recv(), Ok(None)), "still waiting");
    assert_eq!(
        harness.engine.poll_timeout(),
        Some(harness.now + Duration::from_secs(1))
    );
    harness.advance(Duration::from_secs(1));
    let Ok(Some(Err(ClientError::NeverConnected(Some(last))))) = subscribed.try_recv() else {
        panic!("the subscribe fails with the last connection error");
    };
    assert!(matches!(*last, ClientError::Io(_)));
    assert!(matches!(
        published.try_take(),
        Some(Err(ClientError::NeverConnected(_)))
    ));
    assert_eq!(harness.engine.publishes.waiting(), 0);
    assert_eq!(
        harness.engine.session.waiting_len(),
        0,
        "nothing is sent later"
    );
}

#[test]
fn a_qos0_publish_is_done_once_its_bytes_are_written() {
    let mut harness = Harness::new(ProtocolVersion::V3_1_1);
    harness.connect();
    let (command, mut answer) = publish_command("t", "x", QoS::AtMostOnce);
    harness.engine.publish(command, harness.now);
    assert!(answer.try_take().is_none(), "not written yet");
    let mut out = OutBuffer::new();
    harness.engine.poll_transmit(harness.now, &mut out);
    harness.engine.written(out.len() - 1);
    assert!(answer.try_take().is_none(), "one byte is missing");
    harness.engine.written(1);
    assert!(matches!(answer.try_take(), Some(Ok(Published::Written))));
}

#[test]
fn a_qos1_publish_is_done_with_its_puback() {
    let mut harness = Harness::new(ProtocolVersion::V3_1_1);
    harness.connect();
    let (command, mut answer) = publish_command("t", "x", QoS::AtLeastOnce);
    harness.engine.publish(command, harness.now);
    let Some(Packet::Publish(sent)) = harness.next_packet() else {
        panic!("PUBLISH expected");
    };
    assert_eq!(sent.packet_id, PacketId::new(1));
    harness.receive(&[PubAck::new(PacketId::new(1).unwrap()).into()]);
    assert!(matches!(answer.try_take(), Some(Ok(Published::PubAck(_)))));
}

#[test]
fn the_state_and_counters_follow_the_connection() {
    let monitor = Arc::new(crate::state::Monitor::default());
    let listeners = Arc::new(Listeners::default());
    let mut harness = Harness::new(ProtocolVersion::V3_1_1);
    harness.engine = Engine::new(
        options(ProtocolVersion::V3_1_1, 60),
        None,
        listeners.clone(),
        monitor.clone(),
        1,
    );
    harness.listeners = listeners;
    let mut states = monitor.watch();
    let mut next_state = || states.try_next().unwrap();
    assert!(matches!(next_state(), ConnectionState::Starting));
    harness.connect();
    assert!(matches!(next_state(), ConnectionState::Connecting { .. }));
    assert!(matches!(next_state(), ConnectionState::Connected));
    assert!(monitor.is_connected());
    harness.receive(&[message("a", false), message("b", false)]);
    harness.engine.connection_lost(harness.now);
    assert!(matches!(
        harness.engine.connection_closed(),
        After::Retry(_)
    ));
    assert!(matches!(
        next_state(),
        ConnectionState::Disconnected(ClientError::Disconnected(_))
    ));
    assert!(matches!(next_state(), ConnectionState::Reconnecting { .. }));
    assert!(!monitor.is_connected());
    harness.connect();
    let stats = monitor.stats();
    assert_eq!((stats.received, stats.reconnects), (2, 1));
}

#[test]
fn a_final_refusal_is_the_state_the_connect_call_sees() {
    let monitor = Arc::new(crate::state::Monitor::default());
    let mut harness = Harness::new(ProtocolVersion::V3_1_1);
    harness.engine = Engine::new(
        options(ProtocolVersion::V3_1_1, 60),
        None,
        harness.listeners.clone(),
        monitor.clone(),
        1,
    );
    let mut states = monitor.watch();
    harness.open();
    harness.receive(&[ConnAck::new(ConnectReasonCode::NotAuthorized).into()]);
    assert!(matches!(
        harness.engine.connection_closed(),
        After::Stop(Err(ClientError::ConnectionRefused(_)))
    ));
    let result = futures_lite::future::block_on(states.connected());
    assert!(matches!(result, Err(ClientError::ConnectionRefused(_))));
}

mod logging;
