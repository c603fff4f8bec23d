//! A TLS connector built on first use, shared by the connectors that need one only for some
//! addresses (`wss://` in the WebSocket connector, `mqtts://` in the default one).

use std::sync::{Arc, OnceLock};

use super::{TlsConfig, TlsConnector, TlsError};

/// The TLS connector to use: the one given, or the default one ([`TlsConfig::new`]) built
/// the first time it is needed, since building it reads the system's certificate store.
#[derive(Clone, Debug, Default)]
pub(crate) struct SharedTls(Arc<OnceLock<TlsConnector>>);

impl SharedTls {
    /// Always `connector`.
    pub(crate) fn given(connector: TlsConnector) -> Self {
        SharedTls(Arc::new(OnceLock::from(connector)))
    }

    /// The connector, built now if this is the first time (a failure is not remembered:
    /// the next call tries again).
    pub(crate) fn get(&self) -> Result<TlsConnector, TlsError> {
        if let Some(connector) = self.0.get() {
            return Ok(connector.clone());
        }
        let built = TlsConnector::new(&TlsConfig::new())?;
        Ok(self.0.get_or_init(|| built).clone())
    }
}
