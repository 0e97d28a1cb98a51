//! The naive reference evaluator of the notification tests: it walks the clock minute by minute
//! and checks every rule against every event and every ongoing disconnection, sharing no code
//! with the engine's evaluator beyond the rule types, `Frequency::period` and `time::add_months`
//! (the documented calendar rule).
#![allow(dead_code, reason = "shared test helpers")]

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use connected_apps::notify::{NoticeKey, Trigger};
use connected_apps::time::add_months;
use connected_apps::{
    Connection, ConnectionState, Delivery, DeliveryLog, Directory, Event, EventKind, Frequency, Recipients, Rule,
    RuleApps, RuleType, UserId,
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

/// The reminder number due exactly at `t` for a disconnection at `start`, found by brute force.
fn reminder_number_at(frequency: Frequency, start: DateTime<Utc>, t: DateTime<Utc>) -> Option<u32> {
    match frequency.period() {
        Some(period) => {
            let diff = t - start;
            (diff > Duration::zero() && diff.num_seconds() % period.num_seconds() == 0)
                .then(|| u32::try_from(diff.num_seconds() / period.num_seconds()).unwrap())
        }
        None => {
            let mut n = 1;
            loop {
                let due = add_months(start, n)?;
                if due == t {
                    return Some(n);
                }
                if due > t {
                    return None;
                }
                n += 1;
            }
        }
    }
}

fn covers(rule: &Rule, app: &str) -> bool {
    match &rule.apps {
        RuleApps::All => true,
        RuleApps::Only(apps) => apps.iter().any(|a| a.as_str() == app),
    }
}

/// The state an event records for its connection, if it records one.
fn recorded_state(kind: &EventKind) -> Option<ConnectionState> {
    Some(match kind {
        EventKind::Installed { .. }
        | EventKind::Reinstalled { .. }
        | EventKind::Connected
        | EventKind::Reconnected { .. }
        | EventKind::Reauthenticated { .. } => ConnectionState::Connected,
        EventKind::Disconnected => ConnectionState::Disconnected,
        EventKind::ConnectionExpired => ConnectionState::Expired,
        EventKind::ConnectionError(_) => ConnectionState::Error,
        EventKind::Uninstalled => ConnectionState::Uninstalled,
        _ => return None,
    })
}

/// Walks every minute from the first event (or `floor`) to `to`, checking every rule at each
/// minute; returns every notice due at or before `to` and at or after the rule's own bound, and
/// the disconnections still going on at `to` (connection → disconnect event id).
///
/// A disconnection starts with a disconnect and lasts while the connection needs attention by
/// `Connection::attention_of` (the one rule home uses), judged after each event of the
/// connection; it is a recovery when a connected report ends it.
/// Every timestamp must fall on a whole minute.
pub fn reference_notices(
    directory: &Directory,
    events: &[Event],
    rules: &[(Rule, DateTime<Utc>)],
    floor: DateTime<Utc>,
    to: DateTime<Utc>,
) -> (Vec<RefNotice>, BTreeSet<connected_apps::EventId>) {
    let mut out = Vec::new();
    let mut open: BTreeMap<(String, Option<UserId>), (connected_apps::EventId, DateTime<Utc>)> = BTreeMap::new();
    let mut grants: BTreeMap<(String, Option<UserId>), Option<DateTime<Utc>>> = BTreeMap::new();
    let mut t = events.first().map_or(floor, |e| e.at.min(floor));
    let mut i = 0;
    while t <= to {
        while let Some(e) = events.get(i).filter(|e| e.at == t) {
            let key = (e.app.as_str().to_owned(), e.user.clone());
            let was_open = open.get(&key).copied();
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
            let recorded = recorded_state(&e.kind);
            let ends = was_open.is_some()
                && recorded.is_some_and(|state| {
                    let expiry = grants.get(&key).copied().flatten();
                    Connection::attention_of(state, expiry, reports, t).is_none()
                });
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
            if matches!(e.kind, EventKind::Disconnected) {
                open.entry(key).or_insert((e.id, e.at));
            } else if ends {
                open.remove(&key);
            }
            i += 1;
        }
        for ((app, user), (disconnected, start)) in &open {
            for (r, (rule, _)) in rules.iter().enumerate() {
                if rule.rule_type != RuleType::AppDisconnected || !covers(rule, app) {
                    continue;
                }
                if let Some(n) = reminder_number_at(rule.frequency.unwrap(), *start, t) {
                    let trigger = Trigger::Reminder { disconnected: *disconnected, n };
                    out.push(RefNotice { due_at: t, rule: r, trigger, app: app.clone(), user: user.clone() });
                }
            }
        }
        t += Duration::minutes(1);
    }
    out.retain(|n| n.due_at >= rules[n.rule].1);
    (out, open.values().map(|(d, _)| *d).collect())
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
    let (notices, _) = reference_notices(directory, events, &bounded, from, to);
    expand(directory, &bounded, &notices)
}

/// Live evaluation by the reference: event notices not in `log`; of the reminders, the latest
/// one of each (rule, disconnection) still going on at `now`, if not in `log`.
pub fn reference_evaluate(
    directory: &Directory,
    events: &[Event],
    rules: &[(Rule, DateTime<Utc>)],
    log: &DeliveryLog,
    now: DateTime<Utc>,
) -> Vec<Delivery> {
    let bounded: Vec<(Rule, DateTime<Utc>)> =
        rules.iter().map(|(r, since)| (r.clone(), log.settled_before().map_or(*since, |s| s.max(*since)))).collect();
    let floor = bounded.iter().map(|(_, s)| *s).min().unwrap_or(now);
    let (notices, open) = reference_notices(directory, events, &bounded, floor, now);
    let mut latest: BTreeMap<(usize, connected_apps::EventId), RefNotice> = BTreeMap::new();
    let mut kept = Vec::new();
    for n in notices {
        match n.trigger {
            Trigger::Reminder { disconnected, n: number } => {
                if open.contains(&disconnected) {
                    let slot = latest.entry((n.rule, disconnected)).or_insert_with(|| n.clone());
                    if let Trigger::Reminder { n: best, .. } = slot.trigger
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
        !log.contains(&NoticeKey { due_at: n.due_at, rule: bounded[n.rule].0.id.clone(), trigger: n.trigger })
    });
    expand(directory, &bounded, &kept)
}
