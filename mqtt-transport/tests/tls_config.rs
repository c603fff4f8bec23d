//! Building TLS configurations: every mistake in certificates and keys is a typed error.
#![cfg(all(feature = "tls", feature = "ring"))]
// Test code: a failed set-up step should panic on the spot.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use mqtt_kit_transport::tls::{TlsConfig, TlsError};
use support::certs::TestCa;

const NOT_BASE64: &[u8] = b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
const UNTERMINATED: &[u8] = b"-----BEGIN CERTIFICATE-----\nAAAA\n";

#[test]
fn ca_pem_errors_say_what_was_wrong() {
    assert!(matches!(
        TlsConfig::new().add_ca_pem(NOT_BASE64),
        Err(TlsError::InvalidPem {
            what: "CA certificate",
            ..
        })
    ));
    assert!(matches!(
        TlsConfig::new().add_ca_pem(UNTERMINATED),
        Err(TlsError::InvalidPem {
            what: "CA certificate",
            ..
        })
    ));
    assert!(matches!(
        TlsConfig::new().add_ca_pem(b"no PEM here"),
        Err(TlsError::NoCertificate {
            what: "CA certificate"
        })
    ));
}

#[test]
fn a_certificate_that_is_not_der_is_refused_as_a_root() {
    // Valid PEM and base64, but not a certificate.
    let pem = b"-----BEGIN CERTIFICATE-----\nAAECAwQ=\n-----END CERTIFICATE-----\n";
    let config = TlsConfig::new()
        .builtin_roots(false)
        .add_ca_pem(pem)
        .unwrap();
    assert!(matches!(
        config.build(),
        Err(TlsError::InvalidCaCertificate { number: 1, .. })
    ));
}

#[test]
fn client_identity_errors_say_what_was_wrong() {
    let ca = TestCa::new("test CA");
    let client = ca.client("client");
    let other = ca.client("other");
    let cert = client.cert_pem.as_bytes();
    let key = client.key_pem.as_bytes();

    assert!(matches!(
        TlsConfig::new().client_cert_pem(cert, cert),
        Err(TlsError::NoPrivateKey)
    ));
    assert!(matches!(
        TlsConfig::new().client_cert_pem(key, key),
        Err(TlsError::NoCertificate {
            what: "client certificate"
        })
    ));
    assert!(matches!(
        TlsConfig::new().client_cert_pem(
            cert,
            b"-----BEGIN PRIVATE KEY-----\n!!\n-----END PRIVATE KEY-----\n"
        ),
        Err(TlsError::InvalidPem {
            what: "client key",
            ..
        })
    ));
    // A key that does not belong to the certificate is caught when building, not at the broker.
    let mismatched = TlsConfig::new()
        .add_ca_pem(ca.cert_pem().as_bytes())
        .unwrap()
        .client_cert_pem(cert, other.key_pem.as_bytes())
        .unwrap();
    assert!(matches!(
        mismatched.build(),
        Err(TlsError::InvalidClientIdentity(_))
    ));
}

#[test]
fn missing_files_name_the_file() {
    match TlsConfig::new().add_ca_pem_file("/nonexistent/ca.pem") {
        Err(TlsError::ReadFile { what, path, source }) => {
            assert_eq!(what, "CA certificate");
            assert_eq!(path, std::path::Path::new("/nonexistent/ca.pem"));
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("expected ReadFile, got {other:?}"),
    }
}

#[test]
#[cfg(not(feature = "webpki-roots"))]
fn no_roots_at_all_is_an_error_not_a_connection_that_trusts_nothing() {
    let error = TlsConfig::new().builtin_roots(false).build().unwrap_err();
    assert!(matches!(error, TlsError::NoTrustRoots { .. }));
    assert!(error.to_string().contains("add_ca_pem"), "{error}");
}

#[test]
fn the_configuration_carries_alpn_and_sni_choices() {
    let ca = TestCa::new("test CA");
    let config = TlsConfig::new()
        .builtin_roots(false)
        .add_ca_der(ca.cert_der())
        .alpn_protocols(["mqtt", "x-amzn-mqtt-ca"])
        .sni(false)
        .build()
        .unwrap();
    assert_eq!(
        config.alpn_protocols,
        [b"mqtt".to_vec(), b"x-amzn-mqtt-ca".to_vec()]
    );
    assert!(!config.enable_sni);
}

#[test]
fn debug_output_never_shows_the_private_key() {
    let ca = TestCa::new("test CA");
    let client = ca.client("client");
    let config = TlsConfig::new()
        .client_cert_pem(client.cert_pem.as_bytes(), client.key_pem.as_bytes())
        .unwrap();
    let shown = format!("{config:?}");
    assert!(shown.contains("client_certificate: true"), "{shown}");
    assert!(!shown.contains("Pkcs8"), "{shown}");
}
