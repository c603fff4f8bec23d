//! What every example does around its own steps: give each step a time limit, so that an
//! example never hangs when a broker does not answer, and turn the outcome into an exit code.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::process::ExitCode;
use std::time::Duration;

use crate::broker_choice::ExampleArgs;

/// How long an example waits for one step (a connection, an acknowledgement, a message).
pub const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// A step took longer than its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedOut(pub Duration);

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no answer within {:?}", self.0)
    }
}

impl Error for TimedOut {}

/// `future`'s output, or [`TimedOut`] after `limit`.
///
/// ```
/// use std::time::Duration;
/// use mqtt_examples::run::{within, TimedOut};
///
/// smol::block_on(async {
///     assert_eq!(within(Duration::from_secs(5), async { 7 }).await, Ok(7));
///     let never = within(Duration::from_millis(1), smol::future::pending::<()>()).await;
///     assert_eq!(never, Err(TimedOut(Duration::from_millis(1))));
/// });
/// ```
pub async fn within<T>(limit: Duration, future: impl Future<Output = T>) -> Result<T, TimedOut> {
    smol::future::or(async { Ok(future.await) }, async {
        smol::Timer::after(limit).await;
        Err(TimedOut(limit))
    })
    .await
}

/// `future`'s output, or [`TimedOut`] after [`STEP_TIMEOUT`].
pub async fn step<T>(future: impl Future<Output = T>) -> Result<T, TimedOut> {
    within(STEP_TIMEOUT, future).await
}

/// An example's `main`: reads its command line ([`ExampleArgs::from_env_or_exit`], with
/// `options` beside `--broker`), runs `example` and turns its outcome into the exit code.
pub fn main(
    name: &str,
    options: &[&str],
    example: impl FnOnce(&ExampleArgs) -> Result<(), Box<dyn Error>>,
) -> ExitCode {
    let args = ExampleArgs::from_env_or_exit(name, options);
    exit_code(name, example(&args))
}

/// The exit code of an example: success, or the error printed after the example's name.
pub fn exit_code(example: &str, result: Result<(), Box<dyn Error>>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{example}: {error}");
            ExitCode::FAILURE
        }
    }
}
