//! luamqtt `fields` -> our packet types.

use core::num::{NonZeroU16, NonZeroU32};
use mqtt_kit_codec::bytes::Bytes;
use mqtt_kit_codec::bytestring::ByteString;
use mqtt_kit_codec::*;
use serde_json::{Map, Value};

/// Why a table gives no packet.
#[derive(Debug)]
pub enum BuildError {
    /// The table has a shape our types cannot hold (a field missing or of the wrong kind).
    Shape(String),
    /// Our types refuse a value (QoS 3, packet identifier 0, unknown reason code, bad topic).
    Refused(String),
}

type Result<T> = core::result::Result<T, BuildError>;

fn shape(what: impl Into<String>) -> BuildError {
    BuildError::Shape(what.into())
}

fn refused(what: impl core::fmt::Display) -> BuildError {
    BuildError::Refused(what.to_string())
}

fn field<'a>(table: &'a Value, name: &str) -> Option<&'a Value> {
    table.get(name).filter(|v| !v.is_null())
}

fn number(table: &Value, name: &str) -> Result<Option<u64>> {
    field(table, name)
        .map(|v| {
            v.as_u64()
                .ok_or_else(|| shape(format!("{name} is not a number")))
        })
        .transpose()
}

fn flag(table: &Value, name: &str) -> Result<bool> {
    field(table, name)
        .map(|v| {
            v.as_bool()
                .ok_or_else(|| shape(format!("{name} is not a boolean")))
        })
        .transpose()
        .map(|b| b.unwrap_or(false))
}

fn string(table: &Value, name: &str) -> Result<Option<ByteString>> {
    field(table, name)
        .map(|v| {
            v.as_str()
                .map(ByteString::from)
                .ok_or_else(|| shape(format!("{name} is not a string")))
        })
        .transpose()
}

fn packet_id(table: &Value) -> Result<PacketId> {
    let id = number(table, "packet_id")?.ok_or_else(|| shape("packet_id is missing"))?;
    let id =
        u16::try_from(id).map_err(|_| refused(format!("packet_id {id} is not a 16-bit number")))?;
    PacketId::try_from(id).map_err(refused)
}

fn qos(table: &Value, name: &str) -> Result<QoS> {
    let value = number(table, name)?.unwrap_or(0);
    QoS::try_from(u8::try_from(value).unwrap_or(u8::MAX)).map_err(refused)
}

fn code<T: TryFrom<u8, Error = UnknownReasonCode>>(value: u64) -> Result<T> {
    T::try_from(u8::try_from(value).map_err(|_| refused("reason code over 255"))?).map_err(refused)
}

fn rc<T: TryFrom<u8, Error = UnknownReasonCode>>(table: &Value) -> Result<T> {
    code(number(table, "rc")?.unwrap_or(0))
}

fn rc_list<T: TryFrom<u8, Error = UnknownReasonCode>>(table: &Value) -> Result<Vec<T>> {
    let Some(list) = field(table, "rc") else {
        return Ok(Vec::new());
    };
    let list = list.as_array().ok_or_else(|| shape("rc is not a list"))?;
    list.iter()
        .map(|v| code(v.as_u64().ok_or_else(|| shape("rc item is not a number"))?))
        .collect()
}

fn topic_name(value: &str) -> Result<TopicName> {
    TopicName::try_from(value).map_err(refused)
}

fn topic_filter(value: &str) -> Result<TopicFilter> {
    TopicFilter::try_from(value).map_err(refused)
}

/// luamqtt's user properties: a JSON list of pairs, or a table whose `"1"`, `"2"`, ... items
/// are pairs (in that order) and whose named items come after, by name, unless the list
/// already has that name (the named items are then a view of the list).
fn user_properties(table: &Value) -> Result<Vec<(ByteString, ByteString)>> {
    let Some(value) = field(table, "user_properties") else {
        return Ok(Vec::new());
    };
    let pair = |v: &Value| -> Result<(ByteString, ByteString)> {
        match v.as_array().map(Vec::as_slice) {
            Some([Value::String(name), Value::String(value)]) => {
                Ok((name.as_str().into(), value.as_str().into()))
            }
            _ => Err(shape("user property is not a [name, value] pair")),
        }
    };
    if let Some(list) = value.as_array() {
        return list.iter().map(pair).collect();
    }
    let map = value
        .as_object()
        .ok_or_else(|| shape("user_properties is not a table"))?;
    let mut listed: Vec<(usize, (ByteString, ByteString))> = Vec::new();
    for (key, item) in map {
        if let Ok(index) = key.parse::<usize>() {
            listed.push((index, pair(item)?));
        }
    }
    listed.sort_by_key(|(index, _)| *index);
    let mut pairs: Vec<(ByteString, ByteString)> = listed.into_iter().map(|(_, p)| p).collect();
    let mut named: Vec<(&String, &Value)> = map
        .iter()
        .filter(|(k, _)| k.parse::<usize>().is_err())
        .collect();
    named.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    for (name, value) in named {
        if pairs.iter().any(|(n, _)| n == name.as_str()) {
            continue;
        }
        let value = value
            .as_str()
            .ok_or_else(|| shape("user property value is not a string"))?;
        pairs.push((name.as_str().into(), value.into()));
    }
    Ok(pairs)
}

/// The `properties` table (empty if absent).
fn properties(table: &Value) -> Result<Map<String, Value>> {
    match field(table, "properties") {
        None => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(_) => Err(shape("properties is not a table")),
    }
}

/// Reads the properties a struct knows, and refuses any other.
struct Props {
    map: Map<String, Value>,
}

impl Props {
    fn take(&mut self, name: &str) -> Option<Value> {
        self.map.remove(name)
    }

    fn u32(&mut self, name: &str) -> Result<Option<u32>> {
        self.take(name)
            .map(|v| {
                v.as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| shape(name))
            })
            .transpose()
    }

    fn u16(&mut self, name: &str) -> Result<Option<u16>> {
        Ok(self
            .u32(name)?
            .map(|n| u16::try_from(n).unwrap_or(u16::MAX)))
    }

    fn non_zero_u16(&mut self, name: &str) -> Result<Option<NonZeroU16>> {
        self.u16(name)?
            .map(|n| NonZeroU16::new(n).ok_or_else(|| refused(format!("{name} 0"))))
            .transpose()
    }

    fn non_zero_u32(&mut self, name: &str) -> Result<Option<NonZeroU32>> {
        self.u32(name)?
            .map(|n| NonZeroU32::new(n).ok_or_else(|| refused(format!("{name} 0"))))
            .transpose()
    }

    fn flag(&mut self, name: &str) -> Result<Option<bool>> {
        self.u32(name)?
            .map(|n| match n {
                0 => Ok(false),
                1 => Ok(true),
                _ => Err(refused(format!("{name} {n}"))),
            })
            .transpose()
    }

    fn string(&mut self, name: &str) -> Result<Option<ByteString>> {
        self.take(name)
            .map(|v| v.as_str().map(ByteString::from).ok_or_else(|| shape(name)))
            .transpose()
    }

    fn bytes(&mut self, name: &str) -> Result<Option<Bytes>> {
        Ok(self.string(name)?.map(ByteString::into_bytes))
    }

    fn topic(&mut self, name: &str) -> Result<Option<TopicName>> {
        self.string(name)?.map(|t| topic_name(&t)).transpose()
    }

    fn payload_format(&mut self) -> Result<Option<PayloadFormat>> {
        self.flag("payload_format_indicator").map(|f| {
            f.map(|utf8| {
                if utf8 {
                    PayloadFormat::Utf8
                } else {
                    PayloadFormat::Unspecified
                }
            })
        })
    }

    fn subscription_ids(&mut self) -> Result<Vec<SubscriptionId>> {
        let Some(list) = self.take("subscription_identifiers") else {
            return Ok(Vec::new());
        };
        let list = list
            .as_array()
            .ok_or_else(|| shape("subscription_identifiers"))?
            .clone();
        list.iter()
            .map(|v| {
                let n = v.as_u64().ok_or_else(|| shape("subscription identifier"))?;
                SubscriptionId::new(u32::try_from(n).unwrap_or(0))
                    .ok_or_else(|| refused(format!("subscription identifier {n}")))
            })
            .collect()
    }

    /// Fails if a property was not taken: our struct for this packet does not have it.
    fn done(self) -> Result<()> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(name) => Err(refused(format!("property {name} not allowed here"))),
        }
    }
}

fn props(table: &Value) -> Result<Props> {
    Ok(Props {
        map: properties(table)?,
    })
}

fn ack_properties(table: &Value) -> Result<AckProperties> {
    let mut p = props(table)?;
    let properties = AckProperties {
        reason_string: p.string("reason_string")?,
        user_properties: user_properties(table)?,
    };
    p.done()?;
    Ok(properties)
}

fn will(table: &Value) -> Result<Will> {
    let mut p = props(table)?;
    let properties = WillProperties {
        payload_format_indicator: p.payload_format()?,
        message_expiry_interval: p.u32("message_expiry_interval")?,
        content_type: p.string("content_type")?,
        response_topic: p.topic("response_topic")?,
        correlation_data: p.bytes("correlation_data")?,
        will_delay_interval: p.u32("will_delay_interval")?,
        user_properties: user_properties(table)?,
    };
    p.done()?;
    let topic = string(table, "topic")?.ok_or_else(|| shape("will topic is missing"))?;
    Ok(Will {
        topic: topic_name(&topic)?,
        payload: string(table, "payload")?.unwrap_or_default().into_bytes(),
        qos: qos(table, "qos")?,
        retain: flag(table, "retain")?,
        properties,
    })
}

fn connect(table: &Value, version: ProtocolVersion) -> Result<Connect> {
    let protocol = match number(table, "version")? {
        None => version,
        Some(level) => ProtocolVersion::from_level(u8::try_from(level).unwrap_or(0))
            .ok_or_else(|| refused("level"))?,
    };
    let mut p = props(table)?;
    let properties = ConnectProperties {
        session_expiry_interval: p.u32("session_expiry_interval")?,
        authentication_method: p.string("authentication_method")?,
        authentication_data: p.bytes("authentication_data")?,
        request_problem_information: p.flag("request_problem_information")?,
        request_response_information: p.flag("request_response_information")?,
        receive_maximum: p.non_zero_u16("receive_maximum")?,
        topic_alias_maximum: p.u16("topic_alias_maximum")?,
        maximum_packet_size: p.non_zero_u32("maximum_packet_size")?,
        user_properties: user_properties(table)?,
    };
    p.done()?;
    Ok(Connect {
        protocol,
        clean_start: flag(table, "clean")?,
        keep_alive: number(table, "keep_alive")?
            .map_or(0, |k| u16::try_from(k).unwrap_or(u16::MAX)),
        client_id: string(table, "id")?.ok_or_else(|| shape("id is missing"))?,
        will: field(table, "will").map(will).transpose()?,
        username: string(table, "username")?,
        password: string(table, "password")?.map(ByteString::into_bytes),
        properties,
    })
}

fn connack(table: &Value, version: ProtocolVersion) -> Result<ConnAck> {
    let raw = number(table, "rc")?.unwrap_or(0);
    let code = if version.is_v5() {
        code(raw)?
    } else {
        ConnectReasonCode::from_v3(u8::try_from(raw).unwrap_or(u8::MAX))
            .ok_or_else(|| refused(format!("{raw} is not a 3.1.1 CONNACK return code")))?
    };
    let mut p = props(table)?;
    let properties = ConnAckProperties {
        session_expiry_interval: p.u32("session_expiry_interval")?,
        assigned_client_identifier: p.string("assigned_client_identifier")?,
        server_keep_alive: p.u16("server_keep_alive")?,
        authentication_method: p.string("authentication_method")?,
        authentication_data: p.bytes("authentication_data")?,
        response_information: p.string("response_information")?,
        server_reference: p.string("server_reference")?,
        reason_string: p.string("reason_string")?,
        receive_maximum: p.non_zero_u16("receive_maximum")?,
        topic_alias_maximum: p.u16("topic_alias_maximum")?,
        maximum_qos: p
            .u32("maximum_qos")?
            .map(|q| QoS::try_from(u8::try_from(q).unwrap_or(u8::MAX)).map_err(refused))
            .transpose()?,
        retain_available: p.flag("retain_available")?,
        maximum_packet_size: p.non_zero_u32("maximum_packet_size")?,
        wildcard_subscription_available: p.flag("wildcard_subscription_available")?,
        subscription_identifiers_available: p.flag("subscription_identifiers_available")?,
        shared_subscription_available: p.flag("shared_subscription_available")?,
        user_properties: user_properties(table)?,
    };
    p.done()?;
    Ok(ConnAck {
        session_present: flag(table, "sp")?,
        code,
        properties,
    })
}

fn publish(table: &Value) -> Result<Publish> {
    let mut p = props(table)?;
    let properties = PublishProperties {
        payload_format_indicator: p.payload_format()?,
        message_expiry_interval: p.u32("message_expiry_interval")?,
        content_type: p.string("content_type")?,
        response_topic: p.topic("response_topic")?,
        correlation_data: p.bytes("correlation_data")?,
        subscription_identifiers: p.subscription_ids()?,
        topic_alias: p.non_zero_u16("topic_alias")?,
        user_properties: user_properties(table)?,
    };
    p.done()?;
    let topic = string(table, "topic")?.ok_or_else(|| shape("topic is missing"))?;
    Ok(Publish {
        dup: flag(table, "dup")?,
        qos: qos(table, "qos")?,
        retain: flag(table, "retain")?,
        topic: topic_name(&topic)?,
        packet_id: field(table, "packet_id")
            .map(|_| packet_id(table))
            .transpose()?,
        payload: string(table, "payload")?.unwrap_or_default().into_bytes(),
        properties,
    })
}

fn subscription(item: &Value, index: usize) -> Result<(TopicFilter, SubscriptionOptions)> {
    if !item.is_object() {
        return Err(shape(format!("subscriptions[{index}] is not a table")));
    }
    let topic = string(item, "topic")?
        .ok_or_else(|| shape(format!("subscriptions[{index}].topic is missing")))?;
    let retain_handling = match number(item, "retain_handling")?.unwrap_or(0) {
        0 => RetainHandling::SendAtSubscribe,
        1 => RetainHandling::SendAtSubscribeIfNew,
        2 => RetainHandling::DoNotSend,
        other => return Err(refused(format!("retain handling {other}"))),
    };
    let options = SubscriptionOptions {
        qos: qos(item, "qos")?,
        no_local: flag(item, "no_local")?,
        retain_as_published: flag(item, "retain_as_published")?,
        retain_handling,
    };
    Ok((topic_filter(&topic)?, options))
}

fn subscriptions(table: &Value) -> Result<&Vec<Value>> {
    field(table, "subscriptions")
        .ok_or_else(|| shape("subscriptions is missing"))?
        .as_array()
        .ok_or_else(|| shape("subscriptions is not a list"))
}

fn subscribe(table: &Value) -> Result<Subscribe> {
    let packet_id = packet_id(table)?;
    let mut p = props(table)?;
    let ids = p.subscription_ids()?;
    if ids.len() > 1 {
        return Err(refused(
            "SUBSCRIBE carries one subscription identifier at most",
        ));
    }
    let properties = SubscribeProperties {
        subscription_identifier: ids.first().copied(),
        user_properties: user_properties(table)?,
    };
    p.done()?;
    let filters = subscriptions(table)?
        .iter()
        .enumerate()
        .map(|(i, item)| subscription(item, i + 1))
        .collect::<Result<_>>()?;
    Ok(Subscribe {
        packet_id,
        filters,
        properties,
    })
}

fn unsubscribe(table: &Value) -> Result<Unsubscribe> {
    let packet_id = packet_id(table)?;
    let p = props(table)?;
    let properties = UnsubscribeProperties {
        user_properties: user_properties(table)?,
    };
    p.done()?;
    let filters = subscriptions(table)?
        .iter()
        .map(|v| topic_filter(v.as_str().ok_or_else(|| shape("filter is not a string"))?))
        .collect::<Result<_>>()?;
    Ok(Unsubscribe {
        packet_id,
        filters,
        properties,
    })
}

fn disconnect(table: &Value) -> Result<Disconnect> {
    let mut p = props(table)?;
    let properties = DisconnectProperties {
        session_expiry_interval: p.u32("session_expiry_interval")?,
        server_reference: p.string("server_reference")?,
        reason_string: p.string("reason_string")?,
        user_properties: user_properties(table)?,
    };
    p.done()?;
    Ok(Disconnect {
        code: rc(table)?,
        properties,
    })
}

fn auth(table: &Value) -> Result<Auth> {
    let mut p = props(table)?;
    let properties = AuthProperties {
        authentication_method: p.string("authentication_method")?,
        authentication_data: p.bytes("authentication_data")?,
        reason_string: p.string("reason_string")?,
        user_properties: user_properties(table)?,
    };
    p.done()?;
    Ok(Auth {
        code: rc(table)?,
        properties,
    })
}

/// Builds our packet from a luamqtt table for `version`.
pub fn build(table: &Value, version: ProtocolVersion) -> Result<Packet> {
    let packet_type = number(table, "type")?.ok_or_else(|| shape("type is missing"))?;
    Ok(match packet_type {
        1 => connect(table, version)?.into(),
        2 => connack(table, version)?.into(),
        3 => publish(table)?.into(),
        4 => PubAck {
            packet_id: packet_id(table)?,
            code: rc(table)?,
            properties: ack_properties(table)?,
        }
        .into(),
        5 => PubRec {
            packet_id: packet_id(table)?,
            code: rc(table)?,
            properties: ack_properties(table)?,
        }
        .into(),
        6 => PubRel {
            packet_id: packet_id(table)?,
            code: rc(table)?,
            properties: ack_properties(table)?,
        }
        .into(),
        7 => PubComp {
            packet_id: packet_id(table)?,
            code: rc(table)?,
            properties: ack_properties(table)?,
        }
        .into(),
        8 => subscribe(table)?.into(),
        9 => SubAck {
            packet_id: packet_id(table)?,
            codes: rc_list(table)?,
            properties: ack_properties(table)?,
        }
        .into(),
        10 => unsubscribe(table)?.into(),
        11 => UnsubAck {
            packet_id: packet_id(table)?,
            codes: rc_list(table)?,
            properties: ack_properties(table)?,
        }
        .into(),
        12 => Packet::PingReq,
        13 => Packet::PingResp,
        14 => disconnect(table)?.into(),
        15 => auth(table)?.into(),
        other => return Err(shape(format!("type {other}"))),
    })
}
