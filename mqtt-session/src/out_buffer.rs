//! [`OutBuffer`]: bytes waiting to be written, where a large payload is a reference to the
//! application's own bytes rather than a copy of them.

use std::collections::VecDeque;
use std::io::IoSlice;

use bytes::{Buf, Bytes, BytesMut};

/// Bytes to write, in order: whole segments (a packet's head, a large payload shared with the
/// application), then a tail that small packets are encoded into.
///
/// A driver takes it from [`Session::poll_transmit_buffer`](crate::Session::poll_transmit_buffer)
/// and writes it with one vectored write ([`OutBuffer::io_slices`], then
/// [`OutBuffer::advance`] by what was written), so that a 1 MiB message is never copied
/// between the application and the socket. Small packets share the tail, which is reused
/// once written: no allocation per packet.
///
/// ```
/// use bytes::Bytes;
/// use mqtt_kit_session::OutBuffer;
///
/// let mut out = OutBuffer::new();
/// out.tail_mut().extend_from_slice(b"head");
/// out.push_payload(Bytes::from_static(b"payload"));
/// out.tail_mut().extend_from_slice(b"next");
/// assert_eq!(out.len(), 15);
/// out.advance(6);
/// let mut slices = [std::io::IoSlice::new(&[]); 4];
/// let count = out.io_slices(&mut slices);
/// let flat: Vec<u8> = slices[..count].iter().flat_map(|s| s.iter().copied()).collect();
/// assert_eq!(flat, b"yloadnext");
/// ```
///
/// Its `Debug` shows lengths only: the bytes are packets, payloads and passwords included.
#[derive(Default)]
pub struct OutBuffer {
    segments: VecDeque<Bytes>,
    segments_len: usize,
    tail: BytesMut,
}

impl std::fmt::Debug for OutBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutBuffer")
            .field("segments", &self.segments.len())
            .field("len", &self.len())
            .finish()
    }
}

impl OutBuffer {
    /// An empty buffer (it allocates nothing until written to).
    pub fn new() -> Self {
        Self::default()
    }

    /// How many bytes wait.
    pub fn len(&self) -> usize {
        self.segments_len + self.tail.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The tail, to encode packets into (after everything already in the buffer).
    pub fn tail_mut(&mut self) -> &mut BytesMut {
        &mut self.tail
    }

    /// Appends `payload` by reference, after what the tail holds.
    pub fn push_payload(&mut self, payload: Bytes) {
        if payload.is_empty() {
            return;
        }
        self.seal_tail();
        self.segments_len += payload.len();
        self.segments.push_back(payload);
    }

    /// Moves everything `other` holds to the end of this buffer (the tail's bytes are copied
    /// only when this buffer already holds some: they are small packets).
    pub fn append(&mut self, other: &mut OutBuffer) {
        if self.is_empty() {
            std::mem::swap(self, other);
            return;
        }
        if !other.segments.is_empty() {
            self.seal_tail();
            self.segments_len += other.segments_len;
            self.segments.append(&mut other.segments);
            other.segments_len = 0;
        }
        self.tail.extend_from_slice(&other.tail);
        other.tail.clear();
    }

    /// Copies everything into `out` (for a driver that writes from one contiguous buffer).
    pub fn copy_to(&mut self, out: &mut BytesMut) {
        if out.is_empty() && self.segments.is_empty() {
            std::mem::swap(out, &mut self.tail);
            return;
        }
        for segment in self.segments.drain(..) {
            out.extend_from_slice(&segment);
        }
        self.segments_len = 0;
        out.extend_from_slice(&self.tail);
        self.tail.clear();
    }

    /// Fills `slices` with the bytes waiting, in order, as far as there are slices; returns
    /// how many it filled.
    pub fn io_slices<'a>(&'a self, slices: &mut [IoSlice<'a>]) -> usize {
        let parts = self
            .segments
            .iter()
            .map(|segment| &segment[..])
            .chain(std::iter::once(&self.tail[..]))
            .filter(|part| !part.is_empty());
        let mut count = 0;
        for (slot, part) in slices.iter_mut().zip(parts) {
            *slot = IoSlice::new(part);
            count += 1;
        }
        count
    }

    /// Drops the first `count` bytes (those written); more than [`OutBuffer::len`] empties
    /// the buffer.
    pub fn advance(&mut self, mut count: usize) {
        while count > 0 {
            let Some(front) = self.segments.front_mut() else {
                break;
            };
            if count < front.len() {
                front.advance(count);
                self.segments_len -= count;
                return;
            }
            count -= front.len();
            self.segments_len -= front.len();
            self.segments.pop_front();
        }
        let from_tail = count.min(self.tail.len());
        self.tail.advance(from_tail);
    }

    /// Drops everything.
    pub fn clear(&mut self) {
        self.segments.clear();
        self.segments_len = 0;
        self.tail.clear();
    }

    /// Ends the tail as a segment, so that what follows comes after it.
    fn seal_tail(&mut self) {
        if !self.tail.is_empty() {
            let sealed = self.tail.split().freeze();
            self.segments_len += sealed.len();
            self.segments.push_back(sealed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flatten(out: &OutBuffer) -> Vec<u8> {
        let mut slices = [IoSlice::new(&[]); 16];
        let count = out.io_slices(&mut slices);
        slices[..count]
            .iter()
            .flat_map(|slice| slice.iter().copied())
            .collect()
    }

    fn sample() -> OutBuffer {
        let mut out = OutBuffer::new();
        out.tail_mut().extend_from_slice(b"ab");
        out.push_payload(Bytes::from_static(b"cdef"));
        out.tail_mut().extend_from_slice(b"gh");
        out.push_payload(Bytes::from_static(b"ij"));
        out
    }

    #[test]
    fn keeps_the_order_of_tail_bytes_and_payloads() {
        let out = sample();
        assert_eq!(out.len(), 10);
        assert_eq!(flatten(&out), b"abcdefghij");
    }

    #[test]
    fn advancing_through_segments_and_tail_drops_exactly_what_was_written() {
        for written in 0..=11 {
            let mut out = sample();
            out.advance(written);
            let rest = &b"abcdefghij"[written.min(10)..];
            assert_eq!(flatten(&out), rest, "after {written}");
            assert_eq!(out.len(), rest.len());
        }
    }

    #[test]
    fn appending_keeps_order_and_empties_the_other() {
        let mut first = OutBuffer::new();
        first.tail_mut().extend_from_slice(b"01");
        let mut second = sample();
        first.append(&mut second);
        assert!(second.is_empty());
        assert_eq!(flatten(&first), b"01abcdefghij");
        let mut third = OutBuffer::new();
        third.tail_mut().extend_from_slice(b"kl");
        first.append(&mut third);
        assert_eq!(flatten(&first), b"01abcdefghijkl");
    }

    #[test]
    fn copies_everything_in_order() {
        let mut out = sample();
        let mut flat = BytesMut::from(&b">"[..]);
        out.copy_to(&mut flat);
        assert_eq!(&flat[..], b">abcdefghij");
        assert!(out.is_empty());
    }

    #[test]
    fn fills_no_more_slices_than_given() {
        let out = sample();
        let mut slices = [IoSlice::new(&[]); 2];
        assert_eq!(out.io_slices(&mut slices), 2);
        assert_eq!((&slices[0][..], &slices[1][..]), (&b"ab"[..], &b"cdef"[..]));
    }
}
