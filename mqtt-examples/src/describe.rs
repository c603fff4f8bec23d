//! One line of text for each client [`Event`], for the examples and the tools' `-d` output.

use mqtt_kit_client::Event;

/// A line that says what `event` means.
pub fn event_line(event: &Event) -> String {
    match event {
        Event::Connecting { address, attempt } => {
            format!("connecting to {address} (attempt {attempt})")
        }
        Event::Connected(connected) => format!(
            "connected (session present: {}, keep alive {} s)",
            connected.session_present, connected.keep_alive
        ),
        Event::Disconnected(reason) => format!("connection ended: {reason:?}"),
        Event::Error(error) => format!("error: {error}"),
        Event::Reconnecting {
            address,
            delay,
            failures,
        } => format!(
            "next attempt at {address} in {} ms ({failures} failures in a row)",
            delay.as_millis()
        ),
        Event::Subscribed { suback, restored } => {
            let what = if *restored { "restored" } else { "made" };
            format!("subscription {what}: {:?}", suback.codes)
        }
        Event::SubscriptionNotRestored { filter, error } => {
            format!("subscription to {filter} not restored: {error}")
        }
        Event::Unsubscribed(unsuback) => format!("unsubscribed: {:?}", unsuback.codes),
        Event::Published { id, result } => match result {
            Ok(done) => format!(
                "publish {id} done (reason code {:#04x})",
                done.reason_code()
            ),
            Err(error) => format!("publish {id} failed: {error}"),
        },
        Event::Message(message) => format!(
            "message on {} ({} bytes, QoS {}{})",
            message.topic(),
            message.payload().len(),
            message.qos().as_u8(),
            if message.retain() { ", retained" } else { "" }
        ),
        Event::Auth(auth) => format!("re-authenticated: {:?}", auth.code),
        Event::Closed => "closed".into(),
        other => format!("{other:?}"),
    }
}
