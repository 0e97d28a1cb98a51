//! Governance (G1–G3): approval policies, the access-request queue, the per-user inventory and
//! revocations. Every rule lives in the core; this file only describes its types and delegates.

use std::collections::{BTreeMap, HashMap};

use connected_apps::{
    AccessRequest, AppId, AppPolicy, AppUser, Approval, ApprovalGrant, ConnectionKey, ConnectionState, EventId,
    GovernanceSettings, InventoryItem, PolicyDecision, PolicyLevel, PolicyRule, PolicyViolation, QueuedApp,
    QueuedRequest, RequestStatus, TeamId, Usage, UserId, UserInventory,
};

use crate::engine::AccountEngine;
use crate::error::ConnectedAppsError;
use crate::types::{Count, ScopeSet, Timestamp};

/// What a policy says about an app, least to most permissive.
#[uniffi::remote(Enum)]
pub enum Approval {
    Blocked,
    NeedsApproval,
    Allowed,
}

/// Whom a rule covers: the account, a team (overrides the account) or a user (overrides all).
#[uniffi::remote(Enum)]
pub enum PolicyLevel {
    Account,
    Team(TeamId),
    User(UserId),
}

/// One rule of a policy change; `approval` `None` removes the rule at that level.
#[uniffi::remote(Record)]
pub struct PolicyRule {
    pub level: PolicyLevel,
    pub approval: Option<Approval>,
}

/// Rules per team.
pub type TeamApprovals = BTreeMap<TeamId, Approval>;
/// Exceptions per user.
pub type UserApprovals = BTreeMap<UserId, Approval>;
uniffi::custom_type!(TeamApprovals, HashMap<TeamId, Approval>, {
    remote,
    lower: |map| map.into_iter().collect(),
    try_lift: |map| Ok(map.into_iter().collect()),
});
uniffi::custom_type!(UserApprovals, HashMap<UserId, Approval>, {
    remote,
    lower: |map| map.into_iter().collect(),
    try_lift: |map| Ok(map.into_iter().collect()),
});

/// The rules of one app and the optional scopes it turned off.
#[uniffi::remote(Record)]
pub struct AppPolicy {
    pub account: Option<Approval>,
    pub teams: TeamApprovals,
    pub users: UserApprovals,
    pub scopes_off: ScopeSet,
}

/// A resolved policy: what applies and which rule says so (none: allowed by default).
#[uniffi::remote(Record)]
pub struct PolicyDecision {
    pub approval: Approval,
    pub level: Option<PolicyLevel>,
}

/// A connection that breaks the policy in force; it stays connected until revoked.
#[uniffi::remote(Record)]
pub struct PolicyViolation {
    pub connection: ConnectionKey,
    pub user: Option<UserId>,
    pub decision: PolicyDecision,
    pub scopes_off: Vec<String>,
}

/// How a super admin grants an access request.
#[uniffi::remote(Enum)]
pub enum ApprovalGrant {
    Install,
    AllowList,
}

/// Where a request stands.
#[uniffi::remote(Enum)]
pub enum RequestStatus {
    Open,
    Approved { by: Option<UserId>, at: Timestamp, grant: ApprovalGrant },
    Denied { by: Option<UserId>, at: Timestamp, reason: String },
}

/// One user's latest request for one app.
#[uniffi::remote(Record)]
pub struct AccessRequest {
    pub app: AppId,
    pub requester: UserId,
    pub scopes: ScopeSet,
    pub reason: String,
    pub requested_at: Timestamp,
    pub expires_at: Timestamp,
    pub event: EventId,
    pub status: RequestStatus,
}

/// One open request in the queue.
#[uniffi::remote(Record)]
pub struct QueuedRequest {
    pub requester: UserId,
    pub requester_name: String,
    pub reason: String,
    pub scopes: ScopeSet,
    pub requested_at: Timestamp,
    pub expires_at: Timestamp,
}

/// One app in the queue with its open requests, oldest first.
#[uniffi::remote(Record)]
pub struct QueuedApp {
    pub app: AppId,
    pub app_name: String,
    pub requesters: Count,
    pub oldest_request_at: Timestamp,
    pub requests: Vec<QueuedRequest>,
}

/// Governance settings: days before an open request expires (1–365).
#[uniffi::remote(Record)]
pub struct GovernanceSettings {
    pub request_expiry_days: u32,
}

/// A connection's uses (app-activity events).
#[uniffi::remote(Record)]
pub struct Usage {
    pub first_use_at: Timestamp,
    pub last_use_at: Timestamp,
    pub uses: u64,
}

/// One connection in a user's inventory.
#[uniffi::remote(Record)]
pub struct InventoryItem {
    pub connection: ConnectionKey,
    pub app_name: String,
    pub state: ConnectionState,
    pub installed_at: Timestamp,
    pub scopes: ScopeSet,
    pub usage: Option<Usage>,
}

/// One user's installed connections, by app.
#[uniffi::remote(Record)]
pub struct UserInventory {
    pub user: UserId,
    pub connections: Vec<InventoryItem>,
}

/// One user of an app and the connection through which they use it.
#[uniffi::remote(Record)]
pub struct AppUser {
    pub user: UserId,
    pub connection: ConnectionKey,
    pub usage: Option<Usage>,
}

#[uniffi::export]
impl AccountEngine {
    /// Sets or removes rules of an app's policy (super admins only), one event each, all or
    /// nothing.
    pub fn set_policy(
        &self,
        actor: UserId,
        app: AppId,
        rules: Vec<PolicyRule>,
        now: Timestamp,
    ) -> Result<Vec<EventId>, ConnectedAppsError> {
        self.write(|engine| Ok(engine.set_policy(&actor, &app, rules, now)?))
    }

    /// Replaces the optional scopes of an app turned off (super admins only).
    pub fn turn_off_scopes(
        &self,
        actor: UserId,
        app: AppId,
        scopes: ScopeSet,
        now: Timestamp,
    ) -> Result<EventId, ConnectedAppsError> {
        self.write(|engine| Ok(engine.turn_off_scopes(&actor, &app, scopes, now)?))
    }

    /// The policy of an app, if any rule ever named it.
    pub fn app_policy(&self, app: AppId) -> Result<Option<AppPolicy>, ConnectedAppsError> {
        self.read(|engine| Ok(engine.app_policy(&app).cloned()))
    }

    /// The decision for a user connecting an app.
    pub fn policy_decision(&self, app: AppId, user: UserId) -> Result<PolicyDecision, ConnectedAppsError> {
        self.read(|engine| Ok(engine.policy_decision(&app, &user)?))
    }

    /// The installed connections that break the policy in force at `now`.
    pub fn policy_violations(&self, now: Timestamp) -> Result<Vec<PolicyViolation>, ConnectedAppsError> {
        self.read(|engine| Ok(engine.policy_violations(now)))
    }

    /// Files an access request; `scopes` `None` asks for the required ones.
    pub fn request_access(
        &self,
        actor: UserId,
        app: AppId,
        scopes: Option<ScopeSet>,
        reason: String,
        now: Timestamp,
    ) -> Result<EventId, ConnectedAppsError> {
        self.write(|engine| Ok(engine.request_access(&actor, &app, scopes, reason, now)?))
    }

    /// Approves an open request (super admins only); returns the logged events' ids.
    pub fn approve_request(
        &self,
        actor: UserId,
        app: AppId,
        requester: UserId,
        grant: ApprovalGrant,
        now: Timestamp,
    ) -> Result<Vec<EventId>, ConnectedAppsError> {
        self.write(|engine| Ok(engine.approve_request(&actor, &app, &requester, grant, now)?))
    }

    /// Denies an open request with a reason (super admins only).
    pub fn deny_request(
        &self,
        actor: UserId,
        app: AppId,
        requester: UserId,
        reason: String,
        now: Timestamp,
    ) -> Result<EventId, ConnectedAppsError> {
        self.write(|engine| Ok(engine.deny_request(&actor, &app, &requester, reason, now)?))
    }

    /// The latest request of a user for an app.
    pub fn access_request(&self, app: AppId, user: UserId) -> Result<Option<AccessRequest>, ConnectedAppsError> {
        self.read(|engine| Ok(engine.access_request(&app, &user).cloned()))
    }

    /// The queue at `now`: apps by distinct requesters, then oldest request.
    pub fn access_queue(&self, now: Timestamp) -> Result<Vec<QueuedApp>, ConnectedAppsError> {
        self.read(|engine| Ok(engine.access_queue(now)))
    }

    /// The governance settings.
    pub fn governance_settings(&self) -> Result<GovernanceSettings, ConnectedAppsError> {
        self.read(|engine| Ok(engine.governance_settings()))
    }

    /// Replaces the governance settings (expiry 1–365 days).
    pub fn set_governance_settings(&self, settings: GovernanceSettings) -> Result<(), ConnectedAppsError> {
        self.write(|engine| {
            Ok(engine.set_governance_settings(settings).map_err(connected_apps::LifecycleError::from)?)
        })
    }

    /// A user's installed connections at `now`, with scopes and uses.
    pub fn user_inventory(&self, user: UserId, now: Timestamp) -> Result<UserInventory, ConnectedAppsError> {
        self.read(|engine| Ok(engine.user_inventory(&user, now)?))
    }

    /// The users of an app at `now`.
    pub fn app_users(&self, app: AppId, now: Timestamp) -> Result<Vec<AppUser>, ConnectedAppsError> {
        self.read(|engine| Ok(engine.app_users(&app, now)?))
    }

    /// Revokes one installed connection (super admins only).
    pub fn revoke_connection(
        &self,
        actor: UserId,
        app: AppId,
        user: Option<UserId>,
        reason: String,
        now: Timestamp,
    ) -> Result<EventId, ConnectedAppsError> {
        self.write(|engine| Ok(engine.revoke_connection(&actor, &app, user, reason, now)?))
    }

    /// Revokes every installed connection of a user (super admins only), one event each.
    pub fn revoke_user_connections(
        &self,
        actor: UserId,
        user: UserId,
        reason: String,
        now: Timestamp,
    ) -> Result<Vec<EventId>, ConnectedAppsError> {
        self.write(|engine| Ok(engine.revoke_user_connections(&actor, &user, reason, now)?))
    }

    /// Deactivates a user and returns their installed connections at `now`, to offer revoking
    /// them.
    pub fn deactivate_user(&self, user: UserId, now: Timestamp) -> Result<Vec<ConnectionKey>, ConnectedAppsError> {
        self.write(|engine| Ok(engine.set_user_active(&user, false, now)?))
    }
}
