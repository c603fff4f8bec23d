//! A [`Connector`] that opens TCP connections with tokio's `TcpStream` (so that on tokio
//! our client's sockets are tokio's, as rumqttc's are), adapted to the `futures-io` traits
//! the client reads and writes by tokio-util's compat layer. Options as our default TCP
//! connector's: Nagle off.

use mqtt_client::{BrokerAddress, Connector, TransportError};
use mqtt_transport::{BoxedStream, ConnectFuture};
use tokio_util::compat::TokioAsyncReadCompatExt;

/// Opens `mqtt://` connections with tokio (the caller must run inside a tokio runtime).
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioConnector;

impl Connector for TokioConnector {
    fn connect<'a>(&'a self, address: &'a BrokerAddress) -> ConnectFuture<'a> {
        Box::pin(async move {
            let BrokerAddress::Tcp { host, port } = address else {
                return Err(TransportError::UnsupportedAddress {
                    connector: "bench TokioConnector",
                    scheme: address.scheme(),
                });
            };
            let stream = tokio::net::TcpStream::connect((host.to_unbracketed(), *port))
                .await
                .map_err(TransportError::other)?;
            stream.set_nodelay(true).map_err(TransportError::other)?;
            Ok(Box::new(stream.compat()) as BoxedStream)
        })
    }
}
