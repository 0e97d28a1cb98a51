//! The marketplace (M1–M5, H4), learning content (O5) and workflow actions (W1, W2).
//!
//! A [`Marketplace`] is built once from the host's listings ([`Marketplace::new`] validates every
//! one and indexes them); searches, install verdicts and recommendations are then pure reads.
//! See [`search`] for the relevance order, [`install`] for verdicts and recommendations,
//! [`learning`] and [`workflows`] for O5 and W1–W2.

pub mod error;
mod fold;
pub mod install;
pub mod learning;
pub mod search;
pub mod workflows;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::account::HubTier;
use crate::catalog::{AppId, WorkflowAction};
use crate::limits::MAX_LISTINGS;

pub use error::MarketplaceError;
pub use install::{InstallPermission, InstallVerdict, Recommendation};
pub use learning::{LearningItem, LearningKind, LearningLibrary, LearningSection, LearningTopic};
pub use search::{Filters, MAX_QUERY_CHARS, MAX_QUERY_TERMS, PricingFilter, SearchHit, SearchQuery, SearchResults};
pub use workflows::{WorkflowActionGroup, WorkflowAppHit, workflow_actions};

/// What the account and the app need before installing (M1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirements {
    /// The subscriptions the account needs: each hub at least at its tier.
    #[serde(default)]
    pub subscriptions: Vec<HubTier>,
    /// What the app itself needs (e.g. "a paid Acme account"), as the provider words it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_requirements: Option<String>,
}

/// Who supports an app (M1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportedBy {
    /// The app's provider.
    Provider,
    /// The CRM's own maker (the vendor platform).
    VendorPlatform,
}

/// Documentation, setup guide, contact and support (M1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resources {
    /// Documentation link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<String>,
    /// Setup guide link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup_guide: Option<String>,
    /// How to contact the provider (e-mail address or link).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_contact: Option<String>,
    /// Who supports the app.
    pub supported_by: SupportedBy,
}

/// Data privacy of a listing (M1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataPrivacy {
    /// Whether the platform's own privacy policy applies (vendor-built apps).
    pub platform_policy_applies: bool,
    /// The provider's privacy policy link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_policy: Option<String>,
}

/// A pricing plan (M1). Prices are per month in `currency`: `monthly` when billed monthly,
/// `annual_monthly` when billed annually (the annual price shown per monthly cycle). A plan
/// whose given prices are all zero is free.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PricingPlan {
    /// Plan name.
    pub name: String,
    /// ISO 4217 currency code, e.g. `USD`.
    pub currency: String,
    /// Price per month, billed monthly; `None` when the plan is not billed monthly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly: Option<f64>,
    /// Price per month, billed annually; `None` when the plan is not billed annually.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual_monthly: Option<f64>,
    /// Length of the free trial in days; 0 for none.
    #[serde(default)]
    pub free_trial_days: u32,
}

impl PricingPlan {
    /// Whether the plan costs nothing.
    #[must_use]
    pub fn is_free(&self) -> bool {
        self.monthly.iter().chain(self.annual_monthly.iter()).all(|p| *p == 0.0)
    }

    /// The yearly cost when billed annually (`annual_monthly` × 12).
    #[must_use]
    pub fn annual_total(&self) -> Option<f64> {
        self.annual_monthly.map(|p| p * 12.0)
    }
}

/// Which way a CRM object's data flows between the app and the CRM (M1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncDirection {
    /// One way, from the app into the CRM.
    IntoCrm,
    /// One way, from the CRM out to the app.
    OutOfCrm,
    /// Both ways.
    TwoWay,
}

/// The data a listing shares for one CRM object (M1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedData {
    /// The CRM object, e.g. `contacts`, `deals`.
    pub object: String,
    /// Its direction.
    pub direction: SyncDirection,
}

/// A marketplace listing (M1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listing {
    /// The app listed.
    pub app: AppId,
    /// App name.
    pub name: String,
    /// Provider (vendor).
    pub provider: String,
    /// One-line summary of the business need it serves.
    #[serde(default)]
    pub tagline: String,
    /// Longer description.
    #[serde(default)]
    pub description: String,
    /// Installs across all accounts.
    #[serde(default)]
    pub total_installs: u64,
    /// Categories, e.g. `Sales`, `Marketing`.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Curated collections, e.g. `Built by the vendor platform`.
    #[serde(default)]
    pub collections: Vec<String>,
    /// Features, e.g. `Two-way sync`.
    #[serde(default)]
    pub features: Vec<String>,
    /// What the account and the app need.
    #[serde(default)]
    pub requirements: Requirements,
    /// Documentation, setup guide, contact, support.
    pub resources: Resources,
    /// Data privacy.
    pub data_privacy: DataPrivacy,
    /// Pricing plans.
    #[serde(default)]
    pub pricing: Vec<PricingPlan>,
    /// Shared data per CRM object.
    #[serde(default)]
    pub shared_data: Vec<SharedData>,
    /// Languages of the listing (ISO 639-1 codes).
    #[serde(default)]
    pub languages: Vec<String>,
    /// Certified and approved (M5): only certified listings are searched and recommended.
    pub certified: bool,
    /// Actions the app offers to workflows once connected (W1, W2).
    #[serde(default)]
    pub workflow_actions: Vec<WorkflowAction>,
}

impl Listing {
    /// Checks the listing: non-empty app id, name and provider; finite, non-negative prices on
    /// plans that name a price; two-letter lowercase language codes; non-empty categories,
    /// collections, features and shared-data objects.
    ///
    /// # Errors
    /// [`MarketplaceError::InvalidListing`] naming the listing and what is wrong.
    pub fn validate(&self) -> Result<(), MarketplaceError> {
        let invalid = |reason: String| Err(MarketplaceError::InvalidListing { app: self.app.clone(), reason });
        if self.app.as_str().trim().is_empty() {
            return invalid("empty app id".into());
        }
        if self.name.trim().is_empty() {
            return invalid("empty name".into());
        }
        if self.provider.trim().is_empty() {
            return invalid("empty provider".into());
        }
        for plan in &self.pricing {
            if plan.name.trim().is_empty() {
                return invalid("pricing plan with an empty name".into());
            }
            if plan.monthly.is_none() && plan.annual_monthly.is_none() {
                return invalid(format!("pricing plan {:?} has no price", plan.name));
            }
            if let Some(bad) =
                plan.monthly.iter().chain(plan.annual_monthly.iter()).find(|p| !p.is_finite() || **p < 0.0)
            {
                return invalid(format!(
                    "pricing plan {:?} has price {bad}, not a finite non-negative amount",
                    plan.name
                ));
            }
        }
        if let Some(lang) = self.languages.iter().find(|l| !is_language_code(l)) {
            return invalid(format!("language {lang:?} is not a two-letter iso 639-1 code"));
        }
        let labels = self.categories.iter().chain(&self.collections).chain(&self.features);
        if labels.chain(self.shared_data.iter().map(|d| &d.object)).any(|l| l.trim().is_empty()) {
            return invalid("empty category, collection, feature or shared-data object".into());
        }
        Ok(())
    }

    /// Whether a plan is free.
    #[must_use]
    pub fn has_free_plan(&self) -> bool {
        self.pricing.iter().any(PricingPlan::is_free)
    }

    /// Whether a plan costs money.
    #[must_use]
    pub fn has_paid_plan(&self) -> bool {
        self.pricing.iter().any(|p| !p.is_free())
    }

    /// Whether a plan offers a free trial.
    #[must_use]
    pub fn has_free_trial(&self) -> bool {
        self.pricing.iter().any(|p| p.free_trial_days > 0)
    }
}

fn is_language_code(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase())
}

/// The account languages whose listings come first in search results (M4).
pub const PRIORITY_LANGUAGES: [&str; 7] = ["es", "fr", "de", "pt", "ja", "nl", "it"];

/// The listings of the marketplace, validated and indexed for search (M1–M5).
#[derive(Debug, Clone)]
pub struct Marketplace {
    listings: Vec<Listing>,
    by_app: HashMap<AppId, u32>,
    index: search::Index,
}

impl Marketplace {
    /// Validates and indexes `listings`.
    ///
    /// # Errors
    /// [`MarketplaceError::TooManyListings`] for more than [`MAX_LISTINGS`] listings, else
    /// [`MarketplaceError::InvalidListing`] or [`MarketplaceError::DuplicateListing`] for the
    /// first bad listing; nothing is built.
    pub fn new(listings: Vec<Listing>) -> Result<Self, MarketplaceError> {
        Self::with_max_listings(listings, MAX_LISTINGS)
    }

    /// [`Marketplace::new`] refusing more than `max_listings` listings (at most
    /// [`MAX_LISTINGS`]). For the core's own tests: the limit is reached without 2^30 listings.
    ///
    /// # Errors
    /// As [`Marketplace::new`].
    #[doc(hidden)]
    pub fn with_max_listings(listings: Vec<Listing>, max_listings: usize) -> Result<Self, MarketplaceError> {
        // Before any listing is read: positions (and the index's postings) must fit.
        if listings.len() > max_listings.min(MAX_LISTINGS) {
            return Err(MarketplaceError::TooManyListings(listings.len()));
        }
        let mut by_app = HashMap::with_capacity(listings.len());
        for (i, listing) in listings.iter().enumerate() {
            listing.validate()?;
            let pos = u32::try_from(i).map_err(|_| MarketplaceError::TooManyListings(listings.len()))?;
            if by_app.insert(listing.app.clone(), pos).is_some() {
                return Err(MarketplaceError::DuplicateListing(listing.app.clone()));
            }
        }
        let index = search::Index::build(&listings);
        Ok(Self { listings, by_app, index })
    }

    /// Reads listings from a JSON array (the format of `examples/data/marketplace.json`).
    ///
    /// # Errors
    /// [`MarketplaceError::Json`] for malformed JSON, else as [`Marketplace::new`].
    pub fn from_json(text: &str) -> Result<Self, MarketplaceError> {
        let listings: Vec<Listing> = serde_json::from_str(text).map_err(|e| MarketplaceError::Json(e.to_string()))?;
        Self::new(listings)
    }

    /// Every listing, in the order given.
    #[must_use]
    pub fn listings(&self) -> &[Listing] {
        &self.listings
    }

    /// The listing of an app.
    #[must_use]
    pub fn listing(&self, app: &AppId) -> Option<&Listing> {
        self.position(app).and_then(|i| self.listings.get(i))
    }

    fn position(&self, app: &AppId) -> Option<usize> {
        self.by_app.get(app).map(|&i| i as usize)
    }

    /// The distinct categories of the certified listings (the category filter's values), as
    /// first written, sorted by folded form.
    #[must_use]
    pub fn categories(&self) -> Vec<String> {
        self.index.vocabulary(search::Facet::Category)
    }

    /// The distinct collections of the certified listings.
    #[must_use]
    pub fn collections(&self) -> Vec<String> {
        self.index.vocabulary(search::Facet::Collection)
    }

    /// The distinct features of the certified listings.
    #[must_use]
    pub fn features(&self) -> Vec<String> {
        self.index.vocabulary(search::Facet::Feature)
    }
}
