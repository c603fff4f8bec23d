//! The WebSocket connector against in-process async-tungstenite servers: frames, headers,
//! subprotocol, refusals, and WebSocket over TLS.
#![cfg(all(feature = "websocket", feature = "ring"))]
// Test code: a failed set-up step should panic on the spot.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use async_tungstenite::tungstenite::{Bytes, Message};
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use mqtt_kit_transport::tls::{TlsConfig, TlsConnector, TlsError};
use mqtt_kit_transport::websocket::{MAX_FRAME_PAYLOAD, WebSocketConnector, WebSocketError};
use mqtt_kit_transport::{BoxedStream, Connector, Stage, TransportError};
use support::certs::{TestCa, TrustedByClient};
use support::mqtt::connect_packet;
use support::servers::{TestServer, hang_up_server, silent_server};
use support::tls_servers::tls_server_config;
use support::ws_servers::{Script, Seen, ws_server, wss_server};

fn binary(bytes: &[u8]) -> Message {
    Message::Binary(Bytes::copy_from_slice(bytes))
}

/// Connects `connector` to `ws://127.0.0.1:{port}{path}`.
async fn connect(
    connector: &WebSocketConnector,
    server: &TestServer,
    path: &str,
) -> Result<BoxedStream, TransportError> {
    let address = format!("ws://127.0.0.1:{}{path}", server.port())
        .parse()
        .unwrap();
    connector.connect(&address).await
}

/// Runs a server with `script`, connects to it with the default connector and hands the
/// stream to `talk`; returns what the server saw once the stream is dropped.
fn with_ws_server<F, Fut>(script: Script, talk: F) -> Seen
where
    F: FnOnce(BoxedStream) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    smol::block_on(async {
        let (server, seen) = ws_server(script).await;
        let stream = connect(&WebSocketConnector::new(), &server, "")
            .await
            .unwrap();
        talk(stream).await;
        seen.recv().await.unwrap()
    })
}

/// What connecting with `connector` to a server with `script` gives.
fn refusal(connector: WebSocketConnector, script: Script) -> TransportError {
    smol::block_on(async {
        let (server, _seen) = ws_server(script).await;
        match connect(&connector, &server, "/mqtt").await {
            Ok(_) => panic!("the connection should have been refused"),
            Err(error) => error,
        }
    })
}

#[test]
fn mqtt_bytes_split_across_and_joined_within_frames_read_as_one_stream() {
    let connect_bytes = connect_packet("ws-client");
    let script = Script {
        expect_bytes: connect_bytes.len(),
        // CONNACK split over three frames, the last one joined with a PINGRESP; a ping and an
        // empty frame in between.
        replies: vec![
            binary(&[0x20]),
            Message::Ping(Bytes::from_static(b"are you there")),
            binary(&[0x02, 0x00]),
            binary(&[]),
            binary(&[0x00, 0xd0, 0x00]),
        ],
        ..Script::default()
    };
    let sent = connect_bytes.clone();
    let seen = with_ws_server(script, |mut stream| async move {
        stream.write_all(&sent).await.unwrap();
        let mut received = [0; 6];
        stream.read_exact(&mut received).await.unwrap();
        assert_eq!(received, [0x20, 0x02, 0x00, 0x00, 0xd0, 0x00]);
    });
    assert_eq!(seen.path, "/mqtt");
    assert_eq!(seen.header("sec-websocket-protocol"), Some("mqtt"));
    assert_eq!(
        seen.binary_frames,
        [connect_bytes],
        "one write, one binary frame"
    );
    assert!(!seen.other_frames);
    assert!(seen.got_pong, "the ping should have been answered");
}

#[test]
fn a_frame_is_handed_out_across_small_reads() {
    let script = Script {
        replies: vec![binary(b"abcdefgh")],
        ..Script::default()
    };
    with_ws_server(script, |mut stream| async move {
        let mut buffer = [0; 3];
        let mut pieces = Vec::new();
        for _ in 0..3 {
            let count = stream.read(&mut buffer).await.unwrap();
            pieces.push(buffer[..count].to_vec());
        }
        assert_eq!(pieces, [b"abc".to_vec(), b"def".to_vec(), b"gh".to_vec()]);
    });
}

#[test]
fn each_write_is_a_binary_frame_and_long_writes_are_split() {
    let long = vec![0x5a; MAX_FRAME_PAYLOAD + 100];
    let written = long.clone();
    let seen = with_ws_server(Script::default(), |mut stream| async move {
        stream.write_all(&[0xc0, 0x00]).await.unwrap();
        stream.write_all(&[0xe0, 0x00]).await.unwrap();
        stream.write_all(&written).await.unwrap();
        stream.close().await.unwrap();
    });
    let sizes: Vec<usize> = seen.binary_frames.iter().map(Vec::len).collect();
    assert_eq!(sizes, [2, 2, MAX_FRAME_PAYLOAD, 100]);
    assert_eq!(
        seen.binary_frames[..2],
        [vec![0xc0, 0x00], vec![0xe0, 0x00]]
    );
    assert_eq!(seen.binary_frames[2..].concat(), long);
}

#[test]
fn a_close_frame_ends_the_stream() {
    let script = Script {
        replies: vec![binary(&[1, 2]), Message::Close(None)],
        ..Script::default()
    };
    with_ws_server(script, |mut stream| async move {
        let mut buffer = [0; 8];
        assert_eq!(stream.read(&mut buffer).await.unwrap(), 2);
        assert_eq!(stream.read(&mut buffer).await.unwrap(), 0, "end of stream");
    });
}

#[test]
fn a_text_frame_is_an_error() {
    let script = Script {
        replies: vec![Message::Text("hello".into())],
        ..Script::default()
    };
    with_ws_server(script, |mut stream| async move {
        let error = stream.read(&mut [0; 8]).await.unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
        let inner = error
            .get_ref()
            .and_then(|e| e.downcast_ref::<WebSocketError>());
        assert!(
            matches!(inner, Some(WebSocketError::TextFrame)),
            "{error:?}"
        );
    });
}

#[test]
fn headers_path_and_subprotocol_are_sent() {
    let connector = WebSocketConnector::new()
        .header("Authorization", "Bearer token-1")
        .unwrap()
        .header("X-Client", "first")
        .unwrap()
        .header("x-client", "second")
        .unwrap()
        .subprotocol(Some("mqttv3.1"))
        .unwrap();
    let seen = smol::block_on(async {
        let (server, seen) = ws_server(Script::default()).await;
        drop(
            connect(&connector, &server, "/custom/path?x=1")
                .await
                .unwrap(),
        );
        seen.recv().await.unwrap()
    });
    assert_eq!(seen.path, "/custom/path?x=1");
    assert_eq!(seen.header("authorization"), Some("Bearer token-1"));
    assert_eq!(
        seen.header("x-client"),
        Some("second"),
        "a header set twice is replaced"
    );
    assert_eq!(seen.header("sec-websocket-protocol"), Some("mqttv3.1"));
}

#[test]
fn no_subprotocol_when_asked_for_none() {
    let connector = WebSocketConnector::new().subprotocol(None).unwrap();
    let seen = smol::block_on(async {
        let (server, seen) = ws_server(Script::default()).await;
        drop(connect(&connector, &server, "/").await.unwrap());
        seen.recv().await.unwrap()
    });
    assert_eq!(seen.header("sec-websocket-protocol"), None);
}

#[test]
fn invalid_headers_are_refused_when_set() {
    assert!(matches!(
        WebSocketConnector::new().header("bad header", "x"),
        Err(WebSocketError::InvalidHeader { .. })
    ));
    assert!(matches!(
        WebSocketConnector::new().header("X-Ok", "line\nbreak"),
        Err(WebSocketError::InvalidHeader { .. })
    ));
}

#[test]
fn a_server_that_refuses_the_subprotocol() {
    let script = Script {
        agree_subprotocol: false,
        ..Script::default()
    };
    match refusal(WebSocketConnector::new(), script) {
        TransportError::WebSocket(WebSocketError::SubprotocolRefused { requested }) => {
            assert_eq!(requested, "mqtt");
        }
        other => panic!("expected SubprotocolRefused, got {other:?}"),
    }
}

#[test]
fn a_server_that_refuses_the_upgrade() {
    let script = Script {
        refuse_with: Some(404),
        ..Script::default()
    };
    let error = refusal(WebSocketConnector::new(), script);
    assert!(
        matches!(
            error,
            TransportError::WebSocket(WebSocketError::Rejected { status: 404 })
        ),
        "{error:?}"
    );
}

#[test]
fn a_server_that_hangs_up_mid_handshake() {
    let result = smol::block_on(async {
        let server = hang_up_server().await;
        connect(&WebSocketConnector::new(), &server, "/mqtt")
            .await
            .map(drop)
    });
    assert!(
        matches!(
            result,
            Err(TransportError::WebSocket(
                WebSocketError::ClosedDuringHandshake
            ))
        ),
        "{result:?}"
    );
}

#[test]
fn a_server_that_never_answers_times_out() {
    let limit = Duration::from_millis(200);
    let connector = WebSocketConnector::new().handshake_timeout(Some(limit));
    let result = smol::block_on(async {
        let server = silent_server().await;
        connect(&connector, &server, "/mqtt").await.map(drop)
    });
    match result {
        Err(TransportError::Timeout { stage, after }) => {
            assert_eq!((stage, after), (Stage::WebSocketHandshake, limit));
        }
        other => panic!("expected a handshake timeout, got {other:?}"),
    }
}

/// Connects over `wss://localhost` to a server presenting a certificate from `ca` (and
/// requiring a client certificate from it when `require_client_certificate`), with the
/// client TLS configuration `tls`.
fn connect_wss(
    ca: &TestCa,
    require_client_certificate: bool,
    tls: TlsConfig,
) -> (
    Result<BoxedStream, TransportError>,
    TestServer,
    smol::channel::Receiver<Seen>,
) {
    smol::block_on(async {
        let client_ca = require_client_certificate.then(|| ca.cert_pem());
        let server_tls = tls_server_config(&ca.server(&["localhost"]), client_ca, &[]);
        let script = Script {
            expect_bytes: 16,
            replies: vec![binary(&[0x20, 0x02, 0x00, 0x00])],
            ..Script::default()
        };
        let (server, seen) = wss_server(server_tls, script).await;
        let connector = WebSocketConnector::new().tls(TlsConnector::new(&tls).unwrap());
        let address = format!("wss://localhost:{}/mqtt", server.port())
            .parse()
            .unwrap();
        (connector.connect(&address).await, server, seen)
    })
}

#[test]
fn secure_websocket_runs_over_tls() {
    let ca = TestCa::new("test CA");
    let (stream, server, seen) = connect_wss(&ca, false, ca.trusted_by_client());
    smol::block_on(async {
        let mut stream = stream.unwrap();
        stream
            .write_all(&connect_packet("wss-client"))
            .await
            .unwrap();
        let mut connack = [0; 4];
        stream.read_exact(&mut connack).await.unwrap();
        assert_eq!(connack, [0x20, 0x02, 0x00, 0x00]);
        drop(stream);
        let seen = seen.recv().await.unwrap();
        assert_eq!(
            seen.header("host"),
            Some(&*format!("localhost:{}", server.port()))
        );
    });
}

#[test]
fn secure_websocket_checks_the_certificate() {
    let (ca, other_ca) = (TestCa::new("broker CA"), TestCa::new("other CA"));
    let (result, _server, _seen) = connect_wss(&ca, false, other_ca.trusted_by_client());
    assert!(
        matches!(
            result,
            Err(TransportError::Tls(TlsError::UnknownIssuer { .. }))
        ),
        "{:?}",
        result.map(drop)
    );
}

#[test]
fn secure_websocket_reports_a_missing_client_certificate() {
    // TLS 1.3: the server's refusal comes after our half of the TLS handshake, during the
    // WebSocket upgrade; it is reported as the TLS error it is.
    let ca = TestCa::new("test CA");
    let (result, _server, _seen) = connect_wss(&ca, true, ca.trusted_by_client());
    assert!(
        matches!(
            result,
            Err(TransportError::Tls(TlsError::ClientCertificateRequired))
        ),
        "{:?}",
        result.map(drop)
    );
}
