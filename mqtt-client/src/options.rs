//! [`Options`]: everything a client needs to know before it connects, with luamqtt's names
//! and defaults. Built (and checked) by [`OptionsBuilder`](crate::OptionsBuilder).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use mqtt_kit_codec::ProtocolVersion;
use mqtt_kit_session::{Authenticator, Journal, SessionConfig};
use mqtt_kit_transport::{BrokerAddress, Connector};

use crate::backoff::{Reconnect, Sleeper};

/// The checked options of one client: what [`Client::new`](crate::Client::new) takes.
///
/// Made with [`Options::builder`]; see [`OptionsBuilder`](crate::OptionsBuilder) for each
/// option and its default.
pub struct Options {
    pub(crate) brokers: Vec<BrokerAddress>,
    pub(crate) session: SessionConfig,
    pub(crate) reconnect: Reconnect,
    pub(crate) connector: Arc<dyn Connector>,
    pub(crate) sleeper: Arc<dyn Sleeper>,
    pub(crate) authenticator: Option<Box<dyn Authenticator>>,
    pub(crate) journal: Option<Journal>,
    pub(crate) publish_capacity: usize,
    pub(crate) connect_timeout: Duration,
}

impl Options {
    /// A builder with every default; at least [`uri`](crate::OptionsBuilder::uri) must be set.
    pub fn builder() -> crate::OptionsBuilder {
        crate::OptionsBuilder::default()
    }

    /// The broker addresses, in the order they are tried.
    pub fn brokers(&self) -> &[BrokerAddress] {
        &self.brokers
    }

    /// The client identifier (generated when none was given).
    pub fn id(&self) -> &str {
        &self.session.client_id
    }

    /// The protocol version.
    pub fn version(&self) -> ProtocolVersion {
        self.session.version
    }

    /// The keep-alive interval, in seconds.
    pub fn keep_alive(&self) -> u16 {
        self.session.keep_alive
    }

    /// Whether the first connection asks for a clean session.
    pub fn clean(&self) -> bool {
        self.session.clean_start
    }

    /// The reconnection policy.
    pub fn reconnect(&self) -> &Reconnect {
        &self.reconnect
    }

    /// The configuration of the protocol engine (mqtt-kit-session) that these options make.
    pub fn session_config(&self) -> &SessionConfig {
        &self.session
    }

    /// How many publishes may wait between the application and the driver (beyond those
    /// waiting in the session's queue).
    pub fn publish_capacity(&self) -> usize {
        self.publish_capacity
    }
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("brokers", &self.brokers)
            .field("id", &self.session.client_id)
            .field("version", &self.session.version)
            .field("clean", &self.session.clean_start)
            .field("keep_alive", &self.session.keep_alive)
            .field("reconnect", &self.reconnect)
            .field("authenticator", &self.authenticator.is_some())
            .finish_non_exhaustive()
    }
}

/// A client identifier of our own: "mqtt-kit-" and 12 random hexadecimal digits, 21 bytes in
/// all, which fits even MQTT 3.1's limit of 23.
pub(crate) fn generated_id() -> String {
    format!("mqtt-kit-{:012x}", fastrand::u64(..) & 0xffff_ffff_ffff)
}

/// How long the driver waits for CONNACK by default.
pub(crate) const DEFAULT_CONNACK_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a request made before the first connection waits for it, by default.
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

#[cfg(test)]
mod tests {
    use mqtt_kit_codec::{QoS, TopicName, Will};

    #[test]
    fn debug_shows_neither_the_password_nor_the_will_payload() {
        let builder = super::Options::builder()
            .uri("mqtt://127.0.0.1:1883")
            .username("meter")
            .password("pa55-the-secret")
            .will(Will::new(
                TopicName::try_from("gone").unwrap(),
                "will-payload-text",
                QoS::AtMostOnce,
            ));
        let builder_text = format!("{builder:?}");
        let options = builder.build().unwrap();
        for text in [
            builder_text,
            format!("{options:?}"),
            format!("{options:#?}"),
            format!("{:?}", options.session_config()),
        ] {
            assert!(!text.contains("pa55-the-secret"), "{text}");
            assert!(!text.contains("will-payload-text"), "{text}");
        }
        let config = format!("{:?}", options.session_config());
        assert!(
            config.contains("password: Some(<redacted 15 bytes>)"),
            "{config}"
        );
    }
}
