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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use crate::{PubAck, Publish, QoS};

    #[test]
    fn encodes_and_decodes_with_its_version_and_limits() {
        let mut codec = Codec::new(V3_1_1);
        let mut buf = BytesMut::new();
        codec.encode(&PubAck::new(pid(7)).into(), &mut buf).unwrap();
        assert_eq!(hex(&buf), "40020007");
        assert_eq!(codec.decode(&mut buf), Ok(Some(PubAck::new(pid(7)).into())));

        codec.max_outgoing_packet_size = Some(5);
        let big = Packet::from(Publish::new(topic("abc"), "xyz", QoS::AtMostOnce));
        assert!(matches!(
            codec.encode(&big, &mut buf),
            Err(EncodeError::PacketTooLarge { .. })
        ));

        codec.limits = DecodeLimits::new(3);
        let mut incoming = bytes("3008000361626378797a");
        assert!(matches!(
            codec.decode(&mut incoming),
            Err(DecodeError::PacketTooLarge { .. })
        ));
    }
}
