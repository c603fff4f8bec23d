//! The first connection of a tool: a client whose driver runs on smol's executor, and its
//! events printed on standard error with `-d`.

use mqtt_client::{Client, ClientError, DisconnectReason, Event, Options};

use super::Failure;
use crate::describe::event_line;

/// The driver of a tool's client, running; it ends after a disconnect.
pub type DriverTask = smol::Task<Result<(), ClientError>>;

/// Starts a client and waits for its first connection. The first failure ends it (a tool
/// fails at once when the broker is not there); later ones are the options' business
/// (reconnect or not). With `debug`, every event is printed on standard error.
pub async fn connect(options: Options, debug: bool) -> Result<(Client, DriverTask), Failure> {
    let (client, driver) = Client::new(options);
    let mut events = client.events();
    let driver = smol::spawn(driver.run());
    loop {
        let event = events
            .next()
            .await
            .ok_or_else(|| Failure::failed("the client stopped before it connected"))?;
        if debug {
            eprintln!("debug: {}", event_line(&event));
        }
        match event {
            Event::Connected(_) => break,
            Event::Error(error) => return Err(Failure::failed(connect_error(&error))),
            Event::Disconnected(DisconnectReason::Refused(connack)) => {
                return Err(Failure::failed(format!(
                    "the broker refused the connection: {:?}",
                    connack.code
                )));
            }
            Event::Disconnected(reason) => {
                return Err(Failure::failed(format!(
                    "the connection ended before it was accepted: {reason:?}"
                )));
            }
            Event::Closed => return Err(Failure::failed("the client stopped before it connected")),
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
