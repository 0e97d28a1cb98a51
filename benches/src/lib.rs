//! Benchmarks live in this package's `[[bench]]` targets; see `cargo bench -p connected-apps-benches`.
//! This library holds what several of them build the same way.

use connected_apps::{Account, App, AppId, AppLevel, Distribution, Permission, User, UserId};

/// Ends a bench whose setup failed (benches may not panic under the workspace lints).
pub fn setup_failed(bench: &str, what: &str) -> ! {
    eprintln!("{bench} bench: could not build the {what}");
    std::process::exit(1)
}

/// A deterministic xorshift generator, so every run sees the same data.
pub struct Xorshift(pub u64);

impl Xorshift {
    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The benches' account: English, UTC, no subscriptions.
pub fn account() -> Account {
    Account {
        id: "1".into(),
        name: "Bench".into(),
        default_language: "en".into(),
        time_zone: "UTC".into(),
        subscriptions: Default::default(),
        api_limit_increases: 0,
    }
}

/// An active user with App Marketplace Access.
pub fn user(id: String, super_admin: bool) -> User {
    User {
        name: format!("User {id}"),
        email: format!("{id}@bench.test"),
        id: UserId(id),
        active: true,
        super_admin,
        permissions: [Permission::AppMarketplaceAccess].into(),
        platform_user_id: None,
    }
}

/// A marketplace app without scopes or features.
pub fn app(id: String, level: AppLevel, reports_status: bool) -> App {
    App {
        name: format!("App {id}"),
        id: AppId(id),
        provider: "Vendor".into(),
        built_by_vendor_platform: false,
        distribution: Distribution::Marketplace,
        level,
        reports_status,
        scopes: vec![],
        features: vec![],
        workflow_actions: vec![],
        post_uninstall_steps: vec![],
    }
}
