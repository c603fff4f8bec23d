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
        "no rustls crypto provider: enable the `ring` feature of mqtt-kit-transport, pass one to \
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
    /// The client key is an encrypted PKCS#8 key (`ENCRYPTED PRIVATE KEY`) and no password
    /// was given.
    #[error(
        "the client key is encrypted: give its password \
         (TlsConfig::client_cert_pem_with_password)"
    )]
    KeyNeedsPassword,
    /// The encrypted client key could not be decrypted: a wrong password, an encryption
    /// scheme not supported (PBES2 with PBKDF2 or scrypt and AES is), or a damaged key.
    #[error(
        "could not decrypt the client key (wrong password, or an unsupported or damaged \
         encrypted key): {reason}"
    )]
    KeyDecryption {
        /// What the PKCS#8 decoder said.
        reason: String,
    },
    /// The client key is encrypted the way OpenSSL's "traditional" format does it
    /// (`Proc-Type: 4,ENCRYPTED` inside a `RSA PRIVATE KEY` or `EC PRIVATE KEY` section),
    /// which only OpenSSL reads.
    #[error(
        "the client key is encrypted in OpenSSL's legacy format (Proc-Type: 4,ENCRYPTED); \
         convert it to encrypted PKCS#8: openssl pkcs8 -topk8 -in old.key -out new.key"
    )]
    LegacyEncryptedKey,
    /// A CA directory (`add_ca_pem_dir`) in which no file holds a certificate.
    #[error("no CA certificate found in the directory {path}")]
    NoCaInDirectory {
        /// The directory.
        path: PathBuf,
    },
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
        "the server's certificate is not valid for {expected:?} (it is for {}); \
         connect by one of those names or set TlsConnector::server_name",
        if presented.is_empty() { "other names".to_owned() } else { presented.join(", ") }
    )]
    NameMismatch {
        /// The name we connected to.
        expected: String,
        /// The names the certificate carries (DNS names as they are, IP addresses as rustls
        /// writes them), when rustls reports them.
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
    /// The server speaks none of the TLS versions we allow (its alert "protocol version"):
    /// a broker older than TLS 1.2, or one that speaks TLS 1.2 only to a client that
    /// asks for 1.3 ([`TlsConfig::min_protocol_version`](super::TlsConfig::min_protocol_version)).
    #[error(
        "the server speaks none of the TLS versions allowed (TLS 1.2 and 1.3, or 1.3 only \
         with TlsConfig::min_protocol_version)"
    )]
    NoCommonVersion,
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

/// ` (valid until 2020-01-01 00:00:00 UTC)` when the time is known.
fn at(time: Option<SystemTime>, word: &str) -> String {
    match time.and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok()) {
        Some(since_epoch) => format!(" ({word} {})", utc(since_epoch.as_secs())),
        None => String::new(),
    }
}

/// Seconds since 1970 as a UTC date and time (by Howard Hinnant's well-known
/// days-to-civil-date algorithm).
fn utc(seconds: u64) -> String {
    let (days, time) = (seconds / 86_400, seconds % 86_400);
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        time / 3600,
        time % 3600 / 60,
        time % 60
    )
}

/// `DnsName("broker.example")`, as rustls reports a name, as `broker.example`.
fn plain_name(reported: String) -> String {
    match reported
        .strip_prefix("DnsName(\"")
        .and_then(|rest| rest.strip_suffix("\")"))
    {
        Some(name) => name.to_owned(),
        None => reported,
    }
}

fn system_time(time: UnixTime) -> Option<SystemTime> {
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(time.as_secs()))
}

impl TlsError {
    /// The `TlsError` inside an I/O error returned by a TLS stream of this crate, if any.
    ///
    /// ```
    /// use mqtt_kit_transport::tls::TlsError;
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
                    presented: presented.into_iter().map(plain_name).collect(),
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
        AlertDescription::ProtocolVersion => TlsError::NoCommonVersion,
        alert => TlsError::HandshakeRefused { alert },
    }
}

/// The rustls error futures-rustls wraps in its I/O errors.
pub(crate) fn rustls_error_in(error: &io::Error) -> Option<&rustls::Error> {
    error.get_ref()?.downcast_ref::<rustls::Error>()
}

#[cfg(test)]
mod tests {
    use super::{plain_name, utc};

    #[test]
    fn dates_are_written_in_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_577_836_800), "2020-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400 + 3_661), "2000-02-29 01:01:01 UTC");
        assert_eq!(utc(4_102_444_799), "2099-12-31 23:59:59 UTC");
    }

    #[test]
    fn dns_names_lose_their_wrapping() {
        assert_eq!(
            plain_name("DnsName(\"broker.example\")".into()),
            "broker.example"
        );
        assert_eq!(
            plain_name("IpAddress(127.0.0.1)".into()),
            "IpAddress(127.0.0.1)"
        );
    }
}
