//! [`PublishBuilder`]: a message with retain, QoS and MQTT 5.0 properties, built from a `&str`
//! topic and sent with `.await`, without building the PUBLISH packet by hand.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use bytes::Bytes;
use mqtt_kit_codec::bytestring::ByteString;
use mqtt_kit_codec::{PayloadFormat, Publish, PublishProperties, QoS, TopicName};

use crate::client::{Client, PublishHandle};
use crate::error::ClientError;
use crate::events::Published;

impl Client {
    /// A message to `topic` with `payload`, to be given a QoS (default 0), the retain flag
    /// and MQTT 5.0 properties, then sent with `.await` (which, as
    /// [`publish`](Self::publish), ends when the message is done), or handed over with
    /// [`PublishBuilder::enqueue`] or [`PublishBuilder::try_send`].
    ///
    /// An invalid topic (or response topic) is reported when the message is sent, as
    /// [`ClientError::Topic`]; nothing is sent then.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use mqtt_kit_client::{Client, Options, PayloadFormat, ProtocolVersion, QoS};
    /// # smol::block_on(async {
    /// let options = Options::builder()
    ///     .uri("mqtt://localhost:1883")
    ///     .version(ProtocolVersion::V5)
    ///     .build()?;
    /// let client = Client::connect(options).await?;
    /// client
    ///     .publish_with("sensors/7/temperature", r#"{"celsius": 21.5}"#)
    ///     .qos(QoS::AtLeastOnce)
    ///     .retain(true)
    ///     .payload_format(PayloadFormat::Utf8)
    ///     .content_type("application/json")
    ///     .message_expiry(Duration::from_secs(600))
    ///     .user_property("unit", "celsius")
    ///     .await?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # });
    /// ```
    pub fn publish_with(&self, topic: &str, payload: impl Into<Bytes>) -> PublishBuilder<'_> {
        let payload = payload.into();
        let publish = TopicName::try_from(topic)
            .map(|topic| Publish::new(topic, payload, QoS::AtMostOnce))
            .map_err(ClientError::from);
        PublishBuilder {
            client: self,
            publish,
        }
    }
}

/// A message being built by [`Client::publish_with`]; `.await` sends it and waits until it
/// is done (see [`Client::publish`] for what "done" means and for drop safety).
///
/// The packet identifier, DUP flag, topic alias and subscription identifiers are the
/// client's to set, never the caller's.
#[must_use = "a message is sent only when awaited, enqueued or try_send"]
#[derive(Debug)]
pub struct PublishBuilder<'a> {
    client: &'a Client,
    /// The message so far, or the first thing wrong with it.
    publish: Result<Publish, ClientError>,
}

impl<'a> PublishBuilder<'a> {
    fn map(mut self, change: impl FnOnce(&mut Publish) -> Result<(), ClientError>) -> Self {
        if let Ok(publish) = &mut self.publish {
            if let Err(error) = change(publish) {
                self.publish = Err(error);
            }
        }
        self
    }

    fn properties_mut(self, change: impl FnOnce(&mut PublishProperties)) -> Self {
        self.map(|publish| {
            change(&mut publish.properties);
            Ok(())
        })
    }

    /// The quality of service. Default: QoS 0 (at most once).
    pub fn qos(self, qos: QoS) -> Self {
        self.map(|publish| {
            publish.qos = qos;
            Ok(())
        })
    }

    /// Whether the broker keeps the message as the topic's retained message. Default: no.
    pub fn retain(self, retain: bool) -> Self {
        self.map(|publish| {
            publish.retain = retain;
            Ok(())
        })
    }

    /// MQTT 5.0: how long the broker keeps the message for subscribers that have not had it
    /// yet (Message Expiry Interval, in whole seconds, at most `u32::MAX`). Default: no
    /// expiry.
    pub fn message_expiry(self, expiry: std::time::Duration) -> Self {
        let seconds = u32::try_from(expiry.as_secs()).unwrap_or(u32::MAX);
        self.properties_mut(|properties| properties.message_expiry_interval = Some(seconds))
    }

    /// MQTT 5.0: whether the payload is UTF-8 text (Payload Format Indicator). Default:
    /// unspecified bytes.
    pub fn payload_format(self, format: PayloadFormat) -> Self {
        self.properties_mut(|properties| properties.payload_format_indicator = Some(format))
    }

    /// MQTT 5.0: the payload's MIME type, or any description (Content Type).
    pub fn content_type(self, content_type: impl Into<ByteString>) -> Self {
        let content_type = content_type.into();
        self.properties_mut(|properties| properties.content_type = Some(content_type))
    }

    /// MQTT 5.0: where the receiver should send its answer (Response Topic, a topic name:
    /// no wildcards). An invalid one fails the publish with [`ClientError::Topic`].
    pub fn response_topic(self, topic: &str) -> Self {
        let topic = TopicName::try_from(topic);
        self.map(|publish| {
            publish.properties.response_topic = Some(topic?);
            Ok(())
        })
    }

    /// MQTT 5.0: data that ties a response to its request (Correlation Data).
    pub fn correlation_data(self, data: impl Into<Bytes>) -> Self {
        let data = data.into();
        self.properties_mut(|properties| properties.correlation_data = Some(data))
    }

    /// MQTT 5.0: adds a User Property (names may repeat; the order is kept).
    pub fn user_property(self, name: impl Into<ByteString>, value: impl Into<ByteString>) -> Self {
        let pair = (name.into(), value.into());
        self.properties_mut(|properties| properties.user_properties.push(pair))
    }

    /// MQTT 5.0: every property at once, replacing those set before. The topic alias and
    /// subscription identifiers in them are cleared: the client sets those itself.
    pub fn properties(self, mut properties: PublishProperties) -> Self {
        properties.topic_alias = None;
        properties.subscription_identifiers.clear();
        self.map(|publish| {
            publish.properties = properties;
            Ok(())
        })
    }

    /// The message as built: the PUBLISH the client would send (without packet identifier),
    /// or what is wrong with it.
    pub fn build(self) -> Result<Publish, ClientError> {
        self.publish
    }

    /// Hands the message over and returns once it is accepted, as [`Client::enqueue`].
    pub async fn enqueue(self) -> Result<PublishHandle, ClientError> {
        self.client.enqueue(self.publish?).await
    }

    /// Hands the message over without waiting, as [`Client::try_publish`].
    pub fn try_send(self) -> Result<PublishHandle, ClientError> {
        self.client.try_publish(self.publish?)
    }
}

impl<'a> IntoFuture for PublishBuilder<'a> {
    type Output = Result<Published, ClientError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    /// Sends the message and waits until it is done, as [`Client::publish_message`].
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.client.publish_message(self.publish?).await })
    }
}
