//! The blocking facade: a script's view, against the small in-process broker.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use mqtt_kit_client::blocking::{self, RecvTimeoutError};
use mqtt_kit_client::{ClientError, Event, Options, Published, QoS};

#[macro_use]
mod support;
use support::mini_broker::MiniBroker;

#[test]
fn connect_subscribe_publish_receive_disconnect() {
    let broker = MiniBroker::start();
    let options = Options::builder()
        .uri(broker.uri())
        .id("script")
        .build()
        .unwrap();
    let client = blocking::Client::connect(options).unwrap();
    let mut events = client.events();
    let mut subscription = client.subscribe("script/#", QoS::AtLeastOnce).unwrap();
    assert_eq!(
        subscription
            .recv_timeout(Duration::from_millis(50))
            .unwrap_err(),
        RecvTimeoutError::Timeout
    );
    let done = client.publish("script/1", "one", QoS::AtLeastOnce).unwrap();
    assert!(matches!(done, Published::PubAck(_)));
    let message = subscription.recv_timeout(Duration::from_secs(20)).unwrap();
    assert_eq!(
        (message.topic(), &message.payload()[..]),
        ("script/1", &b"one"[..])
    );
    client.unsubscribe(&["script/#"]).unwrap();
    assert_eq!(
        subscription.recv(),
        None,
        "the stream ends with the subscription"
    );
    client.disconnect().unwrap();
    let last = events.by_ref().last();
    assert!(matches!(last, Some(Event::Closed)), "{last:?}");
}

#[test]
fn connect_reports_the_first_failure() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!("mqtt://{}", closed.local_addr().unwrap());
    drop(closed);
    let options = Options::builder()
        .uri(uri)
        .reconnect(false)
        .build()
        .unwrap();
    let error = blocking::Client::connect(options).unwrap_err();
    assert!(matches!(error, ClientError::Transport(_)), "{error:?}");
}
