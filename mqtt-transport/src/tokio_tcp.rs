//! TCP on tokio's sockets (feature `tokio`): for applications that run the client on tokio
//! and want its connections registered with tokio's reactor rather than async-io's.

use tokio_util::compat::TokioAsyncReadCompatExt;

use crate::{BoxedStream, BrokerAddress, ConnectFuture, Connector, TransportError};

/// Opens `mqtt://` connections with `tokio::net::TcpStream`, `TCP_NODELAY` on, adapted to
/// the `futures-io` traits the client reads and writes by tokio-util's compat layer.
///
/// Its futures must run inside a tokio runtime with I/O enabled. Other schemes are refused
/// with [`TransportError::UnsupportedAddress`]; use [`TcpConnector`](crate::TcpConnector)
/// (any runtime) for everything else.
///
/// ```no_run
/// use mqtt_kit_transport::{Connector, TokioConnector};
///
/// # async fn connect() -> Result<(), Box<dyn std::error::Error>> {
/// let stream = TokioConnector.connect(&"mqtt://broker.example".parse()?).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioConnector;

impl Connector for TokioConnector {
    fn connect<'a>(&'a self, address: &'a BrokerAddress) -> ConnectFuture<'a> {
        Box::pin(async move {
            let BrokerAddress::Tcp { host, port } = address else {
                return Err(TransportError::UnsupportedAddress {
                    connector: "TokioConnector",
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
