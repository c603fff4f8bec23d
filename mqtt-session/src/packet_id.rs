//! Packet identifier allocation: an identifier is never handed out twice while it is in flight.
//!
//! PUBLISH (QoS 1 and 2), SUBSCRIBE and UNSUBSCRIBE share one space of 65,535 non-zero
//! identifiers [MQTT-2.3.1-2] [MQTT-2.2.1-3]. An identifier becomes free again only when the
//! exchange it names is over (PUBACK, PUBCOMP, a PUBREC with an error code, SUBACK, UNSUBACK).

use mqtt_kit_codec::PacketId;

/// Hands out packet identifiers that are not in use, in increasing order (wrapping after
/// 65,535), so that a just-released identifier is not reused at once: a late duplicate
/// acknowledgement is then much less likely to be mistaken for a new exchange.
#[derive(Clone)]
pub struct PacketIdAllocator {
    /// One bit per identifier, grown to the highest one marked so far (an idle client with a
    /// few subscriptions holds a word, not the 8 KiB of the whole space); bits past its end
    /// are free.
    used: Vec<u64>,
    in_use: usize,
    next: u16,
}

impl std::fmt::Debug for PacketIdAllocator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PacketIdAllocator")
            .field("in_use", &self.in_use)
            .field("next", &self.next)
            .finish()
    }
}

impl Default for PacketIdAllocator {
    fn default() -> Self {
        Self::new()
    }
}

impl PacketIdAllocator {
    /// An allocator with every identifier free; the first one handed out is 1.
    pub fn new() -> Self {
        Self {
            used: Vec::new(),
            in_use: 0,
            next: 1,
        }
    }

    /// The next free identifier, now marked as in use; `None` when all 65,535 are in flight.
    pub fn allocate(&mut self) -> Option<PacketId> {
        if self.in_use >= usize::from(u16::MAX) {
            return None;
        }
        let mut candidate = self.next;
        loop {
            if candidate != 0 && !self.is_used(candidate) {
                break;
            }
            // Skip whole words that are full, then single bits.
            let word = usize::from(candidate) / 64;
            if self.word(word) == u64::MAX {
                candidate = ((word as u32 + 1) * 64 % 65536) as u16;
            } else {
                candidate = candidate.wrapping_add(1);
            }
        }
        self.mark(candidate);
        self.next = candidate.wrapping_add(1);
        PacketId::new(candidate)
    }

    /// Marks `id` as in use (an identifier restored from a store, for example).
    /// Returns false if it already was.
    pub fn reserve(&mut self, id: PacketId) -> bool {
        if self.is_used(id.get()) {
            return false;
        }
        self.mark(id.get());
        true
    }

    /// Frees `id`. Returns false if it was not in use.
    pub fn release(&mut self, id: PacketId) -> bool {
        let id = id.get();
        if !self.is_used(id) {
            return false;
        }
        if let Some(word) = self.used.get_mut(usize::from(id) / 64) {
            *word &= !(1u64 << (id % 64));
        }
        self.in_use -= 1;
        true
    }

    /// How many identifiers are in use.
    pub fn in_use(&self) -> usize {
        self.in_use
    }

    fn word(&self, index: usize) -> u64 {
        self.used.get(index).copied().unwrap_or(0)
    }

    fn is_used(&self, id: u16) -> bool {
        self.word(usize::from(id) / 64) & (1u64 << (id % 64)) != 0
    }

    fn mark(&mut self, id: u16) {
        let index = usize::from(id) / 64;
        if self.used.len() <= index {
            self.used.resize(index + 1, 0);
        }
        if let Some(word) = self.used.get_mut(index) {
            *word |= 1u64 << (id % 64);
        }
        self.in_use += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u16) -> PacketId {
        PacketId::new(n).unwrap()
    }

    #[test]
    fn hands_out_increasing_ids_and_never_zero() {
        let mut ids = PacketIdAllocator::new();
        assert_eq!(ids.allocate(), Some(id(1)));
        assert_eq!(ids.allocate(), Some(id(2)));
        ids.release(id(1));
        // 1 is free again but not reused at once.
        assert_eq!(ids.allocate(), Some(id(3)));
    }

    #[test]
    fn exhausts_after_65535_and_recovers_after_a_release() {
        let mut ids = PacketIdAllocator::new();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..65535 {
            let got = ids.allocate().unwrap();
            assert!(seen.insert(got), "{got} handed out twice");
        }
        assert_eq!(ids.allocate(), None);
        assert!(ids.release(id(40000)));
        assert_eq!(ids.allocate(), Some(id(40000)));
        assert_eq!(ids.allocate(), None);
    }

    #[test]
    fn wraps_past_65535_skipping_zero_and_used_ids() {
        let mut ids = PacketIdAllocator::new();
        assert!(ids.reserve(id(1)));
        assert!(!ids.reserve(id(1)));
        ids.next = 65535;
        assert_eq!(ids.allocate(), Some(id(65535)));
        assert_eq!(ids.allocate(), Some(id(2)));
        assert!(!ids.reserve(id(2)), "2 is in use");
        assert!(!ids.release(id(3)));
        assert_eq!(ids.in_use(), 3);
    }
}
