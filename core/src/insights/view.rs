//! Record-insight views (R3–R6, O4) and the destructive-change flag (X2): pure functions of a
//! [`RecordAggregate`], the settings and `now`.
//!
//! A view's work and memory follow its window (at most
//! [`MAX_WINDOW_DAYS`](crate::limits::MAX_WINDOW_DAYS) days, plus the flag rule's trailing days)
//! and the (app, record type) pairs that have counts in it — never the dictionaries or the days
//! outside the window.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::robust::RobustRule;
use super::series::{Series, add_count};
use super::vocabulary::ACTIONS;
use super::{InsightsError, RecordAction, RecordAggregate, RecordType, check_window, day_from_index, day_index};
use crate::catalog::AppId;

/// Settings of record insights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsightsSettings {
    /// The first day with data (R4); earlier days are unavailable. Default 2025-12-01.
    pub data_floor: NaiveDate,
    /// Days in a view's window (R3), 1 to [`MAX_WINDOW_DAYS`](crate::limits::MAX_WINDOW_DAYS). Default 30.
    pub window_days: u32,
    /// The destructive-change rule (X2), checked by [`RobustRule::check`]. Default
    /// [`RobustRule::records`].
    pub flag_rule: RobustRule,
}

impl Default for InsightsSettings {
    fn default() -> Self {
        Self {
            data_floor: NaiveDate::from_ymd_opt(2025, 12, 1).unwrap_or(NaiveDate::MIN),
            window_days: 30,
            flag_rule: RobustRule::records(),
        }
    }
}

/// Which dimensions a view keeps apart (the others are summed): all `false` is the account total;
/// `app` alone is the account view by app (R6); with [`InsightsQuery::app`] set, `record_type` and
/// `action` give one app's view (O4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grouping {
    /// One row per app.
    #[serde(default)]
    pub app: bool,
    /// One row per record type.
    #[serde(default)]
    pub record_type: bool,
    /// One row per action.
    #[serde(default)]
    pub action: bool,
}

/// What a record-insights view shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsightsQuery {
    /// The last day of the window (R5).
    pub as_of: NaiveDate,
    /// Whether a window ending today includes today's incomplete counts.
    #[serde(default)]
    pub include_incomplete_day: bool,
    /// Only this app (O4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<AppId>,
    /// Only this record type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_type: Option<RecordType>,
    /// The rows.
    #[serde(default)]
    pub group_by: Grouping,
}

/// One row of a view: the group's values (`None` for a dimension summed over) and its daily
/// counts over the window, `None` on days before the data floor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsightRow {
    /// The app, when grouped by app.
    pub app: Option<AppId>,
    /// The record type, when grouped by record type.
    pub record_type: Option<RecordType>,
    /// The action, when grouped by action.
    pub action: Option<RecordAction>,
    /// Counts per day of the window, oldest first; `None` = unavailable (before the floor).
    pub daily: Vec<Option<u64>>,
    /// Sum of the available days.
    pub total: u64,
}

/// An app deleting or merging records of a type far beyond its own trailing baseline (X2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnexpectedBehaviour {
    /// The app.
    pub app: AppId,
    /// The record type.
    pub record_type: RecordType,
    /// Deleted or merged.
    pub action: RecordAction,
    /// The UTC day.
    pub day: NaiveDate,
    /// Records on that day.
    pub count: u64,
    /// Median of the trailing baseline days.
    pub baseline_median: f64,
    /// The threshold the count exceeded.
    pub threshold: f64,
}

/// A record-insights view (R1–R6, O4) with its flags (X2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordInsights {
    /// The window's last day.
    pub as_of: NaiveDate,
    /// The window's days, oldest first.
    pub days: Vec<NaiveDate>,
    /// The data floor; days before it are unavailable.
    pub floor: NaiveDate,
    /// Whether the window includes the current, incomplete UTC day.
    pub incomplete_day_included: bool,
    /// The rows: by app name, record type (catalogue order, then custom ids) and action.
    pub rows: Vec<InsightRow>,
    /// Destructive changes far beyond the app's baseline, by day.
    pub flags: Vec<UnexpectedBehaviour>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct GroupKey {
    app_name: Option<String>,
    app: Option<u32>,
    record_type: Option<((usize, String), u32)>,
    action: Option<RecordAction>,
}

impl RecordAggregate {
    /// The record insights of a window (R3–R6, O4) with the destructive-change flags (X2).
    ///
    /// The window ends at `query.as_of`. The current UTC day (that of `now`) is incomplete: unless
    /// `query.include_incomplete_day`, a window that would end on it ends the day before instead
    /// ([`RecordInsights::as_of`] says which day it ended on). Days before the settings' data
    /// floor are unavailable (`None`), not zero (R4): a window ending before the floor has every
    /// day unavailable and no flags. A row is listed for every group with counts on the window's
    /// days (and, for the account and by-action views, always).
    ///
    /// # Errors
    /// [`InsightsError::AsOfInFuture`], [`InsightsError::EmptyWindow`],
    /// [`InsightsError::WindowTooLong`] (a window past
    /// [`MAX_WINDOW_DAYS`](crate::limits::MAX_WINDOW_DAYS), or a flag rule whose trailing baseline
    /// is past [`crate::limits::MAX_TRAILING_DAYS`]),
    /// [`InsightsError::InvalidRule`], [`InsightsError::CountOverflow`] (a sum past 2⁶⁴ − 1; cannot
    /// happen in an aggregate whose cells add up to its event count, as every aggregate's do).
    ///
    /// # Example
    /// ```
    /// use chrono::{NaiveDate, TimeZone, Utc};
    /// use connected_apps::{
    ///     Grouping, InsightsError, InsightsQuery, InsightsSettings, RecordAction, RecordAggregate, RecordEvent,
    ///     RecordType,
    /// };
    ///
    /// let event = |day: u32, action| -> Result<RecordEvent, Box<dyn std::error::Error>> {
    ///     Ok(RecordEvent {
    ///         at: Utc.with_ymd_and_hms(2026, 2, day, 10, 0, 0).single().ok_or("no such instant")?,
    ///         app: "zoom".into(),
    ///         record_type: RecordType::parse("contacts")?,
    ///         action,
    ///     })
    /// };
    /// let mut aggregate = RecordAggregate::new();
    /// let events = [
    ///     event(26, RecordAction::Created)?,
    ///     event(27, RecordAction::Created)?,
    ///     event(28, RecordAction::Deleted)?,
    /// ];
    /// aggregate.ingest_all(&events)?;
    ///
    /// // A three-day window; data exists from 27 February (R3, R4).
    /// let day = |d: u32| NaiveDate::from_ymd_opt(2026, 2, d).ok_or("no such day");
    /// let settings = InsightsSettings { data_floor: day(27)?, window_days: 3, ..InsightsSettings::default() };
    /// let query = InsightsQuery {
    ///     as_of: day(28)?,
    ///     include_incomplete_day: false,
    ///     app: None,
    ///     record_type: None,
    ///     group_by: Grouping { app: true, ..Grouping::default() },
    /// };
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).single().ok_or("no such instant")?;
    /// let view = aggregate.insights(&settings, &query, now)?;
    /// assert_eq!(view.days, [day(26)?, day(27)?, day(28)?]);
    /// let row = view.rows.first().ok_or("a row for zoom")?;
    /// // 26 February is before the floor: unavailable, not zero (R4).
    /// assert_eq!((row.daily.as_slice(), row.total), ([None, Some(1), Some(1)].as_slice(), 2));
    ///
    /// // On 28 February itself the day is incomplete: the window ends the day before (R5).
    /// let during = Utc.with_ymd_and_hms(2026, 2, 28, 12, 0, 0).single().ok_or("no such instant")?;
    /// assert_eq!(aggregate.insights(&settings, &query, during)?.as_of, day(27)?);
    ///
    /// // A day after today is refused.
    /// let early = Utc.with_ymd_and_hms(2026, 2, 27, 12, 0, 0).single().ok_or("no such instant")?;
    /// assert!(matches!(aggregate.insights(&settings, &query, early), Err(InsightsError::AsOfInFuture { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn insights(
        &self,
        settings: &InsightsSettings,
        query: &InsightsQuery,
        now: DateTime<Utc>,
    ) -> Result<RecordInsights, InsightsError> {
        let window_days = settings.window_days;
        check_window(window_days)?;
        let rule = &settings.flag_rule;
        rule.check()?;
        let today = crate::time::utc_day(now);
        if query.as_of > today {
            return Err(InsightsError::AsOfInFuture { as_of: query.as_of, today });
        }
        let includes_today = query.include_incomplete_day && query.as_of == today;
        let end = if query.as_of == today && !query.include_incomplete_day {
            today.pred_opt().unwrap_or(today)
        } else {
            query.as_of
        };
        let end_idx = day_index(end);
        let floor_idx = day_index(settings.data_floor);
        let window: Vec<i64> = (0..i64::from(window_days)).rev().map(|back| end_idx - back).collect();
        let first = end_idx - (i64::from(window_days) - 1);
        let trailing = rule.trailing_days as usize;

        let g = query.group_by;
        let mut groups: BTreeMap<GroupKey, Vec<u64>> = BTreeMap::new();
        if !g.app && !g.record_type {
            // Account or action views list their rows even when empty.
            let actions: &[RecordAction] = if g.action { &RecordAction::ALL } else { &[RecordAction::Created] };
            for action in actions {
                groups.insert(self.key(g, 0, 0, *action), vec![0; window.len()]);
            }
        }
        let mut flags = Vec::new();
        // The trailing baseline, then the window: one series' days at a time.
        let mut days = vec![[0u64; ACTIONS]; trailing + window.len()];
        for ((a, t), series) in self.pairs(query) {
            if !series.fill(first - trailing as i64, &mut days) {
                continue;
            }
            let in_window = days.get(trailing..).unwrap_or_default();
            for action in RecordAction::ALL {
                let code = usize::from(action.code());
                if in_window.iter().all(|d| d.get(code).is_none_or(|n| *n == 0)) {
                    continue;
                }
                let row = groups.entry(self.key(g, a, t, action)).or_insert_with(|| vec![0; window.len()]);
                for (c, d) in row.iter_mut().zip(in_window) {
                    *c = add_count(*c, d.get(code).copied().unwrap_or(0))?;
                }
                if action.is_destructive() {
                    self.flag(rule, (a, t, action), &days, &window, floor_idx, &mut flags);
                }
            }
        }
        let mut rows = Vec::with_capacity(groups.len());
        for (key, counts) in groups {
            let daily: Vec<Option<u64>> =
                window.iter().zip(counts).map(|(day, n)| (*day >= floor_idx).then_some(n)).collect();
            let total = daily.iter().flatten().try_fold(0u64, |sum, n| add_count(sum, *n))?;
            rows.push(InsightRow {
                app: key.app.and_then(|a| self.apps.name(a).cloned()),
                record_type: key.record_type.and_then(|(_, t)| self.types.name(t).cloned()),
                action: key.action,
                total,
                daily,
            });
        }
        flags.sort_by(|x, y| (x.day, &x.app, &x.record_type, x.action).cmp(&(y.day, &y.app, &y.record_type, y.action)));
        Ok(RecordInsights {
            as_of: end,
            days: window.iter().map(|d| day_from_index(*d)).collect(),
            floor: settings.data_floor,
            incomplete_day_included: includes_today,
            rows,
            flags,
        })
    }

    /// The (app, record type) pairs with counts that the query's filters keep.
    fn pairs<'a>(&'a self, query: &InsightsQuery) -> Box<dyn Iterator<Item = ((u32, u32), &'a Series)> + 'a> {
        let ty = match &query.record_type {
            Some(ty) => match self.types.code(ty) {
                Some(t) => Some(t),
                None => return Box::new(std::iter::empty()),
            },
            None => None,
        };
        let keep = move |(&(a, t), s): (&(u32, u32), &'a Series)| ty.is_none_or(|ty| ty == t).then_some(((a, t), s));
        match &query.app {
            Some(app) => match self.apps.code(app) {
                Some(a) => Box::new(self.series.range((a, 0)..=(a, u32::MAX)).filter_map(keep)),
                None => Box::new(std::iter::empty()),
            },
            None => Box::new(self.series.iter().filter_map(keep)),
        }
    }

    fn key(&self, g: Grouping, app: u32, ty: u32, action: RecordAction) -> GroupKey {
        GroupKey {
            app_name: g.app.then(|| self.apps.name(app).map(|a| a.0.clone()).unwrap_or_default()),
            app: g.app.then_some(app),
            record_type: g.record_type.then(|| {
                let rank = self.types.name(ty).map_or((usize::MAX, String::new()), |t| {
                    let (r, name) = t.rank();
                    (r, name.to_owned())
                });
                (rank, ty)
            }),
            action: g.action.then_some(action),
        }
    }

    /// Days of `window` on which a pair's deletes or merges (`days` holds the rule's trailing
    /// days, then the window's) exceed its own trailing baseline (X2, see [`RobustRule`]); only
    /// days on or after the floor, with a baseline of available days.
    fn flag(
        &self,
        rule: &RobustRule,
        (app, ty, action): (u32, u32, RecordAction),
        days: &[[u64; ACTIONS]],
        window: &[i64],
        floor: i64,
        out: &mut Vec<UnexpectedBehaviour>,
    ) {
        let (Some(app_id), Some(record_type)) = (self.apps.name(app), self.types.name(ty)) else { return };
        let code = usize::from(action.code());
        let trailing = rule.trailing_days as usize;
        let count_at = |i: usize| days.get(i).and_then(|d| d.get(code)).copied().unwrap_or(0);
        let mut history = Vec::with_capacity(trailing);
        for (w, &day) in window.iter().enumerate().filter(|(_, d)| **d >= floor) {
            // `days` index of the window's day `w`; its baseline is the `trailing` entries before.
            let i = trailing + w;
            let count = count_at(i);
            if count < rule.min_value.max(1) {
                continue;
            }
            history.clear();
            history.extend((i - trailing..i).filter(|&j| day - (i - j) as i64 >= floor).map(count_at));
            if let Some((median, threshold)) = rule.exceeds(count, &history) {
                out.push(UnexpectedBehaviour {
                    app: app_id.clone(),
                    record_type: record_type.clone(),
                    action,
                    day: day_from_index(day),
                    count,
                    baseline_median: median,
                    threshold,
                });
            }
        }
    }
}
