//! Errors: options refused at build time ([`OptionsError`]) and what a client operation or the
//! connection reports ([`ClientError`]).

use std::sync::Arc;

use mqtt_kit_codec::{ConnAck, ProtocolVersion, SubAck, TopicError};
use mqtt_kit_session::{CommandError, JournalError, ProtocolError, PublishError};
use mqtt_kit_transport::{AddressError, TransportError};

/// Options that cannot work, refused by [`OptionsBuilder::build`](crate::OptionsBuilder::build)
/// before anything is sent.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OptionsError {
    /// No broker address was given.
    #[error(
        "no broker given: set OptionsBuilder::uri (or add_uri for a list to fail over between)"
    )]
    NoBroker,
    /// A broker address could not be parsed.
    #[error("invalid broker address {uri:?}: {source}")]
    InvalidUri {
        /// The text given.
        uri: String,
        /// What is wrong with it.
        source: AddressError,
    },
    /// MQTT 3.1 and 3.1.1 allow a password only with a user name [MQTT-3.1.2-22].
    #[error(
        "{version} allows a password only with a user name [MQTT-3.1.2-22]: set username too, or use MQTT 5.0"
    )]
    PasswordWithoutUsername {
        /// The protocol version chosen.
        version: ProtocolVersion,
    },
    /// MQTT 3.1.1 allows an empty client identifier only with a clean session [MQTT-3.1.3-7].
    #[error("an empty client identifier needs clean(true) on MQTT 3.1.1 [MQTT-3.1.3-7]")]
    EmptyIdNeedsClean,
    /// MQTT 3.1 client identifiers are 1 to 23 bytes long.
    #[error("an MQTT 3.1 client identifier must be 1 to 23 bytes long, {id:?} is {} bytes", .id.len())]
    IdLength {
        /// The identifier given.
        id: String,
    },
    /// An option that only MQTT 5.0 has was set with another version.
    #[error(
        "{option} needs MQTT 5.0 (version is {version}): remove it or set version(ProtocolVersion::V5)"
    )]
    NeedsV5 {
        /// The option.
        option: &'static str,
        /// The protocol version chosen.
        version: ProtocolVersion,
    },
    /// TLS settings and a connector of the caller's own were both given: the connector would
    /// ignore the TLS settings.
    #[error(
        "tls(...) and connector(...) were both given: configure TLS in your connector, or drop it"
    )]
    TlsWithCustomConnector,
    /// TLS settings were given but no broker address uses TLS (`mqtts://`, `ssl://`, `wss://`).
    #[error(
        "tls(...) was given but no broker address uses TLS: use an mqtts://, ssl:// or wss:// address"
    )]
    TlsWithoutTlsAddress,
    /// The TLS settings could not be turned into a TLS configuration.
    #[cfg(feature = "tls")]
    #[error("invalid TLS settings: {0}")]
    Tls(String),
    /// The Will's topic ([`will_message`](crate::OptionsBuilder::will_message)) is not a
    /// valid topic name.
    #[error("invalid Will topic {topic:?}: {source}")]
    InvalidWillTopic {
        /// The text given.
        topic: String,
        /// What is wrong with it.
        source: TopicError,
    },
    /// A Will option ([`will_retain`](crate::OptionsBuilder::will_retain),
    /// [`will_properties`](crate::OptionsBuilder::will_properties)) was given with no Will
    /// set before it.
    #[error("{option} needs a Will: call will_message (or will) before it")]
    NoWill {
        /// The option.
        option: &'static str,
    },
    /// A capacity of 0 would refuse everything.
    #[error("{option} must be at least 1")]
    ZeroCapacity {
        /// The option.
        option: &'static str,
    },
    /// The reconnection back-off is not usable.
    #[error("invalid reconnection back-off: {reason}")]
    InvalidBackoff {
        /// What is wrong.
        reason: &'static str,
    },
}

/// What a client operation, or the connection, reports.
///
/// Cloneable (so that one error can reach every [`Events`](crate::Events) stream): errors of
/// the transport are shared behind an [`Arc`].
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The driver has ended (after [`Client::disconnect`](crate::Client::disconnect), a
    /// refused connection without reconnection, or because the [`Driver`](crate::Driver) was
    /// dropped): nothing more can be done with this client.
    #[error("the client is closed: its driver has ended (disconnected, refused, or dropped)")]
    Closed,
    /// [`Client::try_publish`](crate::Client::try_publish) found the queue of publishes full;
    /// nothing was queued. Wait (`publish(...).await` waits for room) or try again later.
    #[error(
        "the publish queue is full: nothing was queued; use publish(...).await to wait for room"
    )]
    WouldBlock,
    /// The session refused the command; nothing was sent.
    #[error(transparent)]
    Refused(#[from] CommandError),
    /// An accepted publish did not complete: refused by the broker (PUBACK or PUBREC with an
    /// error reason code), or lost with the session.
    #[error(transparent)]
    Publish(#[from] PublishError),
    /// A QoS 0 message was still waiting to be written when the connection was lost: it was
    /// not sent (QoS 0 is never sent again).
    #[error("the connection was lost before the QoS 0 message was written; it was not sent")]
    NotWritten,
    /// A topic name or filter given as text is not valid.
    #[error("invalid topic: {0}")]
    Topic(#[from] TopicError),
    /// The broker refused every topic filter of a SUBSCRIBE: the SUBACK has the reason codes.
    #[error("the broker refused the subscription: {}", describe_suback(.0))]
    SubscribeRefused(Box<SubAck>),
    /// The broker refused the connection with a reason that retrying does not fix (bad user
    /// name or password, not authorized, banned, client identifier or protocol version not
    /// accepted): the driver ends.
    #[error("the broker refused the connection: {}", .0.code)]
    ConnectionRefused(Box<ConnAck>),
    /// The broker broke the protocol (or sent something we cannot take): the connection was
    /// closed (with a DISCONNECT saying why, on MQTT 5.0).
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// The connector could not open a connection.
    #[error("could not connect: {0}")]
    Transport(Arc<TransportError>),
    /// Reading from or writing to the connection failed.
    #[error("connection error: {0}")]
    Io(Arc<std::io::Error>),
    /// The session journal could not be written: the driver ends (before any packet that
    /// needed the record went out), and what the journal holds stays for the next start.
    #[error("the session journal failed: {0}")]
    Journal(Arc<JournalError>),
    /// The request was made before the client was ever connected, and no connection could be
    /// made within the connect timeout
    /// ([`OptionsBuilder::connect_timeout`](crate::OptionsBuilder::connect_timeout)): the
    /// last attempt's error, if an attempt ended. Nothing was sent.
    #[error("{}", describe_never_connected(.0.as_deref()))]
    NeverConnected(Option<Box<ClientError>>),
    /// The connection ended (and the client does not reconnect): the reason.
    #[error("the connection ended: {0}")]
    Disconnected(Box<mqtt_kit_session::DisconnectReason>),
}

impl From<TransportError> for ClientError {
    fn from(error: TransportError) -> Self {
        Self::Transport(Arc::new(error))
    }
}

impl From<std::io::Error> for ClientError {
    fn from(error: std::io::Error) -> Self {
        Self::Io(Arc::new(error))
    }
}

fn describe_never_connected(last: Option<&ClientError>) -> String {
    match last {
        Some(error) => format!("no connection to the broker could be made in time: {error}"),
        None => "no connection to the broker could be made in time (no attempt ended yet)".into(),
    }
}

/// The reason codes of a SUBACK, in the order of the filters.
pub(crate) fn describe_suback(suback: &SubAck) -> String {
    let codes: Vec<String> = suback.codes.iter().map(ToString::to_string).collect();
    codes.join(", ")
}
