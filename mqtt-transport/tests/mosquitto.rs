//! Every transport against a real mosquitto started by the test: an MQTT 3.1.1 CONNECT
//! through the connector, and the broker's CONNACK back.
//!
//! Ignored unless asked for (`cargo test -- --include-ignored`); then a missing mosquitto is
//! a failure, never a skip.
#![cfg(all(feature = "tls", feature = "ring", feature = "websocket"))]
// Test code: a failed set-up step should panic on the spot.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use mqtt_kit_transport::tls::{TlsConfig, TlsConnector, TlsError};
use mqtt_kit_transport::{BoxedStream, Connector, DefaultConnector, TransportError};
use support::certs::{TestCa, TrustedByClient};
use support::mosquitto::{Listener, ListenerTls, Mosquitto};
use support::mqtt::{CONNACK_ACCEPTED, connect_and_read_connack};

/// A broker certificate for `localhost` from `ca`, as a listener wants it.
fn broker_tls(ca: &TestCa, require_certificate: bool) -> ListenerTls {
    let identity = ca.server(&["localhost"]);
    ListenerTls {
        ca_pem: ca.cert_pem().to_owned(),
        cert_pem: identity.cert_pem,
        key_pem: identity.key_pem,
        require_certificate,
    }
}

/// Connects to `url` through `connector` and asserts that the broker accepts a CONNECT.
fn assert_connack(connector: &dyn Connector, url: &str, broker: &Mosquitto) {
    smol::block_on(async {
        let mut stream = connector
            .connect(&url.parse().unwrap())
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}\nbroker log:\n{}", broker.log()));
        let connack = connect_and_read_connack(&mut stream, "mqtt-transport-test")
            .await
            .unwrap();
        assert_eq!(connack, CONNACK_ACCEPTED, "{url}");
    });
}

/// What connecting to `url` and sending a CONNECT gives: the error of either step.
fn connect_failure(connector: &dyn Connector, url: &str) -> TlsError {
    smol::block_on(async {
        let mut stream: BoxedStream = match connector.connect(&url.parse().unwrap()).await {
            Ok(stream) => stream,
            Err(TransportError::Tls(error)) => return error,
            Err(other) => panic!("{url}: expected a TLS error, got {other}"),
        };
        // TLS 1.3: a refused client certificate shows on the first read.
        let error = connect_and_read_connack(&mut stream, "refused")
            .await
            .unwrap_err();
        match error.into_inner().map(|inner| inner.downcast::<TlsError>()) {
            Some(Ok(tls)) => *tls,
            other => panic!("{url}: expected a TLS error, got {other:?}"),
        }
    })
}

fn tls_connector(config: TlsConfig) -> DefaultConnector {
    DefaultConnector::new().tls(TlsConnector::new(&config).unwrap())
}

#[test]
#[ignore = "needs mosquitto"]
fn tcp() {
    let broker = Mosquitto::start(&[Listener::tcp()]);
    let url = format!("mqtt://127.0.0.1:{}", broker.port(0));
    assert_connack(&DefaultConnector::new(), &url, &broker);
}

#[test]
#[ignore = "needs mosquitto"]
fn tls() {
    let ca = TestCa::new("broker CA");
    let broker = Mosquitto::start(&[Listener::tcp().with_tls(broker_tls(&ca, false))]);
    let url = format!("mqtts://localhost:{}", broker.port(0));
    assert_connack(&tls_connector(ca.trusted_by_client()), &url, &broker);
}

#[test]
#[ignore = "needs mosquitto"]
fn tls_with_an_unknown_ca() {
    let (ca, other_ca) = (TestCa::new("broker CA"), TestCa::new("other CA"));
    let broker = Mosquitto::start(&[Listener::tcp().with_tls(broker_tls(&ca, false))]);
    let url = format!("mqtts://localhost:{}", broker.port(0));
    let error = connect_failure(&tls_connector(other_ca.trusted_by_client()), &url);
    assert!(matches!(error, TlsError::UnknownIssuer { .. }), "{error:?}");
}

#[test]
#[ignore = "needs mosquitto"]
fn mutual_tls() {
    let ca = TestCa::new("broker CA");
    let broker = Mosquitto::start(&[Listener::tcp().with_tls(broker_tls(&ca, true))]);
    let url = format!("mqtts://localhost:{}", broker.port(0));
    let client = ca.client("mqtt-transport-test");
    let config = ca
        .trusted_by_client()
        .client_cert_pem(client.cert_pem.as_bytes(), client.key_pem.as_bytes())
        .unwrap();
    assert_connack(&tls_connector(config), &url, &broker);
}

#[test]
#[ignore = "needs mosquitto"]
fn mutual_tls_without_a_client_certificate() {
    let ca = TestCa::new("broker CA");
    let broker = Mosquitto::start(&[Listener::tcp().with_tls(broker_tls(&ca, true))]);
    let url = format!("mqtts://localhost:{}", broker.port(0));
    let error = connect_failure(&tls_connector(ca.trusted_by_client()), &url);
    assert!(
        matches!(error, TlsError::ClientCertificateRequired),
        "{error:?}"
    );
}

#[test]
#[ignore = "needs mosquitto"]
fn websocket() {
    let broker = Mosquitto::start(&[Listener::websockets()]);
    let url = format!("ws://127.0.0.1:{}/mqtt", broker.port(0));
    assert_connack(&DefaultConnector::new(), &url, &broker);
}

#[test]
#[ignore = "needs mosquitto"]
fn secure_websocket() {
    let ca = TestCa::new("broker CA");
    let broker = Mosquitto::start(&[Listener::websockets().with_tls(broker_tls(&ca, false))]);
    let url = format!("wss://localhost:{}/mqtt", broker.port(0));
    assert_connack(&tls_connector(ca.trusted_by_client()), &url, &broker);
}

#[test]
#[ignore = "needs mosquitto"]
fn every_listener_of_one_broker_and_a_restart() {
    let ca = TestCa::new("broker CA");
    let mut broker = Mosquitto::start(&[
        Listener::tcp(),
        Listener::tcp().with_tls(broker_tls(&ca, false)),
        Listener::websockets(),
        Listener::websockets().with_tls(broker_tls(&ca, false)),
    ]);
    let connector = tls_connector(ca.trusted_by_client());
    let urls = [
        format!("mqtt://127.0.0.1:{}", broker.port(0)),
        format!("mqtts://localhost:{}", broker.port(1)),
        format!("ws://127.0.0.1:{}/mqtt", broker.port(2)),
        format!("wss://localhost:{}/mqtt", broker.port(3)),
    ];
    for url in &urls {
        assert_connack(&connector, url, &broker);
    }
    let first_pid = broker.pid();
    broker.restart();
    assert_ne!(broker.pid(), first_pid);
    for url in &urls {
        assert_connack(&connector, url, &broker);
    }
}
