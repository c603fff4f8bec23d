//! Incoming QoS 1/2 messages: what has been delivered, what is owed an acknowledgement, and
//! which QoS 2 identifiers wait for PUBREL.
//!
//! A QoS 2 message is delivered once, when its first PUBLISH arrives; its packet identifier is
//! then remembered until PUBREL, and any PUBLISH with that identifier meanwhile is a duplicate
//! that is answered (PUBREC) but not delivered [MQTT-4.3.3-10]. After PUBCOMP, or after a
//! PUBREC with an error code, the identifier is free and a PUBLISH with it is a new message
//! [MQTT-4.3.3-9] [MQTT-4.3.3-12]. A QoS 1 message is owed a PUBACK; once written, the
//! identifier names new messages again [MQTT-4.3.2-5].
//!
//! With manual acknowledgement, the two levels part ways when the connection drops:
//! - QoS 2 state belongs to the session. A message the application holds stays
//!   [`Qos2State::AwaitingApp`] across reconnections that resume the session (Session
//!   Present 1): its token stays valid, the copy the server sends again [MQTT-4.4.0-1] is
//!   not delivered a second time, and the PUBREC goes out on the connection of the day, in
//!   that connection's order, once both the copy has arrived and the application has
//!   answered (whichever comes last). An answer given while disconnected, or a PUBREC lost
//!   with its connection, answers the copy at once.
//! - QoS 1 state belongs to the connection: a QoS 1 identifier carries no exactly-once
//!   promise, so nothing about it is kept past the connection. The copy the server sends
//!   again is delivered again (DUP set, at least once) with a new token, and the old token is
//!   refused. Keeping QoS 1 messages across connections would only save a duplicate that
//!   QoS 1 allows, at the price of a second kind of session state.
//!
//! When the session is not resumed (Session Present 0, or a clean start), everything goes
//! and every outstanding token is refused.

use std::collections::HashMap;

use mqtt_kit_codec::{PubAck, PubRec};

use crate::ack_order::AckQueue;
use crate::flow_control::InFlightWindow;
use crate::topic_alias::IncomingAliases;

/// The reply owed to an incoming QoS 1/2 PUBLISH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AckReply {
    /// To a QoS 1 PUBLISH.
    PubAck(PubAck),
    /// To a QoS 2 PUBLISH.
    PubRec(PubRec),
}

/// Where an incoming QoS 2 message is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Qos2State {
    /// Delivered with manual acknowledgement; the application has not answered yet. Kept
    /// across reconnections that resume the session, so that its token stays valid.
    AwaitingApp {
        /// The delivery its token names.
        delivery: u64,
    },
    /// Owned by us (PUBREC success decided, stored); waiting for PUBREL.
    Recorded,
    /// The application refused it; the error PUBREC is owed.
    Refused(PubRec),
}

/// Incoming state: QoS 2 identifiers (kept with the session) and, per connection, the QoS 1
/// acknowledgements owed, the order they must leave in, our Receive Maximum window and the
/// topic aliases.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// QoS 2 packet identifiers not yet released, by identifier.
    pub qos2: HashMap<u16, Qos2State>,
    /// QoS 1 packet identifiers owed a PUBACK on this connection, with their delivery number.
    pub qos1: HashMap<u16, u64>,
    /// Replies in arrival order.
    pub acks: AckQueue<AckReply>,
    /// Our Receive Maximum, counted on this connection.
    pub window: InFlightWindow,
    /// Topic aliases of this connection.
    pub aliases: IncomingAliases<mqtt_kit_codec::TopicName>,
    receive_maximum: u16,
}

impl Incoming {
    /// Empty state, enforcing `receive_maximum` and accepting aliases up to `alias_maximum`.
    pub fn new(receive_maximum: u16, alias_maximum: u16) -> Self {
        Self {
            qos2: HashMap::new(),
            qos1: HashMap::new(),
            acks: AckQueue::new(),
            window: InFlightWindow::new(receive_maximum),
            aliases: IncomingAliases::new(alias_maximum),
            receive_maximum,
        }
    }

    /// Forgets what belongs to the connection that ended; QoS 2 identifiers stay with the
    /// session.
    pub fn end_connection(&mut self) {
        self.qos1.clear();
        self.acks.clear();
        self.window.reset(self.receive_maximum);
        self.aliases.clear();
    }

    /// Forgets the session's part too (the server discarded the session).
    pub fn discard_session(&mut self) {
        self.end_connection();
        self.qos2.clear();
    }
}
