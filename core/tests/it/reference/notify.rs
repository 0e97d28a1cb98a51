//! The naive reference evaluator of the notification tests. It shares no code with the engine's
//! evaluator beyond the data types: it reads the log event by event, keeps every disconnection
//! as an interval, and lists each interval's reminders by its own arithmetic — a fixed number of
//! seconds for hourly, daily and weekly ones, a walk over the calendar day by day for monthly
//! ones — and models the delivery log (recorded notices, the settled instant) itself. Timestamps
//! may fall on any second.
#![allow(dead_code, reason = "shared test helpers")]

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use connected_apps::notify::{NoticeKey, Trigger};
use connected_apps::{
    ConnectionState, Delivery, Directory, Event, EventId, EventKind, Frequency, Recipients, Rule, RuleApps, RuleType,
    UserId,
};

/// One notice of the reference evaluator.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RefNotice {
    pub due_at: DateTime<Utc>,
    pub rule: usize,
    pub trigger: Trigger,
    pub app: String,
    pub user: Option<UserId>,
}

/// The reference's delivery log: the notices recorded, and the settled instant (every notice
/// due before it counts as handled). Settling at `before` settles at the newest event's time if
/// that is earlier, never without events, and never moves back.
#[derive(Debug, Clone, Default)]
pub struct RefLog {
    pub sent: BTreeSet<NoticeKey>,
    pub settled: Option<DateTime<Utc>>,
}

impl RefLog {
    pub fn record(&mut self, deliveries: &[Delivery]) {
        self.sent.extend(deliveries.iter().map(|d| NoticeKey {
            due_at: d.due_at,
            rule: d.rule.clone(),
            trigger: d.trigger,
        }));
    }

    pub fn settle(&mut self, events: &[Event], before: DateTime<Utc>) {
        let Some(newest) = events.last().map(|e| e.at) else { return };
        let before = before.min(newest);
        if self.settled.is_none_or(|s| s < before) {
            self.settled = Some(before);
        }
    }

    pub fn handled(&self, key: &NoticeKey) -> bool {
        self.settled.is_some_and(|s| key.due_at < s) || self.sent.contains(key)
    }
}

/// Whether `day` is the last of its month: the next day falls in another month.
fn last_of_month(day: NaiveDate) -> bool {
    day.succ_opt().is_none_or(|next| next.month() != day.month())
}

/// Monthly reminders after `start`, due no later than `to`: walking the calendar day by day,
/// each later month's day numbered like the start's, or the month's last day when the month is
/// shorter, at the start's time of day.
fn monthly_reminders(start: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let anchor = start.day();
    let time = start.time();
    let mut out = Vec::new();
    let mut day = start.date_naive();
    loop {
        let Some(next) = day.succ_opt() else { return out };
        day = next;
        let due = day.and_time(time).and_utc();
        if due > to {
            return out;
        }
        if day.day() == anchor || (last_of_month(day) && day.day() < anchor) {
            out.push(due);
        }
    }
}

/// Reminders of a disconnection that started at `start`, due no later than `to`, numbered 1, 2, …
fn reminders(frequency: Frequency, start: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let seconds = match frequency {
        Frequency::Hourly => 3_600,
        Frequency::Daily => 86_400,
        Frequency::Weekly => 7 * 86_400,
        Frequency::Monthly => return monthly_reminders(start, to),
    };
    (1..).map(|n| start + Duration::seconds(n * seconds)).take_while(|due| *due <= to).collect()
}

fn covers(rule: &Rule, app: &str) -> bool {
    match &rule.apps {
        RuleApps::All => true,
        RuleApps::Only(apps) => apps.iter().any(|a| a.as_str() == app),
    }
}

/// The state an event records for its connection, if it records one (status reports of an app
/// that does not report status record nothing).
fn recorded_state(kind: &EventKind, reports_status: bool) -> Option<ConnectionState> {
    Some(match kind {
        EventKind::Installed { .. }
        | EventKind::Reinstalled { .. }
        | EventKind::Reconnected { .. }
        | EventKind::Reauthenticated { .. } => ConnectionState::Connected,
        EventKind::Connected if reports_status => ConnectionState::Connected,
        EventKind::Disconnected => ConnectionState::Disconnected,
        EventKind::ConnectionExpired if reports_status => ConnectionState::Expired,
        EventKind::ConnectionError(_) if reports_status => ConnectionState::Error,
        EventKind::Uninstalled => ConnectionState::Uninstalled,
        _ => return None,
    })
}

/// Whether a connection in `state` with a grant ending at `expiry` is fine at `t` (spelled out:
/// connected with no grant expired by `t`, or uninstalled, or an expiry or error the app cannot
/// report).
fn fine(state: ConnectionState, expiry: Option<DateTime<Utc>>, reports_status: bool, t: DateTime<Utc>) -> bool {
    match state {
        ConnectionState::Connected => expiry.is_none_or(|e| e > t),
        ConnectionState::Uninstalled => true,
        ConnectionState::Disconnected => false,
        ConnectionState::Expired | ConnectionState::Error => !reports_status,
    }
}

/// A disconnection: its connection, the disconnect that started it, when, and when an event
/// ended it (`None`: still going on).
struct Interval {
    app: String,
    user: Option<UserId>,
    event: EventId,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
}

/// An access request: who asked for which app, the request event, when, when it expires, and
/// when a decision (approval or denial) closed it (`None`: never decided).
struct Asked {
    app: String,
    requester: UserId,
    event: EventId,
    start: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    decided: Option<DateTime<Utc>>,
}

/// Reads every event up to `to` and lists every notice due at or before `to` and at or after
/// the rule's own bound, and the disconnections and access requests still going on at `to`.
///
/// An access request is open from its event until the requester's approval or denial for the
/// app, or its expiry, whichever comes first; its reminders fall strictly before that.
///
/// A disconnection starts with a disconnect and lasts until an event of its connection leaves
/// it fine; it is a recovery when a connected report ends it. Reminders fall strictly after the
/// start and strictly before the end (events at an instant are read before its reminders).
pub fn reference_notices(
    directory: &Directory,
    events: &[Event],
    rules: &[(Rule, DateTime<Utc>)],
    to: DateTime<Utc>,
) -> (Vec<RefNotice>, BTreeSet<EventId>) {
    let mut out = Vec::new();
    let mut open: BTreeMap<(String, Option<UserId>), usize> = BTreeMap::new();
    let mut intervals: Vec<Interval> = Vec::new();
    let mut grants: BTreeMap<(String, Option<UserId>), Option<DateTime<Utc>>> = BTreeMap::new();
    let mut asked: Vec<Asked> = Vec::new();
    for e in events.iter().take_while(|e| e.at <= to) {
        match &e.kind {
            EventKind::AccessRequested { requester, expires_at, .. } => {
                for (r, (rule, _)) in rules.iter().enumerate() {
                    if rule.rule_type == RuleType::AccessRequested && covers(rule, e.app.as_str()) {
                        let trigger = Trigger::AccessRequested { event: e.id };
                        let user = Some(requester.clone());
                        out.push(RefNotice { due_at: e.at, rule: r, trigger, app: e.app.as_str().to_owned(), user });
                    }
                }
                asked.push(Asked {
                    app: e.app.as_str().to_owned(),
                    requester: requester.clone(),
                    event: e.id,
                    start: e.at,
                    expires_at: *expires_at,
                    decided: None,
                });
            }
            EventKind::AccessApproved { requester, .. } | EventKind::AccessDenied { requester, .. } => {
                // The latest request of the requester for the app is the one decided.
                if let Some(a) = asked.iter_mut().rev().find(|a| a.app == e.app.as_str() && a.requester == *requester) {
                    a.decided = Some(e.at);
                }
            }
            _ => {}
        }
        let t = e.at;
        let key = (e.app.as_str().to_owned(), e.user.clone());
        let was_open = open.get(&key).map(|&i| (intervals[i].event, i));
        match &e.kind {
            EventKind::Installed { expires_at, .. }
            | EventKind::Reinstalled { expires_at, .. }
            | EventKind::Reconnected { expires_at }
            | EventKind::Reauthenticated { expires_at, .. } => {
                grants.insert(key.clone(), *expires_at);
            }
            _ => {}
        }
        let reports = directory.app(&e.app).unwrap().reports_status;
        let recorded = recorded_state(&e.kind, reports);
        let expiry = grants.get(&key).copied().flatten();
        let ends = was_open.is_some() && recorded.is_some_and(|state| fine(state, expiry, reports, t));
        let recovery = ends && recorded == Some(ConnectionState::Connected);
        for (r, (rule, _)) in rules.iter().enumerate() {
            if !covers(rule, e.app.as_str()) {
                continue;
            }
            let trigger = match (&e.kind, rule.rule_type) {
                (EventKind::Installed { .. } | EventKind::Reinstalled { .. }, RuleType::AppInstalled) => {
                    Some(Trigger::Installed { event: e.id })
                }
                (EventKind::Uninstalled, RuleType::AppUninstalled) => Some(Trigger::Uninstalled { event: e.id }),
                (EventKind::Disconnected, RuleType::AppDisconnected) if was_open.is_none() => {
                    Some(Trigger::Disconnected { event: e.id })
                }
                (_, RuleType::AppDisconnected) if recovery && rule.notify_recovered => {
                    was_open.map(|(d, _)| Trigger::Recovered { disconnected: d, event: e.id })
                }
                _ => None,
            };
            if let Some(trigger) = trigger {
                out.push(RefNotice { due_at: t, rule: r, trigger, app: key.0.clone(), user: key.1.clone() });
            }
        }
        if matches!(e.kind, EventKind::Disconnected) && was_open.is_none() {
            open.insert(key.clone(), intervals.len());
            intervals.push(Interval { app: key.0, user: key.1, event: e.id, start: t, end: None });
        } else if ends && let Some(i) = open.remove(&key) {
            intervals[i].end = Some(t);
        }
    }
    for d in &intervals {
        for (r, (rule, _)) in rules.iter().enumerate() {
            if rule.rule_type != RuleType::AppDisconnected || !covers(rule, &d.app) {
                continue;
            }
            let due = reminders(rule.frequency.unwrap(), d.start, to);
            for (n, due_at) in (1u32..).zip(due).take_while(|(_, due)| d.end.is_none_or(|end| *due < end)) {
                let trigger = Trigger::Reminder { disconnected: d.event, n };
                out.push(RefNotice { due_at, rule: r, trigger, app: d.app.clone(), user: d.user.clone() });
            }
        }
    }
    for a in &asked {
        let closes = a.decided.map_or(a.expires_at, |d| d.min(a.expires_at));
        for (r, (rule, _)) in rules.iter().enumerate() {
            if rule.rule_type != RuleType::AccessRequested || !covers(rule, &a.app) {
                continue;
            }
            let due = reminders(rule.frequency.unwrap(), a.start, to);
            for (n, due_at) in (1u32..).zip(due).take_while(|(_, due)| *due < closes) {
                let trigger = Trigger::RequestReminder { requested: a.event, n };
                out.push(RefNotice { due_at, rule: r, trigger, app: a.app.clone(), user: Some(a.requester.clone()) });
            }
        }
    }
    out.retain(|n| n.due_at >= rules[n.rule].1);
    out.sort();
    let ongoing = intervals.iter().filter(|d| d.end.is_none()).map(|d| d.event);
    let still_asked = asked.iter().filter(|a| a.decided.is_none() && a.expires_at > to).map(|a| a.event);
    (out, ongoing.chain(still_asked).collect())
}

/// Recipients, resolved by scanning every user.
pub fn reference_recipients(directory: &Directory, rule: &Rule) -> Vec<UserId> {
    directory
        .users()
        .filter(|u| u.active)
        .filter(|u| match &rule.recipients {
            Recipients::SuperAdmins => u.super_admin,
            Recipients::Everyone => true,
            Recipients::Specific { users, teams } => {
                users.contains(&u.id) || teams.iter().any(|t| directory.team(t).unwrap().members.contains(&u.id))
            }
        })
        .map(|u| u.id.clone())
        .collect()
}

pub fn expand(directory: &Directory, rules: &[(Rule, DateTime<Utc>)], notices: &[RefNotice]) -> Vec<Delivery> {
    let mut out = Vec::new();
    for n in notices {
        let rule = &rules[n.rule].0;
        for person in reference_recipients(directory, rule) {
            for channel in &rule.channels {
                out.push(Delivery {
                    due_at: n.due_at,
                    rule: rule.id.clone(),
                    trigger: n.trigger,
                    app: n.app.as_str().into(),
                    connection_user: n.user.clone(),
                    recipient: person.clone(),
                    channel: *channel,
                });
            }
        }
    }
    out.sort();
    out
}

/// The dry-run timeline by the reference: every notice due in `[from, to]`.
pub fn reference_timeline(
    directory: &Directory,
    events: &[Event],
    rules: &[Rule],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Delivery> {
    let bounded: Vec<(Rule, DateTime<Utc>)> = rules.iter().map(|r| (r.clone(), from)).collect();
    let (notices, _) = reference_notices(directory, events, &bounded, to);
    expand(directory, &bounded, &notices)
}

/// Live evaluation by the reference: event notices not handled by `log`; of the reminders, the
/// latest one of each (rule, disconnection or request) still going on at `now`, if not handled. A rule
/// delivers nothing due before its creation or the log's settled instant.
pub fn reference_evaluate(
    directory: &Directory,
    events: &[Event],
    rules: &[(Rule, DateTime<Utc>)],
    log: &RefLog,
    now: DateTime<Utc>,
) -> Vec<Delivery> {
    let bounded: Vec<(Rule, DateTime<Utc>)> =
        rules.iter().map(|(r, since)| (r.clone(), log.settled.map_or(*since, |s| s.max(*since)))).collect();
    let (notices, open) = reference_notices(directory, events, &bounded, now);
    let mut latest: BTreeMap<(usize, EventId), RefNotice> = BTreeMap::new();
    let mut kept = Vec::new();
    for n in notices {
        match n.trigger {
            Trigger::Reminder { disconnected, n: number }
            | Trigger::RequestReminder { requested: disconnected, n: number } => {
                if open.contains(&disconnected) {
                    let slot = latest.entry((n.rule, disconnected)).or_insert_with(|| n.clone());
                    if let Trigger::Reminder { n: best, .. } | Trigger::RequestReminder { n: best, .. } = slot.trigger
                        && number > best
                    {
                        *slot = n;
                    }
                }
            }
            _ => kept.push(n),
        }
    }
    kept.extend(latest.into_values());
    kept.retain(|n| {
        !log.handled(&NoticeKey { due_at: n.due_at, rule: bounded[n.rule].0.id.clone(), trigger: n.trigger })
    });
    expand(directory, &bounded, &kept)
}
