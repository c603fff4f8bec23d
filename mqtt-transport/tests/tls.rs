//! The TLS connector against in-process rustls servers, with certificates made by the tests.
#![cfg(all(feature = "tls", feature = "ring"))]
// Test code: a failed set-up step should panic on the spot.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io;
use std::sync::Arc;
use std::time::Duration;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use mqtt_transport::tls::rustls::{self, AlertDescription, ClientConfig, RootCertStore};
use mqtt_transport::tls::{TlsConfig, TlsConnector, TlsError};
use mqtt_transport::{BrokerAddress, Connector, Host, Stage, TransportError};
use support::certs::TestCa;
use support::servers::{closed_port, hang_up_server, silent_server, tcp_echo_server};
use support::tls_servers::{tls_echo_server, tls_server_config};

/// Trusts only `ca` (not the system's roots, so that nothing else can make a test pass).
fn trusting(ca: &TestCa) -> TlsConfig {
    TlsConfig::new()
        .builtin_roots(false)
        .add_ca_pem(ca.cert_pem().as_bytes())
        .unwrap()
}

fn address(text: &str) -> BrokerAddress {
    text.parse().unwrap()
}

/// Where a connection failed: opening it, or using it (TLS 1.3 reports a refused client
/// certificate only once the handshake is over, on the first read).
#[derive(Debug)]
enum Failure {
    Connect(TransportError),
    Exchange(io::Error),
}

/// Connects, sends a few bytes and reads them back from the echo server.
async fn connect_and_echo(
    connector: &dyn Connector,
    address: &BrokerAddress,
) -> Result<(), Failure> {
    let mut stream = connector.connect(address).await.map_err(Failure::Connect)?;
    let sent = b"\x10\x0e\x00\x04MQTT\x04\x02\x00\x3c\x00\x02t1";
    stream.write_all(sent).await.map_err(Failure::Exchange)?;
    stream.flush().await.map_err(Failure::Exchange)?;
    let mut echoed = [0; 16];
    stream
        .read_exact(&mut echoed)
        .await
        .map_err(Failure::Exchange)?;
    assert_eq!(&echoed, sent);
    Ok(())
}

/// The TLS error a failure stands for, wherever it surfaced.
fn tls_error(failure: Failure) -> TlsError {
    match failure {
        Failure::Connect(TransportError::Tls(error)) => error,
        Failure::Exchange(error) if TlsError::find_in(&error).is_some() => {
            *error.into_inner().unwrap().downcast::<TlsError>().unwrap()
        }
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

#[test]
fn a_private_ca_is_trusted_and_bytes_flow_both_ways() {
    smol::block_on(async {
        let ca = TestCa::new("test CA");
        let identity = ca.server(&["localhost"]);
        let server = tls_echo_server(tls_server_config(&identity, None, &[])).await;
        let connector = TlsConnector::new(&trusting(&ca)).unwrap();
        connect_and_echo(
            &connector,
            &address(&format!("mqtts://localhost:{}", server.port())),
        )
        .await
        .unwrap();

        let stream = connector
            .connect_to(&Host::Name("localhost".into()), server.port())
            .await
            .unwrap();
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
    smol::block_on(async {
        let ca = TestCa::new("test CA");
        let server =
            tls_echo_server(tls_server_config(&ca.server(&["127.0.0.1"]), None, &[])).await;
        let connector = TlsConnector::new(&trusting(&ca)).unwrap();
        connect_and_echo(
            &connector,
            &address(&format!("mqtts://127.0.0.1:{}", server.port())),
        )
        .await
        .unwrap();
    });
}

#[test]
fn an_unknown_ca_is_refused() {
    smol::block_on(async {
        let (ca, other_ca) = (TestCa::new("broker CA"), TestCa::new("some other CA"));
        let server =
            tls_echo_server(tls_server_config(&ca.server(&["localhost"]), None, &[])).await;
        let connector = TlsConnector::new(&trusting(&other_ca)).unwrap();
        let failure = connect_and_echo(
            &connector,
            &address(&format!("mqtts://localhost:{}", server.port())),
        )
        .await
        .unwrap_err();
        match tls_error(failure) {
            TlsError::UnknownIssuer { server_name } => assert_eq!(server_name, "localhost"),
            other => panic!("expected UnknownIssuer, got {other:?}"),
        }
    });
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    smol::block_on(async {
        let ca = TestCa::new("test CA");
        let server = tls_echo_server(tls_server_config(
            &ca.server(&["broker.example"]),
            None,
            &[],
        ))
        .await;
        let connector = TlsConnector::new(&trusting(&ca)).unwrap();
        let failure = connect_and_echo(
            &connector,
            &address(&format!("mqtts://localhost:{}", server.port())),
        )
        .await
        .unwrap_err();
        match tls_error(failure) {
            TlsError::NameMismatch {
                expected,
                presented,
            } => {
                assert_eq!(expected, "localhost");
                assert!(
                    presented.iter().any(|name| name.contains("broker.example")),
                    "{presented:?}"
                );
            }
            other => panic!("expected NameMismatch, got {other:?}"),
        }
    });
}

#[test]
fn server_name_overrides_the_name_checked() {
    smol::block_on(async {
        let ca = TestCa::new("test CA");
        let server = tls_echo_server(tls_server_config(
            &ca.server(&["broker.example"]),
            None,
            &[],
        ))
        .await;
        let connector = TlsConnector::new(&trusting(&ca))
            .unwrap()
            .server_name("broker.example")
            .unwrap();
        connect_and_echo(
            &connector,
            &address(&format!("mqtts://127.0.0.1:{}", server.port())),
        )
        .await
        .unwrap();
        assert!(matches!(
            TlsConnector::new(&trusting(&ca))
                .unwrap()
                .server_name("not a name"),
            Err(TlsError::InvalidServerName { .. })
        ));
    });
}

#[test]
fn an_expired_certificate_is_refused() {
    smol::block_on(async {
        let ca = TestCa::new("test CA");
        let server = tls_echo_server(tls_server_config(
            &ca.expired_server(&["localhost"]),
            None,
            &[],
        ))
        .await;
        let connector = TlsConnector::new(&trusting(&ca)).unwrap();
        let failure = connect_and_echo(
            &connector,
            &address(&format!("mqtts://localhost:{}", server.port())),
        )
        .await
        .unwrap_err();
        match tls_error(failure) {
            TlsError::Expired {
                server_name,
                not_after,
            } => {
                assert_eq!(server_name, "localhost");
                assert!(not_after.is_some());
            }
            other => panic!("expected Expired, got {other:?}"),
        }
    });
}

#[test]
fn danger_accept_invalid_certs_accepts_what_checks_would_refuse() {
    smol::block_on(async {
        let ca = TestCa::new("unknown CA");
        let server = tls_echo_server(tls_server_config(
            &ca.expired_server(&["elsewhere"]),
            None,
            &[],
        ))
        .await;
        let config = TlsConfig::new()
            .builtin_roots(false)
            .danger_accept_invalid_certs();
        let connector = TlsConnector::new(&config).unwrap();
        connect_and_echo(
            &connector,
            &address(&format!("mqtts://localhost:{}", server.port())),
        )
        .await
        .unwrap();
    });
}

#[test]
fn mutual_tls_with_a_client_certificate() {
    smol::block_on(async {
        let ca = TestCa::new("test CA");
        let server = tls_echo_server(tls_server_config(
            &ca.server(&["localhost"]),
            Some(ca.cert_pem()),
            &[],
        ))
        .await;
        let client = ca.client("client-1");
        let config = trusting(&ca)
            .client_cert_pem(client.cert_pem.as_bytes(), client.key_pem.as_bytes())
            .unwrap();
        let connector = TlsConnector::new(&config).unwrap();
        connect_and_echo(
            &connector,
            &address(&format!("mqtts://localhost:{}", server.port())),
        )
        .await
        .unwrap();
    });
}

#[test]
fn a_missing_client_certificate_is_reported() {
    smol::block_on(async {
        let ca = TestCa::new("test CA");
        let server = tls_echo_server(tls_server_config(
            &ca.server(&["localhost"]),
            Some(ca.cert_pem()),
            &[],
        ))
        .await;
        let connector = TlsConnector::new(&trusting(&ca)).unwrap();
        let failure = connect_and_echo(
            &connector,
            &address(&format!("mqtts://localhost:{}", server.port())),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(tls_error(failure), TlsError::ClientCertificateRequired),
            "expected ClientCertificateRequired"
        );
    });
}

#[test]
fn a_client_certificate_from_an_unknown_ca_is_reported() {
    smol::block_on(async {
        let (ca, rogue_ca) = (TestCa::new("test CA"), TestCa::new("rogue CA"));
        let server = tls_echo_server(tls_server_config(
            &ca.server(&["localhost"]),
            Some(ca.cert_pem()),
            &[],
        ))
        .await;
        let client = rogue_ca.client("intruder");
        let config = trusting(&ca).client_cert(client.chain(), client.key_der());
        let connector = TlsConnector::new(&config).unwrap();
        let failure = connect_and_echo(
            &connector,
            &address(&format!("mqtts://localhost:{}", server.port())),
        )
        .await
        .unwrap_err();
        match tls_error(failure) {
            TlsError::ClientCertificateRejected { alert } => {
                assert_eq!(alert, AlertDescription::UnknownCA)
            }
            other => panic!("expected ClientCertificateRejected, got {other:?}"),
        }
    });
}

#[test]
fn alpn_is_offered_and_reported() {
    smol::block_on(async {
        let ca = TestCa::new("test CA");
        let server = tls_echo_server(tls_server_config(
            &ca.server(&["localhost"]),
            None,
            &["mqtt"],
        ))
        .await;
        let connector = TlsConnector::new(&trusting(&ca).alpn_protocols(["mqtt"])).unwrap();
        let stream = connector
            .connect_to(&Host::Name("localhost".into()), server.port())
            .await
            .unwrap();
        assert_eq!(stream.alpn_protocol(), Some(&b"mqtt"[..]));

        let connector = TlsConnector::new(&trusting(&ca).alpn_protocols(["x-other"])).unwrap();
        let failure = connect_and_echo(
            &connector,
            &address(&format!("mqtts://localhost:{}", server.port())),
        )
        .await
        .unwrap_err();
        assert!(matches!(tls_error(failure), TlsError::AlpnRefused));
    });
}

#[test]
fn a_rustls_client_config_built_by_hand_is_used_as_is() {
    smol::block_on(async {
        let ca = TestCa::new("test CA");
        let server =
            tls_echo_server(tls_server_config(&ca.server(&["localhost"]), None, &[])).await;
        let mut roots = RootCertStore::empty();
        roots.add(ca.cert_der()).unwrap();
        let config =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_protocol_versions(&[&rustls::version::TLS12])
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth();
        let connector = TlsConnector::from_client_config(Arc::new(config));
        let stream = connector
            .connect_to(&Host::Name("localhost".into()), server.port())
            .await
            .unwrap();
        // Only TLS 1.2 was allowed: the configuration given was the one used.
        assert_eq!(
            stream.protocol_version(),
            Some(rustls::ProtocolVersion::TLSv1_2)
        );
    });
}

#[test]
fn a_server_that_hangs_up_mid_handshake() {
    smol::block_on(async {
        let server = hang_up_server().await;
        let connector = TlsConnector::new(
            &TlsConfig::new()
                .builtin_roots(false)
                .danger_accept_invalid_certs(),
        )
        .unwrap();
        let result = connector
            .connect(&address(&format!("mqtts://127.0.0.1:{}", server.port())))
            .await;
        assert!(
            matches!(
                result,
                Err(TransportError::Tls(TlsError::ClosedDuringHandshake))
            ),
            "{:?}",
            result.map(|_| ())
        );
    });
}

#[test]
fn a_server_that_never_answers_times_out() {
    smol::block_on(async {
        let server = silent_server().await;
        let limit = Duration::from_millis(200);
        let connector = TlsConnector::new(
            &TlsConfig::new()
                .builtin_roots(false)
                .danger_accept_invalid_certs(),
        )
        .unwrap()
        .handshake_timeout(Some(limit));
        let result = connector
            .connect(&address(&format!("mqtts://127.0.0.1:{}", server.port())))
            .await;
        match result {
            Err(TransportError::Timeout { stage, after }) => {
                assert_eq!((stage, after), (Stage::TlsHandshake, limit));
            }
            other => panic!("expected a handshake timeout, got {:?}", other.map(|_| ())),
        }
    });
}

#[test]
fn a_plain_tcp_port_is_not_mistaken_for_tls() {
    smol::block_on(async {
        // An echo server sends our own ClientHello back: TLS, but not what a server says.
        let server = tcp_echo_server().await;
        let connector = TlsConnector::new(
            &TlsConfig::new()
                .builtin_roots(false)
                .danger_accept_invalid_certs(),
        )
        .unwrap();
        let result = connector
            .connect(&address(&format!("mqtts://127.0.0.1:{}", server.port())))
            .await;
        assert!(
            matches!(result, Err(TransportError::Tls(TlsError::Protocol(_)))),
            "{:?}",
            result.map(|_| ())
        );
    });
}

#[test]
fn a_port_nobody_listens_on_is_refused() {
    smol::block_on(async {
        let connector = TlsConnector::new(
            &TlsConfig::new()
                .builtin_roots(false)
                .danger_accept_invalid_certs(),
        )
        .unwrap();
        let result = connector
            .connect(&address(&format!("mqtts://127.0.0.1:{}", closed_port())))
            .await;
        assert!(
            matches!(result, Err(TransportError::Refused { .. })),
            "{:?}",
            result.map(|_| ())
        );
    });
}

#[test]
fn only_tls_addresses_are_accepted() {
    smol::block_on(async {
        let connector = TlsConnector::new(
            &TlsConfig::new()
                .builtin_roots(false)
                .danger_accept_invalid_certs(),
        )
        .unwrap();
        let result = connector.connect(&address("mqtt://127.0.0.1:1")).await;
        assert!(matches!(
            result,
            Err(TransportError::UnsupportedAddress {
                connector: "TlsConnector",
                scheme: "mqtt"
            })
        ));
    });
}
