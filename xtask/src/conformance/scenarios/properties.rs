//! MQTT 5.0 message properties: `user-properties`, `payload-format`, `message-expiry`,
//! `request-response`.

use std::time::Duration;

use mqtt_kit_client::bytes::Bytes;
use mqtt_kit_client::{PublishProperties, QoS, TopicName};
use mqtt_kit_codec::PayloadFormat;

use crate::conformance::client::{
    ARRIVAL_TIME, CONNECT_TIME, Peer, QUIET_TIME, describe, drain, event_messages, message,
    receive, wait_connected,
};
use crate::conformance::ctx::{Ctx, sleep};
use crate::conformance::outcome::{Context as _, Outcome, Problem, ensure};

/// Scenario `user-properties`: publishes at QoS 0, 1 and 2 with two user properties: both
/// arrive, in order.
pub async fn user_properties(ctx: Ctx) -> Outcome {
    let peer = ctx.connect("props").await?;
    let topic = ctx.topic("TopicA");
    let mut subscription = peer
        .client
        .subscribe(&topic, QoS::ExactlyOnce)
        .await
        .context("subscribe")?;
    let properties = vec![
        ("name".into(), "first".into()),
        ("name".into(), "second".into()),
    ];
    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
        let mut publish = message(&topic, format!("qos {}", qos as u8), qos, false)?;
        publish.properties.user_properties = properties.clone();
        peer.client
            .publish_message(publish)
            .await
            .context("publish with user properties")?;
    }
    for got in receive(&mut subscription, 3, ARRIVAL_TIME, "messages").await? {
        ensure!(
            got.properties().user_properties == properties,
            "{} arrived with user properties {:?}, expected {properties:?}",
            describe(&got),
            got.properties().user_properties
        );
    }
    peer.disconnect().await
}

/// Scenario `payload-format`: Payload Format Indicator 1 and a Content Type: both arrive.
pub async fn payload_format(ctx: Ctx) -> Outcome {
    let peer = ctx.connect("format").await?;
    let topic = ctx.topic("TopicA");
    let mut subscription = peer
        .client
        .subscribe(&topic, QoS::AtLeastOnce)
        .await
        .context("subscribe")?;
    let mut publish = message(&topic, "{\"text\": \"é\"}", QoS::AtLeastOnce, false)?;
    publish.properties.payload_format_indicator = Some(PayloadFormat::Utf8);
    publish.properties.content_type = Some("application/json".into());
    peer.client
        .publish_message(publish)
        .await
        .context("publish")?;
    let got = receive(&mut subscription, 1, ARRIVAL_TIME, "the message").await?;
    let properties = got[0].properties();
    ensure!(
        properties.payload_format_indicator == Some(PayloadFormat::Utf8)
            && properties.content_type.as_deref() == Some("application/json"),
        "arrived with payload format {:?} and content type {:?}",
        properties.payload_format_indicator,
        properties.content_type
    );
    peer.disconnect().await
}

/// Scenario `message-expiry`: messages queued for an offline client with Message Expiry
/// 1 s and 6 s, the receiver offline for 3 s: the first is dropped, the second arrives with
/// a smaller remaining interval.
pub async fn message_expiry(ctx: Ctx) -> Outcome {
    let id = ctx.client_id("exp");
    let options = |clean: bool| -> Result<_, Problem> {
        Ok(ctx
            .options("exp")?
            .id(id.clone())
            .clean(clean)
            .session_expiry_interval(60))
    };
    let topic = ctx.topic("TopicA");
    let receiver = Peer::connect(options(true)?).await?;
    let _subscription = receiver
        .client
        .subscribe(&topic, QoS::AtLeastOnce)
        .await
        .context("subscribe")?;
    receiver.disconnect().await?;

    let publisher = ctx.publisher("pub").await?;
    for (payload, expiry) in [("short", 1), ("long", 6)] {
        let mut publish = message(&topic, payload, QoS::AtLeastOnce, false)?;
        publish.properties.message_expiry_interval = Some(expiry);
        publisher
            .client
            .publish_message(publish)
            .await
            .context("publish with message expiry")?;
    }
    publisher.disconnect().await?;
    sleep(Duration::from_secs(3)).await;

    let (_client, mut events, _driver) = Peer::start(options(false)?)?;
    let connected = wait_connected(&mut events, CONNECT_TIME).await?;
    crate::conformance::outcome::ensure_or_limited!(
        ctx,
        connected.session_present,
        crate::conformance::limitations::Limitation::NoSessionsV5,
        "the session was not kept (CONNACK session present 0)"
    );
    let got = event_messages(&mut events, 1, ARRIVAL_TIME, "queued messages").await?;
    let late = event_messages(&mut events, 1, QUIET_TIME, "more")
        .await
        .unwrap_or_default();
    let all: Vec<_> = got.iter().chain(&late).collect();
    ensure!(
        all.len() == 1 && &all[0].payload()[..] == b"long",
        "after 3 s offline: expected only the message with expiry 6 s, got {}",
        all.iter()
            .map(|m| describe(m))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let remaining = all[0].properties().message_expiry_interval;
    ensure!(
        remaining.is_some_and(|seconds| seconds < 6),
        "the message arrived with Message Expiry {remaining:?}: expected less than 6 s left"
    );
    ctx.note(format!(
        "The kept message arrived with {} s of its 6 s left.",
        remaining.unwrap_or_default()
    ));
    Ok(())
}

/// Scenario `request-response`: Response Topic and Correlation Data: the responder sees
/// both and its reply reaches the requester.
pub async fn request_response(ctx: Ctx) -> Outcome {
    let requests = ctx.topic("requests");
    let responses = ctx.topic("responses");
    let correlation = Bytes::from_static(b"request-42");

    let responder = ctx.connect("resp").await?;
    let mut incoming = responder
        .client
        .subscribe(&requests, QoS::AtLeastOnce)
        .await
        .context("responder subscribes")?;
    let requester = ctx.connect("req").await?;
    let mut replies = requester
        .client
        .subscribe(&responses, QoS::AtLeastOnce)
        .await
        .context("requester subscribes")?;

    let mut request = message(&requests, "what time is it?", QoS::AtLeastOnce, false)?;
    request.properties.response_topic =
        Some(TopicName::try_from(responses.as_str()).context("topic")?);
    request.properties.correlation_data = Some(correlation.clone());
    requester
        .client
        .publish_message(request)
        .await
        .context("publish the request")?;

    let got = receive(&mut incoming, 1, ARRIVAL_TIME, "the request").await?;
    let PublishProperties {
        response_topic,
        correlation_data,
        ..
    } = got[0].properties().clone();
    ensure!(
        response_topic.as_ref().map(TopicName::as_str) == Some(responses.as_str())
            && correlation_data.as_ref() == Some(&correlation),
        "the responder saw response topic {response_topic:?} and correlation data \
         {correlation_data:?}"
    );
    let (Some(reply_to), Some(correlation_data)) = (response_topic, correlation_data) else {
        return Err(Problem::Fail("unreachable: checked above".into()));
    };
    let mut reply = message(reply_to.as_str(), "noon", QoS::AtLeastOnce, false)?;
    reply.properties.correlation_data = Some(correlation_data);
    responder
        .client
        .publish_message(reply)
        .await
        .context("publish the reply")?;
    let answer = receive(&mut replies, 1, ARRIVAL_TIME, "the reply").await?;
    ensure!(
        &answer[0].payload()[..] == b"noon"
            && answer[0].properties().correlation_data.as_ref() == Some(&correlation),
        "the reply arrived as {} with correlation data {:?}",
        describe(&answer[0]),
        answer[0].properties().correlation_data
    );
    ensure!(
        drain(&mut replies, QUIET_TIME).await.is_empty(),
        "more than one reply arrived"
    );
    responder.disconnect().await?;
    requester.disconnect().await
}
