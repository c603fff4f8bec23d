//! One-line `Display` of [`Event`] and [`Message`], for logs and status lines: what happened,
//! with the facts that matter, and never a payload (its length only) or a credential.

use std::fmt;

use crate::error::describe_suback as codes;
use crate::events::{Event, Message, Published};

impl fmt::Display for Message {
    /// `message on a/b (QoS 1, 42 bytes, retained)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "message on {} ({}, {} bytes",
            self.topic(),
            self.qos(),
            self.payload().len()
        )?;
        if self.retain() {
            f.write_str(", retained")?;
        }
        if self.dup() {
            f.write_str(", sent again")?;
        }
        f.write_str(")")
    }
}

impl fmt::Display for Event {
    /// One line per event: `connecting to mqtt://host:1883 (attempt 2)`,
    /// `connected (session present)`, `publish 7 failed: ...`, and so on.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Connecting { address, attempt } => {
                write!(f, "connecting to {address} (attempt {attempt})")
            }
            Event::Connected(connected) => {
                let session = if connected.session_present {
                    "session present"
                } else {
                    "new session"
                };
                write!(
                    f,
                    "connected ({session}, keep alive {} s)",
                    connected.keep_alive
                )
            }
            Event::Message(message) => message.fmt(f),
            Event::Subscribed { suback, restored } => {
                let what = if *restored {
                    "subscription restored"
                } else {
                    "subscribed"
                };
                write!(f, "{what}: packet {}, {}", suback.packet_id, codes(suback))
            }
            Event::SubscriptionNotRestored { filter, error } => {
                write!(f, "subscription to {filter} not restored: {error}")
            }
            Event::Unsubscribed(unsuback) => {
                write!(f, "unsubscribed: packet {}", unsuback.packet_id)
            }
            Event::Published { id, result } => match result {
                Ok(Published::Written) => write!(f, "publish {id} written"),
                Ok(done) => write!(
                    f,
                    "publish {id} acknowledged (reason code {:#04x})",
                    done.reason_code()
                ),
                Err(error) => write!(f, "publish {id} failed: {error}"),
            },
            Event::Error(error) => write!(f, "error: {error}"),
            Event::Disconnected(reason) => reason.fmt(f),
            Event::Reconnecting {
                address,
                delay,
                failures,
            } => write!(
                f,
                "reconnecting to {address} in {:.3} s ({failures} failures in a row)",
                delay.as_secs_f64()
            ),
            Event::Auth(auth) => write!(f, "re-authenticated ({})", auth.code),
            Event::Closed => f.write_str("closed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use mqtt_kit_codec::{
        ConnAck, ConnectReasonCode, Disconnect, DisconnectReasonCode, Publish, QoS, SubAck,
        SubscribeReasonCode, TopicName,
    };
    use mqtt_kit_session::{Connected, DisconnectReason, ServerLimits};

    use crate::error::ClientError;
    use crate::events::{Event, Message};

    fn one_line(text: String) -> String {
        assert!(!text.contains('\n'), "more than one line: {text}");
        text
    }

    #[test]
    fn events_read_as_one_line_each() {
        let mut publish = Publish::new(
            TopicName::try_from("a/b").unwrap(),
            "secret!",
            QoS::AtLeastOnce,
        );
        publish.retain = true;
        let message = Message { publish, ack: None };
        let connected = Connected {
            session_present: true,
            assigned_client_id: None,
            keep_alive: 30,
            limits: ServerLimits::default(),
            connack: ConnAck::new(ConnectReasonCode::Success),
        };
        let address: mqtt_kit_transport::BrokerAddress = "mqtt://broker:1883".parse().unwrap();
        let cases = [
            (
                Event::Connecting {
                    address: address.clone(),
                    attempt: 2,
                },
                "connecting to mqtt://broker:1883 (attempt 2)",
            ),
            (
                Event::Connected(connected),
                "connected (session present, keep alive 30 s)",
            ),
            (
                Event::Message(message),
                "message on a/b (QoS 1, 7 bytes, retained)",
            ),
            (
                Event::Subscribed {
                    suback: SubAck::new(
                        mqtt_kit_codec::PacketId::new(3).unwrap(),
                        vec![SubscribeReasonCode::GrantedQoS1],
                    ),
                    restored: true,
                },
                "subscription restored: packet 3, Granted QoS 1 (0x01)",
            ),
            (
                Event::Reconnecting {
                    address,
                    delay: Duration::from_millis(1500),
                    failures: 3,
                },
                "reconnecting to mqtt://broker:1883 in 1.500 s (3 failures in a row)",
            ),
            (
                Event::Disconnected(DisconnectReason::Server(Disconnect::new(
                    DisconnectReasonCode::ServerBusy,
                ))),
                "disconnected by the server: Server busy (0x89)",
            ),
            (
                Event::Error(ClientError::NotWritten),
                "error: the connection was lost before the QoS 0 message was written; it was not sent",
            ),
            (Event::Closed, "closed"),
        ];
        for (event, expected) in cases {
            assert_eq!(one_line(event.to_string()), expected);
        }
    }

    #[test]
    fn errors_read_as_one_line_each() {
        let refused = ClientError::ConnectionRefused(Box::new(ConnAck::new(
            ConnectReasonCode::BadUserNameOrPassword,
        )));
        assert_eq!(
            one_line(refused.to_string()),
            "the broker refused the connection: Bad User Name or Password (0x86)"
        );
        let never = ClientError::NeverConnected(Some(Box::new(ClientError::from(
            std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
        ))));
        let text = one_line(never.to_string());
        assert!(
            text.starts_with(
                "no connection to the broker could be made in time: connection error:"
            ),
            "{text}"
        );
        let topic = ClientError::from(TopicName::try_from("a/+").unwrap_err());
        assert!(one_line(topic.to_string()).starts_with("invalid topic: "));
    }
}
