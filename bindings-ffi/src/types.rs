//! How the core's value types cross the FFI: the timestamp bridge, ids, and the collections
//! UniFFI has no built-in form for.
//!
//! # Timestamps
//! `Timestamp` is the core's `DateTime<Utc>` carried as UniFFI's built-in timestamp
//! (`SystemTime` on the Rust side). Hosts get their platform's instant type: `java.time.Instant`
//! in Kotlin, `Date` in Swift, `datetime` in Python. It was chosen over epoch milliseconds
//! because it keeps nanosecond precision (what the core stores, so values round-trip exactly),
//! covers instants before 1970, and needs no unit convention in host code. An instant outside
//! chrono's range (roughly ±262,000 years) is refused with an `InvalidInput` error.
//!
//! # Ids and collections
//! Ids cross as strings (`UserId`, `TeamId`, `AppId`) or as an unsigned 64-bit number
//! (`EventId`). Ordered sets cross as lists in the core's order (sorted), ordered maps as maps,
//! and counts as unsigned 64-bit numbers.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use connected_apps::{AppId, Channel, EventId, Hub, Permission, TeamId, Tier, UserId};

use crate::error::ConnectedAppsError;

/// An instant in UTC; see the module documentation.
pub type Timestamp = DateTime<Utc>;

/// A set of scope names, crossing as a sorted list.
pub type ScopeSet = BTreeSet<String>;

/// A set of permissions, crossing as a sorted list.
pub type PermissionSet = BTreeSet<Permission>;

/// A set of app ids, crossing as a sorted list.
pub type AppIdSet = BTreeSet<AppId>;

/// A set of user ids, crossing as a sorted list.
pub type UserIdSet = BTreeSet<UserId>;

/// A set of team ids, crossing as a sorted list.
pub type TeamIdSet = BTreeSet<TeamId>;

/// A set of notification channels, crossing as a sorted list.
pub type ChannelSet = BTreeSet<Channel>;

/// The account's tier per hub.
pub type Subscriptions = BTreeMap<Hub, Tier>;

/// A connection's named sync toggles.
pub type SyncSettings = BTreeMap<String, bool>;

/// Counts per type name.
pub type TypeCounts = BTreeMap<String, usize>;

/// A number of items, crossing as an unsigned 64-bit number.
pub type Count = usize;

/// Converts a host instant; the one place a timestamp is lifted.
fn timestamp_from_system_time(time: SystemTime) -> Result<Timestamp, ConnectedAppsError> {
    let out_of_range = || ConnectedAppsError::InvalidInput { message: format!("timestamp {time:?} is out of range") };
    let (secs, nanos) = match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => (i64::try_from(after.as_secs()).map_err(|_| out_of_range())?, after.subsec_nanos()),
        Err(before) => {
            // Floor to whole seconds so that the nanosecond part stays non-negative.
            let before: Duration = before.duration();
            let secs = i64::try_from(before.as_secs()).map_err(|_| out_of_range())?;
            match before.subsec_nanos() {
                0 => (-secs, 0),
                n => (-secs - 1, 1_000_000_000 - n),
            }
        }
    };
    DateTime::from_timestamp(secs, nanos).ok_or_else(out_of_range)
}

uniffi::custom_type!(Timestamp, SystemTime, {
    remote,
    lower: |at| SystemTime::from(at),
    try_lift: |time| Ok(timestamp_from_system_time(time)?),
});

uniffi::custom_type!(UserId, String, { remote, lower: |id| id.0, try_lift: |s| Ok(UserId(s)) });
uniffi::custom_type!(TeamId, String, { remote, lower: |id| id.0, try_lift: |s| Ok(TeamId(s)) });
uniffi::custom_type!(AppId, String, { remote, lower: |id| id.0, try_lift: |s| Ok(AppId(s)) });
uniffi::custom_type!(EventId, u64, { remote, lower: |id| id.0, try_lift: |n| Ok(EventId(n)) });

// Sets cross as sorted lists and maps as maps: the conversion is the same for each.
macro_rules! collections {
    ($($alias:ident as $ffi:ty),* $(,)?) => {$(
        uniffi::custom_type!($alias, $ffi, {
            remote,
            lower: |collection| collection.into_iter().collect(),
            try_lift: |collection| Ok(collection.into_iter().collect()),
        });
    )*};
}
collections!(
    ScopeSet as Vec<String>,
    PermissionSet as Vec<Permission>,
    AppIdSet as Vec<AppId>,
    UserIdSet as Vec<UserId>,
    TeamIdSet as Vec<TeamId>,
    ChannelSet as Vec<Channel>,
    Subscriptions as HashMap<Hub, Tier>,
    SyncSettings as HashMap<String, bool>,
    TypeCounts as HashMap<String, Count>,
);
uniffi::custom_type!(Count, u64, {
    remote,
    // usize is at most 64 bits on every supported target.
    lower: |n| u64::try_from(n).unwrap_or(u64::MAX),
    try_lift: |n| Ok(usize::try_from(n)?),
});

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn timestamps_round_trip_through_system_time_with_nanoseconds_before_and_after_1970() {
        for at in [
            Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap() + chrono::Duration::nanoseconds(123_456_789),
            Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 59).unwrap() + chrono::Duration::nanoseconds(1),
            Utc.with_ymd_and_hms(1900, 1, 1, 0, 0, 0).unwrap(),
            DateTime::UNIX_EPOCH,
        ] {
            assert_eq!(timestamp_from_system_time(SystemTime::from(at)).unwrap(), at);
        }
    }

    #[test]
    fn an_instant_beyond_chronos_range_is_invalid_input() {
        let far = SystemTime::UNIX_EPOCH + Duration::from_secs(400_000 * 366 * 86_400);
        assert!(matches!(timestamp_from_system_time(far), Err(ConnectedAppsError::InvalidInput { .. })));
    }
}
