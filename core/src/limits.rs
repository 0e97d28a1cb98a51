//! Every limit on an input that sizes work or memory, in one place.
//!
//! A host that passes more than a limit gets a typed error naming the value (kind
//! `InvalidInput`), and nothing changes. The limits are chosen so that no single call can ask
//! for more memory than the data it was given justifies, whatever the host passes.
//!
//! | limit | value | bounds |
//! |---|---|---|
//! | [`MAX_EVENTS`] | 4,294,967,294 | events in one engine's log: a command, an append, an NDJSON import or an ingest past it is refused with `LifecycleError::LogFull` (wrapped in `IngestError::Rejected` with the first row that does not fit) and nothing is appended; the platform imports (K2) skip and report such events |
//! | [`MAX_RECORD_BATCH_ROWS`] | 4,294,967,295 | rows of one record-event batch (`RecordAggregate::from_columns`); past it `InsightsError::TooManyRows`, before anything is counted |
//! | [`MAX_LISTINGS`] | 1,073,741,824 | listings of one marketplace (the search index packs a listing and a field in 32 bits); past it `MarketplaceError::TooManyListings`, before any listing is read |
//! | [`MAX_EVENT_ID`] | 2^63 − 1 | an event id appended, ingested, imported or restored (only the next command's own id may pass it), so that the next id always exists |
//! | [`MAX_PAGE_SIZE`] | 1,000 | events on one activity-log page |
//! | [`MAX_WINDOW_DAYS`] | 3,660 | days in a record-insight or API-usage window (about ten years) |
//! | [`MAX_TRAILING_DAYS`] | 366 | trailing baseline days of a record-flag or API-spike rule (`RobustRule::trailing_days`) |
//! | [`MAX_DICTIONARY_LEN`] | 1,048,576 | entries in a dictionary passed beside code columns |
//! | [`MAX_DAILY_CALLS`] | 2^40 | a running daily API-call total or a reported daily limit (the platform's are `int32`) |
//! | [`MAX_USAGE_APPS`] | 4,096 | apps in one API-usage history (the platform allows 20 private apps per account) |
//! | [`MAX_SHARE_THRESHOLDS`], [`MAX_SHARE_THRESHOLD_PERCENT`] | 16, 1,000 | API-usage warning thresholds, and each one's percent |
//! | [`MAX_DRY_RUN_DAYS`] | 366 | days a notification dry run replays |
//! | [`MAX_DRY_RUN_DELIVERIES`] | 1,000,000 | deliveries (and notices) a dry run returns; a live evaluation is bounded by the data instead |
//! | [`CHAIN_BLOCK`] | 1,024 | events per hash-chain checkpoint; a snapshot's chain must use this block |
//! | [`MAX_QUERY_CHARS`], [`MAX_QUERY_TERMS`] | 256, 8 | what a marketplace search reads (longer input is cut, not refused) |
//! | [`DEDUPE_HORIZON_DAYS`] | 3 | UTC days before the newest delivery's day that webhook/journal keys are remembered (K3) |
//! | [`MAX_DEDUPE_KEYS`] | 1,048,576 | delivery keys one record aggregate remembers (past it the oldest are forgotten; a snapshot with more is refused) |
//! | [`MAX_REPORT_DAYS`] | 92 | days in the record-insight or API-usage window of an HTML report (one chart group per day) |
//! | [`MAX_REPORT_LOG_EVENTS`] | 200 | log events an HTML report lists |
//! | [`MAX_REPORT_APP_CHARTS`] | 24 | apps with a record chart in an HTML report (the busiest; the rest are counted, not drawn) |
//! | [`MAX_PARTIAL_BYTES`] | 2^32 | bytes of a partial aggregate read by `from_bytes` (every length field inside is also checked against the bytes that remain before anything is allocated) |
//! | [`MIN_PLATFORM_MILLIS`] | 10^12 (2001-09-09) | earliest epoch-millisecond time an import accepts (smaller values are seconds, not milliseconds) |
//! | [`MAX_POLICY_RULES`] | 1,000 | rules in one policy change of an app (G1) |
//! | [`MAX_REASON_CHARS`] | 2,000 | characters of an access request's, a denial's or a revocation's reason (G2, G3) |
//! | [`MIN_REQUEST_EXPIRY_DAYS`], [`MAX_REQUEST_EXPIRY_DAYS`] | 1, 365 | days before an open access request expires (G2) |
//! | [`MAX_GOVERNANCE_POLICIES`] | 256 | governance policies of an account (G4) |
//! | [`MAX_POLICY_CONDITIONS`] | 16 | conditions of one governance policy (G4) |
//! | [`MAX_POLICY_THRESHOLD`] | 2^40 | a governance condition's records-per-day threshold (G4) |
//! | [`MAX_POLICY_SCOPES_HELD`] | 1,024 | a governance condition's scopes-held threshold (G4) |
//!
//! Areas that add a limit add it here, with its line in this table.

//! This module is a leaf of the layers: it imports nothing of the crate; the areas re-export
//! their limits from here.

/// The most events a log holds: positions are `u32`, and `u32::MAX` stays free as "none".
pub const MAX_EVENTS: usize = u32::MAX as usize - 1;

/// The most rows of one record-event batch (`RecordAggregate::from_columns`): split larger
/// batches and merge their aggregates (X7).
pub const MAX_RECORD_BATCH_ROWS: usize = u32::MAX as usize;

/// The most listings of one marketplace: the search index keeps each posting as the listing's
/// position and its field (2 bits) in one `u32`.
pub const MAX_LISTINGS: usize = 1 << 30;

/// The largest page an activity query returns; larger requests are refused rather than silently
/// cut.
pub const MAX_PAGE_SIZE: usize = 1000;

/// Events per sealed hash-chain block: the log keeps one checkpoint per block.
pub const CHAIN_BLOCK: usize = 1_024;

/// Characters of a marketplace query that are read; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 256;

/// Distinct marketplace query words that are used; the rest are ignored.
pub const MAX_QUERY_TERMS: usize = 8;

/// The largest event id the log accepts: ids above it are refused, so that the id of the next
/// command (`newest + 1`) can always be allocated and no id is ever reused.
pub const MAX_EVENT_ID: u64 = i64::MAX as u64;

/// The longest window, in days, of record insights (R3) and API-usage reports (U*).
pub const MAX_WINDOW_DAYS: u32 = 3_660;

/// The longest trailing baseline, in days, of the robust flag rule (X2, U4): a view reads this
/// many days before its window, and judges each day against them.
pub const MAX_TRAILING_DAYS: u32 = 366;

/// The most entries in a dictionary passed beside code columns (apps, users, record types,
/// actors). Work and memory follow the rows and the distinct values used, never a dictionary's
/// length times another's.
pub const MAX_DICTIONARY_LEN: usize = 1 << 20;

/// The largest running daily API-call total, or reported daily limit, a usage history accepts
/// (U1). With [`MAX_USAGE_APPS`] it keeps a day's total below 2^52, so that no sum of a usage
/// report can overflow and every total converts to `f64` exactly.
pub const MAX_DAILY_CALLS: u64 = 1 << 40;

/// The most apps one API-usage history holds (U1).
pub const MAX_USAGE_APPS: usize = 4_096;

/// The most share-of-limit warning thresholds of a usage report (U5).
pub const MAX_SHARE_THRESHOLDS: usize = 16;

/// The largest share-of-limit warning threshold, in percent (U5).
pub const MAX_SHARE_THRESHOLD_PERCENT: u32 = 1_000;

/// The longest span, in days, of a notification dry run (X1).
pub const MAX_DRY_RUN_DAYS: i64 = 366;

/// The most deliveries (and notices) one dry run returns; past it the call fails with a typed
/// error instead of growing without bound (an hourly rule over many open disconnections). A live
/// evaluation needs none: whatever its clock, it returns one notice per matching event since the
/// settled instant and at most one reminder per ongoing disconnection and rule.
pub const MAX_DRY_RUN_DELIVERIES: usize = 1_000_000;

/// How long a record aggregate remembers a delivery's key (K3): while its UTC day is at most this
/// many days before the day of the newest delivery seen. The platform retries for up to a day and
/// keeps its journal for three.
pub const DEDUPE_HORIZON_DAYS: u32 = 3;

/// The most delivery keys a record aggregate remembers (about 60 bytes each in memory). Past it
/// the oldest are forgotten and the aggregate's floor rises above them; a snapshot holding more
/// is refused.
pub const MAX_DEDUPE_KEYS: usize = 1 << 20;

/// The earliest epoch-millisecond time an import accepts: 10^12 ms is 2001-09-09, before the
/// platform's APIs existed. A time below it is almost surely in seconds (10^12 s is year 33658).
pub const MIN_PLATFORM_MILLIS: i64 = 1_000_000_000_000;

/// Days in either window of an HTML report (feature `report`): one chart group per day.
pub const MAX_REPORT_DAYS: usize = 92;

/// Log events an HTML report lists.
pub const MAX_REPORT_LOG_EVENTS: usize = 200;

/// Apps with a record chart in an HTML report; the page counts the others.
pub const MAX_REPORT_APP_CHARTS: usize = 24;
/// The most rules one policy change of an app may carry (G1).
pub const MAX_POLICY_RULES: usize = 1_000;

/// The longest free-text reason of an access request, a denial or a revocation, in characters
/// (G2, G3).
pub const MAX_REASON_CHARS: usize = 2_000;

/// The shortest expiry of an access request, in days (G2).
pub const MIN_REQUEST_EXPIRY_DAYS: u32 = 1;

/// The longest expiry of an access request, in days (G2).
pub const MAX_REQUEST_EXPIRY_DAYS: u32 = 365;

/// The most governance policies an account holds (G4): evaluation costs policies × apps.
pub const MAX_GOVERNANCE_POLICIES: usize = 256;

/// The most conditions of one governance policy (G4).
pub const MAX_POLICY_CONDITIONS: usize = 16;

/// The largest records-per-day threshold of a governance condition (G4); API-call thresholds
/// are bounded by [`MAX_DAILY_CALLS`], share-of-limit ones by [`MAX_SHARE_THRESHOLD_PERCENT`],
/// days since last activity by [`MAX_WINDOW_DAYS`].
pub const MAX_POLICY_THRESHOLD: u64 = 1 << 40;

/// The largest scopes-held threshold of a governance condition (G4).
pub const MAX_POLICY_SCOPES_HELD: u64 = 1_024;

/// The longest byte form of a partial (a record aggregate or usage history, X7) that
/// `from_bytes` reads. Inside it, every count is checked against the bytes that remain and its own
/// limit ([`MAX_DICTIONARY_LEN`], [`MAX_DEDUPE_KEYS`], [`MAX_USAGE_APPS`]) before anything is
/// allocated from it.
pub const MAX_PARTIAL_BYTES: u64 = 1 << 32;
