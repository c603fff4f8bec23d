//! The [`Connector`] trait: anything that turns a broker address into a byte stream.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use futures_io::{AsyncRead, AsyncWrite};

use crate::{BrokerAddress, TransportError};

/// A bidirectional byte stream to a broker: what every connector returns.
///
/// Implemented for every `AsyncRead + AsyncWrite + Send + Unpin` type, so a connector can
/// return any stream it likes, boxed as a [`BoxedStream`].
pub trait ByteStream: AsyncRead + AsyncWrite + Send + Unpin {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin + ?Sized> ByteStream for T {}

/// A connection to a broker, whatever the transport underneath.
pub type BoxedStream = Box<dyn ByteStream>;

/// The future a [`Connector`] returns: the stream, or why there is none.
pub type ConnectFuture<'a> =
    Pin<Box<dyn Future<Output = Result<BoxedStream, TransportError>> + Send + 'a>>;

/// Opens byte streams to brokers: luamqtt's "connector", in Rust.
///
/// The client holds one as `Box<dyn Connector>` or `Arc<dyn Connector>` (the trait is object
/// safe) and calls it for each connection and each reconnection. The connectors of this crate
/// are [`TcpConnector`](crate::TcpConnector), [`TlsConnector`](crate::tls::TlsConnector),
/// [`WebSocketConnector`](crate::websocket::WebSocketConnector),
/// [`UnixConnector`](crate::UnixConnector) and [`DefaultConnector`](crate::DefaultConnector),
/// which picks one by the address's scheme.
///
/// Write your own to run MQTT over anything else: a proxy, a serial line, a stream of another
/// runtime, or an in-memory pipe in tests. This one connects to a loopback pipe: what the
/// client writes comes back to it.
///
/// ```
/// use std::collections::VecDeque;
/// use std::io;
/// use std::pin::Pin;
/// use std::task::{Context, Poll, Waker};
///
/// use futures_lite::{AsyncReadExt, AsyncWriteExt};
/// use mqtt_kit_transport::{BrokerAddress, ConnectFuture, Connector, TransportError};
///
/// /// Bytes written are read back, in order.
/// #[derive(Default)]
/// struct LoopbackPipe {
///     bytes: VecDeque<u8>,
///     reader: Option<Waker>,
/// }
///
/// impl futures_io::AsyncRead for LoopbackPipe {
///     fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8])
///         -> Poll<io::Result<usize>>
///     {
///         if self.bytes.is_empty() {
///             // Nothing to read yet: wait for a write (returning 0 would mean end of stream).
///             self.reader = Some(cx.waker().clone());
///             return Poll::Pending;
///         }
///         let count = buf.len().min(self.bytes.len());
///         for (slot, byte) in buf.iter_mut().zip(self.bytes.drain(..count)) {
///             *slot = byte;
///         }
///         Poll::Ready(Ok(count))
///     }
/// }
///
/// impl futures_io::AsyncWrite for LoopbackPipe {
///     fn poll_write(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8])
///         -> Poll<io::Result<usize>>
///     {
///         self.bytes.extend(buf);
///         if let Some(reader) = self.reader.take() {
///             reader.wake();
///         }
///         Poll::Ready(Ok(buf.len()))
///     }
///     fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
///         Poll::Ready(Ok(()))
///     }
///     fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
///         Poll::Ready(Ok(()))
///     }
/// }
///
/// /// Connects every `unix://loopback` address to a fresh pipe; refuses anything else.
/// struct LoopbackConnector;
///
/// impl Connector for LoopbackConnector {
///     fn connect<'a>(&'a self, address: &'a BrokerAddress) -> ConnectFuture<'a> {
///         Box::pin(async move {
///             match address {
///                 BrokerAddress::Unix { path } if path.as_os_str() == "loopback" => {
///                     Ok(Box::new(LoopbackPipe::default()) as _)
///                 }
///                 _ => Err(TransportError::UnsupportedAddress {
///                     connector: "LoopbackConnector",
///                     scheme: address.scheme(),
///                 }),
///             }
///         })
///     }
/// }
///
/// # futures_lite::future::block_on(async {
/// // A client keeps its connector behind a pointer, whichever it is.
/// let connector: Box<dyn Connector> = Box::new(LoopbackConnector);
/// let mut stream = connector.connect(&"unix://loopback".parse()?).await?;
/// stream.write_all(&[0xc0, 0x00]).await?; // PINGREQ
/// let mut echoed = [0; 2];
/// stream.read_exact(&mut echoed).await?;
/// assert_eq!(echoed, [0xc0, 0x00]);
///
/// let refused = connector.connect(&"mqtt://localhost".parse()?).await;
/// assert!(matches!(refused, Err(TransportError::UnsupportedAddress { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub trait Connector: Send + Sync {
    /// Opens a new byte stream to the broker at `address`.
    ///
    /// A connector that does not speak the address's transport returns
    /// [`TransportError::UnsupportedAddress`].
    fn connect<'a>(&'a self, address: &'a BrokerAddress) -> ConnectFuture<'a>;
}

impl<C: Connector + ?Sized> Connector for &C {
    fn connect<'a>(&'a self, address: &'a BrokerAddress) -> ConnectFuture<'a> {
        (**self).connect(address)
    }
}

impl<C: Connector + ?Sized> Connector for Box<C> {
    fn connect<'a>(&'a self, address: &'a BrokerAddress) -> ConnectFuture<'a> {
        (**self).connect(address)
    }
}

impl<C: Connector + ?Sized> Connector for Arc<C> {
    fn connect<'a>(&'a self, address: &'a BrokerAddress) -> ConnectFuture<'a> {
        (**self).connect(address)
    }
}
