//! Which broker an example runs against: the one named by `--broker URL` (or `--broker=URL`),
//! else by the `MQTT_BROKER` environment variable, else the [embedded
//! broker](crate::embedded_broker), started on the spot and announced in one line.
//!
//! Examples that need more options name them (e.g. `--ca-file`); every option takes a value.
//!
//! ```
//! use mqtt_examples::broker_choice::ExampleArgs;
//!
//! let args = ["--broker", "mqtt://localhost:1883", "--ca-file=ca.pem"].map(String::from);
//! let parsed = ExampleArgs::parse("tls", args, None, &["--ca-file"]).unwrap();
//! assert_eq!(parsed.given_broker(), Some("mqtt://localhost:1883"));
//! assert_eq!(parsed.value("--ca-file"), Some("ca.pem"));
//!
//! // Without --broker, MQTT_BROKER decides; without either, the embedded broker is used.
//! let parsed = ExampleArgs::parse("simple", [], Some("mqtt://b:1883".into()), &[]).unwrap();
//! assert_eq!(parsed.given_broker(), Some("mqtt://b:1883"));
//! ```

use std::fmt;
use std::io;

use crate::embedded_broker::{BrokerProtocol, EmbeddedBroker};

/// The environment variable that names the broker when `--broker` is not given.
pub const BROKER_VARIABLE: &str = "MQTT_BROKER";

/// The command line of an example: the broker it was given, if any, and its other options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleArgs {
    example: String,
    broker: Option<String>,
    values: Vec<(String, String)>,
}

/// Why an example's command line was not understood, or a request for help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsageError {
    /// `--help` or `-h`: the usage text, to print before exiting with success.
    Help(String),
    /// Something else: the message and the usage text.
    Invalid {
        /// What was wrong.
        message: String,
        /// How to call the example.
        usage: String,
    },
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsageError::Help(usage) => f.write_str(usage),
            UsageError::Invalid { message, usage } => write!(f, "{message}\n{usage}"),
        }
    }
}

impl std::error::Error for UsageError {}

/// Where an example runs: a broker it was given, or the embedded one it started (which runs
/// until the process exits).
#[derive(Debug, Clone)]
pub struct Broker {
    url: String,
    embedded: Option<EmbeddedBroker>,
}

impl Broker {
    /// The broker's URL, for [`OptionsBuilder::uri`](mqtt_kit_client::OptionsBuilder::uri).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The embedded broker, when no broker was given.
    pub fn embedded(&self) -> Option<&EmbeddedBroker> {
        self.embedded.as_ref()
    }
}

impl ExampleArgs {
    /// Reads the process's arguments and `MQTT_BROKER`; on `--help` prints the usage and
    /// exits with 0, on a bad command line prints why and exits with 2.
    pub fn from_env_or_exit(example: &str, options: &[&str]) -> Self {
        let variable = std::env::var(BROKER_VARIABLE).ok();
        match Self::parse(example, std::env::args().skip(1), variable, options) {
            Ok(args) => args,
            Err(UsageError::Help(usage)) => {
                println!("{usage}");
                std::process::exit(0);
            }
            Err(error) => {
                eprintln!("{example}: {error}");
                std::process::exit(2);
            }
        }
    }

    /// Parses `args` (without the program name), with `variable` the value of
    /// `MQTT_BROKER`; `options` are the example's own options beside `--broker`.
    pub fn parse(
        example: &str,
        args: impl IntoIterator<Item = String>,
        variable: Option<String>,
        options: &[&str],
    ) -> Result<Self, UsageError> {
        let usage = usage(example, options);
        let invalid = |message: String| UsageError::Invalid {
            message,
            usage: usage.clone(),
        };
        let mut broker = None;
        let mut values = Vec::new();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "--help" || arg == "-h" {
                return Err(UsageError::Help(usage));
            }
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
                None => (arg, None),
            };
            if name != "--broker" && !options.contains(&name.as_str()) {
                return Err(invalid(format!("unknown argument {name:?}")));
            }
            let Some(value) = inline.or_else(|| args.next()) else {
                return Err(invalid(format!("{name} needs a value")));
            };
            if name == "--broker" {
                broker = Some(value);
            } else {
                values.push((name, value));
            }
        }
        let broker = broker.or(variable).filter(|url| !url.is_empty());
        Ok(Self {
            example: example.to_owned(),
            broker,
            values,
        })
    }

    /// The broker given by `--broker` or `MQTT_BROKER`, if any.
    pub fn given_broker(&self) -> Option<&str> {
        self.broker.as_deref()
    }

    /// The value of one of the example's own options (the last one given).
    pub fn value(&self, option: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(name, _)| name == option)
            .map(|(_, value)| value.as_str())
    }

    /// The broker to use: the one given, or the embedded broker, started now (its listener
    /// for `protocol`) and announced in one line on standard output.
    pub fn broker(&self, protocol: BrokerProtocol) -> io::Result<Broker> {
        if let Some(url) = &self.broker {
            return Ok(Broker {
                url: url.clone(),
                embedded: None,
            });
        }
        let embedded = EmbeddedBroker::start()?;
        let url = embedded.url(protocol);
        println!(
            "{}: no broker given (--broker URL or {BROKER_VARIABLE}): using an embedded broker at {url}",
            self.example
        );
        Ok(Broker {
            url,
            embedded: Some(embedded),
        })
    }
}

fn usage(example: &str, options: &[&str]) -> String {
    let mut usage = format!("usage: {example} [--broker URL]");
    for option in options {
        usage.push_str(&format!(" [{option} VALUE]"));
    }
    usage.push_str(&format!(
        "\n  --broker URL  the broker (default: ${BROKER_VARIABLE}, else an embedded broker)"
    ));
    usage
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], variable: Option<&str>) -> Result<ExampleArgs, UsageError> {
        ExampleArgs::parse(
            "demo",
            args.iter().map(|arg| arg.to_string()),
            variable.map(String::from),
            &["--ca-file"],
        )
    }

    #[test]
    fn broker_comes_from_the_flag_then_the_variable() {
        let flag = parse(&["--broker", "mqtt://a"], Some("mqtt://b")).unwrap();
        assert_eq!(flag.given_broker(), Some("mqtt://a"));
        let inline = parse(&["--broker=mqtt://a"], None).unwrap();
        assert_eq!(inline.given_broker(), Some("mqtt://a"));
        let variable = parse(&[], Some("mqtt://b")).unwrap();
        assert_eq!(variable.given_broker(), Some("mqtt://b"));
        let empty_variable = parse(&[], Some("")).unwrap();
        assert_eq!(empty_variable.given_broker(), None);
        assert_eq!(parse(&[], None).unwrap().given_broker(), None);
    }

    #[test]
    fn own_options_are_kept() {
        let args = parse(&["--ca-file", "a.pem", "--ca-file=b.pem"], None).unwrap();
        assert_eq!(args.value("--ca-file"), Some("b.pem"));
        assert_eq!(args.value("--other"), None);
    }

    #[test]
    fn bad_command_lines_are_refused() {
        let unknown = parse(&["--brokr", "x"], None).unwrap_err();
        assert!(
            unknown
                .to_string()
                .starts_with("unknown argument \"--brokr\"")
        );
        let missing = parse(&["--broker"], None).unwrap_err();
        assert!(missing.to_string().starts_with("--broker needs a value"));
        let help = parse(&["--help"], None).unwrap_err();
        assert!(matches!(help, UsageError::Help(text) if text.contains("[--ca-file VALUE]")));
    }
}
