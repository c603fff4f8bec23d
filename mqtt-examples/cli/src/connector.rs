//! The connector the tools connect through: the TLS options, `-A` (a local address to bind
//! to), `--nodelay`, and `-d`'s log of every packet.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;

use mqtt_kit_client::Connector;
use mqtt_kit_transport::tls::TlsConnector;
use mqtt_kit_transport::{DefaultConnector, TcpConnector};

use super::bound_tcp::BoundConnector;
use super::packet_log::PacketLog;
use super::{CommonOptions, UsageError};

/// The connector for `common`'s options.
pub(crate) fn connector(common: &CommonOptions) -> Result<Arc<dyn Connector>, UsageError> {
    let tls = if common.tls.wanted() {
        let config = common.tls.config()?;
        let connector =
            TlsConnector::new(&config).map_err(|error| UsageError::new(format!("TLS: {error}")))?;
        Some(connector)
    } else {
        None
    };
    let inner: Arc<dyn Connector> = match &common.bind {
        Some(local) => Arc::new(BoundConnector::new(
            local_address(local)?,
            common.nodelay,
            tls,
        )),
        None => {
            let tcp = TcpConnector::new().nodelay(common.nodelay);
            let mut connector = DefaultConnector::new().tcp(tcp.clone());
            if let Some(tls) = tls {
                connector = connector.tls(tls.tcp(tcp));
            }
            Arc::new(connector)
        }
    };
    Ok(match common.debug {
        true => Arc::new(PacketLog::new(inner, common.version)),
        false => inner,
    })
}

/// `-A`: an IP address, or a host name of this machine, resolved now.
fn local_address(text: &str) -> Result<SocketAddr, UsageError> {
    let failed = |why: String| UsageError::new(format!("-A {text}: {why}"));
    (text, 0)
        .to_socket_addrs()
        .map_err(|error| failed(error.to_string()))?
        .next()
        .ok_or_else(|| failed("no address".into()))
}
