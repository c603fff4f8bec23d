//! aedes (the Node.js broker of the moscajs project) as a broker of the matrix: pinned in
//! xtask/conformance/brokers/aedes/package.json and package-lock.json, installed with
//! `npm ci` into `target/conformance/brokers/aedes` (by the xtask when it is missing, or by
//! .ci/run beforehand), run by `node` with the script broker.mjs and a configuration file
//! of its own that names the listeners.

use std::path::{Path, PathBuf};
use std::process::Command;

use mqtt_testkit::{Listener, Protocol};

use super::process::BrokerProcess;

const PACKAGE_JSON: &str = include_str!("../../../conformance/brokers/aedes/package.json");
const PACKAGE_LOCK: &str = include_str!("../../../conformance/brokers/aedes/package-lock.json");
const SCRIPT: &str = include_str!("../../../conformance/brokers/aedes/broker.mjs");

/// Where aedes is installed: `<target>/conformance/brokers/aedes`.
pub fn install_dir() -> PathBuf {
    super::super::report::output_dir()
        .join("brokers")
        .join("aedes")
}

/// Installs the pinned aedes (with `npm ci`) unless it already is; writes the broker
/// script beside it (module imports resolve from the script's directory). Returns aedes'
/// version.
pub fn install() -> Result<String, String> {
    let dir = install_dir();
    let lock = dir.join("package-lock.json");
    let installed = std::fs::read_to_string(&lock).is_ok_and(|text| text == PACKAGE_LOCK)
        && dir.join("node_modules/aedes/package.json").is_file();
    if !installed {
        std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(dir.join("package.json"), PACKAGE_JSON))
            .and_then(|()| std::fs::write(&lock, PACKAGE_LOCK))
            .map_err(|e| format!("could not prepare {}: {e}", dir.display()))?;
        println!("installing aedes with npm ci into {}", dir.display());
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .status()
            .map_err(|e| {
                format!(
                    "could not run npm ({e}): install Node.js 20 or later and npm (Debian: \
                     `apt-get install nodejs npm`), or leave aedes out with --broker-kind"
                )
            })?;
        if !status.success() {
            return Err(format!("npm ci in {} failed: {status}", dir.display()));
        }
    }
    std::fs::write(dir.join("broker.mjs"), SCRIPT)
        .map_err(|e| format!("could not write the aedes script: {e}"))?;
    version(&dir)
}

/// aedes' version, from its package.json.
fn version(dir: &Path) -> Result<String, String> {
    let path = dir.join("node_modules/aedes/package.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("could not read {}: {e}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    json["version"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no version in {}", path.display()))
}

/// Starts aedes with `listeners` on loopback; its files (configuration, certificates, log)
/// go into `files`.
pub fn start(listeners: &[Listener], files: &Path) -> Result<BrokerProcess, String> {
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
    let config = files.join("aedes.json");
    let script = install_dir().join("broker.mjs");
    BrokerProcess::start(
        "aedes",
        files.join("aedes.log"),
        Box::new(move |ports| {
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
            std::fs::write(&config, text)
                .map_err(|e| format!("could not write {}: {e}", config.display()))?;
            let mut command = Command::new("node");
            command.arg(&script).arg(&config);
            Ok(command)
        }),
    )
}
