//! The tools' first connection: the client's driver on smol's executor, and the first
//! failure turned into the tool's [`Failure`] (a CONNACK refusal keeps its code, for the
//! exit code).

use mqtt_client::{Client, ClientError, ConnAck, DisconnectReason, Event, Options};

use super::Failure;
use crate::connection::DriverTask;

/// Starts a client and waits for its first connection; the first failure ends it (the
/// tools give up rather than retry a broker that is not there).
pub async fn start(options: Options) -> Result<(Client, DriverTask), Failure> {
    let (client, driver) = Client::new(options);
    // Made before the driver runs: no event can be missed.
    let mut events = client.events();
    let driver = smol::spawn(driver.run());
    loop {
        let Some(event) = events.next().await else {
            return Err(Failure::failed("the client stopped before it connected"));
        };
        match event {
            Event::Connected(_) => return Ok((client, driver)),
            Event::Error(ClientError::ConnectionRefused(connack)) => return Err(refused(&connack)),
            Event::Disconnected(DisconnectReason::Refused(connack)) => {
                return Err(refused(&connack));
            }
            Event::Error(error) => return Err(Failure::failed(format!("cannot connect: {error}"))),
            Event::Disconnected(reason) => {
                return Err(Failure::failed(format!(
                    "the connection ended before it was accepted: {reason:?}"
                )));
            }
            Event::Closed => return Err(Failure::failed("the client stopped before it connected")),
            _ => {}
        }
    }
}

fn refused(connack: &ConnAck) -> Failure {
    Failure::Refused {
        code: u8::from(connack.code),
        reason: format!("{:?}", connack.code),
    }
}
