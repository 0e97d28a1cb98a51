//! Access and permissions of a connection (O3, I4, I8): authorised, needs a subscription
//! upgrade, or available after reauthentication; and the app version in force.

use connected_apps::access::{Access, AppAccess, FeatureAccess, ScopeAccess, Upgrade};
use connected_apps::{App, AppId, AppRevision, Hub, ScopeRequirement, Tier, UserId};

use crate::engine::AccountEngine;
use crate::error::ConnectedAppsError;
use crate::types::Timestamp;

/// A subscription upgrade the account needs: on `hub`, from tier `from` to at least `tier`.
#[uniffi::remote(Record)]
pub struct Upgrade {
    pub hub: Hub,
    pub tier: Tier,
    pub from: Tier,
}

/// The access decision for one scope or feature (O3).
#[uniffi::remote(Enum)]
pub enum Access {
    Authorised,
    NeedsUpgrade { upgrades: Vec<Upgrade> },
    AvailableAfterReauthentication { scopes: Vec<String> },
}

/// The access decision for one declared scope.
#[uniffi::remote(Record)]
pub struct ScopeAccess {
    pub name: String,
    pub requirement: ScopeRequirement,
    pub granted: bool,
    pub access: Access,
}

/// The access decision for one feature.
#[uniffi::remote(Record)]
pub struct FeatureAccess {
    pub name: String,
    pub scopes: Vec<String>,
    pub access: Access,
}

/// Access and permissions of one connection (O3): each feature and scope in declaration order,
/// the scopes a reauthentication would grant, and granted scopes the app no longer declares.
#[uniffi::remote(Record)]
pub struct AppAccess {
    pub app: AppId,
    pub app_name: String,
    pub user: Option<UserId>,
    pub version: Option<String>,
    pub features: Vec<FeatureAccess>,
    pub scopes: Vec<ScopeAccess>,
    pub pending_scopes: Vec<String>,
    pub undeclared_granted: Vec<String>,
}

/// An app's entry as its latest version change left it.
#[uniffi::remote(Record)]
pub struct AppRevision {
    pub version: String,
    pub changed_at: Timestamp,
    pub app: App,
}

#[uniffi::export]
impl AccountEngine {
    /// Access and permissions of a connection (O3): the app's, or `user`'s for user-level apps.
    pub fn access(&self, app: AppId, user: Option<UserId>) -> Result<AppAccess, ConnectedAppsError> {
        self.read(|engine| Ok(engine.access(&app, user.as_ref())?))
    }

    /// The app's latest version change, if one was logged.
    pub fn app_revision(&self, app: AppId) -> Result<Option<AppRevision>, ConnectedAppsError> {
        self.read(|engine| Ok(engine.state().revision(&app).cloned()))
    }
}

/// Whether reauthenticating would grant scopes (some are pending).
#[uniffi::export]
pub fn needs_reauthentication(access: AppAccess) -> bool {
    access.needs_reauthentication()
}
