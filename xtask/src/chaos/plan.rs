//! How much each test does: `--quick` (for CI, under 3 minutes in all) or the full run.

/// The sizes of one run.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Numbered messages through the fault proxy.
    pub proxy_messages: u64,
    /// The proxy cuts each connection after every this many PUBLISH packets.
    pub cut_every: u64,
    /// Half-open episodes through the proxy.
    pub half_opens: u32,
    /// Kills of the publisher process.
    pub publisher_kills: u32,
    /// Messages the killed publisher must get through in all.
    pub publisher_messages: u64,
    /// Kills of the broker.
    pub broker_kills: u32,
    /// Messages published across the broker kills.
    pub broker_messages: u64,
    /// Corrupted store files tried.
    pub corruptions: u32,
    /// Seconds the broker stays stopped while the client publishes.
    pub stop_seconds: u64,
}

impl Plan {
    /// The quick run.
    pub const QUICK: Plan = Plan {
        proxy_messages: 4_000,
        cut_every: 150,
        half_opens: 1,
        publisher_kills: 6,
        publisher_messages: 8_000,
        broker_kills: 4,
        broker_messages: 4_000,
        corruptions: 500,
        stop_seconds: 5,
    };

    /// The full run: at least 50 cuts and 20 kills (of each kind).
    pub const FULL: Plan = Plan {
        proxy_messages: 20_000,
        cut_every: 300,
        half_opens: 3,
        publisher_kills: 25,
        publisher_messages: 40_000,
        broker_kills: 20,
        broker_messages: 20_000,
        corruptions: 3_000,
        stop_seconds: 15,
    };
}
