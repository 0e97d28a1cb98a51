//! Fixtures shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, reason = "shared test helpers")]

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use connected_apps::{
    Account, ActivityType, App, AppLevel, Distribution, Hub, Permission, ScopeDecl, ScopeRequirement, Tier, User,
};

/// `h` hours after a fixed instant (2026-11-02 09:00 UTC).
pub fn t(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap() + Duration::hours(h)
}

/// An English-speaking account on Sales Hub Professional.
pub fn account() -> Account {
    Account {
        id: "1".into(),
        name: "Acme".into(),
        default_language: "en".into(),
        time_zone: "UTC".into(),
        subscriptions: [(Hub::Sales, Tier::Professional)].into(),
        api_limit_increases: 0,
    }
}

pub fn user(id: &str, super_admin: bool, marketplace: bool, active: bool) -> User {
    User {
        id: id.into(),
        name: format!("User {id}"),
        email: format!("{id}@example.com"),
        active,
        super_admin,
        permissions: if marketplace { [Permission::AppMarketplaceAccess].into() } else { BTreeSet::new() },
        platform_user_id: None,
    }
}

fn scope(name: &str, requirement: ScopeRequirement) -> ScopeDecl {
    ScopeDecl { name: name.into(), requirement, requires: None }
}

/// A status-reporting marketplace app named like its id in capitals, with a required, a
/// conditionally required and an optional scope.
pub fn app(id: &str, level: AppLevel) -> App {
    App {
        id: id.into(),
        name: id.to_uppercase(),
        provider: "Vendor".into(),
        built_by_vendor_platform: false,
        distribution: Distribution::Marketplace,
        level,
        reports_status: true,
        scopes: vec![
            scope("crm.objects.contacts.read", ScopeRequirement::Required),
            scope("crm.objects.contacts.write", ScopeRequirement::ConditionallyRequired),
            scope("crm.objects.deals.read", ScopeRequirement::Optional),
        ],
        features: vec![],
        workflow_actions: vec![],
        post_uninstall_steps: vec![],
    }
}

/// A cycle of payload-free events that each connection can walk from "connected", over and
/// over: every step is a valid transition.
pub const CYCLE: [ActivityType; 6] = [
    ActivityType::AppActivity,
    ActivityType::Disconnected,
    ActivityType::Reconnected,
    ActivityType::AppActivity,
    ActivityType::ConnectionExpired,
    ActivityType::Connected,
];
