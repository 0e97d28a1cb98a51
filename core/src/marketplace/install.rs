//! Whether this account and this user can install a listing now (I1–I3, M1), and the
//! recommendations of the home (H4).
//!
//! # Install verdict
//! - **Already connected (I3)**: an installed connection of the app exists — for user-level
//!   apps, this user's own connection. The install action is disabled.
//! - **Requirements**: the listing's subscriptions, each hub at its minimum tier; the upgrades
//!   needed are listed by hub with the account's current tier.
//! - **Who installs (I1, I2)**: super admins and users with App Marketplace Access install;
//!   anyone else must request it from an active super admin (listed by id).
//! - `can_install_now` is true when none of the above stands in the way.
//!
//! # Recommendations (H4)
//! Certified listings of apps with no installed connection in the account, whose subscription
//! requirements the account meets, ranked by:
//! 1. **category affinity**, highest first: for each category of the listing, the number of
//!    distinct installed apps whose listing shares it, summed;
//! 2. listings in the account's priority language (M4) first;
//! 3. total installs, highest first; then name and app id.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::fold::normalise;
use super::{Listing, Marketplace, PRIORITY_LANGUAGES};
use crate::access::{Upgrade, upgrades_for};
use crate::account::{Permission, UserId};
use crate::catalog::{AppId, AppLevel};
use crate::directory::{Directory, Unavailable};
use crate::marketplace::error::MarketplaceError;
use crate::state::State;

/// Whether the user may install an app themselves (I1) or must ask an admin (I2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "permission", rename_all = "snake_case")]
pub enum InstallPermission {
    /// A super admin or a user with App Marketplace Access.
    Install,
    /// Anyone else: request the install from one of these active super admins (none when the
    /// account has no active super admin).
    Request {
        /// Admins who may receive the request, by id.
        admins: Vec<UserId>,
    },
}

/// Whether this account and user can install a listing now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallVerdict {
    /// The app.
    pub app: AppId,
    /// Already connected: the install action is disabled (I3).
    pub already_connected: bool,
    /// Upgrades the account needs first (empty when the requirements are met).
    pub upgrades: Vec<Upgrade>,
    /// What the app itself requires, as the provider words it.
    pub app_requirements: Option<String>,
    /// Whether the user installs or requests.
    pub permission: InstallPermission,
    /// Not connected, requirements met, and the user may install.
    pub can_install_now: bool,
}

impl InstallVerdict {
    /// Whether the account meets the listing's subscription requirements.
    #[must_use]
    pub fn requirements_met(&self) -> bool {
        self.upgrades.is_empty()
    }
}

/// A recommended listing (H4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendation {
    /// The app.
    pub app: AppId,
    /// Its name.
    pub name: String,
    /// Category affinity with the installed apps.
    pub affinity: u32,
    /// Whether the listing is offered in the account's priority language.
    pub language_match: bool,
    /// Total installs.
    pub total_installs: u64,
}

/// Apps with an installed connection (any user's).
fn installed_apps(state: &State) -> BTreeSet<&AppId> {
    state.connections().filter(|c| c.is_installed()).map(|c| &c.key.app).collect()
}

impl Marketplace {
    /// Whether the account and `user` can install the listing of `app` now.
    ///
    /// # Errors
    /// [`MarketplaceError::UnknownListing`], [`MarketplaceError::UnknownUser`] or
    /// [`MarketplaceError::InactiveUser`].
    pub fn install_verdict(
        &self,
        directory: &Directory,
        state: &State,
        app: &AppId,
        user: &UserId,
    ) -> Result<InstallVerdict, MarketplaceError> {
        let listing = self.listing(app).ok_or_else(|| MarketplaceError::UnknownListing(app.clone()))?;
        let person = directory.active_user(user).map_err(|why| match why {
            Unavailable::Unknown => MarketplaceError::UnknownUser(user.clone()),
            Unavailable::Inactive => MarketplaceError::InactiveUser(user.clone()),
        })?;
        let user_level = directory.app(app).is_some_and(|a| a.level == AppLevel::UserLevel);
        let already_connected =
            state.connections_of(app).any(|c| c.is_installed() && (!user_level || c.key.user.as_ref() == Some(user)));
        let upgrades = upgrades_for(directory.account(), listing.requirements.subscriptions.iter().copied());
        let permission = if person.has(Permission::AppMarketplaceAccess) {
            InstallPermission::Install
        } else {
            InstallPermission::Request { admins: directory.active_super_admins().map(|u| u.id.clone()).collect() }
        };
        let can_install_now = !already_connected && upgrades.is_empty() && permission == InstallPermission::Install;
        Ok(InstallVerdict {
            app: app.clone(),
            already_connected,
            upgrades,
            app_requirements: listing.requirements.app_requirements.clone(),
            permission,
            can_install_now,
        })
    }

    /// Up to `limit` recommendations for the account (H4); see the module documentation.
    #[must_use]
    pub fn recommendations(&self, directory: &Directory, state: &State, limit: usize) -> Vec<Recommendation> {
        let account = directory.account();
        let installed = installed_apps(state);
        let mut affinity_of: HashMap<String, u32> = HashMap::new();
        for listing in installed.iter().filter_map(|app| self.listing(app)) {
            let own: BTreeSet<String> = listing.categories.iter().map(|c| normalise(c)).collect();
            for category in own {
                *affinity_of.entry(category).or_default() += 1;
            }
        }
        let language = account.default_language.as_str();
        let priority = PRIORITY_LANGUAGES.contains(&language);
        let mut picks: Vec<(&Listing, Recommendation)> = self
            .listings
            .iter()
            .filter(|l| l.certified && !installed.contains(&l.app))
            .filter(|l| l.requirements.subscriptions.iter().all(|r| account.meets(*r)))
            .map(|l| {
                let categories: BTreeSet<String> = l.categories.iter().map(|c| normalise(c)).collect();
                let affinity = categories.iter().filter_map(|c| affinity_of.get(c)).sum();
                let language_match = priority && l.languages.iter().any(|x| x == language);
                let pick = Recommendation {
                    app: l.app.clone(),
                    name: l.name.clone(),
                    affinity,
                    language_match,
                    total_installs: l.total_installs,
                };
                (l, pick)
            })
            .collect();
        picks.sort_by(|(la, a), (lb, b)| {
            b.affinity
                .cmp(&a.affinity)
                .then(b.language_match.cmp(&a.language_match))
                .then(b.total_installs.cmp(&a.total_installs))
                .then_with(|| normalise(&la.name).cmp(&normalise(&lb.name)))
                .then_with(|| a.app.cmp(&b.app))
        });
        picks.into_iter().take(limit).map(|(_, r)| r).collect()
    }
}
