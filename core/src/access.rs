//! Access and permissions of an installed app (O3, I4, I8): for each scope and feature, whether
//! it is authorised now, needs a subscription upgrade, or becomes available after
//! reauthentication.
//!
//! # Rules
//! - The app entry in force is its latest version ([`State::current_app`]): a version change
//!   ([`crate::EventKind::AppVersionChanged`]) is reflected at once.
//! - **Needs upgrade** wins over everything else: while the account's tier on a hub is below what
//!   a scope or feature needs, reauthenticating would not help. A feature's needs are its own
//!   requirement plus those of each of its scopes; several needs on one hub merge into the
//!   highest tier. Upgrades are listed by hub.
//! - **Available after reauthentication**: the scope (or one of the feature's scopes) is declared
//!   by the app but was never granted: a required scope the app added in a new version, or a
//!   conditionally required or optional scope declined at install. Reauthenticating with it
//!   grants it.
//! - **Authorised** otherwise.
//! - **Pending scopes** are the *required* scopes of the current version that were never
//!   granted: what a reauthentication grants by default (I8). Reauthenticating needs App
//!   Marketplace Access, like every change to a connection (I1); the engine checks it.
//!   A connection with pending scopes counts as having an update available on the home (H5).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::account::{Account, Hub, HubTier, Tier, UserId};
use crate::catalog::{App, AppId, ScopeRequirement};
use crate::connection::{Connection, ConnectionKey};
use crate::directory::Directory;
use crate::engine::Engine;
use crate::kind::ErrorKind;
use crate::lifecycle::for_user;
use crate::state::State;
use thiserror::Error;

/// A subscription upgrade an account needs: on `hub`, from tier `from` to at least `tier`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Upgrade {
    /// The hub.
    pub hub: Hub,
    /// The minimum tier needed.
    pub tier: Tier,
    /// The account's tier on that hub now.
    pub from: Tier,
}

/// The access decision for one scope or feature (O3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Access {
    /// Granted, and the account's subscriptions allow it.
    Authorised,
    /// The account's tier is too low on these hubs (by hub).
    NeedsUpgrade {
        /// What to upgrade.
        upgrades: Vec<Upgrade>,
    },
    /// Declared by the app but never granted: reauthenticating with these scopes grants it.
    AvailableAfterReauthentication {
        /// The scopes still to grant, by name.
        scopes: Vec<String>,
    },
}

/// The access decision for one declared scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeAccess {
    /// Scope name.
    pub name: String,
    /// Required, conditionally required or optional.
    pub requirement: ScopeRequirement,
    /// Whether the connection holds the scope.
    pub granted: bool,
    /// The decision.
    pub access: Access,
}

/// The access decision for one feature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureAccess {
    /// Feature name.
    pub name: String,
    /// The scopes it needs.
    pub scopes: Vec<String>,
    /// The decision.
    pub access: Access,
}

/// Access and permissions of one connection (O3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppAccess {
    /// The app.
    pub app: AppId,
    /// The app's name.
    pub app_name: String,
    /// The connection's user, for user-level apps.
    pub user: Option<UserId>,
    /// The app's current version label, once a version change was logged.
    pub version: Option<String>,
    /// Each feature, in declaration order.
    pub features: Vec<FeatureAccess>,
    /// Each declared scope, in declaration order.
    pub scopes: Vec<ScopeAccess>,
    /// Required scopes never granted: what reauthenticating grants by default (I8).
    pub pending_scopes: Vec<String>,
    /// Granted scopes the current version no longer declares (kept in the grant, unused).
    pub undeclared_granted: Vec<String>,
}

impl AppAccess {
    /// Whether a reauthentication would grant something (pending scopes exist).
    #[must_use]
    pub fn needs_reauthentication(&self) -> bool {
        !self.pending_scopes.is_empty()
    }
}

/// The required scopes of `app` that `granted` lacks, in declaration order.
#[must_use]
pub fn pending_scopes(app: &App, granted: &BTreeSet<String>) -> Vec<String> {
    app.pending_scopes(granted)
}

/// Whether `connection` lacks a required scope of `app` (its current version).
#[must_use]
pub fn has_pending_scopes(app: &App, connection: &Connection) -> bool {
    app.has_pending_scopes(&connection.granted_scopes)
}

/// The upgrades `account` needs to meet every requirement in `needs` (merged per hub, by hub).
#[must_use]
pub fn upgrades_for(account: &Account, needs: impl IntoIterator<Item = HubTier>) -> Vec<Upgrade> {
    let mut highest: BTreeMap<Hub, Tier> = BTreeMap::new();
    for need in needs.into_iter().filter(|n| !account.meets(*n)) {
        let tier = highest.entry(need.hub).or_insert(need.tier);
        *tier = (*tier).max(need.tier);
    }
    highest.into_iter().map(|(hub, tier)| Upgrade { hub, tier, from: account.tier(hub) }).collect()
}

/// Access and permissions of the connection `key` (O3).
///
/// # Errors
/// [`AccessError::UnknownApp`], or [`AccessError::NotInstalled`] when no installed connection
/// has this key (for user-level apps name the user; for the others leave it `None`).
pub fn evaluate(directory: &Directory, state: &State, key: &ConnectionKey) -> Result<AppAccess, AccessError> {
    let base = directory.app(&key.app).ok_or_else(|| AccessError::UnknownApp(key.app.clone()))?;
    let app = state.current_app(base);
    let connection = state
        .connection(key)
        .filter(|c| c.is_installed())
        .ok_or_else(|| AccessError::NotInstalled { app: key.app.clone(), user: key.user.clone() })?;
    let account = directory.account();
    let granted = &connection.granted_scopes;
    let decide = |needs: Vec<HubTier>, scopes: &mut dyn Iterator<Item = &String>| {
        let upgrades = upgrades_for(account, needs);
        if !upgrades.is_empty() {
            return Access::NeedsUpgrade { upgrades };
        }
        let missing: Vec<String> = scopes.filter(|s| !granted.contains(*s)).cloned().collect();
        if missing.is_empty() { Access::Authorised } else { Access::AvailableAfterReauthentication { scopes: missing } }
    };
    let scopes = app
        .scopes
        .iter()
        .map(|s| ScopeAccess {
            name: s.name.clone(),
            requirement: s.requirement,
            granted: granted.contains(&s.name),
            access: decide(s.requires.into_iter().collect(), &mut std::iter::once(&s.name)),
        })
        .collect();
    let features = app
        .features
        .iter()
        .map(|f| {
            let needs = f
                .requires
                .into_iter()
                .chain(f.scopes.iter().filter_map(|name| app.scopes.iter().find(|s| s.name == *name)?.requires))
                .collect();
            FeatureAccess {
                name: f.name.clone(),
                scopes: f.scopes.clone(),
                access: decide(needs, &mut f.scopes.iter()),
            }
        })
        .collect();
    Ok(AppAccess {
        app: app.id.clone(),
        app_name: app.name.clone(),
        user: key.user.clone(),
        version: state.revision(&app.id).map(|r| r.version.clone()),
        features,
        scopes,
        pending_scopes: pending_scopes(app, granted),
        undeclared_granted: granted.iter().filter(|s| !app.declares(s)).cloned().collect(),
    })
}

impl Engine {
    /// Access and permissions of one connection of this engine's account (O3); see [`evaluate`].
    ///
    /// # Errors
    /// As [`evaluate`].
    pub fn access(&self, app: &AppId, user: Option<&UserId>) -> Result<AppAccess, AccessError> {
        evaluate(self.directory(), self.state(), &ConnectionKey { app: app.clone(), user: user.cloned() })
    }
}

/// Errors evaluating an app's access and permissions (O3).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AccessError {
    /// No app has this id.
    #[error("unknown app {0:?}")]
    UnknownApp(AppId),
    /// The app (or this user's connection of it) is not installed.
    #[error("app {app:?} is not installed{}", for_user(user.as_ref()))]
    NotInstalled {
        /// The app.
        app: AppId,
        /// The connection's user, for user-level apps.
        user: Option<UserId>,
    },
}

impl AccessError {
    /// The error's kind.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::UnknownApp(_) => ErrorKind::NotFound,
            Self::NotInstalled { .. } => ErrorKind::InvalidState,
        }
    }
}
