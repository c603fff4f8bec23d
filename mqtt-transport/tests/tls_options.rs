//! The TLS options a user or a strict broker needs: an encrypted client key, an X.509 v1
//! client certificate, skipping the host name check only, the oldest TLS version, a CA
//! directory. Against in-process rustls servers and (`needs mosquitto`) a real mosquitto.
#![cfg(all(feature = "tls", feature = "ring"))]
// Test code: a failed set-up step should panic on the spot.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use mqtt_kit_transport::tls::rustls::{self, AlertDescription};
use mqtt_kit_transport::tls::{TlsConfig, TlsConnector, TlsError, TlsVersion};
use mqtt_kit_transport::{DefaultConnector, Host, TransportError};
use support::certs::{TestCa, TrustedByClient};
use support::crafted_keys::{V1Signer, encrypted_key_pem};
use support::echo::{echo_through, tls_error};
use support::mosquitto::{Listener, ListenerTls, Mosquitto};
use support::mqtt::{CONNACK_ACCEPTED, connect_and_read_connack};
use support::temp_dir::TempDir;
use support::tls_servers::{tls_echo_server, tls_server_config, tls12_only_server_config};

fn connector(config: &TlsConfig) -> TlsConnector {
    TlsConnector::new(config).unwrap()
}

#[test]
fn an_encrypted_pkcs8_key_is_decrypted_with_its_password() {
    let ca = TestCa::new("test CA");
    let server = tls_server_config(&ca.server(&["localhost"]), Some(ca.cert_pem()), &[]);
    let identity = ca.client("client-1");
    let encrypted = encrypted_key_pem(&identity, "s3cret");
    assert!(encrypted.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    let cert = identity.cert_pem.as_bytes();

    let config = ca
        .trusted_by_client()
        .client_cert_pem_with_password(cert, encrypted.as_bytes(), "s3cret")
        .unwrap();
    // The server requires a certificate signed by the CA: the decrypted key signed for it.
    echo_through(server, "localhost", &connector(&config)).unwrap();

    let wrong = TlsConfig::new().client_cert_pem_with_password(cert, encrypted.as_bytes(), "nope");
    assert!(
        matches!(wrong, Err(TlsError::KeyDecryption { .. })),
        "{wrong:?}"
    );
    let without = TlsConfig::new().client_cert_pem(cert, encrypted.as_bytes());
    assert!(
        matches!(without, Err(TlsError::KeyNeedsPassword)),
        "{without:?}"
    );
    // A plain key with a password given is used as it is (as OpenSSL does).
    let plain = ca
        .trusted_by_client()
        .client_cert_pem_with_password(cert, identity.key_pem.as_bytes(), "unused")
        .unwrap();
    let server = tls_server_config(&ca.server(&["localhost"]), Some(ca.cert_pem()), &[]);
    echo_through(server, "localhost", &connector(&plain)).unwrap();
}

#[test]
fn encrypted_key_files_are_read() {
    let ca = TestCa::new("test CA");
    let identity = ca.client("client-1");
    let dir = TempDir::new("tls-options").unwrap();
    let cert = dir.write("client.crt", &identity.cert_pem).unwrap();
    let key = dir
        .write("client.key", encrypted_key_pem(&identity, "pw"))
        .unwrap();
    let config = ca
        .trusted_by_client()
        .client_cert_pem_files_with_password(&cert, &key, "pw")
        .unwrap();
    let server = tls_server_config(&ca.server(&["localhost"]), Some(ca.cert_pem()), &[]);
    echo_through(server, "localhost", &connector(&config)).unwrap();
}

#[test]
fn a_v1_client_certificate_is_accepted_by_the_config_and_checked_against_its_key() {
    let signer = V1Signer::new("v1 signer");
    let identity = signer.v1_client("old-device");
    // Before: "the client certificate and key are not usable: ... UnsupportedCertVersion".
    let config = TlsConfig::new()
        .builtin_roots(false)
        .add_ca_pem(signer.cert_pem.as_bytes())
        .unwrap()
        .client_cert(identity.chain(), identity.key_der());
    config.build().unwrap();

    let other_key = V1Signer::new("other").v1_client("other-device");
    let mismatched = TlsConfig::new()
        .builtin_roots(false)
        .add_ca_pem(signer.cert_pem.as_bytes())
        .unwrap()
        .client_cert(identity.chain(), other_key.key_der());
    let error = mismatched.build().unwrap_err();
    assert!(
        matches!(
            error,
            TlsError::InvalidClientIdentity(rustls::Error::InconsistentKeys(
                rustls::InconsistentKeys::KeyMismatch
            ))
        ),
        "{error:?}"
    );
}

#[test]
fn a_rustls_server_refuses_a_v1_client_certificate() {
    // webpki reads X.509 v3 only, on the server side too: what the documentation says.
    let ca = TestCa::new("server CA");
    let signer = V1Signer::new("v1 signer");
    let server = tls_server_config(&ca.server(&["localhost"]), Some(&signer.cert_pem), &[]);
    let identity = signer.v1_client("old-device");
    let config = ca
        .trusted_by_client()
        .client_cert(identity.chain(), identity.key_der());
    match tls_error(echo_through(server, "localhost", &connector(&config))) {
        TlsError::ClientCertificateRejected { alert } => {
            assert_eq!(alert, AlertDescription::CertificateUnknown)
        }
        other => panic!("expected ClientCertificateRejected, got {other:?}"),
    }
}

#[test]
fn any_hostname_skips_the_name_check_only() {
    let ca = TestCa::new("test CA");
    let lenient = connector(&ca.trusted_by_client().danger_accept_any_hostname());

    let server = tls_server_config(&ca.server(&["broker.example"]), None, &[]);
    echo_through(server.clone(), "localhost", &lenient).unwrap();
    // Without the option, the same server is refused for its name.
    assert!(matches!(
        tls_error(echo_through(
            server,
            "localhost",
            &connector(&ca.trusted_by_client())
        )),
        TlsError::NameMismatch { .. }
    ));

    // The chain is still checked: another CA's certificate is refused...
    let rogue = TestCa::new("rogue CA");
    let server = tls_server_config(&rogue.server(&["broker.example"]), None, &[]);
    assert!(matches!(
        tls_error(echo_through(server, "localhost", &lenient)),
        TlsError::UnknownIssuer { .. }
    ));
    // ...and so are the dates.
    let server = tls_server_config(&ca.expired_server(&["broker.example"]), None, &[]);
    assert!(matches!(
        tls_error(echo_through(server, "localhost", &lenient)),
        TlsError::Expired { .. }
    ));
}

#[test]
fn the_oldest_tls_version_is_obeyed() {
    let ca = TestCa::new("test CA");
    let identity = ca.server(&["localhost"]);
    let host = Host::Name("localhost".into());
    smol::block_on(async {
        let server = tls_echo_server(tls12_only_server_config(&identity)).await;
        let default = connector(&ca.trusted_by_client());
        let stream = default.connect_to(&host, server.port()).await.unwrap();
        assert_eq!(
            stream.protocol_version(),
            Some(rustls::ProtocolVersion::TLSv1_2)
        );

        let strict = connector(
            &ca.trusted_by_client()
                .min_protocol_version(TlsVersion::Tls13),
        );
        let refused = strict.connect_to(&host, server.port()).await;
        assert!(
            matches!(refused, Err(TransportError::Tls(TlsError::NoCommonVersion))),
            "TLS 1.2 server, TLS 1.3 client: {refused:?}"
        );

        let modern = tls_echo_server(tls_server_config(&identity, None, &[])).await;
        let stream = strict.connect_to(&host, modern.port()).await.unwrap();
        assert_eq!(
            stream.protocol_version(),
            Some(rustls::ProtocolVersion::TLSv1_3)
        );
    });
}

#[test]
fn a_ca_directory_is_read_whatever_the_file_names() {
    let ca = TestCa::new("test CA");
    let other = TestCa::new("other CA");
    let dir = TempDir::new("tls-capath").unwrap();
    dir.write("README", "not a certificate").unwrap();
    dir.write("a1b2c3d4.0", other.cert_pem()).unwrap();
    dir.write("broker-ca.crt", ca.cert_pem()).unwrap();
    std::fs::create_dir(dir.path().join("subdirectory")).unwrap();
    let config = TlsConfig::new()
        .builtin_roots(false)
        .add_ca_pem_dir(dir.path())
        .unwrap();
    let server = tls_server_config(&ca.server(&["localhost"]), None, &[]);
    echo_through(server, "localhost", &connector(&config)).unwrap();

    let empty = TempDir::new("tls-capath-empty").unwrap();
    empty.write("README", "nothing here").unwrap();
    match TlsConfig::new().add_ca_pem_dir(empty.path()) {
        Err(TlsError::NoCaInDirectory { path }) => assert_eq!(path, empty.path()),
        other => panic!("expected NoCaInDirectory, got {other:?}"),
    }
    assert!(matches!(
        TlsConfig::new().add_ca_pem_dir(empty.path().join("missing")),
        Err(TlsError::ReadFile {
            what: "CA directory",
            ..
        })
    ));
}

/// A mosquitto listener for `localhost` (server certificate from `server_ca`) that requires
/// client certificates signed by the CA in `client_ca_pem`.
fn strict_broker(server_ca: &TestCa, client_ca_pem: &str) -> Mosquitto {
    let identity = server_ca.server(&["localhost"]);
    Mosquitto::start(&[Listener::tcp().with_tls(ListenerTls {
        ca_pem: client_ca_pem.to_owned(),
        cert_pem: identity.cert_pem,
        key_pem: identity.key_pem,
        require_certificate: true,
    })])
}

fn assert_mosquitto_accepts(config: &TlsConfig, broker: &Mosquitto) {
    let connector = DefaultConnector::new().tls(connector(config));
    let url = format!("mqtts://localhost:{}", broker.port(0));
    smol::block_on(async {
        let mut stream = mqtt_kit_transport::Connector::connect(&connector, &url.parse().unwrap())
            .await
            .unwrap_or_else(|e| panic!("{e}\nbroker log:\n{}", broker.log()));
        let connack = connect_and_read_connack(&mut stream, "tls-options")
            .await
            .unwrap_or_else(|e| panic!("{e}\nbroker log:\n{}", broker.log()));
        assert_eq!(connack, CONNACK_ACCEPTED);
    });
}

#[test]
#[ignore = "needs mosquitto"]
fn mosquitto_accepts_a_v1_client_certificate() {
    let server_ca = TestCa::new("broker CA");
    let signer = V1Signer::new("device CA");
    let broker = strict_broker(&server_ca, &signer.cert_pem);
    let identity = signer.v1_client("old-device");
    let config = server_ca
        .trusted_by_client()
        .client_cert_pem(identity.cert_pem.as_bytes(), identity.key_pem.as_bytes())
        .unwrap();
    assert_mosquitto_accepts(&config, &broker);
}

#[test]
#[ignore = "needs mosquitto"]
fn mosquitto_accepts_a_client_with_an_encrypted_key_reached_by_another_name() {
    let ca = TestCa::new("broker CA");
    let broker = {
        // The broker's certificate names another host: only the name check is skipped.
        let identity = ca.server(&["broker.example"]);
        Mosquitto::start(&[Listener::tcp().with_tls(ListenerTls {
            ca_pem: ca.cert_pem().to_owned(),
            cert_pem: identity.cert_pem,
            key_pem: identity.key_pem,
            require_certificate: true,
        })])
    };
    let identity = ca.client("client-1");
    let key = encrypted_key_pem(&identity, "pw");
    let config = ca
        .trusted_by_client()
        .client_cert_pem_with_password(identity.cert_pem.as_bytes(), key.as_bytes(), "pw")
        .unwrap()
        .danger_accept_any_hostname()
        .min_protocol_version(TlsVersion::Tls13);
    assert_mosquitto_accepts(&config, &broker);
}
