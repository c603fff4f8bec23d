//! `TokioConnector` (feature `tokio`): a real loopback connection on tokio's sockets, bytes
//! both ways; other schemes refused.

#![cfg(feature = "tokio")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpListener;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use mqtt_kit_transport::{BrokerAddress, Connector, TokioConnector, TransportError};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap()
}

#[test]
fn carries_bytes_both_ways_over_loopback() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let echo = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut buf = [0u8; 4];
        socket.read_exact(&mut buf).unwrap();
        socket.write_all(&buf).unwrap();
    });
    let address: BrokerAddress = format!("mqtt://127.0.0.1:{port}").parse().unwrap();
    let echoed = runtime().block_on(async {
        let mut stream = TokioConnector.connect(&address).await.unwrap();
        stream.write_all(b"ping").await.unwrap();
        stream.flush().await.unwrap();
        let mut buf = [0u8; 4];
        stream.read_exact(&mut buf).await.unwrap();
        buf
    });
    assert_eq!(&echoed, b"ping");
    echo.join().unwrap();
}

#[test]
fn refuses_what_is_not_plain_tcp() {
    let address: BrokerAddress = "ws://127.0.0.1:1/mqtt".parse().unwrap();
    let result = runtime().block_on(TokioConnector.connect(&address));
    assert!(
        matches!(result, Err(TransportError::UnsupportedAddress { .. })),
        "{:?}",
        result.err()
    );
}
