//! Scenario `retained`: retained messages at QoS 0, 1 and 2 are kept, delivered flagged
//! retained to a new subscriber, and cleared by empty retained payloads.

use mqtt_kit_client::QoS;

use crate::conformance::client::{ARRIVAL_TIME, QUIET_TIME, describe, drain, message, receive};
use crate::conformance::ctx::Ctx;
use crate::conformance::outcome::{Context as _, Outcome, ensure, fail};

/// Scenario `retained`: 3 retained messages arrive flagged retained; publishing empty
/// retained payloads clears them, and a new subscriber then gets none.
pub async fn retained(ctx: Ctx) -> Outcome {
    let topics = [
        (ctx.topic("TopicA/B"), QoS::AtMostOnce),
        (ctx.topic("Topic/C"), QoS::AtLeastOnce),
        (ctx.topic("TopicA/C"), QoS::ExactlyOnce),
    ];
    let filter = ctx.topic("+/+");

    let publisher = ctx.publisher("pub").await?;
    // QoS 0 first: the acknowledged QoS 1 and 2 publishes after it on the same connection
    // show that the broker has taken it too.
    for (topic, qos) in &topics {
        let payload = format!("retained at QoS {}", *qos as u8);
        publisher
            .client
            .publish_message(message(topic, payload, *qos, true)?)
            .await
            .context(&format!("publish retained to {topic}"))?;
    }

    let subscriber = ctx.connect("sub").await?;
    let mut subscription = subscriber
        .client
        .subscribe(&filter, QoS::ExactlyOnce)
        .await
        .context("subscribe +/+")?;
    let received = receive(&mut subscription, 3, ARRIVAL_TIME, "retained messages").await?;
    for (topic, qos) in &topics {
        let Some(got) = received.iter().find(|m| m.topic() == topic) else {
            fail!("no retained message from {topic}");
        };
        crate::conformance::outcome::ensure_or_limited!(
            ctx,
            got.qos() <= *qos,
            crate::conformance::limitations::Limitation::UpgradesQos,
            "the retained message of {topic}, published at QoS {}, arrived as {}",
            *qos as u8,
            describe(got)
        );
        ensure!(
            got.retain() && got.qos() == *qos,
            "the retained message of {topic} arrived as {}, expected r1 q{}",
            describe(got),
            *qos as u8
        );
    }
    subscriber.disconnect().await?;

    for (topic, qos) in &topics {
        publisher
            .client
            .publish_message(message(topic, "", *qos, true)?)
            .await
            .context(&format!("clear the retained message of {topic}"))?;
    }
    let late = ctx.connect("late").await?;
    let mut subscription = late
        .client
        .subscribe(&filter, QoS::ExactlyOnce)
        .await
        .context("subscribe +/+ after clearing")?;
    let left = drain(&mut subscription, QUIET_TIME).await;
    ensure!(
        left.is_empty(),
        "after clearing, a new subscriber still got {}",
        left.iter().map(describe).collect::<Vec<_>>().join(", ")
    );
    late.disconnect().await?;
    publisher.disconnect().await
}
