//! Our packet -> the table luamqtt's parser gives for it.

use mqtt_kit_codec::bytestring::ByteString;
use mqtt_kit_codec::*;
use serde_json::{Map, Value, json};

fn text(bytes: &[u8]) -> Value {
    Value::String(String::from_utf8_lossy(bytes).into_owned())
}

/// luamqtt's view of user properties: names that appear more than once are listed as
/// `"1"`, `"2"`, ... pairs in wire order, and every name maps to its last value.
fn user_properties(pairs: &[(ByteString, ByteString)]) -> Value {
    let mut map = Map::new();
    let mut listed = 0;
    for (name, value) in pairs {
        if pairs.iter().filter(|(n, _)| n == name).count() > 1 {
            listed += 1;
            map.insert(listed.to_string(), json!([&**name, &**value]));
        }
    }
    for (name, value) in pairs {
        map.insert(name.to_string(), json!(&**value));
    }
    Value::Object(map)
}

/// Collects present properties under luamqtt's names.
#[derive(Default)]
struct Props(Map<String, Value>);

impl Props {
    fn put(&mut self, name: &str, value: Option<Value>) -> &mut Self {
        if let Some(value) = value {
            self.0.insert(name.to_owned(), value);
        }
        self
    }

    fn string(&mut self, name: &str, value: &Option<ByteString>) -> &mut Self {
        self.put(name, value.as_deref().map(|s| json!(s)))
    }

    fn bytes(&mut self, name: &str, value: &Option<mqtt_kit_codec::bytes::Bytes>) -> &mut Self {
        self.put(name, value.as_ref().map(|b| text(b)))
    }

    fn number(&mut self, name: &str, value: Option<u32>) -> &mut Self {
        self.put(name, value.map(|n| json!(n)))
    }

    fn flag(&mut self, name: &str, value: Option<bool>) -> &mut Self {
        self.put(name, value.map(|b| json!(u8::from(b))))
    }
}

/// Adds `properties` and `user_properties` to a v5 table.
fn with_properties(
    table: &mut Map<String, Value>,
    props: Props,
    users: &[(ByteString, ByteString)],
) {
    table.insert("properties".to_owned(), Value::Object(props.0));
    table.insert("user_properties".to_owned(), user_properties(users));
}

fn ack_props(p: &AckProperties) -> Props {
    let mut props = Props::default();
    props.string("reason_string", &p.reason_string);
    props
}

fn will(will: &Will, v5: bool) -> Value {
    let mut table = Map::new();
    table.insert("topic".to_owned(), json!(will.topic.as_str()));
    table.insert("payload".to_owned(), text(&will.payload));
    table.insert("qos".to_owned(), json!(will.qos.as_u8()));
    table.insert("retain".to_owned(), json!(will.retain));
    if v5 {
        let p = &will.properties;
        let mut props = Props::default();
        props
            .put(
                "payload_format_indicator",
                p.payload_format_indicator.map(|f| json!(f as u8)),
            )
            .number("message_expiry_interval", p.message_expiry_interval)
            .string("content_type", &p.content_type)
            .put(
                "response_topic",
                p.response_topic.as_ref().map(|t| json!(t.as_str())),
            )
            .bytes("correlation_data", &p.correlation_data)
            .number("will_delay_interval", p.will_delay_interval);
        with_properties(&mut table, props, &p.user_properties);
    }
    Value::Object(table)
}

/// The table luamqtt's parser gives for `packet` received with `version`.
pub fn fields_of(packet: &Packet, version: ProtocolVersion) -> Value {
    let v5 = version.is_v5();
    let mut table = Map::new();
    table.insert("type".to_owned(), json!(packet.packet_type() as u8));
    let mut props = Props::default();
    let mut users: &[(ByteString, ByteString)] = &[];
    let rc = |table: &mut Map<String, Value>, code: u8| {
        if v5 {
            table.insert("rc".to_owned(), json!(code));
        }
    };
    let packet_id = |table: &mut Map<String, Value>, id: PacketId| {
        table.insert("packet_id".to_owned(), json!(id.get()));
    };
    match packet {
        Packet::Connect(c) => {
            table.insert("version".to_owned(), json!(c.protocol.level()));
            table.insert("clean".to_owned(), json!(c.clean_start));
            table.insert("keep_alive".to_owned(), json!(c.keep_alive));
            table.insert("id".to_owned(), json!(&*c.client_id));
            if let Some(w) = &c.will {
                table.insert("will".to_owned(), will(w, c.protocol.is_v5()));
            }
            if let Some(username) = &c.username {
                table.insert("username".to_owned(), json!(&**username));
            }
            if let Some(password) = &c.password {
                table.insert("password".to_owned(), text(password));
            }
            let p = &c.properties;
            props
                .number("session_expiry_interval", p.session_expiry_interval)
                .string("authentication_method", &p.authentication_method)
                .bytes("authentication_data", &p.authentication_data)
                .flag("request_problem_information", p.request_problem_information)
                .flag(
                    "request_response_information",
                    p.request_response_information,
                )
                .number("receive_maximum", p.receive_maximum.map(|n| n.get().into()))
                .number("topic_alias_maximum", p.topic_alias_maximum.map(u32::from))
                .number(
                    "maximum_packet_size",
                    p.maximum_packet_size.map(|n| n.get()),
                );
            users = &p.user_properties;
            if !c.protocol.is_v5() {
                return Value::Object(table);
            }
        }
        Packet::ConnAck(c) => {
            table.insert("sp".to_owned(), json!(c.session_present));
            let code = if v5 {
                c.code.code()
            } else {
                c.code.to_v3().unwrap_or(u8::MAX)
            };
            table.insert("rc".to_owned(), json!(code));
            let p = &c.properties;
            props
                .number("session_expiry_interval", p.session_expiry_interval)
                .string("assigned_client_identifier", &p.assigned_client_identifier)
                .number("server_keep_alive", p.server_keep_alive.map(u32::from))
                .string("authentication_method", &p.authentication_method)
                .bytes("authentication_data", &p.authentication_data)
                .string("response_information", &p.response_information)
                .string("server_reference", &p.server_reference)
                .string("reason_string", &p.reason_string)
                .number("receive_maximum", p.receive_maximum.map(|n| n.get().into()))
                .number("topic_alias_maximum", p.topic_alias_maximum.map(u32::from))
                .number("maximum_qos", p.maximum_qos.map(|q| q.as_u8().into()))
                .flag("retain_available", p.retain_available)
                .number(
                    "maximum_packet_size",
                    p.maximum_packet_size.map(|n| n.get()),
                )
                .flag(
                    "wildcard_subscription_available",
                    p.wildcard_subscription_available,
                )
                .flag(
                    "subscription_identifiers_available",
                    p.subscription_identifiers_available,
                )
                .flag(
                    "shared_subscription_available",
                    p.shared_subscription_available,
                );
            users = &p.user_properties;
        }
        Packet::Publish(p) => {
            table.insert("dup".to_owned(), json!(p.dup));
            table.insert("qos".to_owned(), json!(p.qos.as_u8()));
            table.insert("retain".to_owned(), json!(p.retain));
            table.insert("topic".to_owned(), json!(p.topic.as_str()));
            if let Some(id) = p.packet_id {
                packet_id(&mut table, id);
            }
            if !p.payload.is_empty() {
                table.insert("payload".to_owned(), text(&p.payload));
            }
            let q = &p.properties;
            let ids: Vec<u32> = q
                .subscription_identifiers
                .iter()
                .map(|id| id.get())
                .collect();
            props
                .put(
                    "payload_format_indicator",
                    q.payload_format_indicator.map(|f| json!(f as u8)),
                )
                .number("message_expiry_interval", q.message_expiry_interval)
                .string("content_type", &q.content_type)
                .put(
                    "response_topic",
                    q.response_topic.as_ref().map(|t| json!(t.as_str())),
                )
                .bytes("correlation_data", &q.correlation_data)
                .put(
                    "subscription_identifiers",
                    (!ids.is_empty()).then(|| json!(ids)),
                )
                .number("topic_alias", q.topic_alias.map(|n| n.get().into()));
            users = &q.user_properties;
        }
        Packet::PubAck(a) => {
            packet_id(&mut table, a.packet_id);
            rc(&mut table, a.code.code());
            props = ack_props(&a.properties);
            users = &a.properties.user_properties;
        }
        Packet::PubRec(a) => {
            packet_id(&mut table, a.packet_id);
            rc(&mut table, a.code.code());
            props = ack_props(&a.properties);
            users = &a.properties.user_properties;
        }
        Packet::PubRel(a) => {
            packet_id(&mut table, a.packet_id);
            rc(&mut table, a.code.code());
            props = ack_props(&a.properties);
            users = &a.properties.user_properties;
        }
        Packet::PubComp(a) => {
            packet_id(&mut table, a.packet_id);
            rc(&mut table, a.code.code());
            props = ack_props(&a.properties);
            users = &a.properties.user_properties;
        }
        Packet::Subscribe(s) => {
            packet_id(&mut table, s.packet_id);
            let subscriptions: Vec<Value> = s
                .filters
                .iter()
                .map(|(filter, o)| {
                    if v5 {
                        json!({
                            "topic": filter.as_str(),
                            "qos": o.qos.as_u8(),
                            "no_local": o.no_local,
                            "retain_as_published": o.retain_as_published,
                            "retain_handling": o.retain_handling as u8,
                        })
                    } else {
                        json!({ "topic": filter.as_str(), "qos": o.qos.as_u8() })
                    }
                })
                .collect();
            table.insert("subscriptions".to_owned(), json!(subscriptions));
            props.put(
                "subscription_identifiers",
                s.properties
                    .subscription_identifier
                    .map(|id| json!([id.get()])),
            );
            users = &s.properties.user_properties;
        }
        Packet::SubAck(s) => {
            packet_id(&mut table, s.packet_id);
            let codes: Vec<u8> = s.codes.iter().map(|c| c.code()).collect();
            table.insert("rc".to_owned(), json!(codes));
            props = ack_props(&s.properties);
            users = &s.properties.user_properties;
        }
        Packet::Unsubscribe(u) => {
            packet_id(&mut table, u.packet_id);
            let filters: Vec<&str> = u.filters.iter().map(TopicFilter::as_str).collect();
            table.insert("subscriptions".to_owned(), json!(filters));
            users = &u.properties.user_properties;
        }
        Packet::UnsubAck(u) => {
            packet_id(&mut table, u.packet_id);
            if v5 {
                let codes: Vec<u8> = u.codes.iter().map(|c| c.code()).collect();
                table.insert("rc".to_owned(), json!(codes));
            }
            props = ack_props(&u.properties);
            users = &u.properties.user_properties;
        }
        Packet::PingReq | Packet::PingResp => {}
        Packet::Disconnect(d) => {
            rc(&mut table, d.code.code());
            let p = &d.properties;
            props
                .number("session_expiry_interval", p.session_expiry_interval)
                .string("server_reference", &p.server_reference)
                .string("reason_string", &p.reason_string);
            users = &p.user_properties;
        }
        Packet::Auth(a) => {
            rc(&mut table, a.code.code());
            let p = &a.properties;
            props
                .string("authentication_method", &p.authentication_method)
                .bytes("authentication_data", &p.authentication_data)
                .string("reason_string", &p.reason_string);
            users = &p.user_properties;
        }
    }
    if v5 {
        with_properties(&mut table, props, users);
    }
    Value::Object(table)
}
