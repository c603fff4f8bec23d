//! A client's first connection, for the examples and the tools: the client's driver runs on
//! smol's executor, and the first failure is reported rather than retried, so that a program
//! whose broker is not there says why at once.

use std::fmt;

use mqtt_kit_client::{Client, ClientError, DisconnectReason, Event, Options};

use crate::describe::event_line;

/// A client's driver, running on smol's executor; it ends after a disconnect. Dropping it
/// cancels the driver, which closes the connection at once (without DISCONNECT).
pub type DriverTask = smol::Task<Result<(), ClientError>>;

/// The first connection failed: why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectError(String);

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConnectError {}

/// Starts a client (its driver on smol's executor) and waits for its first connection. The
/// first failure is returned (and the client dropped); after the first connection, failures
/// are the options' business (reconnect or not). With `debug`, every event is printed on
/// standard error.
///
/// ```
/// use mqtt_kit_client::{Options, QoS};
/// use mqtt_examples::connection::connect;
/// use mqtt_examples::embedded_broker::{BrokerProtocol, EmbeddedBroker};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let broker = EmbeddedBroker::start()?;
/// smol::block_on(async {
///     let options = Options::builder().uri(broker.url(BrokerProtocol::V3_1_1)).build()?;
///     let (client, driver) = connect(options, false).await?;
///     client.publish("doc/connect", "up", QoS::AtLeastOnce).await?;
///     client.disconnect().await?;
///     driver.await?;
///
///     // Nothing listens on port 1 of loopback: the first failure is the answer.
///     let nowhere = Options::builder().uri("mqtt://127.0.0.1:1").build()?;
///     let refused = connect(nowhere, false).await.unwrap_err();
///     assert!(refused.to_string().starts_with("cannot connect"));
///     Ok(())
/// })
/// # }
/// ```
pub async fn connect(options: Options, debug: bool) -> Result<(Client, DriverTask), ConnectError> {
    let failed = |message: String| ConnectError(message);
    let (client, driver) = Client::new(options);
    let mut events = client.events();
    let driver = smol::spawn(driver.run());
    loop {
        let event = events
            .next()
            .await
            .ok_or_else(|| failed("the client stopped before it connected".into()))?;
        if debug {
            eprintln!("debug: {}", event_line(&event));
        }
        match event {
            Event::Connected(_) => break,
            Event::Error(error) => return Err(failed(connect_error(&error))),
            Event::Disconnected(DisconnectReason::Refused(connack)) => {
                return Err(failed(format!(
                    "the broker refused the connection: {:?}",
                    connack.code
                )));
            }
            Event::Disconnected(reason) => {
                return Err(failed(format!(
                    "the connection ended before it was accepted: {reason:?}"
                )));
            }
            Event::Closed => return Err(failed("the client stopped before it connected".into())),
            _ => {}
        }
    }
    if debug {
        smol::spawn(async move {
            while let Some(event) = events.next().await {
                eprintln!("debug: {}", event_line(&event));
            }
        })
        .detach();
    }
    Ok((client, driver))
}

fn connect_error(error: &ClientError) -> String {
    match error {
        ClientError::ConnectionRefused(connack) => {
            format!("the broker refused the connection: {:?}", connack.code)
        }
        other => format!("cannot connect: {other}"),
    }
}
