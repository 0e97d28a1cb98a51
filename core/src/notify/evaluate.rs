//! Which notices are due, to whom and through which channel (N2, N4, X1, X5).
//!
//! One pass over the log, oldest first. Each event is matched against the rules through an
//! index keyed by (rule type, app) plus one "all apps" list per type, so the cost is the
//! number of events plus the number of matches, never events × rules. Disconnections are
//! tracked per connection as *episodes*; reminders are computed arithmetically from the
//! episode's start, never by walking the clock. A settled delivery log carries the episodes
//! going on at its settled instant, so live evaluation starts there instead of at the log's
//! first event.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::UserId;
use crate::catalog::AppId;
use crate::event::{EventId, EventKind};
use crate::log::EventLog;
use crate::notify::error::NotifyError;
use crate::notify::rule::{Channel, Frequency, NotificationRules, Recipients, Rule, RuleApps, RuleId, RuleType};
use crate::state::Directory;

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    /// The app was installed or reinstalled by this event.
    Installed {
        /// The install or reinstall event.
        event: EventId,
    },
    /// The app was uninstalled by this event.
    Uninstalled {
        /// The uninstall event.
        event: EventId,
    },
    /// The app was disconnected by this event.
    Disconnected {
        /// The disconnect event.
        event: EventId,
    },
    /// Reminder number `n` (1, 2, …) that the app is still disconnected (N2).
    Reminder {
        /// The disconnect event that started the disconnection.
        disconnected: EventId,
        /// The reminder's number.
        n: u32,
    },
    /// The app was connected again after a disconnection (X5).
    Recovered {
        /// The disconnect event that started the disconnection.
        disconnected: EventId,
        /// The event that ended it (connected, reconnected or reauthenticated).
        event: EventId,
    },
}

/// Identifies one notice of one rule: what the delivery log remembers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct NoticeKey {
    /// When the notice fell due.
    pub due_at: DateTime<Utc>,
    /// The rule.
    pub rule: RuleId,
    /// What it is about.
    pub trigger: Trigger,
}

/// One notification to send: a notice of a rule, to one person, through one channel.
///
/// Deliveries are ordered by due time, then rule id, trigger, app, recipient and channel; the
/// derived order is that order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Delivery {
    /// When it fell due: the event's time, or the reminder's scheduled time.
    pub due_at: DateTime<Utc>,
    /// The rule.
    pub rule: RuleId,
    /// What it is about.
    pub trigger: Trigger,
    /// The app concerned.
    pub app: AppId,
    /// For user-level apps, whose connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_user: Option<UserId>,
    /// Who receives it.
    pub recipient: UserId,
    /// Through which channel.
    pub channel: Channel,
}

impl Delivery {
    /// The notice this delivery belongs to.
    #[must_use]
    pub fn notice(&self) -> NoticeKey {
        NoticeKey { due_at: self.due_at, rule: self.rule.clone(), trigger: self.trigger }
    }
}

/// What was already delivered, so that evaluating again yields nothing new (N4).
///
/// It remembers *notices* (rule × trigger), not people: once a notice went out, a user who joins
/// a recipient team later does not receive it. [`DeliveryLog::settle`] bounds its size: every
/// notice due before the settled instant counts as handled and is forgotten.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryLog {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    settled_before: Option<DateTime<Utc>>,
    #[serde(default)]
    sent: BTreeSet<NoticeKey>,
    /// The disconnections going on at the settled instant, so that evaluation resumes there
    /// instead of replaying the whole log.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    open_at_settle: Vec<OpenDisconnection>,
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
    pub fn record(&mut self, deliveries: &[Delivery]) -> usize {
        let settled = self.settled_before;
        deliveries
            .iter()
            .filter(|d| settled.is_none_or(|s| d.due_at >= s))
            .filter(|d| self.sent.insert(d.notice()))
            .count()
    }

    /// Declares every notice due before `before` handled, and forgets them; remembers which
    /// disconnections of `events` (the log later evaluations will see) are going on at that
    /// instant, so that [`evaluate`] resumes there instead of replaying the whole log.
    ///
    /// Call it only for an instant before which no event can still arrive (an event imported
    /// late with an earlier timestamp would never be notified). The settled instant never moves
    /// back.
    pub fn settle(&mut self, events: &EventLog, before: DateTime<Utc>) {
        if self.settled_before.is_some_and(|s| s >= before) {
            return;
        }
        let resume = self.settled_before.map_or(0, |s| events.count_before(s));
        let end = events.count_before(before);
        let mut open: BTreeMap<ConnectionRef<'_>, (EventId, DateTime<Utc>)> =
            self.open_at_settle.iter().map(|o| ((&o.app, o.user.as_ref()), (o.event, o.at))).collect();
        for event in events.range(resume..end) {
            let connection = (event.app, event.user);
            match disconnection_change(event.kind) {
                Some(DisconnectionChange::Starts) => {
                    open.entry(connection).or_insert((event.id, event.at));
                }
                Some(DisconnectionChange::Ends { .. }) => {
                    open.remove(&connection);
                }
                None => {}
            }
        }
        let open_at_settle = open
            .into_iter()
            .map(|((app, user), (event, at))| OpenDisconnection { app: app.clone(), user: user.cloned(), event, at })
            .collect();
        self.open_at_settle = open_at_settle;
        self.settled_before = Some(before);
        self.sent = self.sent.split_off(&NoticeKey {
            due_at: before,
            rule: RuleId(String::new()),
            trigger: Trigger::Installed { event: EventId(0) },
        });
    }

    /// The disconnections going on at the settled instant.
    #[must_use]
    pub fn open_at_settle(&self) -> &[OpenDisconnection] {
        &self.open_at_settle
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

    /// The remembered notices, oldest first.
    pub fn notices(&self) -> impl ExactSizeIterator<Item = &NoticeKey> {
        self.sent.iter()
    }

    /// Number of remembered notices.
    #[must_use]
    pub fn len(&self) -> usize {
        self.sent.len()
    }

    /// Whether nothing is remembered and nothing settled.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.sent.is_empty() && self.settled_before.is_none()
    }
}

/// A connection by reference: the app, and for user-level apps the user.
type ConnectionRef<'a> = (&'a AppId, Option<&'a UserId>);

/// How an event changes whether its connection is in a disconnection.
enum DisconnectionChange {
    /// A disconnect event starts one (unless one is going on).
    Starts,
    /// The connection's state stops being disconnected; `recovered` when it is connected again.
    Ends {
        /// Connected, reconnected or reauthenticated (not uninstalled, expired or failing).
        recovered: bool,
    },
}

fn disconnection_change(kind: &EventKind) -> Option<DisconnectionChange> {
    match kind {
        EventKind::Disconnected => Some(DisconnectionChange::Starts),
        EventKind::Connected | EventKind::Reconnected { .. } | EventKind::Reauthenticated { .. } => {
            Some(DisconnectionChange::Ends { recovered: true })
        }
        EventKind::Uninstalled | EventKind::ConnectionExpired | EventKind::ConnectionError(_) => {
            Some(DisconnectionChange::Ends { recovered: false })
        }
        _ => None,
    }
}

/// The deliveries due at `now` that `log` has not seen (N4).
///
/// - Install and uninstall rules give one notice per matching install/reinstall or uninstall
///   event; disconnect rules one per disconnect event, then reminders (below), then, if
///   `notify_recovered`, one "recovered" notice when the app is connected again (X5).
/// - A *disconnection* of a connection starts with a disconnect event and ends with the next
///   event that changes its state: connected, reconnected or reauthenticated (which also give the
///   recovered notice), uninstalled, expired or error. Reminder `n` is due at
///   [`Frequency::reminder_due`]; it is sent only if the disconnection is still going on at that
///   instant, so an event *at* the reminder's time (e.g. a reconnect) cancels it.
/// - Only events at or before `now` count; a notice is due at or before `now`, and at or after
///   the instant its rule was created or last edited (rules never reach back).
/// - Catch-up policy, for hosts that evaluate late: every missed install, uninstall, disconnect
///   and recovered notice is delivered once; of the missed reminders of a disconnection only the
///   latest one is delivered, and only while the app is still disconnected at `now` (a burst of
///   stale "still disconnected" reminders helps nobody). A host that evaluates at least at every
///   due instant therefore sees exactly the [`dry_run`] timeline.
/// - Recipients are resolved now, in the current directory: active users only, each once. A
///   notice whose recipients all resolve away yields nothing.
/// - Deterministic: sorted by [`Delivery`]'s order.
///
/// `events` must be the engine's log (time-ordered, validated), the same one `log` was settled
/// over ([`DeliveryLog::settle`]): evaluation resumes at the settled instant.
#[must_use]
pub fn evaluate(
    directory: &Directory,
    events: &EventLog,
    rules: &NotificationRules,
    log: &DeliveryLog,
    now: DateTime<Utc>,
) -> Vec<Delivery> {
    let settled = log.settled_before();
    let targets: Vec<Target<'_>> =
        rules.active().map(|r| Target { rule: &r.rule, from: settled.map_or(r.since, |s| s.max(r.since)) }).collect();
    let resume = settled.map(|s| (s, log.open_at_settle()));
    let mut notices = scan(events, resume, &targets, now, Mode::CatchUp);
    notices.retain(|n| !log.contains(&n.key(&targets)));
    deliveries(directory, &targets, notices)
}

/// Dry run (X1): the timeline of deliveries that `rules` would have produced for the notices due
/// in `[from, to]`, as if the host had evaluated at every instant (every reminder appears), with
/// the clock at `to`: later events are ignored. The rules apply over the whole window whatever
/// their creation time, and recipients are resolved in the current directory. Nothing is
/// recorded anywhere.
///
/// # Errors
/// [`NotifyError::InvalidWindow`] when `from > to`; an invalid rule's error, or
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
    let mut ids = BTreeSet::new();
    for rule in rules {
        rule.validate(directory)?;
        if !ids.insert(&rule.id) {
            return Err(NotifyError::DuplicateRule(rule.id.clone()));
        }
    }
    let targets: Vec<Target<'_>> = rules.iter().map(|rule| Target { rule, from }).collect();
    let notices = scan(events, None, &targets, to, Mode::Timeline);
    Ok(deliveries(directory, &targets, notices))
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

/// A fast, non-cryptographic hasher (Fx-style) for the evaluator's private maps: their keys
/// come from the directory and the log, not from an adversary.
#[derive(Default, Clone, Copy)]
struct FastHasher(u64);

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.add(u64::from(b));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// Rules by (type, app): each app some rule names gets a slot holding one list of rules per
/// type, so one hash lookup per event finds every named match; the rules that cover all apps
/// have one list per type.
struct RuleIndex<'a> {
    slots: FastMap<&'a AppId, usize>,
    by_slot: Vec<[Vec<usize>; 3]>,
    all_apps: [Vec<usize>; 3],
}

impl<'a> RuleIndex<'a> {
    fn build(targets: &[Target<'a>]) -> Self {
        let mut index = Self { slots: FastMap::default(), by_slot: Vec::new(), all_apps: Default::default() };
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
    }
}

/// An ongoing disconnection of one connection of an app that disconnect rules watch.
struct Episode<'e> {
    /// The disconnect event and its time.
    event: EventId,
    at: DateTime<Utc>,
    app: &'e AppId,
    user: Option<&'e UserId>,
    slot: usize,
}

/// Finds the notices due up to `to` (inclusive) and at or after each target's `from`.
///
/// Events before the earliest `from` can give no notice: they only open and close
/// disconnections, which need no rule matching. With `resume` (a settled instant and the
/// disconnections going on then), the scan starts at that instant instead of the log's start.
fn scan<'e>(
    events: &'e EventLog,
    resume: Option<(DateTime<Utc>, &'e [OpenDisconnection])>,
    targets: &[Target<'_>],
    to: DateTime<Utc>,
    mode: Mode,
) -> Vec<Notice<'e>> {
    let index = RuleIndex::build(targets);
    let Some(earliest) = targets.iter().map(|t| t.from).min() else { return Vec::new() };
    let begin = resume.map_or(0, |(settled, _)| events.count_before(settled));
    let end = events.count_up_to(to);
    let mut out = Vec::new();
    let mut episodes: FastMap<(usize, Option<&'e UserId>), Episode<'e>> = FastMap::default();
    for open in resume.map(|(_, open)| open).unwrap_or_default() {
        if let Some(slot) = index.slot(&open.app).filter(|&s| !index.disconnect_rules(s).is_empty()) {
            let episode = Episode { event: open.event, at: open.at, app: &open.app, user: open.user.as_ref(), slot };
            episodes.insert((slot, open.user.as_ref()), episode);
        }
    }
    let in_window = |t: usize, at: DateTime<Utc>| targets.get(t).is_some_and(|t| at >= t.from);

    for event in events.range(begin..end) {
        let live = event.at >= earliest;
        let (app, user) = (event.app, event.user);
        let notify = |out: &mut Vec<Notice<'e>>, slot: Option<usize>, rule_type: RuleType, trigger: Trigger| {
            if live {
                for t in index.matching(rule_type, slot).filter(|&t| in_window(t, event.at)) {
                    out.push(Notice { due_at: event.at, target: t, trigger, app, user });
                }
            }
        };
        let recovered = match (disconnection_change(event.kind), event.kind) {
            (_, EventKind::Installed { .. } | EventKind::Reinstalled { .. }) => {
                if live {
                    let slot = index.slot(app);
                    notify(&mut out, slot, RuleType::AppInstalled, Trigger::Installed { event: event.id });
                }
                continue;
            }
            (Some(DisconnectionChange::Starts), _) => {
                let Some(slot) = index.slot(app).filter(|&s| !index.disconnect_rules(s).is_empty()) else {
                    continue;
                };
                // A disconnect during a disconnection (the log refuses it) would start nothing.
                if let Entry::Vacant(vacant) = episodes.entry((slot, user)) {
                    vacant.insert(Episode { event: event.id, at: event.at, app, user, slot });
                    notify(&mut out, Some(slot), RuleType::AppDisconnected, Trigger::Disconnected { event: event.id });
                }
                continue;
            }
            (Some(DisconnectionChange::Ends { recovered }), _) => recovered,
            (None, _) => continue,
        };
        let slot = index.slot(app);
        if let Some(episode) = slot.and_then(|s| episodes.remove(&(s, user))) {
            // A disconnection that ended by the earliest `from` has no reminder in the window.
            if mode == Mode::Timeline && event.at > earliest {
                reminders(&index, targets, &episode, event.at, Some(event.at), &mut out);
            }
            if recovered && live {
                let trigger = Trigger::Recovered { disconnected: episode.event, event: event.id };
                for &t in index.disconnect_rules(episode.slot) {
                    if targets.get(t).is_some_and(|t| t.rule.notify_recovered) && in_window(t, event.at) {
                        out.push(Notice { due_at: event.at, target: t, trigger, app, user });
                    }
                }
            }
        }
        if matches!(event.kind, EventKind::Uninstalled) {
            notify(&mut out, slot, RuleType::AppUninstalled, Trigger::Uninstalled { event: event.id });
        }
    }

    for episode in episodes.values() {
        match mode {
            Mode::Timeline => reminders(&index, targets, episode, to, None, &mut out),
            Mode::CatchUp => latest_reminders(&index, targets, episode, to, &mut out),
        }
    }
    out
}

/// Every reminder of `episode` due in `[target.from, to]` and strictly before `ended` (if the
/// disconnection ended).
fn reminders<'e>(
    index: &RuleIndex<'_>,
    targets: &[Target<'_>],
    episode: &Episode<'e>,
    to: DateTime<Utc>,
    ended: Option<DateTime<Utc>>,
    out: &mut Vec<Notice<'e>>,
) {
    for &t in index.disconnect_rules(episode.slot) {
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
            let trigger = Trigger::Reminder { disconnected: episode.event, n };
            out.push(Notice { due_at: due, target: t, trigger, app: episode.app, user: episode.user });
            let Some(next) = n.checked_add(1) else { break };
            n = next;
        }
    }
}

/// The latest reminder of an ongoing `episode` due at or before `now`, per rule, if it is due at
/// or after the rule's `from` (the catch-up policy of [`evaluate`]).
fn latest_reminders<'e>(
    index: &RuleIndex<'_>,
    targets: &[Target<'_>],
    episode: &Episode<'e>,
    now: DateTime<Utc>,
    out: &mut Vec<Notice<'e>>,
) {
    for &t in index.disconnect_rules(episode.slot) {
        let Some((target, frequency)) = targets.get(t).and_then(|g| g.rule.frequency.map(|f| (g, f))) else {
            continue;
        };
        let Some(n) = last_due_at_or_before(frequency, episode.at, now) else { continue };
        if let Some(due) = frequency.reminder_due(episode.at, n).filter(|due| *due >= target.from) {
            let trigger = Trigger::Reminder { disconnected: episode.event, n };
            out.push(Notice { due_at: due, target: t, trigger, app: episode.app, user: episode.user });
        }
    }
}

/// A guess of how many periods separate `start` from `t`, corrected by the callers.
fn estimate(frequency: Frequency, start: DateTime<Utc>, t: DateTime<Utc>) -> u32 {
    use chrono::Datelike;
    if t <= start {
        return 1;
    }
    let periods = match frequency.period() {
        Some(period) => (t - start).num_seconds() / period.num_seconds().max(1),
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
/// out in [`Delivery`]'s order without sorting them.
fn deliveries(directory: &Directory, targets: &[Target<'_>], mut notices: Vec<Notice<'_>>) -> Vec<Delivery> {
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
    out
}
