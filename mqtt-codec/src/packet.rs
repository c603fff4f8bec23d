//! The packet: one enum over the fifteen control packets, and the encoder every packet
//! shares (fixed header, exact size, one write).

use alloc::boxed::Box;
use bytes::{BufMut, Bytes, BytesMut};
use core::fmt;

use crate::error::{DecodeError, EncodeError};
use crate::version::ProtocolVersion;
use crate::wire::{
    BlockLengths, Counter, MAX_VARIABLE_BYTE_INTEGER, Reader, Sink, Writer,
    put_variable_byte_integer, variable_byte_integer_len,
};
use crate::{
    Auth, ConnAck, Connect, Disconnect, PubAck, PubComp, PubRec, PubRel, Publish, SubAck,
    Subscribe, UnsubAck, Unsubscribe,
};

/// The type of a control packet: the high four bits of its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum PacketType {
    /// Connection request (client to server).
    Connect = 1,
    /// Connection acknowledgement (server to client).
    ConnAck = 2,
    /// Application message (both ways).
    Publish = 3,
    /// QoS 1 acknowledgement (both ways).
    PubAck = 4,
    /// QoS 2, first answer (both ways).
    PubRec = 5,
    /// QoS 2, release (both ways).
    PubRel = 6,
    /// QoS 2, last answer (both ways).
    PubComp = 7,
    /// Subscription request (client to server).
    Subscribe = 8,
    /// Subscription acknowledgement (server to client).
    SubAck = 9,
    /// Unsubscription request (client to server).
    Unsubscribe = 10,
    /// Unsubscription acknowledgement (server to client).
    UnsubAck = 11,
    /// Keep alive request (client to server).
    PingReq = 12,
    /// Keep alive answer (server to client).
    PingResp = 13,
    /// End of the connection (client to server; both ways in MQTT 5.0).
    Disconnect = 14,
    /// Enhanced authentication exchange (MQTT 5.0 only, both ways).
    Auth = 15,
}

impl PacketType {
    /// The packet type for the high four bits of a first byte; `None` for the reserved 0.
    #[inline]
    pub const fn from_u8(value: u8) -> Option<Self> {
        Some(match value {
            1 => Self::Connect,
            2 => Self::ConnAck,
            3 => Self::Publish,
            4 => Self::PubAck,
            5 => Self::PubRec,
            6 => Self::PubRel,
            7 => Self::PubComp,
            8 => Self::Subscribe,
            9 => Self::SubAck,
            10 => Self::Unsubscribe,
            11 => Self::UnsubAck,
            12 => Self::PingReq,
            13 => Self::PingResp,
            14 => Self::Disconnect,
            15 => Self::Auth,
            _ => return None,
        })
    }

    /// The flags (low four bits of the first byte) every packet of this type but PUBLISH
    /// must carry [MQTT-2.1.3-1]: 0b0010 for PUBREL, SUBSCRIBE and UNSUBSCRIBE, else 0.
    #[inline]
    pub const fn fixed_flags(self) -> u8 {
        match self {
            Self::PubRel | Self::Subscribe | Self::Unsubscribe => 0b0010,
            _ => 0,
        }
    }

    /// The name the specification uses (`CONNECT`, `PUBACK`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Connect => "CONNECT",
            Self::ConnAck => "CONNACK",
            Self::Publish => "PUBLISH",
            Self::PubAck => "PUBACK",
            Self::PubRec => "PUBREC",
            Self::PubRel => "PUBREL",
            Self::PubComp => "PUBCOMP",
            Self::Subscribe => "SUBSCRIBE",
            Self::SubAck => "SUBACK",
            Self::Unsubscribe => "UNSUBSCRIBE",
            Self::UnsubAck => "UNSUBACK",
            Self::PingReq => "PINGREQ",
            Self::PingResp => "PINGRESP",
            Self::Disconnect => "DISCONNECT",
            Self::Auth => "AUTH",
        }
    }
}

impl fmt::Display for PacketType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Any MQTT control packet, of any protocol version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// CONNECT, boxed: it is the largest packet by far and comes once per connection, so
    /// boxing it keeps every other packet (and every `Result` holding one) small.
    Connect(Box<Connect>),
    /// CONNACK.
    ConnAck(ConnAck),
    /// PUBLISH.
    Publish(Publish),
    /// PUBACK.
    PubAck(PubAck),
    /// PUBREC.
    PubRec(PubRec),
    /// PUBREL.
    PubRel(PubRel),
    /// PUBCOMP.
    PubComp(PubComp),
    /// SUBSCRIBE.
    Subscribe(Subscribe),
    /// SUBACK.
    SubAck(SubAck),
    /// UNSUBSCRIBE.
    Unsubscribe(Unsubscribe),
    /// UNSUBACK.
    UnsubAck(UnsubAck),
    /// PINGREQ.
    PingReq,
    /// PINGRESP.
    PingResp,
    /// DISCONNECT.
    Disconnect(Disconnect),
    /// AUTH (MQTT 5.0 only).
    Auth(Auth),
}

/// What every packet with a body does: checks, writes its fields (to count or to write), and
/// reads them back.
pub(crate) trait Body: Sized {
    /// Its packet type.
    const TYPE: PacketType;

    /// The low four bits of the first byte.
    #[inline]
    fn flags(&self) -> u8 {
        Self::TYPE.fixed_flags()
    }

    /// Refuses what the standard forbids for `version`, before anything is written (string
    /// lengths and U+0000 are checked by the counting pass).
    fn check(&self, version: ProtocolVersion) -> Result<(), EncodeError>;

    /// Gives the fields after the fixed header to `sink`, all but the payload.
    fn write<S: Sink>(&self, version: ProtocolVersion, sink: &mut S);

    /// The bytes that end the packet as they are: a PUBLISH's payload, empty for the others.
    /// Kept out of [`Body::write`] so that it can be appended without going through a
    /// [`Sink`], or handed back uncopied ([`Packet::encode_head`]).
    #[inline]
    fn payload(&self) -> &Bytes {
        &NO_PAYLOAD
    }

    /// Reads the fields after the fixed header. The caller checks that nothing is left over.
    fn read(flags: u8, r: &mut Reader, version: ProtocolVersion) -> Result<Self, DecodeError>;
}

/// The payload of every packet but PUBLISH.
static NO_PAYLOAD: Bytes = Bytes::new();

/// The size of a packet: its remaining length and its whole length, and the lengths of its
/// property blocks for the writer.
pub(crate) struct Size {
    remaining: usize,
    pub(crate) total: usize,
    blocks: BlockLengths,
}

/// Checks a body and counts it.
#[inline(always)]
pub(crate) fn measure<B: Body>(body: &B, version: ProtocolVersion) -> Result<Size, EncodeError> {
    body.check(version)?;
    let mut counter = Counter::default();
    body.write(version, &mut counter);
    let blocks = counter.blocks;
    let remaining = counter.finish()? + body.payload().len();
    if remaining > MAX_VARIABLE_BYTE_INTEGER as usize {
        return Err(EncodeError::RemainingLengthTooLarge { len: remaining });
    }
    let total = 1 + variable_byte_integer_len(remaining as u32) + remaining;
    Ok(Size {
        remaining,
        total,
        blocks,
    })
}

/// Checks and counts a packet, then appends all of it but its payload to `out` (reserving
/// room for the payload too when `with_payload`). Returns the packet's size.
#[inline(always)]
pub(crate) fn encode_head<B: Body>(
    body: &B,
    version: ProtocolVersion,
    max_packet_size: Option<u32>,
    out: &mut BytesMut,
    with_payload: bool,
) -> Result<usize, EncodeError> {
    let size = measure(body, version)?;
    check_limit(size.total, max_packet_size)?;
    let head_len = size.total - body.payload().len();
    out.reserve(if with_payload { size.total } else { head_len });
    out.put_u8((B::TYPE as u8) << 4 | body.flags());
    put_variable_byte_integer(out, size.remaining as u32);
    body.write(version, &mut Writer::new(out, size.blocks));
    Ok(size.total)
}

/// Checks, counts, then writes a packet in one go.
#[inline]
pub(crate) fn encode_body<B: Body>(
    body: &B,
    version: ProtocolVersion,
    max_packet_size: Option<u32>,
    out: &mut BytesMut,
) -> Result<usize, EncodeError> {
    let total = encode_head(body, version, max_packet_size, out, true)?;
    // Most packets have no payload: no call to copy nothing.
    if !body.payload().is_empty() {
        out.extend_from_slice(body.payload());
    }
    Ok(total)
}

/// Writes PINGREQ or PINGRESP: a fixed header alone.
#[inline]
fn encode_ping(
    ping: &Packet,
    max_packet_size: Option<u32>,
    out: &mut BytesMut,
) -> Result<usize, EncodeError> {
    check_limit(2, max_packet_size)?;
    out.extend_from_slice(&[(ping.packet_type() as u8) << 4, 0]);
    Ok(2)
}

#[inline]
fn check_limit(size: usize, max_packet_size: Option<u32>) -> Result<(), EncodeError> {
    match max_packet_size {
        Some(max) if size > max as usize => Err(EncodeError::PacketTooLarge { size, max }),
        _ => Ok(()),
    }
}

/// Applies `$action` to the body of every packet with one.
macro_rules! with_body {
    ($packet:expr, $body:ident => $action:expr, $ping:ident => $empty:expr) => {
        match $packet {
            Packet::Connect($body) => $action,
            Packet::ConnAck($body) => $action,
            Packet::Publish($body) => $action,
            Packet::PubAck($body) => $action,
            Packet::PubRec($body) => $action,
            Packet::PubRel($body) => $action,
            Packet::PubComp($body) => $action,
            Packet::Subscribe($body) => $action,
            Packet::SubAck($body) => $action,
            Packet::Unsubscribe($body) => $action,
            Packet::UnsubAck($body) => $action,
            Packet::Disconnect($body) => $action,
            Packet::Auth($body) => $action,
            $ping @ (Packet::PingReq | Packet::PingResp) => $empty,
        }
    };
}

impl Packet {
    /// The packet's type.
    pub fn packet_type(&self) -> PacketType {
        match self {
            Self::Connect(_) => PacketType::Connect,
            Self::ConnAck(_) => PacketType::ConnAck,
            Self::Publish(_) => PacketType::Publish,
            Self::PubAck(_) => PacketType::PubAck,
            Self::PubRec(_) => PacketType::PubRec,
            Self::PubRel(_) => PacketType::PubRel,
            Self::PubComp(_) => PacketType::PubComp,
            Self::Subscribe(_) => PacketType::Subscribe,
            Self::SubAck(_) => PacketType::SubAck,
            Self::Unsubscribe(_) => PacketType::Unsubscribe,
            Self::UnsubAck(_) => PacketType::UnsubAck,
            Self::PingReq => PacketType::PingReq,
            Self::PingResp => PacketType::PingResp,
            Self::Disconnect(_) => PacketType::Disconnect,
            Self::Auth(_) => PacketType::Auth,
        }
    }

    /// Exact size on the wire for this version (fixed header included), or why the packet
    /// cannot be encoded for this version.
    pub fn encoded_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        with_body!(self, body => measure(body, version).map(|size| size.total), _ping => Ok(2))
    }

    /// Appends the packet to `out`: checks it and computes its exact size first, reserves
    /// once, writes once, in the shortest form the standard allows. With `max_packet_size`
    /// (the peer's Maximum Packet Size), a larger packet is refused with
    /// [`EncodeError::PacketTooLarge`] and nothing is written. On any error `out` is left
    /// untouched. Returns the number of bytes written.
    pub fn encode(
        &self,
        version: ProtocolVersion,
        max_packet_size: Option<u32>,
        out: &mut BytesMut,
    ) -> Result<usize, EncodeError> {
        with_body!(
            self,
            body => encode_body(body, version, max_packet_size, out),
            ping => encode_ping(ping, max_packet_size, out)
        )
    }

    /// Like [`Packet::encode`], but appends all of the packet except a PUBLISH's payload,
    /// and returns that payload instead of copying it: the caller sends `out` and then the
    /// payload, e.g. with one vectored write, so that a large message is never copied into
    /// the output buffer. For other packets the returned payload is empty and `out` holds
    /// the whole packet. The same checks and limits apply as for [`Packet::encode`]; on any
    /// error `out` is left untouched.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use mqtt_kit_codec::{Packet, ProtocolVersion, Publish, QoS, TopicName};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let topic = TopicName::try_from("video/frames")?;
    /// let packet = Packet::from(Publish::new(topic, vec![7u8; 1 << 20], QoS::AtMostOnce));
    /// let mut head = BytesMut::new();
    /// let payload = packet.encode_head(ProtocolVersion::V5, None, &mut head)?;
    /// assert_eq!(head.len() + payload.len(), packet.encoded_len(ProtocolVersion::V5)?);
    /// // e.g. `stream.write_vectored(&[IoSlice::new(&head), IoSlice::new(payload)])`
    /// # Ok(())
    /// # }
    /// ```
    pub fn encode_head(
        &self,
        version: ProtocolVersion,
        max_packet_size: Option<u32>,
        out: &mut BytesMut,
    ) -> Result<&Bytes, EncodeError> {
        with_body!(
            self,
            body => encode_head(body, version, max_packet_size, out, false).map(|_| body.payload()),
            ping => encode_ping(ping, max_packet_size, out).map(|_| &NO_PAYLOAD)
        )
    }
}

macro_rules! from_packet_struct {
    ($($name:ident),+) => {$(
        impl From<$name> for Packet {
            #[inline]
            fn from(packet: $name) -> Self {
                Packet::$name(packet)
            }
        }
    )+};
}

impl From<Connect> for Packet {
    #[inline]
    fn from(connect: Connect) -> Self {
        Packet::Connect(Box::new(connect))
    }
}

from_packet_struct!(
    ConnAck,
    Publish,
    PubAck,
    PubRec,
    PubRel,
    PubComp,
    Subscribe,
    SubAck,
    Unsubscribe,
    UnsubAck,
    Disconnect,
    Auth
);

impl fmt::Display for Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.packet_type(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use crate::{PubAck, Publish, QoS};

    #[test]
    fn packet_types() {
        for value in 1..=15 {
            let packet_type = PacketType::from_u8(value).unwrap();
            assert_eq!(packet_type as u8, value);
        }
        assert_eq!(PacketType::from_u8(0), None);
        assert_eq!(PacketType::from_u8(16), None);
        assert_eq!(PacketType::PubRel.fixed_flags(), 0b0010);
        assert_eq!(PacketType::SubAck.to_string(), "SUBACK");
    }

    #[test]
    fn max_packet_size_refuses_and_writes_nothing() {
        let packet = Packet::from(Publish::new(topic("a/b"), "0123456789", QoS::AtMostOnce));
        let len = packet.encoded_len(V5).unwrap();
        assert_eq!(len, 18);
        let mut out = BytesMut::from(&b"kept"[..]);
        assert_eq!(
            packet.encode(V5, Some(17), &mut out),
            Err(EncodeError::PacketTooLarge { size: 18, max: 17 })
        );
        assert_eq!(&out[..], b"kept");
        assert_eq!(packet.encode(V5, Some(18), &mut out), Ok(18));
        assert_eq!(out.len(), 4 + 18);
        assert_eq!(
            Packet::PingReq.encode(V5, Some(1), &mut out),
            Err(EncodeError::PacketTooLarge { size: 2, max: 1 })
        );
    }

    #[test]
    fn pings() {
        round_trip(Packet::PingReq, V3_1_1, "c000");
        round_trip(Packet::PingResp, V5, "d000");
        assert_eq!(Packet::PingResp.encoded_len(V3_1), Ok(2));
    }

    #[test]
    fn large_remaining_lengths_use_more_bytes() {
        let payload = vec![7u8; 200_000];
        let packet = Packet::from(Publish::new(topic("t"), payload, QoS::AtMostOnce));
        let hex = encode(packet.clone(), V3_1_1).unwrap();
        // 3 + 200,000 = 200,003 = 0x30d43 -> c3 9a 0c
        assert!(hex.starts_with("30c39a0c0001 74".replace(' ', "").as_str()));
        assert_eq!(decode_hex(&hex, V3_1_1), Ok(packet));
    }

    #[test]
    fn encode_head_leaves_out_only_the_payload() {
        let publish = Publish::new(topic("a/b"), vec![9u8; 300], QoS::AtMostOnce);
        let packet = Packet::from(publish);
        for version in [V3_1, V3_1_1, V5] {
            let mut whole = BytesMut::new();
            let len = packet.encode(version, None, &mut whole).unwrap();
            let mut head = BytesMut::from(&b"kept"[..]);
            let payload = packet.encode_head(version, None, &mut head).unwrap();
            assert_eq!(payload.len(), 300);
            assert_eq!(&head[..4], b"kept");
            assert_eq!([&head[4..], &payload[..]].concat(), whole.to_vec());
            assert_eq!(head.len() - 4 + payload.len(), len);
            // The payload is the packet's own, not a copy.
            let Packet::Publish(publish) = &packet else {
                unreachable!()
            };
            assert_eq!(payload.as_ptr(), publish.payload.as_ptr());
        }
        // Limits and errors as for `encode`, with `out` untouched.
        let mut head = BytesMut::new();
        assert_eq!(
            packet.encode_head(V5, Some(100), &mut head),
            Err(EncodeError::PacketTooLarge {
                size: 309,
                max: 100
            })
        );
        assert!(head.is_empty());
        // Packets without a payload are written whole.
        let payload = Packet::PingReq.encode_head(V5, None, &mut head).unwrap();
        assert!(payload.is_empty());
        assert_eq!(&head[..], [0xc0, 0x00]);
    }

    #[test]
    fn packets_stay_small() {
        // Every decoded packet is moved at least once (into the caller's `Result`): the enum
        // must stay small. CONNECT is boxed; PUBLISH (the packet that matters for speed) is
        // its topic, payload, flags and v5 properties. A change here must be deliberate.
        #[cfg(target_pointer_width = "64")]
        {
            assert_eq!(core::mem::size_of::<Publish>(), 232);
            assert_eq!(core::mem::size_of::<Packet>(), 256);
            assert_eq!(
                core::mem::size_of::<Result<Option<Packet>, DecodeError>>(),
                256
            );
        }
    }

    #[test]
    fn from_each_struct() {
        assert_eq!(
            Packet::from(PubAck::new(pid(1))).packet_type(),
            PacketType::PubAck
        );
    }
}
