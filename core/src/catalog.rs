//! App entries (C1): what an app is, at which level it connects, what it asks for and offers.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::account::HubTier;
use crate::directory::error::DirectoryError;

pub use crate::ids::AppId;

/// At which level an app connects (C1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppLevel {
    /// One connection for the whole account.
    AccountLevel,
    /// Each user connects their own account of the app.
    UserLevel,
    /// Several accounts of the app (e.g. social networks) behind one install; status is read on
    /// the app's own page, never on the home.
    MultiAccount,
}

/// Where an app is distributed (M5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    /// Listed on the marketplace, certified and approved.
    Marketplace,
    /// Connected from outside the marketplace through the open APIs (private or unlisted).
    OffMarketplace,
}

/// How strongly an app asks for a scope (the platform's OAuth model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeRequirement {
    /// Always requested; install fails without it.
    Required,
    /// Required only when present in the install request.
    ConditionallyRequired,
    /// The installer may decline it.
    Optional,
}

/// A scope an app declares (C1, O3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeDecl {
    /// Scope name, e.g. `crm.objects.contacts.read`.
    pub name: String,
    /// Required, conditionally required or optional.
    pub requirement: ScopeRequirement,
    /// Subscription the scope needs, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires: Option<HubTier>,
}

/// A feature of an app and the scopes it needs (C1, O3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Feature {
    /// Feature name shown to users.
    pub name: String,
    /// Declared scopes the feature needs.
    pub scopes: Vec<String>,
    /// Subscription the feature needs, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires: Option<HubTier>,
}

/// An action an app offers to workflows (W1).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowAction {
    /// Stable action id.
    pub id: String,
    /// Label shown in the workflow editor.
    pub name: String,
}

/// An app the account can connect (C1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct App {
    /// App id.
    pub id: AppId,
    /// App name.
    pub name: String,
    /// Provider (vendor) of the app.
    pub provider: String,
    /// Built by the CRM's own maker (e.g. its Salesforce or Gmail integration).
    #[serde(default)]
    pub built_by_vendor_platform: bool,
    /// Marketplace-listed or off-marketplace.
    pub distribution: Distribution,
    /// Account-level, user-level or multi-account.
    pub level: AppLevel,
    /// Whether the app reports its connection status; the others show no status (H2).
    #[serde(default)]
    pub reports_status: bool,
    /// Declared scopes.
    #[serde(default)]
    pub scopes: Vec<ScopeDecl>,
    /// Features and the scopes they need.
    #[serde(default)]
    pub features: Vec<Feature>,
    /// Actions offered to workflows once connected (W1).
    #[serde(default)]
    pub workflow_actions: Vec<WorkflowAction>,
    /// Extra steps the user must take after uninstalling (I6).
    #[serde(default)]
    pub post_uninstall_steps: Vec<String>,
}

/// Whether `name` is a well-formed scope name: dot-separated segments of lowercase ASCII
/// letters, digits, `-` or `_`, e.g. `crm.objects.contacts.read`.
#[must_use]
pub fn is_scope_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|segment| {
            !segment.is_empty()
                && segment.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        })
}

impl App {
    /// The required scopes that `granted` lacks, in declaration order: what reauthenticating
    /// grants by default (I8), and what an install without consented scopes grants.
    #[must_use]
    pub fn pending_scopes(&self, granted: &BTreeSet<String>) -> Vec<String> {
        self.scopes
            .iter()
            .filter(|s| s.requirement == ScopeRequirement::Required && !granted.contains(&s.name))
            .map(|s| s.name.clone())
            .collect()
    }

    /// Whether `granted` lacks a required scope of this app (an update is available).
    #[must_use]
    pub fn has_pending_scopes(&self, granted: &BTreeSet<String>) -> bool {
        self.scopes.iter().any(|s| s.requirement == ScopeRequirement::Required && !granted.contains(&s.name))
    }

    /// Checks the entry: non-empty id, name and provider; well-formed, unique scope names;
    /// features naming only declared scopes.
    ///
    /// # Errors
    /// [`DirectoryError::InvalidApp`] naming the app and what is wrong.
    pub fn validate(&self) -> Result<(), DirectoryError> {
        let invalid = |reason: String| DirectoryError::InvalidApp { app: self.id.clone(), reason };
        if self.id.0.trim().is_empty() {
            return Err(invalid("empty app id".into()));
        }
        if self.name.trim().is_empty() {
            return Err(invalid("empty name".into()));
        }
        if self.provider.trim().is_empty() {
            return Err(invalid("empty provider".into()));
        }
        let mut seen = BTreeSet::new();
        for scope in &self.scopes {
            if !is_scope_name(&scope.name) {
                return Err(invalid(format!("malformed scope name {:?}", scope.name)));
            }
            if !seen.insert(scope.name.as_str()) {
                return Err(invalid(format!("scope {:?} declared twice", scope.name)));
            }
        }
        for feature in &self.features {
            if let Some(undeclared) = feature.scopes.iter().find(|s| !seen.contains(s.as_str())) {
                return Err(invalid(format!("feature {:?} names undeclared scope {undeclared:?}", feature.name)));
            }
        }
        Ok(())
    }

    /// The scopes an install must grant: required ones, plus conditionally required ones that
    /// the install request contains.
    pub fn required_scopes<'a>(&'a self, requested: &'a BTreeSet<String>) -> impl Iterator<Item = &'a str> + 'a {
        self.scopes.iter().filter_map(move |s| match s.requirement {
            ScopeRequirement::Required => Some(s.name.as_str()),
            ScopeRequirement::ConditionallyRequired if requested.contains(&s.name) => Some(s.name.as_str()),
            _ => None,
        })
    }

    /// Whether the app declares `scope`.
    #[must_use]
    pub fn declares(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s.name == scope)
    }
}

impl fmt::Display for AppLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::AccountLevel => "account-level",
            Self::UserLevel => "user-level",
            Self::MultiAccount => "multi-account",
        })
    }
}
