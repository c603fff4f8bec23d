//! Connecting: the session's configuration, the CONNECT it sends, and what the server's
//! CONNACK says about the connection.

use std::time::Duration;

use bytes::Bytes;
use mqtt_kit_codec::redact::Redacted;
use mqtt_kit_codec::{ConnAck, Connect, ConnectProperties, ProtocolVersion, QoS, Will};

use crate::offline_queue::QueueFullPolicy;

/// Who acknowledges incoming QoS 1/2 messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AckMode {
    /// The session acknowledges each message as it delivers it.
    #[default]
    Automatic,
    /// The application acknowledges each message with [`crate::Session::acknowledge`];
    /// acknowledgements still leave in the order the messages arrived [MQTT-4.6.0-2].
    Manual,
}

/// What becomes of unacknowledged outgoing publishes when the server has not kept the session
/// (CONNACK with Session Present 0, or a Clean Start).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LostSessionPolicy {
    /// Send each again as a new message (new packet identifier, DUP clear), in the original
    /// order. A QoS 2 message whose PUBREC had come is complete already and is not sent again.
    #[default]
    ResendAsNew,
    /// Fail each with [`crate::PublishError::SessionLost`].
    Fail,
}

/// Everything the session needs to know before it connects.
///
/// MQTT 5.0 limits we announce to the server (Receive Maximum, Maximum Packet Size, Topic Alias
/// Maximum) are fields of their own here and are written into CONNECT by the session; the rest
/// of the CONNECT properties (Session Expiry Interval, request flags, user properties) come from
/// `properties`.
///
/// Its `Debug` shows the password as its length only (and the Will's payload, as
/// [`Will`]'s own `Debug` does).
#[derive(Clone)]
pub struct SessionConfig {
    /// Protocol version spoken on every connection.
    pub version: ProtocolVersion,
    /// Client identifier; empty asks a 3.1.1/5.0 server to assign one (3.1.1 then needs a
    /// clean session [MQTT-3.1.3-7]).
    pub client_id: String,
    /// Clean Start (5.0) / Clean Session (3.x) of the first connection. Later connections of
    /// a 5.0 session ask to resume (Clean Start 0); 3.x ones repeat this flag.
    ///
    /// A new session ([`crate::Session::new`], or a journal that never saw a CONNACK) that
    /// asks to resume counts its state as empty, unless
    /// [`empty_state_may_resume`](Self::empty_state_may_resume) is off.
    pub clean_start: bool,
    /// Whether a new session asking to resume (Clean Start 0) may take over the session the
    /// broker kept (Session Present 1) with an empty state of its own. On by default: this is
    /// what a persistent subscriber that restarts needs to receive what was queued for it,
    /// and an empty state is safe (nothing of ours was in flight; a PUBREL for an unknown id
    /// is completed with 0x92). Off, 5.0 sessions follow [MQTT-3.2.2-4] to the letter: such a
    /// CONNACK ends the connection and the next one asks for a clean start, which discards
    /// what the broker queued; keep the state in a [`crate::Journal`] to resume then.
    pub empty_state_may_resume: bool,
    /// Keep alive in seconds (0: off).
    pub keep_alive: u16,
    /// How long to wait for a PINGRESP before the connection counts as dead; `None`: half the
    /// keep-alive period. The PINGREQ goes out one period after the last packet sent or the
    /// last byte received, whichever is earlier, so with the default a link that goes silent
    /// is found dead within 1.5 periods of the last byte received.
    pub pingresp_timeout: Option<Duration>,
    /// How long to wait for CONNACK (and any AUTH exchange) after CONNECT.
    pub connack_timeout: Duration,
    /// The Will message.
    pub will: Option<Will>,
    /// User name.
    pub username: Option<String>,
    /// Password.
    pub password: Option<Bytes>,
    /// Other CONNECT properties (MQTT 5.0 only).
    pub properties: ConnectProperties,
    /// Our Receive Maximum: how many incoming QoS 1/2 messages may be unacknowledged at once.
    /// Announced to a 5.0 server (when below 65,535) and enforced (DISCONNECT 0x93); 0, which
    /// the protocol does not allow, counts as no limit (65,535).
    pub receive_maximum: u16,
    /// Our Maximum Packet Size: larger incoming packets are refused (DISCONNECT 0x95).
    /// Announced to a 5.0 server; `Some(0)`, which the protocol does not allow, counts as no
    /// limit.
    pub maximum_packet_size: Option<u32>,
    /// Our Topic Alias Maximum (5.0): how many aliases the server may use towards us.
    pub topic_alias_maximum: u16,
    /// Bound on outgoing QoS 1/2 messages in flight, on top of the server's Receive Maximum
    /// (the only bound with 3.x servers, which announce none).
    pub max_in_flight: u16,
    /// Who acknowledges incoming messages.
    pub ack_mode: AckMode,
    /// What to do with unacknowledged publishes when the server lost the session.
    pub lost_session_policy: LostSessionPolicy,
    /// Subscribe again to everything subscribed when the server lost the session.
    pub restore_subscriptions: bool,
    /// Give outgoing topics aliases automatically within the server's Topic Alias Maximum.
    pub auto_topic_alias: bool,
    /// Give each 5.0 SUBSCRIBE made without a Subscription Identifier one of the session's
    /// own, when the server takes them, so that [`crate::Session::owners`] tells exactly
    /// which subscriptions the server sent a message for. Off by default here (the client
    /// turns it on).
    pub auto_subscription_identifiers: bool,
    /// How many publishes may wait (disconnected, or for the Receive Maximum).
    pub queue_capacity: usize,
    /// What to do when that queue is full.
    pub queue_full_policy: QueueFullPolicy,
}

impl SessionConfig {
    /// A configuration with the defaults: clean start, keep alive 60 s, CONNACK awaited 30 s,
    /// automatic acknowledgement, no Receive Maximum or packet size limit of our own beyond the
    /// protocol's, 10 topic aliases each way (5.0), 1,000 queued publishes refused when full,
    /// unacknowledged publishes sent again as new when the session is lost, subscriptions
    /// restored.
    pub fn new(version: ProtocolVersion, client_id: impl Into<String>) -> Self {
        Self {
            version,
            client_id: client_id.into(),
            clean_start: true,
            empty_state_may_resume: true,
            keep_alive: 60,
            pingresp_timeout: None,
            connack_timeout: Duration::from_secs(30),
            will: None,
            username: None,
            password: None,
            properties: ConnectProperties::default(),
            receive_maximum: u16::MAX,
            maximum_packet_size: None,
            topic_alias_maximum: 10,
            max_in_flight: u16::MAX,
            ack_mode: AckMode::Automatic,
            lost_session_policy: LostSessionPolicy::ResendAsNew,
            restore_subscriptions: true,
            auto_topic_alias: true,
            auto_subscription_identifiers: false,
            queue_capacity: 1000,
            queue_full_policy: QueueFullPolicy::RefuseNew,
        }
    }

    /// The largest packet we accept (the protocol's own limit when none is set).
    pub fn incoming_packet_limit(&self) -> u32 {
        // Only what CONNECT announces is enforced: 0 is never announced.
        self.maximum_packet_size
            .filter(|maximum| *maximum > 0)
            .unwrap_or(mqtt_kit_codec::MAX_PACKET_SIZE)
    }

    /// The Receive Maximum in force for incoming QoS 1/2 messages: ours on MQTT 5.0 (0 counts
    /// as 65,535, since it cannot be announced), 65,535 before.
    pub fn incoming_receive_maximum(&self) -> u16 {
        if self.version == ProtocolVersion::V5 && self.receive_maximum > 0 {
            self.receive_maximum
        } else {
            u16::MAX
        }
    }

    /// The Topic Alias Maximum in force for incoming packets (0 before MQTT 5.0).
    pub fn incoming_alias_maximum(&self) -> u16 {
        if self.version == ProtocolVersion::V5 {
            self.topic_alias_maximum
        } else {
            0
        }
    }

    /// The CONNECT of a connection with this Clean Start flag; `auth` is the Authentication
    /// Method and initial data, if any.
    pub(crate) fn connect_packet(
        &self,
        clean_start: bool,
        auth: Option<(String, Option<Bytes>)>,
    ) -> Connect {
        let mut properties = self.properties.clone();
        if self.version == ProtocolVersion::V5 {
            properties.receive_maximum =
                std::num::NonZeroU16::new(self.receive_maximum).filter(|max| max.get() < u16::MAX);
            properties.maximum_packet_size =
                self.maximum_packet_size.and_then(std::num::NonZeroU32::new);
            properties.topic_alias_maximum =
                (self.topic_alias_maximum > 0).then_some(self.topic_alias_maximum);
            if let Some((method, data)) = auth {
                properties.authentication_method = Some(method.into());
                properties.authentication_data = data;
            }
        }
        Connect {
            protocol: self.version,
            clean_start,
            keep_alive: self.keep_alive,
            client_id: self.client_id.as_str().into(),
            will: self.will.clone(),
            username: self.username.as_deref().map(Into::into),
            password: self.password.clone(),
            properties,
        }
    }
}

impl std::fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionConfig")
            .field("version", &self.version)
            .field("client_id", &self.client_id)
            .field("clean_start", &self.clean_start)
            .field("empty_state_may_resume", &self.empty_state_may_resume)
            .field("keep_alive", &self.keep_alive)
            .field("pingresp_timeout", &self.pingresp_timeout)
            .field("connack_timeout", &self.connack_timeout)
            .field("will", &self.will)
            .field("username", &self.username)
            .field("password", &self.password.as_deref().map(Redacted))
            .field("properties", &self.properties)
            .field("receive_maximum", &self.receive_maximum)
            .field("maximum_packet_size", &self.maximum_packet_size)
            .field("topic_alias_maximum", &self.topic_alias_maximum)
            .field("max_in_flight", &self.max_in_flight)
            .field("ack_mode", &self.ack_mode)
            .field("lost_session_policy", &self.lost_session_policy)
            .field("restore_subscriptions", &self.restore_subscriptions)
            .field("auto_topic_alias", &self.auto_topic_alias)
            .field(
                "auto_subscription_identifiers",
                &self.auto_subscription_identifiers,
            )
            .field("queue_capacity", &self.queue_capacity)
            .field("queue_full_policy", &self.queue_full_policy)
            .finish()
    }
}

/// What the server allows on this connection, from its CONNACK (MQTT 5.0 properties; the
/// protocol's defaults for absent ones and for 3.x servers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerLimits {
    /// How many QoS 1/2 publishes the server takes unacknowledged (Receive Maximum).
    pub receive_maximum: u16,
    /// The highest QoS the server accepts in PUBLISH (Maximum QoS).
    pub maximum_qos: QoS,
    /// Whether the server accepts retained messages (Retain Available).
    pub retain_available: bool,
    /// The largest packet the server accepts (Maximum Packet Size).
    pub maximum_packet_size: Option<u32>,
    /// The highest topic alias the server accepts (Topic Alias Maximum; 0: none).
    pub topic_alias_maximum: u16,
    /// Whether the server accepts wildcards in subscriptions.
    pub wildcard_subscription_available: bool,
    /// Whether the server accepts Subscription Identifiers.
    pub subscription_identifiers_available: bool,
    /// Whether the server accepts shared subscriptions.
    pub shared_subscription_available: bool,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            receive_maximum: u16::MAX,
            maximum_qos: QoS::ExactlyOnce,
            retain_available: true,
            maximum_packet_size: None,
            topic_alias_maximum: 0,
            wildcard_subscription_available: true,
            subscription_identifiers_available: true,
            shared_subscription_available: true,
        }
    }
}

impl ServerLimits {
    /// The limits a CONNACK announces.
    pub fn from_connack(connack: &ConnAck) -> Self {
        let p = &connack.properties;
        let defaults = Self::default();
        Self {
            receive_maximum: p
                .receive_maximum
                .map_or(defaults.receive_maximum, |max| max.get()),
            maximum_qos: p.maximum_qos.unwrap_or(defaults.maximum_qos),
            retain_available: p.retain_available.unwrap_or(true),
            maximum_packet_size: p.maximum_packet_size.map(|max| max.get()),
            topic_alias_maximum: p.topic_alias_maximum.unwrap_or(0),
            wildcard_subscription_available: p.wildcard_subscription_available.unwrap_or(true),
            subscription_identifiers_available: p
                .subscription_identifiers_available
                .unwrap_or(true),
            shared_subscription_available: p.shared_subscription_available.unwrap_or(true),
        }
    }
}

/// A successful CONNACK, as the application sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connected {
    /// Whether the server resumed an existing session.
    pub session_present: bool,
    /// The client identifier the server assigned, when we sent an empty one (5.0).
    pub assigned_client_id: Option<String>,
    /// The keep alive in force, in seconds (the server's when it sent one).
    pub keep_alive: u16,
    /// What the server allows.
    pub limits: ServerLimits,
    /// The CONNACK itself, with every property (reason string, response information, server
    /// reference, user properties...).
    pub connack: ConnAck,
}
