//! [`Codec`]: the version and limits of one connection, kept together.

use bytes::BytesMut;

use crate::decode::{DecodeLimits, decode};
use crate::error::{DecodeError, EncodeError};
use crate::packet::Packet;
use crate::version::ProtocolVersion;

/// The codec of one connection: its protocol version, the limit on what it receives, and the
/// peer's limit on what it sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Codec {
    /// The protocol version of the connection.
    pub version: ProtocolVersion,
    /// Limits on incoming packets (our Maximum Packet Size).
    pub limits: DecodeLimits,
    /// The peer's Maximum Packet Size, if it announced one.
    pub max_outgoing_packet_size: Option<u32>,
}

impl Codec {
    /// A codec for `version` with no limits but the protocol's.
    pub fn new(version: ProtocolVersion) -> Self {
        Self {
            version,
            limits: DecodeLimits::default(),
            max_outgoing_packet_size: None,
        }
    }

    /// Reads one packet from the front of `buf`: see [`decode`].
    #[inline]
    pub fn decode(&self, buf: &mut BytesMut) -> Result<Option<Packet>, DecodeError> {
        decode(buf, self.version, &self.limits)
    }

    /// Appends `packet` to `out`: see [`Packet::encode`].
    #[inline]
    pub fn encode(&self, packet: &Packet, out: &mut BytesMut) -> Result<usize, EncodeError> {
        packet.encode(self.version, self.max_outgoing_packet_size, out)
    }
}
