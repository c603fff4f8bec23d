//! What must survive a restart of the process, as data: [`StoredSession`], the state a
//! [`crate::Journal`] rebuilds from its records and [`crate::Session::restore`] goes on from.
//!
//! The client and the server must keep the session state for as long as the session lasts
//! [MQTT-4.1.0-1] [MQTT-3.1.2-23], which can be longer than the process. A durable session
//! emits a record at each step of a QoS 1/2 exchange, to be appended before the packet of
//! that step is written, so that whatever the broker may have seen is on record:
//! - a publish accepted before it has a packet identifier (queued), until it leaves the queue;
//! - an outgoing PUBLISH when its packet identifier is assigned, then its PUBREL stage, then
//!   its end;
//! - an incoming QoS 2 packet identifier when we take ownership (PUBREC), until its PUBREL.

use std::collections::{BTreeMap, BTreeSet};

use mqtt_kit_codec::Publish;

/// An outgoing QoS 1/2 PUBLISH that was sent and is not acknowledged yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPublish {
    /// Position in the order of sending (a PUBREL takes a new one when it is sent): resends
    /// go out in this order [MQTT-4.6.0-1].
    pub order: u64,
    /// The PUBLISH as first sent, with its packet identifier, topic name in full (no alias)
    /// and DUP clear.
    pub publish: Publish,
    /// False: waiting for PUBACK (QoS 1) or PUBREC (QoS 2). True: PUBREL sent, waiting for
    /// PUBCOMP.
    pub released: bool,
}

/// Everything a store holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredSession {
    /// Whether a session was established with the server (a CONNACK accepted it).
    pub established: bool,
    /// Unacknowledged outgoing publishes, by order of sending.
    pub outgoing: BTreeMap<u64, StoredPublish>,
    /// Packet identifiers of incoming QoS 2 messages we answered with PUBREC and whose
    /// PUBREL has not come yet.
    pub incoming_qos2: BTreeSet<u16>,
    /// Publishes accepted before they had a packet identifier (for example in the offline
    /// queue), by their place in the queue, without packet identifier. Only a store that keeps
    /// [`crate::Record::Queue`] records fills it.
    pub queued: BTreeMap<u64, Publish>,
}
