//! Learning content (O5): the host supplies the items; the library selects and orders them.
//!
//! # Order
//! - **For one app's overview** ([`LearningLibrary::for_app`]): items naming the app first, then
//!   items sharing one of its categories (others are left out); within each, items in the
//!   account's language, then in English, then in any other language; then by title (folded)
//!   and link.
//! - **For the connection-insights area** ([`LearningLibrary::for_insights`]): one section per
//!   topic, in the order general best practice, integration behaviour, keeping connections
//!   healthy; an item appears under each topic it names. Within a section: account language,
//!   English, others; then general items (naming no app) before app-specific ones; then title
//!   and link.

use serde::{Deserialize, Serialize};

use super::fold::normalise;
use crate::catalog::AppId;
use crate::marketplace::error::MarketplaceError;

/// The format of a learning item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LearningKind {
    /// A video.
    Video,
    /// An article.
    Article,
    /// A course.
    Course,
    /// A step-by-step guide.
    Guide,
    /// A webinar.
    Webinar,
}

/// A theme of the connection-insights area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LearningTopic {
    /// General best practice with connected apps.
    GeneralBestPractice,
    /// How integrations behave (syncs, scopes, limits).
    IntegrationBehaviour,
    /// Keeping connections healthy.
    ConnectionHealth,
}

impl LearningTopic {
    /// Every topic, in section order.
    pub const ALL: [Self; 3] = [Self::GeneralBestPractice, Self::IntegrationBehaviour, Self::ConnectionHealth];
}

/// A learning resource supplied by the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearningItem {
    /// Title.
    pub title: String,
    /// Link.
    pub link: String,
    /// Video, article, …
    pub kind: LearningKind,
    /// Apps it concerns.
    #[serde(default)]
    pub apps: Vec<AppId>,
    /// Marketplace categories it concerns.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Insight topics it covers.
    #[serde(default)]
    pub topics: Vec<LearningTopic>,
    /// Its language (ISO 639-1).
    pub language: String,
}

/// A section of the connection-insights learning area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearningSection {
    /// The topic.
    pub topic: LearningTopic,
    /// Its items, in order.
    pub items: Vec<LearningItem>,
}

/// The host's learning items, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LearningLibrary {
    items: Vec<LearningItem>,
}

impl LearningLibrary {
    /// Validates `items`: non-empty title and link, a two-letter lowercase language.
    ///
    /// # Errors
    /// [`MarketplaceError::InvalidLearningItem`] for the first bad item (by position).
    pub fn new(items: Vec<LearningItem>) -> Result<Self, MarketplaceError> {
        for (index, item) in items.iter().enumerate() {
            let invalid = |reason: String| Err(MarketplaceError::InvalidLearningItem { index, reason });
            if item.title.trim().is_empty() {
                return invalid("empty title".into());
            }
            if item.link.trim().is_empty() {
                return invalid(format!("item {:?} has an empty link", item.title));
            }
            if !super::is_language_code(&item.language) {
                return invalid(format!("language {:?} is not a two-letter iso 639-1 code", item.language));
            }
        }
        Ok(Self { items })
    }

    /// Every item, in the order given.
    #[must_use]
    pub fn items(&self) -> &[LearningItem] {
        &self.items
    }

    /// Up to `limit` items for the overview of `app`, whose marketplace categories are
    /// `categories`, for an account speaking `language`; see the module documentation.
    #[must_use]
    pub fn for_app(&self, app: &AppId, categories: &[String], language: &str, limit: usize) -> Vec<LearningItem> {
        let wanted: Vec<String> = categories.iter().map(|c| normalise(c)).collect();
        let mut picked: Vec<(u8, u8, String, &LearningItem)> = self
            .items
            .iter()
            .filter_map(|item| {
                let relevance = if item.apps.contains(app) {
                    0
                } else if item.categories.iter().any(|c| wanted.contains(&normalise(c))) {
                    1
                } else {
                    return None;
                };
                Some((relevance, language_rank(item, language), normalise(&item.title), item))
            })
            .collect();
        picked.sort_by(|a, b| (a.0, a.1, &a.2, &a.3.link).cmp(&(b.0, b.1, &b.2, &b.3.link)));
        picked.into_iter().take(limit).map(|(.., item)| item.clone()).collect()
    }

    /// The connection-insights sections, each with up to `limit` items; see the module
    /// documentation. Topics without items are left out.
    #[must_use]
    pub fn for_insights(&self, language: &str, limit: usize) -> Vec<LearningSection> {
        LearningTopic::ALL
            .into_iter()
            .filter_map(|topic| {
                let mut picked: Vec<(u8, bool, String, &LearningItem)> = self
                    .items
                    .iter()
                    .filter(|item| item.topics.contains(&topic))
                    .map(|item| (language_rank(item, language), !item.apps.is_empty(), normalise(&item.title), item))
                    .collect();
                picked.sort_by(|a, b| (a.0, a.1, &a.2, &a.3.link).cmp(&(b.0, b.1, &b.2, &b.3.link)));
                let items: Vec<LearningItem> = picked.into_iter().take(limit).map(|(.., item)| item.clone()).collect();
                (!items.is_empty()).then_some(LearningSection { topic, items })
            })
            .collect()
    }
}

/// 0 for the account's language, 1 for English, 2 for any other.
fn language_rank(item: &LearningItem, language: &str) -> u8 {
    if item.language == language {
        0
    } else if item.language == "en" {
        1
    } else {
        2
    }
}
