//! What a notice is (N2, N4): its trigger, its key in the delivery log, and one delivery of it
//! to one recipient through one channel. Evaluation (`evaluate.rs`) produces them; the delivery
//! log (`delivery.rs`) remembers them. A governance alert's notice (G4) has its own key,
//! [`GovernanceNotice`]: alerts are not events of the log.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::account::UserId;
use crate::catalog::AppId;
use crate::event::EventId;
use crate::governance::model::GovernancePolicyId;
use crate::notify::rule::{Channel, RuleId};

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    /// The app was installed or reinstalled by this event.
    Installed {
        /// The install or reinstall event.
        event: EventId,
    },
    /// The app was uninstalled by this event.
    Uninstalled {
        /// The uninstall event.
        event: EventId,
    },
    /// The app was disconnected by this event.
    Disconnected {
        /// The disconnect event.
        event: EventId,
    },
    /// Reminder number `n` (1, 2, …) that the app is still disconnected (N2).
    Reminder {
        /// The disconnect event that started the disconnection.
        disconnected: EventId,
        /// The reminder's number.
        n: u32,
    },
    /// The app was connected again after a disconnection (X5).
    Recovered {
        /// The disconnect event that started the disconnection.
        disconnected: EventId,
        /// The event that ended it (connected, reconnected or reauthenticated).
        event: EventId,
    },
    /// A user asked for the app by this event (G2); the delivery's `connection_user` is the
    /// requester.
    AccessRequested {
        /// The request event.
        event: EventId,
    },
    /// Reminder number `n` (1, 2, …) that the request is still open (G2).
    RequestReminder {
        /// The request event.
        requested: EventId,
        /// The reminder's number.
        n: u32,
    },
}

/// Identifies one notice of one rule: what the delivery log remembers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct NoticeKey {
    /// When the notice fell due.
    pub due_at: DateTime<Utc>,
    /// The rule.
    pub rule: RuleId,
    /// What it is about.
    pub trigger: Trigger,
}

/// One notification to send: a notice of a rule, to one person, through one channel.
///
/// Deliveries are ordered by due time, then rule id, trigger, app, recipient and channel; the
/// derived order is that order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Delivery {
    /// When it fell due: the event's time, or the reminder's scheduled time.
    pub due_at: DateTime<Utc>,
    /// The rule.
    pub rule: RuleId,
    /// What it is about.
    pub trigger: Trigger,
    /// The app concerned.
    pub app: AppId,
    /// For user-level apps, whose connection; for access requests, the requester.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_user: Option<UserId>,
    /// Who receives it.
    pub recipient: UserId,
    /// Through which channel.
    pub channel: Channel,
}

impl Delivery {
    /// The notice this delivery belongs to.
    #[must_use]
    pub fn notice(&self) -> NoticeKey {
        NoticeKey { due_at: self.due_at, rule: self.rule.clone(), trigger: self.trigger }
    }
}

/// Identifies one governance-alert notice of one rule (G4): what the delivery log remembers of
/// a [`crate::governance::GovernanceDelivery`]. An alert is identified by its policy, its app and
/// the UTC day of the instant it was evaluated at, so evaluating again the same day notifies
/// nothing new, and a condition still true the next day notifies again.
///
/// Ordered by day, then rule, policy and app; the derived order is that order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernanceNotice {
    /// The UTC day the alert was evaluated on.
    pub day: NaiveDate,
    /// The `governance_alert` rule.
    pub rule: RuleId,
    /// The policy that alerted.
    pub policy: GovernancePolicyId,
    /// The app alerted on.
    pub app: AppId,
}
