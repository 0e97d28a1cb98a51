//! App entries (C1) as they cross the FFI; see `account.rs` for how remote types keep parity.

use connected_apps::{
    App, AppId, AppLevel, Distribution, Feature, HubTier, ScopeDecl, ScopeRequirement, WorkflowAction,
};

/// At which level an app connects (C1): one connection for the account, one per user, or several
/// accounts of the app behind one install.
#[uniffi::remote(Enum)]
pub enum AppLevel {
    AccountLevel,
    UserLevel,
    MultiAccount,
}

/// Where an app is distributed (M5).
#[uniffi::remote(Enum)]
pub enum Distribution {
    Marketplace,
    OffMarketplace,
}

/// How strongly an app asks for a scope.
#[uniffi::remote(Enum)]
pub enum ScopeRequirement {
    Required,
    ConditionallyRequired,
    Optional,
}

/// A scope an app declares (C1, O3), and the subscription it needs, if any.
#[uniffi::remote(Record)]
pub struct ScopeDecl {
    pub name: String,
    pub requirement: ScopeRequirement,
    pub requires: Option<HubTier>,
}

/// A feature of an app, the declared scopes it needs and the subscription it needs, if any.
#[uniffi::remote(Record)]
pub struct Feature {
    pub name: String,
    pub scopes: Vec<String>,
    pub requires: Option<HubTier>,
}

/// An action an app offers to workflows once connected (W1).
#[uniffi::remote(Record)]
pub struct WorkflowAction {
    pub id: String,
    pub name: String,
}

/// An app the account can connect (C1).
#[uniffi::remote(Record)]
pub struct App {
    pub id: AppId,
    pub name: String,
    pub provider: String,
    pub built_by_vendor_platform: bool,
    pub distribution: Distribution,
    pub level: AppLevel,
    pub reports_status: bool,
    pub scopes: Vec<ScopeDecl>,
    pub features: Vec<Feature>,
    pub workflow_actions: Vec<WorkflowAction>,
    pub post_uninstall_steps: Vec<String>,
}
