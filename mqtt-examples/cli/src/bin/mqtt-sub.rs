//! `mqtt-sub`: subscribes to topic filters and prints the messages, with mosquitto_sub's
//! options (`mqtt-sub --help`).
//!
//! ```text
//! mqtt-sub -h localhost -t 'sensors/#' -v
//! mqtt-sub -L mqtts://broker.example/sensors/+ --cafile ca.pem -C 10 -q 1
//! mqtt-sub -V 5 -t jobs -D subscribe user-property origin cli -W 30 -C 1
//! mqtt-sub -t 'bbc/#' -T bbc/bbc1 --remove-retained --retained-only
//! mqtt-sub -t '#' -F '@H:@M:@S %t %p'
//! ```

use std::future::Future;
use std::io::{ErrorKind, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

use mqtt_kit_cli::{
    Failure, Next, STEP_TIMEOUT, SubOptions, build_options, parse_sub, render_message, start,
    sub_usage, tool_main, within,
};
use mqtt_kit_client::bytes::Bytes;
use mqtt_kit_client::{
    Client, ClientError, DisconnectOptions, Event, Events, Message, Publish, QoS, SubscribeRequest,
    Subscription, SubscriptionOptions,
};

fn main() -> ExitCode {
    let parsed = parse_sub(std::env::args().skip(1));
    tool_main("mqtt-sub", sub_usage, parsed, run)
}

fn run(options: &SubOptions) -> Result<(), Failure> {
    let client_options = build_options(options.common.client_options()?)?;
    smol::block_on(async {
        let (client, driver, events) = start(client_options).await?;
        // -W counts from the connection, as mosquitto_sub's does.
        let limit = Limit {
            end: options.timeout.map(|timeout| Instant::now() + timeout),
        };
        let outcome = limit.apply(work(&client, events, options)).await;
        // Whatever the outcome, leave cleanly (no Will), once the --remove-retained
        // publishes are acknowledged, if the broker still answers.
        let leave = DisconnectOptions::new().wait_for_in_flight(true);
        let _ = within(STEP_TIMEOUT, client.disconnect_with(leave)).await;
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
                    .ok_or(Failure::TimedOut)
            }
        }
    }
}

/// Subscribes (`-t`), unsubscribes (`-U`), then prints messages unless there is nothing to
/// receive (`-E`, or `-U` alone).
async fn work(client: &Client, events: Events, options: &SubOptions) -> Result<(), Failure> {
    let subscription = match options.filters.is_empty() {
        true => None,
        false => Some(subscribe(client, options).await?),
    };
    if !options.unsubscribe.is_empty() {
        let filters: Vec<&str> = options.unsubscribe.iter().map(|f| f.as_str()).collect();
        client
            .unsubscribe(&filters)
            .await
            .map_err(|error| Failure::failed(format!("cannot unsubscribe: {error}")))?;
    }
    match subscription {
        Some(subscription) if options.receives() => {
            let mut messages = Messages {
                events,
                subscription,
            };
            print_messages(client, &mut messages, options).await
        }
        _ => Ok(()),
    }
}

async fn subscribe(client: &Client, options: &SubOptions) -> Result<Subscription, Failure> {
    let mut request = SubscribeRequest::new().properties(options.properties().clone());
    for filter in &options.filters {
        request = request.filter(filter.clone(), SubscriptionOptions::new(options.common.qos));
    }
    let subscription = client
        .subscribe_with(request)
        .await
        .map_err(subscribe_failed)?;
    for (filter, result) in subscription.results() {
        if let Err(code) = result {
            warn(
                options,
                &format!("the subscription to {filter} was refused: {code:?}"),
            );
        }
    }
    Ok(subscription)
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

/// A runtime message on standard error, unless `--quiet`.
fn warn(options: &SubOptions, message: &str) {
    if !options.common.quiet {
        eprintln!("mqtt-sub: {message}");
    }
}

/// The messages to print: the subscription's, and those that came before it existed (a kept
/// session's queued messages, which only the events stream gets).
struct Messages {
    events: Events,
    subscription: Subscription,
}

impl Messages {
    /// The next message; `None` once the connection has ended for good.
    async fn next(&mut self) -> Option<Message> {
        // What came before the SUBACK is waiting in `events` already: it goes first.
        while let Some(event) = self.events.try_next() {
            if let Event::Message(message) = event {
                return Some(message);
            }
        }
        let from_events = async {
            loop {
                match self.events.next().await? {
                    Event::Message(message) => return Some(message),
                    _ => continue,
                }
            }
        };
        // Both `next`s may be dropped unfinished without losing a message.
        smol::future::or(self.subscription.next(), from_events).await
    }
}

/// Prints each message as the options say until `-C` messages were printed, or
/// `--retained-only` met a fresh one.
async fn print_messages(
    client: &Client,
    messages: &mut Messages,
    options: &SubOptions,
) -> Result<(), Failure> {
    let mut printed = 0;
    while options.count.is_none_or(|count| printed < count) {
        let message = messages
            .next()
            .await
            .ok_or_else(|| Failure::failed("the connection ended for good"))?;
        let handling = options.handle(message.topic_name(), message.retain());
        if handling.remove_retained {
            // An empty retained message clears the topic's; QoS 1 so that the disconnect
            // waits for the broker to have it.
            let mut clear =
                Publish::new(message.topic_name().clone(), Bytes::new(), QoS::AtLeastOnce);
            clear.retain = true;
            client.enqueue(clear).await.map_err(|error| {
                Failure::failed(format!("cannot remove the retained message: {error}"))
            })?;
        }
        match handling.next {
            Next::Stop => return Ok(()),
            Next::Skip => continue,
            Next::Print => {}
        }
        let text = match render_message(options, &message.publish, SystemTime::now()) {
            Ok(text) => text,
            Err(not_json) => {
                warn(options, &format!("Error: {not_json}"));
                continue;
            }
        };
        let mut stdout = std::io::stdout().lock();
        match stdout.write_all(&text).and_then(|()| stdout.flush()) {
            Ok(()) => {}
            // The reader has gone (`mqtt-sub ... | head -1`): nothing left to do.
            Err(error) if error.kind() == ErrorKind::BrokenPipe => return Ok(()),
            Err(error) => return Err(Failure::failed(format!("standard output: {error}"))),
        }
        printed += 1;
    }
    Ok(())
}
