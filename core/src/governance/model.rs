//! The governance vocabulary (G1, G2), in the domain layer: what a policy says ([`Approval`]),
//! whom it covers ([`PolicyLevel`]), how a request is granted ([`ApprovalGrant`]), the
//! governance settings, [`GovernanceError`], which the events, the fold and the commands
//! share, and the governance policy id (G4). Re-exported by [`crate::governance`].

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::account::{TeamId, UserId};
use crate::catalog::AppId;
use crate::kind::ErrorKind;
use crate::limits::{MAX_REASON_CHARS, MAX_REQUEST_EXPIRY_DAYS, MIN_REQUEST_EXPIRY_DAYS};

/// Identifies a governance policy (G4); chosen by the host, unique within the account. In the
/// domain layer so that the delivery log can name it ([`crate::notify::GovernanceNotice`]).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GovernancePolicyId(pub String);
crate::ids::id_conversions!(GovernancePolicyId);

/// What a policy says about an app, ordered from least to most permissive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Approval {
    /// Nobody the rule covers may connect the app.
    Blocked,
    /// Connecting needs a super admin's approval: an install becomes an access request (G2).
    NeedsApproval,
    /// The app may be connected (by users who may install apps, I1).
    Allowed,
}

impl Approval {
    /// The snake-case name, as in JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Blocked => "blocked",
            Self::NeedsApproval => "needs_approval",
            Self::Allowed => "allowed",
        }
    }
}

impl fmt::Display for Approval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whom a rule covers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyLevel {
    /// The whole account (the default for users without a team or user rule).
    Account,
    /// The members of a team (overrides the account's rule).
    Team(TeamId),
    /// One user (overrides every other rule).
    User(UserId),
}

impl fmt::Display for PolicyLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Account => f.write_str("account rule"),
            Self::Team(t) => write!(f, "team {:?} rule", t.0),
            Self::User(u) => write!(f, "user {:?} rule", u.0),
        }
    }
}

/// How a super admin grants an access request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalGrant {
    /// Install the app with the requested scopes, for the requester (user-level apps) or the
    /// account; logged as the install after the approval.
    Install,
    /// Add the app to the allow list: an account rule `allowed` is logged after the approval
    /// (team and user rules still take precedence), and the requester installs it themselves.
    AllowList,
}

/// Errors of governance (G1–G3): policies, access requests, revocations. Returned inside
/// [`crate::lifecycle::LifecycleError::Governance`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum GovernanceError {
    /// No team has this id.
    #[error("unknown team {0:?}")]
    UnknownTeam(TeamId),
    /// Only super admins may do this.
    #[error("user {user:?} is not a super admin and cannot {action}")]
    NotSuperAdmin {
        /// The acting user.
        user: UserId,
        /// What they tried.
        action: &'static str,
    },
    /// One policy change names the same level twice with different rules.
    #[error("policy of app {app:?} sets the {level} twice with different rules")]
    ConflictingRule {
        /// The app.
        app: AppId,
        /// The level named twice.
        level: PolicyLevel,
    },
    /// A policy change with no rule, or more than [`crate::limits::MAX_POLICY_RULES`].
    #[error("a policy change of app {app:?} needs 1 to {max} rules, got {count}", max = crate::limits::MAX_POLICY_RULES)]
    RuleCount {
        /// The app.
        app: AppId,
        /// How many rules were given.
        count: usize,
    },
    /// The policy blocks the app for this user.
    #[error("app {app:?} is blocked for user {user:?} by the {level}")]
    Blocked {
        /// The app.
        app: AppId,
        /// The user.
        user: UserId,
        /// The deciding rule.
        level: PolicyLevel,
    },
    /// The policy requires approval: reconnect or reauthenticate are refused until a super
    /// admin allows the app (installs become access requests instead).
    #[error("app {app:?} needs approval for user {user:?} by the {level}")]
    ApprovalRequired {
        /// The app.
        app: AppId,
        /// The user.
        user: UserId,
        /// The deciding rule.
        level: PolicyLevel,
    },
    /// A consent includes a scope the policy turned off.
    #[error("scope {scope:?} of app {app:?} is turned off by policy")]
    ScopeTurnedOff {
        /// The app.
        app: AppId,
        /// The scope.
        scope: String,
    },
    /// Only optional scopes can be turned off.
    #[error("scope {scope:?} of app {app:?} is not optional and cannot be turned off")]
    ScopeNotOptional {
        /// The app.
        app: AppId,
        /// The scope.
        scope: String,
    },
    /// The app does not declare this scope.
    #[error("app {app:?} does not declare scope {scope:?}")]
    UndeclaredScope {
        /// The app.
        app: AppId,
        /// The scope.
        scope: String,
    },
    /// The user already has an open request for the app (one per app and user).
    #[error("user {user:?} already has an open request for app {app:?}")]
    RequestAlreadyOpen {
        /// The app.
        app: AppId,
        /// The requester.
        user: UserId,
    },
    /// No request of this user for the app.
    #[error("user {user:?} has no request for app {app:?}")]
    UnknownRequest {
        /// The app.
        app: AppId,
        /// The requester.
        user: UserId,
    },
    /// The request expired before it was decided.
    #[error("the request of user {user:?} for app {app:?} expired at {expired_at}")]
    RequestExpired {
        /// The app.
        app: AppId,
        /// The requester.
        user: UserId,
        /// When it expired.
        expired_at: DateTime<Utc>,
    },
    /// The request was already approved or denied.
    #[error("the request of user {user:?} for app {app:?} was already {decision}")]
    RequestAlreadyDecided {
        /// The app.
        app: AppId,
        /// The requester.
        user: UserId,
        /// `approved` or `denied`.
        decision: &'static str,
    },
    /// A free-text reason over [`crate::limits::MAX_REASON_CHARS`] characters.
    #[error("reason of {0} characters is over the limit of {max}", max = crate::limits::MAX_REASON_CHARS)]
    ReasonTooLong(usize),
    /// A denial must say why.
    #[error("a denial of the request of user {user:?} for app {app:?} needs a reason")]
    EmptyReason {
        /// The app.
        app: AppId,
        /// The requester.
        user: UserId,
    },
    /// A request expiry outside its bounds.
    #[error(
        "request expiry of {0} days is outside {min}..={max}",
        min = crate::limits::MIN_REQUEST_EXPIRY_DAYS,
        max = crate::limits::MAX_REQUEST_EXPIRY_DAYS
    )]
    ExpiryOutOfRange(u32),
    /// A request event whose expiry is not after its own time.
    #[error("request of user {user:?} for app {app:?} expires at {expires_at}, not after it was made")]
    InvalidExpiry {
        /// The app.
        app: AppId,
        /// The requester.
        user: UserId,
        /// The expiry given.
        expires_at: DateTime<Utc>,
    },
}

impl GovernanceError {
    /// The error's kind.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::UnknownTeam(_) | Self::UnknownRequest { .. } => ErrorKind::NotFound,
            Self::NotSuperAdmin { .. } | Self::Blocked { .. } | Self::ApprovalRequired { .. } => {
                ErrorKind::PermissionDenied
            }
            Self::RequestAlreadyOpen { .. } => ErrorKind::Conflict,
            Self::RequestExpired { .. } | Self::RequestAlreadyDecided { .. } => ErrorKind::InvalidState,
            Self::ConflictingRule { .. }
            | Self::RuleCount { .. }
            | Self::ScopeTurnedOff { .. }
            | Self::ScopeNotOptional { .. }
            | Self::UndeclaredScope { .. }
            | Self::ReasonTooLong(_)
            | Self::EmptyReason { .. }
            | Self::ExpiryOutOfRange(_)
            | Self::InvalidExpiry { .. } => ErrorKind::InvalidInput,
        }
    }
}

/// Refuses a reason over [`MAX_REASON_CHARS`] characters.
pub(crate) fn check_reason(reason: &str) -> Result<(), GovernanceError> {
    let chars = reason.chars().count();
    if chars > MAX_REASON_CHARS {
        return Err(GovernanceError::ReasonTooLong(chars));
    }
    Ok(())
}

/// Governance settings kept with the engine (and in its snapshots).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernanceSettings {
    /// Days after which an open access request expires (recorded on each request when made).
    pub request_expiry_days: u32,
}

impl Default for GovernanceSettings {
    fn default() -> Self {
        Self { request_expiry_days: DEFAULT_REQUEST_EXPIRY_DAYS }
    }
}

impl GovernanceSettings {
    /// Checks the bounds.
    ///
    /// # Errors
    /// [`GovernanceError::ExpiryOutOfRange`].
    pub fn validate(&self) -> Result<(), GovernanceError> {
        if !(MIN_REQUEST_EXPIRY_DAYS..=MAX_REQUEST_EXPIRY_DAYS).contains(&self.request_expiry_days) {
            return Err(GovernanceError::ExpiryOutOfRange(self.request_expiry_days));
        }
        Ok(())
    }

    /// Whether these are the defaults (then snapshots leave them out).
    #[must_use]
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// Days an access request stays open unless the account sets otherwise.
pub const DEFAULT_REQUEST_EXPIRY_DAYS: u32 = 30;
