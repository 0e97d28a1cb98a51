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

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::UserId;
use crate::catalog::{AppId, AppLevel};
use crate::connection::{ConnectionKey, ConnectionState};
use crate::engine::Engine;
use crate::event::{Event, EventId, EventKind};
use crate::governance::fold::{TeamIndex, check_level};
use crate::lifecycle::LifecycleError;

pub use crate::governance::fold::{AppPolicy, Policies, PolicyDecision};
pub use crate::governance::model::{Approval, GovernanceError, PolicyLevel};

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
