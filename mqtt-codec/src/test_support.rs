//! Helpers for the unit tests: hex in, hex out.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::BytesMut;
use core::fmt::Write;

use crate::{
    DecodeError, DecodeLimits, EncodeError, Packet, PacketId, ProtocolVersion, TopicFilter,
    TopicName, decode,
};

pub(crate) use ProtocolVersion::{V3_1, V3_1_1, V5};
pub(crate) use alloc::string::ToString;
pub(crate) use alloc::vec;

/// Bytes from lowercase hex.
pub(crate) fn bytes(hex: &str) -> BytesMut {
    let digits: Vec<u8> = hex.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(core::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect::<Vec<u8>>()
        .as_slice()
        .into()
}

/// Lowercase hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::new();
    for byte in bytes {
        write!(out, "{byte:02x}").unwrap();
    }
    out
}

/// Encodes, checking that `encoded_len` agrees with what is written.
pub(crate) fn encode(
    packet: impl Into<Packet>,
    version: ProtocolVersion,
) -> Result<String, EncodeError> {
    let packet = packet.into();
    let mut out = BytesMut::new();
    let written = packet.encode(version, None, &mut out)?;
    assert_eq!(written, out.len());
    assert_eq!(packet.encoded_len(version), Ok(written));
    Ok(hex(&out))
}

/// Decodes one whole packet from hex and checks it used every byte.
pub(crate) fn decode_hex(hex: &str, version: ProtocolVersion) -> Result<Packet, DecodeError> {
    let mut buf = bytes(hex);
    let packet = decode(&mut buf, version, &DecodeLimits::default())?.expect("a whole packet");
    assert!(buf.is_empty(), "bytes left over");
    Ok(packet)
}

/// Encodes, checks the bytes, and decodes them back to the same packet.
pub(crate) fn round_trip(packet: impl Into<Packet>, version: ProtocolVersion, expected_hex: &str) {
    let packet = packet.into();
    assert_eq!(encode(packet.clone(), version).as_deref(), Ok(expected_hex));
    assert_eq!(decode_hex(expected_hex, version), Ok(packet));
}

pub(crate) fn pid(id: u16) -> PacketId {
    PacketId::new(id).unwrap()
}

pub(crate) fn topic(name: &str) -> TopicName {
    TopicName::try_from(name).unwrap()
}

pub(crate) fn filter(filter: &str) -> TopicFilter {
    TopicFilter::try_from(filter).unwrap()
}
