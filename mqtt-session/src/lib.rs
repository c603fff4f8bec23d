//! The MQTT protocol engine of the toolkit, without I/O: QoS 0/1/2 in both directions,
//! sessions that survive reconnections (and, with a [`Journal`], restarts), keep alive, flow
//! control, topic aliases, manual acknowledgement and enhanced authentication, for MQTT 3.1,
//! 3.1.1 and 5.0.
//!
//! A [`Session`] is a plain state machine in the manner of quinn-proto or rustls: it has no
//! socket, no async, no threads and no clock. The driver (for example `mqtt-kit-client`, or your own
//! event loop) feeds it bytes read from the network ([`Session::handle_read`]) and the time
//! ([`Session::handle_timeout`]), writes out what [`Session::poll_transmit`] hands it, reacts
//! to [`Session::poll_event`], and wakes up at [`Session::poll_timeout`]. Commands
//! ([`Session::connect`], [`Session::publish`], [`Session::subscribe`],
//! [`Session::unsubscribe`], [`Session::acknowledge`], [`Session::disconnect`],
//! [`Session::connection_lost`]) return typed errors when refused, and every accepted publish
//! gets a [`PublishToken`] that its final [`Event::PublishDone`] carries.
//!
//! Because it is deterministic, every rule is tested here at the packet level without a
//! network (see `tests/`, each scenario naming the normative statement it shows).
//!
//! # Example: a QoS 1 publish, driven by hand
//!
//! ```
//! use std::time::Instant;
//! use bytes::BytesMut;
//! use mqtt_kit_codec::{ConnAck, ConnectReasonCode, Packet, PacketId, ProtocolVersion, PubAck, Publish, QoS, TopicName};
//! use mqtt_kit_session::{Event, PublishAck, Session, SessionConfig};
//!
//! let v5 = ProtocolVersion::V5;
//! let now = Instant::now();
//! let mut session = Session::new(SessionConfig::new(v5, "sensor-7"));
//!
//! // Connect: the session writes CONNECT.
//! session.connect(now).unwrap();
//! let mut wire = BytesMut::new();
//! assert!(session.poll_transmit(now, &mut wire) > 0);
//! assert_eq!(wire[0] >> 4, 1, "CONNECT first");
//!
//! // The broker answers CONNACK (here encoded by hand with the codec).
//! let mut from_broker = BytesMut::new();
//! Packet::ConnAck(ConnAck::new(ConnectReasonCode::Success)).encode(v5, None, &mut from_broker).unwrap();
//! session.handle_read(&mut from_broker, now).unwrap();
//! assert!(matches!(session.poll_event(), Some(Event::Connected(_))));
//!
//! // Publish at QoS 1: the session assigns packet identifier 1 and writes the PUBLISH.
//! let topic = TopicName::try_from("sensors/7/temperature").unwrap();
//! let token = session.publish(Publish::new(topic, "21.5", QoS::AtLeastOnce)).unwrap();
//! wire.clear();
//! assert!(session.poll_transmit(now, &mut wire) > 0);
//! assert_eq!(wire[0] >> 4, 3, "PUBLISH");
//!
//! // The broker's PUBACK completes it.
//! let id = PacketId::new(1).unwrap();
//! Packet::PubAck(PubAck::new(id)).encode(v5, None, &mut from_broker).unwrap();
//! session.handle_read(&mut from_broker, now).unwrap();
//! match session.poll_event() {
//!     Some(Event::PublishDone { token: done, result: Ok(PublishAck::PubAck(ack)) }) => {
//!         assert_eq!(done, token);
//!         assert_eq!(ack.packet_id, id);
//!     }
//!     other => panic!("expected the PUBACK, got {other:?}"),
//! }
//! // Nothing else is due until the keep-alive period (60 s by default) has passed.
//! assert_eq!(session.poll_timeout(), Some(now + std::time::Duration::from_secs(60)));
//! ```

#![deny(missing_docs)]
// Modules are private and what users need is re-exported below: a public type that cannot be
// named from outside would be one left out.
#![warn(unnameable_types)]

mod ack_order;
mod auth;
mod connect;
mod error;
mod events;
mod flow_control;
mod in_flight;
mod incoming;
mod journal;
mod keep_alive;
mod offline_queue;
mod out_buffer;
mod packet_id;
mod packet_log;
mod session;
mod store;
mod subscriptions;
mod topic_alias;

pub use auth::{AuthError, Authenticator};
pub use connect::{AckMode, Connected, LostSessionPolicy, ServerLimits, SessionConfig};
pub use error::{CommandError, ProtocolError, PublishError};
pub use events::{
    AckToken, DisconnectReason, Event, Message, PublishAck, PublishToken, RequestLost, RequestToken,
};
pub use journal::{Damage, Journal, JournalError, Loaded, Record, TornTail};
pub use offline_queue::QueueFullPolicy;
pub use out_buffer::OutBuffer;
pub use session::{ConnectionState, Session};
pub use store::{StoredPublish, StoredSession};
pub use subscriptions::Subscription;

/// The README's examples, run as doctests so that they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
