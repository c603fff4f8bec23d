//! `-d`: every packet sent and received, one line each on standard error, in mosquitto's
//! words ("Client ID sending CONNECT", "Client ID received PUBLISH (d0, q1, r0, m1, 'a/b',
//! ... (5 bytes))"). The bytes that pass are decoded on the way by the codec, and each line
//! is written (unbuffered) as soon as the last byte of its packet has passed: when the
//! client's driver ends, every line is out, so nothing is cut off at exit.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use mqtt_kit_client::bytes::BytesMut;
use mqtt_kit_client::{BoxedStream, BrokerAddress, ConnectFuture, Connector, ProtocolVersion};
use mqtt_kit_codec::{DecodeLimits, Packet, decode};
use smol::io::{AsyncRead, AsyncWrite};

use super::packet_line::{Direction, packet_line};

/// Wraps a connector: its streams log their packets.
pub(crate) struct PacketLog {
    inner: Arc<dyn Connector>,
    version: ProtocolVersion,
}

impl PacketLog {
    pub(crate) fn new(inner: Arc<dyn Connector>, version: ProtocolVersion) -> Self {
        PacketLog { inner, version }
    }
}

impl Connector for PacketLog {
    fn connect<'a>(&'a self, address: &'a BrokerAddress) -> ConnectFuture<'a> {
        Box::pin(async move {
            let stream = self.inner.connect(address).await?;
            Ok(Box::new(LoggedStream::new(stream, self.version)) as BoxedStream)
        })
    }
}

/// A stream whose packets are logged as they pass.
struct LoggedStream {
    inner: BoxedStream,
    sent: Decoder,
    received: Decoder,
    /// The client id, learnt from the CONNECT sent.
    client_id: String,
}

impl LoggedStream {
    fn new(inner: BoxedStream, version: ProtocolVersion) -> Self {
        LoggedStream {
            inner,
            sent: Decoder::new(version, Direction::Sent),
            received: Decoder::new(version, Direction::Received),
            client_id: String::from("(unknown)"),
        }
    }
}

/// The bytes of one direction, decoded into packets as they complete.
struct Decoder {
    buffer: BytesMut,
    version: ProtocolVersion,
    direction: Direction,
    /// Set after bytes that do not decode: the log stops rather than print nonsense.
    broken: bool,
}

impl Decoder {
    fn new(version: ProtocolVersion, direction: Direction) -> Self {
        Decoder {
            buffer: BytesMut::new(),
            version,
            direction,
            broken: false,
        }
    }

    /// Takes `bytes`, logs every packet they complete.
    fn feed(&mut self, bytes: &[u8], client_id: &mut String) {
        if self.broken {
            return;
        }
        self.buffer.extend_from_slice(bytes);
        loop {
            match decode(&mut self.buffer, self.version, &DecodeLimits::default()) {
                Ok(Some(packet)) => {
                    if let Packet::Connect(connect) = &packet {
                        *client_id = connect.client_id.to_string();
                    }
                    eprintln!(
                        "{}",
                        packet_line(client_id, self.version, self.direction, &packet)
                    );
                }
                Ok(None) => return,
                Err(error) => {
                    eprintln!("debug: the packet log stops: {error}");
                    self.broken = true;
                    self.buffer.clear();
                    return;
                }
            }
        }
    }
}

impl AsyncRead for LoggedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let read = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(count)) = read {
            this.received.feed(&buf[..count], &mut this.client_id);
        }
        read
    }
}

impl AsyncWrite for LoggedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(count)) = written {
            this.sent.feed(&buf[..count], &mut this.client_id);
        }
        written
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_close(cx)
    }
}
