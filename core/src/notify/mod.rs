//! Notifications (N1–N4, X1, X5): rules, their evaluation, the delivery log and dry runs.
//!
//! Rules change through validated commands that append [`RuleEvent`]s ([`NotificationRules`]);
//! [`evaluate`] and [`dry_run`] are pure functions of the directory, the event log, the rules,
//! the delivery log and the clock. An [`Engine`] carries its rules and delivery log, so that both
//! round-trip through its JSON snapshot; the `Engine` methods here are thin conveniences over
//! the free functions.

mod delivery;
mod error;
mod evaluate;
mod rule;

use chrono::{DateTime, Utc};

pub use delivery::{DeliveryLog, OpenDisconnection};
pub use error::NotifyError;
pub use evaluate::{Delivery, NoticeKey, Trigger, dry_run, evaluate};
pub use rule::{
    ActiveRule, Channel, Frequency, NotificationRules, Recipients, Rule, RuleApps, RuleChange, RuleEvent, RuleId,
    RuleType,
};

use crate::account::UserId;
use crate::engine::Engine;
use crate::log::EventLog;
use crate::state::Directory;

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

impl Engine {
    /// The notification rules and their change log.
    #[must_use]
    pub fn notification_rules(&self) -> &NotificationRules {
        &self.notifications.rules
    }

    /// What was already delivered.
    #[must_use]
    pub fn delivery_log(&self) -> &DeliveryLog {
        &self.notifications.deliveries
    }

    /// Creates a rule: see [`NotificationRules::create`] (super admins and users with App
    /// Marketplace Access may).
    ///
    /// # Errors
    /// A [`NotifyError`]; nothing changes.
    pub fn create_rule(&mut self, actor: &UserId, rule: Rule, now: DateTime<Utc>) -> Result<(), NotifyError> {
        self.change_rules(|rules, directory| rules.create(directory, actor, rule, now))
    }

    /// Edits a rule: see [`NotificationRules::edit`] (super admins only).
    ///
    /// # Errors
    /// A [`NotifyError`]; nothing changes.
    pub fn edit_rule(&mut self, actor: &UserId, rule: Rule, now: DateTime<Utc>) -> Result<(), NotifyError> {
        self.change_rules(|rules, directory| rules.edit(directory, actor, rule, now))
    }

    /// Deletes a rule: see [`NotificationRules::delete`] (super admins only).
    ///
    /// # Errors
    /// A [`NotifyError`]; nothing changes.
    pub fn delete_rule(&mut self, actor: &UserId, rule: &RuleId, now: DateTime<Utc>) -> Result<(), NotifyError> {
        self.change_rules(|rules, directory| rules.delete(directory, actor, rule, now))
    }

    fn change_rules(
        &mut self,
        change: impl FnOnce(&mut NotificationRules, &Directory) -> Result<(), NotifyError>,
    ) -> Result<(), NotifyError> {
        // The rule set checks before it changes anything, so it can be worked on out of place.
        let mut rules = std::mem::take(&mut self.notifications.rules);
        let result = change(&mut rules, self.directory());
        self.notifications.rules = rules;
        result
    }

    /// The deliveries due at `now` that the engine's delivery log has not seen: see [`evaluate`].
    #[must_use]
    pub fn due_notifications(&self, now: DateTime<Utc>) -> Vec<Delivery> {
        evaluate(self.directory(), self.events(), &self.notifications.rules, &self.notifications.deliveries, now)
    }

    /// Records deliveries as sent, all or nothing; returns how many notices were new. Only
    /// deliveries the engine produces at `now` are accepted: pass the `now` they were evaluated
    /// at (see [`DeliveryLog::record`]).
    ///
    /// # Errors
    /// [`NotifyError::NotDue`] naming the first refused delivery; nothing changes.
    pub fn record_deliveries(&mut self, deliveries: &[Delivery], now: DateTime<Utc>) -> Result<usize, NotifyError> {
        let mut log = std::mem::take(&mut self.notifications.deliveries);
        let result = log.record(self.directory(), self.events(), &self.notifications.rules, deliveries, now);
        self.notifications.deliveries = log;
        result
    }

    /// Settles the delivery log before `before` over the engine's log (never past its newest
    /// event): see [`DeliveryLog::settle`].
    pub fn settle_deliveries(&mut self, before: DateTime<Utc>) {
        let mut log = std::mem::take(&mut self.notifications.deliveries);
        log.settle(self.directory(), self.events(), before);
        self.notifications.deliveries = log;
    }

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
