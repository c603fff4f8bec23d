//! The TCP connector against listeners on loopback.

// Test code: a failed set-up step should panic on the spot.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::net::Ipv4Addr;

use async_net::TcpListener;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use mqtt_kit_transport::{BrokerAddress, Connector, Host, TcpConnector, TransportError};
use support::servers::{closed_port, tcp_echo_server};

#[test]
fn carries_bytes_both_ways() {
    smol::block_on(async {
        let server = tcp_echo_server().await;
        let address: BrokerAddress = format!("mqtt://127.0.0.1:{}", server.port())
            .parse()
            .unwrap();
        let mut stream = TcpConnector::new().connect(&address).await.unwrap();
        stream.write_all(b"\xc0\x00").await.unwrap();
        let mut echoed = [0; 2];
        stream.read_exact(&mut echoed).await.unwrap();
        assert_eq!(&echoed, b"\xc0\x00");
    });
}

#[test]
fn sets_tcp_nodelay_unless_told_not_to() {
    smol::block_on(async {
        let server = tcp_echo_server().await;
        let host = Host::from(Ipv4Addr::LOCALHOST);
        let stream = TcpConnector::new()
            .connect_to(&host, server.port())
            .await
            .unwrap();
        assert!(stream.nodelay().unwrap());
        let stream = TcpConnector::new()
            .nodelay(false)
            .connect_to(&host, server.port())
            .await
            .unwrap();
        assert!(!stream.nodelay().unwrap());
    });
}

#[test]
fn host_names_are_resolved_and_each_address_tried() {
    smol::block_on(async {
        // Listen on the last address `localhost` resolves to, so that when it resolves to
        // several (::1 and 127.0.0.1), the earlier ones refuse and the connector moves on.
        let resolved = async_net::resolve(("localhost", 0)).await.unwrap();
        let last = resolved.last().expect("localhost resolves").ip();
        let listener = TcpListener::bind((last, 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let address: BrokerAddress = format!("localhost:{port}").parse().unwrap();
        let connector = TcpConnector::new();
        let connecting = connector.connect(&address);
        let (connected, accepted) = futures_lite::future::zip(connecting, listener.accept()).await;
        let accepted = accepted.unwrap().0;
        assert!(connected.is_ok(), "{:?}", connected.err());
        assert_eq!(accepted.local_addr().unwrap().ip(), last);
    });
}

#[test]
fn a_port_nobody_listens_on_is_refused() {
    smol::block_on(async {
        let port = closed_port();
        let address: BrokerAddress = format!("mqtt://127.0.0.1:{port}").parse().unwrap();
        match TcpConnector::new().connect(&address).await {
            Err(TransportError::Refused {
                host,
                port: refused_port,
            }) => {
                assert_eq!((host.as_str(), refused_port), ("127.0.0.1", port));
            }
            other => panic!("expected Refused, got {:?}", other.map(|_| "a stream")),
        }
    });
}
