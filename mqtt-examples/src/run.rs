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
///
/// With `MQTT_LOG` set ([`log_to_stderr`]), the client's logs go to standard error:
/// `MQTT_LOG=info` shows each connection attempt and its outcome, `MQTT_LOG=trace` every
/// packet (never a payload's bytes or a password).
pub fn main(
    name: &str,
    options: &[&str],
    example: impl FnOnce(&ExampleArgs) -> Result<(), Box<dyn Error>>,
) -> ExitCode {
    log_to_stderr(std::env::var("MQTT_LOG").ok().as_deref());
    let args = ExampleArgs::from_env_or_exit(name, options);
    exit_code(name, example(&args))
}

/// Installs a `tracing` subscriber that prints on standard error what `filter` selects:
/// a level alone (`info`) applies to the toolkit's crates (not to the embedded broker);
/// anything else is a `RUST_LOG`-style filter (`mqtt_kit_client=debug,rumqttd=warn`).
/// Nothing is installed when `filter` is `None`.
pub fn log_to_stderr(filter: Option<&str>) {
    let Some(filter) = filter else { return };
    let directives = match filter.parse::<tracing_subscriber::filter::LevelFilter>() {
        Ok(level) => ["mqtt_kit_client", "mqtt_kit_session", "mqtt_kit_transport"]
            .map(|target| format!("{target}={level}"))
            .join(","),
        Err(_) => filter.to_string(),
    };
    match tracing_subscriber::EnvFilter::try_new(&directives) {
        Ok(filter) => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init(),
        Err(error) => eprintln!("MQTT_LOG={directives:?} is not a log filter: {error}"),
    }
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
