//! Certificate checks over TLS and secure WebSocket: a server signed by an unknown CA
//! (`tls-unknown-ca`) or with a certificate for another name (`tls-wrong-name`) must be
//! refused with an error that says so.

use std::time::Duration;

use mqtt_kit_client::Event;

use crate::conformance::brokers::{Endpoint, WRONG_NAME};
use crate::conformance::client::{Peer, options_for, within};
use crate::conformance::ctx::Ctx;
use crate::conformance::matrix::Transport;
use crate::conformance::outcome::{Outcome, Problem, ensure, fail};

/// Connects to `endpoint` and returns the error the client reports (it must not connect).
async fn refusal(ctx: &Ctx, endpoint: &Endpoint) -> Result<String, Problem> {
    let (_client, mut events, _driver) = Peer::start(options_for(ctx, endpoint, "tls")?)?;
    let outcome = within(Duration::from_secs(10), async {
        while let Some(event) = events.next().await {
            match event {
                Event::Connected(_) => return Err(()),
                Event::Error(error) => return Ok(error.to_string()),
                _ => {}
            }
        }
        Ok("the client ended without saying why".to_owned())
    })
    .await;
    match outcome {
        Some(Ok(error)) => Ok(error),
        Some(Err(())) => fail!("the client connected to {}", endpoint.url),
        None => fail!("the client neither connected nor failed within 10 s"),
    }
}

/// The broken TLS set-ups of the case's broker.
fn faults(ctx: &Ctx) -> Result<&crate::conformance::brokers::TlsFaults, Problem> {
    ctx.tls_faults.as_ref().ok_or_else(|| {
        Problem::Fail("needs the xtask's own broker (certificates made for the run)".into())
    })
}

/// Scenario `tls-unknown-ca`: the client trusts only a CA that did not sign the broker's
/// certificate: the connection fails with an error that names the unknown issuer.
pub async fn unknown_ca(ctx: Ctx) -> Outcome {
    let mut endpoint = ctx.endpoint.clone();
    endpoint.ca_pem = Some(faults(&ctx)?.unknown_ca_pem.clone());
    let error = refusal(&ctx, &endpoint).await?;
    let text = error.to_lowercase();
    ensure!(
        text.contains("unknown")
            && (text.contains("ca") || text.contains("issuer") || text.contains("authority")),
        "the error does not say the certificate's issuer is unknown: {error}"
    );
    ctx.note(format!("Error: \"{error}\"."));
    Ok(())
}

/// Scenario `tls-wrong-name`: the broker's certificate (signed by the trusted CA) names
/// another host: the connection fails with an error that says the name does not match.
pub async fn wrong_name(ctx: Ctx) -> Outcome {
    let faults = faults(&ctx)?;
    let endpoint = match ctx.transport {
        Transport::Wss => faults.wrong_name_wss.clone(),
        _ => faults.wrong_name_tls.clone(),
    };
    let error = refusal(&ctx, &endpoint).await?;
    let text = error.to_lowercase();
    ensure!(
        text.contains("name") || text.contains(WRONG_NAME),
        "the error does not say the certificate is for another name: {error}"
    );
    ctx.note(format!("Error: \"{error}\"."));
    Ok(())
}
