//! Keep alive: a PINGREQ when nothing was sent, or nothing received, for a keep-alive
//! period, and a dead link detected when the PINGRESP does not come.
//!
//! The client must send some control packet within every keep-alive period
//! [MQTT-3.1.2-23] (3.1.1) [MQTT-3.1.2-20] (5.0), so a PINGREQ is due one period after the
//! last packet *sent*. One is also due one period after the last byte *received*: a client
//! that keeps sending (a QoS 0 flood) to a server that sends nothing back would otherwise
//! never ask, and a half-open link would go unnoticed. The server's keep alive, when its
//! CONNACK carries one, replaces ours [MQTT-3.1.2-21] [MQTT-3.2.2-21].
//!
//! A PINGRESP that has not come within the wait after the PINGREQ (half the period unless
//! configured otherwise, see [`crate::SessionConfig::pingresp_timeout`]) marks the
//! connection dead: so a link that goes silent is found dead at most 1.5 periods after the
//! last byte received. Any byte received meanwhile proves the link alive and restarts that
//! wait, so a PINGRESP queued behind a large message is not a false alarm.

use std::time::{Duration, Instant};

/// What a keep-alive timer wants done at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepAliveAction {
    /// Nothing yet.
    Nothing,
    /// Send a PINGREQ now.
    SendPing,
    /// The PINGRESP did not come in time: the connection is dead.
    Dead,
}

/// The keep-alive timer of one network connection.
#[derive(Debug, Clone)]
pub struct KeepAlive {
    interval: Option<Duration>,
    pingresp_timeout: Duration,
    last_sent: Instant,
    ping_sent: Option<Instant>,
    last_received: Instant,
}

impl KeepAlive {
    /// A timer for a keep alive of `seconds` (0 turns it off), which waits `pingresp_timeout`
    /// for a PINGRESP, starting at `now`.
    pub fn new(seconds: u16, pingresp_timeout: Duration, now: Instant) -> Self {
        Self {
            interval: (seconds > 0).then(|| Duration::from_secs(u64::from(seconds))),
            pingresp_timeout,
            last_sent: now,
            ping_sent: None,
            last_received: now,
        }
    }

    /// Replaces the period (the server's keep alive from CONNACK).
    pub fn set_interval(&mut self, seconds: u16) {
        self.interval = (seconds > 0).then(|| Duration::from_secs(u64::from(seconds)));
    }

    /// Replaces how long a PINGRESP is awaited.
    pub fn set_pingresp_timeout(&mut self, timeout: Duration) {
        self.pingresp_timeout = timeout;
    }

    /// A packet was sent at `now`.
    pub fn on_sent(&mut self, now: Instant) {
        self.last_sent = self.last_sent.max(now);
    }

    /// A PINGREQ was sent at `now`.
    pub fn on_ping_sent(&mut self, now: Instant) {
        self.on_sent(now);
        self.ping_sent = Some(now);
    }

    /// Bytes were received at `now`.
    pub fn on_received(&mut self, now: Instant) {
        self.last_received = self.last_received.max(now);
    }

    /// A PINGRESP arrived.
    pub fn on_pingresp(&mut self) {
        self.ping_sent = None;
    }

    /// The next instant at which [`KeepAlive::check`] has something to do.
    pub fn deadline(&self) -> Option<Instant> {
        // A period reaching past the end of `Instant` never ends (e.g. `Duration::MAX`).
        match self.ping_sent {
            Some(sent) => sent
                .max(self.last_received)
                .checked_add(self.pingresp_timeout),
            None => self.interval.and_then(|interval| {
                // Whichever way has been quiet longer decides.
                self.last_sent.min(self.last_received).checked_add(interval)
            }),
        }
    }

    /// What is due at `now`.
    pub fn check(&self, now: Instant) -> KeepAliveAction {
        match self.deadline() {
            Some(deadline) if now >= deadline => {
                if self.ping_sent.is_some() {
                    KeepAliveAction::Dead
                } else {
                    KeepAliveAction::SendPing
                }
            }
            _ => KeepAliveAction::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pings_a_period_after_the_last_packet_sent() {
        let start = Instant::now();
        let at = |seconds| start + Duration::from_secs(seconds);
        let mut timer = KeepAlive::new(10, Duration::from_secs(5), start);
        assert_eq!(timer.deadline(), Some(at(10)));
        timer.on_sent(at(6));
        timer.on_received(at(9));
        let checks = |timer: &KeepAlive| [10, 16, 20, 22, 25].map(|s| timer.check(at(s)));
        use KeepAliveAction::{Dead, Nothing, SendPing};
        assert_eq!(checks(&timer)[..2], [Nothing, SendPing]);
        timer.on_ping_sent(at(16));
        assert_eq!(checks(&timer)[2], Nothing);
        // Bytes arriving restart the wait for the PINGRESP.
        timer.on_received(at(20));
        assert_eq!(checks(&timer)[3..], [Nothing, Dead]);
        timer.on_pingresp();
        // No longer waiting: the next PINGREQ is a period after the last one.
        assert_eq!(timer.deadline(), Some(at(26)));
        assert_eq!(timer.check(at(25)), Nothing);
    }

    #[test]
    fn pings_a_period_after_the_last_byte_received_even_while_sending() {
        let start = Instant::now();
        let at = |seconds| start + Duration::from_secs(seconds);
        let mut timer = KeepAlive::new(10, Duration::from_secs(5), start);
        timer.on_received(at(2));
        for second in 1..=11 {
            timer.on_sent(at(second));
        }
        assert_eq!(timer.deadline(), Some(at(12)));
        assert_eq!(timer.check(at(12)), KeepAliveAction::SendPing);
        timer.on_ping_sent(at(12));
        timer.on_sent(at(13));
        assert_eq!(timer.check(at(16)), KeepAliveAction::Nothing);
        assert_eq!(timer.check(at(17)), KeepAliveAction::Dead);
    }

    #[test]
    fn zero_turns_it_off_and_the_server_value_replaces_ours() {
        let start = Instant::now();
        let mut timer = KeepAlive::new(0, Duration::from_secs(5), start);
        assert_eq!(timer.deadline(), None);
        timer.set_interval(3);
        assert_eq!(timer.deadline(), Some(start + Duration::from_secs(3)));
        assert_eq!(
            timer.check(start + Duration::from_secs(3)),
            KeepAliveAction::SendPing
        );
    }
}
