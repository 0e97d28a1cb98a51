//! Approval policies (G1): per app **allowed**, **needs approval** or **blocked**, for the
//! account, per team and per user, and optional scopes turned off per app.
//!
//! # Precedence
//! For a user and an app, the first of these that has a rule decides:
//! 1. the user's own exception;
//! 2. the rules of the teams the user belongs to — when several of the user's teams have a
//!    rule, the **most permissive** wins (allowed over needs approval over blocked; on a tie the
//!    team with the smallest id is named);
//! 3. the account's rule;
//! 4. else the app is allowed (no rule names it).
//!
//! Resolution costs O(teams of the user): the rules are indexed by app, then by team and user,
//! and the engine keeps an index from each user to their teams.
//!
//! Every rule change is an event ([`crate::EventKind::PolicyChanged`],
//! [`crate::EventKind::ScopesTurnedOff`]) naming the app, so the policy as of any instant is the
//! fold of the log. A policy change never disconnects: [`crate::Engine::policy_violations`]
//! lists the connections that now break it, and [`crate::Engine::revoke_connection`] ends one.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::account::{TeamId, UserId};
use crate::catalog::{AppId, AppLevel, ScopeRequirement};
use crate::connection::{ConnectionKey, ConnectionState};
use crate::engine::Engine;
use crate::event::{Event, EventId, EventKind};
use crate::kind::ErrorKind;
use crate::lifecycle::LifecycleError;
use crate::state::Directory;

/// What a policy says about an app, ordered from least to most permissive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Approval {
    /// Nobody the rule covers may connect the app.
    Blocked,
    /// Connecting needs a super admin's approval: an install becomes an access request (G2).
    NeedsApproval,
    /// The app may be connected (by users who may install apps, I1).
    Allowed,
}

impl Approval {
    /// The snake-case name, as in JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Blocked => "blocked",
            Self::NeedsApproval => "needs_approval",
            Self::Allowed => "allowed",
        }
    }
}

impl fmt::Display for Approval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whom a rule covers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyLevel {
    /// The whole account (the default for users without a team or user rule).
    Account,
    /// The members of a team (overrides the account's rule).
    Team(TeamId),
    /// One user (overrides every other rule).
    User(UserId),
}

impl fmt::Display for PolicyLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Account => f.write_str("account rule"),
            Self::Team(t) => write!(f, "team {:?} rule", t.0),
            Self::User(u) => write!(f, "user {:?} rule", u.0),
        }
    }
}

/// One rule of a policy change: `approval` `None` removes the rule at that level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRule {
    /// Whom the rule covers.
    pub level: PolicyLevel,
    /// The rule; `None` removes it.
    #[serde(default)]
    pub approval: Option<Approval>,
}

/// The rules of one app, as the fold of its policy events leaves them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppPolicy {
    /// The account's rule, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Approval>,
    /// Rules per team.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub teams: BTreeMap<TeamId, Approval>,
    /// Exceptions per user.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub users: BTreeMap<UserId, Approval>,
    /// Optional scopes turned off: installs and reauthentications may not grant them.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub scopes_off: BTreeSet<String>,
}

impl AppPolicy {
    /// Whether the policy has no rule and no scope turned off.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.account.is_none() && self.teams.is_empty() && self.users.is_empty() && self.scopes_off.is_empty()
    }

    /// The decision for a user in `teams` (see the [module docs](self) for the precedence).
    #[must_use]
    pub fn decide<'t>(&self, user: &UserId, teams: impl IntoIterator<Item = &'t TeamId>) -> PolicyDecision {
        if let Some(approval) = self.users.get(user) {
            return PolicyDecision { approval: *approval, level: Some(PolicyLevel::User(user.clone())) };
        }
        let mut best: Option<(&TeamId, Approval)> = None;
        if !self.teams.is_empty() {
            for team in teams {
                if let Some(approval) = self.teams.get(team) {
                    let better = best.is_none_or(|(t, a)| *approval > a || (*approval == a && team < t));
                    if better {
                        best = Some((team, *approval));
                    }
                }
            }
        }
        if let Some((team, approval)) = best {
            return PolicyDecision { approval, level: Some(PolicyLevel::Team(team.clone())) };
        }
        match self.account {
            Some(approval) => PolicyDecision { approval, level: Some(PolicyLevel::Account) },
            None => PolicyDecision::DEFAULT,
        }
    }
}

/// A resolved policy: what applies and which rule says so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDecision {
    /// What applies.
    pub approval: Approval,
    /// The deciding rule; `None` when no rule names the app (allowed by default).
    pub level: Option<PolicyLevel>,
}

impl PolicyDecision {
    /// The decision when no rule names the app.
    pub const DEFAULT: Self = Self { approval: Approval::Allowed, level: None };
}

/// Errors of governance (G1–G3): policies, access requests, revocations. Returned inside
/// [`LifecycleError::Governance`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GovernanceError {
    /// No team has this id.
    #[error("unknown team {0:?}")]
    UnknownTeam(TeamId),
    /// Only super admins may do this.
    #[error("user {user:?} is not a super admin and cannot {action}")]
    NotSuperAdmin {
        /// The acting user.
        user: UserId,
        /// What they tried.
        action: &'static str,
    },
    /// One policy change names the same level twice with different rules.
    #[error("policy of app {app:?} sets the {level} twice with different rules")]
    ConflictingRule {
        /// The app.
        app: AppId,
        /// The level named twice.
        level: PolicyLevel,
    },
    /// A policy change with no rule, or more than [`crate::limits::MAX_POLICY_RULES`].
    #[error("a policy change of app {app:?} needs 1 to {max} rules, got {count}", max = crate::limits::MAX_POLICY_RULES)]
    RuleCount {
        /// The app.
        app: AppId,
        /// How many rules were given.
        count: usize,
    },
    /// The policy blocks the app for this user.
    #[error("app {app:?} is blocked for user {user:?} by the {level}")]
    Blocked {
        /// The app.
        app: AppId,
        /// The user.
        user: UserId,
        /// The deciding rule.
        level: PolicyLevel,
    },
    /// The policy requires approval: reconnect or reauthenticate are refused until a super
    /// admin allows the app (installs become access requests instead).
    #[error("app {app:?} needs approval for user {user:?} by the {level}")]
    ApprovalRequired {
        /// The app.
        app: AppId,
        /// The user.
        user: UserId,
        /// The deciding rule.
        level: PolicyLevel,
    },
    /// A consent includes a scope the policy turned off.
    #[error("scope {scope:?} of app {app:?} is turned off by policy")]
    ScopeTurnedOff {
        /// The app.
        app: AppId,
        /// The scope.
        scope: String,
    },
    /// Only optional scopes can be turned off.
    #[error("scope {scope:?} of app {app:?} is not optional and cannot be turned off")]
    ScopeNotOptional {
        /// The app.
        app: AppId,
        /// The scope.
        scope: String,
    },
    /// The app does not declare this scope.
    #[error("app {app:?} does not declare scope {scope:?}")]
    UndeclaredScope {
        /// The app.
        app: AppId,
        /// The scope.
        scope: String,
    },
    /// The user already has an open request for the app (one per app and user).
    #[error("user {user:?} already has an open request for app {app:?}")]
    RequestAlreadyOpen {
        /// The app.
        app: AppId,
        /// The requester.
        user: UserId,
    },
    /// No request of this user for the app.
    #[error("user {user:?} has no request for app {app:?}")]
    UnknownRequest {
        /// The app.
        app: AppId,
        /// The requester.
        user: UserId,
    },
    /// The request expired before it was decided.
    #[error("the request of user {user:?} for app {app:?} expired at {expired_at}")]
    RequestExpired {
        /// The app.
        app: AppId,
        /// The requester.
        user: UserId,
        /// When it expired.
        expired_at: DateTime<Utc>,
    },
    /// The request was already approved or denied.
    #[error("the request of user {user:?} for app {app:?} was already {decision}")]
    RequestAlreadyDecided {
        /// The app.
        app: AppId,
        /// The requester.
        user: UserId,
        /// `approved` or `denied`.
        decision: &'static str,
    },
    /// A free-text reason over [`crate::limits::MAX_REASON_CHARS`] characters.
    #[error("reason of {0} characters is over the limit of {max}", max = crate::limits::MAX_REASON_CHARS)]
    ReasonTooLong(usize),
    /// A denial must say why.
    #[error("a denial of the request of user {user:?} for app {app:?} needs a reason")]
    EmptyReason {
        /// The app.
        app: AppId,
        /// The requester.
        user: UserId,
    },
    /// A request expiry outside its bounds.
    #[error(
        "request expiry of {0} days is outside {min}..={max}",
        min = crate::limits::MIN_REQUEST_EXPIRY_DAYS,
        max = crate::limits::MAX_REQUEST_EXPIRY_DAYS
    )]
    ExpiryOutOfRange(u32),
    /// A request event whose expiry is not after its own time.
    #[error("request of user {user:?} for app {app:?} expires at {expires_at}, not after it was made")]
    InvalidExpiry {
        /// The app.
        app: AppId,
        /// The requester.
        user: UserId,
        /// The expiry given.
        expires_at: DateTime<Utc>,
    },
}

impl GovernanceError {
    /// The error's kind.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::UnknownTeam(_) | Self::UnknownRequest { .. } => ErrorKind::NotFound,
            Self::NotSuperAdmin { .. } | Self::Blocked { .. } | Self::ApprovalRequired { .. } => {
                ErrorKind::PermissionDenied
            }
            Self::RequestAlreadyOpen { .. } => ErrorKind::Conflict,
            Self::RequestExpired { .. } | Self::RequestAlreadyDecided { .. } => ErrorKind::InvalidState,
            Self::ConflictingRule { .. }
            | Self::RuleCount { .. }
            | Self::ScopeTurnedOff { .. }
            | Self::ScopeNotOptional { .. }
            | Self::UndeclaredScope { .. }
            | Self::ReasonTooLong(_)
            | Self::EmptyReason { .. }
            | Self::ExpiryOutOfRange(_)
            | Self::InvalidExpiry { .. } => ErrorKind::InvalidInput,
        }
    }
}

/// The policies of every app, folded from the log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policies {
    apps: HashMap<AppId, AppPolicy>,
}

impl Policies {
    /// The policy of an app, if any rule ever named it.
    #[must_use]
    pub fn get(&self, app: &AppId) -> Option<&AppPolicy> {
        self.apps.get(app)
    }

    /// Every app with rules, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&AppId, &AppPolicy)> {
        self.apps.iter()
    }

    /// Folds a policy change; checks the level names a known team or user.
    pub(crate) fn set(
        &mut self,
        directory: &Directory,
        app: &AppId,
        level: &PolicyLevel,
        approval: Option<Approval>,
    ) -> Result<(), LifecycleError> {
        check_level(directory, level)?;
        let policy = self.apps.entry(app.clone()).or_default();
        match (level, approval) {
            (PolicyLevel::Account, a) => policy.account = a,
            (PolicyLevel::Team(t), Some(a)) => {
                policy.teams.insert(t.clone(), a);
            }
            (PolicyLevel::Team(t), None) => {
                policy.teams.remove(t);
            }
            (PolicyLevel::User(u), Some(a)) => {
                policy.users.insert(u.clone(), a);
            }
            (PolicyLevel::User(u), None) => {
                policy.users.remove(u);
            }
        }
        Ok(())
    }

    /// Folds a change of the scopes turned off; each must be a declared optional scope of `app`
    /// (the entry in force).
    pub(crate) fn set_scopes_off(
        &mut self,
        app: &crate::catalog::App,
        scopes: &BTreeSet<String>,
    ) -> Result<(), LifecycleError> {
        for scope in scopes {
            let decl = app
                .scopes
                .iter()
                .find(|s| s.name == *scope)
                .ok_or_else(|| GovernanceError::UndeclaredScope { app: app.id.clone(), scope: scope.clone() })?;
            if decl.requirement != ScopeRequirement::Optional {
                return Err(GovernanceError::ScopeNotOptional { app: app.id.clone(), scope: scope.clone() }.into());
            }
        }
        self.apps.entry(app.id.clone()).or_default().scopes_off = scopes.clone();
        Ok(())
    }
}

fn check_level(directory: &Directory, level: &PolicyLevel) -> Result<(), LifecycleError> {
    match level {
        PolicyLevel::Account => Ok(()),
        PolicyLevel::Team(t) if directory.team(t).is_none() => Err(GovernanceError::UnknownTeam(t.clone()).into()),
        PolicyLevel::User(u) if directory.user(u).is_none() => Err(LifecycleError::UnknownUser(u.clone())),
        PolicyLevel::Team(_) | PolicyLevel::User(_) => Ok(()),
    }
}

/// Each user's teams, so that a policy check costs O(teams of the user). Teams are only ever
/// added to a directory, so the number of teams tells whether the index is current.
#[derive(Debug, Clone, Default)]
pub(crate) struct TeamIndex {
    indexed: usize,
    of_user: HashMap<UserId, Vec<TeamId>>,
}

impl TeamIndex {
    /// The index of `directory`'s teams.
    pub(crate) fn build(directory: &Directory) -> Self {
        let mut of_user: HashMap<UserId, Vec<TeamId>> = HashMap::new();
        for team in directory.teams() {
            for member in &team.members {
                of_user.entry(member.clone()).or_default().push(team.id.clone());
            }
        }
        Self { indexed: directory.teams().len(), of_user }
    }

    /// Whether the index reflects `directory`.
    pub(crate) fn is_current(&self, directory: &Directory) -> bool {
        self.indexed == directory.teams().len()
    }

    /// The teams of `user`.
    pub(crate) fn teams_of(&self, user: &UserId) -> &[TeamId] {
        self.of_user.get(user).map_or(&[], Vec::as_slice)
    }
}

/// A connection that breaks the policy in force (G1): it stays connected until an admin
/// revokes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyViolation {
    /// The connection.
    pub connection: ConnectionKey,
    /// The user whose policy applies: the connection's user, else who installed it.
    pub user: Option<UserId>,
    /// The decision for that user; `blocked` when the policy blocks the app.
    pub decision: PolicyDecision,
    /// Granted scopes the policy turned off.
    pub scopes_off: Vec<String>,
}

impl Engine {
    /// The policy of `app` as the log leaves it, if any rule ever named it.
    #[must_use]
    pub fn app_policy(&self, app: &AppId) -> Option<&AppPolicy> {
        self.state.governance.policies.get(app)
    }

    /// The decision for `user` connecting `app` (see the [module docs](self)).
    ///
    /// # Errors
    /// [`LifecycleError::UnknownApp`] or [`LifecycleError::UnknownUser`].
    pub fn policy_decision(&self, app: &AppId, user: &UserId) -> Result<PolicyDecision, LifecycleError> {
        if self.directory.app(app).is_none() {
            return Err(LifecycleError::UnknownApp(app.clone()));
        }
        if self.directory.user(user).is_none() {
            return Err(LifecycleError::UnknownUser(user.clone()));
        }
        Ok(self.decide(app, user))
    }

    /// The decision for known ids, using the team index when it is current.
    pub(crate) fn decide(&self, app: &AppId, user: &UserId) -> PolicyDecision {
        let Some(policy) = self.state.governance.policies.get(app) else { return PolicyDecision::DEFAULT };
        if policy.teams.is_empty() || self.team_index.is_current(&self.directory) {
            return policy.decide(user, self.team_index.teams_of(user));
        }
        let teams = self.directory.teams().filter(|t| t.members.contains(user)).map(|t| &t.id);
        policy.decide(user, teams)
    }

    /// Refreshes the user-to-teams index if teams were added since it was built.
    pub(crate) fn refresh_team_index(&mut self) {
        if !self.team_index.is_current(&self.directory) {
            self.team_index = TeamIndex::build(&self.directory);
        }
    }

    /// Changes the policy of `app`: each rule sets or removes the rule at its level, each
    /// logged as one [`EventKind::PolicyChanged`]; all or nothing. Existing connections stay
    /// connected (see [`Engine::policy_violations`]).
    ///
    /// # Errors
    /// [`LifecycleError::UnknownApp`], [`LifecycleError::UnknownUser`] (actor or level),
    /// [`LifecycleError::InactiveActor`]; inside [`LifecycleError::Governance`]:
    /// [`GovernanceError::NotSuperAdmin`], [`GovernanceError::UnknownTeam`],
    /// [`GovernanceError::RuleCount`], [`GovernanceError::ConflictingRule`] (a level named twice
    /// with different rules). Nothing changes on error.
    pub fn set_policy(
        &mut self,
        actor: &UserId,
        app: &AppId,
        rules: Vec<PolicyRule>,
        now: DateTime<Utc>,
    ) -> Result<Vec<EventId>, LifecycleError> {
        self.super_admin_on(actor, app, "change a policy")?;
        if rules.is_empty() || rules.len() > crate::limits::MAX_POLICY_RULES {
            return Err(GovernanceError::RuleCount { app: app.clone(), count: rules.len() }.into());
        }
        let mut seen: BTreeMap<&PolicyLevel, Option<Approval>> = BTreeMap::new();
        for rule in &rules {
            check_level(&self.directory, &rule.level)?;
            if let Some(previous) = seen.insert(&rule.level, rule.approval)
                && previous != rule.approval
            {
                return Err(GovernanceError::ConflictingRule { app: app.clone(), level: rule.level.clone() }.into());
            }
        }
        let mut kinds = Vec::with_capacity(seen.len());
        for (level, approval) in seen {
            kinds.push((None, EventKind::PolicyChanged { level: level.clone(), approval }));
        }
        self.log_governance(actor, app, kinds, now)
    }

    /// Turns off the optional scopes `scopes` of `app` (replacing the set turned off before;
    /// empty turns every scope back on), logged as [`EventKind::ScopesTurnedOff`]. Installs and
    /// reauthentications may then not grant them; connections that hold one are listed by
    /// [`Engine::policy_violations`].
    ///
    /// # Errors
    /// As [`Engine::set_policy`] for the actor; [`GovernanceError::UndeclaredScope`] or
    /// [`GovernanceError::ScopeNotOptional`]. Nothing changes on error.
    pub fn turn_off_scopes(
        &mut self,
        actor: &UserId,
        app: &AppId,
        scopes: BTreeSet<String>,
        now: DateTime<Utc>,
    ) -> Result<EventId, LifecycleError> {
        self.super_admin_on(actor, app, "change a policy")?;
        let ids = self.log_governance(actor, app, vec![(None, EventKind::ScopesTurnedOff { scopes })], now)?;
        ids.first().copied().ok_or(LifecycleError::UnknownApp(app.clone()))
    }

    /// The installed connections that break the policy in force at `now`: the app is blocked
    /// for the connection's user (else for who installed it; an account-level connection
    /// installed by nobody known follows the account rule), or a granted scope is turned off.
    /// Connections needing approval are not listed: they were connected before the rule. Ordered
    /// by app, then user.
    #[must_use]
    pub fn policy_violations(&self, now: DateTime<Utc>) -> Vec<PolicyViolation> {
        let mut out = Vec::new();
        let index = (!self.team_index.is_current(&self.directory)).then(|| TeamIndex::build(&self.directory));
        let index = index.as_ref().unwrap_or(&self.team_index);
        let mut apps: Vec<(&AppId, &AppPolicy)> = self.state.governance.policies.iter().collect();
        apps.sort_by(|a, b| a.0.cmp(b.0));
        for (app, policy) in apps {
            for connection in self.state.connections_of(app) {
                if connection.state_at(now) == ConnectionState::Uninstalled {
                    continue;
                }
                let user = connection.key.user.clone().or_else(|| connection.installed_by.clone());
                let decision = match &user {
                    Some(u) => policy.decide(u, index.teams_of(u)),
                    None => policy.account.map_or(PolicyDecision::DEFAULT, |approval| PolicyDecision {
                        approval,
                        level: Some(PolicyLevel::Account),
                    }),
                };
                let scopes_off: Vec<String> =
                    connection.granted_scopes.intersection(&policy.scopes_off).cloned().collect();
                if decision.approval == Approval::Blocked || !scopes_off.is_empty() {
                    out.push(PolicyViolation { connection: connection.key.clone(), user, decision, scopes_off });
                }
            }
        }
        out
    }

    /// Checks that `actor` is an active super admin and `app` is known.
    pub(crate) fn super_admin_on(
        &self,
        actor: &UserId,
        app: &AppId,
        action: &'static str,
    ) -> Result<(), LifecycleError> {
        if self.directory.app(app).is_none() {
            return Err(LifecycleError::UnknownApp(app.clone()));
        }
        self.super_admin(actor, action)
    }

    /// Checks that `actor` is an active super admin.
    pub(crate) fn super_admin(&self, actor: &UserId, action: &'static str) -> Result<(), LifecycleError> {
        let user = self.directory.user(actor).ok_or_else(|| LifecycleError::UnknownUser(actor.clone()))?;
        if !user.active {
            return Err(LifecycleError::InactiveActor(actor.clone()));
        }
        if !user.super_admin {
            return Err(GovernanceError::NotSuperAdmin { user: actor.clone(), action }.into());
        }
        Ok(())
    }

    /// Logs governance events taken by `actor` at `now`, all or nothing; each is `(connection
    /// user, kind)` about `app`.
    pub(crate) fn log_governance(
        &mut self,
        actor: &UserId,
        app: &AppId,
        kinds: Vec<(Option<UserId>, EventKind)>,
        now: DateTime<Utc>,
    ) -> Result<Vec<EventId>, LifecycleError> {
        let events = kinds.into_iter().map(|(user, kind)| (app.clone(), user, kind)).collect();
        self.log_events(actor, events, now)
    }

    /// Logs events about any apps taken by `actor` at `now`, all or nothing. Each event is
    /// checked and folded as it is pushed (no copy of the state); the callers check the batch
    /// first, so a refusal past the first event is rare, and then the log is rolled back and the
    /// state folded again from it.
    pub(crate) fn log_events(
        &mut self,
        actor: &UserId,
        events: Vec<(AppId, Option<UserId>, EventKind)>,
        now: DateTime<Utc>,
    ) -> Result<Vec<EventId>, LifecycleError> {
        self.check_time(now)?;
        let mark = (self.events.mark(), self.next_id);
        let mut out = Vec::with_capacity(events.len());
        for (app, user, kind) in events {
            let id = EventId(self.next_id);
            let event = Event { id, at: now, app, user, actor: Some(actor.clone()), kind };
            if let Err(e) = self.push(event) {
                if !out.is_empty() {
                    self.events.rollback(mark.0);
                    self.next_id = mark.1;
                    self.state = match self.events.last().map(|e| e.at) {
                        Some(newest) => self.state_as_of(newest),
                        None => crate::state::State::default(),
                    };
                }
                return Err(e);
            }
            out.push(id);
        }
        Ok(out)
    }

    /// The policy check of a connecting command (install, reconnect, reauthenticate) by
    /// `user`: blocked is refused; needs approval returns `true` for installs (the caller files
    /// an access request) and is refused for the others; super admins are exempt from needs
    /// approval. Consented scopes must not be turned off.
    pub(crate) fn check_connect_policy(
        &self,
        app: &crate::catalog::App,
        user: &crate::account::User,
        install: bool,
        scopes: Option<&BTreeSet<String>>,
    ) -> Result<bool, LifecycleError> {
        let decision = self.decide(&app.id, &user.id);
        if let Some(level) = decision.level.clone() {
            match decision.approval {
                Approval::Blocked => {
                    return Err(GovernanceError::Blocked { app: app.id.clone(), user: user.id.clone(), level }.into());
                }
                Approval::NeedsApproval if !user.super_admin => {
                    if install {
                        return Ok(true);
                    }
                    return Err(GovernanceError::ApprovalRequired {
                        app: app.id.clone(),
                        user: user.id.clone(),
                        level,
                    }
                    .into());
                }
                Approval::NeedsApproval | Approval::Allowed => {}
            }
        }
        check_scopes_on(self, &app.id, scopes)?;
        Ok(false)
    }
}

/// Refuses consented scopes the policy of `app` turned off.
pub(crate) fn check_scopes_on(
    engine: &Engine,
    app: &AppId,
    scopes: Option<&BTreeSet<String>>,
) -> Result<(), LifecycleError> {
    let (Some(scopes), Some(policy)) = (scopes, engine.state.governance.policies.get(app)) else { return Ok(()) };
    if let Some(scope) = scopes.iter().find(|s| policy.scopes_off.contains(*s)) {
        return Err(GovernanceError::ScopeTurnedOff { app: app.clone(), scope: scope.clone() }.into());
    }
    Ok(())
}

/// Whether `app` is user-level (its connections are each one user's).
pub(crate) fn is_user_level(app: &crate::catalog::App) -> bool {
    app.level == AppLevel::UserLevel
}
