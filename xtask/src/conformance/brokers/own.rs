//! A broker of a scenario's own (plain TCP, configured for it), which the scenario may stop
//! and restart.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use mqtt_testkit::{Listener, TempDir};

use super::running::Running;
use super::{Endpoint, Flavour};
use crate::conformance::matrix::Version;

/// The configuration a scenario's own broker needs: `configure` writes whatever files it
/// wants into the directory given and returns the lines to add to `mosquitto.conf` (the
/// other brokers get their equivalent from their own configuration: see `Running::start`).
pub type Configure = fn(&Path) -> String;

/// A broker of a scenario's own. Cloneable; the runner kills it when the scenario ends,
/// even one that timed out.
#[derive(Clone)]
pub struct OwnBroker {
    inner: Arc<Mutex<Option<OwnBrokerParts>>>,
    endpoints: Vec<Endpoint>,
}

struct OwnBrokerParts {
    running: Running,
    // Dropped after the broker: it holds the files the configuration names.
    _files: TempDir,
}

impl OwnBroker {
    /// Starts `flavour` with one TCP listener and the configuration of `configure`.
    pub fn start(flavour: Flavour, configure: Configure) -> Result<OwnBroker, String> {
        let files = TempDir::new("conformance-broker")
            .map_err(|e| format!("could not create a directory for the broker's files: {e}"))?;
        let extra = configure(files.path());
        let running = Running::start(flavour, &[Listener::tcp()], &extra, files.path())?;
        let endpoints = running.tcp_endpoints(flavour)?;
        Ok(OwnBroker {
            inner: Arc::new(Mutex::new(Some(OwnBrokerParts {
                running,
                _files: files,
            }))),
            endpoints,
        })
    }

    /// How a client of `version` reaches it.
    pub fn endpoint(&self, version: Version) -> Option<&Endpoint> {
        self.endpoints.iter().find(|e| e.serves(version))
    }

    /// Kills the broker (its clients see their connections drop).
    pub fn stop(&self) -> Result<(), String> {
        self.with(|parts| parts.running.stop())
    }

    /// Kills the broker and starts it again on the same port (its sessions are lost:
    /// persistence is off).
    pub fn restart(&self) -> Result<(), String> {
        self.with(|parts| parts.running.restart())?
    }

    /// Kills the broker for good; later calls report that it is gone.
    pub fn kill(&self) {
        drop(self.lock().take());
    }

    fn with<T>(&self, f: impl FnOnce(&mut OwnBrokerParts) -> T) -> Result<T, String> {
        match self.lock().as_mut() {
            Some(parts) => Ok(f(parts)),
            None => Err("the scenario's broker was already shut down".to_owned()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<OwnBrokerParts>> {
        // A scenario that panicked while holding the lock leaves the broker usable.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
