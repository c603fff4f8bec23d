//! Echoing through a TLS server, and the TLS error a failure stands for wherever it
//! surfaced (TLS 1.3 reports a refused client certificate only on the first read).

use std::io;
use std::sync::Arc;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use mqtt_kit_transport::tls::rustls::ServerConfig;
use mqtt_kit_transport::tls::{TlsConnector, TlsError};
use mqtt_kit_transport::{BrokerAddress, Connector, TransportError};

use super::tls_servers::tls_echo_server;

/// Where a connection failed: opening it, or using it (TLS 1.3 reports a refused client
/// certificate only once the handshake is over, on the first read).
#[derive(Debug)]
pub enum Failure {
    Connect(TransportError),
    Exchange(io::Error),
}

/// Connects to `mqtts://{host}:{port}`, sends a few bytes and reads them back.
pub async fn connect_and_echo(
    connector: &dyn Connector,
    host: &str,
    port: u16,
) -> Result<(), Failure> {
    let address: BrokerAddress = format!("mqtts://{host}:{port}").parse().unwrap();
    let mut stream = connector
        .connect(&address)
        .await
        .map_err(Failure::Connect)?;
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

/// Runs a TLS echo server configured by `server`, and echoes through it with `client`,
/// connecting to it by `host`.
pub fn echo_through(
    server: Arc<ServerConfig>,
    host: &str,
    client: &TlsConnector,
) -> Result<(), Failure> {
    smol::block_on(async {
        let server = tls_echo_server(server).await;
        connect_and_echo(client, host, server.port()).await
    })
}

/// The TLS error a failure stands for, wherever it surfaced.
pub fn tls_error(failure: Result<(), Failure>) -> TlsError {
    match failure {
        Err(Failure::Connect(TransportError::Tls(error))) => error,
        Err(Failure::Exchange(error)) if TlsError::find_in(&error).is_some() => {
            *error.into_inner().unwrap().downcast::<TlsError>().unwrap()
        }
        other => panic!("expected a TLS error, got {other:?}"),
    }
}
