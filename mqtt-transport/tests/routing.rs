//! Which connector takes which address: each built-in connector only its own transport, and
//! the default connector every one of them, picked by the scheme.
// Test code: a failed set-up step should panic on the spot.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use mqtt_kit_transport::{
    BrokerAddress, Connector, DefaultConnector, TcpConnector, TransportError,
};

/// One address of each transport; nothing is ever connected to them.
const ADDRESSES: [&str; 5] = [
    "mqtt://127.0.0.1:1",
    "mqtts://127.0.0.1:1",
    "ws://127.0.0.1:1/mqtt",
    "wss://127.0.0.1:1/mqtt",
    "unix:///nonexistent/broker.sock",
];

/// Asserts that `connector`, named `name`, refuses every address but those with `accepted`
/// schemes, without trying to connect.
fn refuses_all_but(connector: &dyn Connector, name: &str, accepted: &[&str]) {
    for text in ADDRESSES {
        let address: BrokerAddress = text.parse().unwrap();
        if accepted.contains(&address.scheme()) {
            continue;
        }
        match smol::block_on(connector.connect(&address)) {
            Err(TransportError::UnsupportedAddress { connector, scheme }) => {
                assert_eq!((connector, scheme), (name, address.scheme()));
            }
            other => panic!(
                "{name} given {text}: expected UnsupportedAddress, got {:?}",
                other.map(drop)
            ),
        }
    }
}

#[test]
fn each_connector_refuses_other_transports() {
    refuses_all_but(&TcpConnector::new(), "TcpConnector", &["mqtt"]);
    #[cfg(unix)]
    refuses_all_but(
        &mqtt_kit_transport::UnixConnector::new(),
        "UnixConnector",
        &["unix"],
    );
    #[cfg(feature = "websocket")]
    refuses_all_but(
        &mqtt_kit_transport::websocket::WebSocketConnector::new(),
        "WebSocketConnector",
        &["ws", "wss"],
    );
    #[cfg(feature = "ring")]
    {
        use mqtt_kit_transport::tls::{TlsConfig, TlsConnector};
        let config = TlsConfig::new()
            .builtin_roots(false)
            .danger_accept_invalid_certs();
        refuses_all_but(
            &TlsConnector::new(&config).unwrap(),
            "TlsConnector",
            &["mqtts"],
        );
    }
}

#[test]
#[cfg(not(feature = "websocket"))]
fn websocket_addresses_need_the_websocket_feature() {
    for text in ["ws://127.0.0.1:1", "wss://127.0.0.1:1"] {
        let result = smol::block_on(DefaultConnector::new().connect(&text.parse().unwrap()));
        assert!(matches!(
            result,
            Err(TransportError::FeatureDisabled {
                feature: "websocket",
                ..
            })
        ));
    }
}

#[test]
#[cfg(not(feature = "tls"))]
fn tls_addresses_need_the_tls_feature() {
    let result =
        smol::block_on(DefaultConnector::new().connect(&"mqtts://127.0.0.1:1".parse().unwrap()));
    assert!(matches!(
        result,
        Err(TransportError::FeatureDisabled {
            scheme: "mqtts",
            feature: "tls"
        })
    ));
}

/// Connects to `address` and checks that what is sent comes back.
#[cfg(all(feature = "tls", feature = "ring", feature = "websocket", unix))]
async fn echo_through(connector: &dyn Connector, address: String) {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    let mut stream = connector
        .connect(&address.parse().unwrap())
        .await
        .unwrap_or_else(|e| panic!("{address}: {e}"));
    stream.write_all(b"\xc0\x00").await.unwrap();
    let mut echoed = [0; 2];
    stream.read_exact(&mut echoed).await.unwrap();
    assert_eq!(&echoed, b"\xc0\x00", "{address}");
}

#[test]
#[cfg(all(feature = "tls", feature = "ring", feature = "websocket", unix))]
fn the_default_connector_reaches_every_transport_by_its_scheme() {
    use std::sync::Arc;

    use async_tungstenite::tungstenite::{Bytes, Message};
    use mqtt_kit_transport::tls::TlsConnector;
    use support::certs::{TestCa, TrustedByClient};
    use support::servers::{tcp_echo_server, unix_echo_server};
    use support::temp_dir::TempDir;
    use support::tls_servers::{tls_echo_server, tls_server_config};
    use support::ws_servers::{Script, ws_server, wss_server};

    let ca = TestCa::new("test CA");
    let server_tls = tls_server_config(&ca.server(&["localhost"]), None, &[]);
    // The WebSocket servers answer the 2 bytes sent with the same 2 bytes.
    let script = Script {
        expect_bytes: 2,
        replies: vec![Message::Binary(Bytes::from_static(b"\xc0\x00"))],
        ..Script::default()
    };
    let dir = TempDir::new("mqtt-transport-routing").unwrap();
    let socket = dir.path().join("broker.sock");
    let _unix = unix_echo_server(&socket);
    // As a client holds it: behind a pointer, whatever it is.
    let connector: Arc<dyn Connector> =
        Arc::new(DefaultConnector::new().tls(TlsConnector::new(&ca.trusted_by_client()).unwrap()));
    smol::block_on(async {
        let tcp = tcp_echo_server().await;
        let tls = tls_echo_server(server_tls.clone()).await;
        let (ws, _) = ws_server(script.clone()).await;
        let (wss, _) = wss_server(server_tls, script).await;
        echo_through(&*connector, format!("mqtt://127.0.0.1:{}", tcp.port())).await;
        echo_through(&*connector, format!("localhost:{}", tcp.port())).await;
        echo_through(&*connector, format!("mqtts://localhost:{}", tls.port())).await;
        echo_through(&*connector, format!("ws://127.0.0.1:{}/mqtt", ws.port())).await;
        echo_through(&*connector, format!("wss://localhost:{}/mqtt", wss.port())).await;
        echo_through(&*connector, format!("unix://{}", socket.display())).await;
    });
}
