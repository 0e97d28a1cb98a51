//! People and the account (A1–A3): subscriptions, users, permissions and teams.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

pub use crate::ids::{TeamId, UserId};

/// A product hub the account can subscribe to (A1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hub {
    /// Marketing Hub.
    Marketing,
    /// Sales Hub.
    Sales,
    /// Service Hub.
    Service,
    /// Content Hub (formerly CMS Hub).
    Content,
    /// Operations Hub.
    Operations,
    /// Data Hub.
    Data,
    /// Commerce Hub.
    Commerce,
}

/// A subscription tier, ordered free < starter < professional < enterprise (A1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Free tools.
    Free,
    /// Starter.
    Starter,
    /// Professional.
    Professional,
    /// Enterprise.
    Enterprise,
}

/// A tier required on a hub, e.g. Sales Hub Professional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubTier {
    /// The hub.
    pub hub: Hub,
    /// The minimum tier on that hub.
    pub tier: Tier,
}

/// The account (portal) whose connected apps are managed (A1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The account id (the platform's portal / hub id).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Default language as an ISO 639-1 code, e.g. `en`, `fr`.
    pub default_language: String,
    /// IANA time-zone name, e.g. `Europe/Paris`; the daily API limit resets at its midnight.
    pub time_zone: String,
    /// Subscription tier per hub; a hub absent here counts as free.
    #[serde(default)]
    pub subscriptions: BTreeMap<Hub, Tier>,
    /// Purchased API-limit increases (U2), at most two.
    #[serde(default)]
    pub api_limit_increases: u8,
}

impl Account {
    /// The account's tier on `hub` (free when the hub is not subscribed).
    #[must_use]
    pub fn tier(&self, hub: Hub) -> Tier {
        self.subscriptions.get(&hub).copied().unwrap_or(Tier::Free)
    }

    /// Whether the account meets a hub × tier requirement.
    #[must_use]
    pub fn meets(&self, requirement: HubTier) -> bool {
        self.tier(requirement.hub) >= requirement.tier
    }
}

/// A permission a user may hold (A2). Super admins implicitly hold all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// May connect, reconnect, reauthenticate, disconnect and uninstall apps (I1).
    AppMarketplaceAccess,
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::AppMarketplaceAccess => "app_marketplace_access",
        })
    }
}

/// A user of the account (A2). Optional fields added later must carry `#[serde(default)]`, so
/// that entries written before them still read (unknown fields are refused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// User id.
    pub id: UserId,
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Deactivated users can neither act nor receive notifications.
    pub active: bool,
    /// Super admins hold every permission.
    pub super_admin: bool,
    /// Permissions granted explicitly.
    #[serde(default)]
    pub permissions: BTreeSet<Permission>,
    /// The platform's numeric user id (`userId` in security activity and audit logs), so that
    /// imported events name this user (K2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_user_id: Option<String>,
}

impl User {
    /// Whether the user holds `permission`, explicitly or as a super admin.
    #[must_use]
    pub fn has(&self, permission: Permission) -> bool {
        self.super_admin || self.permissions.contains(&permission)
    }
}

/// A team of users (A3); a user may belong to several teams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    /// Team id.
    pub id: TeamId,
    /// Display name.
    pub name: String,
    /// Member user ids.
    pub members: Vec<UserId>,
}
