//! Scenarios about wills: sent when a client is cut off (`will`) or goes silent
//! (`keepalive`), not sent after DISCONNECT (`will-not-sent`), delayed in 5.0
//! (`will-delay`).

use std::time::{Duration, Instant};

use mqtt_kit_client::{Event, QoS, Subscription, TopicName, Will, WillProperties};

use crate::conformance::client::{Peer, describe, drain, receive};
use crate::conformance::ctx::Ctx;
use crate::conformance::outcome::{Context as _, Outcome, Problem, ensure, fail};
use crate::conformance::proxy::Direction;

/// The will's payload.
const LAST_WORDS: &str = "will of the conformance client";
/// The v5 will's user property.
const WILL_PROPERTY: (&str, &str) = ("origin", "conformance");
/// The v5 will's content type.
const WILL_CONTENT_TYPE: &str = "text/plain";

/// A will on `topic` (v5: with a content type and a user property, so that the scenario can
/// check that its properties arrive).
fn last_will(ctx: &Ctx, topic: &str) -> Result<Will, Problem> {
    let topic = TopicName::try_from(topic).context("will topic")?;
    let mut will = Will::new(topic, LAST_WORDS, QoS::AtLeastOnce);
    if ctx.version.is_v5() {
        will.properties = WillProperties {
            content_type: Some(WILL_CONTENT_TYPE.into()),
            user_properties: vec![(WILL_PROPERTY.0.into(), WILL_PROPERTY.1.into())],
            ..WillProperties::default()
        };
    }
    Ok(will)
}

/// A client subscribed to `topic` at QoS 1, waiting for the will.
async fn watcher(ctx: &Ctx, topic: &str) -> Result<(Peer, Subscription), Problem> {
    let peer = ctx.connect("watch").await?;
    let subscription = peer
        .client
        .subscribe(topic, QoS::AtLeastOnce)
        .await
        .context("subscribe to the will topic")?;
    Ok((peer, subscription))
}

/// Checks the will that arrived on `subscription` within `limit`.
async fn expect_will(
    ctx: &Ctx,
    subscription: &mut Subscription,
    limit: Duration,
) -> Result<(), Problem> {
    let messages = receive(subscription, 1, limit, "the will").await?;
    let got = &messages[0];
    ensure!(
        &got.payload()[..] == LAST_WORDS.as_bytes(),
        "a message arrived on the will topic, not the will: {}",
        describe(got)
    );
    if ctx.version.is_v5() {
        let properties = got.properties();
        ensure!(
            properties.content_type.as_deref() == Some(WILL_CONTENT_TYPE),
            "the will's content type did not arrive (got {:?})",
            properties.content_type
        );
        let wanted = (WILL_PROPERTY.0.into(), WILL_PROPERTY.1.into());
        ensure!(
            properties.user_properties.contains(&wanted),
            "the will's user property did not arrive (got {:?})",
            properties.user_properties
        );
    }
    Ok(())
}

/// Scenario `will`: a client with a will is cut off without DISCONNECT; a second client
/// subscribed to the will topic receives the will (v5: with its properties).
pub async fn will(ctx: Ctx) -> Outcome {
    let topic = ctx.topic("TopicA");
    let (watcher, mut subscription) = watcher(&ctx, &topic).await?;
    let mut doomed = Peer::connect(ctx.options("will")?.will(last_will(&ctx, &topic)?)).await?;
    // The driver is dropped: the socket closes with no DISCONNECT, as when a process dies.
    doomed.kill();
    expect_will(&ctx, &mut subscription, Duration::from_secs(5)).await?;
    watcher.disconnect().await
}

/// Scenario `will-not-sent`: the same client ends with a normal DISCONNECT; no will arrives.
pub async fn will_not_sent(ctx: Ctx) -> Outcome {
    let topic = ctx.topic("TopicA");
    let (watcher, mut subscription) = watcher(&ctx, &topic).await?;
    let polite = Peer::connect(ctx.options("will")?.will(last_will(&ctx, &topic)?)).await?;
    polite.disconnect().await?;
    let arrived = drain(&mut subscription, Duration::from_secs(2)).await;
    ensure!(
        arrived.is_empty(),
        "the will was sent after a normal DISCONNECT: {}",
        arrived.iter().map(describe).collect::<Vec<_>>().join(", ")
    );
    watcher.disconnect().await
}

/// Scenario `keepalive`: a client with keep alive 5 s and a will stops sending anything,
/// its socket held open: the broker drops it and the will arrives within 15 s. A client
/// that stays active with keep alive 5 s is not dropped over 20 s.
pub async fn keepalive(ctx: Ctx) -> Outcome {
    let topic = ctx.topic("TopicA");
    let (watcher, mut subscription) = watcher(&ctx, &topic).await?;

    let silent_proxy = ctx.proxy()?;
    let silent = Peer::connect(
        ctx.options_via(&silent_proxy, "mute")?
            .keep_alive(5)
            .will(last_will(&ctx, &topic)?),
    )
    .await?;
    let active_proxy = ctx.proxy()?;
    let mut active = Peer::connect(ctx.options_via(&active_proxy, "live")?.keep_alive(5)).await?;

    // From now on nothing the silent client sends reaches the broker, and its socket stays
    // open on the broker's side even when the client gives up.
    let went_silent = Instant::now();
    silent_proxy.hold(Direction::ToBroker, true);

    let (will_outcome, active_outcome) = futures_lite::future::zip(
        async {
            expect_will(&ctx, &mut subscription, Duration::from_secs(15)).await?;
            let after = went_silent.elapsed();
            // 1.5 times the keep alive is 7.5 s [MQTT-3.1.2-24]; a will long before that
            // would mean the connection was closed, not timed out.
            ensure!(
                after >= Duration::from_secs(5),
                "the will came after {:.1} s: too early for a keep-alive time-out of a 5 s \
                 keep alive",
                after.as_secs_f64()
            );
            Ok(after)
        },
        async {
            let dropped = active
                .event(Duration::from_secs(20), |event| match event {
                    Event::Disconnected(reason) => Some(format!("{reason:?}")),
                    Event::Closed => Some("closed".into()),
                    _ => None,
                })
                .await;
            if let Some(reason) = dropped {
                fail!("the active client with keep alive 5 s was dropped: {reason}");
            }
            Ok(())
        },
    )
    .await;
    let after = will_outcome?;
    active_outcome?;
    let pings = active_proxy
        .tapped()
        .iter()
        .filter(|t| matches!(t.packet, Ok(mqtt_kit_codec::Packet::PingReq)))
        .count();
    ensure!(
        pings >= 3,
        "the active client sent {pings} PINGREQ in 20 s with keep alive 5 s"
    );
    ctx.note(format!(
        "The silent client's will came {:.1} s after it went silent; the active client sent \
         {pings} PINGREQ in 20 s.",
        after.as_secs_f64()
    ));
    drop(silent);
    active.disconnect().await?;
    watcher.disconnect().await
}

/// Scenario `will-delay` (5.0): Will Delay 3 s with Session Expiry 5 s: the will arrives
/// after about 3 s, not at once.
pub async fn will_delay(ctx: Ctx) -> Outcome {
    let topic = ctx.topic("TopicA");
    let (watcher, mut subscription) = watcher(&ctx, &topic).await?;
    let mut delayed_will = last_will(&ctx, &topic)?;
    delayed_will.properties.will_delay_interval = Some(3);
    let mut doomed = Peer::connect(
        ctx.options("will")?
            .session_expiry_interval(5)
            .will(delayed_will),
    )
    .await?;
    doomed.kill();
    let cut = Instant::now();
    let early = drain(&mut subscription, Duration::from_secs(2)).await;
    ensure!(
        early.is_empty(),
        "the will arrived at once (within 2 s) despite Will Delay 3 s"
    );
    expect_will(&ctx, &mut subscription, Duration::from_secs(5)).await?;
    let after = cut.elapsed();
    ensure!(
        after >= Duration::from_millis(2500) && after <= Duration::from_secs(5),
        "the will came after {:.1} s, not about 3 s",
        after.as_secs_f64()
    );
    ctx.note(format!(
        "The delayed will came {:.1} s after the cut.",
        after.as_secs_f64()
    ));
    watcher.disconnect().await
}
