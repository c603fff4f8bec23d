//! What must survive a restart of the process: the [`Store`] trait and an in-memory store.
//!
//! The client and the server must keep the session state for as long as the session lasts
//! [MQTT-4.1.0-1] [MQTT-3.1.2-23], which can be longer than the process. The session writes
//! through to its store at each step of a QoS 1/2 exchange, before the packet of that step is
//! written, so that whatever the broker may have seen is on record:
//! - an outgoing PUBLISH when its packet identifier is assigned, then its PUBREL stage, then
//!   its end;
//! - an incoming QoS 2 packet identifier when we take ownership (PUBREC), until its PUBREL.
//!
//! A session built with [`crate::Session::with_store`] starts from what the store holds.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use mqtt_codec::{PacketId, Publish};

/// A store failed; the message says why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("session store failed: {message}")]
pub struct StoreError {
    /// What went wrong.
    pub message: String,
}

impl StoreError {
    /// An error saying `message`.
    pub fn new(message: impl std::fmt::Display) -> Self {
        Self {
            message: message.to_string(),
        }
    }
}

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
    /// [`crate::journal::Record::Queue`] records fills it.
    pub queued: BTreeMap<u64, Publish>,
}

/// Persistence for the session state. Every method is called before the packet it records
/// is written; an error stops that packet (and is reported).
pub trait Store: Send {
    /// What the store holds (at start-up).
    fn load(&mut self) -> Result<StoredSession, StoreError>;
    /// A session was established (true) or discarded (false).
    fn set_established(&mut self, established: bool) -> Result<(), StoreError>;
    /// An outgoing PUBLISH got its packet identifier and is about to be sent.
    fn save_outgoing(&mut self, entry: &StoredPublish) -> Result<(), StoreError>;
    /// A PUBREC came for `packet_id`; its PUBREL is about to be sent as number `order`.
    fn release_outgoing(&mut self, packet_id: PacketId, order: u64) -> Result<(), StoreError>;
    /// The exchange of `packet_id` is over (PUBACK, PUBCOMP, an error PUBREC, or dropped).
    fn remove_outgoing(&mut self, packet_id: PacketId) -> Result<(), StoreError>;
    /// We are about to answer an incoming QoS 2 PUBLISH `packet_id` with PUBREC.
    fn save_incoming(&mut self, packet_id: PacketId) -> Result<(), StoreError>;
    /// We are about to answer the PUBREL of `packet_id` with PUBCOMP.
    fn remove_incoming(&mut self, packet_id: PacketId) -> Result<(), StoreError>;
    /// The session is discarded: forget everything.
    fn clear(&mut self) -> Result<(), StoreError>;
}

/// A store in memory: it outlives a [`crate::Session`] (take it back with
/// [`crate::Session::into_store`]) but not the process.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    state: StoredSession,
    /// Order of each outgoing entry, by packet identifier.
    orders: HashMap<u16, u64>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// What it holds now.
    pub fn state(&self) -> &StoredSession {
        &self.state
    }
}

impl Store for MemoryStore {
    fn load(&mut self) -> Result<StoredSession, StoreError> {
        Ok(self.state.clone())
    }

    fn set_established(&mut self, established: bool) -> Result<(), StoreError> {
        self.state.established = established;
        Ok(())
    }

    fn save_outgoing(&mut self, entry: &StoredPublish) -> Result<(), StoreError> {
        if let Some(id) = entry.publish.packet_id {
            if let Some(old) = self.orders.insert(id.get(), entry.order) {
                self.state.outgoing.remove(&old);
            }
        }
        self.state.outgoing.insert(entry.order, entry.clone());
        Ok(())
    }

    fn release_outgoing(&mut self, packet_id: PacketId, order: u64) -> Result<(), StoreError> {
        let old = self.orders.get(&packet_id.get()).copied();
        let Some(mut entry) = old.and_then(|old| self.state.outgoing.remove(&old)) else {
            return Err(StoreError::new(format_args!(
                "no outgoing publish with packet identifier {}",
                packet_id.get()
            )));
        };
        entry.order = order;
        entry.released = true;
        self.orders.insert(packet_id.get(), order);
        self.state.outgoing.insert(order, entry);
        Ok(())
    }

    fn remove_outgoing(&mut self, packet_id: PacketId) -> Result<(), StoreError> {
        if let Some(order) = self.orders.remove(&packet_id.get()) {
            self.state.outgoing.remove(&order);
        }
        Ok(())
    }

    fn save_incoming(&mut self, packet_id: PacketId) -> Result<(), StoreError> {
        self.state.incoming_qos2.insert(packet_id.get());
        Ok(())
    }

    fn remove_incoming(&mut self, packet_id: PacketId) -> Result<(), StoreError> {
        self.state.incoming_qos2.remove(&packet_id.get());
        Ok(())
    }

    fn clear(&mut self) -> Result<(), StoreError> {
        self.state = StoredSession::default();
        self.orders.clear();
        Ok(())
    }
}
