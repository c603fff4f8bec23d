//! The scenario DSL: a session under test, a clock the test moves, and a scripted broker.
//!
//! A scenario reads as a script: what the client is told (`h.session.publish(...)`), what it
//! must write (`h.expect_sent([...])`, packets decoded from the bytes it wrote), what the
//! broker answers (`h.broker(packet)`, encoded to bytes and fed to `handle_read`), and when
//! (`h.advance(seconds)`, which moves the clock and calls `handle_timeout`). Each scenario
//! names the normative statements it shows with `shows!("5.0", "MQTT-4.4.0-1")`; the
//! coverage test reads those marks from the sources.
#![allow(dead_code, unused_macros, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use bytes::BytesMut;
use mqtt_kit_codec::{
    ConnAck, ConnectReasonCode, DecodeLimits, Packet, PacketId, ProtocolVersion, Publish, QoS,
    TopicFilter, TopicName,
};
use mqtt_kit_session::{
    ConnectionState, DisconnectReason, Event, ProtocolError, Session, SessionConfig,
};

/// Marks the normative statements a scenario shows (read by the coverage test).
macro_rules! shows {
    ($($version:literal, $id:literal);+ $(;)?) => {
        $( let _ = ($version, $id); )+
    };
}
#[allow(unused_imports)]
pub(crate) use shows;

pub const V5: ProtocolVersion = ProtocolVersion::V5;
pub const V311: ProtocolVersion = ProtocolVersion::V3_1_1;
pub const V31: ProtocolVersion = ProtocolVersion::V3_1;

pub fn id(n: u16) -> PacketId {
    PacketId::new(n).expect("non-zero packet identifier")
}

pub fn topic(name: &str) -> TopicName {
    TopicName::try_from(name).expect("valid topic name")
}

pub fn filter(name: &str) -> TopicFilter {
    TopicFilter::try_from(name).expect("valid topic filter")
}

/// A PUBLISH as the application hands it to the session.
pub fn message(name: &str, payload: &'static str, qos: QoS) -> Publish {
    Publish::new(topic(name), payload, qos)
}

/// The PUBLISH the client must write: `message` with its packet identifier and DUP flag.
pub fn sent_publish(
    name: &str,
    payload: &'static str,
    qos: QoS,
    packet_id: Option<u16>,
    dup: bool,
) -> Publish {
    let mut publish = message(name, payload, qos);
    publish.packet_id = packet_id.map(id);
    publish.dup = dup;
    publish
}

pub fn config(version: ProtocolVersion) -> SessionConfig {
    SessionConfig::new(version, "client-1")
}

pub fn connack_ok(session_present: bool) -> ConnAck {
    let mut connack = ConnAck::new(ConnectReasonCode::Success);
    connack.session_present = session_present;
    connack
}

/// A session under test, its clock, and what it wrote and told.
pub struct Harness {
    pub session: Session,
    pub version: ProtocolVersion,
    pub start: Instant,
    pub now: Instant,
    written: BytesMut,
    /// For a durable session: its journal, which takes the records before the bytes go
    /// (as a driver does).
    pub journal: Option<mqtt_kit_session::Journal>,
}

impl Harness {
    /// A new, unconnected session.
    pub fn new(config: SessionConfig) -> Self {
        let version = config.version;
        Self::with_session(Session::new(config), version)
    }

    pub fn with_session(session: Session, version: ProtocolVersion) -> Self {
        let start = Instant::now();
        Self {
            session,
            version,
            start,
            now: start,
            written: BytesMut::new(),
            journal: None,
        }
    }

    /// A session connected with `connack` (default: success, no session present); the CONNECT
    /// and the Connected event are consumed.
    pub fn connected(config: SessionConfig) -> Self {
        Self::connected_with(config, connack_ok(false))
    }

    pub fn connected_with(config: SessionConfig, connack: ConnAck) -> Self {
        let mut h = Self::new(config);
        h.session.connect(h.now).expect("connect");
        let sent = h.sent();
        assert!(
            matches!(sent.as_slice(), [Packet::Connect(_)]),
            "CONNECT first, got {sent:?}"
        );
        h.broker(connack).expect("CONNACK accepted");
        let events = h.events();
        assert!(
            matches!(events.first(), Some(Event::Connected(_))),
            "expected Connected, got {events:?}"
        );
        h
    }

    /// Moves the clock by `seconds` and lets the session act on it.
    pub fn advance(&mut self, seconds: f64) {
        self.now += Duration::from_secs_f64(seconds);
        self.session.handle_timeout(self.now);
    }

    /// Moves the clock to the session's next deadline (which must exist).
    pub fn advance_to_deadline(&mut self) -> Duration {
        let deadline = self.session.poll_timeout().expect("a deadline");
        let waited = deadline.saturating_duration_since(self.now);
        self.now = self.now.max(deadline);
        self.session.handle_timeout(self.now);
        waited
    }

    /// Seconds from the start of the scenario to the next deadline.
    pub fn deadline_secs(&self) -> Option<f64> {
        self.session
            .poll_timeout()
            .map(|deadline| deadline.duration_since(self.start).as_secs_f64())
    }

    /// The broker sends `packet`.
    pub fn broker(&mut self, packet: impl Into<Packet>) -> Result<(), ProtocolError> {
        let mut bytes = BytesMut::new();
        packet
            .into()
            .encode(self.version, None, &mut bytes)
            .expect("the scripted broker's packet encodes");
        self.session.handle_read(&mut bytes, self.now)
    }

    /// The broker sends a PUBLISH (DUP clear) that the session must accept.
    pub fn receive(&mut self, name: &str, payload: &'static str, qos: QoS, packet_id: Option<u16>) {
        self.broker(sent_publish(name, payload, qos, packet_id, false))
            .expect("PUBLISH accepted");
    }

    /// The application subscribes to `filters` (each with its QoS) and the SUBSCRIBE goes out.
    pub fn subscribe_to(&mut self, filters: &[(&str, QoS)]) -> mqtt_kit_session::RequestToken {
        let filters = filters
            .iter()
            .map(|(name, qos)| (filter(name), mqtt_kit_codec::SubscriptionOptions::new(*qos)))
            .collect();
        let token = self
            .session
            .subscribe(filters, Default::default())
            .expect("subscribe");
        self.sent();
        token
    }

    /// The application publishes these messages on `name`; the session accepts each.
    pub fn publish_all(
        &mut self,
        name: &str,
        messages: &[(&'static str, QoS)],
    ) -> Vec<mqtt_kit_session::PublishToken> {
        messages
            .iter()
            .map(|(payload, qos)| {
                self.session
                    .publish(message(name, payload, *qos))
                    .expect("publish accepted")
            })
            .collect()
    }

    /// The broker sends raw bytes.
    pub fn broker_bytes(&mut self, bytes: &[u8]) -> Result<(), ProtocolError> {
        let mut buffer = BytesMut::from(bytes);
        self.session.handle_read(&mut buffer, self.now)
    }

    /// A durable session on the journal at `path` (what it holds restored), as a process
    /// that starts would make it.
    pub fn on_journal(config: SessionConfig, path: &std::path::Path, fsync: bool) -> Self {
        let journal = mqtt_kit_session::Journal::open(path, fsync).unwrap();
        let version = config.version;
        let session = Session::restore(config, journal.state().clone());
        let mut h = Self::with_session(session, version);
        h.journal = Some(journal);
        h
    }

    /// Appends the session's records to its journal (they go before the bytes written after
    /// them).
    pub fn persist(&mut self) {
        let mut records = Vec::new();
        self.session.poll_records(&mut records);
        if let Some(journal) = self.journal.as_mut() {
            journal.append(&records).unwrap();
        }
    }

    /// The bytes the client wrote since the last look.
    pub fn sent_bytes(&mut self) -> Vec<u8> {
        self.persist();
        let count = self.session.poll_transmit(self.now, &mut self.written);
        assert_eq!(
            count,
            self.written.len(),
            "poll_transmit counts what it appends"
        );
        let bytes = self.written.to_vec();
        self.written.clear();
        bytes
    }

    /// The packets the client wrote since the last look (decoded as a server would).
    pub fn sent(&mut self) -> Vec<Packet> {
        let bytes = self.sent_bytes();
        decode_all(&bytes, self.version)
    }

    /// The client must have written exactly these packets, in this order.
    #[track_caller]
    pub fn expect_sent<P: Into<Packet>>(&mut self, expected: impl IntoIterator<Item = P>) {
        let expected: Vec<Packet> = expected.into_iter().map(Into::into).collect();
        assert_eq!(self.sent(), expected);
    }

    /// The client must have written nothing.
    #[track_caller]
    pub fn expect_silent(&mut self) {
        assert_eq!(self.sent(), Vec::<Packet>::new());
    }

    /// The connection must have ended for a protocol violation, with nothing else told.
    #[track_caller]
    pub fn expect_ended_by_violation(&mut self) {
        let events = self.events();
        assert!(
            matches!(
                events.as_slice(),
                [Event::Disconnected(DisconnectReason::ProtocolViolation(_))]
            ),
            "expected the end for a protocol violation, got {events:?}"
        );
        assert_eq!(self.session.state(), ConnectionState::Disconnected);
    }

    /// Every event since the last look.
    pub fn events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.session.poll_event()).collect()
    }

    /// The network connection drops.
    pub fn lose_connection(&mut self) {
        self.session.connection_lost();
        self.written.clear();
    }

    /// A new network connection: CONNECT, then `connack`; returns the CONNECT's clean-start
    /// flag and the packets written after CONNACK (events are left to read).
    pub fn reconnect(&mut self, connack: ConnAck) -> (bool, Vec<Packet>) {
        self.session.connect(self.now).expect("connect");
        let clean_start = match self.sent().as_slice() {
            [Packet::Connect(connect)] => connect.clean_start,
            other => panic!("CONNECT first, got {other:?}"),
        };
        self.broker(connack).expect("CONNACK accepted");
        (clean_start, self.sent())
    }
}

/// Payload, DUP flag and ack token of every message the session handed over in `events`.
pub fn delivered(events: &[Event]) -> Vec<(String, bool, Option<mqtt_kit_session::AckToken>)> {
    events
        .iter()
        .filter_map(|event| match event {
            Event::Message(message) => Some((
                String::from_utf8_lossy(&message.publish.payload).into_owned(),
                message.publish.dup,
                message.ack,
            )),
            _ => None,
        })
        .collect()
}

/// Decodes every packet in `bytes` as the server side would.
pub fn decode_all(bytes: &[u8], version: ProtocolVersion) -> Vec<Packet> {
    let mut buffer = BytesMut::from(bytes);
    let limits = DecodeLimits {
        max_packet_size: u32::MAX,
    };
    let mut packets = Vec::new();
    while !buffer.is_empty() {
        match mqtt_kit_codec::decode(&mut buffer, version, &limits) {
            Ok(Some(packet)) => packets.push(packet),
            Ok(None) => panic!("the client wrote a partial packet: {buffer:?}"),
            Err(error) => panic!("the client wrote an invalid packet: {error}"),
        }
    }
    packets
}
