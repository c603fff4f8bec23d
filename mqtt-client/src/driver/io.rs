//! The driver's reading and writing: bytes from the connection to the session, large packets
//! read in place, and the session's bytes to the connection with vectored writes.

use std::io::IoSlice;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use futures_lite::io::{AsyncRead, AsyncWrite};
use mqtt_transport::BoxedStream;

use super::{Driver, READ_CHUNK_MAX, WRITE_SLICES};

/// How much room a large incoming packet is given at a time: its bytes arrive into it in
/// place; when it is full and the packet is not, the next step is added.
const IN_PLACE_STEP: usize = 1024 * 1024;
use crate::error::ClientError;
use crate::events::{Event, Published};

impl Driver {
    /// Reads what the connection has; feeds it to the session.
    pub(super) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        stream: &mut BoxedStream,
        now: Instant,
    ) -> bool {
        if let Some(filled) = self.large_filled {
            return self.poll_read_large(cx, stream, now, filled);
        }
        match Pin::new(&mut *stream).poll_read(cx, &mut self.scratch) {
            Poll::Pending => false,
            Poll::Ready(Ok(0)) => {
                self.session.connection_lost();
                true
            }
            Poll::Ready(Ok(count)) => {
                self.read_buf.extend_from_slice(&self.scratch[..count]);
                if count == self.scratch.len() && count < READ_CHUNK_MAX {
                    // A busy connection: fewer, larger reads.
                    self.scratch.resize(count * 2, 0);
                }
                self.handle_read(now);
                true
            }
            Poll::Ready(Err(error)) => {
                self.io_failed(error);
                true
            }
        }
    }

    /// Reads the rest of a large packet straight into its place in `read_buf`.
    pub(super) fn poll_read_large(
        &mut self,
        cx: &mut Context<'_>,
        stream: &mut BoxedStream,
        now: Instant,
        filled: usize,
    ) -> bool {
        let Some(unfilled) = self
            .read_buf
            .get_mut(filled..)
            .filter(|rest| !rest.is_empty())
        else {
            // Nothing left to fill: the packet is whole.
            self.large_filled = None;
            self.handle_read(now);
            return true;
        };
        match Pin::new(&mut *stream).poll_read(cx, unfilled) {
            Poll::Pending => false,
            Poll::Ready(Ok(0)) => {
                self.session.connection_lost();
                true
            }
            Poll::Ready(Ok(count)) => {
                let filled = filled + count;
                if filled < self.read_buf.len() {
                    self.large_filled = Some(filled);
                } else {
                    self.large_filled = None;
                    self.handle_read(now);
                }
                true
            }
            Poll::Ready(Err(error)) => {
                self.io_failed(error);
                true
            }
        }
    }

    /// Feeds the session every whole packet read. When what is left is the start of a packet
    /// larger than a read, room for (the next step of) it is made at once, to be read in place.
    pub(super) fn handle_read(&mut self, now: Instant) {
        if let Err(error) = self.session.handle_read(&mut self.read_buf, now) {
            self.emit(Event::Error(ClientError::Protocol(error)));
            return;
        }
        let buffered = self.read_buf.len();
        // The session refused a packet over the maximum size from its fixed header, so the
        // size is one the session will take; still, room is made a step at a time, so that a
        // header alone (five bytes) never makes the client allocate hundreds of megabytes.
        if let Some(total) = mqtt_codec::packet_len(&self.read_buf) {
            if total > buffered + self.scratch.len() {
                self.read_buf.resize(total.min(buffered + IN_PLACE_STEP), 0);
                self.large_filled = Some(buffered);
            }
        }
    }

    /// Writes what is waiting; returns whether anything was written.
    pub(super) fn poll_write(&mut self, cx: &mut Context<'_>, stream: &mut BoxedStream) -> bool {
        let mut progress = false;
        while !self.write_buf.is_empty() && self.io_error.is_none() {
            let mut slices = [IoSlice::new(&[]); WRITE_SLICES];
            let count = self.write_buf.io_slices(&mut slices);
            let slices = slices.get(..count).unwrap_or_default();
            match Pin::new(&mut *stream).poll_write_vectored(cx, slices) {
                Poll::Pending => break,
                Poll::Ready(Ok(0)) => {
                    self.io_failed(std::io::ErrorKind::WriteZero.into());
                }
                Poll::Ready(Ok(count)) => {
                    self.write_buf.advance(count);
                    self.bytes_written += count as u64;
                    self.needs_flush = true;
                    progress = true;
                }
                Poll::Ready(Err(error)) => self.io_failed(error),
            }
        }
        if self.write_buf.is_empty() && self.needs_flush && self.io_error.is_none() {
            match Pin::new(&mut *stream).poll_flush(cx) {
                Poll::Pending => {}
                Poll::Ready(Ok(())) => self.needs_flush = false,
                Poll::Ready(Err(error)) => self.io_failed(error),
            }
        }
        if progress {
            self.complete_written();
        }
        progress
    }

    pub(super) fn io_failed(&mut self, error: std::io::Error) {
        let error = ClientError::from(error);
        self.emit(Event::Error(error.clone()));
        self.io_error = Some(error);
        self.write_buf.clear();
        self.session.connection_lost();
        self.dispatch_events();
    }

    pub(super) fn transmit(&mut self, now: Instant) {
        let count = self.session.poll_transmit_buffer(now, &mut self.write_buf);
        self.bytes_queued += count as u64;
    }

    /// QoS 0 publishes whose bytes have all been written are done.
    pub(super) fn complete_written(&mut self) {
        while let Some((mark, _)) = self.unwritten.front() {
            if *mark > self.bytes_written {
                break;
            }
            if let Some((_, pending)) = self.unwritten.pop_front() {
                self.finish_publish(pending, Ok(Published::Written));
            }
        }
    }

    pub(super) fn fail_unwritten(&mut self) {
        while let Some((_, pending)) = self.unwritten.pop_front() {
            self.finish_publish(pending, Err(ClientError::NotWritten));
        }
    }
}
