//! [`WebSocketByteStream`]: a WebSocket connection seen as a byte stream, as MQTT wants it.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::{self, Bytes, Message};
use futures_io::{AsyncRead, AsyncWrite};
use futures_lite::Stream;
use futures_sink::Sink;

use super::WebSocketError;

/// The most bytes one write puts in one frame; a longer write takes several calls, which
/// `write_all` makes. Keeps frames within what brokers' WebSocket layers accept.
pub const MAX_FRAME_PAYLOAD: usize = 64 * 1024;

/// A WebSocket connection as an `AsyncRead + AsyncWrite` byte stream.
///
/// MQTT over WebSocket puts the bytes of the MQTT stream in binary frames, with no relation
/// between packets and frames: a packet may span frames, a frame may hold several packets.
/// So each write is sent as one binary frame (at most [`MAX_FRAME_PAYLOAD`] bytes), and reads
/// hand out the bytes of the frames received, across as many reads as the caller's buffers
/// need. Pings are answered and skipped, a close frame is the end of the stream, and a text
/// frame is an error ([`WebSocketError::TextFrame`] inside the [`io::Error`]).
#[derive(Debug)]
pub struct WebSocketByteStream<S> {
    socket: WebSocketStream<S>,
    /// What is left of the last binary frame received.
    unread: Bytes,
}

impl<S> WebSocketByteStream<S> {
    /// Wraps an open WebSocket connection.
    pub fn new(socket: WebSocketStream<S>) -> Self {
        WebSocketByteStream {
            socket,
            unread: Bytes::new(),
        }
    }

    /// The WebSocket connection.
    pub fn get_ref(&self) -> &WebSocketStream<S> {
        &self.socket
    }

    /// The WebSocket connection, and any received bytes not read yet.
    pub fn into_inner(self) -> (WebSocketStream<S>, Bytes) {
        (self.socket, self.unread)
    }
}

/// A WebSocket error as an I/O error, keeping the original inside.
fn to_io(error: tungstenite::Error) -> io::Error {
    match error {
        tungstenite::Error::Io(error) => error,
        tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => {
            io::Error::new(io::ErrorKind::BrokenPipe, error)
        }
        other => io::Error::new(
            io::ErrorKind::InvalidData,
            WebSocketError::Protocol(Box::new(other)),
        ),
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for WebSocketByteStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        loop {
            if !this.unread.is_empty() {
                let count = buf.len().min(this.unread.len());
                let chunk = this.unread.split_to(count);
                buf[..count].copy_from_slice(&chunk);
                return Poll::Ready(Ok(count));
            }
            match ready!(Pin::new(&mut this.socket).poll_next(cx)) {
                // Empty frames carry nothing; reading on (not returning 0, which means the end).
                Some(Ok(Message::Binary(bytes))) => this.unread = bytes,
                Some(Ok(Message::Text(_))) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        WebSocketError::TextFrame,
                    )));
                }
                // tungstenite queues the reply to a ping and to a close itself.
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                Some(Ok(Message::Close(_))) | None => return Poll::Ready(Ok(0)),
                Some(Err(error)) => return Poll::Ready(Err(to_io(error))),
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for WebSocketByteStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let mut socket = Pin::new(&mut this.socket);
        ready!(socket.as_mut().poll_ready(cx)).map_err(to_io)?;
        let count = buf.len().min(MAX_FRAME_PAYLOAD);
        socket
            .as_mut()
            .start_send(Message::Binary(Bytes::copy_from_slice(&buf[..count])))
            .map_err(to_io)?;
        // Send the frame now, not at the next flush: MQTT writers often do not flush after
        // each packet. If the socket is busy, the frame stays queued for the next call.
        if let Poll::Ready(Err(error)) = socket.poll_flush(cx) {
            return Poll::Ready(Err(to_io(error)));
        }
        Poll::Ready(Ok(count))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().socket)
            .poll_flush(cx)
            .map_err(to_io)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().socket)
            .poll_close(cx)
            .map_err(to_io)
    }
}
