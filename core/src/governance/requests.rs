//! The access-request queue (G2): requests to install are events; one open request per app and
//! user; ranked by demand; a super admin approves (installing, or allowing the app) or denies
//! with a reason; requests expire after a configurable number of days, judged against `now`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::account::UserId;
use crate::catalog::AppId;
use crate::engine::Engine;
use crate::event::{EventId, EventKind};
use crate::governance::model::{Approval, GovernanceError, PolicyLevel};
use crate::lifecycle::LifecycleError;

pub use crate::governance::fold::{AccessRequest, RequestStatus, Requests};
pub use crate::governance::model::{ApprovalGrant, DEFAULT_REQUEST_EXPIRY_DAYS, GovernanceSettings};

/// One request in the queue view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedRequest {
    /// Who asked.
    pub requester: UserId,
    /// Their name.
    pub requester_name: String,
    /// Why.
    pub reason: String,
    /// The scopes asked for.
    pub scopes: BTreeSet<String>,
    /// When.
    pub requested_at: DateTime<Utc>,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
}

/// One app in the queue view, with its open requests (oldest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedApp {
    /// The app.
    pub app: AppId,
    /// Its name.
    pub app_name: String,
    /// Distinct users with an open request.
    pub requesters: usize,
    /// The oldest open request's time.
    pub oldest_request_at: DateTime<Utc>,
    /// The open requests, oldest first (then by requester).
    pub requests: Vec<QueuedRequest>,
}

impl Engine {
    /// The governance settings.
    #[must_use]
    pub fn governance_settings(&self) -> GovernanceSettings {
        self.governance_settings
    }

    /// Replaces the governance settings; requests already made keep their expiry.
    ///
    /// # Errors
    /// [`GovernanceError::ExpiryOutOfRange`] (1 to 365 days); nothing changes.
    pub fn set_governance_settings(&mut self, settings: GovernanceSettings) -> Result<(), GovernanceError> {
        settings.validate()?;
        self.governance_settings = settings;
        Ok(())
    }

    /// Files an access request of `actor` for `app` (G2), logged as
    /// [`EventKind::AccessRequested`]; it expires after the configured days. `scopes` `None`
    /// asks for the app's required scopes. An install by a user who may not install, or of an
    /// app that needs approval, files the same request (see [`crate::Outcome::InstallRequested`]).
    ///
    /// # Errors
    /// [`LifecycleError::UnknownApp`], [`LifecycleError::UnknownUser`],
    /// [`LifecycleError::InactiveActor`], [`LifecycleError::AlreadyInstalled`], the consent
    /// errors of an install (undeclared or missing required scope,
    /// [`GovernanceError::ScopeTurnedOff`]), [`GovernanceError::Blocked`],
    /// [`GovernanceError::ReasonTooLong`], [`GovernanceError::RequestAlreadyOpen`]. Nothing
    /// changes on error.
    pub fn request_access(
        &mut self,
        actor: &UserId,
        app: &AppId,
        scopes: Option<BTreeSet<String>>,
        reason: String,
        now: DateTime<Utc>,
    ) -> Result<EventId, LifecycleError> {
        let entry = self.directory.app(app).ok_or_else(|| LifecycleError::UnknownApp(app.clone()))?;
        let entry = self.state.current_app(entry).clone();
        let user = self.directory.user(actor).ok_or_else(|| LifecycleError::UnknownUser(actor.clone()))?;
        if !user.active {
            return Err(LifecycleError::InactiveActor(actor.clone()));
        }
        let key = crate::connection::ConnectionKey {
            app: app.clone(),
            user: crate::governance::policy::is_user_level(&entry).then(|| actor.clone()),
        };
        if self.state.connection(&key).is_some_and(crate::connection::Connection::is_installed) {
            return Err(LifecycleError::AlreadyInstalled { app: app.clone(), user: key.user });
        }
        let decision = self.decide(app, actor);
        if let (Approval::Blocked, Some(level)) = (decision.approval, decision.level) {
            return Err(GovernanceError::Blocked { app: app.clone(), user: actor.clone(), level }.into());
        }
        let scopes = crate::engine::consented_scopes(&entry, scopes)?;
        crate::governance::policy::check_scopes_on(self, app, Some(&scopes))?;
        self.file_request(actor, app, scopes, reason, now)
    }

    /// Logs a request (checked by the fold: reason, one open request per app and user).
    pub(crate) fn file_request(
        &mut self,
        actor: &UserId,
        app: &AppId,
        scopes: BTreeSet<String>,
        reason: String,
        now: DateTime<Utc>,
    ) -> Result<EventId, LifecycleError> {
        let days = i64::from(self.governance_settings.request_expiry_days);
        let expires_at = now.checked_add_signed(Duration::days(days)).ok_or(LifecycleError::TimeOutOfRange(now))?;
        let kind = EventKind::AccessRequested { requester: actor.clone(), scopes, reason, expires_at };
        let ids = self.log_governance(actor, app, vec![(None, kind)], now)?;
        ids.first().copied().ok_or(LifecycleError::UnknownApp(app.clone()))
    }

    /// The latest request of `user` for `app`, if any.
    #[must_use]
    pub fn access_request(&self, app: &AppId, user: &UserId) -> Option<&AccessRequest> {
        self.state.governance.requests.get(app, user)
    }

    /// Approves the open request of `requester` for `app` (super admins only): logs
    /// [`EventKind::AccessApproved`], then the install with the requested scopes
    /// ([`ApprovalGrant::Install`]; user-level apps are installed for the requester) or the
    /// account rule `allowed` ([`ApprovalGrant::AllowList`]); all or nothing. Returns the ids.
    ///
    /// # Errors
    /// [`GovernanceError::NotSuperAdmin`], [`GovernanceError::UnknownRequest`],
    /// [`GovernanceError::RequestExpired`], [`GovernanceError::RequestAlreadyDecided`], an
    /// install that is no longer possible (already installed, scope turned off since); nothing
    /// changes on error.
    pub fn approve_request(
        &mut self,
        actor: &UserId,
        app: &AppId,
        requester: &UserId,
        grant: ApprovalGrant,
        now: DateTime<Utc>,
    ) -> Result<Vec<EventId>, LifecycleError> {
        self.super_admin_on(actor, app, "approve an access request")?;
        let request = self.state.governance.requests.open(app, requester, now)?;
        let scopes = request.scopes.clone();
        let approved = (app.clone(), None, EventKind::AccessApproved { requester: requester.clone(), grant });
        let follow = match grant {
            ApprovalGrant::Install => {
                crate::governance::policy::check_scopes_on(self, app, Some(&scopes))?;
                let entry = self.directory.app(app).ok_or_else(|| LifecycleError::UnknownApp(app.clone()))?;
                let user =
                    crate::governance::policy::is_user_level(self.state.current_app(entry)).then(|| requester.clone());
                let key = crate::connection::ConnectionKey { app: app.clone(), user: user.clone() };
                let kind = match self.state.connection(&key) {
                    Some(_) => EventKind::Reinstalled { scopes, expires_at: None },
                    None => EventKind::Installed { scopes, expires_at: None },
                };
                (app.clone(), user, kind)
            }
            ApprovalGrant::AllowList => (
                app.clone(),
                None,
                EventKind::PolicyChanged { level: PolicyLevel::Account, approval: Some(Approval::Allowed) },
            ),
        };
        self.log_events(actor, vec![approved, follow], now)
    }

    /// Denies the open request of `requester` for `app` with a reason (super admins only),
    /// logged as [`EventKind::AccessDenied`].
    ///
    /// # Errors
    /// As [`Engine::approve_request`], and [`GovernanceError::EmptyReason`],
    /// [`GovernanceError::ReasonTooLong`]; nothing changes on error.
    pub fn deny_request(
        &mut self,
        actor: &UserId,
        app: &AppId,
        requester: &UserId,
        reason: String,
        now: DateTime<Utc>,
    ) -> Result<EventId, LifecycleError> {
        self.super_admin_on(actor, app, "deny an access request")?;
        let kind = EventKind::AccessDenied { requester: requester.clone(), reason };
        let ids = self.log_governance(actor, app, vec![(None, kind)], now)?;
        ids.first().copied().ok_or(LifecycleError::UnknownApp(app.clone()))
    }

    /// The queue (G2): apps with open requests at `now`, most distinct requesters first, then
    /// the oldest request first, then by app id; each with its open requests, oldest first.
    #[must_use]
    pub fn access_queue(&self, now: DateTime<Utc>) -> Vec<QueuedApp> {
        let mut apps: BTreeMap<&AppId, Vec<&AccessRequest>> = BTreeMap::new();
        for request in self.state.governance.requests.iter().filter(|r| r.is_open_at(now)) {
            apps.entry(&request.app).or_default().push(request);
        }
        let mut out: Vec<QueuedApp> = apps
            .into_iter()
            .filter_map(|(app, mut requests)| {
                requests.sort_by(|a, b| (a.requested_at, &a.requester).cmp(&(b.requested_at, &b.requester)));
                let oldest_request_at = requests.first()?.requested_at;
                Some(QueuedApp {
                    app: app.clone(),
                    app_name: self.directory.app(app).map(|a| a.name.clone()).unwrap_or_default(),
                    requesters: requests.len(),
                    oldest_request_at,
                    requests: requests
                        .into_iter()
                        .map(|r| QueuedRequest {
                            requester: r.requester.clone(),
                            requester_name: self
                                .directory
                                .user(&r.requester)
                                .map(|u| u.name.clone())
                                .unwrap_or_default(),
                            reason: r.reason.clone(),
                            scopes: r.scopes.clone(),
                            requested_at: r.requested_at,
                            expires_at: r.expires_at,
                        })
                        .collect(),
                })
            })
            .collect();
        out.sort_by(|a, b| {
            b.requesters.cmp(&a.requesters).then(a.oldest_request_at.cmp(&b.oldest_request_at)).then(a.app.cmp(&b.app))
        });
        out
    }
}
