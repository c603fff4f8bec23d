//! A broker that stops reading pushes back on the publisher: what waits to be written stays
//! bounded (the driver stops taking publishes above its high-water mark) instead of growing
//! with every QoS 0 message accepted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use async_net::TcpListener;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use mqtt_kit_client::{Client, Event, Options, Publish, QoS, TopicName};

#[macro_use]
mod support;
use support::within;

/// The messages offered: 64 MiB in all, far more than the socket buffers of both ends and the
/// client's own limits can hold.
const OFFERED: usize = 1024;
const PAYLOAD: usize = 64 * 1024;

#[test]
fn a_broker_that_stops_reading_stops_the_publisher() {
    smol::block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let options = Options::builder()
            .uri(format!("mqtt://127.0.0.1:{port}"))
            .id("stalled")
            .build()
            .unwrap();
        let (client, driver) = Client::new(options);
        let mut events = client.events();
        let driver = smol::spawn(driver.run());

        // The broker: reads the CONNECT, accepts it, then never reads again.
        let (mut socket, _) = within(listener.accept()).await.unwrap();
        let mut connect = [0u8; 2];
        within(socket.read_exact(&mut connect)).await.unwrap();
        let mut rest = vec![0u8; usize::from(connect[1])];
        within(socket.read_exact(&mut rest)).await.unwrap();
        within(socket.write_all(&[0x20, 0x02, 0x00, 0x00]))
            .await
            .unwrap();
        // Connected first: before that, publishes wait in the offline queue (bounded by its
        // capacity in messages), which is not what this test is about.
        while !matches!(within(events.next()).await, Some(Event::Connected(_))) {}

        let topic = TopicName::try_from("stalled/big").unwrap();
        let payload = bytes::Bytes::from(vec![0x55; PAYLOAD]);
        let mut accepted = 0;
        let offering = async {
            for _ in 0..OFFERED {
                let publish = Publish::new(topic.clone(), payload.clone(), QoS::AtMostOnce);
                // Dropping the handle: the message still goes, only its answer is not heard.
                drop(client.enqueue(publish).await.unwrap());
                accepted += 1;
            }
        };
        // Not a speed limit: the publisher gets ample time, and is expected to be stopped.
        let stalled = futures_lite::future::or(
            async {
                offering.await;
                false
            },
            async {
                async_io::Timer::after(Duration::from_secs(3)).await;
                true
            },
        )
        .await;
        assert!(
            stalled,
            "all {OFFERED} messages of {PAYLOAD} B were taken by a stalled broker"
        );
        assert!(accepted > 0, "the first messages are taken");
        // Some were accepted (the channel, the high-water mark, the socket buffers), but
        // far from all.
        assert!(accepted < OFFERED / 2, "{accepted} of {OFFERED} taken");
        println!("{accepted} of {OFFERED} messages of {PAYLOAD} B taken");
        // Dropping the task ends the driver (it would reconnect otherwise).
        drop(driver);
    });
}
