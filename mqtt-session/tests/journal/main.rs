//! The journal: round trips, torn tails, damage refused, compaction that cannot lose the old
//! file, and random byte flips that never load different contents.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod compaction;
mod corruption;
mod round_trip;
mod support;
mod torn_tail;
