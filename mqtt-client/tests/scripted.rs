//! The client against a scripted broker that expects exact bytes and answers by script (in
//! the style of mosquitto's client tests), every scenario run twice: with whole reads and
//! writes, and with one byte per read and per write all through.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use mqtt_kit_client::{
    BrokerAddress, Client, ClientError, DisconnectOptions, DisconnectReason, Event, OptionsBuilder,
    ProtocolVersion, Published, QoS,
};
use mqtt_kit_codec::{
    ConnAck, ConnectReasonCode, Disconnect, DisconnectReasonCode, Packet, PubAck, PubAckReasonCode,
    PubComp, PubRec, PubRel, Publish, SubAck, Subscribe, SubscribeReasonCode, SubscriptionId,
    SubscriptionOptions, UnsubAck, Unsubscribe,
};

#[macro_use]
mod support;
use support::scripted::{Mode, ScriptedBroker, TestConnector, test_options, wait_for};
use support::setup::*;
use support::within;

use ProtocolVersion::{V3_1_1, V5};

// ----- connecting -----

scripted!(
    /// MQTT 3.1.1 CONNECT, byte for byte; CONNACK; DISCONNECT.
    connect_v311,
    |mode| async move {
        let mut setup = start(V3_1_1, mode, |o| o).await;
        let mut peer = setup.broker.accept().await;
        peer.expect_bytes(&[
            0x10, 0x14, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x08,
            b's', b'c', b'r', b'i', b'p', b't', b'e', b'd',
        ])
        .await;
        peer.send_bytes(&[0x20, 0x02, 0x00, 0x00]).await;
        // The stream made before the driver started: one made now could miss the event.
        let connected = wait_for(&mut setup.events, |event| match event {
            Event::Connected(connected) => Some(connected.clone()),
            _ => None,
        })
        .await;
        assert!(!connected.session_present);
        disconnect(setup, peer).await;
    }
);

scripted!(
    /// MQTT 5.0 CONNECT with its properties; a CONNACK with a server keep alive and an
    /// assigned client identifier; DISCONNECT is two bytes.
    connect_v5,
    |mode| async move {
        let mut setup = start(V5, mode, |o| o.session_expiry_interval(30)).await;
        let mut peer = setup.broker.accept().await;
        let mut connect = connect_packet(V5, true);
        connect.properties.session_expiry_interval = Some(30);
        peer.expect(connect).await;
        let mut connack = connack(false);
        connack.properties.server_keep_alive = Some(20);
        connack.properties.assigned_client_identifier = Some("given".into());
        peer.send(connack).await;
        let connected = wait_for(&mut setup.events, |event| match event {
            Event::Connected(connected) => Some(connected.clone()),
            _ => None,
        })
        .await;
        assert_eq!(connected.keep_alive, 20, "the server's keep alive rules");
        assert_eq!(connected.assigned_client_id.as_deref(), Some("given"));
        let client = setup.client.clone();
        let done = smol::spawn(async move { client.disconnect().await });
        peer.expect_bytes(&[0xe0, 0x00]).await;
        peer.expect_closed().await;
        within(done).await.unwrap();
        within(setup.driver).await.unwrap();
    }
);

scripted!(
    /// A refusal that retrying cannot fix ends the driver, without another attempt.
    connect_refused_for_good,
    |mode| async move {
        for version in [V3_1_1, V5] {
            let setup = start(version, mode, |o| o).await;
            let mut peer = setup.broker.accept().await;
            peer.expect(connect_packet(version, true)).await;
            peer.send(ConnAck::new(ConnectReasonCode::BadUserNameOrPassword))
                .await;
            match within(setup.driver).await {
                Err(ClientError::ConnectionRefused(connack)) => {
                    assert_eq!(connack.code, ConnectReasonCode::BadUserNameOrPassword);
                }
                other => panic!("expected the refusal, got {other:?}"),
            }
            assert_eq!(setup.connector.attempts().len(), 1);
            assert!(setup.client.is_closed());
            let publish = setup.client.publish("t", "x", QoS::AtMostOnce).await;
            assert!(matches!(publish, Err(ClientError::Closed)));
        }
    }
);

scripted!(
    /// A refusal that may pass (Server busy) is retried.
    connect_refused_for_now,
    |mode| async move {
        let setup = start(V5, mode, |o| o).await;
        let mut peer = setup.broker.accept().await;
        peer.expect(connect_packet(V5, true)).await;
        peer.send(ConnAck::new(ConnectReasonCode::ServerBusy)).await;
        drop(peer);
        // MQTT 5.0: later connections ask to resume the session (Clean Start 0).
        let peer = accept(&setup, false, false).await;
        assert_eq!(setup.sleeper.delays().len(), 1);
        disconnect(setup, peer).await;
    }
);

// ----- subscribing -----

scripted!(
    /// SUBSCRIBE byte for byte (MQTT 5.0: with a Subscription Identifier of the client's);
    /// SUBACK; matching messages on the subscription stream, others as events; UNSUBSCRIBE.
    subscribe_and_unsubscribe,
    |mode| async move {
        for version in [V3_1_1, V5] {
            let mut setup = start(version, mode, |o| o).await;
            let mut peer = accept(&setup, true, false).await;
            let client = setup.client.clone();
            let subscribing =
                smol::spawn(async move { client.subscribe("a/+", QoS::AtLeastOnce).await });
            let mut subscribe = Subscribe::new(
                id(1),
                vec![(filter("a/+"), SubscriptionOptions::new(QoS::AtLeastOnce))],
            );
            if version == V5 {
                subscribe.properties.subscription_identifier = SubscriptionId::new(1);
            }
            peer.expect(subscribe).await;
            peer.send(SubAck::new(id(1), vec![SubscribeReasonCode::GrantedQoS1]))
                .await;
            let mut subscription = within(subscribing).await.unwrap();
            assert_eq!(subscription.results(), vec![(filter("a/+"), Ok(QoS::AtLeastOnce))]);

            let mut incoming = publish("a/b", "one", QoS::AtLeastOnce, Some(7));
            if version == V5 {
                incoming.properties.subscription_identifiers = vec![SubscriptionId::new(1).unwrap()];
            }
            peer.send(incoming).await;
            peer.expect(PubAck::new(id(7))).await;
            let message = within(subscription.next()).await.unwrap();
            assert_eq!((message.topic(), &message.payload()[..]), ("a/b", &b"one"[..]));

            peer.send(publish("elsewhere", "two", QoS::AtMostOnce, None))
                .await;
            let other = wait_for(&mut setup.events, |event| match event {
                Event::Message(message) => Some(message.clone()),
                _ => None,
            })
            .await;
            assert_eq!(other.topic(), "elsewhere");
            assert!(subscription.try_next().is_none());

            let client = setup.client.clone();
            let unsubscribing = smol::spawn(async move { client.unsubscribe(&["a/+"]).await });
            peer.expect(Unsubscribe::new(id(2), vec![filter("a/+")])).await;
            let codes = if version == V5 {
                vec![mqtt_kit_codec::UnsubAckReasonCode::Success]
            } else {
                vec![]
            };
            peer.send(UnsubAck::new(id(2), codes)).await;
            within(unsubscribing).await.unwrap();
            assert!(within(subscription.next()).await.is_none(), "the stream ends");
            disconnect(setup, peer).await;
        }
    }
);

/// Sends messages of `sizes` back to back, in one write from the broker: each must arrive
/// whole and in order, whatever sizes the reads come in.
async fn messages_arrive_whole(mode: Mode, sizes: &[usize]) {
    let mut setup = start(V3_1_1, mode, |o| o).await;
    let mut peer = accept(&setup, true, false).await;
    let mut bytes = bytes::BytesMut::new();
    for (n, &size) in sizes.iter().enumerate() {
        let payload: Vec<u8> = (0..size).map(|i| (i * 7 + n) as u8).collect();
        Packet::Publish(Publish::new(topic("big"), payload, QoS::AtMostOnce))
            .encode(V3_1_1, None, &mut bytes)
            .unwrap();
    }
    peer.send_bytes(&bytes).await;
    for (n, &size) in sizes.iter().enumerate() {
        let message = wait_for(&mut setup.events, |event| match event {
            Event::Message(message) => Some(message.clone()),
            _ => None,
        })
        .await;
        let expected: Vec<u8> = (0..size).map(|i| (i * 7 + n) as u8).collect();
        assert_eq!(message.payload().len(), size, "message {n}");
        assert!(message.payload()[..] == expected[..], "message {n} intact");
    }
    disconnect(setup, peer).await;
}

scripted!(
    /// Large messages back to back with a small one between them.
    large_incoming_publishes_arrive_whole,
    |mode| async move { messages_arrive_whole(mode, &[200 * 1024, 10, 70 * 1024]).await }
);

/// A message larger than the room the client makes for a large packet at a time (1 MiB)
/// arrives whole: room is added step by step as its bytes come. Whole reads only (a byte at
/// a time would take minutes).
#[test]
fn a_message_of_several_mebibytes_arrives_whole() {
    smol::block_on(messages_arrive_whole(
        Mode::Whole,
        &[5 * 1024 * 1024 / 2, 10],
    ));
}

scripted!(
    /// A SUBSCRIBE made before the connection is sent once connected; one cut off by a lost
    /// connection is sent again on the next.
    subscribe_offline_and_across_a_cut,
    |mode| async move {
        let setup = start(V3_1_1, mode, |o| o).await;
        let client = setup.client.clone();
        let subscribing = smol::spawn(async move { client.subscribe("x/#", QoS::AtMostOnce).await });
        let filters = vec![(filter("x/#"), SubscriptionOptions::new(QoS::AtMostOnce))];
        let mut peer = accept(&setup, true, false).await;
        peer.expect(Subscribe::new(id(1), filters.clone())).await;
        drop(peer);
        let mut peer = accept(&setup, true, false).await;
        peer.expect(Subscribe::new(id(2), filters)).await;
        peer.send(SubAck::new(id(2), vec![SubscribeReasonCode::GrantedQoS0]))
            .await;
        within(subscribing).await.unwrap();
        disconnect(setup, peer).await;
    }
);

scripted!(
    /// A SUBACK refusing every filter is an error with the reason codes.
    subscribe_refused,
    |mode| async move {
        let setup = start(V5, mode, |o| o.subscription_identifiers(false)).await;
        let mut peer = accept(&setup, true, false).await;
        let client = setup.client.clone();
        let subscribing = smol::spawn(async move { client.subscribe("secret", QoS::AtMostOnce).await });
        let _ = peer.next_packet().await;
        peer.send(SubAck::new(id(1), vec![SubscribeReasonCode::NotAuthorized]))
            .await;
        match within(subscribing).await {
            Err(ClientError::SubscribeRefused(suback)) => {
                assert_eq!(suback.codes, vec![SubscribeReasonCode::NotAuthorized]);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        disconnect(setup, peer).await;
    }
);

// ----- publishing -----

scripted!(
    /// QoS 0 is done when written, QoS 1 at PUBACK, QoS 2 at PUBCOMP; the MQTT 5.0 reason
    /// code comes through, and an error code fails the publish.
    publish_each_qos,
    |mode| async move {
        for version in [V3_1_1, V5] {
            let setup = start(version, mode, |o| o).await;
            let mut peer = accept(&setup, true, false).await;

            let qos0 = spawn_publish(&setup.client, "p/0", "zero", QoS::AtMostOnce);
            peer.expect(publish("p/0", "zero", QoS::AtMostOnce, None)).await;
            assert_eq!(within(qos0).await.unwrap(), Published::Written);

            let qos1 = spawn_publish(&setup.client, "p/1", "one", QoS::AtLeastOnce);
            peer.expect(publish("p/1", "one", QoS::AtLeastOnce, Some(1)))
                .await;
            let mut puback = PubAck::new(id(1));
            if version == V5 {
                puback.code = PubAckReasonCode::NoMatchingSubscribers;
            }
            peer.send(puback).await;
            let done = within(qos1).await.unwrap();
            assert!(matches!(done, Published::PubAck(_)));
            assert_eq!(done.reason_code(), if version == V5 { 0x10 } else { 0 });

            let qos2 = spawn_publish(&setup.client, "p/2", "two", QoS::ExactlyOnce);
            peer.expect(publish("p/2", "two", QoS::ExactlyOnce, Some(2)))
                .await;
            peer.send(PubRec::new(id(2))).await;
            peer.expect(PubRel::new(id(2))).await;
            peer.send(PubComp::new(id(2))).await;
            assert!(matches!(within(qos2).await.unwrap(), Published::PubComp(_)));

            if version == V5 {
                let refused = spawn_publish(&setup.client, "p/no", "x", QoS::AtLeastOnce);
                peer.expect(publish("p/no", "x", QoS::AtLeastOnce, Some(3)))
                    .await;
                let mut puback = PubAck::new(id(3));
                puback.code = PubAckReasonCode::NotAuthorized;
                peer.send(puback).await;
                assert!(matches!(within(refused).await, Err(ClientError::Publish(_))));
            }
            disconnect(setup, peer).await;
        }
    }
);

scripted!(
    /// Publishes made while disconnected wait in the queue and go out once connected.
    publish_while_offline,
    |mode| async move {
        let setup = start(V3_1_1, mode, |o| o).await;
        let qos1 = within(setup.client.enqueue(publish("q", "queued", QoS::AtLeastOnce, None)))
            .await
            .unwrap();
        let qos0 = within(setup.client.enqueue(publish("q", "queued0", QoS::AtMostOnce, None)))
            .await
            .unwrap();
        let mut peer = accept(&setup, true, false).await;
        peer.expect(publish("q", "queued", QoS::AtLeastOnce, Some(1)))
            .await;
        peer.expect(publish("q", "queued0", QoS::AtMostOnce, None)).await;
        peer.send(PubAck::new(id(1))).await;
        within(qos1).await.unwrap();
        within(qos0).await.unwrap();
        disconnect(setup, peer).await;
    }
);

// ----- cuts: messages in flight sent again -----

scripted!(
    /// QoS 1, cut after PUBLISH: PUBLISH again with DUP on the resumed session.
    qos1_cut_after_publish,
    |mode| async move {
        let setup = start(V3_1_1, mode, |o| o.clean(false)).await;
        let mut peer = accept(&setup, false, false).await;
        let qos1 = spawn_publish(&setup.client, "r", "again", QoS::AtLeastOnce);
        let sent = publish("r", "again", QoS::AtLeastOnce, Some(1));
        peer.expect(sent.clone()).await;
        drop(peer);
        let mut peer = accept(&setup, false, true).await;
        peer.expect(dup(sent)).await;
        peer.send(PubAck::new(id(1))).await;
        assert!(matches!(within(qos1).await.unwrap(), Published::PubAck(_)));
        disconnect(setup, peer).await;
    }
);

scripted!(
    /// A process that dies with a QoS 1 and a QoS 2 message in flight: a new client on the
    /// same journal sends both again with DUP (the QoS 2 one at its PUBREL stage), and the
    /// journal holds nothing once they are acknowledged.
    messages_in_flight_survive_a_restart_with_a_journal,
    |mode| async move {
        let dir = mqtt_testkit::TempDir::new("client-store").unwrap();
        let path = dir.path().join("session");
        let with_store = |o: OptionsBuilder| {
            o.clean(false)
                .journal(mqtt_kit_client::Journal::open(&path, false).unwrap())
        };

        let first = start(V3_1_1, mode, with_store).await;
        let mut peer = accept(&first, false, false).await;
        let _qos1 = spawn_publish(&first.client, "r", "kept", QoS::AtLeastOnce);
        let sent1 = publish("r", "kept", QoS::AtLeastOnce, Some(1));
        peer.expect(sent1.clone()).await;
        let _qos2 = spawn_publish(&first.client, "r", "once", QoS::ExactlyOnce);
        peer.expect(publish("r", "once", QoS::ExactlyOnce, Some(2))).await;
        peer.send(PubRec::new(id(2))).await;
        peer.expect(PubRel::new(id(2))).await;
        // The process dies: no DISCONNECT, nothing more written.
        let Setup { client, driver, .. } = first;
        drop(driver);
        drop(client);
        drop(peer);

        let second = start(V3_1_1, mode, with_store).await;
        let mut peer = accept(&second, false, true).await;
        peer.expect(dup(sent1)).await;
        peer.expect(PubRel::new(id(2))).await;
        peer.send(PubAck::new(id(1))).await;
        peer.send(PubComp::new(id(2))).await;
        // Waiting for what is in flight: the DISCONNECT comes after both acknowledgements.
        let Setup { client, driver, .. } = second;
        let waiting = DisconnectOptions::new().wait_for_in_flight(true);
        let done = smol::spawn(async move { client.disconnect_with(waiting).await });
        peer.expect(Disconnect::new(DisconnectReasonCode::NormalDisconnection))
            .await;
        peer.expect_closed().await;
        within(done).await.unwrap();
        within(driver).await.unwrap();

        let stored = mqtt_kit_client::Journal::load(&path).unwrap().state;
        assert!(stored.outgoing.is_empty(), "{:?}", stored.outgoing);
    }
);

scripted!(
    /// "Accepted" means on the disk: a message `enqueue` accepted while no broker is there
    /// is in the journal when it returns, and a client started again on the journal after
    /// the process died sends it.
    accepted_offline_messages_survive_a_crash,
    |mode| async move {
        let dir = mqtt_testkit::TempDir::new("client-accepted").unwrap();
        let path = dir.path().join("session");
        let with_journal = |o: OptionsBuilder| {
            o.clean(false)
                .journal(mqtt_kit_client::Journal::open(&path, true).unwrap())
        };
        let first = start_refusing(V3_1_1, mode, u32::MAX, with_journal).await;
        let accepted = publish("q", "accepted", QoS::AtLeastOnce, None);
        let handle = within(first.client.enqueue(accepted)).await.unwrap();
        // The process dies now.
        let Setup { client, driver, .. } = first;
        drop(driver);
        drop((client, handle));
        let queued = mqtt_kit_client::Journal::load(&path).unwrap().state.queued;
        assert_eq!(queued.len(), 1, "on the disk when enqueue returned");

        let second = start(V3_1_1, mode, with_journal).await;
        let mut peer = accept(&second, false, false).await;
        peer.expect(publish("q", "accepted", QoS::AtLeastOnce, Some(1)))
            .await;
        peer.send(PubAck::new(id(1))).await;
        let Setup { client, driver, .. } = second;
        let waiting = DisconnectOptions::new().wait_for_in_flight(true);
        let done = smol::spawn(async move { client.disconnect_with(waiting).await });
        peer.expect(Disconnect::new(DisconnectReasonCode::NormalDisconnection))
            .await;
        within(done).await.unwrap();
        within(driver).await.unwrap();
        let state = mqtt_kit_client::Journal::load(&path).unwrap().state;
        assert!(state.queued.is_empty() && state.outgoing.is_empty(), "{state:?}");
    }
);

scripted!(
    /// QoS 2, cut after PUBLISH: PUBLISH again with DUP, then the whole exchange.
    qos2_cut_after_publish,
    |mode| async move {
        let setup = start(V3_1_1, mode, |o| o.clean(false)).await;
        let mut peer = accept(&setup, false, false).await;
        let qos2 = spawn_publish(&setup.client, "r", "twice?", QoS::ExactlyOnce);
        let sent = publish("r", "twice?", QoS::ExactlyOnce, Some(1));
        peer.expect(sent.clone()).await;
        drop(peer);
        let mut peer = accept(&setup, false, true).await;
        peer.expect(dup(sent)).await;
        peer.send(PubRec::new(id(1))).await;
        peer.expect(PubRel::new(id(1))).await;
        peer.send(PubComp::new(id(1))).await;
        assert!(matches!(within(qos2).await.unwrap(), Published::PubComp(_)));
        disconnect(setup, peer).await;
    }
);

scripted!(
    /// QoS 2, cut after PUBREC (our PUBREL sent): PUBREL again, not the PUBLISH.
    qos2_cut_after_pubrec,
    |mode| async move {
        let setup = start(V3_1_1, mode, |o| o.clean(false)).await;
        let mut peer = accept(&setup, false, false).await;
        let qos2 = spawn_publish(&setup.client, "r", "once", QoS::ExactlyOnce);
        peer.expect(publish("r", "once", QoS::ExactlyOnce, Some(1)))
            .await;
        peer.send(PubRec::new(id(1))).await;
        peer.expect(PubRel::new(id(1))).await;
        drop(peer);
        let mut peer = accept(&setup, false, true).await;
        peer.expect(PubRel::new(id(1))).await;
        peer.send(PubComp::new(id(1))).await;
        assert!(matches!(within(qos2).await.unwrap(), Published::PubComp(_)));
        disconnect(setup, peer).await;
    }
);

scripted!(
    /// Incoming QoS 2, cut after our PUBREC: the broker sends the PUBLISH again (DUP); it is
    /// answered but not delivered twice.
    incoming_qos2_cut_after_pubrec,
    |mode| async move {
        let mut setup = start(V3_1_1, mode, |o| o.clean(false)).await;
        let mut peer = accept(&setup, false, false).await;
        let incoming = publish("in", "exactly once", QoS::ExactlyOnce, Some(9));
        peer.send(incoming.clone()).await;
        peer.expect(PubRec::new(id(9))).await;
        drop(peer);
        let mut peer = accept(&setup, false, true).await;
        peer.send(dup(incoming)).await;
        peer.expect(PubRec::new(id(9))).await;
        peer.send(PubRel::new(id(9))).await;
        peer.expect(PubComp::new(id(9))).await;
        peer.send(publish("in", "end", QoS::AtMostOnce, None)).await;
        let mut payloads = Vec::new();
        wait_for(&mut setup.events, |event| match event {
            Event::Message(message) => {
                payloads.push(message.payload().clone());
                (&message.payload()[..] == b"end").then_some(())
            }
            _ => None,
        })
        .await;
        assert_eq!(payloads, vec!["exactly once", "end"]);
        disconnect(setup, peer).await;
    }
);

scripted!(
    /// The broker lost the session (Session Present 0): subscriptions are made again and the
    /// unacknowledged publish is sent again as a new message.
    session_not_present,
    |mode| async move {
        let mut setup = start(V3_1_1, mode, |o| o.clean(false)).await;
        let mut peer = accept(&setup, false, false).await;
        let client = setup.client.clone();
        let subscribing = smol::spawn(async move { client.subscribe("s/#", QoS::AtLeastOnce).await });
        peer.expect(Subscribe::new(
            id(1),
            vec![(filter("s/#"), SubscriptionOptions::new(QoS::AtLeastOnce))],
        ))
        .await;
        peer.send(SubAck::new(id(1), vec![SubscribeReasonCode::GrantedQoS1]))
            .await;
        let mut subscription = within(subscribing).await.unwrap();
        let qos1 = spawn_publish(&setup.client, "t", "kept", QoS::AtLeastOnce);
        peer.expect(publish("t", "kept", QoS::AtLeastOnce, Some(2)))
            .await;
        drop(peer);

        let mut peer = accept(&setup, false, false).await;
        let Packet::Subscribe(restore) = peer.next_packet().await else {
            panic!("SUBSCRIBE expected first");
        };
        assert_eq!(restore.filters, vec![(filter("s/#"), SubscriptionOptions::new(QoS::AtLeastOnce))]);
        let Packet::Publish(again) = peer.next_packet().await else {
            panic!("PUBLISH expected");
        };
        assert!(!again.dup, "a new message on a new session");
        assert_eq!((again.topic.as_str(), &again.payload[..]), ("t", &b"kept"[..]));
        peer.send(SubAck::new(restore.packet_id, vec![SubscribeReasonCode::GrantedQoS1]))
            .await;
        peer.send(PubAck::new(again.packet_id.unwrap())).await;
        within(qos1).await.unwrap();
        wait_for(&mut setup.events, |event| match event {
            Event::Subscribed { restored: true, .. } => Some(()),
            _ => None,
        })
        .await;
        peer.send(publish("s/1", "after", QoS::AtMostOnce, None)).await;
        let message = within(subscription.next()).await.unwrap();
        assert_eq!(message.topic(), "s/1", "the old stream still gets its messages");
        disconnect(setup, peer).await;
    }
);

// ----- reconnecting -----

scripted!(
    /// Back-off: 1 s doubling, each less up to half by jitter; reset after a connection. The
    /// test's sleeper records the delays instead of waiting them.
    backoff_schedule,
    |mode| async move {
        let mut setup = start_refusing(V3_1_1, mode, 5, |o| o).await;
        let peer = accept(&setup, true, false).await;
        let delays = setup.sleeper.delays();
        assert_eq!(delays.len(), 5);
        for (n, delay) in delays.iter().enumerate() {
            let full = Duration::from_secs(1 << n);
            assert!(*delay <= full && *delay >= full / 2, "delay {n}: {delay:?}");
        }
        let mut reported = Vec::new();
        wait_for(&mut setup.events, |event| match event {
            Event::Reconnecting { delay, .. } => {
                reported.push(*delay);
                None
            }
            Event::Connected(_) => Some(()),
            _ => None,
        })
        .await;
        assert_eq!(reported, delays, "every retry is reported with its delay");
        drop(peer);
        let peer = accept(&setup, true, false).await;
        let after_success = setup.sleeper.delays()[5];
        assert!(after_success <= Duration::from_secs(1), "{after_success:?}");
        assert_eq!(setup.connector.attempts().len(), 7);
        disconnect(setup, peer).await;
    }
);

scripted!(
    /// Fail-over: the first address refuses, the second takes the connection; after a loss
    /// the client goes round the list again, and says which address it tries each time.
    failover_to_the_second_address,
    |mode| async move {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let dead: BrokerAddress = format!("mqtt://{}", closed.local_addr().unwrap())
            .parse()
            .unwrap();
        drop(closed);
        let mut setup = start_with(V3_1_1, mode, 0, Some(dead.clone()), |o| o).await;
        let live: BrokerAddress = setup.broker.uri().parse().unwrap();
        let peer = accept(&setup, true, false).await;
        drop(peer);
        let peer = accept(&setup, true, false).await;
        let order = vec![dead.clone(), live.clone(), dead, live];
        assert_eq!(setup.connector.attempts(), order);
        let mut tried = Vec::new();
        wait_for(&mut setup.events, |event| match event {
            Event::Connecting { address, .. } => {
                tried.push(address.clone());
                (tried.len() == 4).then_some(())
            }
            _ => None,
        })
        .await;
        assert_eq!(tried, order);
        disconnect(setup, peer).await;
    }
);

// ----- a broker that misbehaves -----

/// Runs `script` on a connected peer and returns the driver's result (no reconnection).
async fn misbehave(
    version: ProtocolVersion,
    mode: Mode,
    configure: impl FnOnce(OptionsBuilder) -> OptionsBuilder,
    send: &[u8],
    expected_disconnect: Option<DisconnectReasonCode>,
) -> (Result<(), ClientError>, Vec<Event>) {
    let setup = start(version, mode, |o| configure(o.reconnect(false))).await;
    let mut peer = accept(&setup, true, false).await;
    peer.send_bytes(send).await;
    if let (V5, Some(code)) = (version, expected_disconnect) {
        peer.expect(Disconnect::new(code)).await;
    }
    peer.expect_closed().await;
    let result = within(setup.driver).await;
    let mut events = setup.events;
    let mut seen = Vec::new();
    while let Some(event) = events.try_next() {
        seen.push(event);
    }
    (result, seen)
}

scripted!(
    /// Garbage after CONNACK (packet type 0 is reserved): the connection ends (MQTT 5.0 with
    /// DISCONNECT Malformed Packet), the error is reported, and without reconnection the
    /// driver ends with it.
    broker_sends_garbage,
    |mode| async move {
        for version in [V3_1_1, V5] {
            let (result, events) = misbehave(
                version,
                mode,
                |o| o,
                &[0x00, 0x00, 0xff, 0xff],
                Some(DisconnectReasonCode::MalformedPacket),
            )
            .await;
            assert!(matches!(result, Err(ClientError::Protocol(_))), "{result:?}");
            assert!(events.iter().any(|e| matches!(e, Event::Error(ClientError::Protocol(_)))));
            assert!(events.iter().any(|e| matches!(
                e,
                Event::Disconnected(DisconnectReason::ProtocolViolation(_))
            )));
            assert!(matches!(events.last(), Some(Event::Closed)));
        }
    }
);

scripted!(
    /// A packet above our Maximum Packet Size ends the connection with DISCONNECT Packet too
    /// large (MQTT 5.0), checked from its fixed header.
    broker_sends_an_oversized_packet,
    |mode| async move {
        let setup = start(V5, mode, |o| o.maximum_packet_size(64).reconnect(false)).await;
        let mut peer = setup.broker.accept().await;
        let mut connect = connect_packet(V5, true);
        connect.properties.maximum_packet_size = std::num::NonZeroU32::new(64);
        peer.expect(connect).await;
        peer.send(connack(false)).await;
        // The fixed header of a 200-byte PUBLISH; the body never needs to come.
        peer.send_bytes(&[0x30, 0xc8, 0x01]).await;
        peer.expect(Disconnect::new(DisconnectReasonCode::PacketTooLarge))
            .await;
        peer.expect_closed().await;
        let result = within(setup.driver).await;
        assert!(matches!(result, Err(ClientError::Protocol(_))), "{result:?}");
    }
);

scripted!(
    /// Packets a server must not send (PINGREQ), and an acknowledgement for nothing in
    /// flight: Protocol Error.
    broker_sends_unexpected_packets,
    |mode| async move {
        for (version, bytes) in [
            (V3_1_1, &[0xc0, 0x00][..]),
            (V5, &[0xc0, 0x00][..]),
            (V5, &[0x40, 0x02, 0x00, 0x05][..]),
        ] {
            let (result, _) = misbehave(
                version,
                mode,
                |o| o,
                bytes,
                Some(DisconnectReasonCode::ProtocolError),
            )
            .await;
            assert!(matches!(result, Err(ClientError::Protocol(_))), "{result:?}");
        }
    }
);

scripted!(
    /// A DISCONNECT from the broker with a reason code and string: reported as it came, then
    /// the client reconnects.
    broker_disconnects_with_a_reason,
    |mode| async move {
        let mut setup = start(V5, mode, |o| o).await;
        let mut peer = accept(&setup, true, false).await;
        let mut goodbye = Disconnect::new(DisconnectReasonCode::ServerShuttingDown);
        goodbye.properties.reason_string = Some("maintenance".into());
        peer.send(goodbye).await;
        let reason = wait_for(&mut setup.events, |event| match event {
            Event::Disconnected(reason) => Some(reason.clone()),
            _ => None,
        })
        .await;
        match &reason {
            DisconnectReason::Server(disconnect) => {
                assert_eq!(disconnect.code, DisconnectReasonCode::ServerShuttingDown);
            }
            other => panic!("expected the server's DISCONNECT, got {other:?}"),
        }
        assert_eq!(reason.reason_string(), Some("maintenance"));
        wait_for(&mut setup.events, |event| {
            matches!(event, Event::Reconnecting { .. }).then_some(())
        })
        .await;
        peer.expect_closed().await;
        let peer = accept(&setup, false, true).await;
        disconnect(setup, peer).await;
    }
);

// ----- acknowledging, disconnecting, keep alive -----

scripted!(
    /// Manual acknowledgement: acknowledgements leave in the order the messages came,
    /// whatever the order the application acknowledges them in.
    manual_ack_keeps_the_order,
    |mode| async move {
        let mut setup = start(V3_1_1, mode, |o| o.manual_ack(true)).await;
        let mut peer = accept(&setup, true, false).await;
        peer.send(publish("m", "first", QoS::AtLeastOnce, Some(1))).await;
        peer.send(publish("m", "second", QoS::ExactlyOnce, Some(2))).await;
        let mut messages = Vec::new();
        wait_for(&mut setup.events, |event| match event {
            Event::Message(message) => {
                messages.push(message.clone());
                (messages.len() == 2).then_some(())
            }
            _ => None,
        })
        .await;
        assert!(messages.iter().all(|m| m.needs_ack()));
        within(setup.client.acknowledge(&messages[1])).await.unwrap();
        within(setup.client.acknowledge(&messages[0])).await.unwrap();
        peer.expect(PubAck::new(id(1))).await;
        peer.expect(PubRec::new(id(2))).await;
        peer.send(PubRel::new(id(2))).await;
        peer.expect(PubComp::new(id(2))).await;
        let again = within(setup.client.acknowledge(&messages[0])).await;
        assert!(matches!(again, Err(ClientError::Refused(_))), "already acknowledged");
        disconnect(setup, peer).await;
    }
);

scripted!(
    /// Disconnect waiting for the publishes in flight: DISCONNECT only after the PUBACK.
    disconnect_waits_for_in_flight,
    |mode| async move {
        let setup = start(V3_1_1, mode, |o| o).await;
        let mut peer = accept(&setup, true, false).await;
        let qos1 = spawn_publish(&setup.client, "w", "last words", QoS::AtLeastOnce);
        peer.expect(publish("w", "last words", QoS::AtLeastOnce, Some(1)))
            .await;
        let client = setup.client.clone();
        let done = smol::spawn(async move {
            client
                .disconnect_with(DisconnectOptions::new().wait_for_in_flight(true))
                .await
        });
        smol::Timer::after(Duration::from_millis(50)).await;
        peer.send(PubAck::new(id(1))).await;
        peer.expect(Disconnect::new(DisconnectReasonCode::NormalDisconnection))
            .await;
        peer.expect_closed().await;
        within(qos1).await.unwrap();
        within(done).await.unwrap();
        within(setup.driver).await.unwrap();
    }
);

scripted!(
    /// When every handle is dropped the driver says goodbye and ends.
    dropping_every_handle_disconnects,
    |mode| async move {
        let setup = start(V3_1_1, mode, |o| o).await;
        let mut peer = accept(&setup, true, false).await;
        let Setup {
            client,
            driver,
            events,
            ..
        } = setup;
        drop(events);
        drop(client);
        peer.expect(Disconnect::new(DisconnectReasonCode::NormalDisconnection))
            .await;
        peer.expect_closed().await;
        within(driver).await.unwrap();
    }
);

scripted!(
    /// Keep alive: PINGREQ when idle; no PINGRESP in time ends the connection, and the
    /// client reconnects.
    keep_alive,
    |mode| async move {
        let mut setup = start(V3_1_1, mode, |o| o.keep_alive(1)).await;
        let mut peer = setup.broker.accept().await;
        let mut connect = connect_packet(V3_1_1, true);
        connect.keep_alive = 1;
        peer.expect(connect.clone()).await;
        peer.send(connack(false)).await;
        peer.expect(Packet::PingReq).await;
        peer.send(Packet::PingResp).await;
        peer.expect(Packet::PingReq).await;
        let reason = wait_for(&mut setup.events, |event| match event {
            Event::Disconnected(reason) => Some(reason.clone()),
            _ => None,
        })
        .await;
        assert_eq!(reason, DisconnectReason::KeepAliveTimeout);
        let mut peer = setup.broker.accept().await;
        peer.expect(connect).await;
        peer.send(connack(false)).await;
        disconnect(setup, peer).await;
    }
);

/// `try_publish` never waits: a full queue says so and queues nothing.
#[test]
fn try_publish_would_block_when_full() {
    let options = mqtt_kit_client::Options::builder()
        .uri("mqtt://127.0.0.1:1")
        .publish_capacity(2)
        .build()
        .unwrap();
    let (client, driver) = Client::new(options);
    let message = || publish("full", "x", QoS::AtMostOnce, None);
    let first = client.try_publish(message()).unwrap();
    let second = client.try_publish(message()).unwrap();
    assert!(second.id() > first.id());
    assert!(matches!(
        client.try_publish(message()),
        Err(ClientError::WouldBlock)
    ));
    drop(driver);
    assert!(matches!(
        client.try_publish(message()),
        Err(ClientError::Closed)
    ));
    assert!(matches!(smol::block_on(first), Err(ClientError::Closed)));
}

// ----- enhanced authentication -----

/// Answers "TEST" challenges: "hello" first, then "answer".
struct TestAuthenticator;

impl mqtt_kit_client::Authenticator for TestAuthenticator {
    fn method(&self) -> &str {
        "TEST"
    }
    fn initial_data(&mut self) -> Result<Option<bytes::Bytes>, mqtt_kit_client::AuthError> {
        Ok(Some("hello".into()))
    }
    fn respond(
        &mut self,
        challenge: Option<&bytes::Bytes>,
    ) -> Result<Option<bytes::Bytes>, mqtt_kit_client::AuthError> {
        assert_eq!(challenge.map(|c| &c[..]), Some(&b"challenge"[..]));
        Ok(Some("answer".into()))
    }
    fn finish(&mut self, _: Option<&bytes::Bytes>) -> Result<(), mqtt_kit_client::AuthError> {
        Ok(())
    }
}

fn auth(code: mqtt_kit_codec::AuthReasonCode, data: &'static str) -> mqtt_kit_codec::Auth {
    mqtt_kit_codec::Auth {
        code,
        properties: mqtt_kit_codec::AuthProperties {
            authentication_method: Some("TEST".into()),
            authentication_data: Some(data.into()),
            ..Default::default()
        },
    }
}

scripted!(
    /// MQTT 5.0 enhanced authentication: the AUTH exchange before CONNACK, and a
    /// re-authentication reported as an event.
    enhanced_authentication,
    |mode| async move {
        use mqtt_kit_codec::AuthReasonCode;
        let mut setup = start(V5, mode, |o| o.authenticator(Box::new(TestAuthenticator))).await;
        let mut peer = setup.broker.accept().await;
        let mut connect = connect_packet(V5, true);
        connect.properties.authentication_method = Some("TEST".into());
        connect.properties.authentication_data = Some("hello".into());
        peer.expect(connect).await;
        peer.send(auth(AuthReasonCode::ContinueAuthentication, "challenge"))
            .await;
        peer.expect(auth(AuthReasonCode::ContinueAuthentication, "answer"))
            .await;
        let mut connack = connack(false);
        connack.properties.authentication_method = Some("TEST".into());
        peer.send(connack).await;
        wait_for(&mut setup.events, |e| matches!(e, Event::Connected(_)).then_some(())).await;

        within(setup.client.reauthenticate()).await.unwrap();
        peer.expect(auth(AuthReasonCode::ReAuthenticate, "hello")).await;
        peer.send(auth(AuthReasonCode::Success, "done")).await;
        let reauth = wait_for(&mut setup.events, |event| match event {
            Event::Auth(auth) => Some(auth.clone()),
            _ => None,
        })
        .await;
        assert_eq!(reauth.code, AuthReasonCode::Success);
        disconnect(setup, peer).await;
    }
);

scripted!(
    /// Drop safety: a dropped `PublishHandle` still publishes; a `publish` future dropped
    /// while it waits for room publishes nothing.
    dropped_publish_futures,
    |mode| async move {
        let broker = ScriptedBroker::bind(V3_1_1).await;
        let options = test_options(
            &broker.uri(),
            V3_1_1,
            TestConnector::new(mode, 0),
            Arc::default(),
        )
        .publish_capacity(1)
        .build()
        .unwrap();
        // The driver does not run yet: the one place on the way to it fills up.
        let (client, driver) = Client::new(options);
        let handle = client
            .try_publish(publish("d", "kept", QoS::AtMostOnce, None))
            .unwrap();
        drop(handle);
        let full = client.try_publish(publish("d", "refused", QoS::AtMostOnce, None));
        assert!(matches!(full, Err(ClientError::WouldBlock)));
        let mut waiting = Box::pin(client.publish("d", "dropped", QoS::AtMostOnce));
        assert!(futures_lite::future::poll_once(&mut waiting).await.is_none());
        drop(waiting);

        let driver = smol::spawn(driver.run());
        let mut peer = broker.accept().await;
        peer.expect(connect_packet(V3_1_1, true)).await;
        peer.send(connack(false)).await;
        peer.expect(publish("d", "kept", QoS::AtMostOnce, None)).await;
        let done = smol::spawn(async move { client.disconnect().await });
        // Next comes DISCONNECT: neither the refused nor the dropped publish was sent.
        peer.expect(Disconnect::new(DisconnectReasonCode::NormalDisconnection))
            .await;
        peer.expect_closed().await;
        within(done).await.unwrap();
        within(driver).await.unwrap();
    }
);

scripted!(
    /// MQTT 5.0 "Use another server": the next attempt goes to the server the broker names.
    server_reference_is_followed,
    |mode| async move {
        let setup = start(V5, mode, |o| o).await;
        let other = ScriptedBroker::bind(V5).await;
        let other_address: BrokerAddress = other.uri().parse().unwrap();
        let mut peer = accept(&setup, true, false).await;
        let mut moved = Disconnect::new(DisconnectReasonCode::UseAnotherServer);
        moved.properties.server_reference = Some(other.uri().trim_start_matches("mqtt://").into());
        peer.send(moved).await;
        peer.expect_closed().await;
        let mut peer = other.accept().await;
        peer.expect(connect_packet(V5, false)).await;
        peer.send(connack(false)).await;
        assert_eq!(setup.connector.attempts().last(), Some(&other_address));
        disconnect(setup, peer).await;
    }
);
