//! Property tests: random interleavings of commands, broker packets, time and lost
//! connections, against a model broker that follows the protocol. Checked throughout:
//! - no packet identifier is in flight twice (a new PUBLISH or SUBSCRIBE never reuses one the
//!   broker has not finished with);
//! - never more QoS 1/2 PUBLISH in flight than the broker's Receive Maximum;
//! - no publish is reported done twice, and at the end (every connection resumed and every
//!   exchange finished) every accepted publish has been reported done exactly once;
//! - incoming QoS 2 messages are delivered at most once, and exactly once when the broker saw
//!   the exchange through; QoS 1 at least once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/mod.rs"]
mod support;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::num::NonZeroU16;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use mqtt_kit_codec::{
    Packet, PacketId, PubAck, PubAckReasonCode, PubComp, PubRec, PubRecReasonCode, PubRel, Publish,
    QoS, SubAck, SubscribeReasonCode, SubscriptionOptions,
};
use mqtt_kit_session::{
    AckMode, AckToken, ConnectionState, Event, LostSessionPolicy, PublishToken, Session,
    SessionConfig,
};
use proptest::prelude::*;

use support::{V5, connack_ok, decode_all, filter, topic};

#[derive(Debug, Clone)]
enum Action {
    Publish(u8),
    AckOutgoing { pick: usize, refuse: bool },
    SendIncoming(u8),
    ReleaseIncoming(usize),
    AppAck { pick: usize, refuse: bool },
    Subscribe,
    Advance(u8),
    Drop,
    Reconnect { session_present: bool },
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => (0u8..3).prop_map(Action::Publish),
        4 => (any::<usize>(), proptest::bool::weighted(0.1))
            .prop_map(|(pick, refuse)| Action::AckOutgoing { pick, refuse }),
        3 => (0u8..3).prop_map(Action::SendIncoming),
        2 => any::<usize>().prop_map(Action::ReleaseIncoming),
        2 => (any::<usize>(), proptest::bool::weighted(0.1))
            .prop_map(|(pick, refuse)| Action::AppAck { pick, refuse }),
        1 => Just(Action::Subscribe),
        1 => (1u8..30).prop_map(Action::Advance),
        1 => Just(Action::Drop),
        2 => proptest::bool::weighted(0.8).prop_map(|session_present| Action::Reconnect { session_present }),
    ]
}

/// Where a client PUBLISH is on the broker's side.
#[derive(Debug, Clone, Copy, PartialEq)]
enum FromClient {
    Received(QoS),
    PubRecSent,
}

/// Where a broker PUBLISH is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ToClient {
    Sent,
    PubRecReceived,
}

struct Model {
    session: Session,
    now: Instant,
    up: bool,
    receive_maximum: u16,
    client_receive_maximum: u16,
    /// Client exchanges the broker has not finished, by packet identifier.
    from_client: BTreeMap<u16, FromClient>,
    /// Client PUBLISH received on this connection and not yet acknowledged.
    window: BTreeSet<u16>,
    /// Broker messages in flight: id -> (qos, payload number, stage).
    to_client: BTreeMap<u16, (QoS, u32, ToClient)>,
    next_payload: u32,
    finished_qos1: Vec<u32>,
    finished_qos2: Vec<u32>,
    delivered: HashMap<u32, usize>,
    accepted: BTreeSet<PublishToken>,
    done: BTreeMap<PublishToken, usize>,
    app_pending: Vec<AckToken>,
    connected_once: bool,
}

impl Model {
    fn new(manual: bool, policy: LostSessionPolicy, receive_maximum: u16) -> Self {
        let mut config = SessionConfig::new(V5, "prop");
        config.clean_start = false;
        config.properties.session_expiry_interval = Some(600);
        config.keep_alive = 20;
        config.receive_maximum = 3;
        config.lost_session_policy = policy;
        config.queue_capacity = 10_000;
        config.ack_mode = if manual {
            AckMode::Manual
        } else {
            AckMode::Automatic
        };
        Self {
            session: Session::new(config),
            now: Instant::now(),
            up: false,
            receive_maximum,
            client_receive_maximum: 3,
            from_client: BTreeMap::new(),
            window: BTreeSet::new(),
            to_client: BTreeMap::new(),
            next_payload: 0,
            finished_qos1: Vec::new(),
            finished_qos2: Vec::new(),
            delivered: HashMap::new(),
            accepted: BTreeSet::new(),
            done: BTreeMap::new(),
            app_pending: Vec::new(),
            connected_once: false,
        }
    }

    fn feed(&mut self, packet: impl Into<Packet>) {
        if !self.up {
            return;
        }
        let mut bytes = BytesMut::new();
        packet.into().encode(V5, None, &mut bytes).unwrap();
        let _ = self.session.handle_read(&mut bytes, self.now);
    }

    /// Lets the broker answer whatever the client wrote, and the application see events,
    /// until nothing moves.
    fn settle(&mut self) {
        for _ in 0..100 {
            let mut out = BytesMut::new();
            let written = self.session.poll_transmit(self.now, &mut out);
            let events: Vec<Event> = std::iter::from_fn(|| self.session.poll_event()).collect();
            if written == 0 && events.is_empty() {
                return;
            }
            for event in events {
                self.on_event(event);
            }
            if self.up {
                for packet in decode_all(&out, V5) {
                    self.on_client_packet(packet);
                }
            }
        }
        panic!("the exchange does not settle");
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::PublishDone { token, .. } => {
                let count = self.done.entry(token).or_default();
                *count += 1;
                assert_eq!(*count, 1, "publish {token:?} reported done twice");
            }
            Event::Message(message) => {
                let number: u32 = std::str::from_utf8(&message.publish.payload)
                    .unwrap()
                    .parse()
                    .unwrap();
                *self.delivered.entry(number).or_default() += 1;
                if message.publish.qos == QoS::ExactlyOnce {
                    assert_eq!(
                        self.delivered[&number], 1,
                        "QoS 2 message {number} delivered twice"
                    );
                }
                if let Some(token) = message.ack {
                    self.app_pending.push(token);
                }
            }
            Event::Disconnected(_) => self.up = false,
            _ => {}
        }
    }

    fn on_client_packet(&mut self, packet: Packet) {
        match packet {
            Packet::Publish(publish) if publish.qos != QoS::AtMostOnce => {
                let id = publish.packet_id.unwrap().get();
                match self.from_client.get(&id) {
                    None => assert!(
                        !publish.dup,
                        "DUP on a message the broker never saw, id {id}"
                    ),
                    Some(_) => {
                        assert!(publish.dup, "packet identifier {id} reused while in flight")
                    }
                }
                self.from_client
                    .insert(id, FromClient::Received(publish.qos));
                self.window.insert(id);
                assert!(
                    self.window.len() <= usize::from(self.receive_maximum),
                    "more than Receive Maximum {} in flight",
                    self.receive_maximum
                );
            }
            Packet::PubRel(pubrel) => {
                let id = pubrel.packet_id.get();
                assert_eq!(
                    self.from_client.remove(&id),
                    Some(FromClient::PubRecSent),
                    "PUBREL {id}"
                );
                self.window.remove(&id);
                self.feed(PubComp::new(pubrel.packet_id));
            }
            Packet::PubAck(puback) => {
                let id = puback.packet_id.get();
                let (qos, number, _) = self
                    .to_client
                    .remove(&id)
                    .expect("PUBACK for a message sent");
                assert_eq!(qos, QoS::AtLeastOnce);
                self.finished_qos1.push(number);
            }
            Packet::PubRec(pubrec) => {
                let id = pubrec.packet_id.get();
                let entry = self
                    .to_client
                    .get_mut(&id)
                    .expect("PUBREC for a message sent");
                assert_eq!(entry.0, QoS::ExactlyOnce);
                if pubrec.code.is_error() {
                    self.to_client.remove(&id);
                } else {
                    entry.2 = ToClient::PubRecReceived;
                }
            }
            Packet::PubComp(pubcomp) => {
                let id = pubcomp.packet_id.get();
                let (_, number, stage) = self
                    .to_client
                    .remove(&id)
                    .expect("PUBCOMP for a message sent");
                assert_eq!(stage, ToClient::PubRecReceived);
                self.finished_qos2.push(number);
            }
            Packet::Subscribe(subscribe) => {
                let id = subscribe.packet_id.get();
                assert!(
                    !self.from_client.contains_key(&id),
                    "SUBSCRIBE reuses id {id}"
                );
                let codes = vec![SubscribeReasonCode::GrantedQoS1; subscribe.filters.len()];
                self.feed(SubAck::new(subscribe.packet_id, codes));
            }
            Packet::PingReq => self.feed(Packet::PingResp),
            Packet::Disconnect(_) => self.up = false,
            _ => {}
        }
    }

    fn reconnect(&mut self, session_present: bool) {
        if self.up || self.session.state() != ConnectionState::Disconnected {
            return;
        }
        self.session.connect(self.now).unwrap();
        let mut out = BytesMut::new();
        let _ = self.session.poll_transmit(self.now, &mut out);
        let Some(Packet::Connect(connect)) = decode_all(&out, V5).into_iter().next() else {
            panic!("CONNECT first");
        };
        // A session exists on the broker only after a first accepted connection.
        let session_present = session_present && !connect.clean_start && self.connected_once;
        self.connected_once = true;
        if !session_present {
            self.from_client.clear();
            self.to_client.clear();
        }
        self.up = true;
        self.window.clear();
        let mut connack = connack_ok(session_present);
        connack.properties.receive_maximum = NonZeroU16::new(self.receive_maximum);
        self.feed(connack);
        // The broker sends its unfinished messages again.
        let resend: Vec<(u16, (QoS, u32, ToClient))> = self
            .to_client
            .iter()
            .map(|(id, entry)| (*id, *entry))
            .collect();
        for (id, (qos, number, stage)) in resend {
            let packet_id = PacketId::new(id).unwrap();
            match stage {
                ToClient::Sent => self.feed(message(qos, packet_id, number, true)),
                ToClient::PubRecReceived => self.feed(PubRel::new(packet_id)),
            }
        }
        self.settle();
    }

    fn apply(&mut self, action: Action) {
        match action {
            Action::Publish(qos) => {
                let qos = QoS::try_from(qos).unwrap();
                let payload = Bytes::from(format!("{}", self.accepted.len()));
                if let Ok(token) = self.session.publish(Publish::new(topic("t"), payload, qos)) {
                    if qos != QoS::AtMostOnce {
                        self.accepted.insert(token);
                    }
                }
            }
            Action::AckOutgoing { pick, refuse } => {
                if !self.up || self.from_client.is_empty() {
                    return;
                }
                let (id, stage) = self
                    .from_client
                    .iter()
                    .nth(pick % self.from_client.len())
                    .map(|(i, s)| (*i, *s))
                    .unwrap();
                let packet_id = PacketId::new(id).unwrap();
                match stage {
                    FromClient::Received(QoS::AtLeastOnce) => {
                        let mut puback = PubAck::new(packet_id);
                        if refuse {
                            puback.code = PubAckReasonCode::QuotaExceeded;
                        }
                        self.from_client.remove(&id);
                        self.window.remove(&id);
                        self.feed(puback);
                    }
                    FromClient::Received(_) => {
                        let mut pubrec = PubRec::new(packet_id);
                        if refuse {
                            pubrec.code = PubRecReasonCode::QuotaExceeded;
                            self.from_client.remove(&id);
                            self.window.remove(&id);
                        } else {
                            self.from_client.insert(id, FromClient::PubRecSent);
                        }
                        self.feed(pubrec);
                    }
                    FromClient::PubRecSent => {}
                }
            }
            Action::SendIncoming(qos) => {
                let qos = QoS::try_from(qos).unwrap();
                if !self.up {
                    return;
                }
                let number = self.next_payload;
                self.next_payload += 1;
                if qos == QoS::AtMostOnce {
                    let mut publish = Publish::new(topic("in"), format!("{number}"), qos);
                    publish.dup = false;
                    self.feed(publish);
                    return;
                }
                if self.to_client.len() >= usize::from(self.client_receive_maximum) {
                    return;
                }
                let Some(id) = (1..=20u16).find(|id| !self.to_client.contains_key(id)) else {
                    return;
                };
                self.to_client.insert(id, (qos, number, ToClient::Sent));
                self.feed(message(qos, PacketId::new(id).unwrap(), number, false));
            }
            Action::ReleaseIncoming(pick) => {
                let released: Vec<u16> = self
                    .to_client
                    .iter()
                    .filter(|(_, (_, _, stage))| *stage == ToClient::PubRecReceived)
                    .map(|(id, _)| *id)
                    .collect();
                if self.up && !released.is_empty() {
                    let id = released[pick % released.len()];
                    self.feed(PubRel::new(PacketId::new(id).unwrap()));
                }
            }
            Action::AppAck { pick, refuse } => {
                if self.app_pending.is_empty() {
                    return;
                }
                let token = self.app_pending.remove(pick % self.app_pending.len());
                let code = if refuse {
                    PubAckReasonCode::UnspecifiedError
                } else {
                    PubAckReasonCode::Success
                };
                let _ = self
                    .session
                    .acknowledge_with(token, code, Default::default());
            }
            Action::Subscribe => {
                let _ = self.session.subscribe(
                    vec![(filter("s"), SubscriptionOptions::new(QoS::AtLeastOnce))],
                    Default::default(),
                );
            }
            Action::Advance(seconds) => {
                self.now += Duration::from_secs(u64::from(seconds));
                self.session.handle_timeout(self.now);
            }
            Action::Drop => {
                self.session.connection_lost();
                self.up = false;
            }
            Action::Reconnect { session_present } => self.reconnect(session_present),
        }
        self.settle();
    }

    /// Resumes and finishes everything, then checks that every accepted publish was reported.
    fn drain_and_check(&mut self) {
        for _ in 0..200 {
            if !self.up {
                self.session.connection_lost();
                self.settle();
                self.reconnect(true);
                continue;
            }
            let busy = !self.from_client.is_empty()
                || !self.to_client.is_empty()
                || !self.app_pending.is_empty()
                || self.session.in_flight().count() > 0
                || self.session.waiting_len() > 0;
            if !busy {
                break;
            }
            self.apply(Action::AckOutgoing {
                pick: 0,
                refuse: false,
            });
            self.apply(Action::ReleaseIncoming(0));
            self.apply(Action::AppAck {
                pick: 0,
                refuse: false,
            });
        }
        for token in &self.accepted {
            assert_eq!(
                self.done.get(token),
                Some(&1),
                "publish {token:?} never reported done"
            );
        }
        for number in &self.finished_qos2 {
            assert_eq!(
                self.delivered.get(number),
                Some(&1),
                "QoS 2 message {number}"
            );
        }
        for number in &self.finished_qos1 {
            assert!(
                self.delivered.get(number).is_some_and(|n| *n >= 1),
                "QoS 1 message {number}"
            );
        }
    }
}

fn message(qos: QoS, packet_id: PacketId, number: u32, dup: bool) -> Publish {
    let mut publish = Publish::new(topic("in"), format!("{number}"), qos);
    publish.packet_id = Some(packet_id);
    publish.dup = dup;
    publish
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_interleavings_keep_every_invariant(
        manual in any::<bool>(),
        fail_lost in any::<bool>(),
        receive_maximum in 1u16..5,
        actions in proptest::collection::vec(action(), 1..80),
    ) {
        let policy = if fail_lost { LostSessionPolicy::Fail } else { LostSessionPolicy::ResendAsNew };
        let mut model = Model::new(manual, policy, receive_maximum);
        model.reconnect(false);
        for action in actions {
            model.apply(action);
        }
        model.drain_and_check();
    }
}

/// A packet a (possibly misbehaving) broker could send.
fn broker_packet() -> impl Strategy<Value = Packet> {
    let packet_id = (1u16..6).prop_map(|n| PacketId::new(n).unwrap());
    prop_oneof![
        (0u8..3, packet_id.clone(), any::<bool>(), 0u16..4).prop_map(|(qos, id, dup, alias)| {
            let qos = QoS::try_from(qos).unwrap();
            let mut publish = Publish::new(topic("in"), "x", qos);
            publish.packet_id = (qos != QoS::AtMostOnce).then_some(id);
            publish.dup = dup && qos != QoS::AtMostOnce;
            publish.properties.topic_alias = NonZeroU16::new(alias);
            Packet::Publish(publish)
        }),
        packet_id
            .clone()
            .prop_map(|id| Packet::PubAck(PubAck::new(id))),
        packet_id
            .clone()
            .prop_map(|id| Packet::PubRec(PubRec::new(id))),
        packet_id
            .clone()
            .prop_map(|id| Packet::PubRel(PubRel::new(id))),
        packet_id
            .clone()
            .prop_map(|id| Packet::PubComp(PubComp::new(id))),
        packet_id
            .clone()
            .prop_map(|id| Packet::SubAck(SubAck::new(id, vec![SubscribeReasonCode::GrantedQoS0]))),
        Just(Packet::PingResp),
        any::<bool>().prop_map(|present| Packet::ConnAck(connack_ok(present))),
        Just(Packet::Disconnect(mqtt_kit_codec::Disconnect::new(
            mqtt_kit_codec::DisconnectReasonCode::ServerBusy
        ))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever a broker sends, in whatever order: no panic, every violation ends the
    /// connection, and once it has ended nothing more is written on it.
    #[test]
    fn any_broker_behaviour_is_survived(
        packets in proptest::collection::vec(broker_packet(), 1..40),
        publishes in proptest::collection::vec(0u8..3, 0..6),
    ) {
        let mut config = SessionConfig::new(V5, "fuzz");
        config.ack_mode = AckMode::Manual;
        let mut session = Session::new(config);
        let now = Instant::now();
        session.connect(now).unwrap();
        let mut out = BytesMut::new();
        let _ = session.poll_transmit(now, &mut out);
        for qos in publishes {
            let _ = session.publish(Publish::new(topic("t"), "p", QoS::try_from(qos).unwrap()));
        }
        for packet in packets {
            let mut bytes = BytesMut::new();
            packet.encode(V5, None, &mut bytes).unwrap();
            let was_connected = session.state() != ConnectionState::Disconnected;
            let result = session.handle_read(&mut bytes, now);
            let events: Vec<Event> = std::iter::from_fn(|| session.poll_event()).collect();
            if result.is_err() {
                prop_assert!(was_connected);
                prop_assert_eq!(session.state(), ConnectionState::Disconnected);
                prop_assert!(matches!(events.last(), Some(Event::Disconnected(_))));
            }
            if session.state() == ConnectionState::Disconnected {
                // Flush what was written before the end (a DISCONNECT at most), then silence.
                out.clear();
                let _ = session.poll_transmit(now, &mut out);
                let _ = session.publish(Publish::new(topic("t"), "late", QoS::AtLeastOnce));
                session.handle_timeout(now + Duration::from_secs(3600));
                out.clear();
                prop_assert_eq!(session.poll_transmit(now, &mut out), 0);
            }
        }
    }

    /// Arbitrary bytes from the network never panic and never leave a connection half-open.
    #[test]
    fn arbitrary_bytes_are_refused_cleanly(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 1..8)) {
        let mut session = Session::new(SessionConfig::new(V5, "bytes"));
        let now = Instant::now();
        session.connect(now).unwrap();
        let mut input = BytesMut::new();
        Packet::ConnAck(connack_ok(false)).encode(V5, None, &mut input).unwrap();
        session.handle_read(&mut input, now).unwrap();
        for chunk in chunks {
            input.extend_from_slice(&chunk);
            if session.handle_read(&mut input, now).is_err() {
                prop_assert_eq!(session.state(), ConnectionState::Disconnected);
            }
        }
    }
}
