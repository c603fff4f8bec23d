//! TLS (`mqtts://`, `ssl://`) with rustls, through futures-rustls.
//!
//! [`TlsConfig`] says what to trust and what to present; [`TlsConnector`] opens connections;
//! [`TlsError`] says what failed. The `rustls` crate is re-exported so that a configuration
//! built by hand ([`TlsConnector::from_client_config`]) uses the same version.

mod ca_dir;
mod client_identity;
mod client_key;
mod config;
mod connector;
mod danger;
mod error;
mod shared;
mod stream;
mod version;

pub use config::TlsConfig;
pub use connector::TlsConnector;
pub use error::TlsError;
pub(crate) use shared::SharedTls;
pub use stream::TlsStream;
pub use version::TlsVersion;

pub use rustls;
