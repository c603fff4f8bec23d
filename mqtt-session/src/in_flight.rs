//! Outgoing QoS 1/2 publishes in flight: sent (or to be sent again) and not yet fully
//! acknowledged, kept in the order they were sent.
//!
//! A QoS 1 message waits for PUBACK, a QoS 2 one for PUBREC, then (PUBREL sent) for PUBCOMP
//! [MQTT-4.3.2-3] [MQTT-4.3.3-3] [MQTT-4.3.3-5]. On a resumed session every entry is sent
//! again in this order: PUBLISH with DUP set and its original packet identifier, or PUBREL
//! [MQTT-4.4.0-1] [MQTT-4.6.0-1]. A PUBREL moves its entry to the back, since it is sent
//! after everything before it; PUBRELs therefore also leave in the order their PUBRECs came
//! [MQTT-4.6.0-4].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use mqtt_kit_codec::{PacketId, Publish};

use crate::events::PublishToken;

/// Where an outgoing QoS 1/2 exchange is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// PUBLISH sent; waiting for PUBACK (QoS 1) or PUBREC (QoS 2).
    Published,
    /// PUBREL sent; waiting for PUBCOMP.
    Released,
}

/// One outgoing message in flight.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// The token the application holds.
    pub token: PublishToken,
    /// Position in the order of sending.
    pub order: u64,
    /// The PUBLISH as first sent: packet identifier set, full topic name, DUP clear.
    pub publish: Publish,
    /// Where the exchange is.
    pub stage: Stage,
}

impl Outgoing {
    /// The packet identifier.
    pub fn packet_id(&self) -> Option<PacketId> {
        self.publish.packet_id
    }
}

/// The table of outgoing messages in flight.
#[derive(Debug, Clone, Default)]
pub struct InFlight {
    entries: HashMap<u16, Outgoing>,
    order: BTreeMap<u64, u16>,
    /// Orders of the entries still to be written on the current connection.
    unsent: BTreeSet<u64>,
    next_order: u64,
}

impl InFlight {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// The next order number to use (and counts it as used).
    pub fn take_order(&mut self) -> u64 {
        let order = self.next_order;
        self.next_order += 1;
        order
    }

    /// Adds an entry (already written, or to write when `unsent`).
    pub fn insert(&mut self, entry: Outgoing, unsent: bool) {
        let Some(id) = entry.packet_id() else {
            return;
        };
        self.next_order = self.next_order.max(entry.order + 1);
        if unsent {
            self.unsent.insert(entry.order);
        }
        self.order.insert(entry.order, id.get());
        if let Some(old) = self.entries.insert(id.get(), entry) {
            self.order.remove(&old.order);
            self.unsent.remove(&old.order);
        }
    }

    /// The entry of `packet_id`.
    pub fn get(&self, packet_id: u16) -> Option<&Outgoing> {
        self.entries.get(&packet_id)
    }

    /// Moves `packet_id` to the Released stage, at the back of the order, as number `order`.
    pub fn release(&mut self, packet_id: u16, order: u64) -> bool {
        let Some(entry) = self.entries.get_mut(&packet_id) else {
            return false;
        };
        self.order.remove(&entry.order);
        self.unsent.remove(&entry.order);
        entry.order = order;
        entry.stage = Stage::Released;
        self.order.insert(order, packet_id);
        self.next_order = self.next_order.max(order + 1);
        true
    }

    /// Removes the entry of `packet_id`.
    pub fn remove(&mut self, packet_id: u16) -> Option<Outgoing> {
        let entry = self.entries.remove(&packet_id)?;
        self.order.remove(&entry.order);
        self.unsent.remove(&entry.order);
        Some(entry)
    }

    /// Marks every entry as still to be written (a new connection resuming the session).
    pub fn mark_all_unsent(&mut self) {
        self.unsent = self.order.keys().copied().collect();
    }

    /// The first entry still to be written on this connection, in order.
    pub fn first_unsent(&self) -> Option<&Outgoing> {
        let order = self.unsent.first()?;
        self.order.get(order).and_then(|id| self.entries.get(id))
    }

    /// The first entry still to be written whose stage is `stage`.
    pub fn first_unsent_in(&self, stage: Stage) -> Option<&Outgoing> {
        self.unsent
            .iter()
            .filter_map(|order| self.order.get(order).and_then(|id| self.entries.get(id)))
            .find(|entry| entry.stage == stage)
    }

    /// `packet_id` was written on this connection.
    pub fn mark_sent(&mut self, packet_id: u16) {
        if let Some(entry) = self.entries.get(&packet_id) {
            self.unsent.remove(&entry.order);
        }
    }

    /// Removes and returns every entry, in order.
    pub fn drain(&mut self) -> Vec<Outgoing> {
        let order = std::mem::take(&mut self.order);
        self.unsent.clear();
        let mut out = Vec::with_capacity(order.len());
        for id in order.values() {
            if let Some(entry) = self.entries.remove(id) {
                out.push(entry);
            }
        }
        self.entries.clear();
        out
    }

    /// The entries, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Outgoing> {
        self.order.values().filter_map(|id| self.entries.get(id))
    }

    /// How many are in flight.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
