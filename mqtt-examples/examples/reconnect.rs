//! What a client does when its connection is lost and comes back: the events of the loss,
//! of each retry with its back-off delay, and of the new connection; the subscription
//! restored, and a message published while offline delivered once the client is back.
//!
//! The example puts a TCP proxy of its own between the client and the broker, and cuts it:
//! first the open connection, then every new one for three retries, then it lets them in.
//! The client backs off from 200 ms doubling to 2 s (the default is 1 s doubling to 120 s).
//!
//! ```text
//! cargo run -p mqtt-examples --example reconnect                      # embedded broker
//! cargo run -p mqtt-examples --example reconnect -- --broker mqtt://localhost:1883
//! ```
//!
//! The broker must be a plain `mqtt://` one (the proxy does not speak TLS). With no broker
//! given (`--broker URL` or `MQTT_BROKER`) it starts one in-process and says so.

use std::error::Error;
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use mqtt_examples::broker_choice::ExampleArgs;
use mqtt_examples::describe::event_line;
use mqtt_examples::embedded_broker::BrokerProtocol;
use mqtt_examples::proxy::CuttableProxy;
use mqtt_examples::run::step;
use mqtt_kit_client::{Backoff, BrokerAddress, Client, Event, Options, QoS};

/// How many retries fail before the proxy lets connections in again.
const FAILED_RETRIES: u32 = 3;

fn main() -> ExitCode {
    mqtt_examples::run::main("reconnect", &[], run)
}

fn run(args: &ExampleArgs) -> Result<(), Box<dyn Error>> {
    let broker = args.broker(BrokerProtocol::V3_1_1)?;
    let proxy = CuttableProxy::start(socket_address(broker.url())?)?;
    let topic = format!("mqtt-kit/examples/reconnect/{}", std::process::id());
    let options = Options::builder()
        .uri(proxy.url())
        .backoff(Backoff::new(
            Duration::from_millis(200),
            Duration::from_secs(2),
        ))
        .build()?;
    let (client, driver) = Client::new(options);
    let mut events = client.events();
    let start = Instant::now();
    let say = |what: String| println!("{:>6.2}s  {what}", start.elapsed().as_secs_f64());

    smol::block_on(async {
        smol::spawn(driver.run()).detach();
        let mut messages = step(client.subscribe(&topic, QoS::AtLeastOnce)).await??;
        step(client.publish(&topic, "before the cut", QoS::AtLeastOnce)).await??;

        // Connected: read the events of the first connection, then cut.
        wait_for(&mut events, &say, |event| {
            matches!(event, Event::Connected(_))
        })
        .await?;
        let message = step(messages.next()).await?.ok_or("subscription ended")?;
        say(format!(
            "received {:?}",
            String::from_utf8_lossy(message.payload())
        ));
        say("-- the proxy cuts the connection and refuses new ones".into());
        proxy.cut(true);

        // Offline: a publish now waits in the client's queue until it is connected again.
        let offline_publish = smol::spawn({
            let client = client.clone();
            let topic = topic.clone();
            async move {
                client
                    .publish(&topic, "published while offline", QoS::AtLeastOnce)
                    .await
            }
        });
        wait_for(&mut events, &say, |event| {
            matches!(event, Event::Reconnecting { failures, .. } if *failures == FAILED_RETRIES)
        })
        .await?;
        say("-- the proxy lets connections in again".into());
        proxy.refuse_new(false);
        wait_for(&mut events, &say, |event| {
            matches!(event, Event::Connected(_))
        })
        .await?;

        step(offline_publish).await??;
        let message = step(messages.next()).await?.ok_or("subscription ended")?;
        say(format!(
            "received {:?}",
            String::from_utf8_lossy(message.payload())
        ));
        step(client.disconnect()).await??;
        wait_for(&mut events, &say, |event| matches!(event, Event::Closed)).await?;
        Ok(())
    })
}

/// Prints events until one that `last` accepts (printed too).
async fn wait_for(
    events: &mut mqtt_kit_client::Events,
    say: &impl Fn(String),
    last: impl Fn(&Event) -> bool,
) -> Result<(), Box<dyn Error>> {
    loop {
        let event = step(events.next()).await?.ok_or("the client stopped")?;
        if about_the_connection(&event) {
            say(event_line(&event));
        }
        if last(&event) {
            return Ok(());
        }
    }
}

/// Whether an event is about the connection (the ones this example shows).
fn about_the_connection(event: &Event) -> bool {
    matches!(
        event,
        Event::Connecting { .. }
            | Event::Connected(_)
            | Event::Disconnected(_)
            | Event::Error(_)
            | Event::Reconnecting { .. }
            | Event::Subscribed { restored: true, .. }
            | Event::Closed
    )
}

/// The socket address of a `mqtt://` URL.
fn socket_address(url: &str) -> Result<SocketAddr, Box<dyn Error>> {
    let BrokerAddress::Tcp { host, port } = BrokerAddress::parse(url)? else {
        return Err(format!("{url}: this example needs a plain mqtt:// broker").into());
    };
    (host.to_unbracketed(), port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| format!("{url}: no address found").into())
}
