//! aedes (the Node.js broker of the moscajs project) as a broker of the matrix: pinned in
//! xtask/conformance/brokers/aedes/package.json and package-lock.json, installed with
//! `npm ci` into `target/conformance/brokers/aedes` (by the xtask when it is missing, or by
//! .ci/run beforehand), run by `node` with the script broker.mjs and a configuration file
//! of its own that names the listeners.

use std::path::{Path, PathBuf};
use std::process::Command;

use mqtt_testkit::Listener;

use super::listeners;
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
    let specs = listeners::specs(listeners, files)?;
    let config = files.join("aedes.json");
    let script = install_dir().join("broker.mjs");
    BrokerProcess::start(
        "aedes",
        files.join("aedes.log"),
        Box::new(move |ports| {
            // Port 0 the first time: the script binds what the system gives and says.
            listeners::write_config(&config, &specs, ports)?;
            let mut command = Command::new("node");
            command.arg(&script).arg(&config);
            Ok(command)
        }),
    )
}
