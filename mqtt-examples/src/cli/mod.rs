//! The command lines of `mqtt-pub` and `mqtt-sub`: mosquitto_pub's and mosquitto_sub's
//! options, parsed by pure functions (so that every option and every error is tested without
//! a broker), and what both tools do around their own work (connect, report, exit codes).
//!
//! | exit code | meaning |
//! | --- | --- |
//! | 0 | done |
//! | 1 | the command line or an input file is wrong ([`Failure::Usage`]) |
//! | 2 | the broker could not be reached, refused, or the connection failed ([`Failure::Failed`]) |
//! | 27 | `mqtt-sub -W`: the time ran out (as mosquitto_sub) ([`Failure::TimedOut`]) |

use std::process::ExitCode;

mod arguments;
mod common;
mod failure;
mod properties;
mod publish;
mod subscribe;

pub use arguments::{Arguments, Flag};
pub use common::{BrokerTarget, CommonOptions, TlsFiles, WillOptions, build_options};
pub use failure::{Failure, UsageError};
pub use properties::{PropertyArgs, PropertyTarget};
pub use publish::{MessageSource, PubOptions, parse_pub, pub_usage};
pub use subscribe::{SubOptions, parse_sub, sub_usage};

/// A tool's `main`: with the `parsed` command line, prints `usage` for `--help` or the
/// usage error (exit code 1), else runs `run` and turns its outcome into the exit code.
pub fn tool_main<T>(
    name: &str,
    usage: impl FnOnce() -> String,
    parsed: Result<Command<T>, UsageError>,
    run: impl FnOnce(&T) -> Result<(), Failure>,
) -> ExitCode {
    let failure = match parsed {
        Ok(Command::Help) => {
            println!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Ok(Command::Run(options)) => match run(&options) {
            Ok(()) => return ExitCode::SUCCESS,
            Err(failure) => failure,
        },
        Err(error) => Failure::Usage(error),
    };
    eprintln!("{name}: {failure}");
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
mod tests;
