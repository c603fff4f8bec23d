//! [`Journal`]: the records in a file, appended in batches, replayed when opened, compacted
//! into a new file that is then renamed over the old one.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use bytes::BytesMut;

use super::error::{JournalError, TornTail};
use super::format::{self, Frame, HEADER_LEN, Header};
use super::record::Record;
use super::state::LiveState;
use crate::store::StoredSession;

/// The journal is compacted once it is this many times larger than the live state it holds
/// (and at least [`MIN_COMPACT_BYTES`] long): each byte appended then costs a bounded amount
/// of rewriting, however large the messages in flight.
const COMPACT_RATIO: u64 = 4;
const MIN_COMPACT_BYTES: u64 = 1 << 20;

/// What [`Journal::load`] found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// The state the records rebuild.
    pub state: StoredSession,
    /// How many records were replayed.
    pub records: u64,
    /// A torn final record that was dropped (it never took effect), if any.
    pub torn_tail: Option<TornTail>,
}

/// A session journal open for appending.
///
/// Every [`Journal::append`] writes its batch of records with one `write` and, when the
/// journal was opened with `fsync`, one `fsync` (group commit): many records cost one trip to
/// the disk. A batch is on the disk when `append` returns, so the packets that depend on it
/// may then be sent.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    live: LiveState,
    /// Bytes in the file (header included).
    len: u64,
    /// Bytes the live state takes when compacted.
    live_len: u64,
    fsync: bool,
    torn_tail: Option<TornTail>,
    /// Set when a write or sync failed in a way that leaves the file's end unknown: nothing
    /// more is appended (it could land after a partial record) until the journal is reopened.
    broken: bool,
    buffer: BytesMut,
}

impl Journal {
    /// Reads the journal at `path` without changing anything (a missing file is an empty
    /// state; an empty file is not a journal, since a journal is created with its header in
    /// one step, and is refused). A torn final record is dropped and reported in
    /// [`Loaded::torn_tail`]; any other damage is an error.
    pub fn load(path: impl AsRef<Path>) -> Result<Loaded, JournalError> {
        let path = path.as_ref();
        let Some(bytes) = read_file(path)? else {
            return Ok(Loaded {
                state: StoredSession::default(),
                records: 0,
                torn_tail: None,
            });
        };
        let (live, records, torn) = replay(path, &bytes)?;
        Ok(Loaded {
            state: live.session().clone(),
            records,
            torn_tail: torn.map(|(offset, len)| TornTail {
                offset,
                len,
                saved_to: None,
            }),
        })
    }

    /// Opens (or creates) the journal at `path` for appending; with `fsync`, each
    /// [`Journal::append`] is flushed to the disk before it returns.
    ///
    /// Damage other than a torn final record is an error and leaves the file as it was. A
    /// torn final record is copied to a file beside the journal (`<name>.torn-at-<offset>`),
    /// cut off, and reported by [`Journal::torn_tail`]; the journal is then not compacted
    /// when opened (only later, as it grows), so that the file still shows what happened.
    pub fn open(path: impl AsRef<Path>, fsync: bool) -> Result<Self, JournalError> {
        let path = path.as_ref().to_path_buf();
        let (bytes, live, torn) = match read_file(&path)? {
            Some(bytes) => {
                let (live, _, torn) = replay(&path, &bytes)?;
                (bytes, live, torn)
            }
            None => {
                // A new journal is created whole (header synced, then renamed into place), so
                // a journal file with a partial header never exists.
                let header = format::header();
                install(&path, &header)?;
                (header.to_vec(), LiveState::default(), None)
            }
        };
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(io(&path))?;
        let mut len = bytes.len() as u64;
        let mut torn_tail = None;
        if let Some((offset, torn_len)) = torn {
            let saved_to = keep_torn_bytes(&path, &bytes, offset)?;
            file.set_len(offset).map_err(io(&path))?;
            file.sync_all().map_err(io(&path))?;
            len = offset;
            torn_tail = Some(TornTail {
                offset,
                len: torn_len,
                saved_to: Some(saved_to),
            });
        }
        let mut journal = Self {
            path,
            file,
            live,
            len,
            live_len: 0,
            fsync,
            torn_tail,
            broken: false,
            buffer: BytesMut::new(),
        };
        journal.live_len = journal.encode_snapshot()?.len() as u64;
        if journal.torn_tail.is_none() && journal.should_compact() {
            journal.compact()?;
        }
        Ok(journal)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The state all records appended so far rebuild.
    pub fn state(&self) -> &StoredSession {
        self.live.session()
    }

    /// The torn final record dropped when the journal was opened, if any.
    pub fn torn_tail(&self) -> Option<&TornTail> {
        self.torn_tail.as_ref()
    }

    /// Bytes in the file now.
    pub fn len_bytes(&self) -> u64 {
        self.len
    }

    /// Appends `records`, in order, with one write and (with `fsync`) one sync. When it
    /// returns `Ok`, they are in the file (on the disk, with `fsync`) and in
    /// [`Journal::state`]. A batch the state refuses (a PUBREL stage for an unknown packet
    /// identifier) or a publish that cannot be encoded is an error before anything is
    /// written.
    pub fn append(&mut self, records: &[Record]) -> Result<(), JournalError> {
        if records.is_empty() {
            return Ok(());
        }
        if self.broken {
            return Err(JournalError::Io {
                path: self.path.clone(),
                source: std::io::Error::other(
                    "an earlier write failed; reopen the journal to continue",
                ),
            });
        }
        self.live
            .check(records)
            .map_err(|damage| self.refused(damage))?;
        self.buffer.clear();
        for record in records {
            format::put_record(&mut self.buffer, record).map_err(|error| self.refused(error))?;
        }
        self.write_buffer()?;
        for record in records {
            // Checked above: cannot fail.
            self.live
                .apply(record)
                .map_err(|damage| self.refused(damage))?;
        }
        if self.should_compact() {
            // The batch is written: a compaction that fails does not undo it. Before its
            // rename the old journal is whole (tried again at the next batch); after it, a
            // failure marks the journal broken and the next append says so.
            let _ = self.compact();
        }
        Ok(())
    }

    /// Rewrites the journal with only the records of its live state: into a new file beside
    /// it, synced, then renamed over it (and the directory synced). Until the rename the old
    /// journal is whole; after it the new one is.
    pub fn compact(&mut self) -> Result<(), JournalError> {
        let snapshot = self.encode_snapshot()?;
        let temporary = sibling(&self.path, "compacting");
        let written = write_synced(&temporary, &snapshot);
        if let Err(error) = written {
            let _ = fs::remove_file(&temporary);
            return Err(error);
        }
        fs::rename(&temporary, &self.path).map_err(io(&self.path))?;
        // From here the journal is the new file: the handle must follow it.
        self.broken = true;
        sync_directory(&self.path)?;
        self.file = OpenOptions::new()
            .append(true)
            .open(&self.path)
            .map_err(io(&self.path))?;
        self.broken = false;
        self.len = snapshot.len() as u64;
        self.live_len = self.len;
        Ok(())
    }

    fn should_compact(&self) -> bool {
        self.len > MIN_COMPACT_BYTES.max(self.live_len.saturating_mul(COMPACT_RATIO))
    }

    /// The header and the snapshot records.
    fn encode_snapshot(&self) -> Result<BytesMut, JournalError> {
        let mut out = BytesMut::from(&format::header()[..]);
        for record in self.live.snapshot() {
            format::put_record(&mut out, &record).map_err(|error| self.refused(error))?;
        }
        Ok(out)
    }

    fn write_buffer(&mut self) -> Result<(), JournalError> {
        let mut result = self.file.write_all(&self.buffer);
        if result.is_ok() && self.fsync {
            result = self.file.sync_data();
            if result.is_err() {
                // After a failed fsync the kernel may have dropped the dirty pages: what is
                // on the disk is unknown.
                self.broken = true;
            }
        }
        match result {
            Ok(()) => {
                self.len += self.buffer.len() as u64;
                Ok(())
            }
            Err(error) => {
                // Cut back whatever part of the batch was written, so that the next batch does
                // not follow a partial record.
                if self.file.set_len(self.len).is_err() {
                    self.broken = true;
                }
                Err(JournalError::Io {
                    path: self.path.clone(),
                    source: error,
                })
            }
        }
    }

    fn refused(&self, reason: impl std::fmt::Display) -> JournalError {
        JournalError::Refused {
            path: self.path.clone(),
            reason: reason.to_string(),
        }
    }
}

/// What replaying a file gives: the state, how many records, and the torn tail (offset,
/// length) if any.
type Replayed = (LiveState, u64, Option<(u64, u64)>);

fn replay(path: &Path, bytes: &[u8]) -> Result<Replayed, JournalError> {
    let mut live = LiveState::default();
    match format::read_header(bytes) {
        Header::Current => {}
        Header::Version(version) => {
            return Err(JournalError::UnsupportedVersion {
                path: path.to_path_buf(),
                version,
            });
        }
        Header::Bad => {
            return Err(JournalError::BadHeader {
                path: path.to_path_buf(),
            });
        }
    }
    let mut offset = HEADER_LEN;
    let mut records = 0;
    let damaged = |offset: usize, damage| JournalError::Damaged {
        path: path.to_path_buf(),
        offset: offset as u64,
        damage,
    };
    while let Some(rest) = bytes.get(offset..).filter(|rest| !rest.is_empty()) {
        match format::read_frame(rest) {
            Frame::Record(body, len) => {
                let record = format::decode_record(body).map_err(|d| damaged(offset, d))?;
                live.apply(&record).map_err(|d| damaged(offset, d))?;
                records += 1;
                offset += len;
            }
            Frame::Torn => return Ok((live, records, Some((offset as u64, rest.len() as u64)))),
            Frame::Damaged(damage) => return Err(damaged(offset, damage)),
        }
    }
    Ok((live, records, None))
}

/// The bytes of the file; `None` when there is no file.
fn read_file(path: &Path) -> Result<Option<Vec<u8>>, JournalError> {
    let mut bytes = Vec::new();
    match File::open(path) {
        Ok(mut file) => {
            file.read_to_end(&mut bytes).map_err(io(path))?;
            Ok(Some(bytes))
        }
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
        Err(error) => Err(io(path)(error)),
    }
}

/// Puts a file holding `contents` at `path`, whole or not at all.
fn install(path: &Path, contents: &[u8]) -> Result<(), JournalError> {
    let temporary = sibling(path, "new");
    write_synced(&temporary, contents)?;
    fs::rename(&temporary, path).map_err(io(path))?;
    sync_directory(path)
}

/// The bytes of a torn final record, kept beside the journal before it is cut off.
fn keep_torn_bytes(path: &Path, bytes: &[u8], offset: u64) -> Result<PathBuf, JournalError> {
    let saved = sibling(path, &format!("torn-at-{offset}"));
    let torn = usize::try_from(offset)
        .ok()
        .and_then(|start| bytes.get(start..))
        .unwrap_or_default();
    write_synced(&saved, torn)?;
    sync_directory(&saved)?;
    Ok(saved)
}

fn write_synced(path: &Path, contents: &[u8]) -> Result<(), JournalError> {
    let mut file = File::create(path).map_err(io(path))?;
    file.write_all(contents).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

/// Syncs the directory of `path`, so that a rename or a new file in it is durable.
fn sync_directory(path: &Path) -> Result<(), JournalError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    File::open(dir)
        .and_then(|dir| dir.sync_all())
        .map_err(io(dir))
}

/// `<path>.<suffix>`, beside the journal.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".");
    name.push(suffix);
    path.with_file_name(name)
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    }
}
