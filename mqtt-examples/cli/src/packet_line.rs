//! One line for one packet, in the words of mosquitto's `-d` (so that a user comparing the
//! two tools, or a script written for mosquitto's output, finds the same lines).

use mqtt_kit_codec::{Packet, ProtocolVersion, RetainHandling, SubscriptionOptions};

/// Whether the client sent the packet or received it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Sent to the broker.
    Sent,
    /// Received from it.
    Received,
}

/// `Client ID sending CONNECT`, `Client ID received PUBLISH (d0, q1, r0, m3, 'a/b', ...
/// (5 bytes))`, ...; a SUBSCRIBE or UNSUBSCRIBE with several filters gives a line each.
/// Codes are shown as `version` writes them (a CONNACK's 3.x return code is not its 5.0
/// reason code).
pub(crate) fn packet_line(
    client_id: &str,
    version: ProtocolVersion,
    direction: Direction,
    packet: &Packet,
) -> String {
    let verb = match direction {
        Direction::Sent => "sending",
        Direction::Received => "received",
    };
    let what = match packet {
        Packet::Connect(_) => "CONNECT".to_owned(),
        Packet::ConnAck(connack) => {
            let v3_code = match version {
                ProtocolVersion::V5 => None,
                _ => connack.code.to_v3(),
            };
            format!("CONNACK ({})", v3_code.unwrap_or(u8::from(connack.code)))
        }
        Packet::Publish(publish) => format!(
            "PUBLISH (d{}, q{}, r{}, m{}, '{}', ... ({} bytes))",
            u8::from(publish.dup),
            publish.qos.as_u8(),
            u8::from(publish.retain),
            publish.packet_id.map_or(0, |id| id.get()),
            publish.topic.as_str(),
            publish.payload.len()
        ),
        Packet::PubAck(ack) => acknowledgement("PUBACK", ack.packet_id.get(), ack.code.into()),
        Packet::PubRec(ack) => acknowledgement("PUBREC", ack.packet_id.get(), ack.code.into()),
        Packet::PubRel(ack) => acknowledgement("PUBREL", ack.packet_id.get(), ack.code.into()),
        Packet::PubComp(ack) => acknowledgement("PUBCOMP", ack.packet_id.get(), ack.code.into()),
        Packet::Subscribe(subscribe) => {
            let mid = subscribe.packet_id.get();
            let lines: Vec<String> = subscribe
                .filters
                .iter()
                .map(|(filter, options)| {
                    format!(
                        "Client {client_id} {verb} SUBSCRIBE (Mid: {mid}, Topic: {filter}, \
                         QoS: {}, Options: {:#04x})",
                        options.qos.as_u8(),
                        options_byte(options)
                    )
                })
                .collect();
            return lines.join("\n");
        }
        // mosquitto_sub follows it with the granted QoS (or failure code) of each filter.
        Packet::SubAck(suback) => {
            let codes: Vec<String> = suback
                .codes
                .iter()
                .map(|code| u8::from(*code).to_string())
                .collect();
            return format!(
                "Client {client_id} {verb} SUBACK\nSubscribed (mid: {}): {}",
                suback.packet_id.get(),
                codes.join(", ")
            );
        }
        Packet::Unsubscribe(unsubscribe) => {
            let mid = unsubscribe.packet_id.get();
            let lines: Vec<String> = unsubscribe
                .filters
                .iter()
                .map(|filter| {
                    format!("Client {client_id} {verb} UNSUBSCRIBE (Mid: {mid}, Topic: {filter})")
                })
                .collect();
            return lines.join("\n");
        }
        Packet::UnsubAck(_) => "UNSUBACK".to_owned(),
        Packet::PingReq => "PINGREQ".to_owned(),
        Packet::PingResp => "PINGRESP".to_owned(),
        // mosquitto shows a DISCONNECT's reason code only when it is not Success.
        Packet::Disconnect(disconnect) => match u8::from(disconnect.code) {
            0 => "DISCONNECT".to_owned(),
            code => format!("DISCONNECT ({code})"),
        },
        Packet::Auth(auth) => format!("AUTH ({})", u8::from(auth.code)),
    };
    format!("Client {client_id} {verb} {what}")
}

fn acknowledgement(name: &str, mid: u16, code: u8) -> String {
    format!("{name} (Mid: {mid}, RC:{code})")
}

/// The subscription options byte of MQTT 5.0 (3.8.3.1), as mosquitto shows it.
fn options_byte(options: &SubscriptionOptions) -> u8 {
    let retain_handling = match options.retain_handling {
        RetainHandling::SendAtSubscribe => 0,
        RetainHandling::SendAtSubscribeIfNew => 1,
        RetainHandling::DoNotSend => 2,
    };
    options.qos.as_u8()
        | u8::from(options.no_local) << 2
        | u8::from(options.retain_as_published) << 3
        | retain_handling << 4
}

#[cfg(test)]
mod tests {
    use mqtt_kit_client::{QoS, TopicFilter, TopicName};
    use mqtt_kit_codec::{
        ConnAck, ConnectReasonCode, Disconnect, DisconnectReasonCode, PacketId, PubAck, Publish,
        SubAck, Subscribe, SubscribeReasonCode,
    };

    use super::*;

    fn id(value: u16) -> PacketId {
        PacketId::new(value).unwrap()
    }

    #[test]
    fn lines_read_like_mosquittos() {
        let line = |direction, packet: Packet| {
            packet_line("me", ProtocolVersion::V3_1_1, direction, &packet)
        };
        assert_eq!(
            line(
                Direction::Received,
                ConnAck::new(ConnectReasonCode::Success).into()
            ),
            "Client me received CONNACK (0)"
        );
        let mut publish = Publish::new(
            TopicName::try_from("a/b").unwrap(),
            "hello",
            QoS::AtLeastOnce,
        );
        publish.packet_id = Some(id(3));
        publish.retain = true;
        assert_eq!(
            line(Direction::Sent, publish.into()),
            "Client me sending PUBLISH (d0, q1, r1, m3, 'a/b', ... (5 bytes))"
        );
        assert_eq!(
            line(Direction::Received, PubAck::new(id(3)).into()),
            "Client me received PUBACK (Mid: 3, RC:0)"
        );
        let mut options = SubscriptionOptions::new(QoS::ExactlyOnce);
        options.no_local = true;
        let filters = vec![
            (TopicFilter::try_from("x/#").unwrap(), options),
            (
                TopicFilter::try_from("y").unwrap(),
                SubscriptionOptions::new(QoS::AtMostOnce),
            ),
        ];
        assert_eq!(
            line(Direction::Sent, Subscribe::new(id(1), filters).into()),
            "Client me sending SUBSCRIBE (Mid: 1, Topic: x/#, QoS: 2, Options: 0x06)\n\
             Client me sending SUBSCRIBE (Mid: 1, Topic: y, QoS: 0, Options: 0x00)"
        );
        let granted = vec![
            SubscribeReasonCode::GrantedQoS1,
            SubscribeReasonCode::NotAuthorized,
        ];
        assert_eq!(
            line(Direction::Received, SubAck::new(id(1), granted).into()),
            "Client me received SUBACK\nSubscribed (mid: 1): 1, 135"
        );
        assert_eq!(
            line(Direction::Sent, Packet::PingReq),
            "Client me sending PINGREQ"
        );
        // A 3.1.1 refusal shows its return code, a 5.0 one its reason code.
        let refused = ConnAck::new(ConnectReasonCode::NotAuthorized);
        assert_eq!(
            line(Direction::Received, refused.clone().into()),
            "Client me received CONNACK (5)"
        );
        assert_eq!(
            packet_line(
                "me",
                ProtocolVersion::V5,
                Direction::Received,
                &refused.into()
            ),
            "Client me received CONNACK (135)"
        );
        let mut disconnect = Disconnect::new(DisconnectReasonCode::NormalDisconnection);
        assert_eq!(
            line(Direction::Sent, disconnect.clone().into()),
            "Client me sending DISCONNECT"
        );
        disconnect.code = DisconnectReasonCode::DisconnectWithWillMessage;
        assert_eq!(
            line(Direction::Sent, disconnect.into()),
            "Client me sending DISCONNECT (4)"
        );
    }
}
