//! Reconnection: when to try again ([`Backoff`], a pure schedule) and how to wait
//! ([`Sleeper`], replaceable so that tests and other runtimes control time).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// Whether and how the driver reconnects after a failed attempt or a lost connection.
#[derive(Debug, Clone, PartialEq)]
pub enum Reconnect {
    /// Never: the driver ends when the connection ends or cannot be made.
    Never,
    /// Again and again, waiting longer after each failure ([`Backoff`]).
    Backoff(Backoff),
}

impl Default for Reconnect {
    /// Reconnect with [`Backoff::default`]: 1 s doubling to 120 s, with jitter.
    fn default() -> Self {
        Self::Backoff(Backoff::default())
    }
}

/// Exponential back-off with jitter: the wait before attempt `n + 1` after `n` failures in a
/// row is `min(maximum, initial * multiplier^n)`, less a random part of up to `jitter` of it
/// (so that many clients cut off at once do not all come back at once).
///
/// The schedule is a pure function ([`Backoff::delay`]) of the failure count and a random
/// number, so it is tested without waiting.
///
/// ```
/// use std::time::Duration;
/// use mqtt_kit_client::Backoff;
///
/// let backoff = Backoff::default();
/// // With the random part at 0, the plain doubling: 1 s, 2 s, 4 s... capped at 120 s.
/// assert_eq!(backoff.delay(0, 0.0), Duration::from_secs(1));
/// assert_eq!(backoff.delay(3, 0.0), Duration::from_secs(8));
/// assert_eq!(backoff.delay(20, 0.0), Duration::from_secs(120));
/// // The random part takes up to half of it away (jitter 0.5).
/// assert_eq!(backoff.delay(3, 0.5), Duration::from_secs(6));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    /// The wait after the first failure (default 1 s).
    pub initial: Duration,
    /// The longest wait (default 120 s).
    pub maximum: Duration,
    /// How much longer each wait is than the one before (default 2).
    pub multiplier: f64,
    /// The largest part of a wait that the random part may take away, from 0 (none) to 1
    /// (all of it; "full jitter"); default 0.5.
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            maximum: Duration::from_secs(120),
            multiplier: 2.0,
            jitter: 0.5,
        }
    }
}

impl Backoff {
    /// The default schedule starting at `initial` and capped at `maximum`.
    pub fn new(initial: Duration, maximum: Duration) -> Self {
        Self {
            initial,
            maximum,
            ..Self::default()
        }
    }

    /// The wait after `failures` failures in a row (0 for the first retry), with `random` a
    /// number in `[0, 1)` (values outside are clamped). Pure: the same inputs always give the
    /// same wait.
    pub fn delay(&self, failures: u32, random: f64) -> Duration {
        let random = if random.is_nan() {
            0.0
        } else {
            random.clamp(0.0, 1.0)
        };
        let exponent = i32::try_from(failures).unwrap_or(i32::MAX);
        let base = self.initial.as_secs_f64() * self.multiplier.powi(exponent);
        let capped = if base.is_finite() {
            base.min(self.maximum.as_secs_f64())
        } else {
            self.maximum.as_secs_f64()
        };
        let jittered = capped * (1.0 - self.jitter.clamp(0.0, 1.0) * random);
        Duration::try_from_secs_f64(jittered.max(0.0)).unwrap_or(self.maximum)
    }

    /// The wait after `failures` failures, with a random part from `fastrand`.
    pub fn delay_with_jitter(&self, failures: u32) -> Duration {
        self.delay(failures, fastrand::f64())
    }

    /// Why this schedule cannot be used, if it cannot.
    pub(crate) fn check(&self) -> Result<(), &'static str> {
        if self.initial.is_zero() {
            return Err("initial must be longer than 0");
        }
        if self.maximum < self.initial {
            return Err("maximum must not be shorter than initial");
        }
        if !self.multiplier.is_finite() || self.multiplier < 1.0 {
            return Err("multiplier must be a finite number of at least 1");
        }
        if !(0.0..=1.0).contains(&self.jitter) {
            return Err("jitter must be between 0 and 1");
        }
        Ok(())
    }
}

/// The future a [`Sleeper`] returns.
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Waits the reconnection delays. The default, [`TimerSleeper`], uses async-io's timers
/// (which work under any executor); a test can give its own to record the delays and return
/// at once, so that the schedule is checked without waiting for it.
pub trait Sleeper: Send + Sync {
    /// A future that ends after `duration`.
    fn sleep(&self, duration: Duration) -> SleepFuture;
}

/// The default [`Sleeper`]: an async-io [`Timer`](async_io::Timer).
#[derive(Debug, Clone, Copy, Default)]
pub struct TimerSleeper;

impl Sleeper for TimerSleeper {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        Box::pin(async move {
            async_io::Timer::after(duration).await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_one_second_to_two_minutes() {
        let backoff = Backoff::default();
        let waits: Vec<u64> = (0..10).map(|n| backoff.delay(n, 0.0).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 120, 120, 120]);
        assert_eq!(backoff.delay(u32::MAX, 0.0), Duration::from_secs(120));
    }

    #[test]
    fn jitter_takes_away_at_most_its_share() {
        let backoff = Backoff::default();
        for n in 0..12 {
            let full = backoff.delay(n, 0.0);
            for _ in 0..100 {
                let wait = backoff.delay_with_jitter(n);
                assert!(wait <= full && wait >= full / 2, "{wait:?} for {full:?}");
            }
        }
        assert_eq!(backoff.delay(1, 0.999_999).as_millis(), 1000);
        assert_eq!(
            backoff.delay(1, 7.0),
            Duration::from_secs(1),
            "clamped to 1"
        );
        assert_eq!(backoff.delay(1, f64::NAN), Duration::from_secs(2));
    }

    #[test]
    fn full_jitter_and_custom_schedules() {
        let backoff = Backoff {
            initial: Duration::from_millis(100),
            maximum: Duration::from_millis(250),
            multiplier: 3.0,
            jitter: 1.0,
        };
        assert_eq!(backoff.delay(0, 0.0), Duration::from_millis(100));
        assert_eq!(backoff.delay(1, 0.0), Duration::from_millis(250));
        assert_eq!(backoff.delay(1, 0.5), Duration::from_millis(125));
        assert!(backoff.check().is_ok());
    }

    #[test]
    fn unusable_schedules_are_refused() {
        let zero = Backoff::new(Duration::ZERO, Duration::from_secs(1));
        assert!(zero.check().is_err());
        let inverted = Backoff::new(Duration::from_secs(2), Duration::from_secs(1));
        assert!(inverted.check().is_err());
        let shrinking = Backoff {
            multiplier: 0.5,
            ..Backoff::default()
        };
        assert!(shrinking.check().is_err());
        let jitter = Backoff {
            jitter: 1.5,
            ..Backoff::default()
        };
        assert!(jitter.check().is_err());
    }
}
