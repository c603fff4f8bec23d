//! Publishes accepted while disconnected.

use mqtt_kit_codec::{PubAck, QoS};
use mqtt_kit_session::{CommandError, Event, PublishError, QueueFullPolicy, SessionConfig};

use crate::support::*;

fn bounded(capacity: usize, policy: QueueFullPolicy) -> SessionConfig {
    let mut config = config(V5);
    config.queue_capacity = capacity;
    config.queue_full_policy = policy;
    config
}

#[test]
fn publishes_wait_in_order_and_go_after_the_next_connack() {
    let mut h = Harness::new(config(V5));
    let tokens: Vec<_> = [
        ("1", QoS::AtLeastOnce),
        ("2", QoS::AtMostOnce),
        ("3", QoS::ExactlyOnce),
    ]
    .into_iter()
    .map(|(payload, qos)| h.session.publish(message("t", payload, qos)).unwrap())
    .collect();
    assert_eq!(h.session.waiting_len(), 3);
    let (_, sent) = h.reconnect(connack_ok(false));
    assert_eq!(
        sent,
        [
            sent_publish("t", "1", QoS::AtLeastOnce, Some(1), false).into(),
            sent_publish("t", "2", QoS::AtMostOnce, None, false).into(),
            sent_publish("t", "3", QoS::ExactlyOnce, Some(2), false).into(),
        ] as [mqtt_kit_codec::Packet; 3]
    );
    h.broker(PubAck::new(id(1))).unwrap();
    let done: Vec<_> = h
        .events()
        .into_iter()
        .filter_map(|event| match event {
            Event::PublishDone { token, .. } => Some(token),
            _ => None,
        })
        .collect();
    assert_eq!(done, [tokens[1], tokens[0]]);
}

#[test]
fn a_full_queue_refuses_new_publishes() {
    let mut h = Harness::new(bounded(2, QueueFullPolicy::RefuseNew));
    h.session
        .publish(message("t", "1", QoS::AtMostOnce))
        .unwrap();
    h.session
        .publish(message("t", "2", QoS::AtLeastOnce))
        .unwrap();
    assert_eq!(
        h.session.publish(message("t", "3", QoS::AtLeastOnce)),
        Err(CommandError::QueueFull { capacity: 2 })
    );
    assert!(h.events().is_empty(), "nothing dropped");
}

#[test]
fn a_full_queue_can_drop_the_oldest_qos0_and_says_so() {
    let mut h = Harness::new(bounded(2, QueueFullPolicy::DropOldestQos0));
    let old = h
        .session
        .publish(message("t", "1", QoS::AtMostOnce))
        .unwrap();
    h.session
        .publish(message("t", "2", QoS::AtLeastOnce))
        .unwrap();
    h.session
        .publish(message("t", "3", QoS::AtLeastOnce))
        .unwrap();
    assert_eq!(
        h.events(),
        [Event::PublishDone {
            token: old,
            result: Err(PublishError::Dropped)
        }]
    );
    // No QoS 0 left to drop: refused.
    assert_eq!(
        h.session.publish(message("t", "4", QoS::AtMostOnce)),
        Err(CommandError::QueueFull { capacity: 2 })
    );
}

#[test]
fn a_waiting_publish_that_the_new_server_cannot_take_fails_with_the_reason() {
    let mut h = Harness::new(config(V5));
    let token = h
        .session
        .publish(message("t", "x", QoS::ExactlyOnce))
        .unwrap();
    let mut connack = connack_ok(false);
    connack.properties.maximum_qos = Some(QoS::AtLeastOnce);
    let (_, sent) = h.reconnect(connack);
    assert!(sent.is_empty());
    assert!(h.events().contains(&Event::PublishDone {
        token,
        result: Err(PublishError::Refused(CommandError::QoSNotSupported {
            requested: QoS::ExactlyOnce,
            maximum: QoS::AtLeastOnce,
        })),
    }));
}
