//! People and the account (A1–A3) as they cross the FFI: the core's own types, described to UniFFI.
//!
//! `#[uniffi::remote]` repeats each definition so that UniFFI can generate its host form; the
//! compiler checks the copy against the core, so a field or variant added there fails this
//! build until it is added here (parity by construction).

use connected_apps::{Account, Hub, HubTier, Permission, Team, TeamId, Tier, User, UserId};

use crate::types::{PermissionSet, Subscriptions};

/// A product hub the account can subscribe to (A1).
#[uniffi::remote(Enum)]
pub enum Hub {
    Marketing,
    Sales,
    Service,
    Content,
    Operations,
    Data,
    Commerce,
}

/// A subscription tier, ordered free < starter < professional < enterprise (A1).
#[uniffi::remote(Enum)]
pub enum Tier {
    Free,
    Starter,
    Professional,
    Enterprise,
}

/// A tier required on a hub, e.g. Sales Hub Professional.
#[uniffi::remote(Record)]
pub struct HubTier {
    pub hub: Hub,
    pub tier: Tier,
}

/// The account whose connected apps are managed (A1). A hub absent from `subscriptions` counts
/// as free.
#[uniffi::remote(Record)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub default_language: String,
    pub time_zone: String,
    pub subscriptions: Subscriptions,
    pub api_limit_increases: u8,
}

/// A permission a user may hold (A2). Super admins implicitly hold all of them.
#[uniffi::remote(Enum)]
pub enum Permission {
    AppMarketplaceAccess,
}

/// A user of the account (A2).
#[uniffi::remote(Record)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub active: bool,
    pub super_admin: bool,
    pub permissions: PermissionSet,
    #[uniffi(default = None)]
    pub platform_user_id: Option<String>,
}

/// A team of users (A3); a user may belong to several teams.
#[uniffi::remote(Record)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub members: Vec<UserId>,
}
