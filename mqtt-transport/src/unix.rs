//! Unix domain sockets (`unix:///path`), for a broker on the same machine.

use std::path::Path;

use async_net::unix::UnixStream;

use crate::{BoxedStream, BrokerAddress, ConnectFuture, Connector, TransportError};

/// Opens connections to Unix domain sockets (`unix:///run/mosquitto/mqtt.sock`).
///
/// ```no_run
/// use mqtt_kit_transport::{Connector, UnixConnector};
///
/// # futures_lite::future::block_on(async {
/// let stream = UnixConnector::new().connect(&"unix:///run/mosquitto/mqtt.sock".parse()?).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # });
/// ```
#[derive(Clone, Debug, Default)]
pub struct UnixConnector {
    _private: (),
}

impl UnixConnector {
    /// A Unix socket connector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Connects to the socket at `path`.
    pub async fn connect_to(&self, path: &Path) -> Result<UnixStream, TransportError> {
        UnixStream::connect(path)
            .await
            .map_err(|source| TransportError::Unix {
                path: path.to_owned(),
                source,
            })
    }
}

impl Connector for UnixConnector {
    fn connect<'a>(&'a self, address: &'a BrokerAddress) -> ConnectFuture<'a> {
        Box::pin(async move {
            match address {
                BrokerAddress::Unix { path } => {
                    Ok(Box::new(self.connect_to(path).await?) as BoxedStream)
                }
                other => Err(TransportError::UnsupportedAddress {
                    connector: "UnixConnector",
                    scheme: other.scheme(),
                }),
            }
        })
    }
}
