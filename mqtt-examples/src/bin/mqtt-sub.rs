//! `mqtt-sub`: subscribes to topic filters and prints the messages, with mosquitto_sub's
//! options (`mqtt-sub --help`).
//!
//! ```text
//! mqtt-sub -h localhost -t 'sensors/#' -v
//! mqtt-sub -L mqtts://broker.example/sensors/+ --cafile ca.pem -C 10 -q 1
//! mqtt-sub -V 5 -t jobs -D subscribe user-property origin cli -W 30 -C 1
//! ```

use std::future::Future;
use std::io::{ErrorKind, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use mqtt_client::{ClientError, SubscribeRequest, Subscription, SubscriptionOptions};
use mqtt_examples::cli::{Failure, SubOptions, build_options, parse_sub, sub_usage, tool_main};
use mqtt_examples::connection::connect;
use mqtt_examples::run::{STEP_TIMEOUT, within};

fn main() -> ExitCode {
    let parsed = parse_sub(std::env::args().skip(1));
    tool_main("mqtt-sub", sub_usage, parsed, run)
}

fn run(options: &SubOptions) -> Result<(), Failure> {
    let builder = options.common.client_options()?.clean(options.clean);
    let client_options = build_options(builder)?;
    let start = Instant::now();
    let limit = Limit {
        end: options.timeout.map(|timeout| start + timeout),
    };
    smol::block_on(async {
        let (client, driver) = limit
            .apply(connect(client_options, options.common.debug))
            .await??;
        let mut request = SubscribeRequest::new().properties(options.properties().clone());
        for filter in &options.filters {
            request = request.filter(filter.clone(), SubscriptionOptions::new(options.common.qos));
        }
        let subscription = limit
            .apply(client.subscribe_with(request))
            .await?
            .map_err(subscribe_failed)?;
        for (filter, result) in subscription.results() {
            if let Err(code) = result {
                eprintln!("mqtt-sub: warning: the subscription to {filter} was refused: {code:?}");
            }
        }
        let outcome = limit.apply(print_messages(subscription, options)).await;
        // Whatever the outcome, leave cleanly (no Will), if the broker still answers.
        let _ = within(STEP_TIMEOUT, client.disconnect()).await;
        let _ = within(STEP_TIMEOUT, driver).await;
        outcome?
    })
}

/// The end of `-W`'s time, if it was given.
struct Limit {
    end: Option<Instant>,
}

impl Limit {
    async fn apply<T>(&self, future: impl Future<Output = T>) -> Result<T, Failure> {
        match self.end {
            None => Ok(future.await),
            Some(end) => {
                let left = end.saturating_duration_since(Instant::now());
                within(left.max(Duration::from_millis(1)), future)
                    .await
                    .map_err(|_| Failure::TimedOut)
            }
        }
    }
}

fn subscribe_failed(error: ClientError) -> Failure {
    match error {
        ClientError::SubscribeRefused(suback) => Failure::failed(format!(
            "every subscription was refused: {:?}",
            suback.codes
        )),
        other => Failure::failed(format!("cannot subscribe: {other}")),
    }
}

/// Prints each message (its topic first with `-v`) until `-C` messages were printed.
async fn print_messages(
    mut subscription: Subscription,
    options: &SubOptions,
) -> Result<(), Failure> {
    let mut printed = 0;
    while options.count.is_none_or(|count| printed < count) {
        let message = subscription
            .next()
            .await
            .ok_or_else(|| Failure::failed("the connection ended for good"))?;
        if options.skip_retained && message.retain() {
            continue;
        }
        let mut line = Vec::with_capacity(message.topic().len() + message.payload().len() + 2);
        if options.verbose {
            line.extend_from_slice(message.topic().as_bytes());
            line.push(b' ');
        }
        line.extend_from_slice(message.payload());
        if options.newline {
            line.push(b'\n');
        }
        let mut stdout = std::io::stdout().lock();
        match stdout.write_all(&line).and_then(|()| stdout.flush()) {
            Ok(()) => {}
            // The reader has gone (`mqtt-sub ... | head -1`): nothing left to do.
            Err(error) if error.kind() == ErrorKind::BrokenPipe => return Ok(()),
            Err(error) => return Err(Failure::failed(format!("standard output: {error}"))),
        }
        printed += 1;
    }
    Ok(())
}
