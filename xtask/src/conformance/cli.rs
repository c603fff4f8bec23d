//! The command line of `cargo xtask conformance` (std only: a handful of options).

use super::brokers::Flavour;
use super::matrix::{Transport, Version};

/// The help text.
pub const HELP: &str = "\
cargo xtask conformance: the interoperability scenarios of xtask/conformance/SCENARIOS.md,
run through the public API of mqtt-kit-client against real brokers.

Without --broker it starts each broker itself, one after the other (free loopback ports,
its own configuration, certificates made for the run, killed at the end): mosquitto (the
system's), rumqttd (built into the xtask: 3.1.1 and 5.0 over TCP) and aedes (Node.js,
installed with npm ci into target/conformance/brokers/aedes when missing), each with the
transports it offers (and amqtt on request: Python, installed with pip into
target/conformance/brokers/amqtt when missing), plus the brokers that single scenarios
need (ACLs, restarts).

usage: cargo xtask conformance [options]

options:
  --broker URL          run against this broker instead (mqtt://, mqtts://, ws://, wss://);
                        scenarios that restart or reconfigure the broker are skipped
  --broker-kind K[,K...]
                        start these brokers: mosquitto, rumqttd, aedes, amqtt (default:
                        mosquitto,rumqttd,aedes; amqtt is opt-in, its deviations from the
                        standard are not sorted into n/a yet)
  --only ID[,ID...]     run only these scenarios (see --list)
  --version V[,V...]    run only these versions: 3.1, 3.1.1, 5.0
  --transport T[,T...]  run only these transports: tcp, tls, mtls, ws, wss
  --list                list the scenarios with their versions and transports, and exit
  -h, --help            this text

Results: a table on standard output, and target/conformance/results.{json,md} (under
$CARGO_TARGET_DIR when it is set). The exit status is non-zero when any scenario fails.";

/// What the command line asks for.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// A broker of the user's, instead of the mosquitto the xtask starts.
    pub broker: Option<String>,
    /// The brokers to start (all when empty).
    pub broker_kinds: Vec<Flavour>,
    /// Scenario ids to run (all when empty).
    pub only: Vec<String>,
    /// Versions to run (all when empty).
    pub versions: Vec<Version>,
    /// Transports to run (all when empty).
    pub transports: Vec<Transport>,
    /// List the scenarios and exit.
    pub list: bool,
    /// Print the help and exit.
    pub help: bool,
}

/// Parses the arguments after `conformance`.
pub fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        // `--name=value` and `--name value` are both accepted.
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next().cloned())
                .ok_or_else(|| format!("{name} needs a value (see --help)"))
        };
        match name {
            "-h" | "--help" => options.help = true,
            "--list" => options.list = true,
            "--broker" => options.broker = Some(value()?),
            "--broker-kind" => {
                for text in list(&value()?) {
                    let flavour = Flavour::parse(&text).ok_or_else(|| {
                        format!(
                            "unknown broker kind `{text}`: use mosquitto, rumqttd, aedes or amqtt"
                        )
                    })?;
                    options.broker_kinds.push(flavour);
                }
            }
            "--only" => options.only.extend(list(&value()?)),
            "--version" => {
                for text in list(&value()?) {
                    let version = Version::parse(&text).ok_or_else(|| {
                        format!("unknown version `{text}`: use 3.1, 3.1.1 or 5.0")
                    })?;
                    options.versions.push(version);
                }
            }
            "--transport" => {
                for text in list(&value()?) {
                    let transport = Transport::parse(&text).ok_or_else(|| {
                        format!("unknown transport `{text}`: use tcp, tls, mtls, ws or wss")
                    })?;
                    options.transports.push(transport);
                }
            }
            other => return Err(format!("unknown option `{other}` (see --help)")),
        }
    }
    Ok(options)
}

/// The items of a comma-separated list, trimmed, empty ones dropped.
fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn no_arguments_select_everything() {
        assert_eq!(parse(&[]), Ok(Options::default()));
    }

    #[test]
    fn every_option_is_read() {
        let options = parse(&args(
            "--broker mqtt://127.0.0.1:1883 --only basic,will --only retained \
             --version=3.1.1,5.0 --transport tcp --transport=wss --list \
             --broker-kind rumqttd,aedes",
        ))
        .unwrap();
        assert_eq!(options.broker.as_deref(), Some("mqtt://127.0.0.1:1883"));
        assert_eq!(options.only, ["basic", "will", "retained"]);
        assert_eq!(options.versions, [Version::V3_1_1, Version::V5]);
        assert_eq!(options.transports, [Transport::Tcp, Transport::Wss]);
        assert!(options.list);
        assert!(!options.help);
        assert_eq!(options.broker_kinds, [Flavour::Rumqttd, Flavour::Aedes]);
    }

    #[test]
    fn mistakes_are_explained() {
        assert!(parse(&args("--version 4")).unwrap_err().contains("3.1.1"));
        assert!(
            parse(&args("--transport quic"))
                .unwrap_err()
                .contains("wss")
        );
        assert!(
            parse(&args("--broker"))
                .unwrap_err()
                .contains("needs a value")
        );
        assert!(
            parse(&args("--fast"))
                .unwrap_err()
                .contains("unknown option")
        );
    }
}
