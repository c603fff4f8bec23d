//! What the journal records: one [`Record`] per change of the session state that must outlive
//! the process.

use mqtt_kit_codec::{PacketId, Publish};

use crate::store::StoredPublish;

/// One change of the durable session state, in the order the session made it.
///
/// A durable session ([`crate::Session::restore`]) produces them; a
/// [`crate::Journal`] appends them, and replaying them in order rebuilds a
/// [`crate::StoredSession`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A session was established with the server (true) or discarded (false).
    Established(bool),
    /// An outgoing PUBLISH got its packet identifier and is about to be sent (or, for an
    /// entry already on record with that identifier, replaces it).
    SaveOutgoing(StoredPublish),
    /// A PUBREC came for `packet_id`: its PUBREL is about to be sent as number `order`.
    ReleaseOutgoing {
        /// The exchange released.
        packet_id: PacketId,
        /// Its new place in the order of sending.
        order: u64,
    },
    /// The exchange of this packet identifier is over.
    RemoveOutgoing(PacketId),
    /// An incoming QoS 2 PUBLISH with this identifier is about to be answered with PUBREC.
    SaveIncoming(PacketId),
    /// The PUBREL of this incoming identifier is about to be answered with PUBCOMP.
    RemoveIncoming(PacketId),
    /// The session is discarded: everything before this record is forgotten.
    Clear,
    /// A publish was accepted before it had a packet identifier (for example into the offline
    /// queue): `seq` is its place in the queue, increasing.
    Queue {
        /// Place in the queue; restored in increasing order.
        seq: u64,
        /// The message, without packet identifier (any identifier given is not kept).
        publish: Publish,
    },
    /// The queued publish `seq` left the queue (it got a packet identifier, recorded by a
    /// [`Record::SaveOutgoing`] in the same batch, or it was dropped or sent at QoS 0).
    Unqueue(u64),
}
