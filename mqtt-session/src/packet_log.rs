//! What the session logs about packets (with `tracing`, for whatever subscriber the
//! application installed): each packet sent and received at `trace` level, with its type,
//! packet identifier, and for PUBLISH its topic, QoS, flags and payload *length*; never a
//! payload, a password or authentication data. Protocol violations at `warn`, with the
//! normative statement they break.

use mqtt_kit_codec::{Packet, PacketId, Publish};
use tracing::Level;

use crate::error::ProtocolError;

/// A packet the session has encoded for the server.
pub(crate) fn sent(packet: &Packet) {
    log("sent", packet);
}

/// A PUBLISH the session has encoded for the server (encoded where it lies, not as a
/// [`Packet`]).
pub(crate) fn sent_publish(publish: &Publish) {
    if tracing::enabled!(Level::TRACE) {
        log_publish("sent", publish);
    }
}

/// A packet the session has decoded from the server.
pub(crate) fn received(packet: &Packet) {
    log("received", packet);
}

fn log(direction: &'static str, packet: &Packet) {
    // Picking the fields apart is cheap, but not free on the hot path: only for a listener.
    if !tracing::enabled!(Level::TRACE) {
        return;
    }
    let kind = packet.packet_type();
    match packet {
        Packet::Publish(publish) => log_publish(direction, publish),
        Packet::Connect(connect) => tracing::trace!(
            packet = %kind,
            client_id = &*connect.client_id,
            clean_start = connect.clean_start,
            keep_alive = connect.keep_alive,
            username = connect.username.is_some(),
            password = connect.password.is_some(),
            will = connect.will.is_some(),
            "packet {direction}"
        ),
        other => tracing::trace!(
            packet = %kind,
            packet_id = packet_id(other).map(PacketId::get),
            "packet {direction}"
        ),
    }
}

fn log_publish(direction: &'static str, publish: &Publish) {
    tracing::trace!(
        packet = %mqtt_kit_codec::PacketType::Publish,
        packet_id = publish.packet_id.map(PacketId::get),
        topic = publish.topic.as_str(),
        topic_alias = publish.properties.topic_alias.map(|alias| alias.get()),
        qos = publish.qos.as_u8(),
        retain = publish.retain,
        dup = publish.dup,
        payload_len = publish.payload.len(),
        "packet {direction}"
    );
}

/// The packet identifier of the packets that have one.
fn packet_id(packet: &Packet) -> Option<PacketId> {
    match packet {
        Packet::Publish(publish) => publish.packet_id,
        Packet::PubAck(ack) => Some(ack.packet_id),
        Packet::PubRec(ack) => Some(ack.packet_id),
        Packet::PubRel(ack) => Some(ack.packet_id),
        Packet::PubComp(ack) => Some(ack.packet_id),
        Packet::Subscribe(subscribe) => Some(subscribe.packet_id),
        Packet::SubAck(suback) => Some(suback.packet_id),
        Packet::Unsubscribe(unsubscribe) => Some(unsubscribe.packet_id),
        Packet::UnsubAck(unsuback) => Some(unsuback.packet_id),
        _ => None,
    }
}

/// The server broke the protocol: the connection ends.
pub(crate) fn violation(error: &ProtocolError) {
    let text = error.to_string();
    tracing::warn!(
        error = %text,
        statement = cited_statement(&text),
        reason_code = ?error.disconnect_reason(),
        "protocol violation by the server: closing the connection"
    );
}

/// The first normative statement an error message cites (`MQTT-3.2.0-1`), if any: errors cite
/// them in their text, which is where each one is written down once.
pub(crate) fn cited_statement(text: &str) -> Option<&str> {
    let start = text.find("[MQTT-")? + 1;
    let length = text[start..].find(']')?;
    Some(&text[start..start + length])
}

#[cfg(test)]
mod tests {
    use super::cited_statement;

    #[test]
    fn finds_the_first_statement_cited() {
        assert_eq!(
            cited_statement("PUBLISH received before CONNACK [MQTT-3.2.0-1] [MQTT-3.2.0-2]"),
            Some("MQTT-3.2.0-1")
        );
        assert_eq!(cited_statement("topic alias 0 is invalid"), None);
        assert_eq!(cited_statement("cut [MQTT-3.1"), None);
    }
}
