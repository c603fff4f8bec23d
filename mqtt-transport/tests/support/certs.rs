//! Certificates made by the tests (the workspace's `mqtt-testkit`), and the client TLS
//! configuration that trusts them.

use mqtt_kit_transport::tls::TlsConfig;
pub use mqtt_testkit::{Identity, TestCa};

/// The client side of a test CA.
pub trait TrustedByClient {
    /// A client TLS configuration that trusts this CA only (not the system's roots, so that
    /// nothing else can make a test pass).
    fn trusted_by_client(&self) -> TlsConfig;
}

impl TrustedByClient for TestCa {
    fn trusted_by_client(&self) -> TlsConfig {
        TlsConfig::new()
            .builtin_roots(false)
            .add_ca_pem(self.cert_pem().as_bytes())
            .unwrap()
    }
}
