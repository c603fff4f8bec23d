//! Scenario `basic`: connect (clean), subscribe at QoS 2, publish at QoS 0, 1 and 2,
//! disconnect.

use mqtt_kit_client::QoS;

use crate::conformance::client::{ARRIVAL_TIME, QUIET_TIME, describe, drain, receive};
use crate::conformance::ctx::Ctx;
use crate::conformance::outcome::{Context as _, Outcome, ensure, fail};

/// The three messages: QoS and payload.
const MESSAGES: [(QoS, &str); 3] = [
    (QoS::AtMostOnce, "qos 0"),
    (QoS::AtLeastOnce, "qos 1"),
    (QoS::ExactlyOnce, "qos 2"),
];

/// Scenario `basic`: 3 messages arrive with the right payloads and QoS; session present is
/// false.
pub async fn basic(ctx: Ctx) -> Outcome {
    let peer = ctx.connect("basic").await?;
    ensure!(
        !peer.connected.session_present,
        "session present was true on a clean connection"
    );
    let topic = ctx.topic("TopicA");
    let mut subscription = peer
        .client
        .subscribe(&topic, QoS::ExactlyOnce)
        .await
        .context("subscribe at QoS 2")?;
    let granted = subscription.results();
    ensure!(
        matches!(granted.as_slice(), [(_, Ok(QoS::ExactlyOnce))]),
        "SUBACK: expected QoS 2 granted, got {granted:?}"
    );
    for (qos, payload) in MESSAGES {
        peer.client
            .publish(&topic, payload, qos)
            .await
            .context(&format!("publish at QoS {}", qos as u8))?;
    }
    let received = receive(&mut subscription, 3, ARRIVAL_TIME, "messages").await?;
    for (qos, payload) in MESSAGES {
        let Some(message) = received
            .iter()
            .find(|m| &m.payload()[..] == payload.as_bytes())
        else {
            fail!("`{payload}` did not arrive");
        };
        crate::conformance::outcome::ensure_or_limited!(
            ctx,
            message.qos() <= qos,
            crate::conformance::limitations::Limitation::UpgradesQos,
            "`{payload}` published at QoS {} arrived as {} (the QoS of the PUBLISH the broker \
             sent)",
            qos as u8,
            describe(message)
        );
        ensure!(
            message.qos() == qos && message.topic() == topic,
            "`{payload}` arrived as {}, expected QoS {}",
            describe(message),
            qos as u8
        );
    }
    let extra = drain(&mut subscription, QUIET_TIME).await;
    ensure!(
        extra.is_empty(),
        "{} message(s) more than the 3 published arrived",
        extra.len()
    );
    peer.disconnect().await
}
