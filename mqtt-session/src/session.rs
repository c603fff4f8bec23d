//! The [`Session`]: the state machine that ties every rule together.
//!
//! Commands come in as method calls, bytes from the server through
//! [`Session::handle_read`], time through [`Session::handle_timeout`]; bytes to write come out
//! of [`Session::poll_transmit`], events out of [`Session::poll_event`], and the next deadline
//! out of [`Session::poll_timeout`]. Nothing here blocks, reads a clock or does I/O.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use mqtt_codec::{
    Auth, AuthProperties, AuthReasonCode, ConnAck, DecodeLimits, Disconnect, DisconnectReasonCode,
    EncodeError, Packet, PacketId, PacketType, ProtocolVersion, PubAck, PubAckReasonCode, PubComp,
    PubCompReasonCode, PubRec, PubRecReasonCode, PubRel, PubRelReasonCode, Publish, QoS, SubAck,
    Subscribe, SubscribeProperties, SubscriptionOptions, TopicFilter, UnsubAck, Unsubscribe,
    UnsubscribeProperties,
};

use crate::auth::{AuthError, Authenticator};
use crate::connect::{AckMode, Connected, LostSessionPolicy, ServerLimits, SessionConfig};
use crate::error::{CommandError, ProtocolError, PublishError};
use crate::events::{
    AckToken, DisconnectReason, Event, Message, PublishAck, PublishToken, RequestLost, RequestToken,
};
use crate::flow_control::InFlightWindow;
use crate::incoming::{AckReply, Incoming, Qos2State};
use crate::inflight::{Inflight, Outgoing, Stage};
use crate::keep_alive::{KeepAlive, KeepAliveAction};
use crate::offline_queue::{OfflineQueue, Queued};
use crate::packet_id::PacketIdAllocator;
use crate::store::{MemoryStore, Store, StoreError, StoredPublish};
use crate::subscriptions::{Request, RequestKind, Subscription, Subscriptions};
use crate::topic_alias::{AliasError, AliasUse, OutgoingAliases};

/// Where the network connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    /// No connection: publishes wait in the queue.
    Disconnected,
    /// CONNECT written; waiting for CONNACK (perhaps through an AUTH exchange).
    Connecting,
    /// CONNACK accepted the connection.
    Connected,
}

#[derive(Debug)]
enum State {
    Disconnected,
    Connecting {
        clean_start: bool,
        deadline: Instant,
    },
    Connected,
}

/// An accepted publish that has no packet identifier yet.
#[derive(Debug, Clone)]
struct Waiting {
    token: PublishToken,
    publish: Publish,
}

/// The sans-IO MQTT client session: see the [crate documentation](crate).
pub struct Session {
    config: SessionConfig,
    authenticator: Option<Box<dyn Authenticator>>,
    store: Box<dyn Store>,
    state: State,
    /// A session was established with the server and its state is ours.
    established: bool,
    /// The next CONNECT asks for a clean start whatever the configuration says.
    force_clean_start: bool,
    connections: u64,
    limits: ServerLimits,
    limits_known: bool,
    keep_alive: Option<KeepAlive>,
    ids: PacketIdAllocator,
    inflight: Inflight,
    out_window: InFlightWindow,
    waiting: OfflineQueue<Waiting>,
    out_aliases: OutgoingAliases,
    incoming: Incoming,
    subscriptions: Subscriptions,
    reauthenticating: bool,
    events: VecDeque<Event>,
    transmit: BytesMut,
    next_token: u64,
    next_delivery: u64,
    decode_limits: DecodeLimits,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("state", &self.state)
            .field("client_id", &self.config.client_id)
            .field("in_flight", &self.inflight.len())
            .field("waiting", &self.waiting.len())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session with an in-memory store.
    pub fn new(config: SessionConfig) -> Self {
        let mut session = Self::blank(config, Box::new(MemoryStore::new()));
        session.established = false;
        session
    }

    /// A session that starts from what `store` holds and writes through to it.
    pub fn with_store(
        config: SessionConfig,
        mut store: Box<dyn Store>,
    ) -> Result<Self, StoreError> {
        let stored = store.load()?;
        let mut session = Self::blank(config, store);
        session.established = stored.established;
        for entry in stored.outgoing.into_values() {
            let Some(id) = entry.publish.packet_id else {
                continue;
            };
            session.ids.reserve(id);
            let token = session.new_publish_token();
            let stage = if entry.released {
                Stage::Released
            } else {
                Stage::Published
            };
            session.inflight.insert(
                Outgoing {
                    token,
                    order: entry.order,
                    publish: entry.publish,
                    stage,
                },
                true,
            );
        }
        for id in stored.incoming_qos2 {
            session.incoming.qos2.insert(id, Qos2State::Recorded);
        }
        Ok(session)
    }

    fn blank(config: SessionConfig, store: Box<dyn Store>) -> Self {
        let incoming = Incoming::new(
            if config.version == ProtocolVersion::V5 {
                config.receive_maximum
            } else {
                u16::MAX
            },
            config.incoming_alias_maximum(),
        );
        let decode_limits = DecodeLimits {
            max_packet_size: config.incoming_packet_limit(),
        };
        Self {
            waiting: OfflineQueue::new(config.queue_capacity, config.queue_full_policy),
            out_window: InFlightWindow::new(config.max_inflight),
            authenticator: None,
            store,
            state: State::Disconnected,
            established: false,
            force_clean_start: false,
            connections: 0,
            limits: ServerLimits::default(),
            limits_known: false,
            keep_alive: None,
            ids: PacketIdAllocator::new(),
            inflight: Inflight::new(),
            out_aliases: OutgoingAliases::new(),
            incoming,
            subscriptions: Subscriptions::default(),
            reauthenticating: false,
            events: VecDeque::new(),
            transmit: BytesMut::new(),
            next_token: 1,
            next_delivery: 1,
            decode_limits,
            config,
        }
    }

    /// Uses `authenticator` for enhanced authentication (MQTT 5.0) from the next CONNECT on.
    pub fn set_authenticator(&mut self, authenticator: Box<dyn Authenticator>) {
        self.authenticator = Some(authenticator);
    }

    /// Ends the session object and gives its store back (to build a new session on it, as a
    /// restarted process would).
    pub fn into_store(self) -> Box<dyn Store> {
        self.store
    }

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// Where the connection is.
    pub fn state(&self) -> ConnectionState {
        match self.state {
            State::Disconnected => ConnectionState::Disconnected,
            State::Connecting { .. } => ConnectionState::Connecting,
            State::Connected => ConnectionState::Connected,
        }
    }

    /// The server's limits: of the current connection, or of the last one.
    pub fn server_limits(&self) -> Option<&ServerLimits> {
        self.limits_known.then_some(&self.limits)
    }

    /// The outgoing QoS 1/2 publishes in flight (sent, not fully acknowledged), in order of
    /// sending; after [`Session::with_store`], these include the ones restored from the store.
    pub fn in_flight(&self) -> impl Iterator<Item = (PublishToken, &Publish)> {
        self.inflight
            .iter()
            .map(|entry| (entry.token, &entry.publish))
    }

    /// How many accepted publishes wait for a connection or for the server's Receive Maximum.
    pub fn waiting_len(&self) -> usize {
        self.waiting.len()
    }

    /// The subscriptions the server granted (restored after a lost session when configured).
    pub fn subscriptions(&self) -> impl Iterator<Item = &Subscription> {
        self.subscriptions.granted().iter()
    }

    // ----- commands -----

    /// Starts a connection on a new network connection: writes CONNECT. The first packet on
    /// the connection is CONNECT [MQTT-3.1.0-1]; nothing else is written before CONNACK except
    /// AUTH [MQTT-3.1.2-30].
    ///
    /// Clean Start is the configured flag on the first connection; later connections of an
    /// MQTT 5.0 session ask to resume (0), and those of 3.x repeat the configured flag.
    pub fn connect(&mut self, now: Instant) -> Result<(), CommandError> {
        if !matches!(self.state, State::Disconnected) {
            return Err(CommandError::AlreadyConnected);
        }
        let clean_start = if self.force_clean_start || self.connections == 0 {
            self.config.clean_start || self.force_clean_start
        } else if self.config.version == ProtocolVersion::V5 {
            false
        } else {
            self.config.clean_start
        };
        match self.config.version {
            ProtocolVersion::V3_1 => {
                let len = self.config.client_id.len();
                if len == 0 || len > 23 {
                    return Err(CommandError::ClientIdLength);
                }
            }
            ProtocolVersion::V3_1_1 => {
                if self.config.client_id.is_empty() && !clean_start {
                    return Err(CommandError::EmptyClientIdNeedsCleanStart);
                }
            }
            ProtocolVersion::V5 => {}
        }
        let auth = match (&mut self.authenticator, self.config.version) {
            (Some(authenticator), ProtocolVersion::V5) => {
                let data = authenticator.initial_data()?;
                Some((authenticator.method().to_owned(), data))
            }
            (Some(_), _) => {
                return Err(CommandError::NeedsV5 {
                    feature: "enhanced authentication",
                });
            }
            (None, _) => None,
        };
        let connect = self.config.connect_packet(clean_start, auth);
        self.transmit.clear();
        Packet::Connect(connect).encode(self.config.version, None, &mut self.transmit)?;
        self.connections += 1;
        self.state = State::Connecting {
            clean_start,
            deadline: now + self.config.connack_timeout,
        };
        self.keep_alive = Some(KeepAlive::new(
            self.config.keep_alive,
            self.pingresp_timeout(self.config.keep_alive),
            now,
        ));
        self.incoming.end_connection();
        self.out_aliases.reset(0);
        self.reauthenticating = false;
        Ok(())
    }

    fn pingresp_timeout(&self, keep_alive: u16) -> Duration {
        self.config
            .pingresp_timeout
            .unwrap_or(Duration::from_secs(u64::from(keep_alive.max(1))))
    }

    /// Accepts an application message to publish and returns the token its
    /// [`Event::PublishDone`] will carry.
    ///
    /// The session sets the packet identifier and DUP flag (whatever `publish` holds) and the
    /// topic alias. The message is refused at once, with nothing sent, when it breaks a limit
    /// the server announced (Maximum Packet Size, Maximum QoS, Retain Available) or a rule of
    /// the protocol; otherwise it is written now if it can be, or waits in order for a
    /// connection or for the server's Receive Maximum.
    pub fn publish(&mut self, mut publish: Publish) -> Result<PublishToken, CommandError> {
        if publish.topic.is_empty() {
            return Err(CommandError::EmptyTopic);
        }
        if publish.properties.topic_alias.is_some() {
            return Err(CommandError::TopicAliasSetByCaller);
        }
        if !publish.properties.subscription_identifiers.is_empty() {
            return Err(CommandError::SubscriptionIdentifierInPublish);
        }
        publish.dup = false;
        publish.packet_id = None;
        self.check_publish(&publish)?;
        let token = self.new_publish_token();
        let waiting = Waiting { token, publish };
        match self
            .waiting
            .push(waiting, |w| w.publish.qos == QoS::AtMostOnce)
        {
            Err(_) => {
                return Err(CommandError::QueueFull {
                    capacity: self.config.queue_capacity,
                });
            }
            Ok(Queued::Queued) => {}
            Ok(Queued::QueuedDropping(dropped)) => self.events.push_back(Event::PublishDone {
                token: dropped.token,
                result: Err(PublishError::Dropped),
            }),
        }
        if matches!(self.state, State::Connected) {
            self.pump();
        }
        Ok(token)
    }

    /// Whether `publish` may be sent under the limits known now.
    fn check_publish(&self, publish: &Publish) -> Result<(), CommandError> {
        if self.limits_known {
            if publish.qos > self.limits.maximum_qos {
                return Err(CommandError::QoSNotSupported {
                    requested: publish.qos,
                    maximum: self.limits.maximum_qos,
                });
            }
            if publish.retain && !self.limits.retain_available {
                return Err(CommandError::RetainNotAvailable);
            }
        }
        let mut sized = publish.clone();
        if publish.qos != QoS::AtMostOnce {
            sized.packet_id = PacketId::new(1);
        }
        let size = Packet::Publish(sized).encoded_len(self.config.version)?;
        self.check_size(size)
    }

    fn check_size(&self, size: usize) -> Result<(), CommandError> {
        match self.server_max_packet_size() {
            Some(maximum) if size > maximum as usize => {
                Err(CommandError::PacketTooLarge { size, maximum })
            }
            _ => Ok(()),
        }
    }

    fn server_max_packet_size(&self) -> Option<u32> {
        if self.limits_known {
            self.limits.maximum_packet_size
        } else {
            None
        }
    }

    /// Sends SUBSCRIBE for `filters` (each with its options) and returns the token its
    /// [`Event::SubscribeDone`] will carry. Needs a connection.
    pub fn subscribe(
        &mut self,
        filters: Vec<(TopicFilter, SubscriptionOptions)>,
        properties: SubscribeProperties,
    ) -> Result<RequestToken, CommandError> {
        if !matches!(self.state, State::Connected) {
            return Err(CommandError::NotConnected);
        }
        self.check_subscribe(&filters, &properties)?;
        let token = self.new_request_token();
        self.send_subscribe(token, filters, properties, false)?;
        Ok(token)
    }

    fn check_subscribe(
        &self,
        filters: &[(TopicFilter, SubscriptionOptions)],
        properties: &SubscribeProperties,
    ) -> Result<(), CommandError> {
        if filters.is_empty() {
            return Err(CommandError::NoTopicFilter);
        }
        let v5 = self.config.version == ProtocolVersion::V5;
        for (filter, options) in filters {
            if filter.is_shared() && options.no_local {
                return Err(CommandError::NoLocalOnSharedSubscription {
                    filter: filter.to_string(),
                });
            }
            if !v5 && *options != SubscriptionOptions::new(options.qos) {
                return Err(CommandError::NeedsV5 {
                    feature: "subscription options other than QoS",
                });
            }
            if self.limits_known {
                if filter.has_wildcards() && !self.limits.wildcard_subscription_available {
                    return Err(CommandError::FeatureNotAvailable {
                        feature: "wildcard subscriptions",
                    });
                }
                if filter.is_shared() && !self.limits.shared_subscription_available {
                    return Err(CommandError::FeatureNotAvailable {
                        feature: "shared subscriptions",
                    });
                }
            }
        }
        if properties.subscription_identifier.is_some()
            && self.limits_known
            && !self.limits.subscription_identifiers_available
        {
            return Err(CommandError::FeatureNotAvailable {
                feature: "subscription identifiers",
            });
        }
        Ok(())
    }

    fn send_subscribe(
        &mut self,
        token: RequestToken,
        filters: Vec<(TopicFilter, SubscriptionOptions)>,
        properties: SubscribeProperties,
        restore: bool,
    ) -> Result<(), CommandError> {
        let id = self.allocate_id()?;
        let packet = Packet::Subscribe(Subscribe {
            packet_id: id,
            filters: filters.clone(),
            properties: properties.clone(),
        });
        if let Err(error) = self.write_checked(&packet) {
            self.ids.release(id);
            return Err(error);
        }
        self.subscriptions.pending.insert(
            id.get(),
            Request {
                token,
                kind: RequestKind::Subscribe {
                    filters,
                    properties,
                    restore,
                },
            },
        );
        Ok(())
    }

    /// Sends UNSUBSCRIBE for `filters` and returns the token its [`Event::UnsubscribeDone`]
    /// will carry. Needs a connection.
    pub fn unsubscribe(
        &mut self,
        filters: Vec<TopicFilter>,
        properties: UnsubscribeProperties,
    ) -> Result<RequestToken, CommandError> {
        if !matches!(self.state, State::Connected) {
            return Err(CommandError::NotConnected);
        }
        if filters.is_empty() {
            return Err(CommandError::NoTopicFilter);
        }
        let id = self.allocate_id()?;
        let packet = Packet::Unsubscribe(Unsubscribe {
            packet_id: id,
            filters: filters.clone(),
            properties,
        });
        if let Err(error) = self.write_checked(&packet) {
            self.ids.release(id);
            return Err(error);
        }
        let token = self.new_request_token();
        self.subscriptions.pending.insert(
            id.get(),
            Request {
                token,
                kind: RequestKind::Unsubscribe { filters },
            },
        );
        Ok(token)
    }

    /// Acknowledges an incoming message (manual acknowledgement) with success.
    pub fn acknowledge(&mut self, token: AckToken) -> Result<(), CommandError> {
        self.acknowledge_with(token, PubAckReasonCode::Success, Default::default())
    }

    /// Acknowledges an incoming message with a reason code (MQTT 5.0: the PUBACK/PUBREC reason
    /// codes are the same set; 3.x ignores both code and properties) and properties.
    ///
    /// The acknowledgement is written as soon as every message that arrived before this one
    /// is acknowledged too [MQTT-4.6.0-2] [MQTT-4.6.0-3]. After a reconnection, acknowledging
    /// a QoS 1 message of the previous connection is refused with
    /// [`CommandError::UnknownAckToken`] (the server sends it again and it is delivered again);
    /// a QoS 2 message is answered when the server sends it again.
    pub fn acknowledge_with(
        &mut self,
        token: AckToken,
        code: PubAckReasonCode,
        properties: mqtt_codec::AckProperties,
    ) -> Result<(), CommandError> {
        if self.config.ack_mode != AckMode::Manual {
            return Err(CommandError::NotManualAck);
        }
        let (code, properties) = if self.config.version == ProtocolVersion::V5 {
            (code, properties)
        } else {
            (PubAckReasonCode::Success, Default::default())
        };
        let id = token.packet_id;
        match token.qos {
            QoS::AtMostOnce => Err(CommandError::UnknownAckToken),
            QoS::AtLeastOnce => {
                if self.incoming.qos1.get(&id.get()) != Some(&token.delivery) {
                    return Err(CommandError::UnknownAckToken);
                }
                let reply = AckReply::PubAck(PubAck {
                    packet_id: id,
                    code,
                    properties,
                });
                self.incoming
                    .acks
                    .complete(id.get(), reply)
                    .map_err(|_| CommandError::UnknownAckToken)?;
                self.flush_acks();
                Ok(())
            }
            QoS::ExactlyOnce => {
                match self.incoming.qos2.get(&id.get()) {
                    Some(Qos2State::AwaitingApp { delivery }) if *delivery == token.delivery => {}
                    _ => return Err(CommandError::UnknownAckToken),
                }
                let code = PubRecReasonCode::try_from(code.code()).map_err(|_| {
                    CommandError::InvalidReasonCode {
                        code: code.code(),
                        packet: "PUBREC",
                    }
                })?;
                let pubrec = PubRec {
                    packet_id: id,
                    code,
                    properties,
                };
                let state = if code.is_error() {
                    Qos2State::Refused(pubrec.clone())
                } else {
                    self.store.save_incoming(id)?;
                    Qos2State::Recorded
                };
                self.incoming.qos2.insert(id.get(), state);
                if self.incoming.acks.is_pending(id.get()) {
                    let _ = self
                        .incoming
                        .acks
                        .complete(id.get(), AckReply::PubRec(pubrec));
                    self.flush_acks();
                }
                Ok(())
            }
        }
    }

    /// Starts a re-authentication (MQTT 5.0, after CONNACK, with an authenticator)
    /// [MQTT-4.12.1-1]: writes AUTH 0x19.
    pub fn reauthenticate(&mut self) -> Result<(), CommandError> {
        if !matches!(self.state, State::Connected) {
            return Err(CommandError::NotConnected);
        }
        let Some(authenticator) = self.authenticator.as_mut() else {
            return Err(CommandError::NoAuthenticator);
        };
        let data = authenticator.initial_data()?;
        let auth = Auth {
            code: AuthReasonCode::ReAuthenticate,
            properties: AuthProperties {
                authentication_method: Some(authenticator.method().to_owned()),
                authentication_data: data,
                ..Default::default()
            },
        };
        self.write_checked(&Packet::Auth(auth))?;
        self.reauthenticating = true;
        Ok(())
    }

    /// Ends the connection with DISCONNECT (its reason code and properties are used on MQTT
    /// 5.0). Nothing is written after it [MQTT-3.14.4-2] [MQTT-3.14.4-1]: flush
    /// [`Session::poll_transmit`] and close the network connection. Unacknowledged publishes
    /// stay in the session for the next connection.
    pub fn disconnect(&mut self, disconnect: Disconnect) -> Result<(), CommandError> {
        if matches!(self.state, State::Disconnected) {
            return Err(CommandError::NotConnected);
        }
        let disconnect = if self.config.version == ProtocolVersion::V5 {
            let connect_expiry = self.config.properties.session_expiry_interval.unwrap_or(0);
            if connect_expiry == 0
                && disconnect
                    .properties
                    .session_expiry_interval
                    .is_some_and(|expiry| expiry != 0)
            {
                return Err(CommandError::SessionExpiryAfterZero);
            }
            disconnect
        } else {
            Disconnect::new(DisconnectReasonCode::NormalDisconnection)
        };
        let code = disconnect.code;
        self.write_reply(Packet::Disconnect(disconnect));
        self.close(DisconnectReason::Local(code));
        Ok(())
    }

    /// The driver lost the network connection (read or write error, end of stream). Bytes not
    /// yet written are dropped; unacknowledged publishes stay for the next connection.
    pub fn connection_lost(&mut self) {
        self.transmit.clear();
        if !matches!(self.state, State::Disconnected) {
            self.close(DisconnectReason::ConnectionLost);
        }
    }

    // ----- driving -----

    /// Takes the bytes to write to the network, appended to `out`; returns how many.
    /// `now` is when they are written (the keep-alive timer counts from it).
    pub fn poll_transmit(&mut self, now: Instant, out: &mut BytesMut) -> usize {
        let len = self.transmit.len();
        if len == 0 {
            return 0;
        }
        if out.is_empty() {
            std::mem::swap(out, &mut self.transmit);
        } else {
            out.extend_from_slice(&self.transmit);
            self.transmit.clear();
        }
        if let Some(keep_alive) = self.keep_alive.as_mut() {
            keep_alive.on_sent(now);
        }
        len
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Session::handle_timeout`] must be called next, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Disconnected => None,
            State::Connecting { deadline, .. } => Some(deadline),
            State::Connected => self.keep_alive.as_ref().and_then(KeepAlive::deadline),
        }
    }

    /// Time has come to `now`: sends PINGREQ when due, ends a connection whose PINGRESP or
    /// CONNACK did not come in time.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.state {
            State::Disconnected => {}
            State::Connecting { deadline, .. } => {
                if now >= deadline {
                    self.close(DisconnectReason::ConnAckTimeout);
                }
            }
            State::Connected => {
                let Some(keep_alive) = self.keep_alive.as_mut() else {
                    return;
                };
                match keep_alive.check(now) {
                    KeepAliveAction::Nothing => {}
                    KeepAliveAction::SendPing => {
                        keep_alive.on_ping_sent(now);
                        self.write_reply(Packet::PingReq);
                    }
                    KeepAliveAction::Dead => self.close(DisconnectReason::KeepAliveTimeout),
                }
            }
        }
    }

    /// Takes every whole packet from `input` (bytes read from the network; a partial packet is
    /// left for the next call) and acts on it. A protocol violation ends the connection: the
    /// DISCONNECT (5.0) is in [`Session::poll_transmit`], [`Event::Disconnected`] in the
    /// events, and the error is also returned. Bytes arriving with no connection are dropped.
    pub fn handle_read(&mut self, input: &mut BytesMut, now: Instant) -> Result<(), ProtocolError> {
        if matches!(self.state, State::Disconnected) {
            input.clear();
            return Ok(());
        }
        if !input.is_empty() {
            if let Some(keep_alive) = self.keep_alive.as_mut() {
                keep_alive.on_received(now);
            }
        }
        loop {
            let packet = match mqtt_codec::decode(input, self.config.version, &self.decode_limits) {
                Ok(Some(packet)) => packet,
                Ok(None) => return Ok(()),
                Err(error) => {
                    let error = ProtocolError::from(error);
                    self.violation(error.clone());
                    input.clear();
                    return Err(error);
                }
            };
            if let Err(error) = self.handle_packet(packet, now) {
                self.violation(error.clone());
                input.clear();
                return Err(error);
            }
            if matches!(self.state, State::Disconnected) {
                input.clear();
                return Ok(());
            }
        }
    }

    // ----- incoming packets -----

    fn handle_packet(&mut self, packet: Packet, now: Instant) -> Result<(), ProtocolError> {
        let v5 = self.config.version == ProtocolVersion::V5;
        if let State::Connecting { clean_start, .. } = self.state {
            return match packet {
                Packet::ConnAck(connack) => self.on_connack(connack, clean_start, now),
                Packet::Auth(auth) if v5 => self.on_auth(auth),
                Packet::Disconnect(disconnect) if v5 => {
                    self.on_server_disconnect(disconnect);
                    Ok(())
                }
                other => Err(ProtocolError::BeforeConnAck(other.packet_type())),
            };
        }
        match packet {
            Packet::Publish(publish) => self.on_publish(publish),
            Packet::PubAck(puback) => self.on_puback(puback),
            Packet::PubRec(pubrec) => self.on_pubrec(pubrec),
            Packet::PubRel(pubrel) => self.on_pubrel(pubrel),
            Packet::PubComp(pubcomp) => self.on_pubcomp(pubcomp),
            Packet::SubAck(suback) => self.on_suback(suback),
            Packet::UnsubAck(unsuback) => self.on_unsuback(unsuback),
            Packet::PingResp => {
                if let Some(keep_alive) = self.keep_alive.as_mut() {
                    keep_alive.on_pingresp();
                }
                Ok(())
            }
            Packet::Disconnect(disconnect) if v5 => {
                self.on_server_disconnect(disconnect);
                Ok(())
            }
            Packet::Auth(auth) if v5 => self.on_auth(auth),
            Packet::ConnAck(_) => Err(ProtocolError::SecondConnAck),
            other => Err(ProtocolError::UnexpectedPacket(other.packet_type())),
        }
    }

    /// The server ends the connection. Nothing is written back: the server closes it. A
    /// Session Expiry Interval in it is a Protocol Error [MQTT-3.14.2-2], reported as such
    /// with the DISCONNECT attached.
    fn on_server_disconnect(&mut self, disconnect: Disconnect) {
        let reason = if disconnect.properties.session_expiry_interval.is_some() {
            DisconnectReason::ProtocolViolation(ProtocolError::SessionExpiryFromServer(Box::new(
                disconnect,
            )))
        } else {
            DisconnectReason::Server(disconnect)
        };
        self.close(reason);
    }

    fn on_connack(
        &mut self,
        connack: ConnAck,
        clean_start: bool,
        _now: Instant,
    ) -> Result<(), ProtocolError> {
        if connack.code.is_error() {
            // The server closes the connection [MQTT-4.13.2-1]; our session state stays.
            self.close(DisconnectReason::Refused(connack));
            return Ok(());
        }
        let v5 = self.config.version == ProtocolVersion::V5;
        if v5 {
            if let Some(authenticator) = self.authenticator.as_mut() {
                let method = authenticator.method().to_owned();
                let got = connack.properties.authentication_method.clone();
                if got.as_deref() != Some(method.as_str()) {
                    return Err(ProtocolError::AuthMethodMismatch {
                        expected: method,
                        got,
                    });
                }
                if let Err(error) =
                    authenticator.finish(connack.properties.authentication_data.as_ref())
                {
                    self.auth_failed(error);
                    return Ok(());
                }
            } else if connack.properties.authentication_method.is_some() {
                return Err(ProtocolError::AuthWithoutMethod);
            }
        }
        if connack.session_present {
            if clean_start {
                return Err(ProtocolError::SessionPresentOnCleanStart);
            }
            if v5 && !self.established {
                self.force_clean_start = true;
                return Err(ProtocolError::SessionPresentWithoutState);
            }
        }
        self.force_clean_start = false;
        self.limits = if v5 {
            ServerLimits::from_connack(&connack)
        } else {
            ServerLimits::default()
        };
        self.limits_known = true;
        let mut keep_alive = self.config.keep_alive;
        if let Some(server_keep_alive) = connack.properties.server_keep_alive.filter(|_| v5) {
            keep_alive = server_keep_alive;
            let timeout = self.pingresp_timeout(keep_alive);
            if let Some(timer) = self.keep_alive.as_mut() {
                timer.set_interval(keep_alive);
                timer.set_pingresp_timeout(timeout);
            }
        }
        let assigned_client_id = connack.properties.assigned_client_identifier.clone();
        if let Some(id) = assigned_client_id
            .as_ref()
            .filter(|_| self.config.client_id.is_empty())
        {
            // Reconnections resume this session under the identifier the server chose.
            self.config.client_id = id.clone();
        }
        self.state = State::Connected;
        self.out_window.reset(
            self.limits
                .receive_maximum
                .min(self.config.max_inflight.max(1)),
        );
        self.out_aliases.reset(if self.config.auto_topic_alias {
            self.limits.topic_alias_maximum
        } else {
            0
        });
        let session_present = connack.session_present;
        self.events.push_back(Event::Connected(Connected {
            session_present,
            assigned_client_id,
            keep_alive,
            limits: self.limits.clone(),
            connack,
        }));
        if session_present {
            self.inflight.mark_all_unsent();
        } else {
            self.discard_session_state()?;
            if self.config.restore_subscriptions {
                self.restore_subscriptions();
            }
        }
        if !self.established {
            self.established = true;
            if let Err(error) = self.store.set_established(true) {
                self.store_failed(error);
                return Ok(());
            }
        }
        self.pump();
        Ok(())
    }

    /// The server has no session for us [MQTT-3.2.2-5]: incoming QoS 2 state goes, and
    /// unacknowledged publishes are sent again as new or failed, as configured.
    fn discard_session_state(&mut self) -> Result<(), ProtocolError> {
        self.incoming.discard_session();
        let had_state = !self.inflight.is_empty() || self.established;
        let entries = self.inflight.drain();
        for entry in &entries {
            if let Some(id) = entry.packet_id() {
                self.ids.release(id);
            }
        }
        if had_state {
            if let Err(error) = self.store.clear() {
                self.store_failed(error);
            }
        }
        let mut resend = Vec::new();
        for entry in entries {
            match (entry.stage, self.config.lost_session_policy) {
                (Stage::Released, _) => {
                    // The PUBREC came: the server took the message. Say so.
                    let id = entry.packet_id();
                    if let Some(packet_id) = id {
                        self.events.push_back(Event::PublishDone {
                            token: entry.token,
                            result: Ok(PublishAck::Received(PubRec::new(packet_id))),
                        });
                    }
                }
                (Stage::Published, LostSessionPolicy::Fail) => {
                    self.events.push_back(Event::PublishDone {
                        token: entry.token,
                        result: Err(PublishError::SessionLost),
                    });
                }
                (Stage::Published, LostSessionPolicy::ResendAsNew) => {
                    let mut publish = entry.publish;
                    publish.packet_id = None;
                    publish.dup = false;
                    resend.push(Waiting {
                        token: entry.token,
                        publish,
                    });
                }
            }
        }
        self.waiting.push_front_all(resend.into_iter());
        Ok(())
    }

    fn restore_subscriptions(&mut self) {
        let granted: Vec<Subscription> = self.subscriptions.granted().to_vec();
        for subscription in granted {
            let token = self.new_request_token();
            // One SUBSCRIBE per filter keeps each one's properties (Subscription Identifier).
            let _ = self.send_subscribe(
                token,
                vec![(subscription.filter, subscription.options)],
                subscription.properties,
                true,
            );
        }
    }

    fn on_publish(&mut self, mut publish: Publish) -> Result<(), ProtocolError> {
        let alias = publish.properties.topic_alias.map(|alias| alias.get());
        if alias.is_some() || publish.topic.is_empty() {
            let is_empty = publish.topic.is_empty();
            match self
                .incoming
                .aliases
                .resolve(&publish.topic, is_empty, alias)
            {
                Ok(Some(topic)) => publish.topic = topic,
                Ok(None) if is_empty => return Err(ProtocolError::UnknownTopicAlias(0)),
                Ok(None) => {}
                Err(AliasError::OutOfRange(alias)) => {
                    return Err(ProtocolError::TopicAliasInvalid(alias));
                }
                Err(AliasError::Unknown(alias)) => {
                    return Err(ProtocolError::UnknownTopicAlias(alias));
                }
            }
            publish.properties.topic_alias = None;
        }
        let manual = self.config.ack_mode == AckMode::Manual;
        let qos = publish.qos;
        let Some(id) = publish.packet_id.filter(|_| qos != QoS::AtMostOnce) else {
            self.deliver(publish, None);
            return Ok(());
        };
        let raw = id.get();
        match qos {
            QoS::AtMostOnce => Ok(()),
            QoS::AtLeastOnce => {
                if self.incoming.qos2.contains_key(&raw) {
                    return Err(ProtocolError::PacketIdInUse(raw));
                }
                if self.incoming.qos1.contains_key(&raw) {
                    // Sent again before we acknowledged it: the acknowledgement is coming.
                    return Ok(());
                }
                self.count_incoming(raw)?;
                let delivery = self.new_delivery();
                self.incoming.qos1.insert(raw, delivery);
                if manual {
                    self.incoming.acks.push_pending(raw);
                    self.deliver_manual(publish, id, delivery);
                } else {
                    self.incoming
                        .acks
                        .push_ready(raw, AckReply::PubAck(PubAck::new(id)));
                    self.deliver(publish, None);
                }
                self.flush_acks();
                Ok(())
            }
            QoS::ExactlyOnce => {
                if self.incoming.qos1.contains_key(&raw) {
                    return Err(ProtocolError::PacketIdInUse(raw));
                }
                match self.incoming.qos2.get(&raw).cloned() {
                    None => {
                        self.count_incoming(raw)?;
                        let delivery = self.new_delivery();
                        if manual {
                            self.incoming
                                .qos2
                                .insert(raw, Qos2State::AwaitingApp { delivery });
                            self.incoming.acks.push_pending(raw);
                            self.deliver_manual(publish, id, delivery);
                        } else {
                            if let Err(error) = self.store.save_incoming(id) {
                                // Without a record, exactly-once cannot be kept: no PUBREC.
                                self.store_failed(error);
                                return Ok(());
                            }
                            self.incoming.qos2.insert(raw, Qos2State::Recorded);
                            self.incoming
                                .acks
                                .push_ready(raw, AckReply::PubRec(PubRec::new(id)));
                            self.deliver(publish, None);
                        }
                    }
                    Some(Qos2State::Recorded) => {
                        // A duplicate: answered, not delivered again [MQTT-4.3.3-10].
                        self.count_incoming(raw)?;
                        self.incoming
                            .acks
                            .push_ready(raw, AckReply::PubRec(PubRec::new(id)));
                    }
                    Some(Qos2State::Refused(pubrec)) => {
                        self.count_incoming(raw)?;
                        self.incoming.acks.push_ready(raw, AckReply::PubRec(pubrec));
                    }
                    Some(Qos2State::AwaitingApp { .. }) => {
                        if !self.incoming.acks.is_pending(raw) {
                            // Sent again on a new connection while the application still
                            // holds it: its acknowledgement will answer this one.
                            self.count_incoming(raw)?;
                            self.incoming.acks.push_pending(raw);
                        }
                    }
                }
                self.flush_acks();
                Ok(())
            }
        }
    }

    /// Counts an incoming QoS 1/2 PUBLISH against our Receive Maximum [MQTT-3.3.4-9].
    fn count_incoming(&mut self, id: u16) -> Result<(), ProtocolError> {
        if self.incoming.window.contains(id) {
            return Ok(());
        }
        if !self.incoming.window.has_room() {
            return Err(ProtocolError::ReceiveMaximumExceeded(
                self.incoming.window.maximum(),
            ));
        }
        self.incoming.window.insert(id);
        Ok(())
    }

    /// Delivers a QoS 1/2 message that the application will acknowledge.
    fn deliver_manual(&mut self, publish: Publish, packet_id: PacketId, delivery: u64) {
        let qos = publish.qos;
        let token = AckToken {
            packet_id,
            qos,
            delivery,
        };
        self.deliver(publish, Some(token));
    }

    fn deliver(&mut self, publish: Publish, ack: Option<AckToken>) {
        self.events
            .push_back(Event::Message(Message { publish, ack }));
    }

    /// Writes the acknowledgements that may leave now, in arrival order.
    fn flush_acks(&mut self) {
        if !matches!(self.state, State::Connected) {
            return;
        }
        while let Some((id, reply)) = self.incoming.acks.pop_ready() {
            match reply {
                AckReply::PubAck(puback) => {
                    self.incoming.qos1.remove(&id);
                    self.incoming.window.remove(id);
                    self.write_reply(Packet::PubAck(puback));
                }
                AckReply::PubRec(pubrec) => {
                    if pubrec.code.is_error() {
                        // The identifier is free again [MQTT-4.3.3-9].
                        self.incoming.qos2.remove(&id);
                        self.incoming.window.remove(id);
                    }
                    self.write_reply(Packet::PubRec(pubrec));
                }
            }
        }
    }

    fn on_puback(&mut self, puback: PubAck) -> Result<(), ProtocolError> {
        let id = puback.packet_id.get();
        match self.inflight.get(id) {
            Some(entry) if entry.publish.qos == QoS::AtLeastOnce => {}
            _ => {
                return Err(ProtocolError::UnknownPacketId {
                    packet: PacketType::PubAck,
                    packet_id: id,
                });
            }
        }
        let result = if puback.code.is_error() {
            Err(PublishError::RejectedPubAck(puback))
        } else {
            Ok(PublishAck::PubAck(puback))
        };
        self.finish_outgoing(id, result);
        Ok(())
    }

    fn on_pubrec(&mut self, pubrec: PubRec) -> Result<(), ProtocolError> {
        let packet_id = pubrec.packet_id;
        let id = packet_id.get();
        match self.inflight.get(id).map(|e| (e.publish.qos, e.stage)) {
            Some((QoS::ExactlyOnce, Stage::Published)) => {}
            Some((QoS::ExactlyOnce, Stage::Released)) => {
                // Our PUBREL crossed a repeated PUBREC: send it again.
                self.write_reply(Packet::PubRel(PubRel::new(packet_id)));
                return Ok(());
            }
            None if self.config.version == ProtocolVersion::V5 => {
                self.write_reply(Packet::PubRel(PubRel {
                    packet_id,
                    code: PubRelReasonCode::PacketIdentifierNotFound,
                    properties: Default::default(),
                }));
                return Ok(());
            }
            _ => {
                return Err(ProtocolError::UnknownPacketId {
                    packet: PacketType::PubRec,
                    packet_id: id,
                });
            }
        }
        if pubrec.code.is_error() {
            // Treated as acknowledged, never sent again [MQTT-4.4.0-2].
            self.finish_outgoing(id, Err(PublishError::RejectedPubRec(pubrec)));
            return Ok(());
        }
        let order = self.inflight.take_order();
        if let Err(error) = self.store.release_outgoing(packet_id, order) {
            self.store_failed(error);
            return Ok(());
        }
        self.inflight.release(id, order);
        self.write_reply(Packet::PubRel(PubRel::new(packet_id)));
        Ok(())
    }

    fn on_pubcomp(&mut self, pubcomp: PubComp) -> Result<(), ProtocolError> {
        let id = pubcomp.packet_id.get();
        match self.inflight.get(id) {
            Some(entry) if entry.stage == Stage::Released => {}
            _ => {
                return Err(ProtocolError::UnknownPacketId {
                    packet: PacketType::PubComp,
                    packet_id: id,
                });
            }
        }
        self.finish_outgoing(id, Ok(PublishAck::PubComp(pubcomp)));
        Ok(())
    }

    /// An outgoing exchange is over: frees its identifier and window slot, tells the
    /// application, and lets waiting publishes go.
    fn finish_outgoing(&mut self, id: u16, result: Result<PublishAck, PublishError>) {
        let Some(entry) = self.inflight.remove(id) else {
            return;
        };
        if let Some(packet_id) = entry.packet_id() {
            self.ids.release(packet_id);
            if let Err(error) = self.store.remove_outgoing(packet_id) {
                self.events.push_back(Event::PublishDone {
                    token: entry.token,
                    result,
                });
                self.store_failed(error);
                return;
            }
        }
        self.out_window.remove(id);
        self.events.push_back(Event::PublishDone {
            token: entry.token,
            result,
        });
        self.pump();
    }

    fn on_pubrel(&mut self, pubrel: PubRel) -> Result<(), ProtocolError> {
        let packet_id = pubrel.packet_id;
        let id = packet_id.get();
        match self.incoming.qos2.get(&id) {
            Some(Qos2State::Recorded) if !self.incoming.acks.is_pending(id) => {
                if let Err(error) = self.store.remove_incoming(packet_id) {
                    self.store_failed(error);
                    return Ok(());
                }
                self.incoming.qos2.remove(&id);
                self.incoming.window.remove(id);
                self.write_reply(Packet::PubComp(PubComp::new(packet_id)));
                Ok(())
            }
            Some(_) => Err(ProtocolError::PubRelBeforePubRec(id)),
            None => {
                // Not known (already completed, or state lost): complete it anyway; 5.0 says
                // why [MQTT-4.3.3-11].
                let code = if self.config.version == ProtocolVersion::V5 {
                    PubCompReasonCode::PacketIdentifierNotFound
                } else {
                    PubCompReasonCode::Success
                };
                self.write_reply(Packet::PubComp(PubComp {
                    packet_id,
                    code,
                    properties: Default::default(),
                }));
                Ok(())
            }
        }
    }

    fn on_suback(&mut self, suback: SubAck) -> Result<(), ProtocolError> {
        let id = suback.packet_id.get();
        let Some(Request {
            token,
            kind:
                RequestKind::Subscribe {
                    filters,
                    properties,
                    restore,
                },
        }) = self.take_request(id, true)
        else {
            return Err(ProtocolError::UnknownPacketId {
                packet: PacketType::SubAck,
                packet_id: id,
            });
        };
        if suback.codes.len() != filters.len() {
            return Err(ProtocolError::ReasonCodeCount {
                packet: PacketType::SubAck,
                expected: filters.len(),
                got: suback.codes.len(),
            });
        }
        for ((filter, options), code) in filters.into_iter().zip(&suback.codes) {
            if !code.is_error() {
                self.subscriptions.grant(Subscription {
                    filter,
                    options,
                    properties: properties.clone(),
                });
            }
        }
        self.events.push_back(if restore {
            Event::SubscriptionRestored(suback)
        } else {
            Event::SubscribeDone {
                token,
                result: Ok(suback),
            }
        });
        Ok(())
    }

    fn on_unsuback(&mut self, unsuback: UnsubAck) -> Result<(), ProtocolError> {
        let id = unsuback.packet_id.get();
        let Some(Request {
            token,
            kind: RequestKind::Unsubscribe { filters },
        }) = self.take_request(id, false)
        else {
            return Err(ProtocolError::UnknownPacketId {
                packet: PacketType::UnsubAck,
                packet_id: id,
            });
        };
        let v5 = self.config.version == ProtocolVersion::V5;
        if v5 && unsuback.codes.len() != filters.len() {
            return Err(ProtocolError::ReasonCodeCount {
                packet: PacketType::UnsubAck,
                expected: filters.len(),
                got: unsuback.codes.len(),
            });
        }
        for (index, filter) in filters.iter().enumerate() {
            let removed = !v5
                || unsuback
                    .codes
                    .get(index)
                    .is_some_and(|code| !code.is_error());
            if removed {
                self.subscriptions.revoke(filter);
            }
        }
        self.events.push_back(Event::UnsubscribeDone {
            token,
            result: Ok(unsuback),
        });
        Ok(())
    }

    /// Takes the request of packet identifier `id` if it is of the kind expected.
    fn take_request(&mut self, id: u16, subscribe: bool) -> Option<Request> {
        let request = self.subscriptions.pending.get(&id)?;
        if matches!(request.kind, RequestKind::Subscribe { .. }) != subscribe {
            return None;
        }
        let request = self.subscriptions.pending.remove(&id)?;
        if let Some(packet_id) = PacketId::new(id) {
            self.ids.release(packet_id);
        }
        Some(request)
    }

    fn on_auth(&mut self, auth: Auth) -> Result<(), ProtocolError> {
        let connecting = matches!(self.state, State::Connecting { .. });
        let Some(authenticator) = self.authenticator.as_mut() else {
            return Err(ProtocolError::AuthWithoutMethod);
        };
        let method = authenticator.method().to_owned();
        if auth.properties.authentication_method.as_deref() != Some(method.as_str()) {
            return Err(ProtocolError::AuthMethodMismatch {
                expected: method,
                got: auth.properties.authentication_method,
            });
        }
        match auth.code {
            AuthReasonCode::ContinueAuthentication if connecting || self.reauthenticating => {
                match authenticator.respond(auth.properties.authentication_data.as_ref()) {
                    Ok(data) => {
                        let reply = Auth {
                            code: AuthReasonCode::ContinueAuthentication,
                            properties: AuthProperties {
                                authentication_method: Some(method),
                                authentication_data: data,
                                ..Default::default()
                            },
                        };
                        self.write_reply(Packet::Auth(reply));
                    }
                    Err(error) => self.auth_failed(error),
                }
                Ok(())
            }
            AuthReasonCode::Success if self.reauthenticating => {
                match authenticator.finish(auth.properties.authentication_data.as_ref()) {
                    Ok(()) => {
                        self.reauthenticating = false;
                        self.events.push_back(Event::Reauthenticated(auth));
                    }
                    Err(error) => self.auth_failed(error),
                }
                Ok(())
            }
            other => Err(ProtocolError::UnexpectedAuth(other.code())),
        }
    }

    // ----- sending -----

    /// Sends what can be sent: PUBLISH and PUBREL packets of a resumed session first, in their
    /// original order [MQTT-4.6.0-1], then waiting publishes in order, as far as the server's
    /// Receive Maximum allows [MQTT-3.3.4-7].
    fn pump(&mut self) {
        if !matches!(self.state, State::Connected) {
            return;
        }
        while let Some(entry) = self.inflight.first_unsent() {
            let id = entry.packet_id();
            match entry.stage {
                Stage::Released => {
                    if let Some(packet_id) = id {
                        self.inflight.mark_sent(packet_id.get());
                        self.write_reply(Packet::PubRel(PubRel::new(packet_id)));
                    }
                }
                Stage::Published => {
                    if !self.out_window.has_room() {
                        // Blocked by the Receive Maximum: PUBRELs behind it still go
                        // [MQTT-3.3.4-8]; new publishes wait behind it.
                        while let Some(released) = self.inflight.first_unsent_in(Stage::Released) {
                            let Some(packet_id) = released.packet_id() else {
                                break;
                            };
                            self.inflight.mark_sent(packet_id.get());
                            self.write_reply(Packet::PubRel(PubRel::new(packet_id)));
                        }
                        return;
                    }
                    let mut publish = entry.publish.clone();
                    publish.dup = true;
                    if let Some(packet_id) = id {
                        self.inflight.mark_sent(packet_id.get());
                        self.out_window.insert(packet_id.get());
                    }
                    // Already checked against this server's limits when first sent.
                    let _ = self.write_publish(publish);
                }
            }
        }
        while let Some(front) = self.waiting.front() {
            let qos = front.publish.qos;
            if qos != QoS::AtMostOnce
                && (!self.out_window.has_room() || self.ids.in_use() >= usize::from(u16::MAX))
            {
                return;
            }
            let Some(Waiting { token, mut publish }) = self.waiting.pop_front() else {
                return;
            };
            // Limits may have changed since it was accepted (a new server).
            if let Err(error) = self.check_publish(&publish) {
                self.events.push_back(Event::PublishDone {
                    token,
                    result: Err(PublishError::Refused(error)),
                });
                continue;
            }
            if qos == QoS::AtMostOnce {
                match self.write_publish(publish) {
                    Ok(()) => self.events.push_back(Event::PublishDone {
                        token,
                        result: Ok(PublishAck::Written),
                    }),
                    Err(error) => self.events.push_back(Event::PublishDone {
                        token,
                        result: Err(PublishError::Refused(error)),
                    }),
                }
                continue;
            }
            let Some(packet_id) = self.ids.allocate() else {
                // Cannot happen: checked above.
                self.waiting
                    .push_front_all(std::iter::once(Waiting { token, publish }));
                return;
            };
            publish.packet_id = Some(packet_id);
            let order = self.inflight.take_order();
            let stored = StoredPublish {
                order,
                publish: publish.clone(),
                released: false,
            };
            if let Err(error) = self.store.save_outgoing(&stored) {
                self.ids.release(packet_id);
                self.events.push_back(Event::PublishDone {
                    token,
                    result: Err(PublishError::Store(error)),
                });
                continue;
            }
            if let Err(error) = self.write_publish(publish.clone()) {
                self.ids.release(packet_id);
                let _ = self.store.remove_outgoing(packet_id);
                self.events.push_back(Event::PublishDone {
                    token,
                    result: Err(PublishError::Refused(error)),
                });
                continue;
            }
            self.out_window.insert(packet_id.get());
            self.inflight.insert(
                Outgoing {
                    token,
                    order,
                    publish,
                    stage: Stage::Published,
                },
                false,
            );
        }
    }

    /// Encodes a PUBLISH, with a topic alias when the server takes them and the packet still
    /// fits with it.
    fn write_publish(&mut self, publish: Publish) -> Result<(), CommandError> {
        let version = self.config.version;
        let maximum = self.server_max_packet_size();
        let choice = self.out_aliases.choose(publish.topic.as_str());
        if let AliasUse::Assign(alias) | AliasUse::Reuse(alias) = choice {
            let mut aliased = publish.clone();
            aliased.properties.topic_alias = std::num::NonZeroU16::new(alias);
            if matches!(choice, AliasUse::Reuse(_)) {
                aliased.topic = mqtt_codec::TopicName::empty();
            }
            if Packet::Publish(aliased)
                .encode(version, maximum, &mut self.transmit)
                .is_ok()
            {
                self.out_aliases.commit(publish.topic.as_str(), choice);
                return Ok(());
            }
        }
        match Packet::Publish(publish).encode(version, maximum, &mut self.transmit) {
            Ok(_) => Ok(()),
            Err(error) => Err(self.encode_error(error)),
        }
    }

    fn encode_error(&self, error: EncodeError) -> CommandError {
        if let EncodeError::PacketTooLarge { size, max } = error {
            return CommandError::PacketTooLarge { size, maximum: max };
        }
        CommandError::Encode(error)
    }

    /// Encodes a packet the application asked for, refusing it if the server would not take it.
    fn write_checked(&mut self, packet: &Packet) -> Result<(), CommandError> {
        let maximum = self.server_max_packet_size();
        match packet.encode(self.config.version, maximum, &mut self.transmit) {
            Ok(_) => Ok(()),
            Err(error) => Err(self.encode_error(error)),
        }
    }

    /// Encodes a packet of the protocol's own (acknowledgement, PINGREQ, DISCONNECT, AUTH).
    /// When the server's Maximum Packet Size is too small for its reason string and user
    /// properties, they are left out [MQTT-3.4.2-2] [MQTT-3.14.2-3] [MQTT-3.15.2-2].
    fn write_reply(&mut self, packet: Packet) {
        let version = self.config.version;
        let maximum = self.server_max_packet_size();
        if packet.encode(version, maximum, &mut self.transmit).is_ok() {
            return;
        }
        let stripped = strip_optional_properties(packet);
        // Without its optional properties, a reply is a few bytes: it fits any limit, and a
        // failure here has nowhere to be reported but the connection itself.
        let _ = stripped.encode(version, maximum, &mut self.transmit);
    }

    // ----- ending connections -----

    fn violation(&mut self, error: ProtocolError) {
        if matches!(self.state, State::Disconnected) {
            return;
        }
        if self.config.version == ProtocolVersion::V5 {
            self.write_reply(Packet::Disconnect(Disconnect::new(
                error.disconnect_reason(),
            )));
        }
        self.close(DisconnectReason::ProtocolViolation(error));
    }

    fn auth_failed(&mut self, error: AuthError) {
        self.write_reply(Packet::Disconnect(Disconnect::new(
            DisconnectReasonCode::UnspecifiedError,
        )));
        self.close(DisconnectReason::AuthFailed(error));
    }

    /// A transient error while handling an incoming packet: the connection is closed
    /// [MQTT-4.8.0-2].
    fn store_failed(&mut self, error: StoreError) {
        if self.config.version == ProtocolVersion::V5 {
            self.write_reply(Packet::Disconnect(Disconnect::new(
                DisconnectReasonCode::ImplementationSpecificError,
            )));
        }
        self.close(DisconnectReason::StoreFailed(error));
    }

    /// Ends the connection: what belongs to it goes, the session stays.
    fn close(&mut self, reason: DisconnectReason) {
        if matches!(self.state, State::Disconnected) {
            return;
        }
        self.state = State::Disconnected;
        self.keep_alive = None;
        self.reauthenticating = false;
        self.incoming.end_connection();
        self.out_aliases.reset(0);
        let mut lost: Vec<(u16, Request)> = self.subscriptions.pending.drain().collect();
        lost.sort_by_key(|(_, request)| request.token);
        for (id, request) in lost {
            if let Some(packet_id) = PacketId::new(id) {
                self.ids.release(packet_id);
            }
            self.events.push_back(match request.kind {
                RequestKind::Subscribe { restore: true, .. } => continue,
                RequestKind::Subscribe { .. } => Event::SubscribeDone {
                    token: request.token,
                    result: Err(RequestLost),
                },
                RequestKind::Unsubscribe { .. } => Event::UnsubscribeDone {
                    token: request.token,
                    result: Err(RequestLost),
                },
            });
        }
        self.events.push_back(Event::Disconnected(reason));
    }

    // ----- small helpers -----

    fn allocate_id(&mut self) -> Result<PacketId, CommandError> {
        self.ids.allocate().ok_or(CommandError::NoPacketId)
    }

    fn new_publish_token(&mut self) -> PublishToken {
        let token = PublishToken(self.next_token);
        self.next_token += 1;
        token
    }

    fn new_request_token(&mut self) -> RequestToken {
        let token = RequestToken(self.next_token);
        self.next_token += 1;
        token
    }

    fn new_delivery(&mut self) -> u64 {
        let delivery = self.next_delivery;
        self.next_delivery += 1;
        delivery
    }
}

/// The packet without its reason string and user properties.
fn strip_optional_properties(packet: Packet) -> Packet {
    match packet {
        Packet::PubAck(mut p) => {
            p.properties = Default::default();
            Packet::PubAck(p)
        }
        Packet::PubRec(mut p) => {
            p.properties = Default::default();
            Packet::PubRec(p)
        }
        Packet::PubRel(mut p) => {
            p.properties = Default::default();
            Packet::PubRel(p)
        }
        Packet::PubComp(mut p) => {
            p.properties = Default::default();
            Packet::PubComp(p)
        }
        Packet::Disconnect(mut p) => {
            p.properties.reason_string = None;
            p.properties.user_properties.clear();
            Packet::Disconnect(p)
        }
        Packet::Auth(mut p) => {
            p.properties.reason_string = None;
            p.properties.user_properties.clear();
            Packet::Auth(p)
        }
        other => other,
    }
}
