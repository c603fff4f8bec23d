//! A newcomer's first program: connect, and be told at once when it cannot work.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use mqtt_kit_client::{Client, ClientError, ConnectionState, Options, QoS, blocking};
use mqtt_kit_codec::{ConnAck, ConnectReasonCode, Packet};

mod support;
use support::scripted::{Peer, ScriptedBroker};
use support::within;

/// An address where nothing listens: a port that was free a moment ago.
fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("mqtt://127.0.0.1:{port}")
}

fn is_unreachable(error: &ClientError) -> bool {
    matches!(error, ClientError::Transport(_) | ClientError::Io(_))
}

#[test]
fn connect_to_a_closed_port_fails_with_the_reason() {
    smol::block_on(async {
        let options = Options::builder().uri(closed_port()).build().unwrap();
        let error = within(Client::connect(options)).await.unwrap_err();
        assert!(is_unreachable(&error), "{error}");
    });
}

#[test]
fn the_blocking_connect_fails_the_same_way() {
    let options = Options::builder().uri(closed_port()).build().unwrap();
    let error = blocking::Client::connect(options).unwrap_err();
    assert!(is_unreachable(&error), "{error}");
}

/// `Client::connect` to a scripted broker that answers its CONNECT with `code`; the broker's
/// end of the connection comes back too, to be kept open while the client is looked at.
async fn connect_answered(code: ConnectReasonCode) -> (Result<Client, ClientError>, Peer) {
    let broker = ScriptedBroker::bind(mqtt_kit_client::ProtocolVersion::V3_1_1).await;
    let options = Options::builder().uri(broker.uri()).build().unwrap();
    let connecting = smol::spawn(Client::connect(options));
    let mut peer = broker.accept().await;
    assert!(matches!(peer.next_packet().await, Packet::Connect(_)));
    peer.send(ConnAck::new(code)).await;
    (within(connecting).await, peer)
}

#[test]
fn connect_refused_by_the_broker_says_why() {
    smol::block_on(async {
        let (result, _peer) = connect_answered(ConnectReasonCode::NotAuthorized).await;
        let error = result.unwrap_err();
        let ClientError::ConnectionRefused(connack) = error else {
            panic!("refused expected, got {error}");
        };
        assert_eq!(connack.code, ConnectReasonCode::NotAuthorized);
    });
}

#[test]
fn connect_returns_a_connected_client() {
    smol::block_on(async {
        // The broker's end stays open: a closed connection would make the client
        // disconnected again before it is looked at.
        let (result, _peer) = connect_answered(ConnectReasonCode::Success).await;
        let client = result.unwrap();
        assert!(client.is_connected());
        assert!(matches!(client.state(), ConnectionState::Connected));
        assert_eq!(client.stats().reconnects, 0);
    });
}

#[test]
fn a_subscribe_before_any_connection_gives_up_with_the_last_error() {
    smol::block_on(async {
        let options = Options::builder()
            .uri(closed_port())
            .connect_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let client = Client::spawn(options);
        let error = within(client.subscribe("a/b", QoS::AtLeastOnce))
            .await
            .unwrap_err();
        let ClientError::NeverConnected(Some(last)) = error else {
            panic!("NeverConnected with the last error expected, got {error}");
        };
        assert!(is_unreachable(&last), "{last}");
    });
}
