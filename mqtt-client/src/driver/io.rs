//! The driver's reading and writing: bytes from the connection to the engine (large packets
//! read in place), and the engine's bytes to the connection with vectored writes.

use std::io::IoSlice;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::BytesMut;
use futures_lite::io::{AsyncRead, AsyncWrite};
use mqtt_kit_session::OutBuffer;
use mqtt_kit_transport::BoxedStream;

use crate::engine::Engine;

/// How much is read from the connection at a time, at first; it doubles while reads fill it.
const READ_CHUNK: usize = 1024;
/// How much is read at a time, at most (a packet larger than that is read in place).
const READ_CHUNK_MAX: usize = 16 * 1024;
/// How much room a large incoming packet is given at a time: its bytes arrive into it in
/// place; when it is full and the packet is not, the next step is added.
const IN_PLACE_STEP: usize = 1024 * 1024;
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
    scratch: Vec<u8>,
    needs_flush: bool,
}

impl Io {
    /// Empty buffers for a new connection (what the last one left is not for this one).
    pub(super) fn reset(&mut self) {
        self.read_buf.clear();
        self.large_filled = None;
        self.write_buf.clear();
        self.needs_flush = false;
        if self.scratch.is_empty() {
            self.scratch = vec![0; READ_CHUNK];
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
            None => &mut self.scratch[..],
        };
        let count = match Pin::new(&mut *stream).poll_read(cx, target) {
            Poll::Pending => return false,
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
        match filled {
            Some(filled) if filled + count < self.read_buf.len() => {
                self.large_filled = Some(filled + count);
                return true;
            }
            Some(_) => self.large_filled = None,
            None => {
                self.read_buf.extend_from_slice(&self.scratch[..count]);
                if count == self.scratch.len() && count < READ_CHUNK_MAX {
                    // A busy connection: fewer, larger reads.
                    self.scratch.resize(count * 2, 0);
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
            if total > buffered + self.scratch.len() {
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
