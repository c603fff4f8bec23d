//! The state that replaying records builds, kept up to date as records are appended.

use std::collections::HashMap;

use super::error::Damage;
use super::record::Record;
use crate::store::StoredSession;

/// A [`StoredSession`] with an index from packet identifier to order of sending.
#[derive(Debug, Clone, Default)]
pub struct LiveState {
    session: StoredSession,
    orders: HashMap<u16, u64>,
}

impl LiveState {
    /// The state.
    pub fn session(&self) -> &StoredSession {
        &self.session
    }

    /// Whether `batch` applies to this state: checked before anything is written, so that a
    /// record the state would refuse never reaches the file (where it would make the whole
    /// journal unreadable).
    pub fn check(&self, batch: &[Record]) -> Result<(), Damage> {
        // Packet identifiers saved (true) or removed (false) earlier in the batch.
        let mut changed: HashMap<u16, bool> = HashMap::new();
        let mut cleared = false;
        for record in batch {
            match record {
                Record::SaveOutgoing(entry) => {
                    if let Some(id) = entry.publish.packet_id {
                        changed.insert(id.get(), true);
                    }
                }
                Record::RemoveOutgoing(id) => {
                    changed.insert(id.get(), false);
                }
                Record::Clear => {
                    changed.clear();
                    cleared = true;
                }
                Record::ReleaseOutgoing { packet_id, .. } => {
                    let id = packet_id.get();
                    let known = match changed.get(&id) {
                        Some(present) => *present,
                        None => !cleared && self.orders.contains_key(&id),
                    };
                    if !known {
                        return Err(release_unknown());
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Applies one record; fails (changing nothing) only for a release of an exchange that is
    /// not on record.
    pub fn apply(&mut self, record: &Record) -> Result<(), Damage> {
        let state = &mut self.session;
        match record {
            Record::Established(established) => state.established = *established,
            Record::SaveOutgoing(entry) => {
                if let Some(id) = entry.publish.packet_id {
                    if let Some(old) = self.orders.insert(id.get(), entry.order) {
                        state.outgoing.remove(&old);
                    }
                }
                state.outgoing.insert(entry.order, entry.clone());
            }
            Record::ReleaseOutgoing { packet_id, order } => {
                let old = self.orders.get(&packet_id.get()).copied();
                let Some(mut entry) = old.and_then(|old| state.outgoing.remove(&old)) else {
                    return Err(release_unknown());
                };
                entry.order = *order;
                entry.released = true;
                self.orders.insert(packet_id.get(), *order);
                state.outgoing.insert(*order, entry);
            }
            Record::RemoveOutgoing(id) => {
                if let Some(order) = self.orders.remove(&id.get()) {
                    state.outgoing.remove(&order);
                }
            }
            Record::SaveIncoming(id) => {
                state.incoming_qos2.insert(id.get());
            }
            Record::RemoveIncoming(id) => {
                state.incoming_qos2.remove(&id.get());
            }
            Record::Clear => {
                *state = StoredSession::default();
                self.orders.clear();
            }
            Record::Queue { seq, publish } => {
                let mut publish = publish.clone();
                publish.packet_id = None;
                state.queued.insert(*seq, publish);
            }
            Record::Unqueue(seq) => {
                state.queued.remove(seq);
            }
        }
        Ok(())
    }

    /// The fewest records that rebuild this state from nothing (what a compacted journal
    /// holds), in an order that replays to the same state.
    pub fn snapshot(&self) -> impl Iterator<Item = Record> + '_ {
        let state = &self.session;
        let established = state.established.then_some(Record::Established(true));
        established
            .into_iter()
            .chain(state.outgoing.values().cloned().map(Record::SaveOutgoing))
            .chain(
                state
                    .incoming_qos2
                    .iter()
                    .filter_map(|id| mqtt_kit_codec::PacketId::new(*id).map(Record::SaveIncoming)),
            )
            .chain(state.queued.iter().map(|(seq, publish)| Record::Queue {
                seq: *seq,
                publish: publish.clone(),
            }))
    }
}

fn release_unknown() -> Damage {
    Damage::Inconsistent("a PUBREL stage for a packet identifier not on record")
}
