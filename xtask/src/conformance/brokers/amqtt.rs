//! amqtt (the Python asyncio broker, successor of hbmqtt) as a broker of the matrix: pinned
//! with every dependency in xtask/conformance/brokers/amqtt/requirements.txt, installed with
//! pip into a virtual environment under `target/conformance/brokers/amqtt` (by the xtask
//! when it is missing, or by .ci/run beforehand), run with the script broker.py and a
//! configuration file of its own that names the listeners.

use std::path::{Path, PathBuf};
use std::process::Command;

use mqtt_testkit::Listener;

use super::listeners;
use super::process::{BrokerProcess, free_loopback_port};

const REQUIREMENTS: &str = include_str!("../../../conformance/brokers/amqtt/requirements.txt");
const SCRIPT: &str = include_str!("../../../conformance/brokers/amqtt/broker.py");

/// Where amqtt is installed: `<target>/conformance/brokers/amqtt`.
pub fn install_dir() -> PathBuf {
    super::super::report::output_dir()
        .join("brokers")
        .join("amqtt")
}

fn python(dir: &Path) -> PathBuf {
    dir.join("venv").join("bin").join("python")
}

/// Installs the pinned amqtt (a virtual environment, pip) unless it already is; writes the
/// broker script beside it. Returns amqtt's version.
pub fn install() -> Result<String, String> {
    let dir = install_dir();
    let pinned = dir.join("requirements.txt");
    let installed = std::fs::read_to_string(&pinned).is_ok_and(|text| text == REQUIREMENTS)
        && python(&dir).is_file();
    if !installed {
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("could not create {}: {e}", dir.display()))?;
        println!("installing amqtt with pip into {}", dir.display());
        let hint = "install Python 3.10 or later with venv (Debian: `apt-get install python3 \
                    python3-venv`), or leave amqtt out with --broker-kind";
        run(
            Command::new("python3")
                .args(["-m", "venv"])
                .arg(dir.join("venv")),
            hint,
        )?;
        std::fs::write(dir.join("requirements.pending"), REQUIREMENTS)
            .map_err(|e| format!("could not write the requirements: {e}"))?;
        run(
            Command::new(python(&dir))
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .arg("-r")
                .arg(dir.join("requirements.pending")),
            hint,
        )?;
        // Written last: it marks a complete installation.
        std::fs::write(&pinned, REQUIREMENTS)
            .map_err(|e| format!("could not write {}: {e}", pinned.display()))?;
    }
    std::fs::write(dir.join("broker.py"), SCRIPT)
        .map_err(|e| format!("could not write the amqtt script: {e}"))?;
    REQUIREMENTS
        .lines()
        .find_map(|line| line.strip_prefix("amqtt=="))
        .map(|version| version.trim().to_owned())
        .ok_or_else(|| "no amqtt in requirements.txt".to_owned())
}

fn run(command: &mut Command, hint: &str) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|e| format!("could not run {command:?} ({e}): {hint}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed ({status}): {hint}"))
    }
}

/// Starts amqtt with `listeners` on loopback; its files (configuration, certificates, log)
/// go into `files`.
pub fn start(listeners: &[Listener], files: &Path) -> Result<BrokerProcess, String> {
    let specs = listeners::specs(listeners, files)?;
    let config = files.join("amqtt.json");
    let dir = install_dir();
    BrokerProcess::start(
        "amqtt",
        files.join("amqtt.log"),
        Box::new(move |ports| {
            // amqtt binds by address: the ports are chosen here, once, and kept for restarts.
            let ports = match ports {
                [] => specs
                    .iter()
                    .map(|_| free_loopback_port())
                    .collect::<Result<Vec<_>, _>>()?,
                ports => ports.to_vec(),
            };
            listeners::write_config(&config, &specs, &ports)?;
            let mut command = Command::new(python(&dir));
            command.arg(dir.join("broker.py")).arg(&config);
            Ok(command)
        }),
    )
}
