//! The listeners of a broker run by a script of ours (aedes' broker.mjs, amqtt's broker.py),
//! in the form their configuration file takes: `{"kind", "port", "cert", "key", "ca"}`, the
//! PEM files written next to it.

use std::path::Path;

use mqtt_testkit::{Listener, Protocol};

/// The listeners as JSON objects without their ports; the certificates go into `files`.
pub fn specs(listeners: &[Listener], files: &Path) -> Result<Vec<serde_json::Value>, String> {
    let mut specs = Vec::new();
    for (index, listener) in listeners.iter().enumerate() {
        let kind = match (&listener.protocol, &listener.tls) {
            (Protocol::Mqtt, None) => "tcp",
            (Protocol::Mqtt, Some(tls)) if tls.require_certificate => "mtls",
            (Protocol::Mqtt, Some(_)) => "tls",
            (Protocol::WebSockets, None) => "ws",
            (Protocol::WebSockets, Some(_)) => "wss",
        };
        let mut spec = serde_json::json!({ "kind": kind });
        if let Some(tls) = &listener.tls {
            for (name, pem) in [
                ("cert", &tls.cert_pem),
                ("key", &tls.key_pem),
                ("ca", &tls.ca_pem),
            ] {
                let path = files.join(format!("listener{index}-{name}.pem"));
                std::fs::write(&path, pem)
                    .map_err(|e| format!("could not write {}: {e}", path.display()))?;
                spec[name] = path.display().to_string().into();
            }
        }
        specs.push(spec);
    }
    Ok(specs)
}

/// Writes the configuration file `{"listeners": [...]}` with `ports` (0 where missing).
pub fn write_config(path: &Path, specs: &[serde_json::Value], ports: &[u16]) -> Result<(), String> {
    let listeners: Vec<serde_json::Value> = specs
        .iter()
        .enumerate()
        .map(|(index, spec)| {
            let mut spec = spec.clone();
            spec["port"] = ports.get(index).copied().unwrap_or(0).into();
            spec
        })
        .collect();
    let text = serde_json::json!({ "listeners": listeners }).to_string();
    std::fs::write(path, text).map_err(|e| format!("could not write {}: {e}", path.display()))
}
