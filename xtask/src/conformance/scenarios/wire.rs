//! What the proxy saw, in the terms the newer scenarios check: the broker's PUBLISH packets
//! by payload, and the client's acknowledgements.

use mqtt_kit_codec::Packet;

use crate::conformance::proxy::{Direction, Tapped};

/// How many PUBLISH packets carrying `payload` the broker sent to the client.
pub fn publishes_of(tapped: &[Tapped], payload: &str) -> usize {
    tapped
        .iter()
        .filter(|t| t.direction == Direction::ToClient)
        .filter(
            |t| matches!(&t.packet, Ok(Packet::Publish(p)) if &p.payload[..] == payload.as_bytes()),
        )
        .count()
}

/// The packet identifiers of the broker's PUBLISH packets carrying `payload`.
pub fn packet_ids_of(tapped: &[Tapped], payload: &str) -> Vec<u16> {
    tapped
        .iter()
        .filter(|t| t.direction == Direction::ToClient)
        .filter_map(|t| match &t.packet {
            Ok(Packet::Publish(p)) if &p.payload[..] == payload.as_bytes() => {
                p.packet_id.map(|id| id.get())
            }
            _ => None,
        })
        .collect()
}

/// The packet identifiers the client acknowledged (PUBACK or PUBREC), in order.
pub fn acknowledged(tapped: &[Tapped]) -> Vec<u16> {
    tapped
        .iter()
        .filter(|t| t.direction == Direction::ToBroker)
        .filter_map(|t| match &t.packet {
            Ok(Packet::PubAck(ack)) => Some(ack.packet_id.get()),
            Ok(Packet::PubRec(ack)) => Some(ack.packet_id.get()),
            _ => None,
        })
        .collect()
}

/// Whether the broker sent any PUBLISH with a topic alias, and any with a Subscription
/// Identifier (for notes on what a scenario could show).
pub fn aliases_and_ids(tapped: &[Tapped]) -> (bool, bool) {
    let publishes = tapped
        .iter()
        .filter(|t| t.direction == Direction::ToClient)
        .filter_map(|t| match &t.packet {
            Ok(Packet::Publish(p)) => Some(p),
            _ => None,
        });
    let mut aliases = false;
    let mut ids = false;
    for p in publishes {
        aliases |= p.properties.topic_alias.is_some();
        ids |= !p.properties.subscription_identifiers.is_empty();
    }
    (aliases, ids)
}

/// The topics of the broker's PUBLISH packets to the client, in order, with the topic
/// aliases resolved as the standard says (per connection): what the broker meant, to tell
/// a broker that sent the wrong topic from a client that resolved it wrongly.
pub fn topics_to_client(tapped: &[Tapped]) -> Vec<String> {
    let mut aliases: std::collections::HashMap<(u64, std::num::NonZeroU16), String> =
        Default::default();
    let mut topics = Vec::new();
    for t in tapped.iter().filter(|t| t.direction == Direction::ToClient) {
        let Ok(Packet::Publish(p)) = &t.packet else {
            continue;
        };
        let name = p.topic.as_str().to_owned();
        let topic = match p.properties.topic_alias {
            Some(alias) if name.is_empty() => aliases
                .get(&(t.connection, alias))
                .cloned()
                .unwrap_or_else(|| format!("(unknown alias {alias})")),
            Some(alias) => {
                aliases.insert((t.connection, alias), name.clone());
                name
            }
            None => name,
        };
        topics.push(topic);
    }
    topics
}
