//! Which notices are due, to whom and through which channel (N2, N4, X1, X5).
//!
//! One pass over the log, oldest first. Each event is matched against the rules through an
//! index keyed by (rule type, app) plus one "all apps" list per type, so the cost is the
//! number of events plus the number of matches, never events × rules. Disconnections are
//! tracked per connection as *episodes*; reminders are computed arithmetically from the
//! episode's start, never by walking the clock. A settled delivery log carries the episodes
//! going on at its settled instant, so live evaluation starts there instead of at the log's
//! first event.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use crate::account::UserId;
use crate::catalog::AppId;
use crate::connection::{Connection, ConnectionState};
use crate::directory::Directory;
use crate::event::{EventId, EventKind};
use crate::hash::FastMap;
use crate::limits;
use crate::log::EventLog;
use crate::notify::delivery::DeliveryLog;
use crate::notify::error::NotifyError;
use crate::notify::notice::{Delivery, NoticeKey, Trigger};
use crate::notify::rule::{Frequency, NotificationRules, Recipients, Rule, RuleApps, RuleId, RuleType};

/// The deliveries due at `now` that `log` has not seen (N4).
///
/// - Install and uninstall rules give one notice per matching install/reinstall or uninstall
///   event; disconnect rules one per disconnect event, then reminders (below), then, if
///   `notify_recovered`, one "recovered" notice when the app is connected again (X5).
/// - A *disconnection* of a connection starts with a disconnect event and lasts while the
///   connection needs attention by the one rule that home uses too,
///   [`Connection::attention`]: a disconnect or a grant past its expiry for every app, a reported
///   error or expiry for apps that report status. It ends at the first event after which the
///   connection needs none: a connected, reconnected or reauthenticated report that leaves a
///   valid grant (which gives the recovered notice; a "connected" report on a grant already past
///   its expiry is no recovery and ends nothing), an uninstall, or, for apps that do not report
///   status, a reported error or expiry (the engine cannot tell, so it stops reminding). A
///   disconnect during a disconnection starts nothing new. Reminder `n` is due at
///   [`Frequency::reminder_due`]; it is sent only if the disconnection is still going on at that
///   instant, so an event *at* the reminder's time (e.g. a reconnect) cancels it.
/// - Only events at or before `now` count; a notice is due at or before `now`, and at or after
///   the instant its rule was created or last edited (rules never reach back).
/// - Catch-up policy, for hosts that evaluate late: every missed install, uninstall, disconnect
///   and recovered notice is delivered once; of the missed reminders of a disconnection only the
///   latest one is delivered, and only while the app is still disconnected at `now` (a burst of
///   stale "still disconnected" reminders helps nobody). A host that evaluates at least at every
///   due instant therefore sees exactly the [`dry_run`] timeline.
/// - Access-request rules (G2) give one notice per request event, then reminders at
///   [`Frequency::reminder_due`] from the request's time while the request stays *open*: it
///   closes at the approval or denial of the requester's request for the app, or at its
///   `expires_at` (a reminder due at or after either instant is not sent), as the governance
///   fold decides it (`AccessRequest::is_open_at`). Catch-up as for disconnections: of the missed reminders only the latest, and only while the request is
///   still open at `now`.
/// - Recipients are resolved now, in the current directory: active users only, each once. A
///   notice whose recipients all resolve away yields nothing.
/// - Deterministic: sorted by [`Delivery`]'s order.
/// - Bounded by the data whatever `now` is: one notice per matching event and rule since the
///   settled instant, plus at most one reminder per ongoing disconnection and rule (found by
///   arithmetic, never by walking the clock), each times its recipients and channels.
///
/// `events` must be the engine's log (time-ordered, validated), the same one `log` was settled
/// over ([`DeliveryLog::settle`]): evaluation resumes at the settled instant.
///
/// [`Connection::attention`]: crate::connection::Connection::attention
#[must_use]
pub fn evaluate(
    directory: &Directory,
    events: &EventLog,
    rules: &NotificationRules,
    log: &DeliveryLog,
    now: DateTime<Utc>,
) -> Vec<Delivery> {
    live(directory, events, rules, log, now, true)
}

/// What [`evaluate`] finds due at `now`; with `unseen_only` false, the log's remembered notices
/// are not taken out (the settled instant still holds): the deliveries the engine may record at
/// `now`.
pub(super) fn live(
    directory: &Directory,
    events: &EventLog,
    rules: &NotificationRules,
    log: &DeliveryLog,
    now: DateTime<Utc>,
    unseen_only: bool,
) -> Vec<Delivery> {
    let settled = log.settled_before();
    let targets: Vec<Target<'_>> =
        rules.active().map(|r| Target { rule: &r.rule, from: settled.map_or(r.since, |s| s.max(r.since)) }).collect();
    let resume = settled.map(|s| Resume { settled: s, log });
    // Without a cap neither call can fail.
    let Ok(mut notices) = scan(directory, events, resume, &targets, now, Mode::CatchUp, usize::MAX) else {
        return Vec::new();
    };
    if unseen_only {
        notices.retain(|n| !log.contains(&n.key(&targets)));
    }
    deliveries(directory, &targets, notices, usize::MAX).unwrap_or_default()
}

/// Dry run (X1): the timeline of deliveries that `rules` would have produced for the notices due
/// in `[from, to]`, as if the host had evaluated at every instant (every reminder appears), with
/// the clock at `to`: later events are ignored. The rules apply over the whole window whatever
/// their creation time, and recipients are resolved in the current directory. Nothing is
/// recorded anywhere.
///
/// The window spans at most [`limits::MAX_DRY_RUN_DAYS`] days and the timeline holds at most
/// [`limits::MAX_DRY_RUN_DELIVERIES`] deliveries (and as many notices): the scan stops as soon as
/// it would exceed it.
///
/// # Errors
/// [`NotifyError::InvalidWindow`] when `from > to`, [`NotifyError::WindowTooLong`] past the span
/// limit, [`NotifyError::TooManyDeliveries`] past the output limit; an invalid rule's error, or
/// [`NotifyError::DuplicateRule`] when two rules share an id.
pub fn dry_run(
    directory: &Directory,
    events: &EventLog,
    rules: &[Rule],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Delivery>, NotifyError> {
    if from > to {
        return Err(NotifyError::InvalidWindow { from, to });
    }
    if to - from > Duration::days(limits::MAX_DRY_RUN_DAYS) {
        return Err(NotifyError::WindowTooLong { from, to, max_days: limits::MAX_DRY_RUN_DAYS });
    }
    let mut ids = BTreeSet::new();
    for rule in rules {
        rule.validate(directory)?;
        if !ids.insert(&rule.id) {
            return Err(NotifyError::DuplicateRule(rule.id.clone()));
        }
    }
    let too_many = |_| NotifyError::TooManyDeliveries { from, to, limit: limits::MAX_DRY_RUN_DELIVERIES };
    let targets: Vec<Target<'_>> = rules.iter().map(|rule| Target { rule, from }).collect();
    let cap = limits::MAX_DRY_RUN_DELIVERIES;
    let notices = scan(directory, events, None, &targets, to, Mode::Timeline, cap).map_err(too_many)?;
    deliveries(directory, &targets, notices, cap).map_err(too_many)
}

/// How an event changes the disconnection of its connection (see [`evaluate`]).
pub(super) enum Change {
    /// A disconnect starts one.
    Starts,
    /// The connection needs no attention any more; `recovered` when it is connected again.
    Ends {
        /// Connected, reconnected or reauthenticated onto a valid grant.
        recovered: bool,
    },
}

/// The grant expiry an install, reinstall, reconnect or reauthentication sets (`None` inside:
/// a grant that does not expire); `None` for the other kinds, which keep the grant.
pub(super) fn granted(kind: &EventKind) -> Option<Option<DateTime<Utc>>> {
    match kind {
        EventKind::Installed { expires_at, .. }
        | EventKind::Reinstalled { expires_at, .. }
        | EventKind::Reconnected { expires_at }
        | EventKind::Reauthenticated { expires_at, .. } => Some(*expires_at),
        _ => None,
    }
}

/// How an event of `kind` at `at` changes its connection's disconnection, `open` telling whether
/// one is going on and `expires_at` being the grant expiry in force after the event: by
/// [`Connection::attention_of`], the rule home uses too.
///
/// [`Connection::attention_of`]: crate::connection::Connection::attention_of
pub(super) fn change(
    kind: &EventKind,
    open: bool,
    expires_at: Option<DateTime<Utc>>,
    reports_status: bool,
    at: DateTime<Utc>,
) -> Option<Change> {
    // As in the fold: status reports record nothing for an app that does not report status.
    if kind.is_unreported_status(reports_status) {
        return None;
    }
    let recorded = kind.recorded_state()?;
    if !open {
        return (recorded == ConnectionState::Disconnected).then_some(Change::Starts);
    }
    match Connection::attention_of(recorded, expires_at, reports_status, at) {
        Some(_) => None,
        None => Some(Change::Ends { recovered: recorded == ConnectionState::Connected }),
    }
}

/// A rule under evaluation and the earliest due time it may deliver.
struct Target<'a> {
    rule: &'a Rule,
    from: DateTime<Utc>,
}

/// A notice found by the scan, before recipients are resolved.
struct Notice<'e> {
    due_at: DateTime<Utc>,
    target: usize,
    trigger: Trigger,
    app: &'e AppId,
    user: Option<&'e UserId>,
}

impl Notice<'_> {
    fn key(&self, targets: &[Target<'_>]) -> NoticeKey {
        let rule = targets.get(self.target).map(|t| t.rule.id.clone()).unwrap_or_else(|| RuleId(String::new()));
        NoticeKey { due_at: self.due_at, rule, trigger: self.trigger }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Every notice due in the window, reminders included (dry run).
    Timeline,
    /// Event notices, plus the latest due reminder of each ongoing disconnection (evaluate).
    CatchUp,
}

/// Rules by (type, app): each app some rule names gets a slot holding one list of rules per
/// type, so one hash lookup per event finds every named match; the rules that cover all apps
/// have one list per type.
struct RuleIndex<'a> {
    slots: FastMap<&'a AppId, usize>,
    /// The app of each slot.
    apps: Vec<&'a AppId>,
    by_slot: Vec<[Vec<usize>; 4]>,
    all_apps: [Vec<usize>; 4],
}

impl<'a> RuleIndex<'a> {
    fn build(targets: &[Target<'a>]) -> Self {
        let mut index =
            Self { slots: FastMap::default(), apps: Vec::new(), by_slot: Vec::new(), all_apps: Default::default() };
        for (i, target) in targets.iter().enumerate() {
            let kind = type_slot(target.rule.rule_type);
            match &target.rule.apps {
                RuleApps::All => {
                    if let Some(list) = index.all_apps.get_mut(kind) {
                        list.push(i);
                    }
                }
                RuleApps::Only(apps) => {
                    for app in apps {
                        let next = index.by_slot.len();
                        let slot = *index.slots.entry(app).or_insert(next);
                        if slot == next {
                            index.by_slot.push(Default::default());
                            index.apps.push(app);
                        }
                        if let Some(list) = index.by_slot.get_mut(slot).and_then(|lists| lists.get_mut(kind)) {
                            list.push(i);
                        }
                    }
                }
            }
        }
        index
    }

    fn slot(&self, app: &AppId) -> Option<usize> {
        self.slots.get(app).copied()
    }

    /// The app in `slot`.
    fn app_of(&self, slot: usize) -> Option<&'a AppId> {
        self.apps.get(slot).copied()
    }

    /// The slot of `app` if disconnect rules watch it.
    fn watched(&self, app: &AppId) -> Option<usize> {
        self.slot(app).filter(|&s| !self.disconnect_rules(s).is_empty())
    }

    /// The rules of `rule_type` covering the app in `slot` (`None`: an app no rule names).
    fn matching(&self, rule_type: RuleType, slot: Option<usize>) -> impl Iterator<Item = usize> + '_ {
        let kind = type_slot(rule_type);
        let named = slot.and_then(|s| self.by_slot.get(s)).and_then(|lists| lists.get(kind));
        let all = self.all_apps.get(kind);
        named.into_iter().chain(all).flatten().copied()
    }

    /// The disconnect rules covering the app in `slot` (they always name their apps).
    fn disconnect_rules(&self, slot: usize) -> &[usize] {
        self.by_slot
            .get(slot)
            .and_then(|lists| lists.get(type_slot(RuleType::AppDisconnected)))
            .map_or(&[], Vec::as_slice)
    }
}

fn type_slot(rule_type: RuleType) -> usize {
    match rule_type {
        RuleType::AppInstalled => 0,
        RuleType::AppDisconnected => 1,
        RuleType::AppUninstalled => 2,
        RuleType::AccessRequested => 3,
        // Governance rules match alerts, never log events ([`crate::governance::governance_deliveries`]):
        // a slot past the index's lists, so the index never holds them.
        RuleType::GovernanceAlert => 4,
    }
}

/// What an episode is, and so which rules remind of it.
#[derive(Clone, Copy)]
enum Series {
    /// A disconnection of a connection, reminded by the disconnect rules of its app.
    Disconnection,
    /// An open access request, reminded by the access-request rules covering its app; it closes
    /// at `expires_at` at the latest.
    Request {
        /// When the request expires.
        expires_at: DateTime<Utc>,
    },
}

/// An ongoing episode that rules remind of: a disconnection of one connection of an app that
/// disconnect rules watch, or an open access request of one user for an app that
/// access-request rules cover.
struct Episode<'e> {
    /// The event that started it (disconnect or request) and its time.
    event: EventId,
    at: DateTime<Utc>,
    app: &'e AppId,
    /// Whose connection, or who asked.
    user: Option<&'e UserId>,
    /// The app's slot in the rule index, if some rule names it.
    slot: Option<usize>,
    series: Series,
}

impl Episode<'_> {
    /// The type of the rules that remind of it.
    fn rule_type(&self) -> RuleType {
        match self.series {
            Series::Disconnection => RuleType::AppDisconnected,
            Series::Request { .. } => RuleType::AccessRequested,
        }
    }

    /// Reminder number `n` of it.
    fn reminder(&self, n: u32) -> Trigger {
        match self.series {
            Series::Disconnection => Trigger::Reminder { disconnected: self.event, n },
            Series::Request { .. } => Trigger::RequestReminder { requested: self.event, n },
        }
    }

    /// When it ends at the latest, `ended` being when an event ended it (if one did).
    fn ends(&self, ended: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
        match self.series {
            Series::Disconnection => ended,
            Series::Request { expires_at } => Some(ended.map_or(expires_at, |e| e.min(expires_at))),
        }
    }
}

/// Where a live evaluation resumes: a settled delivery log's instant and what it carries.
#[derive(Clone, Copy)]
struct Resume<'e> {
    settled: DateTime<Utc>,
    log: &'e DeliveryLog,
}

/// The scan found more notices than its cap.
struct Overflow;

/// Pushes a notice unless the output already holds `cap`.
fn push<'e>(out: &mut Vec<Notice<'e>>, notice: Notice<'e>, cap: usize) -> Result<(), Overflow> {
    if out.len() >= cap {
        return Err(Overflow);
    }
    out.push(notice);
    Ok(())
}

/// Finds the notices due up to `to` (inclusive) and at or after each target's `from`, at most
/// `cap` of them.
///
/// Events before the earliest `from` can give no notice: they only open and close
/// disconnections, which need no rule matching. With `resume`, the scan starts at the settled
/// instant instead of the log's start.
fn scan<'e>(
    directory: &Directory,
    events: &'e EventLog,
    resume: Option<Resume<'e>>,
    targets: &[Target<'_>],
    to: DateTime<Utc>,
    mode: Mode,
    cap: usize,
) -> Result<Vec<Notice<'e>>, Overflow> {
    let index = RuleIndex::build(targets);
    let Some(earliest) = targets.iter().map(|t| t.from).min() else { return Ok(Vec::new()) };
    let reports: Vec<bool> = (0..index.by_slot.len())
        .map(|slot| index.app_of(slot).and_then(|app| directory.app(app)).is_some_and(|a| a.reports_status))
        .collect();
    let begin = resume.map_or(0, |r| events.count_before(r.settled));
    let end = events.count_up_to(to);
    let mut out = Vec::new();
    let mut episodes: FastMap<(usize, Option<&'e UserId>), Episode<'e>> = FastMap::default();
    // Grant expiries set since the scan's start, per watched connection (`None` inside: a grant
    // that does not expire); older ones come from the settled log.
    let mut grants: FastMap<(usize, Option<&'e UserId>), Option<DateTime<Utc>>> = FastMap::default();
    for open in resume.map(|r| r.log.open_at_settle()).unwrap_or_default() {
        if let Some(slot) = index.watched(&open.app) {
            let (app, user) = (&open.app, open.user.as_ref());
            let series = Series::Disconnection;
            episodes
                .insert((slot, user), Episode { event: open.event, at: open.at, app, user, slot: Some(slot), series });
        }
    }
    // Open access requests by (app, requester), for apps that access-request rules cover.
    let mut requests: FastMap<(&'e AppId, &'e UserId), Episode<'e>> = FastMap::default();
    let asked = |slot: Option<usize>| index.matching(RuleType::AccessRequested, slot).next().is_some();
    for open in resume.map(|r| r.log.requests_at_settle()).unwrap_or_default() {
        let slot = index.slot(&open.app);
        if asked(slot) {
            let series = Series::Request { expires_at: open.expires_at };
            let (app, user) = (&open.app, Some(&open.requester));
            requests
                .insert((app, &open.requester), Episode { event: open.event, at: open.at, app, user, slot, series });
        }
    }
    let in_window = |t: usize, at: DateTime<Utc>| targets.get(t).is_some_and(|t| at >= t.from);

    for event in events.range(begin..end) {
        let live = event.at >= earliest;
        let (app, user) = (event.app, event.user);
        let slot = index.slot(app);
        let notify = |out: &mut Vec<Notice<'e>>, rule_type: RuleType, trigger: Trigger, user: Option<&'e UserId>| {
            if live {
                for t in index.matching(rule_type, slot).filter(|&t| in_window(t, event.at)) {
                    push(out, Notice { due_at: event.at, target: t, trigger, app, user }, cap)?;
                }
            }
            Ok(())
        };
        if matches!(event.kind, EventKind::Installed { .. } | EventKind::Reinstalled { .. }) {
            notify(&mut out, RuleType::AppInstalled, Trigger::Installed { event: event.id }, user)?;
        }
        if let Some(watched) = index.watched(app) {
            let key = (watched, user);
            if let Some(expiry) = granted(event.kind) {
                grants.insert(key, expiry);
            }
            let open = episodes.contains_key(&key);
            let expires_at = if open {
                grants.get(&key).copied().unwrap_or_else(|| resume.and_then(|r| r.log.expiry_at_settle(app, user)))
            } else {
                None
            };
            let reports_status = reports.get(watched).copied().unwrap_or_default();
            match change(event.kind, open, expires_at, reports_status, event.at) {
                Some(Change::Starts) => {
                    let series = Series::Disconnection;
                    episodes
                        .insert(key, Episode { event: event.id, at: event.at, app, user, slot: Some(watched), series });
                    notify(&mut out, RuleType::AppDisconnected, Trigger::Disconnected { event: event.id }, user)?;
                }
                Some(Change::Ends { recovered }) => {
                    if let Some(episode) = episodes.remove(&key) {
                        // A disconnection that ended by the earliest `from` has no reminder in the window.
                        if mode == Mode::Timeline && event.at > earliest {
                            reminders(&index, targets, &episode, event.at, Some(event.at), &mut out, cap)?;
                        }
                        if recovered && live {
                            let trigger = Trigger::Recovered { disconnected: episode.event, event: event.id };
                            for &t in index.disconnect_rules(watched) {
                                if targets.get(t).is_some_and(|t| t.rule.notify_recovered) && in_window(t, event.at) {
                                    push(&mut out, Notice { due_at: event.at, target: t, trigger, app, user }, cap)?;
                                }
                            }
                        }
                    }
                }
                None => {}
            }
        }
        if matches!(event.kind, EventKind::Uninstalled) {
            notify(&mut out, RuleType::AppUninstalled, Trigger::Uninstalled { event: event.id }, user)?;
        }
        match event.kind {
            EventKind::AccessRequested { requester, expires_at, .. } if asked(slot) => {
                let series = Series::Request { expires_at: *expires_at };
                let episode = Episode { event: event.id, at: event.at, app, user: Some(requester), slot, series };
                // A new request replaces only a closed one: an expired request's reminders stop
                // at its expiry.
                if let Some(old) = requests.insert((app, requester), episode)
                    && mode == Mode::Timeline
                    && event.at > earliest
                {
                    reminders(&index, targets, &old, event.at, Some(event.at), &mut out, cap)?;
                }
                notify(
                    &mut out,
                    RuleType::AccessRequested,
                    Trigger::AccessRequested { event: event.id },
                    Some(requester),
                )?;
            }
            EventKind::AccessApproved { requester, .. } | EventKind::AccessDenied { requester, .. } => {
                if let Some(old) = requests.remove(&(app, requester))
                    && mode == Mode::Timeline
                    && event.at > earliest
                {
                    reminders(&index, targets, &old, event.at, Some(event.at), &mut out, cap)?;
                }
            }
            _ => {}
        }
    }

    for episode in episodes.values().chain(requests.values()) {
        match mode {
            Mode::Timeline => reminders(&index, targets, episode, to, None, &mut out, cap)?,
            Mode::CatchUp => latest_reminders(&index, targets, episode, to, &mut out, cap)?,
        }
    }
    Ok(out)
}

/// Every reminder of `episode` due in `[target.from, to]` and strictly before it ends (`ended`,
/// if an event ended it, or a request's expiry).
fn reminders<'e>(
    index: &RuleIndex<'_>,
    targets: &[Target<'_>],
    episode: &Episode<'e>,
    to: DateTime<Utc>,
    ended: Option<DateTime<Utc>>,
    out: &mut Vec<Notice<'e>>,
    cap: usize,
) -> Result<(), Overflow> {
    let ended = episode.ends(ended);
    for t in index.matching(episode.rule_type(), episode.slot) {
        let Some((target, frequency)) = targets.get(t).and_then(|g| g.rule.frequency.map(|f| (g, f))) else {
            continue;
        };
        if ended.is_some_and(|e| e <= target.from) {
            continue;
        }
        let Some(mut n) = first_due_at_or_after(frequency, episode.at, target.from) else { continue };
        while let Some(due) = frequency.reminder_due(episode.at, n) {
            if due > to || ended.is_some_and(|e| due >= e) {
                break;
            }
            let trigger = episode.reminder(n);
            push(out, Notice { due_at: due, target: t, trigger, app: episode.app, user: episode.user }, cap)?;
            let Some(next) = n.checked_add(1) else { break };
            n = next;
        }
    }
    Ok(())
}

/// The latest reminder of an ongoing `episode` due at or before `now`, per rule, if it is due at
/// or after the rule's `from` and the episode is still going on at `now` (the catch-up policy of
/// [`evaluate`]).
fn latest_reminders<'e>(
    index: &RuleIndex<'_>,
    targets: &[Target<'_>],
    episode: &Episode<'e>,
    now: DateTime<Utc>,
    out: &mut Vec<Notice<'e>>,
    cap: usize,
) -> Result<(), Overflow> {
    if episode.ends(None).is_some_and(|end| end <= now) {
        return Ok(());
    }
    for t in index.matching(episode.rule_type(), episode.slot) {
        let Some((target, frequency)) = targets.get(t).and_then(|g| g.rule.frequency.map(|f| (g, f))) else {
            continue;
        };
        let Some(n) = last_due_at_or_before(frequency, episode.at, now) else { continue };
        if let Some(due) = frequency.reminder_due(episode.at, n).filter(|due| *due >= target.from) {
            let trigger = episode.reminder(n);
            push(out, Notice { due_at: due, target: t, trigger, app: episode.app, user: episode.user }, cap)?;
        }
    }
    Ok(())
}

/// A guess of how many periods separate `start` from `t`, corrected by the callers.
fn estimate(frequency: Frequency, start: DateTime<Utc>, t: DateTime<Utc>) -> u32 {
    use chrono::Datelike;
    if t <= start {
        return 1;
    }
    let periods = match frequency.period() {
        // `reminder_due` takes periodic numbers up to `i32::MAX`: a guess past it would be
        // walked back one by one.
        Some(period) => ((t - start).num_seconds() / period.num_seconds().max(1)).min(i64::from(i32::MAX)),
        None => {
            let months = |d: DateTime<Utc>| i64::from(d.year()) * 12 + i64::from(d.month0());
            months(t) - months(start)
        }
    };
    u32::try_from(periods.max(1)).unwrap_or(u32::MAX)
}

/// The first reminder number whose due time is at or after `t`.
fn first_due_at_or_after(frequency: Frequency, start: DateTime<Utc>, t: DateTime<Utc>) -> Option<u32> {
    let mut n = estimate(frequency, start, t);
    while n > 1 && frequency.reminder_due(start, n - 1).is_some_and(|due| due >= t) {
        n -= 1;
    }
    while frequency.reminder_due(start, n)? < t {
        n = n.checked_add(1)?;
    }
    Some(n)
}

/// The last reminder number whose due time is at or before `t`, if any.
fn last_due_at_or_before(frequency: Frequency, start: DateTime<Utc>, t: DateTime<Utc>) -> Option<u32> {
    let mut n = estimate(frequency, start, t);
    while n > 0 && frequency.reminder_due(start, n).is_none_or(|due| due > t) {
        n -= 1;
    }
    while let Some(next) = n.checked_add(1).filter(|&m| frequency.reminder_due(start, m).is_some_and(|due| due <= t)) {
        n = next;
    }
    (n > 0).then_some(n)
}

/// Expands notices into deliveries (recipients × channels), resolving each rule's recipients
/// once. Notices are sorted first; recipients and channels come sorted, so the deliveries come
/// out in [`Delivery`]'s order without sorting them. A notice whose deliveries would take the
/// output past `cap` stops the expansion before anything of it is allocated.
fn deliveries(
    directory: &Directory,
    targets: &[Target<'_>],
    mut notices: Vec<Notice<'_>>,
    cap: usize,
) -> Result<Vec<Delivery>, Overflow> {
    let rule_id = |n: &Notice<'_>| targets.get(n.target).map(|t| t.rule.id.as_str()).unwrap_or_default();
    notices.sort_unstable_by(|a, b| {
        (a.due_at.cmp(&b.due_at))
            .then_with(|| rule_id(a).cmp(rule_id(b)))
            .then_with(|| a.trigger.cmp(&b.trigger))
            .then_with(|| a.app.cmp(b.app))
            .then_with(|| a.user.cmp(&b.user))
    });
    // Resolved now, in the current directory: sorted by id, each person once. "Super admins" and
    // "everyone" are the same people for every rule, so they are resolved once.
    let (mut admins, mut everyone) = (None, None);
    let mut specific: Vec<Option<Vec<UserId>>> = vec![None; targets.len()];
    let mut out = Vec::new();
    for notice in notices {
        let Some(target) = targets.get(notice.target) else { continue };
        let recipients = &target.rule.recipients;
        let people: &[UserId] = match recipients {
            Recipients::SuperAdmins => admins.get_or_insert_with(|| recipients.resolve(directory)),
            Recipients::Everyone => everyone.get_or_insert_with(|| recipients.resolve(directory)),
            Recipients::Specific { .. } => match specific.get_mut(notice.target) {
                Some(slot) => slot.get_or_insert_with(|| recipients.resolve(directory)),
                None => continue,
            },
        };
        let count = people.len().checked_mul(target.rule.channels.len()).ok_or(Overflow)?;
        if out.len().checked_add(count).is_none_or(|total| total > cap) {
            return Err(Overflow);
        }
        for person in people {
            for channel in &target.rule.channels {
                out.push(Delivery {
                    due_at: notice.due_at,
                    rule: target.rule.id.clone(),
                    trigger: notice.trigger,
                    app: notice.app.clone(),
                    connection_user: notice.user.cloned(),
                    recipient: person.clone(),
                    channel: *channel,
                });
            }
        }
    }
    Ok(out)
}
