//! The folded governance state (G1, G2), in the store layer: the policies of every app and the
//! latest access request per app and user, as [`crate::state::State::apply`] folds them from
//! the log, and the user-to-teams index the policy checks use. The commands that log these
//! events are in [`crate::governance::policy`] and [`crate::governance::requests`].
//! Re-exported by [`crate::governance`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::{TeamId, UserId};
use crate::catalog::{App, AppId, ScopeRequirement};
use crate::directory::Directory;
use crate::event::{EventId, EventKind};
use crate::governance::model::{Approval, ApprovalGrant, GovernanceError, PolicyLevel, check_reason};
use crate::lifecycle::LifecycleError;
use crate::log::EventRef;

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

    /// The decision for a user in `teams` (see [`crate::governance::policy`] for the precedence).
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
    pub(crate) fn set_scopes_off(&mut self, app: &App, scopes: &BTreeSet<String>) -> Result<(), LifecycleError> {
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

/// Checks that a policy level names a known team or user.
pub(crate) fn check_level(directory: &Directory, level: &PolicyLevel) -> Result<(), LifecycleError> {
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

/// Where a request stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for a super admin (until it expires).
    Open,
    /// Approved.
    Approved {
        /// Who approved.
        by: Option<UserId>,
        /// When.
        at: DateTime<Utc>,
        /// How.
        grant: ApprovalGrant,
    },
    /// Denied.
    Denied {
        /// Who denied.
        by: Option<UserId>,
        /// When.
        at: DateTime<Utc>,
        /// Why.
        reason: String,
    },
}

/// One user's latest request for one app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRequest {
    /// The app.
    pub app: AppId,
    /// Who asked.
    pub requester: UserId,
    /// The scopes asked for (granted as asked when approved by install).
    pub scopes: BTreeSet<String>,
    /// Why (free text, at most [`crate::limits::MAX_REASON_CHARS`] characters).
    pub reason: String,
    /// When it was asked.
    pub requested_at: DateTime<Utc>,
    /// When it expires if still open.
    pub expires_at: DateTime<Utc>,
    /// The event that logged it.
    pub event: EventId,
    /// Where it stands.
    pub status: RequestStatus,
}

impl AccessRequest {
    /// Whether it is open at `now` (undecided and not expired).
    #[must_use]
    pub fn is_open_at(&self, now: DateTime<Utc>) -> bool {
        self.status == RequestStatus::Open && now < self.expires_at
    }
}

/// The requests, folded from the log: the latest per app and user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requests {
    latest: BTreeMap<AppId, BTreeMap<UserId, AccessRequest>>,
}

impl Requests {
    /// The latest request of `user` for `app`.
    #[must_use]
    pub fn get(&self, app: &AppId, user: &UserId) -> Option<&AccessRequest> {
        self.latest.get(app)?.get(user)
    }

    /// Every latest request, by app then user.
    pub fn iter(&self) -> impl Iterator<Item = &AccessRequest> {
        self.latest.values().flat_map(BTreeMap::values)
    }

    /// Folds a request made at `at` with event id `event`.
    #[allow(clippy::too_many_arguments, reason = "the fields of one event")]
    pub(crate) fn request(
        &mut self,
        app: &AppId,
        requester: &UserId,
        scopes: &BTreeSet<String>,
        reason: &str,
        expires_at: DateTime<Utc>,
        at: DateTime<Utc>,
        event: EventId,
    ) -> Result<(), LifecycleError> {
        check_reason(reason)?;
        if expires_at <= at {
            return Err(GovernanceError::InvalidExpiry { app: app.clone(), user: requester.clone(), expires_at }.into());
        }
        if self.get(app, requester).is_some_and(|r| r.is_open_at(at)) {
            return Err(GovernanceError::RequestAlreadyOpen { app: app.clone(), user: requester.clone() }.into());
        }
        let request = AccessRequest {
            app: app.clone(),
            requester: requester.clone(),
            scopes: scopes.clone(),
            reason: reason.to_owned(),
            requested_at: at,
            expires_at,
            event,
            status: RequestStatus::Open,
        };
        self.latest.entry(app.clone()).or_default().insert(requester.clone(), request);
        Ok(())
    }

    /// The open request of `requester` for `app` at `at`, or why there is none.
    pub(crate) fn open(
        &self,
        app: &AppId,
        requester: &UserId,
        at: DateTime<Utc>,
    ) -> Result<&AccessRequest, LifecycleError> {
        let request = self
            .get(app, requester)
            .ok_or_else(|| GovernanceError::UnknownRequest { app: app.clone(), user: requester.clone() })?;
        let decided =
            |decision| GovernanceError::RequestAlreadyDecided { app: app.clone(), user: requester.clone(), decision };
        match request.status {
            RequestStatus::Approved { .. } => Err(decided("approved").into()),
            RequestStatus::Denied { .. } => Err(decided("denied").into()),
            RequestStatus::Open if at >= request.expires_at => Err(GovernanceError::RequestExpired {
                app: app.clone(),
                user: requester.clone(),
                expired_at: request.expires_at,
            }
            .into()),
            RequestStatus::Open => Ok(request),
        }
    }

    /// Folds a decision on the open request of `requester` for `app`.
    pub(crate) fn decide(
        &mut self,
        app: &AppId,
        requester: &UserId,
        status: RequestStatus,
        at: DateTime<Utc>,
    ) -> Result<(), LifecycleError> {
        if let RequestStatus::Denied { reason, .. } = &status {
            check_reason(reason)?;
            if reason.trim().is_empty() {
                return Err(GovernanceError::EmptyReason { app: app.clone(), user: requester.clone() }.into());
            }
        }
        self.open(app, requester, at)?;
        if let Some(request) = self.latest.get_mut(app).and_then(|m| m.get_mut(requester)) {
            request.status = status;
        }
        Ok(())
    }
}

/// The governance part of the folded state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Governance {
    pub(crate) policies: Policies,
    pub(crate) requests: Requests,
}

impl Governance {
    /// The policies of every app.
    #[must_use]
    pub fn policies(&self) -> &Policies {
        &self.policies
    }

    /// Every user's latest request per app.
    #[must_use]
    pub fn requests(&self) -> &Requests {
        &self.requests
    }

    /// Folds a governance event (policy change, scopes turned off, request, decision); returns
    /// `false` for other kinds, which the caller folds. On error nothing changes.
    pub(crate) fn apply(
        &mut self,
        directory: &Directory,
        app: &App,
        event: &EventRef<'_>,
    ) -> Result<bool, LifecycleError> {
        if let Some(user) = event.user
            && event.kind.is_governance()
        {
            return Err(LifecycleError::ConnectionUserNotAllowed { app: app.id.clone(), user: user.clone() });
        }
        match event.kind {
            EventKind::PolicyChanged { level, approval } => {
                self.policies.set(directory, event.app, level, *approval)?
            }
            EventKind::ScopesTurnedOff { scopes } => self.policies.set_scopes_off(app, scopes)?,
            EventKind::AccessRequested { requester, scopes, reason, expires_at } => {
                known(directory, requester)?;
                if let Some(scope) = scopes.iter().find(|s| !app.declares(s)) {
                    return Err(GovernanceError::UndeclaredScope { app: app.id.clone(), scope: scope.clone() }.into());
                }
                self.requests.request(event.app, requester, scopes, reason, *expires_at, event.at, event.id)?;
            }
            EventKind::AccessApproved { requester, grant } => {
                let status = RequestStatus::Approved { by: event.actor.cloned(), at: event.at, grant: *grant };
                self.requests.decide(event.app, requester, status, event.at)?;
            }
            EventKind::AccessDenied { requester, reason } => {
                let status = RequestStatus::Denied { by: event.actor.cloned(), at: event.at, reason: reason.clone() };
                self.requests.decide(event.app, requester, status, event.at)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

fn known(directory: &Directory, user: &UserId) -> Result<(), LifecycleError> {
    directory.user(user).map(|_| ()).ok_or_else(|| LifecycleError::UnknownUser(user.clone()))
}
