//! How the tools fail, and with which exit code.

use std::fmt;
use std::process::ExitCode;

/// The command line (or an input file it names) is wrong: exit code 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(String);

impl UsageError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Why a tool stopped without doing its work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// A wrong command line or input file (exit code 1).
    Usage(UsageError),
    /// The broker could not be reached, or the connection or the work failed (exit code 1,
    /// as mosquitto's tools).
    Failed(String),
    /// The broker refused the connection in its CONNACK: the exit code is the CONNACK's
    /// return code (MQTT 3.1, 3.1.1) or reason code (MQTT 5.0), as mosquitto's tools.
    Refused {
        /// The code, as on the wire.
        code: u8,
        /// What it means.
        reason: String,
    },
    /// `-W`: the time ran out (exit code 27, as mosquitto_sub).
    TimedOut,
}

impl Failure {
    /// A [`Failure::Failed`] with this message.
    pub fn failed(message: impl fmt::Display) -> Self {
        Self::Failed(message.to_string())
    }

    /// The process's exit code for it.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            Failure::Usage(_) | Failure::Failed(_) => 1,
            Failure::Refused { code, .. } => *code,
            Failure::TimedOut => 27,
        })
    }

    /// Whether `--quiet` leaves it unsaid: every runtime failure; never a usage error.
    pub fn is_runtime(&self) -> bool {
        !matches!(self, Failure::Usage(_))
    }
}

impl From<UsageError> for Failure {
    fn from(error: UsageError) -> Self {
        Self::Usage(error)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(error) => write!(f, "{error}"),
            Failure::Failed(message) => f.write_str(message),
            Failure::Refused { code, reason } => {
                write!(
                    f,
                    "the broker refused the connection: {reason} (code {code})"
                )
            }
            Failure::TimedOut => f.write_str("timed out (-W)"),
        }
    }
}
