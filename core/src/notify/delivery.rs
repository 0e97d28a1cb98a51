//! The delivery log (N4): what was already delivered, how far it is settled, and how a restored
//! log is checked against the event log and the rules.
//!
//! Only the engine's own deliveries enter it ([`DeliveryLog::record`] checks them against an
//! evaluation at the host's clock), and a log read from a snapshot is re-derived and validated
//! ([`DeliveryLog::restore`]):
//!
//! - the disconnections going on at the settled instant, the grant expiries then in force and
//!   the access requests then open, are recomputed from the events, never read;
//! - the settled instant is never after the newest event of the log it covers ([`DeliveryLog::settle`]
//!   never settles past it);
//! - each remembered notice is due at or after the settled instant and is one the engine could
//!   have produced: its rule was created at or before it is due, and some version of the rule
//!   has the notice's type and covers the app of the events it names; those events exist, have
//!   the kinds the trigger says, concern one connection, and the notice is due at the event's
//!   time (a reminder: at its scheduled time by some version's frequency, and a request's
//!   reminder before the request expires).
//!
//! What no snapshot can prove without a clock: a remembered reminder due after the newest event
//! may have been recorded by a host whose clock was that late. Such a notice suppresses only
//! itself.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::UserId;
use crate::catalog::AppId;
use crate::directory::Directory;
use crate::event::{EventId, EventKind};
use crate::log::{EventLog, EventRef};
use crate::notify::error::NotifyError;
use crate::notify::evaluate::{Change, change, granted, live};
use crate::notify::notice::{Delivery, GovernanceNotice, NoticeKey, Trigger};
use crate::notify::rule::{NotificationRules, Rule, RuleChange, RuleId, RuleType};

/// Grant expiries by app, then by connection user.
pub(crate) type Expiries = BTreeMap<AppId, BTreeMap<Option<UserId>, DateTime<Utc>>>;

/// What was already delivered, so that evaluating again yields nothing new (N4).
///
/// It remembers *notices* (rule × trigger), not people: once a notice went out, a user who joins
/// a recipient team later does not receive it. [`DeliveryLog::settle`] bounds its size: every
/// notice due before the settled instant counts as handled and is forgotten.
///
/// A log read with serde alone is raw: restore it with [`DeliveryLog::restore`], which
/// re-derives and checks what it holds (engine snapshots do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryLog {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    settled_before: Option<DateTime<Utc>>,
    #[serde(default)]
    sent: BTreeSet<NoticeKey>,
    /// The disconnections going on at the settled instant, so that evaluation resumes there
    /// instead of replaying the whole log (derived: recomputed on restore).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    open_at_settle: Vec<OpenDisconnection>,
    /// The grant expiry in force at the settled instant of each installed connection that has
    /// one (derived: recomputed on restore, never written).
    #[serde(skip)]
    expiries_at_settle: Expiries,
    /// The access requests open at the settled instant (derived: recomputed on restore, never
    /// written).
    #[serde(skip)]
    requests_at_settle: Vec<OpenRequest>,
    /// The governance-alert notices delivered (G4), by (day, rule, policy, app); not written
    /// while empty, so logs written before G4 read and write unchanged.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    governance: BTreeSet<GovernanceNotice>,
}

/// An access request open at a delivery log's settled instant (G2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpenRequest {
    /// The app asked for.
    pub(crate) app: AppId,
    /// Who asked.
    pub(crate) requester: UserId,
    /// The request event.
    pub(crate) event: EventId,
    /// When it was asked.
    pub(crate) at: DateTime<Utc>,
    /// When it expires.
    pub(crate) expires_at: DateTime<Utc>,
}

/// A disconnection going on at a delivery log's settled instant.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OpenDisconnection {
    /// The app.
    pub app: AppId,
    /// For user-level apps, whose connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserId>,
    /// The disconnect event that started it.
    pub event: EventId,
    /// When it started.
    pub at: DateTime<Utc>,
}

impl DeliveryLog {
    /// An empty log.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the notices of `deliveries` as delivered; returns how many were new.
    ///
    /// Only deliveries the engine itself produces are accepted: each must be among the
    /// deliveries that [`crate::notify::evaluate`] finds due at `now` when the log's memory is
    /// ignored (so recording the same deliveries twice is harmless). Pass the `now` the
    /// deliveries were evaluated at. All or nothing.
    ///
    /// # Errors
    /// [`NotifyError::NotDue`] naming the first refused delivery; nothing is recorded.
    pub fn record(
        &mut self,
        directory: &Directory,
        events: &EventLog,
        rules: &NotificationRules,
        deliveries: &[Delivery],
        now: DateTime<Utc>,
    ) -> Result<usize, NotifyError> {
        let due = live(directory, events, rules, self, now, false);
        let due: HashSet<&Delivery> = due.iter().collect();
        if let Some(refused) = deliveries.iter().find(|d| !due.contains(d)) {
            return Err(NotifyError::NotDue { delivery: Box::new(refused.clone()), now });
        }
        Ok(deliveries.iter().filter(|d| self.sent.insert(d.notice())).count())
    }

    /// Remembers governance-alert notices as delivered (G4); the caller checked them
    /// ([`crate::governance::check_governance_deliveries`]). Returns how many were new.
    pub(crate) fn record_governance(&mut self, notices: BTreeSet<GovernanceNotice>) -> usize {
        notices.into_iter().filter(|n| self.governance.insert(n.clone())).count()
    }

    /// Declares every notice due before `before` handled, and forgets them; remembers which
    /// disconnections of `events` (the log later evaluations will see) are going on at that
    /// instant, so that evaluation resumes there instead of replaying the whole log.
    ///
    /// The settled instant is never after the newest event of `events` (a later `before` settles
    /// at the newest event's time; with no event nothing is settled), and it never moves back.
    /// Call it only for an instant before which no event can still arrive (an event imported
    /// late with an earlier timestamp would never be notified).
    pub fn settle(&mut self, directory: &Directory, events: &EventLog, before: DateTime<Utc>) {
        let Some(newest) = events.last().map(|e| e.at) else { return };
        let before = before.min(newest);
        if self.settled_before.is_some_and(|s| s >= before) {
            return;
        }
        let resume = self.settled_before.map_or(0, |s| events.count_before(s));
        let end = events.count_before(before);
        let mut open: BTreeMap<(AppId, Option<UserId>), (EventId, DateTime<Utc>)> =
            std::mem::take(&mut self.open_at_settle).into_iter().map(|o| ((o.app, o.user), (o.event, o.at))).collect();
        let mut requests: BTreeMap<(AppId, UserId), OpenRequest> = std::mem::take(&mut self.requests_at_settle)
            .into_iter()
            .map(|r| ((r.app.clone(), r.requester.clone()), r))
            .collect();
        let expiries = &mut self.expiries_at_settle;
        for event in events.range(resume..end) {
            match event.kind {
                EventKind::AccessRequested { requester, expires_at, .. } => {
                    let (app, requester) = (event.app.clone(), requester.clone());
                    let open = OpenRequest {
                        app: app.clone(),
                        requester: requester.clone(),
                        event: event.id,
                        at: event.at,
                        expires_at: *expires_at,
                    };
                    requests.insert((app, requester), open);
                }
                EventKind::AccessApproved { requester, .. } | EventKind::AccessDenied { requester, .. } => {
                    requests.remove(&(event.app.clone(), requester.clone()));
                }
                _ => {}
            }
            if let Some(expiry) = granted(event.kind) {
                set_expiry(expiries, &event, expiry);
            }
            let key = (event.app.clone(), event.user.cloned());
            let expires_at = expiries.get(event.app).and_then(|users| users.get(&key.1)).copied();
            let reports = directory.app(event.app).is_some_and(|a| a.reports_status);
            match change(event.kind, open.contains_key(&key), expires_at, reports, event.at) {
                Some(Change::Starts) => {
                    open.insert(key, (event.id, event.at));
                }
                Some(Change::Ends { .. }) => {
                    open.remove(&key);
                }
                None => {}
            }
        }
        self.requests_at_settle = requests.into_values().filter(|r| r.expires_at > before).collect();
        self.open_at_settle =
            open.into_iter().map(|((app, user), (event, at))| OpenDisconnection { app, user, event, at }).collect();
        self.settled_before = Some(before);
        // Governance notices of the UTC days that ended before the settled instant's day.
        self.governance = self.governance.split_off(&GovernanceNotice {
            day: crate::time::utc_day(before),
            rule: RuleId(String::new()),
            policy: crate::governance::model::GovernancePolicyId(String::new()),
            app: AppId(String::new()),
        });
        self.sent = self.sent.split_off(&NoticeKey {
            due_at: before,
            rule: RuleId(String::new()),
            trigger: Trigger::Installed { event: EventId(0) },
        });
    }

    /// Rebuilds a delivery log read from a snapshot over the engine's `events` and `rules`:
    /// re-derives what can be derived and refuses what the engine could not have written (see
    /// the module documentation).
    ///
    /// # Errors
    /// [`NotifyError::SettledAfterLog`], [`NotifyError::UnknownRule`] for a notice of a rule the
    /// rule log never created, or [`NotifyError::ImpossibleNotice`] for the first notice that
    /// fails a check.
    pub fn restore(
        directory: &Directory,
        events: &EventLog,
        rules: &NotificationRules,
        stored: DeliveryLog,
    ) -> Result<Self, NotifyError> {
        let mut log = Self::new();
        if let Some(settled) = stored.settled_before {
            let newest = events.last().map(|e| e.at);
            if newest.is_none_or(|n| settled > n) {
                return Err(NotifyError::SettledAfterLog { settled_before: settled, newest });
            }
            log.settle(directory, events, settled);
        }
        let check = NoticeCheck::new(events, rules, &stored.sent);
        check.check_all(&stored.sent, stored.settled_before)?;
        check.check_governance(directory, &stored.governance, stored.settled_before)?;
        log.sent = stored.sent;
        log.governance = stored.governance;
        Ok(log)
    }

    /// The disconnections going on at the settled instant.
    #[must_use]
    pub fn open_at_settle(&self) -> &[OpenDisconnection] {
        &self.open_at_settle
    }

    /// The access requests open at the settled instant.
    pub(crate) fn requests_at_settle(&self) -> &[OpenRequest] {
        &self.requests_at_settle
    }

    /// The grant expiry in force at the settled instant for a connection, if it has one.
    pub(crate) fn expiry_at_settle(&self, app: &AppId, user: Option<&UserId>) -> Option<DateTime<Utc>> {
        self.expiries_at_settle.get(app)?.get(&user.cloned()).copied()
    }

    /// Before which instant every notice counts as handled, if settled.
    #[must_use]
    pub fn settled_before(&self) -> Option<DateTime<Utc>> {
        self.settled_before
    }

    /// Whether the notice was delivered (or falls before the settled instant).
    #[must_use]
    pub fn contains(&self, notice: &NoticeKey) -> bool {
        self.settled_before.is_some_and(|s| notice.due_at < s) || self.sent.contains(notice)
    }

    /// Whether the governance-alert notice was delivered, or falls on a UTC day that ended before
    /// the settled instant's day (G4).
    #[must_use]
    pub fn contains_governance(&self, notice: &GovernanceNotice) -> bool {
        self.settled_before.is_some_and(|s| notice.day < crate::time::utc_day(s)) || self.governance.contains(notice)
    }

    /// The remembered notices, oldest first.
    pub fn notices(&self) -> impl ExactSizeIterator<Item = &NoticeKey> {
        self.sent.iter()
    }

    /// The remembered governance-alert notices (G4), oldest day first.
    pub fn governance_notices(&self) -> impl ExactSizeIterator<Item = &GovernanceNotice> {
        self.governance.iter()
    }

    /// Number of remembered notices, governance-alert notices included.
    #[must_use]
    pub fn len(&self) -> usize {
        self.sent.len().saturating_add(self.governance.len())
    }

    /// Whether nothing is remembered and nothing settled.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.sent.is_empty() && self.governance.is_empty() && self.settled_before.is_none()
    }
}

fn set_expiry(expiries: &mut Expiries, event: &EventRef<'_>, expiry: Option<DateTime<Utc>>) {
    match expiry {
        Some(at) => {
            expiries.entry(event.app.clone()).or_default().insert(event.user.cloned(), at);
        }
        None => {
            if let Some(users) = expiries.get_mut(event.app) {
                users.remove(&event.user.cloned());
                if users.is_empty() {
                    expiries.remove(event.app);
                }
            }
        }
    }
}

/// Checks remembered notices against the events they name and the rules' versions.
struct NoticeCheck<'a> {
    /// The events the notices name, by id.
    events: BTreeMap<EventId, EventRef<'a>>,
    /// Every version of each rule, and when the rule was first created.
    versions: BTreeMap<&'a RuleId, (DateTime<Utc>, Vec<&'a Rule>)>,
}

impl<'a> NoticeCheck<'a> {
    fn new(events: &'a EventLog, rules: &'a NotificationRules, notices: &BTreeSet<NoticeKey>) -> Self {
        let mut wanted: BTreeSet<EventId> = BTreeSet::new();
        for notice in notices {
            match notice.trigger {
                Trigger::Installed { event }
                | Trigger::Uninstalled { event }
                | Trigger::Disconnected { event }
                | Trigger::AccessRequested { event }
                | Trigger::RequestReminder { requested: event, .. } => {
                    wanted.insert(event);
                }
                Trigger::Reminder { disconnected, .. } => {
                    wanted.insert(disconnected);
                }
                Trigger::Recovered { disconnected, event } => {
                    wanted.insert(disconnected);
                    wanted.insert(event);
                }
            }
        }
        let found = if wanted.is_empty() {
            BTreeMap::new()
        } else {
            events.iter().filter(|e| wanted.contains(&e.id)).map(|e| (e.id, e)).collect()
        };
        let mut versions: BTreeMap<&RuleId, (DateTime<Utc>, Vec<&Rule>)> = BTreeMap::new();
        for event in rules.events() {
            if let RuleChange::Created { rule } | RuleChange::Edited { rule } = &event.change {
                versions.entry(&rule.id).or_insert_with(|| (event.at, Vec::new())).1.push(rule);
            }
        }
        Self { events: found, versions }
    }

    fn check_all(&self, notices: &BTreeSet<NoticeKey>, settled: Option<DateTime<Utc>>) -> Result<(), NotifyError> {
        for notice in notices {
            let refuse = |reason| NotifyError::ImpossibleNotice { notice: notice.clone(), reason };
            if settled.is_some_and(|s| notice.due_at < s) {
                return Err(refuse("due before the settled instant"));
            }
            let (created, versions) =
                self.versions.get(&notice.rule).ok_or_else(|| NotifyError::UnknownRule(notice.rule.clone()))?;
            if notice.due_at < *created {
                return Err(refuse("due before its rule was created"));
            }
            self.check(notice, versions).map_err(refuse)?;
        }
        Ok(())
    }

    /// Checks remembered governance-alert notices (G4): on a day not before the settled
    /// instant's, of a rule created by the end of that day some version of which has the
    /// `governance_alert` type and covers the app, an app of the directory. (Whether the policy
    /// existed is checked by the snapshot reader, which holds the policies.)
    fn check_governance(
        &self,
        directory: &Directory,
        notices: &BTreeSet<GovernanceNotice>,
        settled: Option<DateTime<Utc>>,
    ) -> Result<(), NotifyError> {
        for notice in notices {
            let refuse = |reason| NotifyError::ImpossibleGovernanceNotice { notice: Box::new(notice.clone()), reason };
            if settled.is_some_and(|s| notice.day < crate::time::utc_day(s)) {
                return Err(refuse("its day ended before the settled instant's day"));
            }
            let (created, versions) =
                self.versions.get(&notice.rule).ok_or_else(|| NotifyError::UnknownRule(notice.rule.clone()))?;
            if notice.day < crate::time::utc_day(*created) {
                return Err(refuse("its day ended before its rule was created"));
            }
            if directory.app(&notice.app).is_none() {
                return Err(refuse("it names an app the directory does not hold"));
            }
            if !versions.iter().any(|r| r.rule_type == RuleType::GovernanceAlert && r.apps.covers(&notice.app)) {
                return Err(refuse("no version of its rule is a governance_alert rule covering the app"));
            }
        }
        Ok(())
    }

    fn event(&self, id: EventId) -> Result<&EventRef<'a>, &'static str> {
        self.events.get(&id).ok_or("it names an event the log does not hold")
    }

    fn check(&self, notice: &NoticeKey, versions: &[&Rule]) -> Result<(), &'static str> {
        let (event, rule_type) = match notice.trigger {
            Trigger::Installed { event } => (event, RuleType::AppInstalled),
            Trigger::Uninstalled { event } => (event, RuleType::AppUninstalled),
            Trigger::Disconnected { event } | Trigger::Reminder { disconnected: event, .. } => {
                (event, RuleType::AppDisconnected)
            }
            Trigger::Recovered { disconnected, .. } => (disconnected, RuleType::AppDisconnected),
            Trigger::AccessRequested { event } | Trigger::RequestReminder { requested: event, .. } => {
                (event, RuleType::AccessRequested)
            }
        };
        let event = self.event(event)?;
        let kind_fits = match notice.trigger {
            Trigger::Installed { .. } => {
                matches!(event.kind, EventKind::Installed { .. } | EventKind::Reinstalled { .. })
            }
            Trigger::Uninstalled { .. } => matches!(event.kind, EventKind::Uninstalled),
            Trigger::AccessRequested { .. } | Trigger::RequestReminder { .. } => {
                matches!(event.kind, EventKind::AccessRequested { .. })
            }
            _ => matches!(event.kind, EventKind::Disconnected),
        };
        if !kind_fits {
            return Err("its event is not of the kind its trigger names");
        }
        let mut fitting = versions.iter().filter(|r| r.rule_type == rule_type && r.apps.covers(event.app));
        match notice.trigger {
            Trigger::Reminder { n, .. } | Trigger::RequestReminder { n, .. } => {
                if let EventKind::AccessRequested { expires_at, .. } = event.kind
                    && notice.due_at >= *expires_at
                {
                    return Err("it is due after its request expired");
                }
                let on_schedule =
                    |r: &&&Rule| r.frequency.is_some_and(|f| f.reminder_due(event.at, n) == Some(notice.due_at));
                if !fitting.any(|r| on_schedule(&r)) {
                    return Err("no version of its rule covers the app with a reminder due then");
                }
            }
            Trigger::Recovered { event: ended, .. } => {
                let ended = self.event(ended)?;
                let recovers = matches!(
                    ended.kind,
                    EventKind::Connected | EventKind::Reconnected { .. } | EventKind::Reauthenticated { .. }
                );
                if !recovers || ended.app != event.app || ended.user != event.user || ended.at < event.at {
                    return Err("its recovery does not reconnect the disconnected connection");
                }
                if notice.due_at != ended.at {
                    return Err("it is not due at its event's time");
                }
                if !fitting.any(|r| r.notify_recovered) {
                    return Err("no version of its rule covers the app with recovered notices");
                }
            }
            _ => {
                if notice.due_at != event.at {
                    return Err("it is not due at its event's time");
                }
                if fitting.next().is_none() {
                    return Err("no version of its rule has its type and covers the app");
                }
            }
        }
        Ok(())
    }
}
