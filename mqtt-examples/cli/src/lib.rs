//! # mqtt-kit-cli
//!
//! The command-line tools `mqtt-pub` and `mqtt-sub` (`cargo install mqtt-kit-cli`), and their
//! library: mosquitto_pub's and mosquitto_sub's options, parsed by pure functions (so that
//! every option and every error is tested without a broker), and what both tools do around
//! their own work (connect, report, exit codes).
//!
//! ```
//! use std::time::Duration;
//! use mqtt_kit_cli::{Command, parse_sub};
//!
//! let args = ["-t", "sensors/#", "-v", "-C", "10", "-W", "30"].map(String::from);
//! let Ok(Command::Run(options)) = parse_sub(args) else { panic!("a valid command line") };
//! assert_eq!(options.count, Some(10));
//! assert_eq!(options.timeout, Some(Duration::from_secs(30)));
//! // Usage errors say what is wrong, in mosquitto_sub's words.
//! assert!(parse_sub(["-C".to_string()]).is_err());
//! ```
//!
//! The exit codes are mosquitto's:
//!
//! | exit code | meaning |
//! | --- | --- |
//! | 0 | done |
//! | 1 | the command line or an input file is wrong ([`Failure::Usage`]), or the broker could not be reached, or the connection or the work failed ([`Failure::Failed`]) |
//! | the CONNACK's code | the broker refused the connection: 1 to 5 in MQTT 3.x (5: not authorised), 128 and up in MQTT 5.0 (135: not authorised) ([`Failure::Refused`]) |
//! | 27 | `mqtt-sub -W`: the time ran out ([`Failure::TimedOut`]) |
//!
//! `--quiet` silences every runtime error; usage errors are always printed.

use std::process::ExitCode;

mod arguments;
mod bound_tcp;
mod clock;
mod common;
mod connector;
mod failure;
mod format;
mod packet_line;
mod packet_log;
mod properties;
mod publish;
mod render;
mod session;
mod subscribe;
mod tls;

pub use arguments::{Arguments, Flag};
pub use common::{BrokerTarget, CommonOptions, WillOptions, build_options};
pub use failure::{Failure, UsageError};
pub use format::{NotJson, format_message};
pub use properties::{PropertyArgs, PropertyTarget};
pub use publish::{MessageSource, PubOptions, parse_pub, pub_usage};
pub use render::render_message;
pub use session::{DriverTask, STEP_TIMEOUT, start, within};
pub use subscribe::{Handling, Next, SubOptions, parse_sub, sub_usage};
pub use tls::TlsOptions;

/// A tool's `main`: with the `parsed` command line, prints `usage` for `--help` or the
/// usage error (exit code 1), else runs `run` and turns its outcome into the exit code
/// (saying why on standard error, unless `--quiet` was given).
pub fn tool_main<T: AsRef<CommonOptions>>(
    name: &str,
    usage: impl FnOnce() -> String,
    parsed: Result<Command<T>, UsageError>,
    run: impl FnOnce(&T) -> Result<(), Failure>,
) -> ExitCode {
    let (failure, quiet) = match parsed {
        Ok(Command::Help) => {
            println!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Ok(Command::Run(options)) => match run(&options) {
            Ok(()) => return ExitCode::SUCCESS,
            Err(failure) => (failure, options.as_ref().quiet),
        },
        Err(error) => (Failure::Usage(error), false),
    };
    if !(quiet && failure.is_runtime()) {
        eprintln!("{name}: {failure}");
    }
    failure.exit_code()
}

/// What a command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command<T> {
    /// Run with these options.
    Run(T),
    /// `--help`: print the usage and exit with success.
    Help,
}

#[cfg(test)]
mod option_tests;
#[cfg(test)]
mod tests;

/// The README's examples, run as doctests so that they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
