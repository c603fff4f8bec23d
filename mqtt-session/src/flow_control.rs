//! Flow control: how many QoS 1 and QoS 2 PUBLISH packets may be unacknowledged at once.
//!
//! The same window serves both directions. Outgoing, its size is the server's Receive
//! Maximum (65,535 when absent, and for MQTT 3.x the client's own bound) and a PUBLISH waits
//! while the window is full [MQTT-3.3.4-7] [MQTT-4.9.0-2]; other packets never wait for it
//! [MQTT-3.3.4-8] [MQTT-4.9.0-3]. Incoming, its size is our own Receive Maximum and a server
//! that overfills it has broken the protocol (DISCONNECT 0x93) [MQTT-3.3.4-9].
//!
//! Windows count per network connection: both sides start again from the full Receive
//! Maximum on every new connection, so identifiers carried over from an earlier connection
//! (a PUBREL sent again, say) are not counted until their PUBLISH is sent again.

use std::collections::HashSet;

/// The packet identifiers of QoS 1/2 PUBLISH packets sent (or received) on the current
/// connection and not yet acknowledged, bounded by a maximum.
#[derive(Debug, Clone)]
pub struct InFlightWindow {
    maximum: u16,
    ids: HashSet<u16>,
}

impl InFlightWindow {
    /// A window of `maximum` PUBLISH packets (0 is treated as 1: the initial send quota must
    /// not be zero [MQTT-4.9.0-1]).
    pub fn new(maximum: u16) -> Self {
        Self {
            maximum: maximum.max(1),
            ids: HashSet::new(),
        }
    }

    /// The bound.
    pub fn maximum(&self) -> u16 {
        self.maximum
    }

    /// How many more PUBLISH packets fit (the v5 "send quota").
    pub fn quota(&self) -> usize {
        usize::from(self.maximum).saturating_sub(self.ids.len())
    }

    /// Whether another PUBLISH fits.
    pub fn has_room(&self) -> bool {
        self.quota() > 0
    }

    /// Counts `id` as in flight. Returns false if it already was (a duplicate), in which case
    /// nothing changes.
    pub fn insert(&mut self, id: u16) -> bool {
        self.ids.insert(id)
    }

    /// Whether `id` is counted.
    pub fn contains(&self, id: u16) -> bool {
        self.ids.contains(&id)
    }

    /// Stops counting `id` (its exchange is over). Returns false if it was not counted.
    pub fn remove(&mut self, id: u16) -> bool {
        self.ids.remove(&id)
    }

    /// Starts a new connection with a new bound and nothing counted.
    pub fn reset(&mut self, maximum: u16) {
        self.maximum = maximum.max(1);
        self.ids.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_up_to_the_maximum_and_frees_on_ack() {
        let mut window = InFlightWindow::new(2);
        assert!(window.insert(1));
        assert!(!window.insert(1), "a duplicate is not counted twice");
        assert!(window.insert(2));
        assert!(!window.has_room());
        assert_eq!(window.quota(), 0);
        assert!(window.remove(1));
        assert!(window.has_room());
        assert!(!window.remove(1));
        window.reset(0);
        assert_eq!(window.maximum(), 1);
        assert!(!window.contains(2), "a new connection counts nothing");
        assert_eq!(window.quota(), 1);
    }
}
