//! The time of a message for `mqtt-sub -F`: a UTC date and time broken into its fields.
//! (The tools print UTC where mosquitto prints local time: the offset is always `+0000`.)

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;

/// A moment, UTC, to the nanosecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Utc {
    /// Seconds since 1970-01-01 00:00:00 UTC.
    pub(crate) epoch_seconds: u64,
    /// Nanoseconds within the second.
    pub(crate) nanos: u32,
    pub(crate) year: i32,
    pub(crate) month: u8,
    pub(crate) day: u8,
    pub(crate) hour: u8,
    pub(crate) minute: u8,
    pub(crate) second: u8,
}

impl Utc {
    /// `time` in UTC (a time before 1970 counts as 1970).
    pub(crate) fn from(time: SystemTime) -> Self {
        let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
        let moment = OffsetDateTime::from(UNIX_EPOCH + since_epoch);
        Utc {
            epoch_seconds: since_epoch.as_secs(),
            nanos: since_epoch.subsec_nanos(),
            year: moment.year(),
            month: u8::from(moment.month()),
            day: moment.day(),
            hour: moment.hour(),
            minute: moment.minute(),
            second: moment.second(),
        }
    }

    /// `2016-08-10T09:47:38+0000` (mosquitto's `%I`).
    pub(crate) fn iso8601(&self) -> String {
        format!("{}T{}+0000", self.date(), self.time())
    }

    /// `2016-08-10`.
    pub(crate) fn date(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// `09:47:38`.
    pub(crate) fn time(&self) -> String {
        format!("{:02}:{:02}:{:02}", self.hour, self.minute, self.second)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: u64, nanos: u32) -> Utc {
        Utc::from(UNIX_EPOCH + Duration::new(seconds, nanos))
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(at(0, 0).iso8601(), "1970-01-01T00:00:00+0000");
        // 2016-08-10 09:47:38 UTC, the example of mosquitto_sub's manual.
        let example = at(1_470_822_458, 786_368_637);
        assert_eq!(example.iso8601(), "2016-08-10T09:47:38+0000");
        assert_eq!(example.nanos, 786_368_637);
        assert_eq!(at(951_782_400, 0).date(), "2000-02-29");
        assert_eq!(at(4_102_444_799, 0).iso8601(), "2099-12-31T23:59:59+0000");
    }
}
