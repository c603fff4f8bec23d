//! What a scenario ends with, and the helpers scenarios use to say why.

use std::fmt::Display;

/// Why a scenario did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The client (or the check) failed: the reason says what was expected and what happened.
    Fail(String),
    /// The broker cannot show this scenario: a documented broker limitation, named in the
    /// reason (see [`super::limitations`]).
    NotApplicable(String),
}

/// What a scenario returns.
pub type Outcome = Result<(), Problem>;

/// The status of one case in the results table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Every check held.
    Pass,
    /// A check failed, the scenario timed out or panicked.
    Fail,
    /// A documented limitation of the broker keeps the scenario from being shown.
    NotApplicable,
    /// Not run against this broker (a `--broker` given by the user cannot be restarted or
    /// reconfigured).
    Skipped,
}

impl Status {
    /// The word in the table.
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::NotApplicable => "n/a",
            Status::Skipped => "skip",
        }
    }
}

/// Fails the scenario with a formatted reason.
macro_rules! fail {
    ($($arg:tt)*) => {
        return Err($crate::conformance::outcome::Problem::Fail(format!($($arg)*)))
    };
}

/// Fails the scenario with a formatted reason unless `cond` holds.
macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            $crate::conformance::outcome::fail!($($arg)*);
        }
    };
}

/// Unless `cond` holds: `n/a` when the case's broker has the known `limitation` (the
/// formatted text is what was seen), a failure saying it otherwise.
macro_rules! ensure_or_limited {
    ($ctx:expr, $cond:expr, $limitation:expr, $($arg:tt)*) => {
        if !$cond {
            return Err($ctx.limitation_seen($limitation, &format!($($arg)*)));
        }
    };
}

pub(crate) use {ensure, ensure_or_limited, fail};

/// Turns any error into a failure that says which step it came from.
pub trait Context<T> {
    /// The error, as a failure of the step `what`.
    fn context(self, what: &str) -> Result<T, Problem>;
}

impl<T, E: Display> Context<T> for Result<T, E> {
    fn context(self, what: &str) -> Result<T, Problem> {
        self.map_err(|error| Problem::Fail(format!("{what}: {error}")))
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, what: &str) -> Result<T, Problem> {
        self.ok_or_else(|| Problem::Fail(format!("{what}: nothing")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(value: u8) -> Outcome {
        ensure!(value < 3, "value {value} is not below 3");
        if value == 1 {
            fail!("one is refused");
        }
        Ok(())
    }

    #[test]
    fn macros_say_why() {
        assert_eq!(checked(0), Ok(()));
        assert_eq!(checked(1), Err(Problem::Fail("one is refused".into())));
        assert_eq!(
            checked(7),
            Err(Problem::Fail("value 7 is not below 3".into()))
        );
    }

    #[test]
    fn context_names_the_step() {
        let error: Result<(), String> = Err("connection refused".into());
        assert_eq!(
            error.context("connect"),
            Err(Problem::Fail("connect: connection refused".into()))
        );
        assert_eq!(
            None::<u8>.context("suback"),
            Err(Problem::Fail("suback: nothing".into()))
        );
    }
}
