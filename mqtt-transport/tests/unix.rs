//! The Unix socket connector against a listener in a directory of the test's own.
#![cfg(unix)]
// Test code: a failed set-up step should panic on the spot.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::ErrorKind;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use mqtt_kit_transport::{BrokerAddress, Connector, TransportError, UnixConnector};
use support::servers::unix_echo_server;
use support::temp_dir::TempDir;

fn unix_address(path: &std::path::Path) -> BrokerAddress {
    format!("unix://{}", path.display()).parse().unwrap()
}

fn connect(address: &BrokerAddress) -> Result<mqtt_kit_transport::BoxedStream, TransportError> {
    smol::block_on(UnixConnector::new().connect(address))
}

#[test]
fn carries_bytes_both_ways() {
    let dir = TempDir::new("mqtt-transport-unix").unwrap();
    let path = dir.path().join("broker.sock");
    let _server = unix_echo_server(&path);
    let mut stream = connect(&unix_address(&path)).unwrap();
    smol::block_on(async {
        stream.write_all(&[0xc0, 0x00]).await.unwrap();
        let mut echoed = [0; 2];
        stream.read_exact(&mut echoed).await.unwrap();
        assert_eq!(echoed, [0xc0, 0x00]);
    });
}

#[test]
fn a_missing_socket_names_the_path() {
    let dir = TempDir::new("mqtt-transport-unix").unwrap();
    let path = dir.path().join("nobody.sock");
    match connect(&unix_address(&path)) {
        Err(TransportError::Unix {
            path: failed,
            source,
        }) => {
            assert_eq!(failed, path);
            assert_eq!(source.kind(), ErrorKind::NotFound);
        }
        other => panic!("expected a Unix error, got {:?}", other.map(drop)),
    }
}

#[test]
fn a_socket_nobody_listens_on_is_refused() {
    let dir = TempDir::new("mqtt-transport-unix").unwrap();
    let path = dir.path().join("stale.sock");
    // Bound and closed: the file stays, nobody listens.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    match connect(&unix_address(&path)) {
        Err(TransportError::Unix { source, .. }) => {
            assert_eq!(source.kind(), ErrorKind::ConnectionRefused);
        }
        other => panic!("expected a Unix error, got {:?}", other.map(drop)),
    }
}
