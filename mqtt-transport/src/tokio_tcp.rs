//! TCP on tokio's sockets (feature `tokio`): for applications that run the client on tokio
//! and want its connections registered with tokio's reactor rather than async-io's.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead as _, AsyncWrite as _, ReadBuf};

use crate::{BoxedStream, BrokerAddress, ConnectFuture, Connector, TransportError};

/// Opens `mqtt://` connections with `tokio::net::TcpStream`, `TCP_NODELAY` on, adapted to
/// the `futures-io` traits the client reads and writes (vectored writes included).
///
/// Its futures must run inside a tokio runtime with I/O enabled. Other schemes are refused
/// with [`TransportError::UnsupportedAddress`]; use [`TcpConnector`](crate::TcpConnector)
/// (any runtime) for everything else.
///
/// ```no_run
/// use mqtt_kit_transport::{Connector, TokioConnector};
///
/// # async fn connect() -> Result<(), Box<dyn std::error::Error>> {
/// let stream = TokioConnector.connect(&"mqtt://broker.example".parse()?).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioConnector;

impl Connector for TokioConnector {
    fn connect<'a>(&'a self, address: &'a BrokerAddress) -> ConnectFuture<'a> {
        Box::pin(async move {
            let BrokerAddress::Tcp { host, port } = address else {
                return Err(TransportError::UnsupportedAddress {
                    connector: "TokioConnector",
                    scheme: address.scheme(),
                });
            };
            let stream = tokio::net::TcpStream::connect((host.to_unbracketed(), *port))
                .await
                .map_err(TransportError::other)?;
            stream.set_nodelay(true).map_err(TransportError::other)?;
            Ok(Box::new(TokioLink(stream)) as BoxedStream)
        })
    }
}

/// A tokio TCP stream with the `futures-io` traits. tokio-util's compat layer would do, but it
/// leaves out `poll_write_vectored`: each vectored write of the client (the packets waiting,
/// a large message's head and payload) became a `send` of the first piece alone.
#[derive(Debug)]
struct TokioLink(tokio::net::TcpStream);

impl futures_io::AsyncRead for TokioLink {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut filled = ReadBuf::new(buf);
        ready!(Pin::new(&mut self.0).poll_read(cx, &mut filled))?;
        Poll::Ready(Ok(filled.filled().len()))
    }
}

impl futures_io::AsyncWrite for TokioLink {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
