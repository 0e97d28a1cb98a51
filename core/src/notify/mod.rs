//! Notifications (N1–N4, X1, X5): rules, their evaluation, the delivery log and dry runs.
//!
//! Rules change through validated commands that append [`RuleEvent`]s ([`NotificationRules`]);
//! [`evaluate`] and [`dry_run`] are pure functions of the directory, the event log, the rules,
//! the delivery log and the clock. The notification state ([`Notifications`]: rules and delivery
//! log) is owned by [`crate::AccountEngine`] beside its [`Engine`], and saved in its snapshot;
//! the `AccountEngine` methods are thin conveniences over [`Notifications`]' methods, which take
//! the directory and the event log they read.

mod delivery;
mod error;
mod evaluate;
mod notice;
mod rule;

use chrono::{DateTime, Utc};

pub use delivery::{DeliveryLog, OpenDisconnection};
pub use error::NotifyError;
pub use evaluate::{dry_run, evaluate};
pub use notice::{Delivery, GovernanceNotice, NoticeKey, Trigger};
pub use rule::{
    ActiveRule, Channel, Frequency, NotificationRules, Recipients, Rule, RuleApps, RuleChange, RuleEvent, RuleId,
    RuleType,
};

use crate::directory::Directory;
use crate::engine::Engine;
use crate::log::EventLog;

/// The notification side of an engine: its rules and its delivery log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notifications {
    rules: NotificationRules,
    deliveries: DeliveryLog,
}

impl Notifications {
    /// Rebuilds the notification side of a snapshot over the engine's `events`: replays the rule
    /// changes, then re-derives and checks the delivery log ([`DeliveryLog::restore`]).
    ///
    /// # Errors
    /// As [`NotificationRules::from_events`] and [`DeliveryLog::restore`].
    pub fn restore(
        directory: &Directory,
        events: &EventLog,
        rule_events: Vec<RuleEvent>,
        deliveries: DeliveryLog,
    ) -> Result<Self, NotifyError> {
        let rules = NotificationRules::from_events(directory, rule_events)?;
        let deliveries = DeliveryLog::restore(directory, events, &rules, deliveries)?;
        Ok(Self { rules, deliveries })
    }

    /// The rules.
    #[must_use]
    pub fn rules(&self) -> &NotificationRules {
        &self.rules
    }

    /// The delivery log.
    #[must_use]
    pub fn deliveries(&self) -> &DeliveryLog {
        &self.deliveries
    }
}

impl Notifications {
    /// The rules, to change through their validating commands ([`NotificationRules::create`],
    /// [`NotificationRules::edit`], [`NotificationRules::delete`]): each checks before it changes
    /// anything. Crate-private: replacing the rule set could leave the delivery log naming rules
    /// it never had.
    pub(crate) fn rules_mut(&mut self) -> &mut NotificationRules {
        &mut self.rules
    }

    /// The deliveries due at `now` over `events` that the delivery log has not seen: see
    /// [`evaluate`].
    #[must_use]
    pub fn due(&self, directory: &Directory, events: &EventLog, now: DateTime<Utc>) -> Vec<Delivery> {
        evaluate(directory, events, &self.rules, &self.deliveries, now)
    }

    /// Records deliveries as sent, all or nothing; returns how many notices were new (see
    /// [`DeliveryLog::record`]).
    ///
    /// # Errors
    /// [`NotifyError::NotDue`] naming the first refused delivery; nothing changes.
    pub fn record(
        &mut self,
        directory: &Directory,
        events: &EventLog,
        deliveries: &[Delivery],
        now: DateTime<Utc>,
    ) -> Result<usize, NotifyError> {
        self.deliveries.record(directory, events, &self.rules, deliveries, now)
    }

    /// Remembers governance-alert notices checked by
    /// [`crate::governance::check_governance_deliveries`] (G4); returns how many were new.
    pub(crate) fn record_governance(&mut self, notices: std::collections::BTreeSet<GovernanceNotice>) -> usize {
        self.deliveries.record_governance(notices)
    }

    /// Settles the delivery log before `before` over `events`: see [`DeliveryLog::settle`].
    pub fn settle(&mut self, directory: &Directory, events: &EventLog, before: DateTime<Utc>) {
        self.deliveries.settle(directory, events, before);
    }
}

impl Engine {
    /// Dry run of `rules` over the engine's log (X1): see [`dry_run`]. Changes nothing.
    ///
    /// # Errors
    /// As [`dry_run`].
    pub fn dry_run_notifications(
        &self,
        rules: &[Rule],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Delivery>, NotifyError> {
        dry_run(self.directory(), self.events(), rules, from, to)
    }
}
