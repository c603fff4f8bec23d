//! What can go wrong with a journal, and what a recovery dropped.

use std::path::PathBuf;

/// The journal could not be opened, read or written. Except for [`JournalError::Io`], each
/// variant describes damage to the file, found when it was loaded; the file is then left
/// exactly as it was, for inspection or repair.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// Reading, writing, syncing or renaming failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A batch was refused before anything was written: a record contradicts the state (for
    /// example a PUBREL stage for a packet identifier not on record) or cannot be encoded.
    #[error("{}: record refused: {reason}", .path.display())]
    Refused {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The file does not start with the journal's header: it is not a journal (or its first
    /// bytes were overwritten).
    #[error("{}: not a session journal (bad file header)", .path.display())]
    BadHeader {
        /// The file.
        path: PathBuf,
    },
    /// The file is a journal of a format this version cannot read.
    #[error("{}: journal format version {version} is not supported (this build reads 1)", .path.display())]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// The version in its header.
        version: u32,
    },
    /// A record at `offset` is damaged and is not the torn end of the file: records after it
    /// (or its own length) cannot be trusted, so nothing is loaded.
    #[error("{}: damaged record at byte {offset}: {damage}", .path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// Where the damaged record starts.
        offset: u64,
        /// What is wrong with it.
        damage: Damage,
    },
}

/// What is wrong with a damaged record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Damage {
    /// The checksum of the record's length does not match it.
    #[error("its length field fails its checksum")]
    LengthChecksum,
    /// The length is 0 or larger than any record can be.
    #[error("impossible length {0}")]
    ImpossibleLength(u32),
    /// The checksum of the record's contents does not match them.
    #[error("its contents fail their checksum")]
    ContentChecksum,
    /// The record's kind is unknown.
    #[error("unknown record kind {0}")]
    UnknownKind(u8),
    /// The contents are not what a record of its kind holds.
    #[error("malformed contents: {0}")]
    Malformed(&'static str),
    /// The record contradicts the records before it (for example it releases an exchange
    /// that is not on record).
    #[error("inconsistent with the records before it: {0}")]
    Inconsistent(&'static str),
}

/// The final record was cut short (a crash or power loss while it was written): it never took
/// effect and was dropped. The state loaded is the state before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    /// Where the torn record starts (the journal was cut back to this length).
    pub offset: u64,
    /// How many bytes it had.
    pub len: u64,
    /// Where those bytes were kept when the journal was opened for writing (`None` when only
    /// loaded).
    pub saved_to: Option<PathBuf>,
}

impl std::fmt::Display for TornTail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a torn final record of {} bytes at byte {} was dropped",
            self.len, self.offset
        )?;
        if let Some(path) = &self.saved_to {
            write!(f, " (its bytes are kept in {})", path.display())?;
        }
        Ok(())
    }
}
