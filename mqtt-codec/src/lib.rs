//! # mqtt-kit-codec
//!
//! The packet codec of the toolkit: every control packet of MQTT 3.1, 3.1.1 and 5.0, both
//! directions (client and server packets, AUTH included), to and from bytes. It knows nothing
//! of connections, sessions or I/O; a broker, a proxy or a test tool can use it alone.
//!
//! - **Incremental decoding** from a [`bytes::BytesMut`] read buffer ([`decode`]): an
//!   incomplete packet consumes nothing; the maximum packet size is checked from the fixed
//!   header, before the body is buffered; nothing is allocated beyond what the input holds.
//! - **Zero copy**: topics and payloads are [`bytes::Bytes`] slices of the read buffer, and so
//!   is every string: client identifier, user name, v5 property strings and user properties
//!   are [`bytestring::ByteString`]s (UTF-8 checked once, no allocation per string).
//! - **Exact, shortest encoding** ([`Packet::encode`]): the size is computed first, the buffer
//!   reserved once and written once, in the shortest form the standard allows (a v5
//!   acknowledgement with Success and no properties is the bare packet identifier); decoding
//!   accepts every form the standard allows. [`Packet::encode_head`] writes all but a
//!   PUBLISH payload and hands the payload back, so that a large message goes out in a
//!   vectored write without being copied.
//! - **Strict both ways**: typed errors ([`DecodeError`], [`EncodeError`]) that name the
//!   normative statement they enforce (`[MQTT-3.3.2-2]`), and
//!   [`DecodeError::disconnect_reason`] for the DISCONNECT that ends the connection.
//! - **Validated topics**: [`TopicName`] and [`TopicFilter`] with matching (`+`, `#`,
//!   `$`-topics, shared subscriptions `$share/group/filter`).
//! - **Every MQTT 5.0 property** in a per-packet struct that holds exactly what that packet may
//!   carry; every reason code as an enum with exactly the codes its packet allows.
//!
//! The crate is `no_std` (it needs `alloc`): the default `std` feature only turns on `std` in
//! `bytes`, so `default-features = false` builds for targets without the standard library.
//!
//! ## Example
//!
//! ```
//! use bytes::BytesMut;
//! use mqtt_kit_codec::{decode, DecodeLimits, Packet, PacketId, ProtocolVersion, Publish, QoS, TopicName};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let topic = TopicName::try_from("sensors/kitchen/temperature")?;
//! let publish = Publish::new(topic, "21.5", QoS::AtLeastOnce).with_packet_id(PacketId::new(1).unwrap());
//! let packet = Packet::from(publish);
//!
//! // Encode for MQTT 5.0 (no limit from the peer).
//! let mut buf = BytesMut::new();
//! let written = packet.encode(ProtocolVersion::V5, None, &mut buf)?;
//! assert_eq!(written, packet.encoded_len(ProtocolVersion::V5)?);
//!
//! // Decode it back; an incomplete buffer would give Ok(None).
//! let decoded = decode(&mut buf, ProtocolVersion::V5, &DecodeLimits::default())?;
//! assert_eq!(decoded, Some(packet));
//! assert!(buf.is_empty());
//! # Ok(())
//! # }
//! ```
#![no_std]
#![deny(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod ack;
mod auth;
mod connack;
mod connect;
mod decode;
mod disconnect;
mod error;
mod frame;
mod packet;
mod properties;
mod property;
mod publish;
mod qos;
mod reason_code;
pub mod redact;
mod suback;
mod subscribe;
#[cfg(test)]
mod test_support;
mod topic;
mod topic_filter;
mod unsuback;
mod unsubscribe;
mod version;
mod wire;

pub use ack::{PubAck, PubComp, PubRec, PubRel};
pub use auth::Auth;
pub use connack::ConnAck;
pub use connect::{Connect, Will};
pub use decode::{DecodeLimits, MAX_PACKET_SIZE, decode, decode_connect};
pub use disconnect::Disconnect;
pub use error::{DecodeError, EncodeError};
pub use frame::packet_len;
pub use packet::{Packet, PacketType};
pub use properties::{
    AckProperties, AuthProperties, ConnAckProperties, ConnectProperties, DisconnectProperties,
    PubAckProperties, PublishProperties, SubAckProperties, SubscribeProperties, UnsubAckProperties,
    UnsubscribeProperties, WillProperties,
};
pub use property::{PayloadFormat, PropertyId, SubscriptionId};
pub use publish::Publish;
pub use qos::{InvalidQoS, PacketId, QoS, ZeroPacketId};
pub use reason_code::{
    AuthReasonCode, ConnectReasonCode, DisconnectReasonCode, PubAckReasonCode, PubCompReasonCode,
    PubRecReasonCode, PubRelReasonCode, SubscribeReasonCode, UnknownReasonCode, UnsubAckReasonCode,
};
pub use suback::SubAck;
pub use subscribe::{RetainHandling, Subscribe, SubscriptionOptions};
pub use topic::{MAX_TOPIC_LEN, TopicError, TopicName};
pub use topic_filter::TopicFilter;
pub use unsuback::UnsubAck;
pub use unsubscribe::Unsubscribe;
pub use version::ProtocolVersion;

// `bytes` and `bytestring` types appear in the API: re-exported so that users name the same
// versions.
pub use bytes;
pub use bytestring;

/// The README's examples, run as doctests so that they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
