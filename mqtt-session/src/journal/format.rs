//! The bytes of a journal file: a header, then framed records.
//!
//! ```text
//! header:  "MQTTJRNL" (8 bytes) | format version, u32 big-endian (1)
//! record:  length L, u32 BE | CRC32 of those 4 length bytes, u32 BE
//!          | CRC32 of the body, u32 BE | body (L bytes: kind, then contents)
//! ```
//!
//! The length has a checksum of its own so that a damaged length is told apart from a record
//! cut short at the end of the file: a record is taken as torn only when its length is
//! intact (or not all written) and the file ends before the body does.

use bytes::{Buf, BufMut, BytesMut};
use mqtt_kit_codec::{DecodeLimits, Packet, PacketId, ProtocolVersion, Publish};

use super::error::Damage;
use super::record::Record;
use crate::store::StoredPublish;

/// The first 8 bytes of every journal.
pub const MAGIC: &[u8; 8] = b"MQTTJRNL";
/// The format written and read by this build.
pub const VERSION: u32 = 1;
/// Bytes before the first record.
pub const HEADER_LEN: usize = 12;
/// Bytes before each record's body.
pub const FRAME_LEN: usize = 12;
/// No body is longer: the largest MQTT packet (256 MiB) plus the record's own fields. A length
/// beyond it is damage, and nothing is ever allocated from a length read from the file.
pub const MAX_BODY_LEN: u32 = 268_435_455 + 5 + 64;

const ESTABLISHED: u8 = 1;
const SAVE_OUTGOING: u8 = 2;
const RELEASE_OUTGOING: u8 = 3;
const REMOVE_OUTGOING: u8 = 4;
const SAVE_INCOMING: u8 = 5;
const REMOVE_INCOMING: u8 = 6;
const CLEAR: u8 = 7;
const QUEUE: u8 = 8;
const UNQUEUE: u8 = 9;

/// The file header.
pub fn header() -> [u8; HEADER_LEN] {
    let mut out = [0; HEADER_LEN];
    out[..8].copy_from_slice(MAGIC);
    out[8..].copy_from_slice(&VERSION.to_be_bytes());
    out
}

/// What the header says.
#[derive(Debug, PartialEq, Eq)]
pub enum Header {
    /// A journal of this format.
    Current,
    /// A journal of another format version.
    Version(u32),
    /// Not a journal.
    Bad,
}

/// Reads the header at the start of `bytes`.
pub fn read_header(bytes: &[u8]) -> Header {
    match bytes.get(..HEADER_LEN) {
        Some(header) if &header[..8] == MAGIC => {
            let version = u32::from_be_bytes([header[8], header[9], header[10], header[11]]);
            if version == VERSION {
                Header::Current
            } else {
                Header::Version(version)
            }
        }
        _ => Header::Bad,
    }
}

/// A record could not be encoded (its PUBLISH is not encodable, or too large for a record).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot record this publish: {0}")]
pub struct EncodeError(pub String);

/// Appends `record`, framed, to `out`.
pub fn put_record(out: &mut BytesMut, record: &Record) -> Result<(), EncodeError> {
    let start = out.len();
    out.put_bytes(0, FRAME_LEN);
    match record {
        Record::Established(established) => {
            out.put_u8(ESTABLISHED);
            out.put_u8(u8::from(*established));
        }
        Record::SaveOutgoing(entry) => {
            out.put_u8(SAVE_OUTGOING);
            out.put_u64(entry.order);
            out.put_u8(u8::from(entry.released));
            put_publish(out, entry.publish.clone(), start)?;
        }
        Record::ReleaseOutgoing { packet_id, order } => {
            out.put_u8(RELEASE_OUTGOING);
            out.put_u16(packet_id.get());
            out.put_u64(*order);
        }
        Record::RemoveOutgoing(id) => put_id(out, REMOVE_OUTGOING, *id),
        Record::SaveIncoming(id) => put_id(out, SAVE_INCOMING, *id),
        Record::RemoveIncoming(id) => put_id(out, REMOVE_INCOMING, *id),
        Record::Clear => out.put_u8(CLEAR),
        Record::Queue { seq, publish } => {
            out.put_u8(QUEUE);
            out.put_u64(*seq);
            // The codec encodes QoS 1/2 only with a packet identifier: a placeholder is
            // written and dropped again when read (a queued publish has none yet).
            let mut publish = publish.clone();
            publish.packet_id = match publish.qos {
                mqtt_kit_codec::QoS::AtMostOnce => None,
                _ => PacketId::new(1),
            };
            put_publish(out, publish, start)?;
        }
        Record::Unqueue(seq) => {
            out.put_u8(UNQUEUE);
            out.put_u64(*seq);
        }
    }
    let body_len = out.len() - start - FRAME_LEN;
    let len = match u32::try_from(body_len) {
        Ok(len) if len <= MAX_BODY_LEN => len,
        _ => {
            out.truncate(start);
            return Err(EncodeError(format!(
                "a record of {body_len} bytes is too large"
            )));
        }
    };
    let len_bytes = len.to_be_bytes();
    let body_crc = crc32fast::hash(&out[start + FRAME_LEN..]);
    let frame = &mut out[start..start + FRAME_LEN];
    frame[..4].copy_from_slice(&len_bytes);
    frame[4..8].copy_from_slice(&crc32fast::hash(&len_bytes).to_be_bytes());
    frame[8..].copy_from_slice(&body_crc.to_be_bytes());
    Ok(())
}

fn put_id(out: &mut BytesMut, kind: u8, id: PacketId) {
    out.put_u8(kind);
    out.put_u16(id.get());
}

/// The PUBLISH in its MQTT 5.0 encoding (the richest: properties are kept), to the end of the
/// body. On failure `out` is cut back to `start`.
fn put_publish(out: &mut BytesMut, publish: Publish, start: usize) -> Result<(), EncodeError> {
    let encoded = Packet::Publish(publish).encode(ProtocolVersion::V5, None, out);
    encoded.map(drop).map_err(|error| {
        out.truncate(start);
        EncodeError(error.to_string())
    })
}

/// One step of reading the records after the header.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A whole record with a good checksum: its body, and the bytes it takes in the file.
    Record(&'a [u8], usize),
    /// The file ends within this record (or with zeros only, as a file system may leave
    /// after a power loss): it is torn.
    Torn,
    /// This record is damaged.
    Damaged(Damage),
}

/// Reads the frame at the start of `rest` (not empty).
pub fn read_frame(rest: &[u8]) -> Frame<'_> {
    let all_zero = || rest.iter().all(|byte| *byte == 0);
    let (Some(len_bytes), Some(len_crc)) = (rest.get(..4), rest.get(4..8)) else {
        return Frame::Torn;
    };
    if crc32fast::hash(len_bytes) != be_u32(len_crc) {
        return if all_zero() {
            Frame::Torn
        } else {
            Frame::Damaged(Damage::LengthChecksum)
        };
    }
    let len = be_u32(len_bytes);
    if len == 0 || len > MAX_BODY_LEN {
        return Frame::Damaged(Damage::ImpossibleLength(len));
    }
    let end = FRAME_LEN + len as usize;
    let (Some(body_crc), Some(body)) = (rest.get(8..12), rest.get(FRAME_LEN..end)) else {
        return Frame::Torn;
    };
    if crc32fast::hash(body) != be_u32(body_crc) {
        return Frame::Damaged(Damage::ContentChecksum);
    }
    Frame::Record(body, end)
}

fn be_u32(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .fold(0, |acc, byte| (acc << 8) | u32::from(*byte))
}

/// Decodes a record's body (checksum already verified).
pub fn decode_record(body: &[u8]) -> Result<Record, Damage> {
    let Some((&kind, mut rest)) = body.split_first() else {
        return Err(Damage::Malformed("empty record"));
    };
    let exact = |rest: &[u8], len: usize| {
        if rest.len() == len {
            Ok(())
        } else {
            Err(Damage::Malformed("wrong length for its kind"))
        }
    };
    let id = |value: u16| PacketId::new(value).ok_or(Damage::Malformed("packet identifier 0"));
    Ok(match kind {
        ESTABLISHED => {
            exact(rest, 1)?;
            match rest[0] {
                0 => Record::Established(false),
                1 => Record::Established(true),
                _ => return Err(Damage::Malformed("established flag not 0 or 1")),
            }
        }
        SAVE_OUTGOING => {
            if rest.len() < 9 {
                return Err(Damage::Malformed("saved publish too short"));
            }
            let order = rest.get_u64();
            let released = match rest.get_u8() {
                0 => false,
                1 => true,
                _ => return Err(Damage::Malformed("released flag not 0 or 1")),
            };
            let publish = decode_publish(rest)?;
            if publish.packet_id.is_none() {
                return Err(Damage::Malformed("saved publish without packet identifier"));
            }
            Record::SaveOutgoing(StoredPublish {
                order,
                publish,
                released,
            })
        }
        RELEASE_OUTGOING => {
            exact(rest, 10)?;
            let packet_id = id(rest.get_u16())?;
            Record::ReleaseOutgoing {
                packet_id,
                order: rest.get_u64(),
            }
        }
        REMOVE_OUTGOING | SAVE_INCOMING | REMOVE_INCOMING => {
            exact(rest, 2)?;
            let packet_id = id(rest.get_u16())?;
            match kind {
                REMOVE_OUTGOING => Record::RemoveOutgoing(packet_id),
                SAVE_INCOMING => Record::SaveIncoming(packet_id),
                _ => Record::RemoveIncoming(packet_id),
            }
        }
        CLEAR => {
            exact(rest, 0)?;
            Record::Clear
        }
        QUEUE => {
            if rest.len() < 8 {
                return Err(Damage::Malformed("queued publish too short"));
            }
            let seq = rest.get_u64();
            let mut publish = decode_publish(rest)?;
            publish.packet_id = None;
            Record::Queue { seq, publish }
        }
        UNQUEUE => {
            exact(rest, 8)?;
            Record::Unqueue(rest.get_u64())
        }
        other => return Err(Damage::UnknownKind(other)),
    })
}

/// The PUBLISH that fills `bytes` exactly.
fn decode_publish(bytes: &[u8]) -> Result<Publish, Damage> {
    let mut packet = BytesMut::from(bytes);
    // The body's length is already bounded by the file's size and MAX_BODY_LEN.
    let limits = DecodeLimits {
        max_packet_size: u32::MAX,
    };
    match mqtt_kit_codec::decode(&mut packet, ProtocolVersion::V5, &limits) {
        Ok(Some(Packet::Publish(publish))) if packet.is_empty() => Ok(publish),
        _ => Err(Damage::Malformed("unreadable PUBLISH")),
    }
}
