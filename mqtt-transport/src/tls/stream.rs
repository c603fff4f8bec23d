//! [`TlsStream`]: a TLS connection whose I/O errors say what TLS failure they are.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};
use rustls::pki_types::CertificateDer;

use super::TlsError;
use super::error::rustls_error_in;

/// A client TLS connection over `S`, as opened by a [`TlsConnector`](super::TlsConnector).
///
/// Reads and writes fail with an [`io::Error`] carrying a [`TlsError`] when TLS is the cause
/// (see [`TlsError::find_in`]): with TLS 1.3 a broker that refuses our client certificate
/// says so only after the handshake, on the first read.
#[derive(Debug)]
pub struct TlsStream<S> {
    inner: futures_rustls::client::TlsStream<S>,
    server_name: String,
}

impl<S> TlsStream<S> {
    pub(crate) fn new(inner: futures_rustls::client::TlsStream<S>, server_name: String) -> Self {
        TlsStream { inner, server_name }
    }

    /// The stream TLS runs over.
    pub fn get_ref(&self) -> &S {
        self.inner.get_ref().0
    }

    /// The application protocol agreed in ALPN, if any.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.inner.get_ref().1.alpn_protocol()
    }

    /// The TLS version agreed.
    pub fn protocol_version(&self) -> Option<rustls::ProtocolVersion> {
        self.inner.get_ref().1.protocol_version()
    }

    /// The certificate chain the server presented, its own certificate first.
    pub fn peer_certificates(&self) -> Option<&[CertificateDer<'static>]> {
        self.inner.get_ref().1.peer_certificates()
    }

    /// Replaces a bare rustls error with the [`TlsError`] it stands for.
    fn explain(&self, error: io::Error) -> io::Error {
        match rustls_error_in(&error) {
            Some(tls) => io::Error::new(
                error.kind(),
                TlsError::from_rustls(tls.clone(), &self.server_name),
            ),
            None => error,
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for TlsStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        Pin::new(&mut this.inner)
            .poll_read(cx, buf)
            .map_err(|e| this.explain(e))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for TlsStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        Pin::new(&mut this.inner)
            .poll_write(cx, buf)
            .map_err(|e| this.explain(e))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        Pin::new(&mut this.inner)
            .poll_flush(cx)
            .map_err(|e| this.explain(e))
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        Pin::new(&mut this.inner)
            .poll_close(cx)
            .map_err(|e| this.explain(e))
    }
}
