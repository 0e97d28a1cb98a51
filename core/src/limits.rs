//! Every limit on an input that sizes work or memory, in one place.
//!
//! A host that passes more than a limit gets a typed error naming the value (kind
//! `InvalidInput`), and nothing changes. The limits are chosen so that no single call can ask
//! for more memory than the data it was given justifies, whatever the host passes.
//!
//! | limit | value | bounds |
//! |---|---|---|
//! | [`MAX_EVENTS`] | 4,294,967,294 | events in one engine's log |
//! | [`MAX_EVENT_ID`] | 2^63 − 1 | an event id (so that the next command's id always exists) |
//! | [`MAX_PAGE_SIZE`] | 1,000 | events on one activity-log page |
//! | [`MAX_WINDOW_DAYS`] | 3,660 | days in a record-insight or API-usage window (about ten years) |
//! | [`MAX_DICTIONARY_LEN`] | 1,048,576 | entries in a dictionary passed beside code columns |
//! | [`MAX_DRY_RUN_DAYS`] | 366 | days a notification dry run replays |
//! | [`MAX_DRY_RUN_DELIVERIES`] | 1,000,000 | deliveries a dry run or an evaluation returns |
//! | [`CHAIN_BLOCK`] | 1,024 | events per hash-chain checkpoint; a snapshot's chain must use this block |
//! | [`MAX_QUERY_CHARS`], [`MAX_QUERY_TERMS`] | 256, 8 | what a marketplace search reads (longer input is cut, not refused) |
//!
//! Areas that add a limit add it here, with its line in this table.

pub use crate::activity::MAX_PAGE_SIZE;
pub use crate::chain::CHAIN_BLOCK;
pub use crate::log::MAX_EVENTS;
pub use crate::marketplace::{MAX_QUERY_CHARS, MAX_QUERY_TERMS};

/// The largest event id the log accepts: ids above it are refused, so that the id of the next
/// command (`newest + 1`) can always be allocated and no id is ever reused.
pub const MAX_EVENT_ID: u64 = i64::MAX as u64;

/// The longest window, in days, of record insights (R3) and API-usage reports (U*).
pub const MAX_WINDOW_DAYS: u32 = 3_660;

/// The most entries in a dictionary passed beside code columns (apps, users, record types,
/// actors). Work and memory follow the rows and the distinct values used, never a dictionary's
/// length times another's.
pub const MAX_DICTIONARY_LEN: usize = 1 << 20;

/// The longest span, in days, of a notification dry run (X1).
pub const MAX_DRY_RUN_DAYS: i64 = 366;

/// The most deliveries one dry run or evaluation returns; past it the call fails with a typed
/// error instead of growing without bound (an hourly rule over many open disconnections).
pub const MAX_DRY_RUN_DELIVERIES: usize = 1_000_000;
