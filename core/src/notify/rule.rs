//! Notification rules (N1–N3, X5) and the rule set folded from their change log.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::account::{Permission, TeamId, User, UserId};
use crate::catalog::AppId;
use crate::directory::{Directory, Unavailable};
use crate::notify::error::NotifyError;
use crate::time::add_months;

/// Identifies a rule; chosen by the host, unique within the rule set.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RuleId(pub String);
crate::ids::id_conversions!(RuleId);

/// What a rule watches (N1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleType {
    /// An app was installed or reinstalled.
    AppInstalled,
    /// An app was disconnected; reminders follow while it stays disconnected (N2).
    AppDisconnected,
    /// An app was uninstalled.
    AppUninstalled,
    /// A governance policy alerted on an app (G4): see [`crate::governance::governance_deliveries`].
    GovernanceAlert,
    /// A user asked for an app (G2); reminders follow while the request stays open (undecided
    /// and not expired).
    AccessRequested,
}

impl RuleType {
    /// Every rule type, in declaration order.
    pub const ALL: [Self; 5] =
        [Self::AppInstalled, Self::AppDisconnected, Self::AppUninstalled, Self::GovernanceAlert, Self::AccessRequested];

    /// The type's snake-case name, as in JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AppInstalled => "app_installed",
            Self::AppDisconnected => "app_disconnected",
            Self::AppUninstalled => "app_uninstalled",
            Self::GovernanceAlert => "governance_alert",
            Self::AccessRequested => "access_requested",
        }
    }

    /// Whether rules of this type remind at a frequency (and must have one): disconnect and
    /// access-request rules.
    #[must_use]
    pub fn reminds(self) -> bool {
        matches!(self, Self::AppDisconnected | Self::AccessRequested)
    }
}

impl fmt::Display for RuleType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The apps a rule covers (N1): disconnect rules must name them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleApps {
    /// Every app, present and future (install and uninstall rules only).
    All,
    /// The named apps.
    Only(BTreeSet<AppId>),
}

impl RuleApps {
    /// Whether the rule covers `app`.
    #[must_use]
    pub fn covers(&self, app: &AppId) -> bool {
        match self {
            Self::All => true,
            Self::Only(apps) => apps.contains(app),
        }
    }
}

/// Who a rule notifies (N1). Resolved when the notice is evaluated, never when the rule is saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipients {
    /// The active super admins.
    SuperAdmins,
    /// Every active user.
    Everyone,
    /// The named users (if active) and the active members of the named teams, each once.
    Specific {
        /// Named users.
        #[serde(default)]
        users: BTreeSet<UserId>,
        /// Named teams.
        #[serde(default)]
        teams: BTreeSet<TeamId>,
    },
}

impl Recipients {
    /// The people this resolves to in `directory` now, by id, each once. Deactivated users and
    /// ids the directory does not know are left out.
    #[must_use]
    pub fn resolve(&self, directory: &Directory) -> Vec<UserId> {
        let active = |u: &&User| u.active;
        match self {
            Self::SuperAdmins => directory.active_super_admins().map(|u| u.id.clone()).collect(),
            Self::Everyone => directory.users().filter(active).map(|u| u.id.clone()).collect(),
            Self::Specific { users, teams } => {
                let members = teams.iter().filter_map(|t| directory.team(t)).flat_map(|t| t.members.iter());
                let people: BTreeSet<&UserId> =
                    users.iter().chain(members).filter(|id| directory.user(id).is_some_and(|u| u.active)).collect();
                people.into_iter().cloned().collect()
            }
        }
    }
}

/// A channel a notice goes out through (N1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// E-mail.
    Email,
    /// In-app notification.
    InApp,
}

/// How often a disconnect rule reminds while the app stays disconnected (N2), and an
/// access-request rule while the request stays open (G2); the series starts at the disconnect
/// or the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// Every 60 minutes after the disconnect.
    Hourly,
    /// Every 24 hours after the disconnect.
    Daily,
    /// Every 7 × 24 hours after the disconnect.
    Weekly,
    /// On the same day of each following month, at the disconnect's time of day; in shorter
    /// months the day is clamped to the month's last day, and the series keeps the disconnect's
    /// day (31 Jan → 28/29 Feb → 31 Mar → 30 Apr), see [`crate::time::add_months`].
    Monthly,
}

impl Frequency {
    /// The exact period of hourly, daily and weekly reminders; `None` for monthly ones.
    #[must_use]
    pub fn period(self) -> Option<Duration> {
        match self {
            Self::Hourly => Some(Duration::hours(1)),
            Self::Daily => Some(Duration::days(1)),
            Self::Weekly => Some(Duration::weeks(1)),
            Self::Monthly => None,
        }
    }

    /// When reminder number `n` (1, 2, …) of a disconnection at `disconnected_at` is due; `None`
    /// for `n == 0` or past chrono's range.
    #[must_use]
    pub fn reminder_due(self, disconnected_at: DateTime<Utc>, n: u32) -> Option<DateTime<Utc>> {
        if n == 0 {
            return None;
        }
        match self.period() {
            Some(period) => disconnected_at.checked_add_signed(period.checked_mul(i32::try_from(n).ok()?)?),
            None => add_months(disconnected_at, n),
        }
    }
}

/// A notification rule (N1, N2, X5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable id, chosen by the host.
    pub id: RuleId,
    /// Name shown to users.
    pub name: String,
    /// What the rule watches.
    #[serde(rename = "type")]
    pub rule_type: RuleType,
    /// The apps it covers; disconnect rules must name them.
    pub apps: RuleApps,
    /// Who is notified.
    pub recipients: Recipients,
    /// Through which channels (at least one).
    pub channels: BTreeSet<Channel>,
    /// Reminder frequency: required for disconnect and access-request rules, absent for the
    /// others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<Frequency>,
    /// Disconnect rules only: one "recovered" notice when a covered app is connected again (X5).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub notify_recovered: bool,
}

impl Rule {
    /// Checks the rule's shape and that every user, team and app it names exists.
    ///
    /// # Errors
    /// The first problem found, as a [`NotifyError`].
    pub fn validate(&self, directory: &Directory) -> Result<(), NotifyError> {
        let id = || self.id.clone();
        if self.id.0.trim().is_empty() {
            return Err(NotifyError::EmptyRuleId);
        }
        if self.name.trim().is_empty() {
            return Err(NotifyError::EmptyName(id()));
        }
        let disconnect = self.rule_type == RuleType::AppDisconnected;
        match &self.apps {
            RuleApps::All if disconnect => return Err(NotifyError::AppsRequired(id())),
            RuleApps::All => {}
            RuleApps::Only(apps) if apps.is_empty() => {
                return Err(if disconnect { NotifyError::AppsRequired(id()) } else { NotifyError::NoApps(id()) });
            }
            RuleApps::Only(apps) => {
                if let Some(app) = apps.iter().find(|a| directory.app(a).is_none()) {
                    return Err(NotifyError::UnknownApp(app.clone()));
                }
            }
        }
        match (self.rule_type.reminds(), self.frequency) {
            (true, None) if disconnect => return Err(NotifyError::FrequencyRequired(id())),
            (true, None) => return Err(NotifyError::RequestFrequencyRequired(id())),
            (false, Some(_)) => {
                return Err(NotifyError::FrequencyNotAllowed { rule: id(), rule_type: self.rule_type });
            }
            _ => {}
        }
        if self.notify_recovered && !disconnect {
            return Err(NotifyError::RecoveredNotAllowed { rule: id(), rule_type: self.rule_type });
        }
        if let Recipients::Specific { users, teams } = &self.recipients {
            if users.is_empty() && teams.is_empty() {
                return Err(NotifyError::NoRecipients(id()));
            }
            if let Some(user) = users.iter().find(|u| directory.user(u).is_none()) {
                return Err(NotifyError::UnknownUser(user.clone()));
            }
            if let Some(team) = teams.iter().find(|t| directory.team(t).is_none()) {
                return Err(NotifyError::UnknownTeam(team.clone()));
            }
        }
        if self.channels.is_empty() {
            return Err(NotifyError::NoChannel(id()));
        }
        Ok(())
    }
}

/// A change to the rule set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RuleChange {
    /// A new rule.
    Created {
        /// The rule.
        rule: Rule,
    },
    /// A rule replaced by a new version with the same id.
    Edited {
        /// The new version.
        rule: Rule,
    },
    /// A rule removed.
    Deleted {
        /// The rule's id.
        id: RuleId,
    },
}

/// One entry of the rule-change log (N3: rule changes are logged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleEvent {
    /// When the change was made (UTC).
    pub at: DateTime<Utc>,
    /// Who made it.
    pub actor: UserId,
    /// What changed.
    pub change: RuleChange,
}

/// A rule in force and since when its current version applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveRule {
    /// The rule.
    pub rule: Rule,
    /// When it was created or last edited. Live evaluation only delivers notices due at or after
    /// this instant: a rule change never reaches back into history (dry runs do, on purpose).
    pub since: DateTime<Utc>,
}

/// The notification rules of the account: a log of rule changes and the rule set it folds to.
///
/// Who may change rules (N3): any active super admin or user with App Marketplace Access may
/// *create* a rule (the same people who may connect apps, I1); once set up, only active super
/// admins may *edit* or *delete* it. Every change is checked first and changes nothing on error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationRules {
    log: Vec<RuleEvent>,
    rules: BTreeMap<RuleId, ActiveRule>,
}

impl NotificationRules {
    /// An empty rule set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuilds a rule set from its change log (e.g. a snapshot), checking each change's shape,
    /// order and references. Permissions are not re-checked: they held when the change was made.
    ///
    /// # Errors
    /// The first refused change's error.
    pub fn from_events(directory: &Directory, events: Vec<RuleEvent>) -> Result<Self, NotifyError> {
        let mut rules = Self::new();
        for event in events {
            rules.push(directory, event)?;
        }
        Ok(rules)
    }

    /// The change log, oldest first.
    #[must_use]
    pub fn events(&self) -> &[RuleEvent] {
        &self.log
    }

    /// The rules in force, by id.
    pub fn rules(&self) -> impl ExactSizeIterator<Item = &Rule> {
        self.rules.values().map(|r| &r.rule)
    }

    /// The rules in force with the instant each version applies from, by id.
    pub fn active(&self) -> impl ExactSizeIterator<Item = &ActiveRule> {
        self.rules.values()
    }

    /// A rule by id.
    #[must_use]
    pub fn rule(&self, id: &RuleId) -> Option<&Rule> {
        self.rules.get(id).map(|r| &r.rule)
    }

    /// Number of rules in force.
    #[must_use]
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether no rule is in force.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Creates a rule. Any active super admin or user with App Marketplace Access may.
    ///
    /// # Errors
    /// [`NotifyError`]: unknown or inactive actor, missing permission, invalid rule, duplicate id,
    /// or `now` older than the newest rule change. Nothing changes on error.
    pub fn create(
        &mut self,
        directory: &Directory,
        actor: &UserId,
        rule: Rule,
        now: DateTime<Utc>,
    ) -> Result<(), NotifyError> {
        let user = active_actor(directory, actor)?;
        if !user.has(Permission::AppMarketplaceAccess) {
            return Err(NotifyError::PermissionDenied {
                user: actor.clone(),
                permission: Permission::AppMarketplaceAccess,
            });
        }
        self.push(directory, RuleEvent { at: now, actor: actor.clone(), change: RuleChange::Created { rule } })
    }

    /// Replaces a rule by a new version with the same id. Only active super admins may (N3).
    ///
    /// # Errors
    /// As [`NotificationRules::create`], plus [`NotifyError::UnknownRule`] and
    /// [`NotifyError::NotSuperAdmin`]. Nothing changes on error.
    pub fn edit(
        &mut self,
        directory: &Directory,
        actor: &UserId,
        rule: Rule,
        now: DateTime<Utc>,
    ) -> Result<(), NotifyError> {
        self.check_admin(directory, actor, &rule.id)?;
        self.push(directory, RuleEvent { at: now, actor: actor.clone(), change: RuleChange::Edited { rule } })
    }

    /// Deletes a rule. Only active super admins may (N3).
    ///
    /// # Errors
    /// Unknown or inactive actor, [`NotifyError::UnknownRule`], [`NotifyError::NotSuperAdmin`],
    /// [`NotifyError::OutOfOrder`]. Nothing changes on error.
    pub fn delete(
        &mut self,
        directory: &Directory,
        actor: &UserId,
        id: &RuleId,
        now: DateTime<Utc>,
    ) -> Result<(), NotifyError> {
        self.check_admin(directory, actor, id)?;
        self.push(
            directory,
            RuleEvent { at: now, actor: actor.clone(), change: RuleChange::Deleted { id: id.clone() } },
        )
    }

    fn check_admin(&self, directory: &Directory, actor: &UserId, rule: &RuleId) -> Result<(), NotifyError> {
        let user = active_actor(directory, actor)?;
        if !self.rules.contains_key(rule) {
            return Err(NotifyError::UnknownRule(rule.clone()));
        }
        if !user.super_admin {
            return Err(NotifyError::NotSuperAdmin { user: actor.clone(), rule: rule.clone() });
        }
        Ok(())
    }

    /// Checks a change against the current rule set and the directory, then logs and folds it.
    fn push(&mut self, directory: &Directory, event: RuleEvent) -> Result<(), NotifyError> {
        if let Some(newest) = self.log.last().map(|e| e.at).filter(|newest| event.at < *newest) {
            return Err(NotifyError::OutOfOrder { at: event.at, newest });
        }
        if directory.user(&event.actor).is_none() {
            return Err(NotifyError::UnknownUser(event.actor));
        }
        match &event.change {
            RuleChange::Created { rule } => {
                rule.validate(directory)?;
                if self.rules.contains_key(&rule.id) {
                    return Err(NotifyError::DuplicateRule(rule.id.clone()));
                }
                self.rules.insert(rule.id.clone(), ActiveRule { rule: rule.clone(), since: event.at });
            }
            RuleChange::Edited { rule } => {
                rule.validate(directory)?;
                let slot = self.rules.get_mut(&rule.id).ok_or_else(|| NotifyError::UnknownRule(rule.id.clone()))?;
                *slot = ActiveRule { rule: rule.clone(), since: event.at };
            }
            RuleChange::Deleted { id } => {
                self.rules.remove(id).ok_or_else(|| NotifyError::UnknownRule(id.clone()))?;
            }
        }
        self.log.push(event);
        Ok(())
    }
}

fn active_actor<'a>(directory: &'a Directory, actor: &UserId) -> Result<&'a User, NotifyError> {
    directory.active_user(actor).map_err(|why| match why {
        Unavailable::Unknown => NotifyError::UnknownUser(actor.clone()),
        Unavailable::Inactive => NotifyError::InactiveActor(actor.clone()),
    })
}
