//! The TLS connector against in-process rustls servers, with certificates made by the tests.
#![cfg(all(feature = "tls", feature = "ring"))]
// Test code: a failed set-up step should panic on the spot.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use mqtt_kit_transport::tls::rustls::{self, AlertDescription, ClientConfig, RootCertStore};
use mqtt_kit_transport::tls::{TlsConfig, TlsConnector, TlsError};
use mqtt_kit_transport::{Connector, Host, Stage, TransportError};
use support::certs::{TestCa, TrustedByClient};
use support::echo::{echo_through, tls_error};
use support::servers::{TestServer, closed_port, hang_up_server, silent_server, tcp_echo_server};
use support::tls_servers::{tls_echo_server, tls_server_config};

/// Accepts any certificate: for the tests of servers that never get as far as showing one.
fn accepting_anything() -> TlsConnector {
    TlsConnector::new(
        &TlsConfig::new()
            .builtin_roots(false)
            .danger_accept_invalid_certs(),
    )
    .unwrap()
}

/// What connecting to a misbehaving `server` gives.
fn connect_to(server: &TestServer, connector: &TlsConnector) -> Result<(), TransportError> {
    smol::block_on(async {
        let address = format!("mqtts://127.0.0.1:{}", server.port())
            .parse()
            .unwrap();
        connector.connect(&address).await.map(drop)
    })
}

#[test]
fn a_private_ca_is_trusted_and_bytes_flow_both_ways() {
    let ca = TestCa::new("test CA");
    let identity = ca.server(&["localhost"]);
    let connector = TlsConnector::new(&ca.trusted_by_client()).unwrap();
    echo_through(
        tls_server_config(&identity, None, &[]),
        "localhost",
        &connector,
    )
    .unwrap();

    smol::block_on(async {
        let server = tls_echo_server(tls_server_config(&identity, None, &[])).await;
        let host = Host::Name("localhost".into());
        let stream = connector.connect_to(&host, server.port()).await.unwrap();
        assert_eq!(
            stream.protocol_version(),
            Some(rustls::ProtocolVersion::TLSv1_3)
        );
        assert_eq!(stream.peer_certificates().unwrap()[0], identity.cert_der);
        assert_eq!(stream.alpn_protocol(), None);
    });
}

#[test]
fn an_ip_address_is_checked_against_the_certificate_ip() {
    let ca = TestCa::new("test CA");
    let server = tls_server_config(&ca.server(&["127.0.0.1"]), None, &[]);
    echo_through(
        server,
        "127.0.0.1",
        &TlsConnector::new(&ca.trusted_by_client()).unwrap(),
    )
    .unwrap();
}

#[test]
fn an_unknown_ca_is_refused() {
    let (ca, other_ca) = (TestCa::new("broker CA"), TestCa::new("some other CA"));
    let server = tls_server_config(&ca.server(&["localhost"]), None, &[]);
    let client = TlsConnector::new(&other_ca.trusted_by_client()).unwrap();
    match tls_error(echo_through(server, "localhost", &client)) {
        TlsError::UnknownIssuer { server_name } => assert_eq!(server_name, "localhost"),
        other => panic!("expected UnknownIssuer, got {other:?}"),
    }
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let ca = TestCa::new("test CA");
    let server = tls_server_config(&ca.server(&["broker.example"]), None, &[]);
    let client = TlsConnector::new(&ca.trusted_by_client()).unwrap();
    match tls_error(echo_through(server, "localhost", &client)) {
        TlsError::NameMismatch {
            expected,
            presented,
        } => {
            assert_eq!(expected, "localhost");
            assert_eq!(presented, ["broker.example"]);
        }
        other => panic!("expected NameMismatch, got {other:?}"),
    }
}

#[test]
fn server_name_overrides_the_name_checked() {
    let ca = TestCa::new("test CA");
    let server = tls_server_config(&ca.server(&["broker.example"]), None, &[]);
    let client = TlsConnector::new(&ca.trusted_by_client()).unwrap();
    let renamed = client.clone().server_name("broker.example").unwrap();
    echo_through(server, "127.0.0.1", &renamed).unwrap();
    assert!(matches!(
        client.server_name("not a name"),
        Err(TlsError::InvalidServerName { .. })
    ));
}

#[test]
fn an_expired_certificate_is_refused() {
    let ca = TestCa::new("test CA");
    let server = tls_server_config(&ca.expired_server(&["localhost"]), None, &[]);
    let client = TlsConnector::new(&ca.trusted_by_client()).unwrap();
    match tls_error(echo_through(server, "localhost", &client)) {
        TlsError::Expired {
            server_name,
            not_after,
        } => {
            assert_eq!(server_name, "localhost");
            assert!(not_after.is_some());
        }
        other => panic!("expected Expired, got {other:?}"),
    }
}

#[test]
fn danger_accept_invalid_certs_accepts_what_checks_would_refuse() {
    let ca = TestCa::new("unknown CA");
    let server = tls_server_config(&ca.expired_server(&["elsewhere"]), None, &[]);
    echo_through(server, "localhost", &accepting_anything()).unwrap();
}

#[test]
fn mutual_tls_with_a_client_certificate() {
    let ca = TestCa::new("test CA");
    let server = tls_server_config(&ca.server(&["localhost"]), Some(ca.cert_pem()), &[]);
    let identity = ca.client("client-1");
    let config = ca
        .trusted_by_client()
        .client_cert_pem(identity.cert_pem.as_bytes(), identity.key_pem.as_bytes())
        .unwrap();
    echo_through(server, "localhost", &TlsConnector::new(&config).unwrap()).unwrap();
}

#[test]
fn a_missing_client_certificate_is_reported() {
    let ca = TestCa::new("test CA");
    let server = tls_server_config(&ca.server(&["localhost"]), Some(ca.cert_pem()), &[]);
    let client = TlsConnector::new(&ca.trusted_by_client()).unwrap();
    let error = tls_error(echo_through(server, "localhost", &client));
    assert!(
        matches!(error, TlsError::ClientCertificateRequired),
        "{error:?}"
    );
}

#[test]
fn a_client_certificate_from_an_unknown_ca_is_reported() {
    let (ca, rogue_ca) = (TestCa::new("test CA"), TestCa::new("rogue CA"));
    let server = tls_server_config(&ca.server(&["localhost"]), Some(ca.cert_pem()), &[]);
    let identity = rogue_ca.client("intruder");
    let config = ca
        .trusted_by_client()
        .client_cert(identity.chain(), identity.key_der());
    match tls_error(echo_through(
        server,
        "localhost",
        &TlsConnector::new(&config).unwrap(),
    )) {
        TlsError::ClientCertificateRejected { alert } => {
            assert_eq!(alert, AlertDescription::UnknownCA)
        }
        other => panic!("expected ClientCertificateRejected, got {other:?}"),
    }
}

#[test]
fn alpn_is_offered_and_reported() {
    let ca = TestCa::new("test CA");
    let server_config = tls_server_config(&ca.server(&["localhost"]), None, &["mqtt"]);
    smol::block_on(async {
        let server = tls_echo_server(server_config.clone()).await;
        let connector =
            TlsConnector::new(&ca.trusted_by_client().alpn_protocols(["mqtt"])).unwrap();
        let host = Host::Name("localhost".into());
        let stream = connector.connect_to(&host, server.port()).await.unwrap();
        assert_eq!(stream.alpn_protocol(), Some(&b"mqtt"[..]));
    });
    let client = TlsConnector::new(&ca.trusted_by_client().alpn_protocols(["x-other"])).unwrap();
    assert!(matches!(
        tls_error(echo_through(server_config, "localhost", &client)),
        TlsError::AlpnRefused
    ));
}

#[test]
fn a_rustls_client_config_built_by_hand_is_used_as_is() {
    let ca = TestCa::new("test CA");
    let mut roots = RootCertStore::empty();
    roots.add(ca.cert_der()).unwrap();
    let config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(&[&rustls::version::TLS12])
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    let connector = TlsConnector::from_client_config(Arc::new(config));
    smol::block_on(async {
        let server =
            tls_echo_server(tls_server_config(&ca.server(&["localhost"]), None, &[])).await;
        let host = Host::Name("localhost".into());
        let stream = connector.connect_to(&host, server.port()).await.unwrap();
        // Only TLS 1.2 was allowed: the configuration given was the one used.
        assert_eq!(
            stream.protocol_version(),
            Some(rustls::ProtocolVersion::TLSv1_2)
        );
    });
}

#[test]
fn a_server_that_hangs_up_mid_handshake() {
    let server = smol::block_on(hang_up_server());
    let result = connect_to(&server, &accepting_anything());
    assert!(
        matches!(
            result,
            Err(TransportError::Tls(TlsError::ClosedDuringHandshake))
        ),
        "{result:?}"
    );
}

#[test]
fn a_server_that_never_answers_times_out() {
    let server = smol::block_on(silent_server());
    let limit = Duration::from_millis(200);
    match connect_to(
        &server,
        &accepting_anything().handshake_timeout(Some(limit)),
    ) {
        Err(TransportError::Timeout { stage, after }) => {
            assert_eq!((stage, after), (Stage::TlsHandshake, limit));
        }
        other => panic!("expected a handshake timeout, got {other:?}"),
    }
}

#[test]
fn a_plain_tcp_port_is_not_mistaken_for_tls() {
    // An echo server sends our own ClientHello back: TLS, but not what a server says.
    let server = smol::block_on(tcp_echo_server());
    let result = connect_to(&server, &accepting_anything());
    assert!(
        matches!(result, Err(TransportError::Tls(TlsError::Protocol(_)))),
        "{result:?}"
    );
}

#[test]
fn a_port_nobody_listens_on_is_refused() {
    let result = smol::block_on(async {
        let address = format!("mqtts://127.0.0.1:{}", closed_port())
            .parse()
            .unwrap();
        accepting_anything().connect(&address).await.map(drop)
    });
    assert!(
        matches!(result, Err(TransportError::Refused { .. })),
        "{result:?}"
    );
}
