//! Property tests: every valid packet of every type and version survives encode then decode,
//! arbitrary bytes never panic the decoder, and the size limit holds before the body arrives.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use core::num::{NonZeroU16, NonZeroU32};
use mqtt_kit_codec::bytes::{Bytes, BytesMut};
use mqtt_kit_codec::bytestring::ByteString;
use mqtt_kit_codec::*;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

fn version() -> impl Strategy<Value = ProtocolVersion> {
    prop_oneof![
        Just(ProtocolVersion::V3_1),
        Just(ProtocolVersion::V3_1_1),
        Just(ProtocolVersion::V5)
    ]
}

fn text() -> impl Strategy<Value = ByteString> {
    "[a-zA-Z0-9 _.éü€-]{0,12}".prop_map(ByteString::from)
}

fn binary() -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..24).prop_map(Bytes::from)
}

fn qos() -> impl Strategy<Value = QoS> {
    prop_oneof![
        Just(QoS::AtMostOnce),
        Just(QoS::AtLeastOnce),
        Just(QoS::ExactlyOnce)
    ]
}

fn packet_id() -> impl Strategy<Value = PacketId> {
    (1..=u16::MAX).prop_map(|id| PacketId::new(id).unwrap())
}

fn topic_name() -> impl Strategy<Value = TopicName> {
    "\\$?[a-z0-9 ]{1,6}(/[a-z0-9é]{0,6}){0,3}".prop_map(|t| TopicName::try_from(t).unwrap())
}

fn topic_filter() -> impl Strategy<Value = TopicFilter> {
    let level = prop_oneof![3 => "[a-z0-9]{0,5}", 1 => Just("+".to_owned())];
    (option::of("[a-z]{1,5}"), vec(level, 1..4), any::<bool>()).prop_map(|(group, levels, hash)| {
        let mut filter = levels.join("/");
        if filter.is_empty() {
            filter.push('x');
        }
        if hash {
            filter.push_str("/#");
        }
        if let Some(group) = group {
            filter = format!("$share/{group}/{filter}");
        }
        TopicFilter::try_from(filter).unwrap()
    })
}

fn user_properties() -> impl Strategy<Value = Vec<(ByteString, ByteString)>> {
    vec((text(), text()), 0..3)
}

fn flag() -> impl Strategy<Value = Option<bool>> {
    option::of(any::<bool>())
}

fn non_zero_u16() -> impl Strategy<Value = Option<NonZeroU16>> {
    option::of((1..=u16::MAX).prop_map(|n| NonZeroU16::new(n).unwrap()))
}

fn subscription_id() -> impl Strategy<Value = SubscriptionId> {
    prop_oneof![1..128u32, 1..=SubscriptionId::MAX].prop_map(|n| SubscriptionId::new(n).unwrap())
}

fn payload_format() -> impl Strategy<Value = Option<PayloadFormat>> {
    option::of(prop_oneof![
        Just(PayloadFormat::Unspecified),
        Just(PayloadFormat::Utf8)
    ])
}

fn ack_properties(v5: bool) -> BoxedStrategy<AckProperties> {
    if !v5 {
        return Just(AckProperties::default()).boxed();
    }
    (option::of(text()), user_properties())
        .prop_map(|(reason_string, user_properties)| AckProperties {
            reason_string,
            user_properties,
        })
        .boxed()
}

fn code_of<T: Copy + core::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    proptest::sample::select(all)
}

fn will(v5: bool) -> impl Strategy<Value = Will> {
    let properties = (
        payload_format(),
        option::of(any::<u32>()),
        option::of(text()),
        option::of(topic_name()),
        option::of(binary()),
        option::of(any::<u32>()),
        user_properties(),
    )
        .prop_map(
            move |(pf, expiry, content_type, response_topic, correlation, delay, users)| {
                if !v5 {
                    return WillProperties::default();
                }
                WillProperties {
                    payload_format_indicator: pf,
                    message_expiry_interval: expiry,
                    content_type,
                    response_topic,
                    correlation_data: correlation,
                    will_delay_interval: delay,
                    user_properties: users,
                }
            },
        );
    (topic_name(), binary(), qos(), any::<bool>(), properties).prop_map(
        |(topic, payload, qos, retain, properties)| Will {
            topic,
            payload,
            qos,
            retain,
            properties,
        },
    )
}

fn connect(version: ProtocolVersion) -> impl Strategy<Value = Packet> {
    let v5 = version.is_v5();
    let properties = (
        option::of(any::<u32>()),
        option::of((text(), option::of(binary()))),
        flag(),
        flag(),
        non_zero_u16(),
        option::of(any::<u16>()),
        option::of((1..=u32::MAX).prop_map(|n| NonZeroU32::new(n).unwrap())),
        user_properties(),
    )
        .prop_map(
            move |(expiry, auth, problem, response, receive, alias_max, max_size, users)| {
                if !v5 {
                    return ConnectProperties::default();
                }
                ConnectProperties {
                    session_expiry_interval: expiry,
                    authentication_method: auth.as_ref().map(|(m, _)| m.clone()),
                    authentication_data: auth.and_then(|(_, d)| d),
                    request_problem_information: problem,
                    request_response_information: response,
                    receive_maximum: receive,
                    topic_alias_maximum: alias_max,
                    maximum_packet_size: max_size,
                    user_properties: users,
                }
            },
        );
    (
        any::<bool>(),
        any::<u16>(),
        text(),
        option::of(will(v5)),
        option::of(text()),
        option::of(binary()),
        properties,
    )
        .prop_map(
            move |(clean_start, keep_alive, client_id, will, username, password, properties)| {
                // 3.x: no password without user name; 3.1.1: no empty id without clean session.
                let password = if v5 || username.is_some() {
                    password
                } else {
                    None
                };
                let clean_start =
                    clean_start || (version == ProtocolVersion::V3_1_1 && client_id.is_empty());
                Packet::from(Connect {
                    protocol: version,
                    clean_start,
                    keep_alive,
                    client_id,
                    will,
                    username,
                    password,
                    properties,
                })
            },
        )
}

fn connack(version: ProtocolVersion) -> BoxedStrategy<Packet> {
    let v5 = version.is_v5();
    let code = if v5 {
        code_of(ConnectReasonCode::ALL).boxed()
    } else {
        (0..=5u8)
            .prop_map(|c| ConnectReasonCode::from_v3(c).unwrap())
            .boxed()
    };
    let properties = (
        (
            option::of(any::<u32>()),
            option::of(text()),
            option::of(any::<u16>()),
            option::of(text()),
            option::of(binary()),
        ),
        (
            option::of(text()),
            option::of(text()),
            option::of(text()),
            non_zero_u16(),
            option::of(any::<u16>()),
        ),
        (
            option::of(prop_oneof![Just(QoS::AtMostOnce), Just(QoS::AtLeastOnce)]),
            flag(),
            option::of((1..=u32::MAX).prop_map(|n| NonZeroU32::new(n).unwrap())),
            flag(),
            flag(),
            flag(),
        ),
        user_properties(),
    )
        .prop_map(
            move |(
                (expiry, assigned, keep_alive, method, data),
                (info, reference, reason, receive, alias_max),
                (max_qos, retain, max_size, wildcard, ids, shared),
                users,
            )| {
                if !v5 {
                    return ConnAckProperties::default();
                }
                ConnAckProperties {
                    session_expiry_interval: expiry,
                    assigned_client_identifier: assigned,
                    server_keep_alive: keep_alive,
                    authentication_method: method,
                    authentication_data: data,
                    response_information: info,
                    server_reference: reference,
                    reason_string: reason,
                    receive_maximum: receive,
                    topic_alias_maximum: alias_max,
                    maximum_qos: max_qos,
                    retain_available: retain,
                    maximum_packet_size: max_size,
                    wildcard_subscription_available: wildcard,
                    subscription_identifiers_available: ids,
                    shared_subscription_available: shared,
                    user_properties: users,
                }
            },
        );
    (any::<bool>(), code, properties)
        .prop_map(move |(present, code, properties)| {
            let session_present =
                present && code == ConnectReasonCode::Success && version != ProtocolVersion::V3_1;
            Packet::ConnAck(ConnAck {
                session_present,
                code,
                properties,
            })
        })
        .boxed()
}

fn publish(version: ProtocolVersion) -> impl Strategy<Value = Packet> {
    let v5 = version.is_v5();
    let properties = (
        payload_format(),
        option::of(any::<u32>()),
        option::of(text()),
        option::of(topic_name()),
        option::of(binary()),
        vec(subscription_id(), 0..3),
        non_zero_u16(),
        user_properties(),
    )
        .prop_map(
            move |(pf, expiry, content_type, response_topic, correlation, ids, alias, users)| {
                if !v5 {
                    return PublishProperties::default();
                }
                PublishProperties {
                    payload_format_indicator: pf,
                    message_expiry_interval: expiry,
                    content_type,
                    response_topic,
                    correlation_data: correlation,
                    subscription_identifiers: ids,
                    topic_alias: alias,
                    user_properties: users,
                }
            },
        );
    (
        qos(),
        any::<bool>(),
        any::<bool>(),
        topic_name(),
        any::<bool>(),
        packet_id(),
        binary(),
        properties,
    )
        .prop_map(
            |(qos, dup, retain, topic, aliased, id, payload, properties)| {
                let topic = if aliased && properties.topic_alias.is_some() {
                    TopicName::empty()
                } else {
                    topic
                };
                let with_id = qos != QoS::AtMostOnce;
                Packet::Publish(Publish {
                    dup: dup && with_id,
                    qos,
                    retain,
                    topic,
                    packet_id: with_id.then_some(id),
                    payload,
                    properties,
                })
            },
        )
}

fn acks(version: ProtocolVersion) -> BoxedStrategy<Packet> {
    let v5 = version.is_v5();
    let props = move || ack_properties(v5);
    let pick = |v5: bool, i: usize| if v5 { i } else { 0 };
    prop_oneof![
        (packet_id(), 0..PubAckReasonCode::ALL.len(), props()).prop_map(
            move |(packet_id, i, properties)| PubAck {
                packet_id,
                code: PubAckReasonCode::ALL[pick(v5, i)],
                properties
            }
            .into()
        ),
        (packet_id(), 0..PubRecReasonCode::ALL.len(), props()).prop_map(
            move |(packet_id, i, properties)| PubRec {
                packet_id,
                code: PubRecReasonCode::ALL[pick(v5, i)],
                properties
            }
            .into()
        ),
        (packet_id(), 0..PubRelReasonCode::ALL.len(), props()).prop_map(
            move |(packet_id, i, properties)| PubRel {
                packet_id,
                code: PubRelReasonCode::ALL[pick(v5, i)],
                properties
            }
            .into()
        ),
        (packet_id(), 0..PubCompReasonCode::ALL.len(), props()).prop_map(
            move |(packet_id, i, properties)| PubComp {
                packet_id,
                code: PubCompReasonCode::ALL[pick(v5, i)],
                properties
            }
            .into()
        ),
    ]
    .boxed()
}

fn subscriptions(version: ProtocolVersion) -> BoxedStrategy<Packet> {
    let v5 = version.is_v5();
    let options =
        (qos(), any::<bool>(), any::<bool>(), 0..3u8).prop_map(move |(qos, no_local, rap, rh)| {
            if !v5 {
                return SubscriptionOptions::new(qos);
            }
            let retain_handling = [
                RetainHandling::SendAtSubscribe,
                RetainHandling::SendAtSubscribeIfNew,
                RetainHandling::DoNotSend,
            ][usize::from(rh)];
            SubscriptionOptions {
                qos,
                no_local,
                retain_as_published: rap,
                retain_handling,
            }
        });
    let subscribe_properties =
        (option::of(subscription_id()), user_properties()).prop_map(move |(id, users)| {
            if !v5 {
                return SubscribeProperties::default();
            }
            SubscribeProperties {
                subscription_identifier: id,
                user_properties: users,
            }
        });
    let unsubscribe_properties = user_properties().prop_map(move |users| UnsubscribeProperties {
        user_properties: if v5 { users } else { Vec::new() },
    });
    let suback_codes = if v5 {
        vec(code_of(SubscribeReasonCode::ALL), 1..5).boxed()
    } else {
        vec(code_of(&SubscribeReasonCode::ALL[..4]), 1..5).boxed()
    };
    let unsuback_codes = if v5 {
        vec(code_of(UnsubAckReasonCode::ALL), 1..5).boxed()
    } else {
        Just(Vec::new()).boxed()
    };
    prop_oneof![
        (
            packet_id(),
            vec((topic_filter(), options), 1..5),
            subscribe_properties
        )
            .prop_map(|(packet_id, filters, properties)| {
                let filters = filters
                    .into_iter()
                    .map(|(filter, mut options)| {
                        options.no_local &= !filter.is_shared();
                        (filter, options)
                    })
                    .collect();
                Subscribe {
                    packet_id,
                    filters,
                    properties,
                }
                .into()
            }),
        (packet_id(), suback_codes, ack_properties(v5)).prop_map(
            |(packet_id, codes, properties)| SubAck {
                packet_id,
                codes,
                properties
            }
            .into()
        ),
        (
            packet_id(),
            vec(topic_filter(), 1..5),
            unsubscribe_properties
        )
            .prop_map(|(packet_id, filters, properties)| Unsubscribe {
                packet_id,
                filters,
                properties
            }
            .into()),
        (packet_id(), unsuback_codes, ack_properties(v5)).prop_map(
            |(packet_id, codes, properties)| UnsubAck {
                packet_id,
                codes,
                properties
            }
            .into()
        ),
    ]
    .boxed()
}

fn session_end(version: ProtocolVersion) -> BoxedStrategy<Packet> {
    if !version.is_v5() {
        return prop_oneof![
            Just(Packet::PingReq),
            Just(Packet::PingResp),
            Just(Packet::Disconnect(Disconnect::default()))
        ]
        .boxed();
    }
    let disconnect = (
        code_of(DisconnectReasonCode::ALL),
        option::of(any::<u32>()),
        option::of(text()),
        option::of(text()),
        user_properties(),
    )
        .prop_map(|(code, expiry, reference, reason, users)| {
            Packet::Disconnect(Disconnect {
                code,
                properties: DisconnectProperties {
                    session_expiry_interval: expiry,
                    server_reference: reference,
                    reason_string: reason,
                    user_properties: users,
                },
            })
        });
    let auth = (
        code_of(AuthReasonCode::ALL),
        option::of(text()),
        option::of(binary()),
        option::of(text()),
        user_properties(),
    )
        .prop_map(|(code, method, data, reason, users)| {
            Packet::Auth(Auth {
                code,
                properties: AuthProperties {
                    authentication_method: method,
                    authentication_data: data,
                    reason_string: reason,
                    user_properties: users,
                },
            })
        });
    prop_oneof![
        Just(Packet::PingReq),
        Just(Packet::PingResp),
        disconnect,
        auth
    ]
    .boxed()
}

/// A valid packet of any type for `version`.
fn packet(version: ProtocolVersion) -> BoxedStrategy<Packet> {
    prop_oneof![
        connect(version),
        connack(version),
        publish(version),
        acks(version),
        subscriptions(version),
        session_end(version)
    ]
    .boxed()
}

fn versioned_packet() -> impl Strategy<Value = (ProtocolVersion, Packet)> {
    version().prop_flat_map(|v| packet(v).prop_map(move |p| (v, p)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn decode_of_encode_is_identity((version, packet) in versioned_packet()) {
        let mut buf = BytesMut::new();
        let written = packet.encode(version, None, &mut buf).expect("a valid packet encodes");
        prop_assert_eq!(written, buf.len());
        prop_assert_eq!(packet.encoded_len(version), Ok(written));
        let decoded = decode(&mut buf, version, &DecodeLimits::default()).expect("what we encode decodes");
        prop_assert_eq!(decoded, Some(packet));
        prop_assert!(buf.is_empty());
    }

    #[test]
    fn every_prefix_is_incomplete_and_consumes_nothing((version, packet) in versioned_packet()) {
        let mut whole = BytesMut::new();
        packet.encode(version, None, &mut whole).unwrap();
        for cut in 0..whole.len() {
            let mut prefix = BytesMut::from(&whole[..cut]);
            prop_assert_eq!(decode(&mut prefix, version, &DecodeLimits::default()), Ok(None));
            prop_assert_eq!(prefix.len(), cut);
        }
    }

    #[test]
    fn the_size_limit_refuses_exactly_the_larger_packets((version, packet) in versioned_packet(), slack in 0u32..3) {
        let size = u32::try_from(packet.encoded_len(version).unwrap()).unwrap();
        let mut out = BytesMut::new();
        prop_assert_eq!(
            packet.encode(version, Some(size - 1), &mut out),
            Err(EncodeError::PacketTooLarge { size: size as usize, max: size - 1 })
        );
        prop_assert!(out.is_empty());
        packet.encode(version, Some(size + slack), &mut out).unwrap();
        let mut too_small = out.clone();
        let refused = matches!(
            decode(&mut too_small, version, &DecodeLimits::new(size - 1)),
            Err(DecodeError::PacketTooLarge { .. })
        );
        prop_assert!(refused);
        prop_assert_eq!(decode(&mut out, version, &DecodeLimits::new(size)), Ok(Some(packet)));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..64), version in version(), limit in 0u32..80) {
        for limits in [DecodeLimits::default(), DecodeLimits::new(limit)] {
            let mut buf = BytesMut::from(bytes.as_slice());
            if let Ok(Some(_)) = decode(&mut buf, version, &limits) {
                // A packet came out: it fit in the limit.
                prop_assert!(bytes.len() - buf.len() <= limits.max_packet_size as usize);
            }
            let mut buf = BytesMut::from(bytes.as_slice());
            let _ = decode_connect(&mut buf, &limits);
        }
    }

    #[test]
    fn mutated_packets_never_panic((version, packet) in versioned_packet(), flips in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
        let mut buf = BytesMut::new();
        packet.encode(version, None, &mut buf).unwrap();
        for (index, byte) in flips {
            let i = index.index(buf.len());
            buf[i] = byte;
        }
        let _ = decode(&mut buf, version, &DecodeLimits::default());
    }

    #[test]
    fn a_too_large_packet_is_refused_from_its_header_alone(
        first_byte in prop_oneof![Just(0x30u8), Just(0x82), Just(0x10), Just(0x40)],
        limit in 2u32..100_000,
        extra in 1u32..1_000_000,
    ) {
        // Only the fixed header has arrived; the body it announces is over the limit.
        let remaining = limit + extra;
        let mut header = BytesMut::new();
        header.extend_from_slice(&[first_byte]);
        let mut value = remaining;
        loop {
            let mut byte = (value & 0x7f) as u8;
            value >>= 7;
            if value > 0 {
                byte |= 0x80;
            }
            header.extend_from_slice(&[byte]);
            if value == 0 {
                break;
            }
        }
        let header_len = header.len();
        let result = decode(&mut header, ProtocolVersion::V5, &DecodeLimits::new(limit));
        prop_assert_eq!(
            result,
            Err(DecodeError::PacketTooLarge { size: u64::from(remaining) + header_len as u64, max: limit })
        );
    }
}
