//! The session journal: the records that must outlive the process, appended to a file with a
//! checksum each, and replayed when the file is opened again.
//!
//! "Persistence is data": the session says what must be durable as a list of [`Record`]s,
//! in order, and whoever owns the [`Journal`] (the driver, or a writer thread it owns) appends
//! them with [`Journal::append`], one write and at most one `fsync` per batch, before the
//! packets that depend on them are written to the socket.
//!
//! # File format (version 1)
//!
//! ```text
//! header:  "MQTTJRNL" | version: u32 BE = 1
//! record:  len: u32 BE | crc32(len bytes): u32 BE | crc32(body): u32 BE | body (len bytes)
//! body:    kind: u8 | contents (integers big-endian; a PUBLISH in its MQTT 5.0 encoding)
//!   1 established      flag: u8 (0 or 1)
//!   2 save outgoing    order: u64 | released: u8 | PUBLISH
//!   3 release outgoing packet id: u16 | order: u64
//!   4 remove outgoing  packet id: u16
//!   5 save incoming    packet id: u16
//!   6 remove incoming  packet id: u16
//!   7 clear
//!   8 queue            seq: u64 | PUBLISH (its packet identifier is not kept)
//!   9 unqueue          seq: u64
//! ```
//!
//! # Recovery
//!
//! - The file ends within a record whose length is intact, or within the length field
//!   itself, or with zeros only: that final record is torn (a crash while it was written). It
//!   never took effect; it is dropped and reported ([`Loaded::torn_tail`],
//!   [`Journal::torn_tail`]).
//! - A missing file is an empty journal. An empty file is not: a journal is created with its
//!   header in one step (written, synced, renamed into place), so only an outside hand
//!   leaves one, and it is refused like any damage.
//! - Anything else (a bad header, a length or content checksum that fails, an impossible
//!   length, an unknown kind, contents that do not fit their kind or contradict the records
//!   before) is a [`JournalError`], and the file is left exactly as it was.
//! - A journal is never compacted when it is opened with anything dropped (the torn bytes are
//!   also kept in a file beside it).
//!   Compaction writes a new file, syncs it, renames it over the journal and syncs the
//!   directory: a crash at any point leaves the old journal or the new one, whole.
//!
//! # Example
//!
//! ```
//! use mqtt_kit_codec::PacketId;
//! use mqtt_kit_session::{Journal, Record};
//!
//! # let dir = std::env::temp_dir().join(format!("mqtt-journal-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("sensor-7.journal");
//! # let _ = std::fs::remove_file(&path);
//! let mut journal = Journal::open(&path, true)?;
//! let id = PacketId::new(9).unwrap();
//! // One write and one fsync for both records.
//! journal.append(&[Record::Established(true), Record::SaveIncoming(id)])?;
//! drop(journal);
//!
//! let loaded = Journal::load(&path)?;
//! assert!(loaded.state.established);
//! assert!(loaded.state.incoming_qos2.contains(&9));
//! assert_eq!(loaded.torn_tail, None);
//! # Ok::<(), mqtt_kit_session::JournalError>(())
//! ```

mod error;
mod file;
mod format;
mod record;
mod state;

pub use error::{Damage, JournalError, TornTail};
pub use file::{Journal, Loaded};
pub use record::Record;
