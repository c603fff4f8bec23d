//! The time of a message for `mqtt-sub -F`: a UTC date and time broken into its fields.
//! (The tools print UTC where mosquitto prints local time: the offset is always `+0000`.)

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A moment, UTC, to the nanosecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Utc {
    /// Seconds since 1970-01-01 00:00:00 UTC.
    pub(crate) epoch_seconds: u64,
    /// Nanoseconds within the second.
    pub(crate) nanos: u32,
    pub(crate) year: i64,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    pub(crate) second: u32,
}

impl Utc {
    /// `time` in UTC (a time before 1970 counts as 1970).
    pub(crate) fn from(time: SystemTime) -> Self {
        let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
        let seconds = since_epoch.as_secs();
        let (days, of_day) = (seconds / 86_400, seconds % 86_400);
        let (year, month, day) = civil_from_days(days);
        Utc {
            epoch_seconds: seconds,
            nanos: since_epoch.subsec_nanos(),
            year,
            month,
            day,
            // All below 86 400: the casts cannot truncate.
            hour: (of_day / 3_600) as u32,
            minute: (of_day % 3_600 / 60) as u32,
            second: (of_day % 60) as u32,
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

/// Year, month, day of the `days`-th day after 1970-01-01: Howard Hinnant's
/// `civil_from_days`, in eras of 400 years that start on a 1st of March.
fn civil_from_days(days: u64) -> (i64, u32, u32) {
    let shifted = days as i64 + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
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
