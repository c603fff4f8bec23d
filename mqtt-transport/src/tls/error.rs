//! TLS failures, each named for what went wrong, from rustls's errors.

use std::io;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use rustls::pki_types::UnixTime;
use rustls::{AlertDescription, CertificateError};

/// Why TLS could not be set up: a configuration problem found before connecting, or a
/// handshake that failed.
///
/// Handshake failures come from rustls and are sorted into what a user can act on (an
/// unknown certificate authority, a name mismatch, an expired certificate, a server that
/// wants a client certificate...); anything else keeps rustls's error.
///
/// With TLS 1.3 the server checks the client's certificate *after* the client has finished
/// its half of the handshake, so a broker that refuses our certificate (or our lack of one)
/// is seen on the first read rather than by the connector. The streams of this crate then
/// fail that read with an [`io::Error`] that carries this type; get it back with
/// [`TlsError::find_in`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// No certificate authority to check servers against: the system store gave none and no
    /// other roots were configured.
    #[error(
        "no trusted root certificates: the system store gave none{}; add the broker's CA \
         (TlsConfig::add_ca_pem) or enable the `webpki-roots` feature",
        if system_store_errors.is_empty() { String::new() } else {
            format!(" ({})", system_store_errors.join("; "))
        }
    )]
    NoTrustRoots {
        /// What went wrong reading the system's certificate store, if anything.
        system_store_errors: Vec<String>,
    },
    /// No rustls crypto provider: the `ring` feature is off and the application installed
    /// no process-wide default.
    #[error(
        "no rustls crypto provider: enable the `ring` feature of mqtt-transport, pass one to \
         TlsConfig::crypto_provider, or install a process default \
         (rustls::crypto::CryptoProvider::install_default)"
    )]
    NoCryptoProvider,
    /// A certificate or key file could not be read.
    #[error("could not read the {what} file {path}: {source}")]
    ReadFile {
        /// Which file: "CA certificate", "client certificate", "client key".
        what: &'static str,
        /// Its path.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// PEM text that could not be parsed.
    #[error("invalid PEM in the {what}: {source}")]
    InvalidPem {
        /// Which input: "CA certificate", "client certificate", "client key".
        what: &'static str,
        /// The parser's error.
        #[source]
        source: rustls::pki_types::pem::Error,
    },
    /// PEM text with no `CERTIFICATE` section.
    #[error("no certificate found in the {what} PEM")]
    NoCertificate {
        /// Which input: "CA certificate" or "client certificate".
        what: &'static str,
    },
    /// PEM text with no private key section.
    #[error("no private key found in the client key PEM (expected PKCS#8, PKCS#1 or SEC1)")]
    NoPrivateKey,
    /// A CA certificate that cannot serve as a trust anchor.
    #[error("CA certificate number {number} is not usable as a trust anchor: {source}")]
    InvalidCaCertificate {
        /// Its position among the CA certificates added, from 1.
        number: usize,
        /// rustls's reason.
        #[source]
        source: rustls::Error,
    },
    /// The client certificate and key were refused (unsupported key type, or a key that
    /// does not belong to the certificate).
    #[error("the client certificate and key are not usable: {0}")]
    InvalidClientIdentity(#[source] rustls::Error),
    /// A host name that is not valid in TLS (SNI and certificate checks).
    #[error("{name:?} is not a valid TLS server name")]
    InvalidServerName {
        /// The name.
        name: String,
    },
    /// rustls refused the configuration (e.g. no protocol version the provider supports).
    #[error("rustls refused the TLS configuration: {0}")]
    Config(#[source] rustls::Error),

    /// The server's certificate is not signed by a certificate authority we trust.
    #[error(
        "the certificate of {server_name} is signed by an unknown certificate authority; \
         if the broker uses a private CA, add it with TlsConfig::add_ca_pem"
    )]
    UnknownIssuer {
        /// The name we connected to.
        server_name: String,
    },
    /// The server's certificate does not carry the name we connected to.
    #[error(
        "the server's certificate is not valid for {expected:?} (it is for {presented:?}); \
         connect by one of those names or set TlsConnector::server_name"
    )]
    NameMismatch {
        /// The name we connected to.
        expected: String,
        /// The names the certificate carries, when rustls reports them.
        presented: Vec<String>,
    },
    /// The server's certificate has expired.
    #[error("the certificate of {server_name} has expired{}", at(*not_after, "valid until"))]
    Expired {
        /// The name we connected to.
        server_name: String,
        /// When it expired, when rustls reports it.
        not_after: Option<SystemTime>,
    },
    /// The server's certificate is not valid yet (or this machine's clock is behind).
    #[error("the certificate of {server_name} is not valid yet{}", at(*not_before, "valid from"))]
    NotYetValid {
        /// The name we connected to.
        server_name: String,
        /// When it becomes valid, when rustls reports it.
        not_before: Option<SystemTime>,
    },
    /// The server's certificate has been revoked.
    #[error("the certificate of {server_name} has been revoked")]
    Revoked {
        /// The name we connected to.
        server_name: String,
    },
    /// The server's certificate was refused for another reason.
    #[error("the certificate of {server_name} was refused: {reason}")]
    InvalidCertificate {
        /// The name we connected to.
        server_name: String,
        /// rustls's reason.
        reason: CertificateError,
    },
    /// The server requires a client certificate and none was configured.
    #[error(
        "the server requires a client certificate; configure one with \
         TlsConfig::client_cert_pem"
    )]
    ClientCertificateRequired,
    /// The server refused our client certificate.
    #[error("the server refused our client certificate (TLS alert {alert:?})")]
    ClientCertificateRejected {
        /// The alert the server sent.
        alert: AlertDescription,
    },
    /// The server does not speak any of the ALPN protocols we offered.
    #[error("the server supports none of the ALPN protocols offered")]
    AlpnRefused,
    /// The server refused the handshake with an alert.
    #[error("the server refused the TLS handshake (alert {alert:?})")]
    HandshakeRefused {
        /// The alert the server sent.
        alert: AlertDescription,
    },
    /// The server closed the connection in the middle of the handshake.
    #[error(
        "the server closed the connection during the TLS handshake \
         (is this a TLS port? does the server accept our TLS version and certificate?)"
    )]
    ClosedDuringHandshake,
    /// Any other TLS failure: the server spoke TLS wrongly, or not at all.
    #[error("TLS protocol error: {0}")]
    Protocol(#[source] rustls::Error),
}

/// ` (valid until Unix time N)` when the time is known.
fn at(time: Option<SystemTime>, word: &str) -> String {
    match time.and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok()) {
        Some(since_epoch) => format!(" ({word} Unix time {})", since_epoch.as_secs()),
        None => String::new(),
    }
}

fn system_time(time: UnixTime) -> Option<SystemTime> {
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(time.as_secs()))
}

impl TlsError {
    /// The `TlsError` inside an I/O error returned by a TLS stream of this crate, if any.
    ///
    /// ```
    /// use mqtt_transport::tls::TlsError;
    ///
    /// let error = std::io::Error::new(std::io::ErrorKind::PermissionDenied, TlsError::ClientCertificateRequired);
    /// assert!(matches!(TlsError::find_in(&error), Some(TlsError::ClientCertificateRequired)));
    /// ```
    pub fn find_in(error: &io::Error) -> Option<&TlsError> {
        error.get_ref()?.downcast_ref::<TlsError>()
    }

    /// Takes the `TlsError` out of an I/O error that carries one; gives the error back
    /// otherwise.
    #[cfg_attr(not(feature = "websocket"), allow(dead_code))]
    pub(crate) fn take_from(error: io::Error) -> Result<TlsError, io::Error> {
        if TlsError::find_in(&error).is_none() {
            return Err(error);
        }
        let kind = error.kind();
        match error.into_inner().map(|inner| inner.downcast::<TlsError>()) {
            Some(Ok(tls)) => Ok(*tls),
            // Unreachable after find_in; rebuilt rather than unwrapped all the same.
            Some(Err(inner)) => Err(io::Error::new(kind, inner)),
            None => Err(io::Error::from(kind)),
        }
    }

    /// Sorts a rustls error into what a user can act on; `server_name` is the name we
    /// connected to.
    pub fn from_rustls(error: rustls::Error, server_name: &str) -> Self {
        let server_name = server_name.to_owned();
        match error {
            rustls::Error::InvalidCertificate(reason) => match reason {
                CertificateError::UnknownIssuer => TlsError::UnknownIssuer { server_name },
                CertificateError::NotValidForName => TlsError::NameMismatch {
                    expected: server_name,
                    presented: Vec::new(),
                },
                CertificateError::NotValidForNameContext {
                    expected,
                    presented,
                } => TlsError::NameMismatch {
                    expected: expected.to_str().into_owned(),
                    presented,
                },
                CertificateError::Expired => TlsError::Expired {
                    server_name,
                    not_after: None,
                },
                CertificateError::ExpiredContext { not_after, .. } => TlsError::Expired {
                    server_name,
                    not_after: system_time(not_after),
                },
                CertificateError::NotValidYet => TlsError::NotYetValid {
                    server_name,
                    not_before: None,
                },
                CertificateError::NotValidYetContext { not_before, .. } => TlsError::NotYetValid {
                    server_name,
                    not_before: system_time(not_before),
                },
                CertificateError::Revoked => TlsError::Revoked { server_name },
                reason => TlsError::InvalidCertificate {
                    server_name,
                    reason,
                },
            },
            rustls::Error::AlertReceived(alert) => from_alert(alert),
            rustls::Error::NoApplicationProtocol => TlsError::AlpnRefused,
            other => TlsError::Protocol(other),
        }
    }

    /// Sorts the I/O error of a failed handshake: rustls errors by [`TlsError::from_rustls`],
    /// a connection cut as [`TlsError::ClosedDuringHandshake`]; `None` for other I/O errors.
    pub(crate) fn from_handshake_io(error: &io::Error, server_name: &str) -> Option<Self> {
        if let Some(tls) = rustls_error_in(error) {
            return Some(TlsError::from_rustls(tls.clone(), server_name));
        }
        match error.kind() {
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => Some(TlsError::ClosedDuringHandshake),
            _ => None,
        }
    }
}

/// An alert from the server, which is always about us: a server never complains of its own
/// certificate.
fn from_alert(alert: AlertDescription) -> TlsError {
    match alert {
        AlertDescription::CertificateRequired => TlsError::ClientCertificateRequired,
        AlertDescription::BadCertificate
        | AlertDescription::UnsupportedCertificate
        | AlertDescription::CertificateRevoked
        | AlertDescription::CertificateExpired
        | AlertDescription::CertificateUnknown
        | AlertDescription::UnknownCA
        | AlertDescription::AccessDenied => TlsError::ClientCertificateRejected { alert },
        AlertDescription::NoApplicationProtocol => TlsError::AlpnRefused,
        alert => TlsError::HandshakeRefused { alert },
    }
}

/// The rustls error futures-rustls wraps in its I/O errors.
pub(crate) fn rustls_error_in(error: &io::Error) -> Option<&rustls::Error> {
    error.get_ref()?.downcast_ref::<rustls::Error>()
}
