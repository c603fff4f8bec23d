//! What the peer sends on one connection, and the thread that writes it: the answers
//! (CONNACK, PUBACK, PUBREC, PUBCOMP, PUBREL, SUBACK, UNSUBACK, PINGRESP) first, then the
//! messages forwarded to a subscriber, at most [`WINDOW`] of QoS 1/2 unacknowledged at once
//! (as mosquitto with `max_inflight_messages 100`). Everything waiting goes out in one write.

use std::collections::{HashSet, VecDeque};
use std::io::Write;
use std::net::TcpStream;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use bytes::BytesMut;
use mqtt_kit_codec::{Packet, PacketId, ProtocolVersion, Publish, QoS};

/// QoS 1/2 messages forwarded and not yet acknowledged, at most.
pub const WINDOW: usize = 100;

#[derive(Debug, Default)]
struct State {
    replies: Vec<Packet>,
    forwards: VecDeque<Publish>,
    in_flight: HashSet<u16>,
    last_id: u16,
    closed: bool,
}

impl State {
    fn next_id(&mut self) -> Option<PacketId> {
        loop {
            self.last_id = self.last_id % u16::MAX + 1;
            if !self.in_flight.contains(&self.last_id) {
                self.in_flight.insert(self.last_id);
                return PacketId::new(self.last_id);
            }
        }
    }
}

/// The queue of one connection, shared by its reader, the readers of publishers that
/// forward to it, and its writer thread.
#[derive(Debug, Default)]
pub struct Outbox {
    state: Mutex<State>,
    wake: Condvar,
}

impl Outbox {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues the connection's own answers and frees the window slots of the forwarded
    /// messages it acknowledged (PUBACK or PUBCOMP).
    pub fn answer(&self, replies: &mut Vec<Packet>, released: &mut Vec<PacketId>) {
        if replies.is_empty() && released.is_empty() {
            return;
        }
        let mut state = self.lock();
        state.replies.append(replies);
        for id in released.drain(..) {
            state.in_flight.remove(&u16::from(id));
        }
        drop(state);
        self.wake.notify_one();
    }

    /// Queues messages forwarded to this connection.
    pub fn forward(&self, publishes: &mut Vec<Publish>) {
        if publishes.is_empty() {
            return;
        }
        self.lock().forwards.extend(publishes.drain(..));
        self.wake.notify_one();
    }

    /// Ends the writer.
    pub fn close(&self) {
        self.lock().closed = true;
        self.wake.notify_one();
    }

    /// Waits for something to send; moves it into `replies` and `forwards` (identifiers
    /// given). `false` once closed.
    fn take(&self, replies: &mut Vec<Packet>, forwards: &mut Vec<Publish>) -> bool {
        let mut state = self.lock();
        loop {
            if state.closed {
                return false;
            }
            std::mem::swap(&mut state.replies, replies);
            while let Some(front) = state.forwards.front() {
                if front.qos != QoS::AtMostOnce && state.in_flight.len() >= WINDOW {
                    break;
                }
                let Some(mut publish) = state.forwards.pop_front() else {
                    break;
                };
                if publish.qos != QoS::AtMostOnce {
                    publish.packet_id = state.next_id();
                }
                forwards.push(publish);
            }
            if !replies.is_empty() || !forwards.is_empty() {
                return true;
            }
            state = self
                .wake
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The writer thread's loop: until closed or the connection fails.
    pub fn write_loop(&self, mut stream: TcpStream, version: ProtocolVersion) {
        let mut out = BytesMut::with_capacity(64 * 1024);
        let mut replies = Vec::new();
        let mut forwards = Vec::new();
        while self.take(&mut replies, &mut forwards) {
            for packet in replies.drain(..) {
                if packet.encode(version, None, &mut out).is_err() {
                    return;
                }
            }
            for publish in forwards.drain(..) {
                if Packet::from(publish)
                    .encode(version, None, &mut out)
                    .is_err()
                {
                    return;
                }
            }
            if stream.write_all(&out).is_err() {
                return;
            }
            out.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqtt_kit_codec::TopicName;

    fn publish(qos: QoS) -> Publish {
        Publish::new(TopicName::try_from("t").unwrap(), "x", qos)
    }

    #[test]
    fn forwards_wait_for_room_in_the_window() {
        let outbox = Outbox::default();
        let mut many: Vec<Publish> = (0..WINDOW + 2).map(|_| publish(QoS::AtLeastOnce)).collect();
        many.push(publish(QoS::AtMostOnce));
        outbox.forward(&mut many);
        let (mut replies, mut forwards) = (Vec::new(), Vec::new());
        assert!(outbox.take(&mut replies, &mut forwards));
        assert_eq!(forwards.len(), WINDOW);
        let first = forwards[0].packet_id.unwrap();
        outbox.answer(&mut vec![Packet::PingResp], &mut vec![first]);
        forwards.clear();
        assert!(outbox.take(&mut replies, &mut forwards));
        assert_eq!(replies.len(), 1);
        assert_eq!(forwards.len(), 1, "one slot was freed");
        assert_eq!(
            forwards[0].packet_id.map(u16::from),
            Some(WINDOW as u16 + 1)
        );
        outbox.close();
        assert!(!outbox.take(&mut replies, &mut forwards));
    }
}
