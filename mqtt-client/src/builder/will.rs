//! The Will message, from a `&str` topic: set, adjusted, cleared.

use bytes::Bytes;
use mqtt_kit_codec::{QoS, TopicName, Will, WillProperties};

use super::OptionsBuilder;
use crate::error::OptionsError;

impl OptionsBuilder {
    /// The Will message to `topic` (not retained, no properties; see
    /// [`will_retain`](Self::will_retain) and [`will_properties`](Self::will_properties)),
    /// published by the broker if the connection ends without DISCONNECT. Replaces any Will
    /// given before. An invalid topic name is refused at [`build`](Self::build) with
    /// [`OptionsError::InvalidWillTopic`]. Default: no Will.
    ///
    /// ```
    /// use mqtt_kit_client::{Options, OptionsError, QoS};
    ///
    /// let options = Options::builder()
    ///     .uri("mqtt://localhost")
    ///     .will_message("devices/7/status", "offline", QoS::AtLeastOnce)
    ///     .will_retain(true)
    ///     .build()?;
    /// let will = options.session_config().will.as_ref().unwrap();
    /// assert_eq!(will.topic.as_str(), "devices/7/status");
    /// assert!(will.retain);
    ///
    /// let refused = Options::builder()
    ///     .uri("mqtt://localhost")
    ///     .will_message("devices/+/status", "offline", QoS::AtMostOnce)
    ///     .build();
    /// assert!(matches!(refused, Err(OptionsError::InvalidWillTopic { .. })));
    /// # Ok::<(), OptionsError>(())
    /// ```
    pub fn will_message(mut self, topic: &str, payload: impl Into<Bytes>, qos: QoS) -> Self {
        match TopicName::try_from(topic) {
            Ok(name) => {
                self.will = Some(Will::new(name, payload, qos));
                self.will_error = None;
            }
            Err(source) => {
                self.will = None;
                self.will_error = Some(OptionsError::InvalidWillTopic {
                    topic: topic.to_owned(),
                    source,
                });
            }
        }
        self
    }

    /// Whether the Will set before is published as a retained message. Default: no. Without
    /// a Will, [`build`](Self::build) says [`OptionsError::NoWill`].
    pub fn will_retain(mut self, retain: bool) -> Self {
        match &mut self.will {
            Some(will) => will.retain = retain,
            None => self.will_missing("will_retain"),
        }
        self
    }

    /// MQTT 5.0: the properties of the Will set before (Will Delay Interval, Message Expiry
    /// Interval, Content Type...). Without a Will, [`build`](Self::build) says
    /// [`OptionsError::NoWill`].
    pub fn will_properties(mut self, properties: WillProperties) -> Self {
        match &mut self.will {
            Some(will) => will.properties = properties,
            None => self.will_missing("will_properties"),
        }
        self
    }

    /// No Will: clears the one set before (by [`will`](Self::will) or
    /// [`will_message`](Self::will_message), an invalid topic included), for options made
    /// from a shared starting point. The Will is part of CONNECT: a client keeps the one it
    /// was built with for every connection.
    pub fn clear_will(mut self) -> Self {
        self.will = None;
        self.will_error = None;
        self
    }

    fn will_missing(&mut self, option: &'static str) {
        // A Will whose topic was refused reports that first: it is the cause.
        if self.will_error.is_none() {
            self.will_error = Some(OptionsError::NoWill { option });
        }
    }
}

#[cfg(test)]
mod tests {
    use mqtt_kit_codec::{ProtocolVersion, QoS, TopicError, WillProperties};

    use crate::{Options, OptionsBuilder, OptionsError};

    fn builder() -> OptionsBuilder {
        Options::builder().uri("mqtt://127.0.0.1:1883")
    }

    #[test]
    fn an_invalid_will_topic_is_refused_at_build() {
        let refused = builder().will_message("a/#", "x", QoS::AtMostOnce).build();
        assert_eq!(
            refused.unwrap_err(),
            OptionsError::InvalidWillTopic {
                topic: "a/#".into(),
                source: TopicError::WildcardInTopicName,
            }
        );
        // A later valid Will replaces it, and so does clearing.
        let replaced = builder()
            .will_message("a/#", "x", QoS::AtMostOnce)
            .will_message("a/b", "x", QoS::AtMostOnce)
            .build();
        assert!(replaced.is_ok());
        let cleared = builder()
            .will_message("a/#", "x", QoS::AtMostOnce)
            .clear_will()
            .build()
            .unwrap();
        assert!(cleared.session_config().will.is_none());
    }

    #[test]
    fn will_settings_need_a_will_before_them() {
        let refused = builder().will_retain(true).build();
        assert_eq!(
            refused.unwrap_err(),
            OptionsError::NoWill {
                option: "will_retain"
            }
        );
        let properties = WillProperties {
            will_delay_interval: Some(30),
            ..WillProperties::default()
        };
        let options = builder()
            .version(ProtocolVersion::V5)
            .will_message("a/b", "gone", QoS::ExactlyOnce)
            .will_properties(properties.clone())
            .build()
            .unwrap();
        let will = options.session_config().will.clone().unwrap();
        assert_eq!((will.qos, will.retain), (QoS::ExactlyOnce, false));
        assert_eq!(will.properties, properties);
        // Will properties still need MQTT 5.0.
        let v311 = builder()
            .will_message("a/b", "gone", QoS::AtMostOnce)
            .will_properties(properties)
            .build();
        assert!(matches!(v311, Err(OptionsError::NeedsV5 { .. })));
    }
}
