//! The MQTT client of the toolkit: MQTT 3.1, 3.1.1 and 5.0 over TCP, TLS, WebSocket or any
//! stream you bring, on any async runtime, with a blocking facade for scripts.
//!
//! It is [luamqtt](https://github.com/xHasKx/luamqtt)'s client in Rust form: the same options
//! (uri, id, clean, username, password, keep_alive, will, version, tls, reconnect, connector)
//! and events (connect, message, subscribe, unsubscribe, acknowledge, error, close, auth),
//! and, like luamqtt's ioloop, many clients on one thread. Underneath it ties together the
//! sans-IO protocol engine (`mqtt-kit-session`) and the connectors (`mqtt-kit-transport`).
//!
//! - A [`Client`] is a cheap, cloneable, `Send + Sync` handle; one [`Driver`] future per
//!   client does all the I/O and timers and runs on any executor (smol, tokio, async-std,
//!   a `block_on`); [`Client::spawn`] runs it on smol.
//! - [`Client::publish`] ends when the message is done: written (QoS 0), acknowledged by
//!   PUBACK (QoS 1) or PUBCOMP (QoS 2), with the reason code ([`Published`]).
//!   [`Client::try_publish`] does not wait. A full queue makes `publish` wait and
//!   `try_publish` say [`ClientError::WouldBlock`]: nothing is dropped silently.
//!   [`Client::publish_with`] adds the retain flag and MQTT 5.0 properties without building
//!   the packet: `client.publish_with("a/b", "x").qos(QoS::AtLeastOnce).retain(true).await`.
//! - [`Client::subscribe`] gives a [`Subscription`]: the per-filter results and a stream of
//!   exactly the messages that match it (by MQTT 5.0 Subscription Identifier where the broker
//!   sends them). Messages no subscription takes come as [`Event::Message`].
//! - Manual acknowledgement on request ([`OptionsBuilder::manual_ack`], [`Client::acknowledge`]).
//! - Reconnection with exponential back-off and jitter (1 s doubling to 120 s), fail-over
//!   between several brokers (and to the server an MQTT 5.0 broker names in a Server
//!   Reference when it says "Use another server" or "Server moved"), unacknowledged
//!   publishes sent again (DUP), subscriptions restored when the broker lost the session;
//!   every attempt, connection and loss is an [`Event`]. A dead link (no PINGRESP) is left
//!   at once, its unwritten bytes dropped (what they carried stays to be sent again).
//! - Requests made before the client was ever connected fail after
//!   [`OptionsBuilder::connect_timeout`] (30 s) with the last connection error
//!   ([`ClientError::NeverConnected`]), instead of waiting for ever on a broker that cannot
//!   be reached.
//! - Every decision is made by a sans-IO engine with the time passed in (unit-tested
//!   deterministically); the [`Driver`] only reads, writes, sleeps and hands results over.
//! - No self-deadlock: the driver never waits for the application (messages and events queue
//!   without bound until read), so a task may publish from inside its message loop.
//! - For brokers that mishandle what the client does on its own, automatic topic aliases
//!   ([`OptionsBuilder::topic_aliases`]) and subscription identifiers
//!   ([`OptionsBuilder::subscription_identifiers`]) can be turned off, and
//!   [`OptionsBuilder::empty_state_may_resume`] follows MQTT 5.0 to the letter.
//!
//! # Example
//!
//! luamqtt's `examples/simple.lua`: connect, subscribe, publish, receive, disconnect. (The
//! hidden lines start a stand-in broker that answers by script; a real program names a
//! real broker.)
//!
//! ```
//! use mqtt_kit_client::{Client, Options, QoS};
//! # use std::io::{Read, Write};
//! # use mqtt_kit_codec::{decode, ConnAck, ConnectReasonCode, DecodeLimits, Packet, PubAck, SubAck};
//! # use mqtt_kit_codec::{ProtocolVersion::V3_1_1, SubscribeReasonCode::GrantedQoS1};
//! # /// Reads and writes whole packets on the stand-in broker's side.
//! # struct Peer(std::net::TcpStream, bytes::BytesMut);
//! # impl Peer {
//! #     fn next(&mut self) -> Packet {
//! #         loop {
//! #             if let Some(packet) = decode(&mut self.1, V3_1_1, &DecodeLimits::default()).unwrap() {
//! #                 return packet;
//! #             }
//! #             let mut chunk = [0; 1024];
//! #             let count = self.0.read(&mut chunk).unwrap();
//! #             assert!(count > 0, "the client closed the connection");
//! #             self.1.extend_from_slice(&chunk[..count]);
//! #         }
//! #     }
//! #     fn send(&mut self, packet: Packet) {
//! #         let mut out = bytes::BytesMut::new();
//! #         packet.encode(V3_1_1, None, &mut out).unwrap();
//! #         self.0.write_all(&out).unwrap();
//! #     }
//! # }
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
//! # let uri = format!("mqtt://{}", listener.local_addr().unwrap());
//! # let broker = std::thread::spawn(move || {
//! #     let mut peer = Peer(listener.accept().unwrap().0, Default::default());
//! #     assert!(matches!(peer.next(), Packet::Connect(_)));
//! #     peer.send(ConnAck::new(ConnectReasonCode::Success).into());
//! #     let Packet::Subscribe(subscribe) = peer.next() else { panic!("SUBSCRIBE expected") };
//! #     peer.send(SubAck::new(subscribe.packet_id, vec![GrantedQoS1]).into());
//! #     let Packet::Publish(publish) = peer.next() else { panic!("PUBLISH expected") };
//! #     peer.send(PubAck::new(publish.packet_id.unwrap()).into());
//! #     peer.send(publish.into()); // sent back to the subscriber
//! #     assert!(matches!(peer.next(), Packet::PubAck(_)));
//! #     assert!(matches!(peer.next(), Packet::Disconnect(_)));
//! # });
//! smol::block_on(async {
//!     let options = Options::builder().uri(uri).id("simple-example").build()?;
//!     let (client, driver) = Client::new(options);
//!     smol::spawn(driver.run()).detach(); // or: let client = Client::spawn(options);
//!
//!     let mut messages = client.subscribe("luamqtt/#", QoS::AtLeastOnce).await?;
//!     let done = client.publish("luamqtt/simple", "hello", QoS::AtLeastOnce).await?;
//!     assert_eq!(done.reason_code(), 0); // PUBACK: success
//!
//!     let message = messages.next().await.expect("the broker sends it back");
//!     assert_eq!(message.topic(), "luamqtt/simple");
//!     assert_eq!(&message.payload()[..], b"hello");
//!     client.disconnect().await?;
//!     Ok::<_, Box<dyn std::error::Error>>(())
//! })?;
//! # broker.join().unwrap();
//! # Ok(())
//! # }
//! ```
//!
//! # Drop safety
//!
//! Every future of the API says in its documentation what dropping it does. In short:
//! dropping a `publish` future before the message was accepted publishes nothing, after it
//! only gives up the answer; dropping `subscribe`, `unsubscribe`, `acknowledge` or
//! `disconnect` futures after their first poll does not stop them; dropping `next()` on a
//! stream loses nothing. Dropping the [`Driver`] closes the connection abruptly.
//!
//! # Logging
//!
//! The client and its protocol engine log with [`tracing`](https://docs.rs/tracing); they
//! install no subscriber, so nothing is printed unless the application installs one
//! (`tracing-subscriber`, or `tracing`'s `log` feature to reach a `log` logger).
//!
//! | level | what |
//! | --- | --- |
//! | `error` | the client ends for good: a refusal that retrying cannot fix, a failed journal |
//! | `warn` | a failed attempt or connection, a disconnection the client did not ask for, a protocol violation by the broker (with the normative statement it breaks), a subscription not restored, requests failed for want of a first connection |
//! | `info` | each connection attempt, each connection (session present, keep alive), each reconnection delay, our own disconnection, the end of the client |
//! | `trace` | every packet sent and received: type, packet identifier, and for PUBLISH the topic, topic alias, QoS, flags and payload length |
//!
//! Payloads, passwords and authentication data are never logged, and the `Debug` output of
//! every type that holds them (options, packets, messages, events) shows their length only.
//! [`Event`], [`Message`] and the errors also read as one line with `Display`.
//!
//! # Runtimes
//!
//! Sockets and timers come from async-io, which drives them from a thread of its own: the
//! driver runs under any executor. For tokio-only streams, implement
//! [`Connector`] with a compat wrapper and pass it to
//! [`OptionsBuilder::connector`].
//!
//! # Cargo features
//!
//! | feature | default | what it brings |
//! | --- | --- | --- |
//! | `smol` | yes | [`Client::spawn`] |
//! | `tls` | yes | `mqtts://` and `wss://` (rustls, ring, the system's CAs) |
//! | `websocket` | yes | `ws://` (and with `tls`, `wss://`) |
//! | `tokio` | no | `TokioConnector`: TCP on tokio's sockets, for a client run on tokio |

#![deny(missing_docs)]

mod backoff;
pub mod blocking;
mod broadcast;
mod builder;
mod client;
mod display;
mod driver;
mod engine;
mod error;
mod events;
mod options;
mod publish_builder;
mod routing;
mod state;

pub use backoff::{Backoff, Reconnect, SleepFuture, Sleeper, TimerSleeper};
pub use builder::OptionsBuilder;
pub use client::{Client, DisconnectOptions, PublishHandle};
pub use driver::Driver;
pub use error::{ClientError, OptionsError};
pub use events::{Event, Events, Message, Published};
pub use options::Options;
pub use publish_builder::PublishBuilder;
pub use routing::{SubscribeRequest, Subscription};
pub use state::{ConnectionState, StateChanges, Stats};

// The types of the layers below that appear in this API, so that users need not depend on
// those crates to name them.
pub use mqtt_kit_codec::{
    AckProperties, Auth, ConnAck, ConnectProperties, ConnectReasonCode, Disconnect,
    DisconnectProperties, DisconnectReasonCode, PayloadFormat, ProtocolVersion, PubAck,
    PubAckReasonCode, PubComp, PubRec, Publish, PublishProperties, QoS, RetainHandling, SubAck,
    SubscribeProperties, SubscribeReasonCode, SubscriptionId, SubscriptionOptions, TopicError,
    TopicFilter, TopicName, UnsubAck, UnsubscribeProperties, Will, WillProperties, bytes,
};
pub use mqtt_kit_session::{
    AckToken, AuthError, Authenticator, CommandError, Connected, DisconnectReason, Journal,
    JournalError, LostSessionPolicy, ProtocolError, PublishError, QueueFullPolicy, ServerLimits,
    TornTail,
};
#[cfg(feature = "tokio")]
pub use mqtt_kit_transport::TokioConnector;
#[cfg(feature = "tls")]
pub use mqtt_kit_transport::tls;
pub use mqtt_kit_transport::{
    BoxedStream, BrokerAddress, ByteStream, ConnectFuture, Connector, DefaultConnector,
    TransportError,
};

/// The README's examples, run as doctests so that they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
