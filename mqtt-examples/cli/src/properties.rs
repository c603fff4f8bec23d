//! `-D COMMAND PROPERTY VALUE`: MQTT 5.0 properties, as mosquitto's tools take them
//! (`-D publish user-property KEY VALUE`, `-D connect session-expiry-interval 60`...).
//!
//! | command | properties |
//! | --- | --- |
//! | `connect` | `user-property`, `session-expiry-interval`, `receive-maximum`, `maximum-packet-size`, `topic-alias-maximum`, `request-problem-information`, `request-response-information` |
//! | `publish` (mqtt-pub) | `user-property`, `content-type`, `correlation-data`, `message-expiry-interval`, `payload-format-indicator`, `response-topic` |
//! | `subscribe` (mqtt-sub) | `user-property`, `subscription-identifier` |
//! | `will` | `user-property`, `content-type`, `correlation-data`, `message-expiry-interval`, `payload-format-indicator`, `response-topic`, `will-delay-interval` |

use mqtt_kit_client::bytes::Bytes;
use mqtt_kit_client::{
    ConnectProperties, PublishProperties, SubscribeProperties, SubscriptionId, TopicName,
    WillProperties,
};
use mqtt_kit_codec::PayloadFormat;
use mqtt_kit_codec::bytestring::ByteString;

use super::arguments::number_in;
use super::{Arguments, Flag, UsageError};

/// The properties a PUBLISH and a Will share.
const MESSAGE_PROPERTIES: [&str; 5] = [
    "content-type",
    "correlation-data",
    "response-topic",
    "message-expiry-interval",
    "payload-format-indicator",
];

/// The packet a `-D` property goes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyTarget {
    /// CONNECT.
    Connect,
    /// PUBLISH (mqtt-pub).
    Publish,
    /// SUBSCRIBE (mqtt-sub).
    Subscribe,
    /// The Will message.
    Will,
}

impl PropertyTarget {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "connect" => Self::Connect,
            "publish" => Self::Publish,
            "subscribe" => Self::Subscribe,
            "will" => Self::Will,
            _ => return None,
        })
    }
}

/// Every property given with `-D`, by packet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PropertyArgs {
    /// CONNECT's session expiry, request flags and user properties.
    pub connect: ConnectProperties,
    /// CONNECT's Receive Maximum.
    pub receive_maximum: Option<u16>,
    /// CONNECT's Maximum Packet Size.
    pub maximum_packet_size: Option<u32>,
    /// CONNECT's Topic Alias Maximum.
    pub topic_alias_maximum: Option<u16>,
    /// PUBLISH's properties.
    pub publish: PublishProperties,
    /// SUBSCRIBE's properties.
    pub subscribe: SubscribeProperties,
    /// The Will's properties.
    pub will: WillProperties,
    given: bool,
}

impl PropertyArgs {
    /// Whether any `-D` was given.
    pub fn any(&self) -> bool {
        self.given
    }

    /// Reads the rest of a `-D` (`flag`): the command, the property and its value (two for
    /// `user-property`); `targets` are the commands this tool sends.
    pub fn parse(
        &mut self,
        flag: &Flag,
        args: &mut Arguments,
        targets: &[PropertyTarget],
    ) -> Result<(), UsageError> {
        let command = args.value(flag)?;
        let target = PropertyTarget::parse(&command)
            .filter(|target| targets.contains(target))
            .ok_or_else(|| {
                UsageError::new(format!(
                    "-D: {command:?} is not a command this tool sends properties with ({})",
                    names(targets)
                ))
            })?;
        let name_flag = Flag::with_name(format!("-D {command}"));
        let name = args.value(&name_flag)?;
        let value_flag = Flag::with_name(format!("-D {command} {name}"));
        let what = value_flag.name.clone();
        let mut value = || args.value(&value_flag);
        self.given = true;
        match (target, name.as_str()) {
            (_, "user-property") => {
                let key = value()?;
                let text = value()?;
                self.user_properties(target).push((key.into(), text.into()));
                Ok(())
            }
            (PropertyTarget::Connect, "session-expiry-interval") => set(
                &what,
                &mut self.connect.session_expiry_interval,
                number_in(&what, &value()?, 0..=u32::MAX)?,
            ),
            (PropertyTarget::Connect, "receive-maximum") => set(
                &what,
                &mut self.receive_maximum,
                number_in(&what, &value()?, 1..=u16::MAX)?,
            ),
            (PropertyTarget::Connect, "maximum-packet-size") => set(
                &what,
                &mut self.maximum_packet_size,
                number_in(&what, &value()?, 1..=u32::MAX)?,
            ),
            (PropertyTarget::Connect, "topic-alias-maximum") => set(
                &what,
                &mut self.topic_alias_maximum,
                number_in(&what, &value()?, 0..=u16::MAX)?,
            ),
            (PropertyTarget::Connect, "request-problem-information") => {
                let flag = number_in(&what, &value()?, 0..=1u8)? == 1;
                set(&what, &mut self.connect.request_problem_information, flag)
            }
            (PropertyTarget::Connect, "request-response-information") => {
                let flag = number_in(&what, &value()?, 0..=1u8)? == 1;
                set(&what, &mut self.connect.request_response_information, flag)
            }
            (PropertyTarget::Subscribe, "subscription-identifier") => {
                let id = number_in(&what, &value()?, 1..=SubscriptionId::MAX)?;
                let id = SubscriptionId::new(id)
                    .ok_or_else(|| UsageError::new(format!("{what}: {id} is out of range")))?;
                set(&what, &mut self.subscribe.subscription_identifier, id)
            }
            (PropertyTarget::Will, "will-delay-interval") => set(
                &what,
                &mut self.will.will_delay_interval,
                number_in(&what, &value()?, 0..=u32::MAX)?,
            ),
            (PropertyTarget::Publish | PropertyTarget::Will, _)
                if MESSAGE_PROPERTIES.contains(&name.as_str()) =>
            {
                self.message_property(target, &what, &name, value()?)
            }
            _ => Err(UsageError::new(format!(
                "-D {command}: no property {name:?} (see --help)"
            ))),
        }
    }

    fn user_properties(&mut self, target: PropertyTarget) -> &mut Vec<(ByteString, ByteString)> {
        match target {
            PropertyTarget::Connect => &mut self.connect.user_properties,
            PropertyTarget::Publish => &mut self.publish.user_properties,
            PropertyTarget::Subscribe => &mut self.subscribe.user_properties,
            PropertyTarget::Will => &mut self.will.user_properties,
        }
    }

    /// The properties a PUBLISH and a Will share.
    fn message_property(
        &mut self,
        target: PropertyTarget,
        what: &str,
        name: &str,
        value: String,
    ) -> Result<(), UsageError> {
        let (publish, will) = (&mut self.publish, &mut self.will);
        let is_will = target == PropertyTarget::Will;
        match name {
            "content-type" => pick(
                is_will,
                &mut publish.content_type,
                &mut will.content_type,
                what,
                value.into(),
            ),
            "correlation-data" => {
                let data = Bytes::from(value);
                pick(
                    is_will,
                    &mut publish.correlation_data,
                    &mut will.correlation_data,
                    what,
                    data,
                )
            }
            "response-topic" => {
                let topic = TopicName::try_from(value.as_str())
                    .map_err(|error| UsageError::new(format!("{what}: {error}")))?;
                pick(
                    is_will,
                    &mut publish.response_topic,
                    &mut will.response_topic,
                    what,
                    topic,
                )
            }
            "message-expiry-interval" => {
                let seconds = number_in(what, &value, 0..=u32::MAX)?;
                pick(
                    is_will,
                    &mut publish.message_expiry_interval,
                    &mut will.message_expiry_interval,
                    what,
                    seconds,
                )
            }
            "payload-format-indicator" => {
                let format = match number_in(what, &value, 0..=1u8)? {
                    0 => PayloadFormat::Unspecified,
                    _ => PayloadFormat::Utf8,
                };
                pick(
                    is_will,
                    &mut publish.payload_format_indicator,
                    &mut will.payload_format_indicator,
                    what,
                    format,
                )
            }
            _ => Err(UsageError::new(format!("{what}: not a message property"))),
        }
    }
}

/// Sets a property given once only.
fn set<T>(what: &str, slot: &mut Option<T>, value: T) -> Result<(), UsageError> {
    if slot.is_some() {
        return Err(UsageError::new(format!("{what} is given twice")));
    }
    *slot = Some(value);
    Ok(())
}

/// Sets the Will's or the PUBLISH's property.
fn pick<T>(
    is_will: bool,
    publish: &mut Option<T>,
    will: &mut Option<T>,
    what: &str,
    value: T,
) -> Result<(), UsageError> {
    set(what, if is_will { will } else { publish }, value)
}

fn names(targets: &[PropertyTarget]) -> String {
    let names: Vec<&str> = targets
        .iter()
        .map(|target| match target {
            PropertyTarget::Connect => "connect",
            PropertyTarget::Publish => "publish",
            PropertyTarget::Subscribe => "subscribe",
            PropertyTarget::Will => "will",
        })
        .collect();
    names.join(", ")
}
