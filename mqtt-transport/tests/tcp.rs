//! The TCP connector against listeners on loopback.

// Test code: a failed set-up step should panic on the spot.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{Ipv4Addr, SocketAddr};

use async_net::TcpListener;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use mqtt_transport::{BrokerAddress, Connector, Host, TcpConnector, TransportError};

/// A listener on a free loopback port that echoes what each connection sends.
async fn echo_server() -> (SocketAddr, smol::Task<()>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let address = listener.local_addr().unwrap();
    let task = smol::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            smol::spawn(async move {
                let (reader, mut writer) = (stream.clone(), stream);
                let _ = futures_lite::io::copy(reader, &mut writer).await;
            })
            .detach();
        }
    });
    (address, task)
}

/// A loopback port on which nothing listens (bound, then released).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn carries_bytes_both_ways() {
    smol::block_on(async {
        let (server, _task) = echo_server().await;
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
        let (server, _task) = echo_server().await;
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

#[test]
fn other_transports_are_not_its_business() {
    smol::block_on(async {
        for text in [
            "mqtts://127.0.0.1:1",
            "ws://127.0.0.1:1",
            "unix:///tmp/x.sock",
        ] {
            let address: BrokerAddress = text.parse().unwrap();
            match TcpConnector::new().connect(&address).await {
                Err(TransportError::UnsupportedAddress { connector, scheme }) => {
                    assert_eq!(connector, "TcpConnector");
                    assert_eq!(scheme, address.scheme());
                }
                other => panic!(
                    "{text}: expected UnsupportedAddress, got {:?}",
                    other.map(|_| ())
                ),
            }
        }
    });
}
