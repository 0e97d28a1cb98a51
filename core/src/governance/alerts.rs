//! Governance policies (G4): alerting on what connected apps do, in audit or enforce mode.
//!
//! A policy is a name, a severity, conditions combined with AND over metrics the engine already
//! has, a mode and the apps it covers. [`evaluate_policies`] is a pure, deterministic function of
//! the directory, the state, the evidence ([`Evidence`]: record insights, API usage, marketplace
//! listings) and `now`; it returns one [`GovernanceAlert`] per (policy, app) whose conditions all
//! hold, with the values observed. **Audit** policies only report; **enforce** policies also
//! disconnect every connection of the app that is not disconnected yet, which
//! [`crate::AccountEngine::apply_governance`] logs as system events (no acting user).
//!
//! # Metrics
//! Every metric is read for an app at `now`; "today" is the account's local day for API calls
//! (as [`crate::UsageReport`] counts them) and the UTC day for records (as
//! [`crate::RecordAggregate`] counts them), with today's calls and records so far.
//!
//! | metric | observed value | condition holds when |
//! |---|---|---|
//! | `api_calls_per_day` | the app's API calls today | observed ≥ `at_least` |
//! | `api_share_of_limit_percent` | the app's calls today × 100 / the daily limit, rounded down | observed ≥ `at_least` |
//! | `records_deleted_per_day` | records the app deleted today | observed ≥ `at_least` |
//! | `records_merged_per_day` | records the app merged today | observed ≥ `at_least` |
//! | `destructive_change` | 1 when the X2 flag is raised for the app today, else 0 | observed = 1 |
//! | `scopes_held` | distinct scopes granted over the app's installed connections | observed ≥ `at_least` |
//! | `holds_scope` | 1 when a connection of the app holds `scope`, else 0 | observed = 1 |
//! | `days_since_last_activity` | whole days since the app's last activity, or since it was installed when it never was active | observed ≥ `at_least` |
//! | `publisher_not_certified` | 1 when the app is off-marketplace or its listing is not certified | observed = 1 |
//! | `shares_data_outward` | 1 when its listing shares an object out of the CRM or both ways | observed = 1 |
//!
//! Numeric metrics need `at_least` within their bounds (see [`GovernanceMetric::bounds`]);
//! the others refuse it. Without usage, API metrics observe 0; without record insights, record
//! metrics observe 0; without a marketplace, `shares_data_outward` observes 0 and
//! `publisher_not_certified` reads the app's distribution only. Only apps with at least one
//! installed connection (uninstalled ones left out) are evaluated.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::account::UserId;
use crate::catalog::{AppId, Distribution, is_scope_name};
use crate::connection::{Connection, ConnectionState};
use crate::event::EventId;
use crate::insights::UsageReport;
use crate::insights::{Grouping, InsightsError, InsightsQuery, InsightsSettings, RecordAction, RecordAggregate};
use crate::kind::ErrorKind;
use crate::lifecycle::LifecycleError;
use crate::limits::{
    MAX_DAILY_CALLS, MAX_GOVERNANCE_POLICIES, MAX_POLICY_CONDITIONS, MAX_POLICY_SCOPES_HELD, MAX_POLICY_THRESHOLD,
    MAX_SHARE_THRESHOLD_PERCENT, MAX_WINDOW_DAYS,
};
use crate::marketplace::{Marketplace, SyncDirection};
use crate::notify::RuleApps;
use crate::state::{Directory, State};

pub use super::model::GovernancePolicyId;

/// How serious a policy's alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth a look.
    Low,
    /// Needs attention.
    Medium,
    /// Needs attention today.
    High,
    /// Needs attention now.
    Critical,
}

/// What a policy does when its conditions hold (G4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GovernanceMode {
    /// Report the alert only.
    Audit,
    /// Report the alert and disconnect the app's connections.
    Enforce,
}

/// A metric a condition reads (see the module's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GovernanceMetric {
    /// The app's API calls today.
    ApiCallsPerDay,
    /// The app's calls today as a share of the daily limit, in whole percent.
    ApiShareOfLimitPercent,
    /// Records the app deleted today.
    RecordsDeletedPerDay,
    /// Records the app merged today.
    RecordsMergedPerDay,
    /// The destructive-change flag (X2) is raised for the app today.
    DestructiveChange,
    /// Distinct scopes granted over the app's installed connections.
    ScopesHeld,
    /// A connection of the app holds the condition's scope.
    HoldsScope,
    /// Whole days since the app's last activity (or install).
    DaysSinceLastActivity,
    /// The app's publisher is not certified.
    PublisherNotCertified,
    /// The app's listing shares data out of the CRM.
    SharesDataOutward,
}

impl GovernanceMetric {
    /// Every metric, in declaration order.
    pub const ALL: [Self; 10] = [
        Self::ApiCallsPerDay,
        Self::ApiShareOfLimitPercent,
        Self::RecordsDeletedPerDay,
        Self::RecordsMergedPerDay,
        Self::DestructiveChange,
        Self::ScopesHeld,
        Self::HoldsScope,
        Self::DaysSinceLastActivity,
        Self::PublisherNotCertified,
        Self::SharesDataOutward,
    ];

    /// The metric's snake-case name, as conditions name it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ApiCallsPerDay => "api_calls_per_day",
            Self::ApiShareOfLimitPercent => "api_share_of_limit_percent",
            Self::RecordsDeletedPerDay => "records_deleted_per_day",
            Self::RecordsMergedPerDay => "records_merged_per_day",
            Self::DestructiveChange => "destructive_change",
            Self::ScopesHeld => "scopes_held",
            Self::HoldsScope => "holds_scope",
            Self::DaysSinceLastActivity => "days_since_last_activity",
            Self::PublisherNotCertified => "publisher_not_certified",
            Self::SharesDataOutward => "shares_data_outward",
        }
    }

    /// The metric a condition names, if any.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == name)
    }

    /// The inclusive range of `at_least` for numeric metrics; `None` for the others, which take
    /// no threshold.
    #[must_use]
    pub fn bounds(self) -> Option<(u64, u64)> {
        match self {
            Self::ApiCallsPerDay => Some((1, MAX_DAILY_CALLS)),
            Self::ApiShareOfLimitPercent => Some((1, u64::from(MAX_SHARE_THRESHOLD_PERCENT))),
            Self::RecordsDeletedPerDay | Self::RecordsMergedPerDay => Some((1, MAX_POLICY_THRESHOLD)),
            Self::ScopesHeld => Some((1, MAX_POLICY_SCOPES_HELD)),
            Self::DaysSinceLastActivity => Some((1, u64::from(MAX_WINDOW_DAYS))),
            Self::DestructiveChange | Self::HoldsScope | Self::PublisherNotCertified | Self::SharesDataOutward => None,
        }
    }
}

impl fmt::Display for GovernanceMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One condition of a policy: a metric by name, with its threshold or scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernanceCondition {
    /// The metric's name (see [`GovernanceMetric::as_str`]); an unknown name is refused.
    pub metric: String,
    /// For numeric metrics, the value the observation must reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<u64>,
    /// For `holds_scope`, the scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// A governance policy (G4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernancePolicy {
    /// Stable id.
    pub id: GovernancePolicyId,
    /// Name shown to admins.
    pub name: String,
    /// How serious its alerts are.
    pub severity: Severity,
    /// Conditions, all of which must hold (1 to [`MAX_POLICY_CONDITIONS`]).
    pub conditions: Vec<GovernanceCondition>,
    /// Audit or enforce.
    pub mode: GovernanceMode,
    /// The apps it covers: all, or the named ones.
    pub apps: RuleApps,
}

/// Errors of governance policies, their evaluation and enforcement.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum GovernancePolicyError {
    /// The policy id is empty.
    #[error("policy id must not be empty")]
    EmptyPolicyId,
    /// The policy name is empty or blank.
    #[error("policy {0:?} must have a name")]
    EmptyName(GovernancePolicyId),
    /// The policy has no condition.
    #[error("policy {0:?} has no condition")]
    NoConditions(GovernancePolicyId),
    /// The policy has more conditions than [`MAX_POLICY_CONDITIONS`].
    #[error("policy {policy:?} has {count} conditions, over the limit of {max}")]
    TooManyConditions {
        /// The policy.
        policy: GovernancePolicyId,
        /// Its conditions.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The account would hold more policies than [`MAX_GOVERNANCE_POLICIES`].
    #[error("policy {policy:?} would be policy number {count}, over the limit of {max}")]
    TooManyPolicies {
        /// The policy refused.
        policy: GovernancePolicyId,
        /// How many there would be.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A condition names no known metric.
    #[error("policy {policy:?} names unknown metric {metric:?}")]
    UnknownMetric {
        /// The policy.
        policy: GovernancePolicyId,
        /// The name given.
        metric: String,
    },
    /// A numeric metric's condition has no `at_least`.
    #[error("policy {policy:?}: metric {metric} needs an at_least threshold")]
    ThresholdRequired {
        /// The policy.
        policy: GovernancePolicyId,
        /// The metric.
        metric: GovernanceMetric,
    },
    /// A condition gives a threshold or scope its metric does not take.
    #[error("policy {policy:?}: metric {metric} takes no {field}")]
    NotAllowed {
        /// The policy.
        policy: GovernancePolicyId,
        /// The metric.
        metric: GovernanceMetric,
        /// `at_least` or `scope`.
        field: &'static str,
    },
    /// A threshold is outside its metric's bounds.
    #[error("policy {policy:?}: at_least {value} of metric {metric} is outside {min}..={max}")]
    ThresholdOutOfRange {
        /// The policy.
        policy: GovernancePolicyId,
        /// The metric.
        metric: GovernanceMetric,
        /// The threshold given.
        value: u64,
        /// The smallest allowed.
        min: u64,
        /// The largest allowed.
        max: u64,
    },
    /// `holds_scope` without a well-formed scope name.
    #[error("policy {policy:?}: holds_scope needs a well-formed scope, got {scope:?}")]
    InvalidScope {
        /// The policy.
        policy: GovernancePolicyId,
        /// The scope given (empty when absent).
        scope: String,
    },
    /// The policy names an empty set of apps.
    #[error("policy {0:?} names no apps: cover all apps or name at least one")]
    NoApps(GovernancePolicyId),
    /// A covered app is not an app of the directory.
    #[error("unknown app {0:?}")]
    UnknownApp(AppId),
    /// The actor is not a user of the account.
    #[error("unknown user {0:?}")]
    UnknownUser(UserId),
    /// The actor is deactivated.
    #[error("user {0:?} is deactivated")]
    InactiveActor(UserId),
    /// Only super admins create, change or remove policies.
    #[error("user {0:?} is not a super admin and cannot change governance policies")]
    NotSuperAdmin(UserId),
    /// No policy has this id (remove).
    #[error("unknown policy {0:?}")]
    UnknownPolicy(GovernancePolicyId),
    /// A policy change is older than the newest logged one.
    #[error("policy change at {at} is older than the newest logged policy change at {newest}")]
    OutOfOrder {
        /// The change's time.
        at: DateTime<Utc>,
        /// The newest logged change's time.
        newest: DateTime<Utc>,
    },
    /// The record insights could not be read (invalid settings, `now` before the data).
    #[error("record insights: {0}")]
    Insights(#[from] InsightsError),
    /// Enforcement could not log its disconnects (e.g. `now` before the newest event).
    #[error("enforcement: {0}")]
    Lifecycle(#[from] LifecycleError),
}

impl GovernancePolicyError {
    /// The error's kind.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::UnknownApp(_) | Self::UnknownUser(_) | Self::UnknownPolicy(_) => ErrorKind::NotFound,
            Self::InactiveActor(_) | Self::NotSuperAdmin(_) => ErrorKind::PermissionDenied,
            Self::Insights(e) => e.kind(),
            Self::Lifecycle(e) => e.kind(),
            Self::EmptyPolicyId
            | Self::EmptyName(_)
            | Self::NoConditions(_)
            | Self::TooManyConditions { .. }
            | Self::TooManyPolicies { .. }
            | Self::UnknownMetric { .. }
            | Self::ThresholdRequired { .. }
            | Self::NotAllowed { .. }
            | Self::ThresholdOutOfRange { .. }
            | Self::InvalidScope { .. }
            | Self::NoApps(_)
            | Self::OutOfOrder { .. } => ErrorKind::InvalidInput,
        }
    }
}

impl GovernanceCondition {
    /// The condition's metric, after checking its threshold and scope.
    fn check(&self, policy: &GovernancePolicyId) -> Result<GovernanceMetric, GovernancePolicyError> {
        let metric = GovernanceMetric::parse(&self.metric).ok_or_else(|| GovernancePolicyError::UnknownMetric {
            policy: policy.clone(),
            metric: self.metric.clone(),
        })?;
        let not_allowed = |field| GovernancePolicyError::NotAllowed { policy: policy.clone(), metric, field };
        match (metric.bounds(), self.at_least) {
            (Some(_), None) => {
                return Err(GovernancePolicyError::ThresholdRequired { policy: policy.clone(), metric });
            }
            (Some((min, max)), Some(value)) if value < min || value > max => {
                return Err(GovernancePolicyError::ThresholdOutOfRange {
                    policy: policy.clone(),
                    metric,
                    value,
                    min,
                    max,
                });
            }
            (None, Some(_)) => return Err(not_allowed("at_least")),
            _ => {}
        }
        match (metric, &self.scope) {
            (GovernanceMetric::HoldsScope, Some(scope)) if is_scope_name(scope) => {}
            (GovernanceMetric::HoldsScope, scope) => {
                return Err(GovernancePolicyError::InvalidScope {
                    policy: policy.clone(),
                    scope: scope.clone().unwrap_or_default(),
                });
            }
            (_, Some(_)) => return Err(not_allowed("scope")),
            (_, None) => {}
        }
        Ok(metric)
    }
}

impl GovernancePolicy {
    /// Checks the policy's shape and that every app it names exists.
    ///
    /// # Errors
    /// The first problem found.
    pub fn validate(&self, directory: &Directory) -> Result<(), GovernancePolicyError> {
        let id = || self.id.clone();
        if self.id.0.trim().is_empty() {
            return Err(GovernancePolicyError::EmptyPolicyId);
        }
        if self.name.trim().is_empty() {
            return Err(GovernancePolicyError::EmptyName(id()));
        }
        if self.conditions.is_empty() {
            return Err(GovernancePolicyError::NoConditions(id()));
        }
        if self.conditions.len() > MAX_POLICY_CONDITIONS {
            return Err(GovernancePolicyError::TooManyConditions {
                policy: id(),
                count: self.conditions.len(),
                max: MAX_POLICY_CONDITIONS,
            });
        }
        for condition in &self.conditions {
            condition.check(&self.id)?;
        }
        if let RuleApps::Only(apps) = &self.apps {
            if apps.is_empty() {
                return Err(GovernancePolicyError::NoApps(id()));
            }
            if let Some(app) = apps.iter().find(|a| directory.app(a).is_none()) {
                return Err(GovernancePolicyError::UnknownApp(app.clone()));
            }
        }
        Ok(())
    }
}

/// A change to the policy set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum GovernancePolicyChange {
    /// A policy created, or replaced by a new version with the same id.
    Set {
        /// The policy.
        policy: GovernancePolicy,
    },
    /// A policy removed.
    Removed {
        /// The policy's id.
        id: GovernancePolicyId,
    },
}

/// One entry of the policy-change log: every change is an event, with who and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernancePolicyEvent {
    /// When the change was made (UTC).
    pub at: DateTime<Utc>,
    /// Who made it (a super admin).
    pub actor: UserId,
    /// What changed.
    pub change: GovernancePolicyChange,
}

/// The governance policies of the account: a change log and the policy set it folds to.
///
/// Only active super admins create, change or remove policies; every change is checked first
/// and changes nothing on error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GovernancePolicies {
    log: Vec<GovernancePolicyEvent>,
    policies: BTreeMap<GovernancePolicyId, GovernancePolicy>,
}

impl GovernancePolicies {
    /// Rebuilds a policy set from its change log (e.g. a snapshot), checking each change's
    /// shape, order, references and the actor; permissions held when the change was made.
    ///
    /// # Errors
    /// The first refused change's error.
    pub fn from_events(
        directory: &Directory,
        events: Vec<GovernancePolicyEvent>,
    ) -> Result<Self, GovernancePolicyError> {
        let mut policies = Self::default();
        for event in events {
            policies.push(directory, event)?;
        }
        Ok(policies)
    }

    /// The change log, oldest first.
    #[must_use]
    pub fn events(&self) -> &[GovernancePolicyEvent] {
        &self.log
    }

    /// The policies in force, by id.
    pub fn policies(&self) -> impl ExactSizeIterator<Item = &GovernancePolicy> {
        self.policies.values()
    }

    /// A policy by id.
    #[must_use]
    pub fn policy(&self, id: &GovernancePolicyId) -> Option<&GovernancePolicy> {
        self.policies.get(id)
    }

    /// Creates or replaces a policy. Only active super admins may.
    ///
    /// # Errors
    /// Unknown or inactive actor, [`GovernancePolicyError::NotSuperAdmin`], an invalid policy,
    /// [`GovernancePolicyError::TooManyPolicies`], [`GovernancePolicyError::OutOfOrder`].
    /// Nothing changes on error.
    pub fn set(
        &mut self,
        directory: &Directory,
        actor: &UserId,
        policy: GovernancePolicy,
        now: DateTime<Utc>,
    ) -> Result<(), GovernancePolicyError> {
        check_admin(directory, actor)?;
        let change = GovernancePolicyChange::Set { policy };
        self.push(directory, GovernancePolicyEvent { at: now, actor: actor.clone(), change })
    }

    /// Removes a policy. Only active super admins may.
    ///
    /// # Errors
    /// Unknown or inactive actor, [`GovernancePolicyError::NotSuperAdmin`],
    /// [`GovernancePolicyError::UnknownPolicy`], [`GovernancePolicyError::OutOfOrder`].
    /// Nothing changes on error.
    pub fn remove(
        &mut self,
        directory: &Directory,
        actor: &UserId,
        id: &GovernancePolicyId,
        now: DateTime<Utc>,
    ) -> Result<(), GovernancePolicyError> {
        check_admin(directory, actor)?;
        let change = GovernancePolicyChange::Removed { id: id.clone() };
        self.push(directory, GovernancePolicyEvent { at: now, actor: actor.clone(), change })
    }

    fn push(&mut self, directory: &Directory, event: GovernancePolicyEvent) -> Result<(), GovernancePolicyError> {
        if let Some(newest) = self.log.last().map(|e| e.at).filter(|newest| event.at < *newest) {
            return Err(GovernancePolicyError::OutOfOrder { at: event.at, newest });
        }
        if directory.user(&event.actor).is_none() {
            return Err(GovernancePolicyError::UnknownUser(event.actor));
        }
        match &event.change {
            GovernancePolicyChange::Set { policy } => {
                policy.validate(directory)?;
                let count = self.policies.len() + usize::from(!self.policies.contains_key(&policy.id));
                if count > MAX_GOVERNANCE_POLICIES {
                    return Err(GovernancePolicyError::TooManyPolicies {
                        policy: policy.id.clone(),
                        count,
                        max: MAX_GOVERNANCE_POLICIES,
                    });
                }
                self.policies.insert(policy.id.clone(), policy.clone());
            }
            GovernancePolicyChange::Removed { id } => {
                self.policies.remove(id).ok_or_else(|| GovernancePolicyError::UnknownPolicy(id.clone()))?;
            }
        }
        self.log.push(event);
        Ok(())
    }
}

fn check_admin(directory: &Directory, actor: &UserId) -> Result<(), GovernancePolicyError> {
    let user = directory.user(actor).ok_or_else(|| GovernancePolicyError::UnknownUser(actor.clone()))?;
    if !user.active {
        return Err(GovernancePolicyError::InactiveActor(actor.clone()));
    }
    if !user.super_admin {
        return Err(GovernancePolicyError::NotSuperAdmin(actor.clone()));
    }
    Ok(())
}

/// What the engine knows beyond its log, as the host passes it: record insights (R*, X2), API
/// usage (U*) and marketplace listings (M*). Each is optional; see the module's table for what
/// a missing one observes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Evidence<'a> {
    /// Record events counted per day (R1).
    pub records: Option<&'a RecordAggregate>,
    /// The data floor and the destructive-change rule of record insights; `None` takes
    /// [`InsightsSettings::default`] (the window is set by each reader).
    pub insights_settings: Option<&'a InsightsSettings>,
    /// The API-usage report at `now` (U1–U5).
    pub usage: Option<&'a UsageReport>,
    /// The marketplace's listings.
    pub marketplace: Option<&'a Marketplace>,
}

/// A condition of an alert and the value observed for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedCondition {
    /// The condition.
    pub condition: GovernanceCondition,
    /// The value observed (see the module's table; 0 or 1 for yes/no metrics).
    pub observed: u64,
}

/// One policy's conditions all holding for one app at `now` (G4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GovernanceAlert {
    /// When it was evaluated.
    pub at: DateTime<Utc>,
    /// The policy.
    pub policy: GovernancePolicyId,
    /// The policy's name.
    pub policy_name: String,
    /// The policy's severity.
    pub severity: Severity,
    /// The policy's mode.
    pub mode: GovernanceMode,
    /// The app.
    pub app: AppId,
    /// Every condition of the policy, in its order, with the value observed.
    pub conditions: Vec<ObservedCondition>,
}

/// A connection an enforce policy disconnects.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GovernanceDisconnect {
    /// The app.
    pub app: AppId,
    /// For user-level apps, whose connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserId>,
}

/// The evaluation of every policy at an instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GovernanceReport {
    /// The instant evaluated.
    pub at: DateTime<Utc>,
    /// The alerts, by app id then policy id.
    pub alerts: Vec<GovernanceAlert>,
    /// The connections enforce alerts disconnect, each once, by app then user: those of the
    /// alerted apps that are installed and not disconnected at `now`.
    pub disconnects: Vec<GovernanceDisconnect>,
}

/// What [`crate::AccountEngine::apply_governance`] did: the report and the disconnect events it logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GovernanceOutcome {
    /// The evaluation.
    pub report: GovernanceReport,
    /// The events logged, one per disconnect of the report, in its order.
    pub events: Vec<EventId>,
}

/// What one app's metrics read at `now`.
#[derive(Debug, Default)]
struct Facts<'a> {
    api_calls: u64,
    share_percent: u64,
    deleted: u64,
    merged: u64,
    destructive: bool,
    scopes: BTreeSet<&'a str>,
    idle_days: u64,
    not_certified: bool,
    shares_outward: bool,
}

impl Facts<'_> {
    fn observe(&self, metric: GovernanceMetric, scope: Option<&str>) -> u64 {
        match metric {
            GovernanceMetric::ApiCallsPerDay => self.api_calls,
            GovernanceMetric::ApiShareOfLimitPercent => self.share_percent,
            GovernanceMetric::RecordsDeletedPerDay => self.deleted,
            GovernanceMetric::RecordsMergedPerDay => self.merged,
            GovernanceMetric::DestructiveChange => u64::from(self.destructive),
            GovernanceMetric::ScopesHeld => self.scopes.len() as u64,
            GovernanceMetric::HoldsScope => u64::from(scope.is_some_and(|s| self.scopes.contains(s))),
            GovernanceMetric::DaysSinceLastActivity => self.idle_days,
            GovernanceMetric::PublisherNotCertified => u64::from(self.not_certified),
            GovernanceMetric::SharesDataOutward => u64::from(self.shares_outward),
        }
    }
}

/// Today's record counts per app and action, and the apps flagged (X2) today.
#[derive(Default)]
struct RecordsToday {
    counts: HashMap<AppId, [u64; 2]>,
    flagged: BTreeSet<AppId>,
}

fn records_today(evidence: &Evidence<'_>, now: DateTime<Utc>) -> Result<RecordsToday, GovernancePolicyError> {
    let Some(aggregate) = evidence.records else { return Ok(RecordsToday::default()) };
    let settings = InsightsSettings { window_days: 1, ..evidence.insights_settings.cloned().unwrap_or_default() };
    let today = crate::time::utc_day(now);
    let query = InsightsQuery {
        as_of: today,
        include_incomplete_day: true,
        app: None,
        record_type: None,
        group_by: Grouping { app: true, record_type: false, action: true },
    };
    let view = aggregate.insights(&settings, &query, now)?;
    let mut out = RecordsToday::default();
    for row in view.rows {
        let slot = match row.action {
            Some(RecordAction::Deleted) => 0,
            Some(RecordAction::Merged) => 1,
            _ => continue,
        };
        if let Some(count) = row.app.and_then(|app| out.counts.entry(app).or_default().get_mut(slot)) {
            *count = row.total;
        }
    }
    out.flagged = view.flags.into_iter().filter(|f| f.day == today).map(|f| f.app).collect();
    Ok(out)
}

/// The facts of every app with an installed connection, by app id.
fn facts<'a>(
    directory: &'a Directory,
    state: &'a State,
    evidence: &Evidence<'a>,
    now: DateTime<Utc>,
) -> Result<BTreeMap<&'a AppId, Facts<'a>>, GovernancePolicyError> {
    let records = records_today(evidence, now)?;
    let mut calls: HashMap<&AppId, u64> = HashMap::new();
    let limit = evidence.usage.map_or(1, |u| u.limit.max(1));
    if let Some(usage) = evidence.usage {
        for day in usage.per_app.iter().filter(|d| d.day == usage.today) {
            *calls.entry(&day.app).or_default() += day.calls;
        }
    }
    let mut out: BTreeMap<&AppId, Facts<'a>> = BTreeMap::new();
    let mut latest: BTreeMap<&AppId, DateTime<Utc>> = BTreeMap::new();
    for connection in state.connections().filter(|c| c.is_installed()) {
        let app = &connection.key.app;
        let facts = out.entry(app).or_default();
        facts.scopes.extend(connection.granted_scopes.iter().map(String::as_str));
        let seen = connection.last_activity_at.map_or(connection.installed_at, |a| a.max(connection.installed_at));
        let entry = latest.entry(app).or_insert(seen);
        *entry = (*entry).max(seen);
    }
    for (app, facts) in &mut out {
        let api_calls = calls.get(app).copied().unwrap_or(0);
        let [deleted, merged] = records.counts.get(*app).copied().unwrap_or_default();
        let listing = evidence.marketplace.and_then(|m| m.listing(app));
        let distribution = directory.app(app).map(|a| a.distribution);
        facts.api_calls = api_calls;
        facts.share_percent = u64::try_from(u128::from(api_calls) * 100 / u128::from(limit)).unwrap_or(u64::MAX);
        facts.deleted = deleted;
        facts.merged = merged;
        facts.destructive = records.flagged.contains(*app);
        facts.idle_days =
            latest.get(app).map_or(0, |at| u64::try_from(now.signed_duration_since(*at).num_days()).unwrap_or(0));
        facts.not_certified =
            distribution == Some(Distribution::OffMarketplace) || listing.is_some_and(|l| !l.certified);
        facts.shares_outward =
            listing.is_some_and(|l| l.shared_data.iter().any(|d| d.direction != SyncDirection::IntoCrm));
    }
    Ok(out)
}

/// Evaluates `policies` at `now` (G4): one alert per (policy, app) whose conditions all hold,
/// over the apps with an installed connection that the policy covers; see the module's docs.
/// Deterministic: alerts by app id then policy id, disconnects by app then user.
///
/// # Errors
/// [`GovernancePolicyError::Insights`] when the record insights cannot be read (settings out of
/// range, or `now` before the data floor's epoch); nothing is evaluated.
pub fn evaluate_policies<'p>(
    directory: &Directory,
    state: &State,
    policies: impl IntoIterator<Item = &'p GovernancePolicy>,
    evidence: &Evidence<'_>,
    now: DateTime<Utc>,
) -> Result<GovernanceReport, GovernancePolicyError> {
    let facts = facts(directory, state, evidence, now)?;
    // Conditions parse when policies are set; a policy that does not (never the engine's) is
    // skipped rather than alerting on a metric it does not name.
    let checked: Vec<(&GovernancePolicy, Vec<GovernanceMetric>)> = policies
        .into_iter()
        .filter_map(|p| {
            let metrics: Option<Vec<_>> = p.conditions.iter().map(|c| c.check(&p.id).ok()).collect();
            metrics.map(|m| (p, m))
        })
        .collect();
    let mut alerts = Vec::new();
    let mut disconnects = BTreeSet::new();
    for (app, facts) in &facts {
        let mut found: Vec<GovernanceAlert> = Vec::new();
        for (policy, metrics) in checked.iter().filter(|(p, _)| p.apps.covers(app)) {
            let mut observed = Vec::with_capacity(metrics.len());
            let holds = policy.conditions.iter().zip(metrics).all(|(condition, metric)| {
                let value = facts.observe(*metric, condition.scope.as_deref());
                observed.push(ObservedCondition { condition: condition.clone(), observed: value });
                match condition.at_least {
                    Some(at_least) => value >= at_least,
                    None => value == 1,
                }
            });
            if !holds {
                continue;
            }
            if policy.mode == GovernanceMode::Enforce {
                for connection in state.connections_of(app).filter(|c| disconnectable(c, now)) {
                    disconnects.insert(GovernanceDisconnect { app: (*app).clone(), user: connection.key.user.clone() });
                }
            }
            found.push(GovernanceAlert {
                at: now,
                policy: policy.id.clone(),
                policy_name: policy.name.clone(),
                severity: policy.severity,
                mode: policy.mode,
                app: (*app).clone(),
                conditions: observed,
            });
        }
        found.sort_by(|a, b| a.policy.cmp(&b.policy));
        alerts.extend(found);
    }
    Ok(GovernanceReport { at: now, alerts, disconnects: disconnects.into_iter().collect() })
}

/// Whether enforcement disconnects `connection` at `now`: installed and not disconnected yet.
fn disconnectable(connection: &Connection, now: DateTime<Utc>) -> bool {
    connection.is_installed() && connection.state_at(now) != ConnectionState::Disconnected
}
