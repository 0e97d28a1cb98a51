//! Time helpers (a leaf of the layers): UTC days, calendar-month arithmetic, and the ranges of the
//! two integer clocks the columns use — nanoseconds (the event log) and microseconds (record
//! insights, API usage, log columns for hosts).
//!
//! The core never reads the system clock; every function here is a pure function of its inputs.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};

/// The largest microsecond timestamp the insights columns hold: 9999-12-31T23:59:59.999999Z.
pub(crate) const MAX_MICROS: i64 = 253_402_300_799_999_999;

/// Microseconds in a UTC day.
pub(crate) const DAY_MICROS: i64 = 86_400_000_000;

/// Microseconds since the epoch of `at` when it is within 1970-01-01..=9999-12-31, else `None`.
#[must_use]
pub(crate) fn micros(at: DateTime<Utc>) -> Option<i64> {
    let micros = at.timestamp_micros();
    (0..=MAX_MICROS).contains(&micros).then_some(micros)
}

/// Nanoseconds since the epoch of `at`, or `None` for a time the event log cannot hold (before
/// 1677-09-21 or after 2262-04-11).
#[must_use]
pub(crate) fn nanos(at: DateTime<Utc>) -> Option<i64> {
    at.timestamp_nanos_opt()
}

/// The UTC calendar day an instant falls on (R2: days are UTC days).
#[must_use]
pub fn utc_day(at: DateTime<Utc>) -> NaiveDate {
    at.date_naive()
}

/// Adds `months` calendar months to `at`, clamping the day of month to the last day of the
/// target month (31 Jan + 1 month = 28/29 Feb; 31 Jan + 2 months = 31 Mar).
///
/// The day is always taken from `at`, never from an earlier clamped result, so a monthly series
/// anchored on the 31st goes 31 Jan, 29 Feb, 31 Mar, 30 Apr, 31 May. Returns `None` past the
/// range chrono can represent.
#[must_use]
pub fn add_months(at: DateTime<Utc>, months: u32) -> Option<DateTime<Utc>> {
    at.checked_add_months(Months::new(months))
}

/// Midnight UTC at the start of `day`.
#[must_use]
pub fn start_of_day(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// The day after `day`, or `day` itself at the end of chrono's range.
#[must_use]
pub fn next_day(day: NaiveDate) -> NaiveDate {
    day.checked_add_days(Days::new(1)).unwrap_or(day)
}

/// Number of whole days from `from` to `to` (negative when `to` is earlier).
#[must_use]
pub fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    i64::from(to.num_days_from_ce()) - i64::from(from.num_days_from_ce())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn month_arithmetic_clamps_to_month_end_and_keeps_the_anchor_day() {
        let jan31 = Utc.with_ymd_and_hms(2028, 1, 31, 9, 30, 0).unwrap();
        assert_eq!(add_months(jan31, 1).unwrap(), Utc.with_ymd_and_hms(2028, 2, 29, 9, 30, 0).unwrap());
        assert_eq!(add_months(jan31, 2).unwrap(), Utc.with_ymd_and_hms(2028, 3, 31, 9, 30, 0).unwrap());
        let jan31_2027 = Utc.with_ymd_and_hms(2027, 1, 31, 0, 0, 0).unwrap();
        assert_eq!(add_months(jan31_2027, 1).unwrap(), Utc.with_ymd_and_hms(2027, 2, 28, 0, 0, 0).unwrap());
    }

    #[test]
    fn utc_day_of_a_late_evening_instant() {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 23, 59, 59).unwrap();
        assert_eq!(utc_day(at), NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        assert_eq!(days_between(utc_day(at), next_day(utc_day(at))), 1);
        assert_eq!(start_of_day(utc_day(at)), Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap());
    }
}
