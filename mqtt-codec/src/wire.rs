//! The data representations of MQTT (MQTT 5.0 section 1.5), both ways: a [`Reader`] over a
//! packet's bytes, and a [`Sink`] that either counts ([`Counter`]) or writes ([`Writer`]) so
//! that every packet describes its bytes once and its exact size comes from the same code
//! that writes it.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use bytestring::ByteString;

use crate::error::{DecodeError, EncodeError};
use crate::packet::PacketType;

/// The largest variable byte integer: 268,435,455 (four bytes of seven bits).
pub(crate) const MAX_VARIABLE_BYTE_INTEGER: u32 = 268_435_455;

/// The longest string or binary data: its length is a 16-bit number.
const MAX_STRING_LEN: usize = 65_535;

/// How many bytes `value` takes as a variable byte integer.
#[inline]
pub(crate) const fn variable_byte_integer_len(value: u32) -> usize {
    match value {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        _ => 4,
    }
}

/// Whether any byte of `bytes` passes `test`: sixteen bytes at a time, each block a fixed-size
/// array that the compiler checks with a few vector compares, and a tail shorter than a block
/// checked as the last sixteen bytes again (overlapping), not byte by byte. `test` should be
/// plain comparisons joined by `|`: `matches!` becomes a bit-table lookup that does not
/// vectorise.
#[inline(always)]
pub(crate) fn any_byte(bytes: &[u8], test: impl Fn(u8) -> bool + Copy) -> bool {
    const BLOCK: usize = 16;
    let any = |bytes: &[u8]| bytes.iter().fold(false, |found, &byte| found | test(byte));
    let block = |bytes: &[u8]| -> Option<[u8; BLOCK]> { bytes.try_into().ok() };
    let Some(last) = bytes.len().checked_sub(BLOCK) else {
        return any(bytes);
    };
    let whole = bytes
        .chunks_exact(BLOCK)
        .filter_map(block)
        .fold(false, |found, block| found | any(&block));
    whole
        | bytes
            .get(last..)
            .and_then(block)
            .is_some_and(|tail| any(&tail))
}

/// Whether `bytes` holds U+0000, which no MQTT string may carry [MQTT-1.5.4-2].
///
/// Most strings (client identifiers, user names, property names and values) are shorter
/// than 33 bytes, where [`any_byte`]'s loop costs more than the scan: those are checked as
/// two overlapping words or blocks, the first and the last, with no loop.
#[inline]
pub(crate) fn has_null(bytes: &[u8]) -> bool {
    /// Whether any byte of a word is zero: subtracting 1 from every byte borrows into the
    /// high bit of the lowest zero byte, and `!word` drops the bytes whose high bit was set
    /// already. Exact for "any" (a borrow only starts at a zero byte).
    macro_rules! zero_in {
        ($word:ty, $first:expr, $last:expr) => {{
            const ONES: $word = <$word>::MAX / 0xff;
            const HIGHS: $word = ONES << 7;
            let zero = |word: $word| word.wrapping_sub(ONES) & !word & HIGHS != 0;
            zero(<$word>::from_le_bytes($first)) | zero(<$word>::from_le_bytes($last))
        }};
    }
    /// Whether a 16-byte block holds a zero: a few vector compares.
    #[inline(always)]
    fn zero_in_block(block: &[u8; 16]) -> bool {
        block.iter().fold(false, |found, &byte| found | (byte == 0))
    }
    match bytes.len() {
        4..=7 => match (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
            (Some(first), Some(last)) => zero_in!(u32, *first, *last),
            _ => any_byte(bytes, |byte| byte == 0),
        },
        8..=16 => match (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
            (Some(first), Some(last)) => zero_in!(u64, *first, *last),
            _ => any_byte(bytes, |byte| byte == 0),
        },
        17..=32 => match (bytes.first_chunk::<16>(), bytes.last_chunk::<16>()) {
            (Some(first), Some(last)) => zero_in_block(first) | zero_in_block(last),
            _ => any_byte(bytes, |byte| byte == 0),
        },
        _ => any_byte(bytes, |byte| byte == 0),
    }
}

/// A variable byte integer parsed from a prefix of some bytes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum VariableByteInteger {
    /// The value and how many bytes it took.
    Complete { value: u32, len: usize },
    /// The bytes end before the integer does.
    Incomplete,
}

/// Parses a variable byte integer at the start of `bytes`, refusing more than four bytes and
/// non-minimal encodings [MQTT-1.5.5-1].
#[inline]
pub(crate) fn parse_variable_byte_integer(
    bytes: &[u8],
) -> Result<VariableByteInteger, DecodeError> {
    let mut value = 0u32;
    for (i, &byte) in bytes.iter().take(4).enumerate() {
        value |= u32::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            // A last byte of 0 after a continuation adds nothing: a shorter form existed.
            if i > 0 && byte == 0 {
                return Err(DecodeError::NonMinimalVariableByteInteger);
            }
            return Ok(VariableByteInteger::Complete { value, len: i + 1 });
        }
    }
    if bytes.len() >= 4 {
        Err(DecodeError::MalformedVariableByteInteger)
    } else {
        Ok(VariableByteInteger::Incomplete)
    }
}

/// Reads the fields of one packet whose bytes are all there. Every read checks the length
/// first: running out is [`DecodeError::Truncated`], never a panic. Byte strings come out as
/// slices of the packet's [`Bytes`], not copies.
///
/// The reader consumes its `Bytes` from the front (advancing it costs no reference count),
/// up to a limit that a property block narrows for a while ([`Reader::block`]): only the
/// fields that are kept (strings, binary data, the payload) become `Bytes` handles of their
/// own, rather than one more for every property block passed through.
#[derive(Debug)]
pub(crate) struct Reader {
    buf: Bytes,
    /// How many of `buf`'s bytes this reader may read: all of them, or a property block's.
    limit: usize,
    packet_type: PacketType,
}

impl Reader {
    /// A reader over the body of a packet of type `packet_type`.
    #[inline]
    pub(crate) fn new(buf: Bytes, packet_type: PacketType) -> Self {
        Self {
            limit: buf.len(),
            buf,
            packet_type,
        }
    }

    /// The packet type being read (for errors).
    #[inline]
    pub(crate) fn packet_type(&self) -> PacketType {
        self.packet_type
    }

    #[inline]
    fn truncated(&self) -> DecodeError {
        DecodeError::Truncated {
            packet_type: self.packet_type,
        }
    }

    /// Whether everything has been read.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.limit == 0
    }

    /// How many bytes are left to read.
    #[inline]
    pub(crate) fn remaining(&self) -> usize {
        self.limit
    }

    /// Fails unless everything has been read.
    #[inline]
    pub(crate) fn finish(self) -> Result<(), DecodeError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes {
                packet_type: self.packet_type,
                count: self.remaining(),
            })
        }
    }

    /// Skips `len` bytes already checked to be there.
    #[inline]
    fn consume(&mut self, len: usize) {
        self.buf.advance(len);
        self.limit -= len;
    }

    /// The next `N` bytes, consumed.
    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        if self.limit < N {
            return Err(self.truncated());
        }
        let bytes = *self
            .buf
            .first_chunk::<N>()
            .ok_or_else(|| self.truncated())?;
        self.consume(N);
        Ok(bytes)
    }

    #[inline]
    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        self.array::<1>().map(|[byte]| byte)
    }

    #[inline]
    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        self.array().map(u16::from_be_bytes)
    }

    #[inline]
    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        self.array().map(u32::from_be_bytes)
    }

    /// A variable byte integer.
    #[inline]
    pub(crate) fn variable_byte_integer(&mut self) -> Result<u32, DecodeError> {
        let unread = self.buf.get(..self.limit).unwrap_or_default();
        match parse_variable_byte_integer(unread)? {
            VariableByteInteger::Complete { value, len } => {
                self.consume(len);
                Ok(value)
            }
            VariableByteInteger::Incomplete => Err(self.truncated()),
        }
    }

    /// The next `len` bytes, shared with the packet (no copy).
    #[inline]
    pub(crate) fn take(&mut self, len: usize) -> Result<Bytes, DecodeError> {
        if self.limit < len {
            return Err(self.truncated());
        }
        self.limit -= len;
        Ok(self.buf.split_to(len))
    }

    /// Runs `read` over the next `len` bytes only (a property block), then goes on after them.
    /// `read` must consume the whole block (it reads until [`Reader::is_empty`]).
    #[inline]
    pub(crate) fn block<T>(
        &mut self,
        len: u32,
        read: impl FnOnce(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<T, DecodeError> {
        let len = usize::try_from(len).map_err(|_| self.truncated())?;
        if self.limit < len {
            return Err(self.truncated());
        }
        let after = self.limit - len;
        self.limit = len;
        let value = read(self)?;
        // Whatever `read` left of the block is skipped, so that the limit and the bytes
        // stay in step.
        self.consume(self.limit);
        self.limit = after;
        Ok(value)
    }

    /// Everything not read yet (a payload), shared with the packet; the reader is then empty.
    #[inline]
    pub(crate) fn rest(&mut self) -> Bytes {
        // Only ever called outside a property block, where the limit is all of `buf`.
        debug_assert_eq!(self.limit, self.buf.len(), "rest() inside a property block");
        self.limit = 0;
        core::mem::take(&mut self.buf)
    }

    /// Binary data: a two-byte length, then that many bytes (no copy).
    #[inline]
    pub(crate) fn binary(&mut self) -> Result<Bytes, DecodeError> {
        let len = self.u16()?;
        self.take(usize::from(len))
    }

    /// A UTF-8 encoded string, checked once for UTF-8 and U+0000, kept as a slice of the
    /// packet (no copy).
    #[inline]
    pub(crate) fn utf8(&mut self) -> Result<ByteString, DecodeError> {
        let bytes = self.binary()?;
        let string = ByteString::try_from(bytes).map_err(|_| DecodeError::InvalidUtf8)?;
        if has_null(string.as_bytes()) {
            return Err(DecodeError::NullCharacter);
        }
        Ok(string)
    }

    /// A UTF-8 encoded string checked for UTF-8 only, for a topic whose own validation looks
    /// for U+0000 in the same pass as for wildcards.
    #[inline]
    pub(crate) fn topic(&mut self) -> Result<ByteString, DecodeError> {
        let bytes = self.binary()?;
        ByteString::try_from(bytes).map_err(|_| DecodeError::InvalidUtf8)
    }
}

/// Where a packet's fields go: counted by [`Counter`], or written by [`Writer`]. Packets
/// describe their fields once, through this trait, for both.
pub(crate) trait Sink {
    /// A byte.
    fn u8(&mut self, value: u8);
    /// A two-byte integer, big-endian.
    fn u16(&mut self, value: u16);
    /// A four-byte integer, big-endian.
    fn u32(&mut self, value: u32);
    /// Bytes of a size known at compile time, as they are: a run of fixed fields in one copy
    /// that the compiler turns into a few stores rather than one call per field.
    fn array<const N: usize>(&mut self, bytes: [u8; N]);
    /// A variable byte integer (at most [`MAX_VARIABLE_BYTE_INTEGER`]).
    fn variable_byte_integer(&mut self, value: u32);
    /// Binary data: two-byte length, then the bytes (at most 65,535).
    fn binary(&mut self, bytes: &[u8]);
    /// A UTF-8 string that nobody has checked for U+0000 yet: two-byte length, then the bytes.
    fn string(&mut self, string: &str);
    /// A string whose type has checked it already (a topic name or filter): two-byte length,
    /// then the bytes, with no check of its length or content again.
    fn validated<V: Validated>(&mut self, value: &V);
    /// A property block: its length as a variable byte integer, then the properties.
    fn properties<P: PropertySet>(&mut self, properties: &P);
}

/// A string that its type checked when it was made, for everything the wire needs: UTF-8, at
/// most 65,535 bytes, no U+0000. The counting pass trusts it rather than scanning it again.
pub(crate) trait Validated {
    /// The string's bytes.
    fn validated_bytes(&self) -> &[u8];
}

/// A set of MQTT 5.0 properties that describes itself to a [`Sink`], one property after the
/// other (in increasing identifier order, user properties last, as luamqtt and most
/// implementations do).
pub(crate) trait PropertySet {
    /// Gives every property that is present to `sink`.
    fn visit<S: Sink>(&self, sink: &mut S);
}

/// Property blocks a packet has at most: CONNECT has its own and its Will's.
const MAX_PROPERTY_BLOCKS: usize = 2;

/// The lengths of a packet's property blocks, in the order its fields are written: counted
/// once by [`Counter`], then handed to [`Writer`], which writes each length before its block
/// without counting the block again.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct BlockLengths {
    lengths: [u32; MAX_PROPERTY_BLOCKS],
    count: usize,
}

impl BlockLengths {
    #[inline]
    fn push(&mut self, len: u32) {
        if let Some(slot) = self.lengths.get_mut(self.count) {
            *slot = len;
        }
        self.count += 1;
    }

    /// The length of block number `index`, if it was counted.
    #[inline]
    fn get(&self, index: usize) -> Option<u32> {
        self.lengths
            .get(index)
            .copied()
            .filter(|_| index < self.count)
    }
}

/// Counts the bytes a packet's fields take and notes the first field that cannot be encoded.
#[derive(Debug, Default)]
pub(crate) struct Counter {
    /// Bytes counted so far.
    pub(crate) len: usize,
    /// The first problem met.
    pub(crate) error: Option<EncodeError>,
    /// The length of each property block met.
    pub(crate) blocks: BlockLengths,
}

impl Counter {
    /// Notes a problem (the first one wins).
    #[inline]
    pub(crate) fn fail(&mut self, error: EncodeError) {
        if self.error.is_none() {
            self.error = Some(error);
        }
    }

    /// The count, or the first problem.
    #[inline]
    pub(crate) fn finish(self) -> Result<usize, EncodeError> {
        match self.error {
            None => Ok(self.len),
            Some(error) => Err(error),
        }
    }

    #[inline]
    fn length_prefixed(&mut self, len: usize) {
        if len > MAX_STRING_LEN {
            self.fail(EncodeError::StringTooLong { len });
        }
        self.len += 2 + len;
    }
}

impl Sink for Counter {
    #[inline]
    fn u8(&mut self, _: u8) {
        self.len += 1;
    }

    #[inline]
    fn u16(&mut self, _: u16) {
        self.len += 2;
    }

    #[inline]
    fn u32(&mut self, _: u32) {
        self.len += 4;
    }

    #[inline]
    fn array<const N: usize>(&mut self, _: [u8; N]) {
        self.len += N;
    }

    #[inline]
    fn variable_byte_integer(&mut self, value: u32) {
        self.len += variable_byte_integer_len(value);
    }

    #[inline]
    fn binary(&mut self, bytes: &[u8]) {
        self.length_prefixed(bytes.len());
    }

    #[inline]
    fn string(&mut self, string: &str) {
        if has_null(string.as_bytes()) {
            self.fail(EncodeError::NullCharacter);
        }
        self.length_prefixed(string.len());
    }

    #[inline]
    fn validated<V: Validated>(&mut self, value: &V) {
        self.len += 2 + value.validated_bytes().len();
    }

    #[inline]
    fn properties<P: PropertySet>(&mut self, properties: &P) {
        let mut block = Counter::default();
        properties.visit(&mut block);
        if let Some(error) = block.error {
            self.fail(error);
        }
        let block_len = u32::try_from(block.len).unwrap_or(u32::MAX);
        if block_len > MAX_VARIABLE_BYTE_INTEGER {
            self.fail(EncodeError::RemainingLengthTooLarge { len: block.len });
        }
        self.blocks.push(block_len);
        self.len += variable_byte_integer_len(block_len) + block.len;
    }
}

/// Writes a packet's fields into a buffer whose capacity was reserved from a [`Counter`]'s
/// count: no checks, no growth, one pass.
pub(crate) struct Writer<'a> {
    out: &'a mut BytesMut,
    /// The property block lengths the counting pass found, and how many were written.
    blocks: BlockLengths,
    written_blocks: usize,
}

impl<'a> Writer<'a> {
    /// A writer appending to `out` the fields that a [`Counter`] counted into `blocks`.
    #[inline]
    pub(crate) fn new(out: &'a mut BytesMut, blocks: BlockLengths) -> Self {
        Self {
            out,
            blocks,
            written_blocks: 0,
        }
    }
}

/// Writes a variable byte integer into `out`.
#[inline]
pub(crate) fn put_variable_byte_integer(out: &mut BytesMut, mut value: u32) {
    loop {
        let mut byte = (value & 0x7f) as u8;
        value >>= 7;
        if value > 0 {
            byte |= 0x80;
        }
        out.put_u8(byte);
        if value == 0 {
            break;
        }
    }
}

impl Sink for Writer<'_> {
    #[inline]
    fn u8(&mut self, value: u8) {
        self.out.put_u8(value);
    }

    #[inline]
    fn u16(&mut self, value: u16) {
        self.out.put_u16(value);
    }

    #[inline]
    fn u32(&mut self, value: u32) {
        self.out.put_u32(value);
    }

    #[inline]
    fn array<const N: usize>(&mut self, bytes: [u8; N]) {
        self.out.put_slice(&bytes);
    }

    #[inline]
    fn variable_byte_integer(&mut self, value: u32) {
        put_variable_byte_integer(self.out, value);
    }

    #[inline]
    fn binary(&mut self, bytes: &[u8]) {
        // The counting pass has refused anything longer.
        self.out
            .put_u16(u16::try_from(bytes.len()).unwrap_or(u16::MAX));
        self.out.put_slice(bytes);
    }

    #[inline]
    fn string(&mut self, string: &str) {
        self.binary(string.as_bytes());
    }

    #[inline]
    fn validated<V: Validated>(&mut self, value: &V) {
        self.binary(value.validated_bytes());
    }

    #[inline]
    fn properties<P: PropertySet>(&mut self, properties: &P) {
        let len = self.blocks.get(self.written_blocks).unwrap_or_else(|| {
            // Not counted before (never with `encode_body`): count it now.
            let mut block = Counter::default();
            properties.visit(&mut block);
            u32::try_from(block.len).unwrap_or(u32::MAX)
        });
        self.written_blocks += 1;
        self.variable_byte_integer(len);
        properties.visit(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn any_byte_finds_a_byte_wherever_it_is() {
        // Every length around the 16-byte block, the byte at every place, and none at all.
        for len in 0..50 {
            let clean = alloc::vec![b'a'; len];
            assert!(!has_null(&clean), "{len}");
            for at in 0..len {
                let mut bytes = clean.clone();
                bytes[at] = 0;
                assert!(has_null(&bytes), "{len} {at}");
            }
        }
    }

    #[test]
    fn has_null_sees_no_zero_in_any_other_byte() {
        // Every non-zero byte value, at every length around the word and block sizes: the
        // word test must not mistake a borrow from 0x01 or a high bit for a zero.
        for len in 0..50 {
            for value in 1..=255u8 {
                assert!(!has_null(&alloc::vec![value; len]), "{len} {value}");
                let mixed: Vec<u8> = (0..len).map(|i| [value, 0x01, 0x80, 0xff][i % 4]).collect();
                assert!(!has_null(&mixed), "{len} {value}");
                for at in 0..len {
                    let mut bytes = mixed.clone();
                    bytes[at] = 0;
                    assert!(has_null(&bytes), "{len} {value} {at}");
                }
            }
        }
    }

    fn encode(value: u32) -> Vec<u8> {
        let mut out = BytesMut::new();
        put_variable_byte_integer(&mut out, value);
        out.to_vec()
    }

    #[test]
    fn variable_byte_integer_examples_from_the_spec() {
        // MQTT 5.0 table 1-1: the boundaries of each length.
        let cases: [(u32, &[u8]); 8] = [
            (0, &[0x00]),
            (127, &[0x7f]),
            (128, &[0x80, 0x01]),
            (16_383, &[0xff, 0x7f]),
            (16_384, &[0x80, 0x80, 0x01]),
            (2_097_151, &[0xff, 0xff, 0x7f]),
            (2_097_152, &[0x80, 0x80, 0x80, 0x01]),
            (268_435_455, &[0xff, 0xff, 0xff, 0x7f]),
        ];
        for (value, bytes) in cases {
            assert_eq!(encode(value), bytes);
            assert_eq!(variable_byte_integer_len(value), bytes.len());
            assert_eq!(
                parse_variable_byte_integer(bytes),
                Ok(VariableByteInteger::Complete {
                    value,
                    len: bytes.len()
                })
            );
        }
    }

    #[test]
    fn variable_byte_integer_past_four_bytes_is_malformed() {
        assert_eq!(
            parse_variable_byte_integer(&[0xff, 0xff, 0xff, 0xff, 0x01]),
            Err(DecodeError::MalformedVariableByteInteger)
        );
        assert_eq!(
            parse_variable_byte_integer(&[0x80, 0x80, 0x80]),
            Ok(VariableByteInteger::Incomplete)
        );
    }

    #[test]
    fn non_minimal_variable_byte_integer_is_refused() {
        // [MQTT-1.5.5-1]
        assert_eq!(
            parse_variable_byte_integer(&[0x80, 0x00]),
            Err(DecodeError::NonMinimalVariableByteInteger)
        );
        assert_eq!(
            parse_variable_byte_integer(&[0xff, 0x80, 0x00]),
            Err(DecodeError::NonMinimalVariableByteInteger)
        );
    }

    #[test]
    fn reader_refuses_to_run_past_the_end() {
        let mut r = Reader::new(Bytes::from_static(&[0x00, 0x05, b'a']), PacketType::Publish);
        assert_eq!(
            r.binary(),
            Err(DecodeError::Truncated {
                packet_type: PacketType::Publish
            })
        );
    }

    #[test]
    fn a_block_limits_its_reads_and_is_skipped_whole() {
        let body = Bytes::from_static(&[0x01, 0x02, 0x03, 0x04, 0x05]);
        let mut r = Reader::new(body, PacketType::Publish);
        // A 2-byte block cannot give 4 bytes, even though the packet has them.
        assert_eq!(
            r.block(2, |r| r.u32()),
            Err(DecodeError::Truncated {
                packet_type: PacketType::Publish
            })
        );
        let mut r = Reader::new(Bytes::from_static(&[1, 2, 3, 4, 5]), PacketType::Publish);
        // A block read in part is skipped whole; the reader goes on after it.
        assert_eq!(r.block(3, |r| r.u8()), Ok(1));
        assert_eq!(r.remaining(), 2);
        assert_eq!(&r.rest()[..], [4, 5]);
        assert!(r.is_empty());
        // A block longer than what is left is refused before anything is read.
        let mut r = Reader::new(Bytes::from_static(&[1]), PacketType::Publish);
        assert!(r.block(2, |r| r.u8()).is_err());
    }

    #[test]
    fn reader_checks_strings() {
        // [MQTT-1.5.4-1]
        let mut r = Reader::new(Bytes::from_static(&[0x00, 0x01, 0xff]), PacketType::Connect);
        assert_eq!(r.utf8(), Err(DecodeError::InvalidUtf8));
        // [MQTT-1.5.4-2]
        let mut r = Reader::new(Bytes::from_static(&[0x00, 0x01, 0x00]), PacketType::Connect);
        assert_eq!(r.utf8(), Err(DecodeError::NullCharacter));
        // [MQTT-1.5.4-3]: a BOM is kept, not stripped.
        let mut r = Reader::new(
            Bytes::from_static(&[0x00, 0x04, 0xef, 0xbb, 0xbf, b'a']),
            PacketType::Connect,
        );
        assert_eq!(r.utf8().unwrap(), "\u{feff}a");
    }

    #[test]
    fn counter_refuses_long_and_null_strings() {
        let mut c = Counter::default();
        c.string("a\0");
        assert_eq!(c.finish(), Err(EncodeError::NullCharacter));
        let mut c = Counter::default();
        c.binary(&alloc::vec![0; 65_536]);
        assert_eq!(c.finish(), Err(EncodeError::StringTooLong { len: 65_536 }));
    }
}
