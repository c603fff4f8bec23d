//! luamqtt's `examples/simple.lua` in Rust: connect, subscribe to `luamqtt/#` at QoS 1,
//! publish `hello`, receive it and acknowledge it, disconnect.
//!
//! ```text
//! cargo run -p mqtt-examples --example simple                          # embedded broker
//! cargo run -p mqtt-examples --example simple -- --broker mqtt://localhost:1883
//! MQTT_BROKER=mqtts://broker.example cargo run -p mqtt-examples --example simple
//! ```
//!
//! With no broker given it starts one in-process (rumqttd on a free loopback port) and says so.

use std::time::Duration;

use mqtt_client::{Client, Event, Options, QoS};
use mqtt_examples::embedded_broker::{BrokerProtocol, EmbeddedBroker};

/// How long the example waits for each step before it gives up.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

fn main() {
    if let Err(error) = run() {
        eprintln!("simple: {error}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (uri, _embedded) = match broker_from_args()? {
        Some(uri) => (uri, None),
        None => {
            let broker = EmbeddedBroker::start()?;
            let uri = broker.url(BrokerProtocol::V3_1_1);
            println!(
                "no broker given (--broker URL or MQTT_BROKER): using an embedded broker at {uri}"
            );
            (uri, Some(broker))
        }
    };

    // luamqtt's simple.lua acknowledges its message by hand: so do we.
    let options = Options::builder()
        .uri(uri)
        .clean(true)
        .manual_ack(true)
        .build()?;
    let (client, driver) = Client::new(options);
    let mut events = client.events();
    smol::spawn(driver.run()).detach();

    smol::block_on(async {
        // connect
        loop {
            match within(events.next()).await? {
                Some(Event::Connected(connected)) => {
                    println!("connected: {:?}", connected.connack.code);
                    break;
                }
                Some(Event::Error(error)) => return Err(error.into()),
                Some(_) => {}
                None => return Err("the client stopped before connecting".into()),
            }
        }

        // subscribe
        let mut messages = within(client.subscribe("luamqtt/#", QoS::AtLeastOnce)).await??;
        for (filter, result) in messages.results() {
            println!("subscribed to {filter}: {result:?}");
        }

        // publish
        let topic = "luamqtt/simpletest";
        let published = within(client.publish(topic, "hello", QoS::AtLeastOnce)).await??;
        println!(
            "published hello to {topic}: reason code {:#04x}",
            published.reason_code()
        );

        // receive and acknowledge, until our own message comes back
        loop {
            let Some(message) = within(messages.next()).await? else {
                return Err("the subscription ended before the message came".into());
            };
            client.acknowledge(&message).await?;
            let payload = String::from_utf8_lossy(message.payload());
            println!(
                "received: {} {payload:?} (QoS {})",
                message.topic(),
                message.qos().as_u8()
            );
            if message.topic() == topic && payload == "hello" {
                break;
            }
        }

        // disconnect
        within(client.disconnect()).await??;
        println!("disconnected");
        Ok(())
    })
}

/// The broker named by `--broker URL` (or `--broker=URL`), else by `MQTT_BROKER`.
fn broker_from_args() -> Result<Option<String>, String> {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        None => Ok(std::env::var("MQTT_BROKER")
            .ok()
            .filter(|url| !url.is_empty())),
        Some("--broker") => match (args.next(), args.next()) {
            (Some(url), None) => Ok(Some(url)),
            (None, _) => Err("--broker needs a URL, e.g. --broker mqtt://localhost:1883".into()),
            (Some(_), Some(extra)) => Err(format!("unexpected argument {extra:?}")),
        },
        Some(arg) => match arg.strip_prefix("--broker=") {
            Some(url) if args.next().is_none() => Ok(Some(url.to_owned())),
            _ => Err(format!(
                "unknown argument {arg:?}; usage: simple [--broker URL]"
            )),
        },
    }
}

/// `future`, or an error after [`STEP_TIMEOUT`].
async fn within<T>(future: impl std::future::Future<Output = T>) -> Result<T, String> {
    smol::future::or(async { Ok(future.await) }, async {
        smol::Timer::after(STEP_TIMEOUT).await;
        Err(format!("no answer within {STEP_TIMEOUT:?}"))
    })
    .await
}
