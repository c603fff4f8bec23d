//! Scenarios about sizes and numbers: `large-payload` and `many-clients`.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use mqtt_kit_client::QoS;

use crate::conformance::brokers::Endpoint;
use crate::conformance::client::{Peer, options_for, receive, spawn, within};
use crate::conformance::ctx::Ctx;
use crate::conformance::limitations::Limitation;
use crate::conformance::matrix::Transport;
use crate::conformance::outcome::{Context as _, Outcome, Problem, ensure, fail};

/// The remaining lengths where the variable-length integer of the fixed header grows
/// (127/128, 16 383/16 384, 2 097 151/2 097 152).
const BOUNDARIES: [usize; 6] = [127, 128, 16_383, 16_384, 2_097_151, 2_097_152];

/// A payload of `size` bytes that differs from its neighbours in size and at every offset.
fn pattern(size: usize) -> Vec<u8> {
    (0..size)
        .map(|i| (i.wrapping_mul(31) ^ size.wrapping_mul(7)) as u8)
        .collect()
}

/// Scenario `large-payload`: payloads of 0 B, 1 B, 1 MiB, 10 MiB, and sizes that put the
/// remaining length on each side of the variable-length boundaries: every byte arrives
/// intact.
pub async fn large_payload(ctx: Ctx) -> Outcome {
    let topic = ctx.topic("large");
    // The packet the subscriber gets: QoS 1, no properties (the client is told not to ask
    // for subscription identifiers); remaining length = topic + packet id (+ property
    // length in 5.0) + payload.
    let overhead = 2 + topic.len() + 2 + usize::from(ctx.version.is_v5());
    let mut sizes = vec![0, 1, 1 << 20, 10 << 20];
    sizes.extend(BOUNDARIES.iter().map(|b| b - overhead));

    // Each direction on its own: the case's transport to the broker (the other side over
    // plain TCP), then from the broker.
    let plain = &ctx.plain;
    let directions = [
        ("to the broker", &ctx.endpoint, plain),
        ("from the broker", plain, &ctx.endpoint),
    ];
    for (direction, publishing, subscribing) in directions {
        let slow = direction == "from the broker"
            && matches!(ctx.transport, Transport::Ws | Transport::Wss)
            && Limitation::SlowWebSocketSends
                .applies_to(&ctx.broker)
                .is_some();
        // Through a broker that sends slowly over WebSocket: the sizes it can deliver in
        // time, and one of 128 KiB to measure its rate.
        let sizes: Vec<usize> = if slow {
            sizes
                .iter()
                .copied()
                .filter(|&size| size <= 16_384)
                .chain([128 << 10])
                .collect()
        } else {
            sizes.clone()
        };
        let started = Instant::now();
        send_and_check(&ctx, &topic, direction, publishing, subscribing, &sizes).await?;
        if slow {
            let rate = (128 << 10) as f64 / started.elapsed().as_secs_f64() / 1000.0;
            if rate < 1000.0 {
                let reason = ctx.limitation(Limitation::SlowWebSocketSends).err();
                let detail = format!(
                    " Measured here: about {rate:.0} kB/s. Every size went to the broker \
                     over {} intact, and the sizes up to 16 384 B came back from it intact.",
                    ctx.transport
                );
                return Err(match reason {
                    Some(Problem::NotApplicable(text)) => Problem::NotApplicable(text + &detail),
                    other => other.unwrap_or(Problem::Fail(detail)),
                });
            }
        }
    }
    Ok(())
}

/// Publishes `sizes` from a client of `publishing` to one of `subscribing` and checks what
/// arrives.
async fn send_and_check(
    ctx: &Ctx,
    topic: &str,
    direction: &str,
    publishing: &Endpoint,
    subscribing: &Endpoint,
    sizes: &[usize],
) -> Result<(), Problem> {
    let subscriber =
        Peer::connect(options_for(ctx, subscribing, "sub")?.subscription_identifiers(false))
            .await?;
    let mut subscription = subscriber
        .client
        .subscribe(topic, QoS::AtLeastOnce)
        .await
        .context("subscribe")?;
    let publisher = Peer::connect(options_for(ctx, publishing, "pub")?).await?;
    for &size in sizes {
        within(
            Duration::from_secs(20),
            publisher
                .client
                .publish(topic, pattern(size), QoS::AtLeastOnce),
        )
        .await
        .context(&format!(
            "publish {size} B {direction}: not acknowledged within 20 s"
        ))?
        .context(&format!("publish {size} B {direction}"))?;
    }
    let what = format!("payloads {direction} over {}", ctx.transport);
    let got = receive(
        &mut subscription,
        sizes.len(),
        Duration::from_secs(20),
        &what,
    )
    .await?;
    for (message, &size) in got.iter().zip(sizes) {
        let payload = message.payload();
        if payload.len() != size {
            fail!(
                "{direction}: a {size} B payload arrived as {} B (in order: {:?})",
                payload.len(),
                got.iter().map(|m| m.payload().len()).collect::<Vec<_>>()
            );
        }
        ensure!(
            payload[..] == pattern(size)[..],
            "{direction}: the {size} B payload arrived with other bytes"
        );
    }
    publisher.disconnect().await?;
    subscriber.disconnect().await
}

/// How many clients `many-clients` runs.
const CLIENTS: usize = 200;

/// Scenario `many-clients`: 200 clients on one thread each subscribe and publish: every
/// message arrives at every subscriber.
pub async fn many_clients(ctx: Ctx) -> Outcome {
    let topic = ctx.topic("many");
    // Every client connects and subscribes at once, all on this thread's executor.
    let mut joining = Vec::with_capacity(CLIENTS);
    for _ in 0..CLIENTS {
        let options = ctx.options("many")?;
        let topic = topic.clone();
        joining.push(spawn(async move {
            let peer = Peer::connect(options).await?;
            let subscription = peer
                .client
                .subscribe(&topic, QoS::AtLeastOnce)
                .await
                .context("subscribe")?;
            Ok::<_, Problem>((peer, subscription))
        })?);
    }
    let mut clients = Vec::with_capacity(CLIENTS);
    for task in joining {
        clients.push(task.await?);
    }
    // Every client publishes one message.
    let mut publishing = Vec::with_capacity(CLIENTS);
    for (n, (peer, _)) in clients.iter().enumerate() {
        let client = peer.client.clone();
        let topic = topic.clone();
        publishing.push(spawn(async move {
            client
                .publish(&topic, format!("from {n}"), QoS::AtLeastOnce)
                .await
                .map(|_| ())
                .context(&format!("publish from client {n}"))
        })?);
    }
    for task in publishing {
        task.await?;
    }
    // Every subscriber gets every message.
    let expected: BTreeSet<String> = (0..CLIENTS).map(|n| format!("from {n}")).collect();
    let (peers, subscriptions): (Vec<Peer>, Vec<_>) = clients.into_iter().unzip();
    let mut receiving = Vec::with_capacity(CLIENTS);
    for (n, mut subscription) in subscriptions.into_iter().enumerate() {
        receiving.push(spawn(async move {
            let what = format!("at subscriber {n}");
            let got = receive(&mut subscription, CLIENTS, Duration::from_secs(30), &what).await?;
            Ok::<_, Problem>(
                got.iter()
                    .map(|m| String::from_utf8_lossy(m.payload()).into_owned())
                    .collect::<BTreeSet<String>>(),
            )
        })?);
    }
    for (n, task) in receiving.into_iter().enumerate() {
        let got = task.await?;
        ensure!(
            got == expected,
            "subscriber {n} got {} distinct messages of {CLIENTS}",
            got.len()
        );
    }
    for peer in peers {
        peer.disconnect().await?;
    }
    Ok(())
}
