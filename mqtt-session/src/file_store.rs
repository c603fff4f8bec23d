//! A [`Store`] in a file, so that unacknowledged publishes and incoming QoS 2 identifiers
//! survive a restart of the process: today's [`Store`] calls on top of a
//! [`Journal`](crate::journal::Journal), each call one record appended.
//!
//! The journal's format and recovery rules are described in [`crate::journal`]: a checksum
//! per record, a torn final record dropped and reported ([`FileStore::torn_tail`]), any other
//! damage refused with the file left as it was.
//!
//! This store does blocking file I/O inside the session's calls: one write, and with `sync`
//! one `fsync`, per step of a QoS 1/2 exchange. Appending the session's records in batches
//! from the driver ([`crate::journal::Journal::append`]) costs one `fsync` per batch instead.

use std::path::Path;

use mqtt_codec::PacketId;

use crate::journal::{Journal, Record, TornTail};
use crate::store::{Store, StoreError, StoredPublish, StoredSession};

/// A store kept in one journal file.
#[derive(Debug)]
pub struct FileStore {
    journal: Journal,
}

impl FileStore {
    /// Opens (or creates) the store at `path`. With `sync`, every change is flushed to the
    /// disk (`fsync`) before the session writes the packet it records. A damaged file is an
    /// error (and is left as it was); a torn final record is dropped and reported by
    /// [`FileStore::torn_tail`].
    pub fn open(path: impl AsRef<Path>, sync: bool) -> Result<Self, StoreError> {
        Journal::open(path, sync)
            .map(|journal| Self { journal })
            .map_err(StoreError::new)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        self.journal.path()
    }

    /// The torn final record dropped when the store was opened, if any.
    pub fn torn_tail(&self) -> Option<&TornTail> {
        self.journal.torn_tail()
    }

    /// The journal underneath, to append records in batches.
    pub fn journal_mut(&mut self) -> &mut Journal {
        &mut self.journal
    }

    /// The journal underneath.
    pub fn into_journal(self) -> Journal {
        self.journal
    }

    fn append(&mut self, record: Record) -> Result<(), StoreError> {
        self.journal.append(&[record]).map_err(StoreError::new)
    }
}

impl Store for FileStore {
    fn load(&mut self) -> Result<StoredSession, StoreError> {
        Ok(self.journal.state().clone())
    }

    fn set_established(&mut self, established: bool) -> Result<(), StoreError> {
        self.append(Record::Established(established))
    }

    fn save_outgoing(&mut self, entry: &StoredPublish) -> Result<(), StoreError> {
        self.append(Record::SaveOutgoing(entry.clone()))
    }

    fn release_outgoing(&mut self, packet_id: PacketId, order: u64) -> Result<(), StoreError> {
        self.append(Record::ReleaseOutgoing { packet_id, order })
    }

    fn remove_outgoing(&mut self, packet_id: PacketId) -> Result<(), StoreError> {
        self.append(Record::RemoveOutgoing(packet_id))
    }

    fn save_incoming(&mut self, packet_id: PacketId) -> Result<(), StoreError> {
        self.append(Record::SaveIncoming(packet_id))
    }

    fn remove_incoming(&mut self, packet_id: PacketId) -> Result<(), StoreError> {
        self.append(Record::RemoveIncoming(packet_id))
    }

    fn clear(&mut self) -> Result<(), StoreError> {
        self.append(Record::Clear)
    }
}
