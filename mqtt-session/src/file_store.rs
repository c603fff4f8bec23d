//! A [`Store`] in a file, so that unacknowledged publishes and incoming QoS 2 identifiers
//! survive a restart of the process.
//!
//! The file is a journal: each change is appended as one record (the PUBLISH itself encoded by
//! the codec in its MQTT 5.0 form), and the file is rewritten compactly when it is opened and
//! whenever the journal has grown well past its size after the last rewrite (so each byte
//! appended costs a bounded amount of rewriting, however large the messages in flight). A record cut short by a crash at
//! the end of the file is ignored; anything else unreadable is a [`StoreError`].
//!
//! This is the one part of the crate that does I/O: blocking file writes, at most one per
//! step of a QoS 1/2 exchange, and an `fsync` each time when asked for durability over speed.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use bytes::{Buf, BufMut, BytesMut};
use mqtt_codec::{DecodeLimits, Packet, PacketId, ProtocolVersion};

use crate::store::{MemoryStore, Store, StoreError, StoredPublish, StoredSession};

const SAVE_OUTGOING: u8 = 1;
const RELEASE_OUTGOING: u8 = 2;
const REMOVE_OUTGOING: u8 = 3;
const SAVE_INCOMING: u8 = 4;
const REMOVE_INCOMING: u8 = 5;
const ESTABLISHED: u8 = 6;
const CLEAR: u8 = 7;

/// The journal is rewritten once it is this many times larger than it was after the last
/// rewrite (and at least [`MIN_COMPACT_BYTES`] long).
const COMPACT_RATIO: u64 = 4;
const MIN_COMPACT_BYTES: u64 = 1 << 20;

/// A store kept in one file.
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    file: File,
    state: MemoryStore,
    journal_len: u64,
    /// The length of the file after the last rewrite: its live content then.
    compacted_len: u64,
    sync: bool,
}

impl FileStore {
    /// Opens (or creates) the store at `path`. With `sync`, every change is flushed to the
    /// disk (`fsync`) before the session writes the packet it records.
    pub fn open(path: impl AsRef<Path>, sync: bool) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let mut bytes = Vec::new();
        match File::open(&path) {
            Ok(mut file) => {
                file.read_to_end(&mut bytes)
                    .map_err(|e| io_error(&path, e))?;
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(io_error(&path, error)),
        }
        let state = replay(&bytes)?;
        // Appending, never truncating: until the compacted copy is renamed over it, the old
        // journal stays whole.
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| io_error(&path, e))?;
        let mut store = Self {
            file,
            path,
            state,
            journal_len: 0,
            compacted_len: 0,
            sync,
        };
        store.compact()?;
        Ok(store)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Rewrites the file with the live state only (to a temporary file, then renamed over it).
    fn compact(&mut self) -> Result<(), StoreError> {
        let mut out = BytesMut::new();
        let state = self.state.state();
        put_established(&mut out, state.established);
        for entry in state.outgoing.values() {
            put_save_outgoing(&mut out, entry)?;
        }
        for id in &state.incoming_qos2 {
            out.put_u8(SAVE_INCOMING);
            out.put_u16(*id);
        }
        let temporary = self.path.with_extension("compacting");
        let mut file = File::create(&temporary).map_err(|e| io_error(&temporary, e))?;
        file.write_all(&out).map_err(|e| io_error(&temporary, e))?;
        file.sync_all().map_err(|e| io_error(&temporary, e))?;
        fs::rename(&temporary, &self.path).map_err(|e| io_error(&self.path, e))?;
        self.file = OpenOptions::new()
            .append(true)
            .open(&self.path)
            .map_err(|e| io_error(&self.path, e))?;
        self.journal_len = out.len() as u64;
        self.compacted_len = self.journal_len;
        Ok(())
    }

    fn append(&mut self, record: &[u8]) -> Result<(), StoreError> {
        self.file
            .write_all(record)
            .map_err(|e| io_error(&self.path, e))?;
        if self.sync {
            self.file.sync_data().map_err(|e| io_error(&self.path, e))?;
        }
        self.journal_len += record.len() as u64;
        // Measured against the real size of the live state (payloads included), not an
        // estimate per entry: with large messages in flight an estimate would call for a
        // rewrite of the whole file at every record.
        let threshold = MIN_COMPACT_BYTES.max(self.compacted_len.saturating_mul(COMPACT_RATIO));
        if self.journal_len > threshold {
            self.compact()?;
        }
        Ok(())
    }

    fn append_id(&mut self, tag: u8, packet_id: PacketId) -> Result<(), StoreError> {
        self.append(&[tag, (packet_id.get() >> 8) as u8, packet_id.get() as u8])
    }
}

impl Store for FileStore {
    fn load(&mut self) -> Result<StoredSession, StoreError> {
        self.state.load()
    }

    fn set_established(&mut self, established: bool) -> Result<(), StoreError> {
        self.state.set_established(established)?;
        let mut record = BytesMut::new();
        put_established(&mut record, established);
        self.append(&record)
    }

    fn save_outgoing(&mut self, entry: &StoredPublish) -> Result<(), StoreError> {
        let mut record = BytesMut::new();
        put_save_outgoing(&mut record, entry)?;
        self.state.save_outgoing(entry)?;
        self.append(&record)
    }

    fn release_outgoing(&mut self, packet_id: PacketId, order: u64) -> Result<(), StoreError> {
        self.state.release_outgoing(packet_id, order)?;
        let mut record = BytesMut::new();
        record.put_u8(RELEASE_OUTGOING);
        record.put_u16(packet_id.get());
        record.put_u64(order);
        self.append(&record)
    }

    fn remove_outgoing(&mut self, packet_id: PacketId) -> Result<(), StoreError> {
        self.state.remove_outgoing(packet_id)?;
        self.append_id(REMOVE_OUTGOING, packet_id)
    }

    fn save_incoming(&mut self, packet_id: PacketId) -> Result<(), StoreError> {
        self.state.save_incoming(packet_id)?;
        self.append_id(SAVE_INCOMING, packet_id)
    }

    fn remove_incoming(&mut self, packet_id: PacketId) -> Result<(), StoreError> {
        self.state.remove_incoming(packet_id)?;
        self.append_id(REMOVE_INCOMING, packet_id)
    }

    fn clear(&mut self) -> Result<(), StoreError> {
        self.state.clear()?;
        self.append(&[CLEAR])
    }
}

fn io_error(path: &Path, error: std::io::Error) -> StoreError {
    StoreError::new(format_args!("{}: {error}", path.display()))
}

fn put_established(out: &mut BytesMut, established: bool) {
    out.put_u8(ESTABLISHED);
    out.put_u8(u8::from(established));
}

fn put_save_outgoing(out: &mut BytesMut, entry: &StoredPublish) -> Result<(), StoreError> {
    let mut packet = BytesMut::new();
    Packet::Publish(entry.publish.clone())
        .encode(ProtocolVersion::V5, None, &mut packet)
        .map_err(|e| StoreError::new(format_args!("cannot record a PUBLISH: {e}")))?;
    out.put_u8(SAVE_OUTGOING);
    out.put_u64(entry.order);
    out.put_u8(u8::from(entry.released));
    out.put_u32(packet.len() as u32);
    out.put_slice(&packet);
    Ok(())
}

/// Rebuilds the state from a journal; a record cut short at the end is ignored.
fn replay(bytes: &[u8]) -> Result<MemoryStore, StoreError> {
    let mut state = MemoryStore::new();
    let mut input = bytes;
    let corrupt = |what: &str| StoreError::new(format_args!("corrupt store file: {what}"));
    let id = |value: u16| PacketId::new(value).ok_or_else(|| corrupt("packet identifier 0"));
    while let Some(&tag) = input.first() {
        let needed = match tag {
            SAVE_OUTGOING if input.len() >= 14 => {
                14 + u32::from_be_bytes([input[10], input[11], input[12], input[13]]) as usize
            }
            SAVE_OUTGOING => 14,
            RELEASE_OUTGOING => 11,
            REMOVE_OUTGOING | SAVE_INCOMING | REMOVE_INCOMING => 3,
            ESTABLISHED => 2,
            CLEAR => 1,
            other => return Err(corrupt(&format!("unknown record {other}"))),
        };
        if input.len() < needed {
            // The last record was cut short by a crash: it never took effect.
            break;
        }
        let mut record = &input[1..needed];
        input = &input[needed..];
        match tag {
            SAVE_OUTGOING => {
                let order = record.get_u64();
                let released = record.get_u8() != 0;
                let len = record.get_u32() as usize;
                let mut packet = BytesMut::from(&record[..len]);
                let limits = DecodeLimits {
                    max_packet_size: u32::MAX,
                };
                let publish = match mqtt_codec::decode(&mut packet, ProtocolVersion::V5, &limits) {
                    Ok(Some(Packet::Publish(publish))) => publish,
                    _ => return Err(corrupt("unreadable PUBLISH")),
                };
                state.save_outgoing(&StoredPublish {
                    order,
                    publish,
                    released,
                })?;
            }
            RELEASE_OUTGOING => {
                let packet_id = id(record.get_u16())?;
                state.release_outgoing(packet_id, record.get_u64())?;
            }
            REMOVE_OUTGOING => state.remove_outgoing(id(record.get_u16())?)?,
            SAVE_INCOMING => state.save_incoming(id(record.get_u16())?)?,
            REMOVE_INCOMING => state.remove_incoming(id(record.get_u16())?)?,
            ESTABLISHED => state.set_established(record.get_u8() != 0)?,
            _ => state.clear()?,
        }
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqtt_codec::{Publish, QoS, TopicName};

    fn temp_path(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mqtt-session-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        let _ = fs::remove_file(&path);
        path
    }

    fn entry(id: u16, order: u64) -> StoredPublish {
        let mut publish = Publish::new(
            TopicName::try_from("a/b").unwrap(),
            "payload",
            QoS::ExactlyOnce,
        );
        publish.packet_id = PacketId::new(id);
        publish.properties.content_type = Some("text/plain".into());
        StoredPublish {
            order,
            publish,
            released: false,
        }
    }

    fn id(n: u16) -> PacketId {
        PacketId::new(n).unwrap()
    }

    #[test]
    fn state_survives_reopening() {
        let path = temp_path("reopen");
        let mut store = FileStore::open(&path, true).unwrap();
        store.set_established(true).unwrap();
        store.save_outgoing(&entry(1, 0)).unwrap();
        store.save_outgoing(&entry(2, 1)).unwrap();
        store.save_outgoing(&entry(3, 2)).unwrap();
        store.release_outgoing(id(1), 3).unwrap();
        store.remove_outgoing(id(2)).unwrap();
        store.save_incoming(id(7)).unwrap();
        store.save_incoming(id(8)).unwrap();
        store.remove_incoming(id(7)).unwrap();
        let expected = store.load().unwrap();
        drop(store);
        let mut reopened = FileStore::open(&path, false).unwrap();
        let state = reopened.load().unwrap();
        assert_eq!(state, expected);
        assert!(state.established);
        let outgoing: Vec<(u64, u16, bool)> = state
            .outgoing
            .values()
            .map(|e| (e.order, e.publish.packet_id.unwrap().get(), e.released))
            .collect();
        assert_eq!(outgoing, [(2, 3, false), (3, 1, true)]);
        assert_eq!(state.outgoing[&2].publish, entry(3, 2).publish);
        assert_eq!(state.incoming_qos2.iter().copied().collect::<Vec<_>>(), [8]);
        reopened.clear().unwrap();
        drop(reopened);
        assert_eq!(
            FileStore::open(&path, false).unwrap().load().unwrap(),
            StoredSession::default()
        );
    }

    #[test]
    fn a_record_cut_short_at_the_end_is_ignored_and_garbage_is_refused() {
        let path = temp_path("torn");
        let mut store = FileStore::open(&path, false).unwrap();
        store.save_incoming(id(5)).unwrap();
        store.save_outgoing(&entry(1, 0)).unwrap();
        drop(store);
        let mut bytes = fs::read(&path).unwrap();
        bytes.truncate(bytes.len() - 3);
        fs::write(&path, &bytes).unwrap();
        let state = FileStore::open(&path, false).unwrap().load().unwrap();
        assert!(
            state.outgoing.is_empty(),
            "the torn PUBLISH never took effect"
        );
        assert!(state.incoming_qos2.contains(&5));
        fs::write(&path, [0x63, 0x00]).unwrap();
        let error = FileStore::open(&path, false).unwrap_err();
        assert!(error.message.contains("corrupt"), "{error}");
    }
}
