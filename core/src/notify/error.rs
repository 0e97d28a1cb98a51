//! Errors of notification rules and their evaluation (N1–N4, X1).

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::account::{Permission, TeamId, UserId};
use crate::catalog::AppId;
use crate::kind::ErrorKind;
use crate::notify::notice::{Delivery, GovernanceNotice, NoticeKey};
use crate::notify::rule::{RuleId, RuleType};

/// Errors of rule commands (create, edit, delete), of replaying rule events and of dry runs.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// The rule id is empty.
    #[error("rule id must not be empty")]
    EmptyRuleId,
    /// The rule name is empty or blank.
    #[error("rule {0:?} must have a name")]
    EmptyName(RuleId),
    /// A rule with this id already exists (create).
    #[error("duplicate rule id {0:?}")]
    DuplicateRule(RuleId),
    /// No rule has this id (edit, delete).
    #[error("unknown rule {0:?}")]
    UnknownRule(RuleId),
    /// A disconnect rule must name the apps it covers (N1).
    #[error("disconnect rule {0:?} must name the apps it covers")]
    AppsRequired(RuleId),
    /// A rule names an empty set of apps.
    #[error("rule {0:?} names no apps: cover all apps or name at least one")]
    NoApps(RuleId),
    /// A disconnect rule must have a reminder frequency (N2).
    #[error("disconnect rule {0:?} must have a reminder frequency")]
    FrequencyRequired(RuleId),
    /// An access-request rule must have a reminder frequency (G2).
    #[error("access-request rule {0:?} must have a reminder frequency")]
    RequestFrequencyRequired(RuleId),
    /// Only disconnect and access-request rules have a reminder frequency.
    #[error("{rule_type} rule {rule:?} cannot have a reminder frequency")]
    FrequencyNotAllowed {
        /// The rule.
        rule: RuleId,
        /// Its type.
        rule_type: RuleType,
    },
    /// Only disconnect rules send "recovered" notices (X5).
    #[error("{rule_type} rule {rule:?} cannot send recovered notices")]
    RecoveredNotAllowed {
        /// The rule.
        rule: RuleId,
        /// Its type.
        rule_type: RuleType,
    },
    /// Specific recipients name neither a user nor a team.
    #[error("rule {0:?} has no recipients")]
    NoRecipients(RuleId),
    /// The rule has no channel.
    #[error("rule {0:?} has no channel: choose email and/or in-app")]
    NoChannel(RuleId),
    /// A recipient or the actor is not a user of the account.
    #[error("unknown user {0:?}")]
    UnknownUser(UserId),
    /// A recipient team is not a team of the account.
    #[error("unknown team {0:?}")]
    UnknownTeam(TeamId),
    /// A covered app is not an app of the directory.
    #[error("unknown app {0:?}")]
    UnknownApp(AppId),
    /// The acting user is deactivated.
    #[error("user {0:?} is deactivated")]
    InactiveActor(UserId),
    /// The acting user may not create rules (N3: super admins and users with App Marketplace
    /// Access may).
    #[error("user {user:?} lacks the {permission} permission")]
    PermissionDenied {
        /// The acting user.
        user: UserId,
        /// The missing permission.
        permission: Permission,
    },
    /// Only super admins may edit or delete a rule once it is set up (N3).
    #[error("user {user:?} is not a super admin and cannot change rule {rule:?}")]
    NotSuperAdmin {
        /// The acting user.
        user: UserId,
        /// The rule.
        rule: RuleId,
    },
    /// A rule change is older than the newest logged one.
    #[error("rule change at {at} is older than the newest logged rule change at {newest}")]
    OutOfOrder {
        /// The change's timestamp.
        at: DateTime<Utc>,
        /// The newest logged timestamp.
        newest: DateTime<Utc>,
    },
    /// A dry-run window ends before it starts.
    #[error("window starts at {from}, after its end at {to}")]
    InvalidWindow {
        /// Start of the window.
        from: DateTime<Utc>,
        /// End of the window.
        to: DateTime<Utc>,
    },
    /// A dry-run window is longer than [`crate::limits::MAX_DRY_RUN_DAYS`].
    #[error("dry run from {from} to {to} spans more than {max_days} days")]
    WindowTooLong {
        /// Start of the window.
        from: DateTime<Utc>,
        /// End of the window.
        to: DateTime<Utc>,
        /// The longest span allowed, in days.
        max_days: i64,
    },
    /// A dry run would return more than [`crate::limits::MAX_DRY_RUN_DELIVERIES`] deliveries.
    #[error("dry run from {from} to {to} yields more than {limit} deliveries: shorten the window or narrow the rules")]
    TooManyDeliveries {
        /// Start of the window.
        from: DateTime<Utc>,
        /// End of the window.
        to: DateTime<Utc>,
        /// The most deliveries one dry run returns.
        limit: usize,
    },
    /// A delivery to record is not one the engine's own evaluation produces at the instant the
    /// host gave: forged, for an unknown rule, app or recipient, or not due yet.
    #[error("delivery {delivery:?} is not due at {now} by the engine's evaluation")]
    NotDue {
        /// The first refused delivery.
        delivery: Box<Delivery>,
        /// The instant the host evaluated at.
        now: DateTime<Utc>,
    },
    /// A restored delivery log is settled after the newest event of the log it covers (the
    /// engine never settles past it).
    #[error("delivery log settled before {settled_before}, after the newest event ({})", newest.map_or_else(|| "none".to_owned(), |n| n.to_string()))]
    SettledAfterLog {
        /// The log's settled instant.
        settled_before: DateTime<Utc>,
        /// The newest event's time, if there is an event.
        newest: Option<DateTime<Utc>>,
    },
    /// A restored delivery log remembers a notice the engine could not have produced.
    #[error("notice {notice:?} could not have been delivered: {reason}")]
    ImpossibleNotice {
        /// The notice.
        notice: NoticeKey,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A restored delivery log remembers a governance-alert notice (G4) the engine could not
    /// have recorded.
    #[error("governance notice {notice:?} could not have been delivered: {reason}")]
    ImpossibleGovernanceNotice {
        /// The notice.
        notice: Box<GovernanceNotice>,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A governance delivery to record names a rule that is not a `governance_alert` rule.
    #[error("rule {rule:?} is a {rule_type} rule, not a governance_alert rule")]
    NotGovernanceRule {
        /// The rule.
        rule: RuleId,
        /// Its type.
        rule_type: RuleType,
    },
    /// A governance delivery to record is not one the engine produces for its alert at the
    /// instant the host gave (G4).
    #[error("governance delivery of {notice:?} to {recipient:?} due at {due_at} is not due at {now}: {reason}")]
    GovernanceNotDue {
        /// The first refused delivery's notice.
        notice: Box<GovernanceNotice>,
        /// Its recipient.
        recipient: UserId,
        /// When it claims to be due.
        due_at: DateTime<Utc>,
        /// The instant the host recorded at.
        now: DateTime<Utc>,
        /// Why not.
        reason: &'static str,
    },
    /// A governance delivery to record belongs to a notice the delivery log already holds (G4):
    /// the alert was already delivered that day.
    #[error("governance notice {0:?} was already delivered")]
    AlreadyDelivered(Box<GovernanceNotice>),
}

impl NotifyError {
    /// The error's kind.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::UnknownRule(_) | Self::UnknownUser(_) | Self::UnknownTeam(_) | Self::UnknownApp(_) => {
                ErrorKind::NotFound
            }
            Self::InactiveActor(_) | Self::PermissionDenied { .. } | Self::NotSuperAdmin { .. } => {
                ErrorKind::PermissionDenied
            }
            Self::DuplicateRule(_) | Self::AlreadyDelivered(_) => ErrorKind::Conflict,
            Self::EmptyRuleId
            | Self::EmptyName(_)
            | Self::AppsRequired(_)
            | Self::NoApps(_)
            | Self::FrequencyRequired(_)
            | Self::RequestFrequencyRequired(_)
            | Self::FrequencyNotAllowed { .. }
            | Self::RecoveredNotAllowed { .. }
            | Self::NoRecipients(_)
            | Self::NoChannel(_)
            | Self::OutOfOrder { .. }
            | Self::InvalidWindow { .. }
            | Self::WindowTooLong { .. }
            | Self::TooManyDeliveries { .. }
            | Self::NotDue { .. }
            | Self::SettledAfterLog { .. }
            | Self::ImpossibleNotice { .. }
            | Self::ImpossibleGovernanceNotice { .. }
            | Self::NotGovernanceRule { .. }
            | Self::GovernanceNotDue { .. } => ErrorKind::InvalidInput,
        }
    }
}
