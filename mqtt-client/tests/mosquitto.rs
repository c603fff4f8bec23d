//! Against a real broker: mosquitto, started by each test on free loopback ports (the tests
//! are ignored unless asked for; CI runs them, and a missing mosquitto is then a failure).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use mqtt_kit_client::{Client, Event, Options, ProtocolVersion, Published, QoS};
use mqtt_testkit::{Listener, Mosquitto};

mod support;
use support::within;

fn options(broker: &Mosquitto, version: ProtocolVersion, id: &str) -> Options {
    Options::builder()
        .uri(format!("mqtt://127.0.0.1:{}", broker.port(0)))
        .id(id)
        .version(version)
        .build()
        .unwrap()
}

/// Connect, subscribe, publish at each QoS, receive each message on the subscription stream,
/// unsubscribe, disconnect.
async fn basic_flow(version: ProtocolVersion) {
    let broker = Mosquitto::start(&[Listener::tcp()]);
    let (client, driver) = Client::new(options(&broker, version, "basic-flow"));
    let mut events = client.events();
    let driver = smol::spawn(driver.run());

    let mut subscription = within(client.subscribe("basic/#", QoS::ExactlyOnce))
        .await
        .unwrap();
    assert_eq!(
        subscription.results()[0].1,
        Ok(QoS::ExactlyOnce),
        "granted QoS 2"
    );
    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
        let topic = format!("basic/{}", qos.as_u8());
        let done = within(client.publish(&topic, format!("payload {}", qos.as_u8()), qos))
            .await
            .unwrap();
        match (qos, &done) {
            (QoS::AtMostOnce, Published::Written) => {}
            (QoS::AtLeastOnce, Published::PubAck(_)) => {}
            (QoS::ExactlyOnce, Published::PubComp(_)) => {}
            other => panic!("unexpected completion {other:?}"),
        }
        let message = within(subscription.next()).await.unwrap();
        assert_eq!(message.topic(), topic);
        assert_eq!(message.qos(), qos);
        assert_eq!(
            &message.payload()[..],
            format!("payload {}", qos.as_u8()).as_bytes()
        );
    }
    let unsuback = within(client.unsubscribe(&["basic/#"])).await.unwrap();
    let expected_codes = if version == ProtocolVersion::V5 { 1 } else { 0 };
    assert_eq!(unsuback.codes.len(), expected_codes);
    assert!(unsuback.codes.iter().all(|code| !code.is_error()));
    assert!(
        within(subscription.next()).await.is_none(),
        "the stream ends"
    );
    within(client.disconnect()).await.unwrap();
    within(driver).await.unwrap();
    let mut seen_connected = false;
    while let Some(event) = events.try_next() {
        if let Event::Connected(connected) = event {
            assert!(!connected.session_present);
            seen_connected = true;
        }
    }
    assert!(seen_connected);
}

#[test]
#[ignore = "needs mosquitto"]
fn basic_flow_v311() {
    smol::block_on(basic_flow(ProtocolVersion::V3_1_1));
}

#[test]
#[ignore = "needs mosquitto"]
fn basic_flow_v5() {
    smol::block_on(basic_flow(ProtocolVersion::V5));
}

#[test]
#[ignore = "needs mosquitto"]
fn v5_subscription_identifiers_route_overlapping_subscriptions() {
    smol::block_on(async {
        let broker = Mosquitto::start(&[Listener::tcp()]);
        let client = Client::spawn(options(&broker, ProtocolVersion::V5, "ids"));
        let mut all = within(client.subscribe("ids/#", QoS::AtLeastOnce))
            .await
            .unwrap();
        let mut one = within(client.subscribe("ids/one", QoS::AtLeastOnce))
            .await
            .unwrap();
        assert_ne!(all.identifier(), None);
        assert_ne!(all.identifier(), one.identifier());
        within(client.publish("ids/two", "2", QoS::AtLeastOnce))
            .await
            .unwrap();
        within(client.publish("ids/one", "1", QoS::AtLeastOnce))
            .await
            .unwrap();
        let first = within(all.next()).await.unwrap();
        assert_eq!(first.topic(), "ids/two");
        let second = within(all.next()).await.unwrap();
        assert_eq!(second.topic(), "ids/one");
        let only = within(one.next()).await.unwrap();
        assert_eq!(only.topic(), "ids/one");
        assert_eq!(
            only.properties().subscription_identifiers,
            vec![one.identifier().unwrap()],
            "mosquitto sends one PUBLISH per matching subscription, each with its identifier"
        );
        smol::Timer::after(Duration::from_millis(100)).await;
        assert!(one.try_next().is_none(), "ids/two never matched ids/one");
        within(client.disconnect()).await.unwrap();
    });
}

/// Asks mosquitto to stop (SIGTERM, so that it writes its persistence file as a broker being
/// restarted does) and waits until the process has exited.
fn terminate(broker: &Mosquitto) {
    let pid = broker.pid().expect("the broker runs");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let stat = format!("/proc/{pid}/stat");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        // Exited: gone, or a zombie ("Z") waiting to be reaped by restart().
        match std::fs::read_to_string(&stat) {
            Err(_) => return,
            Ok(text)
                if text
                    .rsplit(')')
                    .next()
                    .is_some_and(|s| s.trim_start().starts_with('Z')) =>
            {
                return;
            }
            Ok(_) => {}
        }
        assert!(
            std::time::Instant::now() < deadline,
            "mosquitto did not stop"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The broker stopped and restarted (with its persistence file) while numbered QoS 1 and
/// QoS 2 messages flow from one client to another: every publish completes, every QoS 1
/// message arrives at least once, every QoS 2 message exactly once.
async fn restart_while_messages_flow(version: ProtocolVersion) {
    use std::collections::HashMap;

    const EACH: u32 = 300;
    let store = mqtt_testkit::TempDir::new("mosquitto-persistence").unwrap();
    // mosquitto started as root runs as the user `mosquitto`: let it write there.
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(store.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    // mosquitto also holds at most `max_inflight_messages` unacknowledged QoS 1/2 messages
    // *from* a client: on 5.0 it says so (CONNACK Receive Maximum); on 3.1.1 nothing tells
    // the client, and mosquitto 2.0.11 drops what comes beyond it as "quota exceeded" while
    // its 3.1.1 PUBACK says nothing (its log: `Sending PUBACK to restart-pub (m243, rc151)`).
    // So the 3.1.1 clients are told the broker's limit, as a deployment would configure them.
    // `log_type all` puts every packet in the log a failure prints.
    let extra = format!(
        "persistence true\npersistence_location {}/\nmax_queued_messages 10000\nmax_inflight_messages 20\nlog_type all",
        store.path().display()
    );
    let mut broker = Mosquitto::start_with_config(&[Listener::tcp()], &extra);
    let uri = format!("mqtt://127.0.0.1:{}", broker.port(0));
    let resumable = |id: &str| {
        let mut builder = Options::builder()
            .uri(&uri)
            .id(id)
            .version(version)
            .clean(false)
            .max_in_flight(20)
            .backoff(mqtt_kit_client::Backoff::new(
                Duration::from_millis(20),
                Duration::from_millis(200),
            ));
        if version == ProtocolVersion::V5 {
            builder = builder.session_expiry_interval(600);
        }
        builder.build().unwrap()
    };
    let subscriber = Client::spawn(resumable("restart-sub"));
    let mut messages = within(subscriber.subscribe("restart/#", QoS::ExactlyOnce))
        .await
        .unwrap();
    let (publisher, mut publisher_events) = Client::spawn_with_events(resumable("restart-pub"));
    let publishing = smol::spawn({
        let publisher = publisher.clone();
        async move {
            let mut handles = Vec::new();
            for n in 0..EACH {
                for qos in [QoS::AtLeastOnce, QoS::ExactlyOnce] {
                    let topic =
                        mqtt_kit_client::TopicName::try_from(format!("restart/{}", qos.as_u8()))
                            .unwrap();
                    let message = mqtt_kit_client::Publish::new(topic, n.to_string(), qos);
                    handles.push(publisher.enqueue(message).await.unwrap());
                }
                smol::Timer::after(Duration::from_millis(2)).await;
            }
            for handle in handles {
                handle.await.unwrap();
            }
        }
    });

    // Let a third of them through, then stop and restart the broker.
    let mut counts: HashMap<(QoS, u32), u32> = HashMap::new();
    let mut record = |message: mqtt_kit_client::Message| {
        let n: u32 = std::str::from_utf8(message.payload())
            .unwrap()
            .parse()
            .unwrap();
        *counts.entry((message.qos(), n)).or_default() += 1;
    };
    for _ in 0..200 {
        record(within(messages.next()).await.unwrap());
    }
    terminate(&broker);
    broker.restart();

    within(publishing).await;
    let complete = |counts: &HashMap<(QoS, u32), u32>| {
        (0..EACH).all(|n| {
            counts.contains_key(&(QoS::AtLeastOnce, n))
                && counts.contains_key(&(QoS::ExactlyOnce, n))
        })
    };
    while !complete(&counts) {
        let next = futures_lite::future::or(async { Some(messages.next().await) }, async {
            smol::Timer::after(support::STEP).await;
            None
        });
        let Some(message) = next.await else {
            let missing: Vec<(u8, u32)> = (0..EACH)
                .flat_map(|n| [(QoS::AtLeastOnce, n), (QoS::ExactlyOnce, n)])
                .filter(|key| !counts.contains_key(key))
                .map(|(qos, n)| (qos.as_u8(), n))
                .collect();
            panic!(
                "messages (qos, n) never arrived: {missing:?}\nbroker log:\n{}",
                broker.log()
            );
        };
        let message = message.unwrap();
        let n: u32 = std::str::from_utf8(message.payload())
            .unwrap()
            .parse()
            .unwrap();
        *counts.entry((message.qos(), n)).or_default() += 1;
    }
    // Anything sent twice would have come by now.
    smol::Timer::after(Duration::from_millis(500)).await;
    while let Some(message) = messages.try_next() {
        let n: u32 = std::str::from_utf8(message.payload())
            .unwrap()
            .parse()
            .unwrap();
        *counts.entry((message.qos(), n)).or_default() += 1;
    }
    for n in 0..EACH {
        assert!(counts[&(QoS::AtLeastOnce, n)] >= 1);
        assert_eq!(counts[&(QoS::ExactlyOnce, n)], 1, "QoS 2 message {n}");
    }
    within(publisher.disconnect()).await.unwrap();
    within(subscriber.disconnect()).await.unwrap();
    let mut resumed = false;
    while let Some(event) = publisher_events.next().await {
        if let Event::Connected(connected) = event {
            resumed |= connected.session_present;
        }
    }
    assert!(
        resumed,
        "the restarted broker resumed the publisher's session"
    );
}

#[test]
#[ignore = "needs mosquitto"]
fn broker_restarted_while_messages_flow_v311() {
    smol::block_on(restart_while_messages_flow(ProtocolVersion::V3_1_1));
}

#[test]
#[ignore = "needs mosquitto"]
fn broker_restarted_while_messages_flow_v5() {
    smol::block_on(restart_while_messages_flow(ProtocolVersion::V5));
}
