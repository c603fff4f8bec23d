//! Trust roots from the operating system: odd certificates in the system store are skipped,
//! never a panic, and an empty store is a clear error.
//!
//! rustls-native-certs reads `SSL_CERT_FILE` when it is set; each test runs its check in a
//! child process of this test binary with that variable pointing at a store it wrote, so
//! the tests' own environment stays untouched.
#![cfg(all(feature = "native-roots", feature = "ring"))]
// Test code: a failed set-up step should panic on the spot.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::Command;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use mqtt_kit_transport::tls::{TlsConfig, TlsConnector, TlsError};
use mqtt_kit_transport::{Connector, TransportError};
use support::certs::TestCa;
use support::temp_dir::TempDir;
use support::tls_servers::{tls_echo_server, tls_server_config};

/// Set in the child process: the directory the parent wrote the files to.
const CHILD_DIR: &str = "MQTT_TRANSPORT_TEST_NATIVE_ROOTS_DIR";

/// PEM that parses, around bytes that are not a certificate.
const NOT_A_CERTIFICATE: &str =
    "-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n";
/// PEM that does not parse.
const BROKEN_PEM: &str = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";

/// Runs the test `name` of this binary again in a child process whose system store is
/// `store` (a file in `dir`), and asserts that it passed.
fn run_child(name: &str, dir: &Path, store: &Path) {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR, dir)
        .env("SSL_CERT_FILE", store)
        .env_remove("SSL_CERT_DIR")
        .output()
        .unwrap();
    assert!(
        output.status.success() && String::from_utf8_lossy(&output.stdout).contains("1 passed"),
        "child test {name} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn odd_system_certificates_are_skipped_and_the_good_ones_trusted() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        let dir = TempDir::new("mqtt-transport-roots").unwrap();
        let ca = TestCa::new("system CA");
        let server = ca.server(&["localhost"]);
        dir.write("server.pem", &server.cert_pem).unwrap();
        dir.write("server.key", &server.key_pem).unwrap();
        let store = dir
            .write("store.pem", format!("{NOT_A_CERTIFICATE}{}", ca.cert_pem()))
            .unwrap();
        run_child(
            "odd_system_certificates_are_skipped_and_the_good_ones_trusted",
            dir.path(),
            &store,
        );
        return;
    };
    // In the child: the system store holds a bad certificate and our CA.
    let dir = Path::new(&dir);
    let identity = support::certs::Identity::from_pem(
        &std::fs::read_to_string(dir.join("server.pem")).unwrap(),
        &std::fs::read_to_string(dir.join("server.key")).unwrap(),
    );
    smol::block_on(async {
        let server = tls_echo_server(tls_server_config(&identity, None, &[])).await;
        #[allow(unused_mut)]
        let mut config = TlsConfig::new();
        #[cfg(feature = "webpki-roots")]
        {
            config = config.webpki_roots(false);
        }
        let connector = TlsConnector::new(&config).unwrap();
        let address = format!("mqtts://localhost:{}", server.port())
            .parse()
            .unwrap();
        let mut stream = connector.connect(&address).await.unwrap();
        stream.write_all(b"ping").await.unwrap();
        let mut echoed = [0; 4];
        stream.read_exact(&mut echoed).await.unwrap();
        assert_eq!(&echoed, b"ping");
    });
}

#[test]
#[cfg(not(feature = "webpki-roots"))]
fn a_system_store_with_nothing_usable_is_a_clear_error() {
    let Some(_) = std::env::var_os(CHILD_DIR) else {
        let dir = TempDir::new("mqtt-transport-roots").unwrap();
        let store = dir
            .write("store.pem", format!("{NOT_A_CERTIFICATE}{BROKEN_PEM}"))
            .unwrap();
        run_child(
            "a_system_store_with_nothing_usable_is_a_clear_error",
            dir.path(),
            &store,
        );
        return;
    };
    match TlsConnector::new(&TlsConfig::new()) {
        Err(TlsError::NoTrustRoots {
            system_store_errors,
        }) => {
            assert!(
                !system_store_errors.is_empty(),
                "the broken PEM should be reported"
            );
            let message = TlsError::NoTrustRoots {
                system_store_errors,
            }
            .to_string();
            assert!(message.contains("add_ca_pem"), "{message}");
        }
        other => panic!("expected NoTrustRoots, got {other:?}"),
    }
    // And through a connector, the same error before any connection is attempted.
    let error: TransportError = TlsConnector::new(&TlsConfig::new()).unwrap_err().into();
    assert!(matches!(
        error,
        TransportError::Tls(TlsError::NoTrustRoots { .. })
    ));
}
