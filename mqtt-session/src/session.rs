//! The [`Session`]: the state machine that ties every rule together.
//!
//! Commands come in as method calls, bytes from the server through
//! [`Session::handle_read`], time through [`Session::handle_timeout`]; bytes to write come out
//! of [`Session::poll_transmit`], events out of [`Session::poll_event`], and the next deadline
//! out of [`Session::poll_timeout`]. Nothing here blocks, reads a clock or does I/O.

mod acknowledgements;
mod incoming_publish;
mod persistence;
mod server_packets;
mod transmit;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use mqtt_kit_codec::{
    Auth, AuthProperties, AuthReasonCode, ConnAck, DecodeLimits, Disconnect, DisconnectReasonCode,
    EncodeError, Packet, PacketId, PacketType, ProtocolVersion, PubAck, PubAckReasonCode, PubComp,
    PubCompReasonCode, PubRec, PubRecReasonCode, PubRel, PubRelReasonCode, Publish, QoS, SubAck,
    Subscribe, SubscribeProperties, SubscriptionId, SubscriptionOptions, TopicFilter, UnsubAck,
    Unsubscribe, UnsubscribeProperties,
};

use crate::auth::{AuthError, Authenticator};
use crate::connect::{AckMode, Connected, LostSessionPolicy, ServerLimits, SessionConfig};
use crate::error::{CommandError, ProtocolError, PublishError};
use crate::events::{
    AckToken, DisconnectReason, Event, Message, PublishAck, PublishToken, RequestLost, RequestToken,
};
use crate::flow_control::InFlightWindow;
use crate::in_flight::{InFlight, Outgoing, Stage};
use crate::incoming::{AckReply, Incoming, Qos2State};
use crate::journal::Record;
use crate::keep_alive::{KeepAlive, KeepAliveAction};
use crate::offline_queue::{OfflineQueue, Queued};
use crate::out_buffer::OutBuffer;
use crate::packet_id::PacketIdAllocator;
use crate::packet_log;
use crate::store::StoredPublish;
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
        /// `None` when the CONNACK timeout reaches past the end of `Instant`: no limit.
        deadline: Option<Instant>,
    },
    Connected,
}

/// An accepted publish that has no packet identifier yet.
#[derive(Debug, Clone)]
struct Waiting {
    token: PublishToken,
    /// Its place in the queue, as the journal knows it ([`Record::Queue`]).
    seq: u64,
    /// Whether the journal has it ([`Record::Queue`] emitted): its leaving is then recorded.
    recorded: bool,
    publish: Publish,
    /// The server limits it was checked against ([`Session::limits_generation`]).
    checked_under: Option<u64>,
}

/// The sans-IO MQTT client session: see the [crate documentation](crate).
pub struct Session {
    config: SessionConfig,
    authenticator: Option<Box<dyn Authenticator>>,
    /// With a journal: the records it must append, in order, before the bytes written since.
    records: Option<Vec<Record>>,
    /// The next place in the queue ([`Waiting::seq`]).
    next_seq: u64,
    state: State,
    /// A session was established with the server and its state is ours.
    established: bool,
    /// The next CONNECT asks for a clean start whatever the configuration says.
    force_clean_start: bool,
    connections: u64,
    limits: ServerLimits,
    limits_known: bool,
    /// Counts the CONNACKs that set `limits`: a publish checked under the current count need
    /// not be checked again.
    limits_generation: u64,
    keep_alive: Option<KeepAlive>,
    ids: PacketIdAllocator,
    in_flight: InFlight,
    out_window: InFlightWindow,
    waiting: OfflineQueue<Waiting>,
    out_aliases: OutgoingAliases,
    incoming: Incoming,
    subscriptions: Subscriptions,
    reauthenticating: bool,
    events: VecDeque<Event>,
    transmit: OutBuffer,
    next_token: u64,
    next_delivery: u64,
    /// The next Subscription Identifier to try when the session assigns them.
    next_subscription_id: u32,
    decode_limits: DecodeLimits,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("state", &self.state)
            .field("client_id", &self.config.client_id)
            .field("in_flight", &self.in_flight.len())
            .field("waiting", &self.waiting.len())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session whose state lives in memory only: nothing is copied for a journal.
    pub fn new(config: SessionConfig) -> Self {
        Self::blank(config)
    }

    fn blank(config: SessionConfig) -> Self {
        let incoming = Incoming::new(
            config.incoming_receive_maximum(),
            config.incoming_alias_maximum(),
        );
        let decode_limits = DecodeLimits {
            max_packet_size: config.incoming_packet_limit(),
        };
        Self {
            waiting: OfflineQueue::new(config.queue_capacity, config.queue_full_policy),
            out_window: InFlightWindow::new(config.max_in_flight),
            authenticator: None,
            records: None,
            next_seq: 1,
            state: State::Disconnected,
            established: false,
            force_clean_start: false,
            connections: 0,
            limits: ServerLimits::default(),
            limits_known: false,
            limits_generation: 0,
            keep_alive: None,
            ids: PacketIdAllocator::new(),
            in_flight: InFlight::new(),
            out_aliases: OutgoingAliases::new(),
            incoming,
            subscriptions: Subscriptions::default(),
            reauthenticating: false,
            events: VecDeque::new(),
            transmit: OutBuffer::new(),
            next_token: 1,
            next_delivery: 1,
            next_subscription_id: 1,
            decode_limits,
            config,
        }
    }

    /// Uses `authenticator` for enhanced authentication (MQTT 5.0) from the next CONNECT on.
    pub fn set_authenticator(&mut self, authenticator: Box<dyn Authenticator>) {
        self.authenticator = Some(authenticator);
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
    /// sending; after [`Session::restore`], these include the ones restored from the journal.
    pub fn in_flight(&self) -> impl Iterator<Item = (PublishToken, &Publish)> {
        self.in_flight
            .iter()
            .map(|entry| (entry.token, &entry.publish))
    }

    /// How many outgoing QoS 1/2 publishes are in flight (what [`Session::in_flight`] lists).
    pub fn in_flight_len(&self) -> usize {
        self.in_flight.len()
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
        let packet = Packet::from(connect);
        packet.encode(self.config.version, None, self.transmit.tail_mut())?;
        packet_log::sent(&packet);
        self.connections += 1;
        self.state = State::Connecting {
            clean_start,
            deadline: now.checked_add(self.config.connack_timeout),
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

    /// How long a PINGRESP is awaited under a keep alive of `keep_alive` seconds: as
    /// configured, else half the period, so that a silent link is found dead within 1.5
    /// periods of the last byte received (the PINGREQ goes out after one).
    fn pingresp_timeout(&self, keep_alive: u16) -> Duration {
        self.config
            .pingresp_timeout
            .unwrap_or(Duration::from_secs(u64::from(keep_alive)) / 2)
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
        self.check_publish(&mut publish)?;
        let token = self.new_publish_token();
        let waiting = Waiting {
            token,
            seq: self.next_seq,
            recorded: false,
            publish,
            checked_under: self.limits_known.then_some(self.limits_generation),
        };
        self.next_seq += 1;
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
            Ok(Queued::QueuedDropping(dropped)) => {
                self.unqueued(&dropped);
                self.events.push_back(Event::PublishDone {
                    token: dropped.token,
                    result: Err(PublishError::Dropped),
                });
            }
        }
        if matches!(self.state, State::Connected) {
            self.pump();
        }
        // Still waiting (no connection, or no room): the journal keeps it from now on. One
        // sent at once needs no such record; its packet identifier's record covers it.
        self.record_if_waiting(token);
        Ok(token)
    }

    /// Whether `publish` may be sent under the limits known now. It is measured in place,
    /// with a packet identifier for the time it takes (it will have one when sent): no copy.
    fn check_publish(&self, publish: &mut Publish) -> Result<(), CommandError> {
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
        let packet_id = publish.packet_id;
        if publish.qos != QoS::AtMostOnce {
            publish.packet_id = PacketId::new(1);
        }
        let size = publish.encoded_len(self.config.version);
        publish.packet_id = packet_id;
        self.check_size(size?)
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
    /// [`Event::SubscribeDone`] will carry, which also owns the subscriptions it makes (see
    /// [`Session::owners`]). Needs a connection.
    ///
    /// With [`SessionConfig::auto_subscription_identifiers`], a 5.0 SUBSCRIBE without a
    /// Subscription Identifier gets one of the session's own when the server takes them.
    pub fn subscribe(
        &mut self,
        filters: Vec<(TopicFilter, SubscriptionOptions)>,
        properties: SubscribeProperties,
    ) -> Result<RequestToken, CommandError> {
        self.subscribe_inner(None, filters, properties)
    }

    /// [`Session::subscribe`] on behalf of `owner`, the token of an earlier SUBSCRIBE (for
    /// example one that a lost connection cut off, made again): the subscriptions it makes
    /// belong to `owner`, not to the token returned.
    pub fn subscribe_for(
        &mut self,
        owner: RequestToken,
        filters: Vec<(TopicFilter, SubscriptionOptions)>,
        properties: SubscribeProperties,
    ) -> Result<RequestToken, CommandError> {
        self.subscribe_inner(Some(owner), filters, properties)
    }

    fn subscribe_inner(
        &mut self,
        owner: Option<RequestToken>,
        filters: Vec<(TopicFilter, SubscriptionOptions)>,
        mut properties: SubscribeProperties,
    ) -> Result<RequestToken, CommandError> {
        if !matches!(self.state, State::Connected) {
            return Err(CommandError::NotConnected);
        }
        if properties.subscription_identifier.is_none()
            && self.config.auto_subscription_identifiers
            && self.config.version == ProtocolVersion::V5
            && self.limits.subscription_identifiers_available
        {
            properties.subscription_identifier = self.next_subscription_identifier();
        }
        self.check_subscribe(&filters, &properties)?;
        let token = self.new_request_token();
        self.send_subscribe(token, owner.unwrap_or(token), filters, properties, false)?;
        Ok(token)
    }

    /// A Subscription Identifier that no subscription of this session uses (they run from 1
    /// to 268,435,455 and wrap around).
    fn next_subscription_identifier(&mut self) -> Option<SubscriptionId> {
        for _ in 0..=self.subscriptions.granted().len() + self.subscriptions.pending.len() {
            let candidate = SubscriptionId::new(self.next_subscription_id);
            self.next_subscription_id = self.next_subscription_id % SubscriptionId::MAX + 1;
            if !self.subscriptions.uses_identifier(candidate) {
                return candidate;
            }
        }
        None
    }

    /// The owners (tokens of the requests that made the subscriptions) that an incoming
    /// message belongs to, appended to `out`, each once: a message is delivered once per
    /// subscription the server sent it for, and a filter subscribed again belongs to the
    /// latest SUBSCRIBE from the moment it is sent. Empty when no subscription of this
    /// session claims it (for example a message of a resumed session whose subscriptions
    /// were made by an earlier process).
    pub fn owners(&self, publish: &Publish, out: &mut Vec<RequestToken>) {
        self.subscriptions.owners(publish, out);
    }

    /// Whether any subscription, granted or awaiting its SUBACK, belongs to `owner`.
    pub fn owns_any(&self, owner: RequestToken) -> bool {
        self.subscriptions.owns_any(owner)
    }

    /// Takes back the publish of `token` if it still waits (not yet sent): it will not be
    /// sent, and no [`Event::PublishDone`] comes for it.
    pub fn cancel_waiting(&mut self, token: PublishToken) -> Option<Publish> {
        let waiting = self
            .waiting
            .remove_where(|waiting| waiting.token == token)?;
        self.unqueued(&waiting);
        Some(waiting.publish)
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
        owner: RequestToken,
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
                    owner,
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
    /// is acknowledged too [MQTT-4.6.0-2] [MQTT-4.6.0-3].
    ///
    /// Across reconnections: a QoS 2 message keeps its token while the session is resumed
    /// (Session Present 1); it is not delivered again when the server sends it again, and
    /// its PUBREC goes out on the current connection, in order, once that copy has arrived
    /// (at once if it already has). The answer may be given while disconnected. A QoS 1
    /// message of an earlier connection is refused with [`CommandError::UnknownAckToken`]:
    /// the server sends it again and it is delivered again (at least once), to be
    /// acknowledged with its new token. When the session is not resumed, every token of
    /// earlier connections is refused.
    pub fn acknowledge_with(
        &mut self,
        token: AckToken,
        code: PubAckReasonCode,
        properties: mqtt_kit_codec::AckProperties,
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
                    self.record(Record::SaveIncoming(id));
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
                authentication_method: Some(authenticator.method().into()),
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
    #[must_use]
    pub fn poll_transmit(&mut self, now: Instant, out: &mut BytesMut) -> usize {
        let len = self.transmit.len();
        if len > 0 {
            self.transmit.copy_to(out);
            self.sent(now);
        }
        len
    }

    /// Like [`Session::poll_transmit`], but large payloads stay references to the
    /// application's bytes: write `out` with a vectored write and nothing is copied.
    #[must_use]
    pub fn poll_transmit_buffer(&mut self, now: Instant, out: &mut OutBuffer) -> usize {
        let len = self.transmit.len();
        if len > 0 {
            out.append(&mut self.transmit);
            self.sent(now);
        }
        len
    }

    fn sent(&mut self, now: Instant) {
        if let Some(keep_alive) = self.keep_alive.as_mut() {
            keep_alive.on_sent(now);
        }
    }

    /// How many bytes [`Session::poll_transmit`] would hand out now: a driver stops taking
    /// publishes while its own unwritten bytes and these pass its high-water mark, so that
    /// what waits to be written stays bounded.
    pub fn transmit_len(&self) -> usize {
        self.transmit.len()
    }

    /// The next event, if any.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Session::handle_timeout`] must be called next, if ever.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Disconnected => None,
            State::Connecting { deadline, .. } => deadline,
            State::Connected => self.keep_alive.as_ref().and_then(KeepAlive::deadline),
        }
    }

    /// Time has come to `now`: sends PINGREQ when due, ends a connection whose PINGRESP or
    /// CONNACK did not come in time.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.state {
            State::Disconnected => {}
            State::Connecting { deadline, .. } => {
                if deadline.is_some_and(|deadline| now >= deadline) {
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
            let packet =
                match mqtt_kit_codec::decode(input, self.config.version, &self.decode_limits) {
                    Ok(Some(packet)) => {
                        packet_log::received(&packet);
                        packet
                    }
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

#[cfg(test)]
mod tests {
    #[test]
    fn a_session_can_move_to_another_thread() {
        // The async client runs its driver on any executor: the session must be Send.
        fn send<T: Send>() {}
        send::<super::Session>();
    }
}
