//! Splits a command line into options and their values, as mosquitto's tools read them: each
//! option is its own argument (`-q 1`, `--qos 1`), long options may carry their value after
//! `=` (`--qos=1`), and a value is the next argument whatever it looks like (`-m -5`).

use std::collections::VecDeque;

use super::UsageError;

/// An option as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// The option's name as written (`-q`, `--qos`).
    pub name: String,
    inline: Option<String>,
}

impl Flag {
    /// A flag without an inline value, named `name` (for the parts of a multi-value option).
    pub(crate) fn with_name(name: String) -> Self {
        Self { name, inline: None }
    }
}

/// The arguments left to read.
#[derive(Debug, Clone)]
pub struct Arguments {
    rest: VecDeque<String>,
}

impl Arguments {
    /// The arguments, without the program's name.
    pub fn new(args: impl IntoIterator<Item = String>) -> Self {
        Self {
            rest: args.into_iter().collect(),
        }
    }

    /// The next option; an argument that is not an option is an error (the tools take
    /// none).
    pub fn next_flag(&mut self) -> Result<Option<Flag>, UsageError> {
        let Some(arg) = self.rest.pop_front() else {
            return Ok(None);
        };
        if !arg.starts_with('-') || arg == "-" {
            return Err(UsageError::new(format!("unexpected argument {arg:?}")));
        }
        let flag = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => Flag {
                name: name.to_owned(),
                inline: Some(value.to_owned()),
            },
            _ => Flag {
                name: arg,
                inline: None,
            },
        };
        Ok(Some(flag))
    }

    /// The value of `flag`: after its `=`, else the next argument.
    pub fn value(&mut self, flag: &Flag) -> Result<String, UsageError> {
        match &flag.inline {
            Some(value) => Ok(value.clone()),
            None => self
                .rest
                .pop_front()
                .ok_or_else(|| UsageError::new(format!("{} needs a value", flag.name))),
        }
    }

    /// The value of `flag`, parsed as a number in `range`.
    pub fn number<T>(
        &mut self,
        flag: &Flag,
        range: std::ops::RangeInclusive<T>,
    ) -> Result<T, UsageError>
    where
        T: std::str::FromStr + PartialOrd + std::fmt::Display,
    {
        let text = self.value(flag)?;
        number_in(&flag.name, &text, range)
    }

    /// Checks that `flag`, a switch, came without a value (`--retain=yes` is an error).
    pub fn switch(&self, flag: &Flag) -> Result<(), UsageError> {
        match flag.inline {
            Some(_) => Err(UsageError::new(format!("{} takes no value", flag.name))),
            None => Ok(()),
        }
    }
}

/// `text` as a number in `range`; the error names `what` takes it.
pub(crate) fn number_in<T>(
    what: &str,
    text: &str,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, UsageError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    match text.parse::<T>() {
        Ok(number) if range.contains(&number) => Ok(number),
        _ => Err(UsageError::new(format!(
            "{what} takes a number from {} to {}, not {text:?}",
            range.start(),
            range.end()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arguments(args: &[&str]) -> Arguments {
        Arguments::new(args.iter().map(|arg| arg.to_string()))
    }

    #[test]
    fn values_follow_or_come_after_an_equals_sign() {
        let mut args = arguments(&["-m", "-5", "--qos=1", "--retain"]);
        let flag = args.next_flag().unwrap().unwrap();
        assert_eq!(flag.name, "-m");
        assert_eq!(args.value(&flag).unwrap(), "-5", "a value may start with -");
        let flag = args.next_flag().unwrap().unwrap();
        assert_eq!(flag.name, "--qos");
        assert_eq!(args.number(&flag, 0..=2).unwrap(), 1u8);
        let flag = args.next_flag().unwrap().unwrap();
        assert!(args.switch(&flag).is_ok());
        assert_eq!(args.next_flag().unwrap(), None);
    }

    #[test]
    fn errors_name_the_option() {
        let mut args = arguments(&["-q"]);
        let flag = args.next_flag().unwrap().unwrap();
        assert_eq!(
            args.value(&flag).unwrap_err().to_string(),
            "-q needs a value"
        );

        let mut args = arguments(&["-q", "3"]);
        let flag = args.next_flag().unwrap().unwrap();
        assert_eq!(
            args.number(&flag, 0..=2u8).unwrap_err().to_string(),
            "-q takes a number from 0 to 2, not \"3\""
        );

        let mut args = arguments(&["--retain=yes"]);
        let flag = args.next_flag().unwrap().unwrap();
        assert_eq!(
            args.switch(&flag).unwrap_err().to_string(),
            "--retain takes no value"
        );

        let mut args = arguments(&["topic"]);
        assert_eq!(
            args.next_flag().unwrap_err().to_string(),
            "unexpected argument \"topic\""
        );
    }
}
