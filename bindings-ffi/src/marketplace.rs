//! The marketplace (M1–M5, H4, W1–W2) and learning content (O5): listings, search,
//! recommendations, install verdicts, workflow actions, and connecting from the workflow editor.

use std::sync::Arc;

use connected_apps::access::Upgrade;
use connected_apps::marketplace::{
    DataPrivacy, Filters, InstallPermission, InstallVerdict, LearningItem, LearningKind, LearningSection,
    LearningTopic, Listing, PricingFilter, PricingPlan, Recommendation, Requirements, Resources, SearchHit,
    SearchQuery, SearchResults, SharedData, SupportedBy, SyncDirection, WorkflowActionGroup, WorkflowAppHit,
};
use connected_apps::{AppId, HubTier, Outcome, UserId, WorkflowAction};

use crate::engine::AccountEngine;
use crate::error::{ConnectedAppsError, catching_panics};
use crate::types::{Count, Timestamp};

/// What the account and the app need before installing (M1).
#[uniffi::remote(Record)]
pub struct Requirements {
    pub subscriptions: Vec<HubTier>,
    pub app_requirements: Option<String>,
}

/// Who supports an app (M1).
#[uniffi::remote(Enum)]
pub enum SupportedBy {
    Provider,
    VendorPlatform,
}

/// Documentation, setup guide, contact and support (M1).
#[uniffi::remote(Record)]
pub struct Resources {
    pub documentation: Option<String>,
    pub setup_guide: Option<String>,
    pub provider_contact: Option<String>,
    pub supported_by: SupportedBy,
}

/// Data privacy of a listing (M1).
#[uniffi::remote(Record)]
pub struct DataPrivacy {
    pub platform_policy_applies: bool,
    pub provider_policy: Option<String>,
}

/// A pricing plan (M1): prices per month in `currency`, billed monthly or annually (the annual
/// price shown per monthly cycle); all given prices zero means free.
#[uniffi::remote(Record)]
pub struct PricingPlan {
    pub name: String,
    pub currency: String,
    pub monthly: Option<f64>,
    pub annual_monthly: Option<f64>,
    pub free_trial_days: u32,
}

/// Which way a CRM object's data flows between the app and the CRM (M1).
#[uniffi::remote(Enum)]
pub enum SyncDirection {
    IntoCrm,
    OutOfCrm,
    TwoWay,
}

/// The data a listing shares for one CRM object (M1).
#[uniffi::remote(Record)]
pub struct SharedData {
    pub object: String,
    pub direction: SyncDirection,
}

/// A marketplace listing (M1).
#[uniffi::remote(Record)]
pub struct Listing {
    pub app: AppId,
    pub name: String,
    pub provider: String,
    pub tagline: String,
    pub description: String,
    pub total_installs: u64,
    pub categories: Vec<String>,
    pub collections: Vec<String>,
    pub features: Vec<String>,
    pub requirements: Requirements,
    pub resources: Resources,
    pub data_privacy: DataPrivacy,
    pub pricing: Vec<PricingPlan>,
    pub shared_data: Vec<SharedData>,
    pub languages: Vec<String>,
    pub certified: bool,
    pub workflow_actions: Vec<WorkflowAction>,
}

/// The pricing filter (M3).
#[uniffi::remote(Enum)]
pub enum PricingFilter {
    Free,
    Paid,
    FreeTrial,
}

/// Search filters (M3), combined with AND; empty lists filter nothing.
#[uniffi::remote(Record)]
pub struct Filters {
    pub collections: Vec<String>,
    pub categories: Vec<String>,
    pub pricing: Vec<PricingFilter>,
    pub features: Vec<String>,
    pub offers_workflow_actions: bool,
}

/// A search (M2): business need or app name, filters, and the page wanted.
#[uniffi::remote(Record)]
pub struct SearchQuery {
    pub text: String,
    pub filters: Filters,
    pub offset: Count,
    pub limit: Count,
}

/// One search result.
#[uniffi::remote(Record)]
pub struct SearchHit {
    pub app: AppId,
    pub name: String,
    pub score: u32,
    pub language_match: bool,
}

/// A page of search results, and how many listings match in all.
#[uniffi::remote(Record)]
pub struct SearchResults {
    pub total: Count,
    pub hits: Vec<SearchHit>,
}

/// Whether the user may install an app themselves (I1) or must ask one of these admins (I2).
#[uniffi::remote(Enum)]
pub enum InstallPermission {
    Install,
    Request { admins: Vec<UserId> },
}

/// Whether this account and user can install a listing now.
#[uniffi::remote(Record)]
pub struct InstallVerdict {
    pub app: AppId,
    pub already_connected: bool,
    pub upgrades: Vec<Upgrade>,
    pub app_requirements: Option<String>,
    pub permission: InstallPermission,
    pub can_install_now: bool,
}

/// A recommended listing (H4).
#[uniffi::remote(Record)]
pub struct Recommendation {
    pub app: AppId,
    pub name: String,
    pub affinity: u32,
    pub language_match: bool,
    pub total_installs: u64,
}

/// The workflow actions of one connected app, under its name (W1).
#[uniffi::remote(Record)]
pub struct WorkflowActionGroup {
    pub app: AppId,
    pub app_name: String,
    pub actions: Vec<WorkflowAction>,
}

/// A listing found from the workflow editor, with whether this user can install it (W2).
#[uniffi::remote(Record)]
pub struct WorkflowAppHit {
    pub hit: SearchHit,
    pub verdict: InstallVerdict,
}

/// The format of a learning item.
#[uniffi::remote(Enum)]
pub enum LearningKind {
    Video,
    Article,
    Course,
    Guide,
    Webinar,
}

/// A theme of the connection-insights area.
#[uniffi::remote(Enum)]
pub enum LearningTopic {
    GeneralBestPractice,
    IntegrationBehaviour,
    ConnectionHealth,
}

/// A learning resource supplied by the host (O5).
#[uniffi::remote(Record)]
pub struct LearningItem {
    pub title: String,
    pub link: String,
    pub kind: LearningKind,
    pub apps: Vec<AppId>,
    pub categories: Vec<String>,
    pub topics: Vec<LearningTopic>,
    pub language: String,
}

/// A section of the connection-insights learning area.
#[uniffi::remote(Record)]
pub struct LearningSection {
    pub topic: LearningTopic,
    pub items: Vec<LearningItem>,
}

/// The marketplace's listings, indexed for search. Immutable once built.
#[derive(uniffi::Object)]
pub struct Marketplace {
    pub(crate) inner: connected_apps::Marketplace,
}

#[uniffi::export]
impl Marketplace {
    /// Validates and indexes `listings`.
    #[uniffi::constructor]
    pub fn new(listings: Vec<Listing>) -> Result<Arc<Self>, ConnectedAppsError> {
        catching_panics(|| Ok(Arc::new(Self { inner: connected_apps::Marketplace::new(listings)? })))
    }

    /// Reads listings from a JSON array.
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>, ConnectedAppsError> {
        catching_panics(|| Ok(Arc::new(Self { inner: connected_apps::Marketplace::from_json(&json)? })))
    }

    /// Every listing, in the order given.
    pub fn listings(&self) -> Result<Vec<Listing>, ConnectedAppsError> {
        catching_panics(|| Ok(self.inner.listings().to_vec()))
    }

    /// The listing of an app.
    pub fn listing(&self, app: AppId) -> Result<Option<Listing>, ConnectedAppsError> {
        catching_panics(|| Ok(self.inner.listing(&app).cloned()))
    }

    /// The category filter's values.
    pub fn categories(&self) -> Result<Vec<String>, ConnectedAppsError> {
        catching_panics(|| Ok(self.inner.categories()))
    }

    /// The collection filter's values.
    pub fn collections(&self) -> Result<Vec<String>, ConnectedAppsError> {
        catching_panics(|| Ok(self.inner.collections()))
    }

    /// The feature filter's values.
    pub fn features(&self) -> Result<Vec<String>, ConnectedAppsError> {
        catching_panics(|| Ok(self.inner.features()))
    }

    /// Searches the certified listings (M2–M5) for an account whose default language is
    /// `language` (listings in it come first, M4).
    pub fn search(&self, query: SearchQuery, language: String) -> Result<SearchResults, ConnectedAppsError> {
        catching_panics(|| Ok(self.inner.search(&query, &language)?))
    }

    /// Whether `engine`'s account and `user` can install the listing of `app` now.
    pub fn install_verdict(
        &self,
        engine: Arc<AccountEngine>,
        app: AppId,
        user: UserId,
    ) -> Result<InstallVerdict, ConnectedAppsError> {
        engine.read(|e| Ok(self.inner.install_verdict(e.directory(), e.state(), &app, &user)?))
    }

    /// Up to `limit` recommendations for `engine`'s account (H4).
    pub fn recommendations(
        &self,
        engine: Arc<AccountEngine>,
        limit: Count,
    ) -> Result<Vec<Recommendation>, ConnectedAppsError> {
        engine.read(|e| Ok(self.inner.recommendations(e.directory(), e.state(), limit)))
    }

    /// Searches the listings offering workflow actions, with each one's install verdict for
    /// `user` (W2).
    pub fn workflow_search(
        &self,
        engine: Arc<AccountEngine>,
        user: UserId,
        text: String,
        limit: Count,
    ) -> Result<Vec<WorkflowAppHit>, ConnectedAppsError> {
        engine.read(|e| Ok(self.inner.workflow_search(e.directory(), e.state(), &user, &text, limit)?))
    }
}

#[uniffi::export]
impl AccountEngine {
    /// The workflow actions of the connected apps, grouped under each app's name (W1).
    pub fn workflow_actions(&self, now: Timestamp) -> Result<Vec<WorkflowActionGroup>, ConnectedAppsError> {
        self.read(|engine| Ok(connected_apps::workflow_actions(engine.directory(), engine.state(), now)))
    }

    /// Starts connecting `app` from the workflow editor (W2): an ordinary install by `user`, or
    /// an install request when the user may not install.
    pub fn connect_from_workflow(
        &self,
        marketplace: Arc<Marketplace>,
        app: AppId,
        user: UserId,
        now: Timestamp,
    ) -> Result<Outcome, ConnectedAppsError> {
        self.write(|engine| Ok(connected_apps::connect_from_workflow(engine, &marketplace.inner, &app, &user, now)?))
    }
}

/// Learning resources supplied by the host, selected and ordered for pages (O5).
#[derive(uniffi::Object)]
pub struct LearningLibrary {
    inner: connected_apps::LearningLibrary,
}

#[uniffi::export]
impl LearningLibrary {
    /// Validates `items`.
    #[uniffi::constructor]
    pub fn new(items: Vec<LearningItem>) -> Result<Arc<Self>, ConnectedAppsError> {
        catching_panics(|| Ok(Arc::new(Self { inner: connected_apps::LearningLibrary::new(items)? })))
    }

    /// Every item, in the order given.
    pub fn items(&self) -> Result<Vec<LearningItem>, ConnectedAppsError> {
        catching_panics(|| Ok(self.inner.items().to_vec()))
    }

    /// Up to `limit` items for the overview of `app` (O5), whose marketplace categories are
    /// `categories`, for an account speaking `language`.
    pub fn for_app(
        &self,
        app: AppId,
        categories: Vec<String>,
        language: String,
        limit: Count,
    ) -> Result<Vec<LearningItem>, ConnectedAppsError> {
        catching_panics(|| Ok(self.inner.for_app(&app, &categories, &language, limit)))
    }

    /// The connection-insights sections, each with up to `limit` items.
    pub fn for_insights(&self, language: String, limit: Count) -> Result<Vec<LearningSection>, ConnectedAppsError> {
        catching_panics(|| Ok(self.inner.for_insights(&language, limit)))
    }
}

/// Whether a listing has a free plan.
#[uniffi::export]
pub fn listing_has_free_plan(listing: Listing) -> bool {
    listing.has_free_plan()
}

/// Whether a listing has a paid plan.
#[uniffi::export]
pub fn listing_has_paid_plan(listing: Listing) -> bool {
    listing.has_paid_plan()
}

/// Whether a listing offers a free trial.
#[uniffi::export]
pub fn listing_has_free_trial(listing: Listing) -> bool {
    listing.has_free_trial()
}

/// The yearly cost of a plan billed annually (`annual_monthly` × 12).
#[uniffi::export]
pub fn pricing_plan_annual_total(plan: PricingPlan) -> Option<f64> {
    plan.annual_total()
}
