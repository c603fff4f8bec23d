//! The tools' first connection: the client's driver on smol's executor, and the first
//! failure turned into the tool's [`Failure`] (a CONNACK refusal keeps its code, for the
//! exit code).

use std::future::Future;
use std::time::Duration;

use mqtt_kit_client::{
    Client, ClientError, ConnAck, DisconnectReason, Event, Events, Options, ProtocolVersion,
};

use super::Failure;

/// A client's driver, running on smol's executor; it ends after a disconnect. Dropping it
/// cancels the driver, which closes the connection at once (without DISCONNECT).
pub type DriverTask = smol::Task<Result<(), ClientError>>;

/// How long a tool waits for its DISCONNECT to go, and for its driver to end.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// `future`'s output, or `None` after `limit`: a tool never hangs on a broker that stopped
/// answering.
///
/// ```
/// use std::time::Duration;
/// use mqtt_kit_cli::within;
///
/// smol::block_on(async {
///     assert_eq!(within(Duration::from_secs(5), async { 7 }).await, Some(7));
///     let never = within(Duration::from_millis(1), smol::future::pending::<()>()).await;
///     assert_eq!(never, None);
/// });
/// ```
pub async fn within<T>(limit: Duration, future: impl Future<Output = T>) -> Option<T> {
    smol::future::or(async { Some(future.await) }, async {
        smol::Timer::after(limit).await;
        None
    })
    .await
}

/// Starts a client and waits for its first connection; the first failure ends it (the
/// tools give up rather than retry a broker that is not there). The client's events come
/// with it, from its very start: a kept session's queued messages arrive right after the
/// CONNACK, before any subscription stream exists, and only an events stream gets them.
pub async fn start(options: Options) -> Result<(Client, DriverTask, Events), Failure> {
    let (client, driver) = Client::new(options);
    // Made before the driver runs: no event can be missed.
    let mut events = client.events();
    let driver = smol::spawn(driver.run());
    loop {
        let Some(event) = events.next().await else {
            return Err(Failure::failed("the client stopped before it connected"));
        };
        match event {
            Event::Connected(_) => return Ok((client, driver, events)),
            Event::Error(ClientError::ConnectionRefused(connack)) => {
                return Err(refused(&connack, client.version()));
            }
            Event::Disconnected(DisconnectReason::Refused(connack)) => {
                return Err(refused(&connack, client.version()));
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

/// The refusal, its code as the broker sent it: an MQTT 3.x return code (1 to 5) or an
/// MQTT 5.0 reason code (the client knows both as reason codes).
fn refused(connack: &ConnAck, version: ProtocolVersion) -> Failure {
    let code = match version {
        ProtocolVersion::V5 => None,
        _ => connack.code.to_v3(),
    };
    Failure::Refused {
        code: code.unwrap_or(u8::from(connack.code)),
        reason: format!("{:?}", connack.code),
    }
}
