//! What can go wrong while opening a connection, as one error type that says what failed.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::AddressError;

/// The step of opening a connection that an error or a timeout happened in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Stage {
    /// Looking up the host name in DNS.
    Resolve,
    /// Opening the TCP connection.
    TcpConnect,
    /// The TLS handshake.
    TlsHandshake,
    /// The WebSocket (HTTP upgrade) handshake.
    WebSocketHandshake,
    /// Connecting to a Unix domain socket.
    UnixConnect,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Resolve => "DNS resolution",
            Stage::TcpConnect => "TCP connect",
            Stage::TlsHandshake => "TLS handshake",
            Stage::WebSocketHandshake => "WebSocket handshake",
            Stage::UnixConnect => "Unix socket connect",
        })
    }
}

/// One failed TCP connection attempt, to one of the addresses a host name resolved to.
#[derive(Debug)]
pub struct ConnectAttempt {
    /// The address that was tried.
    pub address: SocketAddr,
    /// Why it failed (`TimedOut` when the connect timeout ran out).
    pub error: io::Error,
}

impl fmt::Display for ConnectAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.address, self.error)
    }
}

/// A list of attempts, displayed on one line.
struct Attempts<'a>(&'a [ConnectAttempt]);

impl fmt::Display for Attempts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, attempt) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{attempt}")?;
        }
        Ok(())
    }
}

/// Why a connector could not open a connection to a broker.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The broker address could not be parsed.
    #[error("invalid broker address: {0}")]
    Address(#[from] AddressError),
    /// The connector was given an address of a transport it does not speak, e.g. a
    /// [`TcpConnector`](crate::TcpConnector) given a `wss://` address.
    #[error("{connector} cannot connect to {scheme}:// addresses")]
    UnsupportedAddress {
        /// The connector's type name.
        connector: &'static str,
        /// The scheme of the address it was given.
        scheme: &'static str,
    },
    /// The address needs a cargo feature of this crate that was not enabled at build time.
    #[error("{scheme}:// addresses need the `{feature}` feature of mqtt-kit-transport")]
    FeatureDisabled {
        /// The scheme of the address.
        scheme: &'static str,
        /// The cargo feature to enable.
        feature: &'static str,
    },
    /// The host name could not be looked up.
    #[error("could not resolve host {host:?}: {source}")]
    Resolve {
        /// The host name.
        host: String,
        /// The resolver's error.
        #[source]
        source: io::Error,
    },
    /// The host name resolved to no address at all.
    #[error("host {host:?} resolved to no address")]
    NoAddress {
        /// The host name.
        host: String,
    },
    /// Every address of the host refused the connection: nothing listens on that port.
    #[error("connection refused by {host}:{port}: is the broker running and listening there?")]
    Refused {
        /// The host as written in the address.
        host: String,
        /// The port.
        port: u16,
    },
    /// Every address of the host failed, for reasons other than all refusing or all timing out.
    #[error("could not connect to {host}:{port} ({})", Attempts(attempts))]
    Connect {
        /// The host as written in the address.
        host: String,
        /// The port.
        port: u16,
        /// Each address tried, in order, and why it failed.
        attempts: Vec<ConnectAttempt>,
    },
    /// A step took longer than its configured limit.
    #[error("{stage} timed out after {after:?}")]
    Timeout {
        /// The step that timed out.
        stage: Stage,
        /// The limit that ran out.
        after: Duration,
    },
    /// A Unix domain socket could not be connected to.
    #[error("could not connect to the Unix socket {path}: {source}")]
    Unix {
        /// The socket's path.
        path: PathBuf,
        /// The operating system's error (`NotFound`: no such socket; `ConnectionRefused`:
        /// nothing listens on it; `PermissionDenied`).
        #[source]
        source: io::Error,
    },
    /// TLS could not be set up: a configuration error or a failed handshake.
    #[cfg(feature = "tls")]
    #[error("TLS: {0}")]
    Tls(#[from] crate::tls::TlsError),
    /// The WebSocket handshake failed.
    #[cfg(feature = "websocket")]
    #[error("WebSocket: {0}")]
    WebSocket(#[from] crate::websocket::WebSocketError),
    /// An I/O error in the named step not covered by a more precise variant.
    #[error("I/O error during {stage}: {source}")]
    Io {
        /// The step it happened in.
        stage: Stage,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// An error of a connector from outside this crate.
    #[error("{0}")]
    Other(Box<dyn std::error::Error + Send + Sync>),
}

impl TransportError {
    /// Wraps the error of a connector written outside this crate.
    pub fn other(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        TransportError::Other(error.into())
    }
}
