//! Errors of notification rules and their evaluation (N1–N4, X1).

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::account::{Permission, TeamId, UserId};
use crate::catalog::AppId;
use crate::error::ErrorKind;
use crate::notify::rule::{RuleId, RuleType};

/// Errors of rule commands (create, edit, delete), of replaying rule events and of dry runs.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
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
    /// Only disconnect rules have a reminder frequency.
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
            Self::DuplicateRule(_) => ErrorKind::Conflict,
            Self::EmptyRuleId
            | Self::EmptyName(_)
            | Self::AppsRequired(_)
            | Self::NoApps(_)
            | Self::FrequencyRequired(_)
            | Self::FrequencyNotAllowed { .. }
            | Self::RecoveredNotAllowed { .. }
            | Self::NoRecipients(_)
            | Self::NoChannel(_)
            | Self::OutOfOrder { .. }
            | Self::InvalidWindow { .. } => ErrorKind::InvalidInput,
        }
    }
}
