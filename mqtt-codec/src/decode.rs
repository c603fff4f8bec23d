//! Incremental decoding from a read buffer: a packet comes out only when all its bytes are
//! there; the size limit is checked from the fixed header, before the body is waited for.

use bytes::{Buf, BytesMut};

use crate::Connect;
use crate::error::DecodeError;
use crate::packet::{Body, Packet, PacketType};
use crate::version::ProtocolVersion;
use crate::wire::{
    MAX_VARIABLE_BYTE_INTEGER, Reader, VariableByteInteger, parse_variable_byte_integer,
};

/// The largest packet MQTT can express: a 1-byte type, a 4-byte remaining length and
/// 268,435,455 bytes of body.
pub const MAX_PACKET_SIZE: u32 = 1 + 4 + MAX_VARIABLE_BYTE_INTEGER;

/// Limits on what the decoder accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// The largest packet accepted, fixed header included (our Maximum Packet Size). A larger
    /// one is refused as soon as its fixed header is read, before its body is buffered.
    pub max_packet_size: u32,
}

impl DecodeLimits {
    /// Limits with the given maximum packet size.
    pub const fn new(max_packet_size: u32) -> Self {
        Self { max_packet_size }
    }
}

impl Default for DecodeLimits {
    /// No limit but the protocol's own, [`MAX_PACKET_SIZE`].
    fn default() -> Self {
        Self::new(MAX_PACKET_SIZE)
    }
}

/// What the fixed header says.
#[derive(Debug, Clone, Copy)]
struct FixedHeader {
    packet_type: PacketType,
    flags: u8,
    /// Bytes of the fixed header itself.
    header_len: usize,
    /// Bytes of the whole packet.
    total: usize,
}

/// Reads the fixed header at the start of `buf` and checks it against `limits`. `Ok(None)`
/// while it or the body is incomplete.
#[inline]
fn fixed_header(buf: &[u8], limits: &DecodeLimits) -> Result<Option<FixedHeader>, DecodeError> {
    let Some(&first_byte) = buf.first() else {
        return Ok(None);
    };
    let packet_type = PacketType::from_u8(first_byte >> 4)
        .ok_or(DecodeError::ReservedPacketType { first_byte })?;
    let flags = first_byte & 0x0f;
    if packet_type == PacketType::Publish {
        if flags & 0b0110 == 0b0110 {
            return Err(DecodeError::PublishQoS3);
        }
    } else if flags != packet_type.fixed_flags() {
        return Err(DecodeError::InvalidHeaderFlags { packet_type, flags });
    }
    let (remaining, len) = match parse_variable_byte_integer(&buf[1..])? {
        VariableByteInteger::Complete { value, len } => (value, len),
        VariableByteInteger::Incomplete => return Ok(None),
    };
    let header_len = 1 + len;
    let size = header_len as u64 + u64::from(remaining);
    if size > u64::from(limits.max_packet_size) {
        return Err(DecodeError::PacketTooLarge {
            size,
            max: limits.max_packet_size,
        });
    }
    // At most MAX_PACKET_SIZE, which fits any usize MQTT runs on.
    let total = usize::try_from(size).map_err(|_| DecodeError::PacketTooLarge {
        size,
        max: limits.max_packet_size,
    })?;
    if buf.len() < total {
        return Ok(None);
    }
    Ok(Some(FixedHeader {
        packet_type,
        flags,
        header_len,
        total,
    }))
}

/// Reads one packet of `version` from the front of `buf`.
///
/// - `Ok(None)`: `buf` does not hold a whole packet yet; nothing is consumed. Read more and
///   call again.
/// - `Ok(Some(packet))`: exactly that packet's bytes are consumed; payloads and topics are
///   slices of them (no copy).
/// - `Err(_)`: the bytes are not a valid packet and the connection must be closed
///   ([`DecodeError::disconnect_reason`] says with what). A packet larger than
///   `limits.max_packet_size` is refused from its fixed header alone, before its body
///   arrives. Whether the bad bytes were consumed is unspecified.
///
/// A CONNECT is decoded according to its own protocol level, whatever `version` says.
///
/// ```
/// use bytes::BytesMut;
/// use mqtt_kit_codec::{decode, DecodeLimits, Packet, ProtocolVersion};
///
/// let mut buf = BytesMut::from(&[0xd0, 0x00, 0xc0][..]); // PINGRESP, then half a packet
/// let limits = DecodeLimits::default();
/// assert_eq!(decode(&mut buf, ProtocolVersion::V5, &limits), Ok(Some(Packet::PingResp)));
/// assert_eq!(decode(&mut buf, ProtocolVersion::V5, &limits), Ok(None));
/// assert_eq!(buf.len(), 1);
/// ```
#[inline]
pub fn decode(
    buf: &mut BytesMut,
    version: ProtocolVersion,
    limits: &DecodeLimits,
) -> Result<Option<Packet>, DecodeError> {
    // Type 15 is reserved before MQTT 5.0: refused from the first byte, like any bad header.
    if !version.is_v5()
        && buf
            .first()
            .is_some_and(|first| first >> 4 == PacketType::Auth as u8)
    {
        return Err(DecodeError::AuthNotInVersion { version });
    }
    let Some(header) = fixed_header(buf, limits)? else {
        return Ok(None);
    };
    let mut body = buf.split_to(header.total).freeze();
    body.advance(header.header_len);
    let r = Reader::new(body, header.packet_type);
    let flags = header.flags;
    // Each arm ends in `read_body`, which builds the packet where the caller wants it: a
    // `Packet` is hundreds of bytes, and building it in a local to check for trailing bytes
    // afterwards cost two copies of it per packet.
    match header.packet_type {
        PacketType::Connect => read_body(flags, r, version, Packet::Connect),
        PacketType::ConnAck => read_body(flags, r, version, Packet::ConnAck),
        PacketType::Publish => read_body(flags, r, version, Packet::Publish),
        PacketType::PubAck => read_body(flags, r, version, Packet::PubAck),
        PacketType::PubRec => read_body(flags, r, version, Packet::PubRec),
        PacketType::PubRel => read_body(flags, r, version, Packet::PubRel),
        PacketType::PubComp => read_body(flags, r, version, Packet::PubComp),
        PacketType::Subscribe => read_body(flags, r, version, Packet::Subscribe),
        PacketType::SubAck => read_body(flags, r, version, Packet::SubAck),
        PacketType::Unsubscribe => read_body(flags, r, version, Packet::Unsubscribe),
        PacketType::UnsubAck => read_body(flags, r, version, Packet::UnsubAck),
        PacketType::PingReq => r.finish().map(|()| Some(Packet::PingReq)),
        PacketType::PingResp => r.finish().map(|()| Some(Packet::PingResp)),
        PacketType::Disconnect => read_body(flags, r, version, Packet::Disconnect),
        PacketType::Auth => read_body(flags, r, version, Packet::Auth),
    }
}

/// Reads the body of a packet of type `B`, checks that nothing is left over, and wraps it.
#[inline(always)]
fn read_body<B: Body>(
    flags: u8,
    mut r: Reader,
    version: ProtocolVersion,
    wrap: fn(B) -> Packet,
) -> Result<Option<Packet>, DecodeError> {
    let body = B::read(flags, &mut r, version)?;
    r.finish()?;
    Ok(Some(wrap(body)))
}

/// Reads the first packet of a connection, which must be a CONNECT [MQTT-3.1.0-1], without
/// knowing the version yet: the CONNECT's protocol level tells it (`connect.protocol`), and
/// the rest of the connection is decoded with that version. Incremental like [`decode`]; any
/// other packet type is refused from its first byte.
pub fn decode_connect(
    buf: &mut BytesMut,
    limits: &DecodeLimits,
) -> Result<Option<Connect>, DecodeError> {
    if let Some(&first_byte) = buf.first() {
        match PacketType::from_u8(first_byte >> 4) {
            Some(PacketType::Connect) => {}
            Some(packet_type) => return Err(DecodeError::ExpectedConnect { packet_type }),
            None => return Err(DecodeError::ReservedPacketType { first_byte }),
        }
    }
    match decode(buf, ProtocolVersion::V5, limits)? {
        Some(Packet::Connect(connect)) => Ok(Some(*connect)),
        Some(other) => Err(DecodeError::ExpectedConnect {
            packet_type: other.packet_type(),
        }),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use crate::{DisconnectReasonCode, PubAck};

    #[test]
    fn an_incomplete_packet_consumes_nothing() {
        let whole = bytes("3b0f0004736f6d6500017061796c6f6164");
        for cut in 0..whole.len() {
            let mut buf = BytesMut::from(&whole[..cut]);
            assert_eq!(
                decode(&mut buf, V3_1_1, &DecodeLimits::default()),
                Ok(None),
                "cut at {cut}"
            );
            assert_eq!(buf.len(), cut);
        }
    }

    #[test]
    fn packets_come_out_one_at_a_time() {
        let mut buf = bytes("40020001 c000 d000 4002".replace(' ', "").as_str());
        let limits = DecodeLimits::default();
        assert_eq!(
            decode(&mut buf, V5, &limits),
            Ok(Some(Packet::PubAck(PubAck::new(pid(1)))))
        );
        assert_eq!(decode(&mut buf, V5, &limits), Ok(Some(Packet::PingReq)));
        assert_eq!(decode(&mut buf, V5, &limits), Ok(Some(Packet::PingResp)));
        assert_eq!(decode(&mut buf, V5, &limits), Ok(None));
        assert_eq!(buf.len(), 2);
    }

    #[test]
    fn the_size_limit_is_checked_from_the_fixed_header() {
        // A PUBLISH announcing 200 bytes, of which only the header has arrived.
        let mut buf = bytes("30c801");
        let err = decode(&mut buf, V5, &DecodeLimits::new(100)).unwrap_err();
        assert_eq!(
            err,
            DecodeError::PacketTooLarge {
                size: 203,
                max: 100
            }
        );
        assert_eq!(
            err.disconnect_reason(),
            DisconnectReasonCode::PacketTooLarge
        );
        // Exactly at the limit is fine.
        let mut buf = bytes("c000");
        assert_eq!(
            decode(&mut buf, V5, &DecodeLimits::new(2)),
            Ok(Some(Packet::PingReq))
        );
    }

    #[test]
    fn reserved_packet_type_is_refused_from_the_first_byte() {
        let mut buf = bytes("01");
        assert_eq!(
            decode(&mut buf, V3_1_1, &DecodeLimits::default()),
            Err(DecodeError::ReservedPacketType { first_byte: 1 })
        );
    }

    #[test]
    fn remaining_length_over_four_bytes_is_malformed() {
        let mut buf = bytes("30ffffffff01");
        let err = decode(&mut buf, V5, &DecodeLimits::default()).unwrap_err();
        assert_eq!(err, DecodeError::MalformedVariableByteInteger);
        assert_eq!(
            err.disconnect_reason(),
            DisconnectReasonCode::MalformedPacket
        );
        // [MQTT-1.5.5-1]
        let mut buf = bytes("c08000");
        assert_eq!(
            decode(&mut buf, V5, &DecodeLimits::default()),
            Err(DecodeError::NonMinimalVariableByteInteger)
        );
    }

    #[test]
    fn auth_is_refused_from_the_first_byte_before_v5() {
        let mut buf = bytes("f0");
        assert_eq!(
            decode(&mut buf, V3_1_1, &DecodeLimits::default()),
            Err(DecodeError::AuthNotInVersion { version: V3_1_1 })
        );
        let mut buf = bytes("f0");
        assert_eq!(decode(&mut buf, V5, &DecodeLimits::default()), Ok(None));
    }

    #[test]
    fn ping_has_no_body() {
        assert_eq!(
            decode_hex("c00100", V5),
            Err(DecodeError::TrailingBytes {
                packet_type: PacketType::PingReq,
                count: 1
            })
        );
    }

    #[test]
    fn decode_connect_learns_the_version() {
        let limits = DecodeLimits::default();
        for (hex, version) in [
            ("100c00044d515454040200000000", V3_1_1),
            ("100d00044d51545405020000000000", V5),
            ("100e00064d5149736470030200000000", V3_1),
        ] {
            let mut buf = bytes(hex);
            let connect = decode_connect(&mut buf, &limits).unwrap().unwrap();
            assert_eq!(connect.protocol, version);
        }
        let mut buf = bytes("10");
        assert_eq!(decode_connect(&mut buf, &limits), Ok(None));
    }

    #[test]
    fn decode_connect_refuses_anything_else_at_once() {
        // [MQTT-3.1.0-1]
        let mut buf = bytes("30");
        let err = decode_connect(&mut buf, &DecodeLimits::default()).unwrap_err();
        assert_eq!(
            err,
            DecodeError::ExpectedConnect {
                packet_type: PacketType::Publish
            }
        );
        assert_eq!(err.disconnect_reason(), DisconnectReasonCode::ProtocolError);
    }

    #[test]
    fn publish_qos_3_is_refused_from_the_first_byte() {
        // [MQTT-3.3.1-4]
        let mut buf = bytes("36");
        assert_eq!(
            decode(&mut buf, V5, &DecodeLimits::default()),
            Err(DecodeError::PublishQoS3)
        );
    }
}
