//! [`TlsVersion`]: the oldest TLS version a connection may use.

use rustls::SupportedProtocolVersion;

/// The oldest TLS version to accept ([`TlsConfig::min_protocol_version`]). rustls speaks
/// TLS 1.2 and 1.3 only: there is nothing older to allow.
///
/// [`TlsConfig::min_protocol_version`]: super::TlsConfig::min_protocol_version
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum TlsVersion {
    /// TLS 1.2 or 1.3 (the default), whichever both sides prefer (1.3 when both speak it).
    #[default]
    Tls12,
    /// TLS 1.3 only.
    Tls13,
}

static TLS13_ONLY: &[&SupportedProtocolVersion] = &[&rustls::version::TLS13];

impl TlsVersion {
    /// The versions rustls may then negotiate.
    pub(crate) fn allowed(self) -> &'static [&'static SupportedProtocolVersion] {
        match self {
            TlsVersion::Tls12 => rustls::DEFAULT_VERSIONS,
            TlsVersion::Tls13 => TLS13_ONLY,
        }
    }
}
