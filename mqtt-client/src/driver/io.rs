//! The driver's reading and writing: bytes from the connection to the engine (large packets
//! read in place), and the engine's bytes to the connection with vectored writes. Buffers
//! grown by a burst of traffic go back to small ones once the connection has been quiet for a
//! while, so that a fleet of idle clients does not keep the memory of its busiest moment.

use std::io::IoSlice;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use futures_lite::io::{AsyncRead, AsyncWrite};
use mqtt_kit_session::OutBuffer;
use mqtt_kit_transport::BoxedStream;

use crate::engine::Engine;

/// How much is read from the connection at a time, at first, into a buffer on the stack (an
/// idle client holds no read buffer of its own); while reads fill it, they go to a buffer on
/// the heap that doubles.
const READ_CHUNK: usize = 1024;
/// How much is read at a time, at most (a packet larger than that is read in place).
const READ_CHUNK_MAX: usize = 16 * 1024;
/// How much room a large incoming packet is given at a time: its bytes arrive into it in
/// place; when it is full and the packet is not, the next step is added.
const IN_PLACE_STEP: usize = 1024 * 1024;
/// How long a connection must go without a read or a write larger than [`READ_CHUNK`] before
/// its buffers are made small again: long enough that a steady load does not reallocate them
/// at every pause, short enough that a burst's memory is not kept by an idle client.
const QUIET_BEFORE_SHRINK: Duration = Duration::from_secs(1);
/// Segments given to one vectored write, at most (heads and payloads of large messages,
/// and the buffer of small packets).
const WRITE_SLICES: usize = 16;

/// The buffers of one connection.
#[derive(Debug, Default)]
pub(super) struct Io {
    read_buf: BytesMut,
    /// While a large packet is read in place: `read_buf` is sized to all of it and this many
    /// bytes of it have arrived (the rest is zeros to be overwritten).
    large_filled: Option<usize>,
    pub(super) write_buf: OutBuffer,
    /// Where reads go on a busy connection (empty: a buffer on the stack).
    scratch: Vec<u8>,
    needs_flush: bool,
    /// When a read or a write last moved more than [`READ_CHUNK`] bytes, while the buffers
    /// may be larger than an idle connection needs.
    last_large_io: Option<Instant>,
}

impl Io {
    /// Empty buffers for a new connection (what the last one left is not for this one).
    pub(super) fn reset(&mut self) {
        self.read_buf.clear();
        self.large_filled = None;
        self.write_buf.clear();
        self.needs_flush = false;
        self.last_large_io = None;
        self.scratch = Vec::new();
    }

    /// Gives back what a burst made the buffers grow to, once the connection has been quiet
    /// for [`QUIET_BEFORE_SHRINK`]; a buffer still holding bytes is left for a later call.
    fn shrink_when_quiet(&mut self, now: Instant) {
        let Some(at) = self.last_large_io else {
            return;
        };
        if now.saturating_duration_since(at) < QUIET_BEFORE_SHRINK {
            return;
        }
        self.scratch = Vec::new();
        let read_idle = self.read_buf.is_empty() && self.large_filled.is_none();
        if read_idle && self.read_buf.capacity() > READ_CHUNK {
            self.read_buf = BytesMut::new();
        }
        let write_idle = self.write_buf.is_empty();
        if write_idle && self.write_buf.tail_mut().capacity() > READ_CHUNK {
            self.write_buf = OutBuffer::new();
        }
        if read_idle && write_idle {
            self.last_large_io = None;
        }
    }

    /// Reads what the connection has; feeds it to the engine. Returns whether anything
    /// happened.
    pub(super) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        stream: &mut BoxedStream,
        engine: &mut Engine,
        now: Instant,
    ) -> bool {
        let filled = self.large_filled;
        // Zeroed only when used: a busy connection reads into its heap buffer.
        let mut on_stack: Option<[u8; READ_CHUNK]> = None;
        let target = match filled {
            Some(filled) => match self.read_buf.get_mut(filled..) {
                Some(rest) if !rest.is_empty() => rest,
                // Nothing left to fill: the packet is whole.
                _ => {
                    self.large_filled = None;
                    self.handle_read(engine, now);
                    return true;
                }
            },
            None if self.scratch.is_empty() => &mut on_stack.insert([0; READ_CHUNK])[..],
            None => &mut self.scratch[..],
        };
        let room = target.len();
        let count = match Pin::new(&mut *stream).poll_read(cx, target) {
            Poll::Pending => {
                // Nothing to read: the moment to see whether the connection has gone quiet.
                self.shrink_when_quiet(now);
                return false;
            }
            Poll::Ready(Ok(0)) => {
                engine.connection_lost(now);
                return true;
            }
            Poll::Ready(Ok(count)) => count,
            Poll::Ready(Err(error)) => {
                engine.io_failed(error, now);
                return true;
            }
        };
        if count > READ_CHUNK {
            self.last_large_io = Some(now);
        }
        match filled {
            Some(filled) if filled + count < self.read_buf.len() => {
                self.large_filled = Some(filled + count);
                return true;
            }
            Some(_) => self.large_filled = None,
            None => {
                let read = match &on_stack {
                    Some(on_stack) => &on_stack[..count],
                    None => &self.scratch[..count],
                };
                self.read_buf.extend_from_slice(read);
                if count == room && count < READ_CHUNK_MAX {
                    // A busy connection: fewer, larger reads.
                    self.scratch.resize(count * 2, 0);
                    self.last_large_io = Some(now);
                }
            }
        }
        self.handle_read(engine, now);
        true
    }

    /// Feeds the engine every whole packet read. When what is left is the start of a packet
    /// larger than a read, room for (the next step of) it is made at once, to be read in place.
    fn handle_read(&mut self, engine: &mut Engine, now: Instant) {
        engine.handle_read(&mut self.read_buf, now);
        let buffered = self.read_buf.len();
        // The session refused a packet over the maximum size from its fixed header, so the
        // size is one the session will take; still, room is made a step at a time, so that a
        // header alone (five bytes) never makes the client allocate hundreds of megabytes.
        if let Some(total) = mqtt_kit_codec::packet_len(&self.read_buf) {
            if total > buffered + self.scratch.len().max(READ_CHUNK) {
                self.read_buf.resize(total.min(buffered + IN_PLACE_STEP), 0);
                self.large_filled = Some(buffered);
            }
        }
    }

    /// Writes what is waiting; returns whether anything was written.
    pub(super) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        stream: &mut BoxedStream,
        engine: &mut Engine,
        now: Instant,
    ) -> bool {
        let mut progress = false;
        while !self.write_buf.is_empty() {
            let mut slices = [IoSlice::new(&[]); WRITE_SLICES];
            let count = self.write_buf.io_slices(&mut slices);
            let slices = slices.get(..count).unwrap_or_default();
            let error = match Pin::new(&mut *stream).poll_write_vectored(cx, slices) {
                Poll::Pending => break,
                Poll::Ready(Ok(0)) => std::io::ErrorKind::WriteZero.into(),
                Poll::Ready(Ok(count)) => {
                    if count > READ_CHUNK {
                        self.last_large_io = Some(now);
                    }
                    self.write_buf.advance(count);
                    self.needs_flush = true;
                    progress = true;
                    engine.written(count);
                    continue;
                }
                Poll::Ready(Err(error)) => error,
            };
            self.write_buf.clear();
            engine.io_failed(error, now);
            return true;
        }
        if self.write_buf.is_empty() && self.needs_flush {
            match Pin::new(&mut *stream).poll_flush(cx) {
                Poll::Pending => {}
                Poll::Ready(Ok(())) => self.needs_flush = false,
                Poll::Ready(Err(error)) => {
                    engine.io_failed(error, now);
                    return true;
                }
            }
        }
        progress
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Buffers as a burst leaves them: a large read chunk, read and write buffers with room
    /// for tens of kilobytes, all empty.
    fn after_burst(at: Instant) -> Io {
        let mut io = Io::default();
        io.reset();
        io.scratch.resize(READ_CHUNK_MAX, 0);
        io.read_buf.reserve(64 * 1024);
        io.write_buf.tail_mut().reserve(64 * 1024);
        io.last_large_io = Some(at);
        io
    }

    fn capacities(io: &mut Io) -> [usize; 3] {
        [
            io.scratch.len(),
            io.read_buf.capacity(),
            io.write_buf.tail_mut().capacity(),
        ]
    }

    #[test]
    fn buffers_shrink_once_the_connection_has_been_quiet() {
        let burst = Instant::now();
        let mut io = after_burst(burst);
        let grown = capacities(&mut io);
        assert!(grown.iter().all(|&capacity| capacity >= READ_CHUNK_MAX));

        io.shrink_when_quiet(burst + QUIET_BEFORE_SHRINK / 2);
        assert_eq!(capacities(&mut io), grown, "kept while traffic may go on");

        io.shrink_when_quiet(burst + QUIET_BEFORE_SHRINK);
        let [scratch, read, write] = capacities(&mut io);
        assert_eq!(scratch, 0, "reads go to the stack again");
        assert!(read <= READ_CHUNK, "read buffer kept {read} bytes");
        assert!(write <= READ_CHUNK, "write buffer kept {write} bytes");
        assert_eq!(io.last_large_io, None);
    }

    #[test]
    fn a_buffer_holding_bytes_is_not_shrunk() {
        let burst = Instant::now();
        let mut io = after_burst(burst);
        // The start of a packet, waiting for its end.
        io.read_buf.extend_from_slice(&[0x30, 0x80]);
        io.shrink_when_quiet(burst + QUIET_BEFORE_SHRINK);
        assert!(io.read_buf.capacity() >= 64 * 1024);
        assert_eq!(&io.read_buf[..], [0x30, 0x80]);
        assert!(io.last_large_io.is_some(), "tried again later");

        io.read_buf.clear();
        io.shrink_when_quiet(burst + 2 * QUIET_BEFORE_SHRINK);
        assert!(io.read_buf.capacity() <= READ_CHUNK);
    }
}
