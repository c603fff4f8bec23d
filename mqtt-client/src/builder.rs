//! [`OptionsBuilder`]: luamqtt's client options (uri, id, clean, username, password,
//! keep_alive, will, version, tls, reconnect, connector) and more, checked together at
//! [`build`](OptionsBuilder::build).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use mqtt_kit_codec::bytestring::ByteString;
use mqtt_kit_codec::{ConnectProperties, ProtocolVersion, Will};
use mqtt_kit_session::{
    AckMode, Authenticator, Journal, LostSessionPolicy, QueueFullPolicy, SessionConfig,
};
use mqtt_kit_transport::{BrokerAddress, Connector, DefaultConnector};

use crate::backoff::{Backoff, Reconnect, Sleeper, TimerSleeper};
use crate::error::OptionsError;
use crate::options::{DEFAULT_CONNACK_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, Options, generated_id};

mod strict;
mod will;

/// Builds [`Options`], checking them together: contradictory options are refused with an
/// [`OptionsError`] that says what to change.
///
/// | option | default |
/// | --- | --- |
/// | [`uri`](Self::uri) (and [`add_uri`](Self::add_uri) to fail over) | none: required |
/// | [`id`](Self::id) | generated: `mqtt-kit-` and 12 random hex digits |
/// | [`clean`](Self::clean) | `true` |
/// | [`username`](Self::username), [`password`](Self::password) | none |
/// | [`keep_alive`](Self::keep_alive) | 60 s |
/// | [`will`](Self::will), [`will_message`](Self::will_message) | none |
/// | [`version`](Self::version) | MQTT 3.1.1 (as luamqtt) |
/// | [`tls`](Self::tls) | the system's certificate authorities for `mqtts://`, `wss://` |
/// | [`reconnect`](Self::reconnect), [`backoff`](Self::backoff) | on: 1 s doubling to 120 s, jitter |
/// | [`connector`](Self::connector) | [`DefaultConnector`]: by the address's scheme |
/// | [`manual_ack`](Self::manual_ack) | `false`: messages acknowledged as delivered |
/// | [`queue_capacity`](Self::queue_capacity) | 1,000 publishes waiting for a connection |
/// | [`topic_aliases`](Self::topic_aliases) | `true`: automatic, within the broker's maximum (5.0) |
/// | [`subscription_identifiers`](Self::subscription_identifiers) | `true`: one per subscription, when the broker takes them (5.0) |
/// | [`empty_state_may_resume`](Self::empty_state_may_resume) | `true`: a new client may take over the broker's session |
///
/// ```
/// use mqtt_kit_client::{Options, OptionsError, ProtocolVersion};
///
/// let options = Options::builder()
///     .uri("mqtt://localhost:1883")
///     .id("sensor-7")
///     .keep_alive(30)
///     .version(ProtocolVersion::V5)
///     .session_expiry_interval(3600)
///     .build()
///     .unwrap();
/// assert_eq!(options.id(), "sensor-7");
///
/// // A password without a user name is not allowed by MQTT 3.1.1.
/// let refused = Options::builder().uri("mqtt://localhost").password("secret").build();
/// assert!(matches!(refused, Err(OptionsError::PasswordWithoutUsername { .. })));
/// ```
pub struct OptionsBuilder {
    uris: Vec<String>,
    addresses: Vec<BrokerAddress>,
    id: Option<String>,
    clean: bool,
    username: Option<String>,
    password: Option<Bytes>,
    keep_alive: u16,
    will: Option<Will>,
    /// What was wrong with the Will options, reported at `build`.
    will_error: Option<OptionsError>,
    version: ProtocolVersion,
    #[cfg(feature = "tls")]
    tls: Option<mqtt_kit_transport::tls::TlsConfig>,
    reconnect: Reconnect,
    connector: Option<Arc<dyn Connector>>,
    sleeper: Arc<dyn Sleeper>,
    properties: ConnectProperties,
    v5_only: Vec<&'static str>,
    authenticator: Option<Box<dyn Authenticator>>,
    journal: Option<Journal>,
    manual_ack: bool,
    queue_capacity: usize,
    publish_capacity: usize,
    queue_full_policy: QueueFullPolicy,
    lost_session_policy: LostSessionPolicy,
    restore_subscriptions: bool,
    subscription_identifiers: bool,
    topic_aliases: bool,
    empty_state_may_resume: bool,
    connack_timeout: Duration,
    connect_timeout: Duration,
    pingresp_timeout: Option<Duration>,
    receive_maximum: u16,
    maximum_packet_size: Option<u32>,
    topic_alias_maximum: u16,
    max_in_flight: u16,
}

impl Default for OptionsBuilder {
    fn default() -> Self {
        Self {
            uris: Vec::new(),
            addresses: Vec::new(),
            id: None,
            clean: true,
            username: None,
            password: None,
            keep_alive: 60,
            will: None,
            will_error: None,
            version: ProtocolVersion::V3_1_1,
            #[cfg(feature = "tls")]
            tls: None,
            reconnect: Reconnect::default(),
            connector: None,
            sleeper: Arc::new(TimerSleeper),
            properties: ConnectProperties::default(),
            v5_only: Vec::new(),
            authenticator: None,
            journal: None,
            manual_ack: false,
            queue_capacity: 1000,
            publish_capacity: 64,
            queue_full_policy: QueueFullPolicy::RefuseNew,
            lost_session_policy: LostSessionPolicy::ResendAsNew,
            restore_subscriptions: true,
            subscription_identifiers: true,
            topic_aliases: true,
            empty_state_may_resume: true,
            connack_timeout: DEFAULT_CONNACK_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            pingresp_timeout: None,
            receive_maximum: u16::MAX,
            maximum_packet_size: None,
            topic_alias_maximum: 10,
            max_in_flight: u16::MAX,
        }
    }
}

impl std::fmt::Debug for OptionsBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OptionsBuilder")
            .field("uris", &self.uris)
            .field("id", &self.id)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl OptionsBuilder {
    /// The broker to connect to (luamqtt's `uri`): `mqtt://host:1883`, `mqtts://host`,
    /// `ws://host/mqtt`, `wss://...`, `unix:///path`, or a bare `host[:port]`. Replaces any
    /// address given before; checked at [`build`](Self::build).
    pub fn uri(mut self, uri: impl Into<String>) -> Self {
        self.uris = vec![uri.into()];
        self.addresses.clear();
        self
    }

    /// Adds a broker to the list that the client fails over between (a cluster): each new
    /// attempt goes to the next address in the list.
    pub fn add_uri(mut self, uri: impl Into<String>) -> Self {
        self.uris.push(uri.into());
        self
    }

    /// Adds a broker address that is already parsed.
    pub fn add_address(mut self, address: BrokerAddress) -> Self {
        self.addresses.push(address);
        self
    }

    /// The client identifier. Default: generated (`mqtt-kit-` and 12 random hex digits). An
    /// empty one asks the broker to assign one (3.1.1: only with a clean session).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Clean session (3.x) / Clean Start (5.0) of the first connection. Default: `true`.
    pub fn clean(mut self, clean: bool) -> Self {
        self.clean = clean;
        self
    }

    /// The user name.
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// The password (3.x: only with a user name).
    pub fn password(mut self, password: impl Into<Bytes>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// The keep-alive interval in seconds (0: off). Default: 60.
    pub fn keep_alive(mut self, seconds: u16) -> Self {
        self.keep_alive = seconds;
        self
    }

    /// The Will message, published by the broker if the connection ends without DISCONNECT,
    /// built in full; [`will_message`](Self::will_message) builds one from a `&str` topic.
    /// Replaces any Will given before. Default: none.
    pub fn will(mut self, will: Will) -> Self {
        self.will = Some(will);
        self.will_error = None;
        self
    }

    /// The protocol version: [`ProtocolVersion::V3_1_1`] (default), [`ProtocolVersion::V5`]
    /// or [`ProtocolVersion::V3_1`].
    pub fn version(mut self, version: ProtocolVersion) -> Self {
        self.version = version;
        self
    }

    /// TLS settings for `mqtts://` and `wss://` addresses (certificate authorities, client
    /// certificate, ALPN...). Without it, the system's certificate authorities are trusted.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: mqtt_kit_transport::tls::TlsConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Reconnect after a failed attempt or a lost connection (default), or not.
    pub fn reconnect(mut self, reconnect: bool) -> Self {
        self.reconnect = if reconnect {
            match self.reconnect {
                Reconnect::Backoff(backoff) => Reconnect::Backoff(backoff),
                Reconnect::Never => Reconnect::default(),
            }
        } else {
            Reconnect::Never
        };
        self
    }

    /// Reconnect with this back-off schedule.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.reconnect = Reconnect::Backoff(backoff);
        self
    }

    /// How the reconnection delays are waited (default: async-io timers). For tests that
    /// check the schedule without waiting, and for runtimes with timers of their own.
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// The connector that opens connections (luamqtt's `connector`): a transport of your own,
    /// a stream of another runtime, a proxy. Default: [`DefaultConnector`], by scheme.
    pub fn connector(mut self, connector: Arc<dyn Connector>) -> Self {
        self.connector = Some(connector);
        self
    }

    /// Acknowledge incoming QoS 1/2 messages by hand with
    /// [`Client::acknowledge`](crate::Client::acknowledge) (luamqtt's `acknowledge`); the
    /// acknowledgements still leave in the order the messages came. Default: `false`, each
    /// message is acknowledged as it is delivered to the application.
    pub fn manual_ack(mut self, manual: bool) -> Self {
        self.manual_ack = manual;
        self
    }

    /// How many accepted publishes may wait for a connection or for the broker's Receive
    /// Maximum (default 1,000). Beyond it, `publish(...).await` waits for room and
    /// `try_publish` says [`WouldBlock`](crate::ClientError::WouldBlock).
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = capacity;
        self
    }

    /// How many publishes may wait on their way from the application to the driver (default
    /// 64), on top of [`queue_capacity`](Self::queue_capacity).
    pub fn publish_capacity(mut self, capacity: usize) -> Self {
        self.publish_capacity = capacity;
        self
    }

    /// What a full queue does: refuse the new publish (default), or drop the oldest queued
    /// QoS 0 message (reported to its publisher).
    pub fn queue_full_policy(mut self, policy: QueueFullPolicy) -> Self {
        self.queue_full_policy = policy;
        self
    }

    /// What becomes of unacknowledged publishes when the broker lost the session: sent again
    /// as new (default) or failed.
    pub fn lost_session_policy(mut self, policy: LostSessionPolicy) -> Self {
        self.lost_session_policy = policy;
        self
    }

    /// Subscribe again to everything when the broker lost the session. Default: `true`.
    pub fn restore_subscriptions(mut self, restore: bool) -> Self {
        self.restore_subscriptions = restore;
        self
    }

    /// MQTT 5.0: give each subscription a Subscription Identifier of its own (unless the
    /// request has one) so that messages are routed to their subscription's stream by it.
    /// Default: `true` (used only when the broker supports them).
    pub fn subscription_identifiers(mut self, assign: bool) -> Self {
        self.subscription_identifiers = assign;
        self
    }

    /// How long to wait for CONNACK after CONNECT. Default: 30 s.
    pub fn connack_timeout(mut self, timeout: Duration) -> Self {
        self.connack_timeout = timeout;
        self
    }

    /// How long a request (publish, subscribe, unsubscribe) made before the client was ever
    /// connected waits for a first connection: past it, the request fails with
    /// [`ClientError::NeverConnected`](crate::ClientError::NeverConnected) and the last
    /// connection error, instead of waiting for ever on a broker that cannot be reached.
    /// Once connected, requests wait through reconnections. Default: 30 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long to wait for PINGRESP. Default: half the keep-alive interval (a silent link is
    /// then found dead within 1.5 intervals of the last byte received).
    pub fn pingresp_timeout(mut self, timeout: Duration) -> Self {
        self.pingresp_timeout = Some(timeout);
        self
    }

    /// The largest packet accepted from the broker (larger ones end the connection; MQTT 5.0
    /// announces it). Default: the protocol's limit.
    pub fn maximum_packet_size(mut self, bytes: u32) -> Self {
        self.maximum_packet_size = Some(bytes);
        self
    }

    /// How many outgoing QoS 1/2 publishes may be in flight at once (also bounded by the
    /// broker's Receive Maximum). Default: 65,535.
    ///
    /// On MQTT 3.1 and 3.1.1 the broker cannot announce its own limit, so set it here: a
    /// broker may drop what comes beyond it while acknowledging it as usual (mosquitto 2.0
    /// does, for more than its `max_inflight_messages`, default 20; its log says
    /// "rc151", quota exceeded).
    pub fn max_in_flight(mut self, count: u16) -> Self {
        self.max_in_flight = count;
        self
    }

    /// MQTT 5.0: how many incoming QoS 1/2 messages may be unacknowledged at once (Receive
    /// Maximum). Default: 65,535.
    pub fn receive_maximum(mut self, count: u16) -> Self {
        self.receive_maximum = count;
        self.v5_only.push("receive_maximum");
        self
    }

    /// MQTT 5.0: how many topic aliases the broker may use towards us. Default: 10.
    pub fn topic_alias_maximum(mut self, count: u16) -> Self {
        self.topic_alias_maximum = count;
        self.v5_only.push("topic_alias_maximum");
        self
    }

    /// MQTT 5.0: how long (seconds) the broker keeps the session after the connection ends.
    pub fn session_expiry_interval(mut self, seconds: u32) -> Self {
        self.properties.session_expiry_interval = Some(seconds);
        self.v5_only.push("session_expiry_interval");
        self
    }

    /// MQTT 5.0: ask for Response Information in CONNACK.
    pub fn request_response_information(mut self, request: bool) -> Self {
        self.properties.request_response_information = Some(request);
        self.v5_only.push("request_response_information");
        self
    }

    /// MQTT 5.0: whether the broker may send reason strings and user properties on failures.
    pub fn request_problem_information(mut self, request: bool) -> Self {
        self.properties.request_problem_information = Some(request);
        self.v5_only.push("request_problem_information");
        self
    }

    /// MQTT 5.0: a user property of CONNECT.
    pub fn user_property(
        mut self,
        name: impl Into<ByteString>,
        value: impl Into<ByteString>,
    ) -> Self {
        self.properties
            .user_properties
            .push((name.into(), value.into()));
        self.v5_only.push("user_property");
        self
    }

    /// MQTT 5.0: CONNECT properties in full (the Receive Maximum, Maximum Packet Size and
    /// Topic Alias Maximum in them are replaced by this builder's own options).
    pub fn connect_properties(mut self, properties: ConnectProperties) -> Self {
        if !properties.is_empty() {
            self.v5_only.push("connect_properties");
        }
        self.properties = properties;
        self
    }

    /// MQTT 5.0: enhanced authentication (AUTH exchanges) with this authenticator.
    pub fn authenticator(mut self, authenticator: Box<dyn Authenticator>) -> Self {
        self.authenticator = Some(authenticator);
        self.v5_only.push("authenticator");
        self
    }

    /// Keeps the session in `journal`, a file that outlives the process: every publish the
    /// client accepts (from the moment `publish`/`enqueue` returns, queued or in flight), the
    /// stage of each QoS 1/2 exchange, and the incoming QoS 2 exchanges are on record before
    /// the packets that depend on them are written, so that a client started again on the
    /// same journal (and with the same client identifier) sends them after a crash. The
    /// driver appends on a thread of its own, many records with one write and (when the
    /// journal was opened with `fsync`) one `fsync`.
    ///
    /// Without a journal (the default) the session lives in memory, copying nothing: what is
    /// accepted survives lost connections and broker restarts, not a crash of the process.
    ///
    /// With `clean(false)` the broker's session resumes and messages in flight go again with
    /// DUP; when the broker has no session (or with `clean(true)`), the
    /// [`lost_session_policy`](Self::lost_session_policy) decides. A journal that cannot be
    /// written ends the driver with [`ClientError::Journal`](crate::ClientError::Journal),
    /// before any packet that needed the record is sent.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = std::env::temp_dir().join(format!("mqtt-journal-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// use mqtt_kit_client::{Journal, Options};
    /// let journal = Journal::open(dir.join("meter-17.journal"), true)?;
    /// if let Some(torn) = journal.torn_tail() {
    ///     eprintln!("the last write before a crash was incomplete and is dropped: {torn}");
    /// }
    /// let options = Options::builder()
    ///     .uri("mqtt://localhost")
    ///     .id("meter-17")
    ///     .clean(false)
    ///     .journal(journal)
    ///     .build()?;
    /// # drop(options);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn journal(mut self, journal: Journal) -> Self {
        self.journal = Some(journal);
        self
    }

    /// Checks the options together and builds them.
    pub fn build(self) -> Result<Options, OptionsError> {
        let version = self.version;
        let mut brokers = self.addresses;
        for uri in &self.uris {
            let address = BrokerAddress::parse(uri).map_err(|source| OptionsError::InvalidUri {
                uri: uri.clone(),
                source,
            })?;
            brokers.push(address);
        }
        if brokers.is_empty() {
            return Err(OptionsError::NoBroker);
        }
        if let Some(error) = self.will_error {
            return Err(error);
        }
        if version != ProtocolVersion::V5 {
            if let Some(option) = self.v5_only.first() {
                return Err(OptionsError::NeedsV5 { option, version });
            }
            if self
                .will
                .as_ref()
                .is_some_and(|will| !will.properties.is_empty())
            {
                return Err(OptionsError::NeedsV5 {
                    option: "will properties",
                    version,
                });
            }
            if self.password.is_some() && self.username.is_none() {
                return Err(OptionsError::PasswordWithoutUsername { version });
            }
        }
        let id = self.id.unwrap_or_else(generated_id);
        match version {
            ProtocolVersion::V3_1 if id.is_empty() || id.len() > 23 => {
                return Err(OptionsError::IdLength { id });
            }
            ProtocolVersion::V3_1_1 if id.is_empty() && !self.clean => {
                return Err(OptionsError::EmptyIdNeedsClean);
            }
            _ => {}
        }
        if self.queue_capacity == 0 {
            return Err(OptionsError::ZeroCapacity {
                option: "queue_capacity",
            });
        }
        if self.publish_capacity == 0 {
            return Err(OptionsError::ZeroCapacity {
                option: "publish_capacity",
            });
        }
        if self.max_in_flight == 0 {
            return Err(OptionsError::ZeroCapacity {
                option: "max_in_flight",
            });
        }
        if self.receive_maximum == 0 {
            return Err(OptionsError::ZeroCapacity {
                option: "receive_maximum",
            });
        }
        if let Reconnect::Backoff(backoff) = &self.reconnect {
            backoff
                .check()
                .map_err(|reason| OptionsError::InvalidBackoff { reason })?;
        }
        let connector: Arc<dyn Connector> = match self.connector {
            Some(connector) => {
                #[cfg(feature = "tls")]
                if self.tls.is_some() {
                    return Err(OptionsError::TlsWithCustomConnector);
                }
                connector
            }
            None => {
                #[allow(unused_mut)]
                let mut connector = DefaultConnector::new();
                #[cfg(feature = "tls")]
                if let Some(tls) = &self.tls {
                    if !brokers.iter().any(BrokerAddress::uses_tls) {
                        return Err(OptionsError::TlsWithoutTlsAddress);
                    }
                    let tls = mqtt_kit_transport::tls::TlsConnector::new(tls)
                        .map_err(|error| OptionsError::Tls(error.to_string()))?;
                    connector = connector.tls(tls);
                }
                Arc::new(connector)
            }
        };
        let mut session = SessionConfig::new(version, id);
        session.clean_start = self.clean;
        session.keep_alive = self.keep_alive;
        session.pingresp_timeout = self.pingresp_timeout;
        session.connack_timeout = self.connack_timeout;
        session.will = self.will;
        session.username = self.username;
        session.password = self.password;
        session.properties = self.properties;
        session.receive_maximum = self.receive_maximum;
        session.maximum_packet_size = self.maximum_packet_size;
        session.topic_alias_maximum = self.topic_alias_maximum;
        session.max_in_flight = self.max_in_flight;
        session.ack_mode = if self.manual_ack {
            AckMode::Manual
        } else {
            AckMode::Automatic
        };
        session.lost_session_policy = self.lost_session_policy;
        session.restore_subscriptions = self.restore_subscriptions;
        session.queue_capacity = self.queue_capacity;
        session.queue_full_policy = self.queue_full_policy;
        session.auto_subscription_identifiers = self.subscription_identifiers;
        session.auto_topic_alias = self.topic_aliases;
        session.empty_state_may_resume = self.empty_state_may_resume;
        Ok(Options {
            brokers,
            session,
            reconnect: self.reconnect,
            connector,
            sleeper: self.sleeper,
            authenticator: self.authenticator,
            journal: self.journal,
            publish_capacity: self.publish_capacity,
            connect_timeout: self.connect_timeout,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqtt_kit_codec::{QoS, TopicName, WillProperties};

    fn builder() -> OptionsBuilder {
        OptionsBuilder::default().uri("mqtt://127.0.0.1:1883")
    }

    #[test]
    fn luamqtt_defaults() {
        let options = builder().build().unwrap();
        assert_eq!(options.version(), ProtocolVersion::V3_1_1);
        assert_eq!(options.keep_alive(), 60);
        assert!(options.clean());
        assert!(options.id().starts_with("mqtt-kit-"));
        // Within the 23 bytes every 3.1.1 server must accept [MQTT-3.1.3-5].
        assert_eq!(options.id().len(), 21);
        assert_eq!(options.reconnect(), &Reconnect::Backoff(Backoff::default()));
        assert_eq!(options.brokers().len(), 1);
        let other = builder().build().unwrap();
        assert_ne!(options.id(), other.id(), "generated ids differ");
    }

    #[test]
    fn failover_list_keeps_its_order() {
        let options = builder()
            .add_uri("mqtts://b.example")
            .add_uri("ws://c/mqtt")
            .build();
        let schemes: Vec<&str> = options
            .unwrap()
            .brokers()
            .iter()
            .map(|b| b.scheme())
            .collect();
        assert_eq!(schemes, ["mqtt", "mqtts", "ws"]);
    }

    #[test]
    fn contradictions_are_refused() {
        let no_broker = OptionsBuilder::default().build();
        assert_eq!(no_broker.unwrap_err(), OptionsError::NoBroker);
        let bad_uri = OptionsBuilder::default().uri("ftp://x").build();
        assert!(matches!(bad_uri, Err(OptionsError::InvalidUri { .. })));
        let password = builder().password("p").build();
        assert!(matches!(
            password,
            Err(OptionsError::PasswordWithoutUsername { .. })
        ));
        let v5_password = builder().version(ProtocolVersion::V5).password("p").build();
        assert!(v5_password.is_ok(), "MQTT 5.0 allows a password alone");
        let empty_id = builder().id("").clean(false).build();
        assert_eq!(empty_id.unwrap_err(), OptionsError::EmptyIdNeedsClean);
        let long_v31 = builder()
            .version(ProtocolVersion::V3_1)
            .id("a-client-identifier-of-30-byte")
            .build();
        assert!(matches!(long_v31, Err(OptionsError::IdLength { .. })));
        let expiry = builder().session_expiry_interval(10).build();
        assert!(matches!(
            expiry,
            Err(OptionsError::NeedsV5 {
                option: "session_expiry_interval",
                ..
            })
        ));
        let mut will = Will::new(TopicName::try_from("w").unwrap(), "x", QoS::AtMostOnce);
        will.properties = WillProperties {
            will_delay_interval: Some(5),
            ..Default::default()
        };
        let will = builder().will(will).build();
        assert!(matches!(will, Err(OptionsError::NeedsV5 { .. })));
        let zero = builder().queue_capacity(0).build();
        assert!(matches!(zero, Err(OptionsError::ZeroCapacity { .. })));
        let backoff = builder()
            .backoff(Backoff::new(Duration::from_secs(5), Duration::from_secs(1)))
            .build();
        assert!(matches!(backoff, Err(OptionsError::InvalidBackoff { .. })));
    }

    #[cfg(feature = "tls")]
    #[test]
    fn tls_settings_need_a_tls_address_and_no_custom_connector() {
        use mqtt_kit_transport::tls::TlsConfig;
        let plain = builder().tls(TlsConfig::new()).build();
        assert_eq!(plain.unwrap_err(), OptionsError::TlsWithoutTlsAddress);
        let custom = OptionsBuilder::default()
            .uri("mqtts://localhost")
            .tls(TlsConfig::new())
            .connector(Arc::new(DefaultConnector::new()))
            .build();
        assert_eq!(custom.unwrap_err(), OptionsError::TlsWithCustomConnector);
    }
}
