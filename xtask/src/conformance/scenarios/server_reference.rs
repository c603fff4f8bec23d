//! Scenarios about a DISCONNECT from the server that carries a Server Reference (5.0):
//! `use-another-server` (0x9C) and `server-moved` (0x9D) must send the client to the server
//! named; `server-busy-reference` (0x89) names one too but is no redirection, so the client
//! must come back to the server it had.
//!
//! No broker here sends such a DISCONNECT on demand, so the proxy in front of the real
//! broker writes it into the connection (and then cuts it, as a server does); the server
//! referred to is a second proxy in front of the same broker, so that the scenario sees
//! where the client went.

use bytes::BytesMut;
use mqtt_kit_client::{DisconnectReason, DisconnectReasonCode, Event};
use mqtt_kit_codec::{Disconnect, DisconnectProperties, Packet, ProtocolVersion};

use crate::conformance::client::{CONNECT_TIME, Peer, quick_backoff, wait_connected};
use crate::conformance::ctx::{Ctx, sleep};
use crate::conformance::outcome::{Context as _, Outcome, ensure, fail};
use crate::conformance::proxy::{Direction, Proxy};

/// The reason string of the injected DISCONNECT.
const REASON: &str = "conformance: injected by the test proxy";

/// Scenario `use-another-server`: DISCONNECT 0x9C with a Server Reference.
pub async fn use_another_server(ctx: Ctx) -> Outcome {
    referred(ctx, DisconnectReasonCode::UseAnotherServer, true).await
}

/// Scenario `server-moved`: DISCONNECT 0x9D with a Server Reference.
pub async fn server_moved(ctx: Ctx) -> Outcome {
    referred(ctx, DisconnectReasonCode::ServerMoved, true).await
}

/// Scenario `server-busy-reference`: DISCONNECT 0x89 (Server busy) with a Server
/// Reference: no redirection.
pub async fn server_busy_reference(ctx: Ctx) -> Outcome {
    referred(ctx, DisconnectReasonCode::ServerBusy, false).await
}

/// Whether `proxy` has seen a CONNECT on a connection after the first.
fn connected_again(proxy: &Proxy, first: bool) -> bool {
    proxy.tapped().iter().any(|t| {
        t.direction == Direction::ToBroker
            && (first || t.connection > 0)
            && matches!(t.packet, Ok(Packet::Connect(_)))
    })
}

async fn referred(ctx: Ctx, code: DisconnectReasonCode, redirects: bool) -> Outcome {
    let home = ctx.proxy()?;
    let elsewhere = ctx.proxy()?;
    let reference = elsewhere.url().trim_start_matches("mqtt://").to_owned();
    let options = ctx
        .options_via(&home, "ref")?
        .reconnect(true)
        .backoff(quick_backoff());
    let mut peer = Peer::connect(options).await?;

    let mut disconnect = Disconnect::new(code);
    disconnect.properties = DisconnectProperties {
        server_reference: Some(reference.as_str().into()),
        reason_string: Some(REASON.into()),
        ..DisconnectProperties::default()
    };
    let mut bytes = BytesMut::new();
    Packet::Disconnect(disconnect)
        .encode(ProtocolVersion::V5, None, &mut bytes)
        .context("encode the DISCONNECT")?;
    // Nothing of the broker's may be cut in two by the injected packet.
    home.hold(Direction::ToClient, true);
    sleep(std::time::Duration::from_millis(100)).await;
    ensure!(
        home.send_to_client(&bytes) == 1,
        "the proxy could not write the DISCONNECT to the client"
    );
    sleep(std::time::Duration::from_millis(300)).await;
    home.cut();
    home.hold(Direction::ToClient, false);
    ctx.note(format!(
        "The DISCONNECT {code} with Server Reference {reference:?} was written by the test \
         proxy in front of the broker (no broker sends one on demand); the reference names \
         a second proxy in front of the same broker."
    ));

    let reason = peer
        .event(CONNECT_TIME, |event| match event {
            Event::Disconnected(reason) => Some(reason.clone()),
            _ => None,
        })
        .await
        .context("no Disconnected event after the DISCONNECT")?;
    let DisconnectReason::Server(seen) = reason else {
        fail!("the DISCONNECT {code} reached the user as {reason:?}");
    };
    ensure!(
        seen.code == code,
        "the DISCONNECT reached the user with {}, expected {code}",
        seen.code
    );
    ensure!(
        seen.properties.server_reference.as_deref() == Some(reference.as_str()),
        "the Server Reference did not reach the user: {:?}",
        seen.properties.server_reference
    );
    ensure!(
        seen.properties.reason_string.as_deref() == Some(REASON),
        "the reason string did not reach the user: {:?}",
        seen.properties.reason_string
    );
    wait_connected(&mut peer.events, CONNECT_TIME)
        .await
        .map_err(|problem| match problem {
            crate::conformance::outcome::Problem::Fail(reason) => {
                crate::conformance::outcome::Problem::Fail(format!(
                    "after DISCONNECT {code}: {reason}"
                ))
            }
            other => other,
        })?;
    let went_elsewhere = connected_again(&elsewhere, true);
    let came_home = connected_again(&home, false);
    match (redirects, went_elsewhere, came_home) {
        (true, true, _) | (false, false, true) => {}
        (true, false, _) => fail!(
            "after DISCONNECT {code} with Server Reference {reference:?} the client \
             reconnected to {} (home: {came_home}), not to the server referred to",
            home.url()
        ),
        (false, true, _) => fail!(
            "after DISCONNECT {code} (not a redirection: only 0x9C and 0x9D are) the client \
             followed the Server Reference {reference:?} instead of coming back to {}",
            home.url()
        ),
        (false, false, false) => fail!("after DISCONNECT {code} no new CONNECT was seen"),
    }
    peer.disconnect().await
}
