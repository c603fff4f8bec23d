//! Every luamqtt protocol vector (tests/data, see ORIGIN.md), run through our types.
//!
//! - `make`: the packet is built from luamqtt's fields with our types and encoded; the bytes
//!   must be exactly luamqtt's, or the case must be refused if luamqtt refuses it.
//! - `parse`: the hex is decoded; the packet must give luamqtt's fields back and matches its
//!   insta snapshot (`tests/snapshots`), or the bytes must be refused.
//! - `roundtrip`: built, encoded to luamqtt's bytes, decoded, compared with luamqtt's parse.
//!
//! The few cases where our types cannot express the fields, or where we deliberately differ
//! from luamqtt, are listed in [`exceptions`] with the reason, and checked there in their own
//! way. No case is skipped: the test fails if a vector is neither run nor listed.

// Test helpers outside `#[test]` functions: a bad vector should stop the test loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod luamqtt;

use luamqtt::{BuildError, build, fields_of};
use mqtt_kit_codec::bytes::BytesMut;
use mqtt_kit_codec::*;
use serde_json::Value;
use std::collections::BTreeMap;

/// How a listed case is checked instead.
#[derive(Debug)]
enum Exception {
    /// Our types cannot hold these fields (so building fails); luamqtt's bytes, if any, are
    /// refused by our decoder too.
    NotExpressible(&'static str),
    /// Our encoder refuses the packet with this error; luamqtt's bytes still decode to it.
    EncoderRefuses(EncodeError, &'static str),
    /// We write this shorter form, which the standard allows; luamqtt's longer form decodes
    /// to the same packet.
    ShorterForm(&'static str, &'static str),
    /// Our decoder refuses the bytes with this error.
    DecoderRefuses(DecodeError, &'static str),
}

use Exception::*;

impl Exception {
    fn reason(&self) -> &'static str {
        match self {
            NotExpressible(reason)
            | EncoderRefuses(_, reason)
            | ShorterForm(_, reason)
            | DecoderRefuses(_, reason) => reason,
        }
    }
}

/// The listed cases, by file, index in the file, and luamqtt's case name.
fn exceptions() -> Vec<(&'static str, usize, &'static str, Exception)> {
    const V: &str = "vectors.json";
    const R: &str = "roundtrip-vectors.json";
    let shape = "the table has no field our types could take it from (SUBSCRIBE without packet \
                 identifier, a subscription that is not a table or has no string topic): Rust's \
                 types make the packet impossible to write, so there is nothing to refuse at run time";
    let session_present = "a server MUST set Session Present to 0 with a non-zero return code \
                           [MQTT-3.2.2-6] (3.1.1: [MQTT-3.2.2-4]); we refuse to send it, and accept it when received";
    let shorter = "MQTT 5.0 lets the property length be left out when there are no properties \
                   (sections 3.4.2.2.1 to 3.7.2.2.1, 3.14.2.2.1); we write the shortest form";
    let connack = |code| DecodeError::InvalidReasonCode {
        packet_type: PacketType::ConnAck,
        code,
    };
    vec![
        (
            V,
            5,
            "CONNACK sp=true, rc=2",
            EncoderRefuses(EncodeError::SessionPresentWithError, session_present),
        ),
        (V, 31, "SUBSCRIBE", NotExpressible(shape)),
        (V, 34, "SUBSCRIBE", NotExpressible(shape)),
        (V, 35, "SUBSCRIBE", NotExpressible(shape)),
        (V, 36, "SUBSCRIBE", NotExpressible(shape)),
        (V, 38, "SUBSCRIBE", NotExpressible(shape)),
        (
            V,
            44,
            "SUBACK several return codes",
            NotExpressible(
                "SUBACK return code 3 is reserved [MQTT-3.9.3-2]: SubscribeReasonCode has no such value",
            ),
        ),
        (
            V,
            70,
            "CONNACK",
            DecoderRefuses(
                connack(32),
                "3.1.1 CONNACK return codes 6 to 255 are reserved (3.1.1 section 3.2.2.3)",
            ),
        ),
        (
            V,
            85,
            "SUBACK",
            DecoderRefuses(
                DecodeError::InvalidReasonCode {
                    packet_type: PacketType::SubAck,
                    code: 3,
                },
                "SUBACK return code 3 is reserved [MQTT-3.9.3-2]",
            ),
        ),
        (
            V,
            98,
            "CONNACK with flags, rc, and full properties",
            EncoderRefuses(EncodeError::SessionPresentWithError, session_present),
        ),
        (
            V,
            104,
            "PUBACK with full params without properties",
            ShorterForm("4003000a80", shorter),
        ),
        (
            V,
            107,
            "PUBREC with full params without properties",
            ShorterForm("5003001610", shorter),
        ),
        (
            V,
            110,
            "PUBREL with full params without properties",
            ShorterForm("6203001692", shorter),
        ),
        (
            V,
            113,
            "PUBCOMP with full params without properties",
            ShorterForm("7003001692", shorter),
        ),
        (
            V,
            122,
            "UNSUBACK minimal",
            NotExpressible(
                "0x02 is not an UNSUBACK reason code [MQTT-3.11.3-2]: UnsubAckReasonCode has no such value",
            ),
        ),
        (
            V,
            127,
            "DISCONNECT with full params and without properties",
            ShorterForm("e00181", shorter),
        ),
        (
            V,
            148,
            "CONNACK with unknown reason code, minimal params and without properties",
            DecoderRefuses(
                connack(0x20),
                "0x20 is not a Connect Reason Code [MQTT-3.2.2-8]",
            ),
        ),
        (
            V,
            178,
            "several subscriptions, with properties",
            DecoderRefuses(
                DecodeError::InvalidReasonCode {
                    packet_type: PacketType::SubAck,
                    code: 9,
                },
                "0x09 is not a Subscribe Reason Code [MQTT-3.9.3-2]",
            ),
        ),
        (
            V,
            185,
            "several subscriptions, with properties",
            DecoderRefuses(
                DecodeError::InvalidReasonCode {
                    packet_type: PacketType::UnsubAck,
                    code: 5,
                },
                "0x05 is not an UNSUBACK Reason Code [MQTT-3.11.3-2]",
            ),
        ),
        (
            V,
            192,
            "with unknown reason code, without properties",
            DecoderRefuses(
                DecodeError::InvalidReasonCode {
                    packet_type: PacketType::Disconnect,
                    code: 0x20,
                },
                "0x20 is not a Disconnect Reason Code [MQTT-3.14.2-1]",
            ),
        ),
        (
            R,
            1,
            "CONNACK",
            EncoderRefuses(EncodeError::SessionPresentWithError, session_present),
        ),
        (
            R,
            8,
            "SUBACK",
            NotExpressible(
                "SUBACK return code 3 is reserved [MQTT-3.9.3-2]: SubscribeReasonCode has no such value",
            ),
        ),
        (
            R,
            15,
            "CONNACK",
            EncoderRefuses(EncodeError::SessionPresentWithError, session_present),
        ),
    ]
}

fn version_of(case: &Value) -> ProtocolVersion {
    match case["version"].as_str() {
        Some("3.1.1") => ProtocolVersion::V3_1_1,
        Some("5.0") => ProtocolVersion::V5,
        other => panic!("unknown version {other:?}"),
    }
}

fn unhex(hex: &str) -> BytesMut {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect::<Vec<u8>>()
        .as_slice()
        .into()
}

fn tohex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn encode(packet: &Packet, version: ProtocolVersion) -> Result<String, EncodeError> {
    let mut out = BytesMut::new();
    let written = packet.encode(version, None, &mut out)?;
    assert_eq!(written, out.len());
    assert_eq!(packet.encoded_len(version), Ok(written));
    Ok(tohex(&out))
}

/// Decodes a whole packet from hex: `Ok(None)` if incomplete.
fn decode_hex(hex: &str, version: ProtocolVersion) -> Result<Option<Packet>, DecodeError> {
    let mut buf = unhex(hex);
    let len = buf.len();
    let packet = decode(&mut buf, version, &DecodeLimits::default())?;
    match &packet {
        Some(_) => assert!(buf.is_empty(), "bytes left over after {hex}"),
        None => assert_eq!(buf.len(), len, "an incomplete packet consumed bytes"),
    }
    Ok(packet)
}

fn snapshot_name(file: &str, index: usize, case: &str) -> String {
    let slug: String = case
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let slug = slug
        .split('_')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    let stem = file.trim_end_matches(".json").replace('-', "_");
    format!("{stem}_{index:03}_{}", &slug[..slug.len().min(60)])
}

/// Runs one case that is not listed.
fn run(file: &str, index: usize, case: &Value) {
    let name = case["case"].as_str().unwrap_or_default();
    let version = version_of(case);
    let fields = &case["fields"];
    let hex = case["hex"].as_str();
    let refused = !case["expect_error"].is_null();
    let label = format!("{file} #{index} {name:?}");
    match case["direction"].as_str() {
        Some("make") if refused => match build(fields, version) {
            Err(BuildError::Refused(why)) => println!("{label}: refused by our types: {why}"),
            Err(BuildError::Shape(why)) => {
                panic!("{label}: not expressible ({why}) but not listed")
            }
            Ok(packet) => assert!(
                encode(&packet, version).is_err(),
                "{label}: encoded what luamqtt refuses"
            ),
        },
        Some("make") => {
            let packet = build(fields, version).unwrap_or_else(|e| panic!("{label}: {e:?}"));
            assert_eq!(
                encode(&packet, version).as_deref(),
                Ok(hex.expect("hex")),
                "{label}"
            );
        }
        Some("parse") if refused => {
            let result = decode_hex(hex.unwrap_or_default(), version);
            assert!(
                matches!(result, Err(_) | Ok(None)),
                "{label}: decoded what luamqtt refuses: {result:?}"
            );
        }
        Some("parse") => {
            let packet = decode_hex(hex.expect("hex"), version)
                .unwrap_or_else(|e| panic!("{label}: {e}"))
                .unwrap_or_else(|| panic!("{label}: incomplete"));
            assert_eq!(fields_of(&packet, version), *fields, "{label}");
            insta::assert_debug_snapshot!(snapshot_name(file, index, name), packet);
        }
        Some("roundtrip") => {
            let packet = build(fields, version).unwrap_or_else(|e| panic!("{label}: {e:?}"));
            let encoded = encode(&packet, version).unwrap_or_else(|e| panic!("{label}: {e}"));
            assert_eq!(Some(encoded.as_str()), hex, "{label}");
            let decoded = decode_hex(&encoded, version).unwrap_or_else(|e| panic!("{label}: {e}"));
            assert_eq!(decoded.as_ref(), Some(&packet), "{label}");
            assert_eq!(fields_of(&packet, version), case["parsed"], "{label}");
        }
        other => panic!("{label}: direction {other:?}"),
    }
}

/// Checks a listed case its own way.
fn run_exception(file: &str, index: usize, case: &Value, exception: &Exception) {
    let version = version_of(case);
    let fields = &case["fields"];
    let hex = case["hex"].as_str();
    let label = format!("{file} #{index} {:?}", case["case"]);
    match exception {
        NotExpressible(_) => {
            let error = build(fields, version).expect_err(&label);
            println!("{label}: cannot be built: {error:?}");
            if let Some(hex) = hex {
                assert!(
                    decode_hex(hex, version).is_err(),
                    "{label}: decoded after all"
                );
            }
        }
        EncoderRefuses(error, _) => {
            let packet = build(fields, version).unwrap_or_else(|e| panic!("{label}: {e:?}"));
            assert_eq!(encode(&packet, version).as_ref(), Err(error), "{label}");
            let decoded =
                decode_hex(hex.expect("hex"), version).unwrap_or_else(|e| panic!("{label}: {e}"));
            assert_eq!(decoded, Some(packet), "{label}");
        }
        ShorterForm(ours, _) => {
            let packet = build(fields, version).unwrap_or_else(|e| panic!("{label}: {e:?}"));
            assert_eq!(encode(&packet, version).as_deref(), Ok(*ours), "{label}");
            assert!(ours.len() < hex.expect("hex").len(), "{label}: not shorter");
            for form in [*ours, hex.expect("hex")] {
                assert_eq!(
                    decode_hex(form, version),
                    Ok(Some(packet.clone())),
                    "{label}: {form}"
                );
            }
        }
        DecoderRefuses(error, _) => {
            assert_eq!(
                decode_hex(hex.expect("hex"), version).as_ref(),
                Err(error),
                "{label}"
            );
        }
    }
}

#[test]
fn every_luamqtt_vector_is_run_or_listed() {
    let files = [
        ("vectors.json", include_str!("data/vectors.json"), 199),
        (
            "roundtrip-vectors.json",
            include_str!("data/roundtrip-vectors.json"),
            29,
        ),
    ];
    let mut listed: BTreeMap<(&str, usize), (&str, Exception)> = exceptions()
        .into_iter()
        .map(|(file, index, name, e)| ((file, index), (name, e)))
        .collect();
    let (mut ran, mut checked_as_listed, mut total) = (0, 0, 0);
    for (file, text, expected_count) in files {
        let cases: Vec<Value> = serde_json::from_str(text).expect("valid JSON");
        assert_eq!(cases.len(), expected_count, "{file}");
        for (index, case) in cases.iter().enumerate() {
            total += 1;
            match listed.remove(&(file, index)) {
                Some((name, exception)) => {
                    assert_eq!(
                        case["case"].as_str(),
                        Some(name),
                        "{file} #{index}: the list names another case"
                    );
                    println!("listed: {file} #{index} {name:?}: {}", exception.reason());
                    run_exception(file, index, case, &exception);
                    checked_as_listed += 1;
                }
                None => {
                    run(file, index, case);
                    ran += 1;
                }
            }
        }
    }
    assert!(
        listed.is_empty(),
        "listed cases that do not exist: {:?}",
        listed.keys()
    );
    assert_eq!(ran + checked_as_listed, total);
    println!(
        "luamqtt vectors: {ran} run as luamqtt expects, {checked_as_listed} listed and checked our way, {total} in all"
    );
}
