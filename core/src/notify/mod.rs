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
mod governance;
mod rule;

use chrono::{DateTime, Utc};

pub use delivery::{DeliveryLog, OpenDisconnection};
pub use error::NotifyError;
pub use evaluate::{Delivery, NoticeKey, Trigger, dry_run, evaluate};
pub use governance::{GovernanceDelivery, governance_deliveries};
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
    ///
    /// # Example
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use connected_apps::{Account, App, AppLevel, Directory, Distribution, Engine, User};
    /// # let mut directory = Directory::new(Account {
    /// #     id: "1234".into(), name: "Acme".into(), default_language: "en".into(),
    /// #     time_zone: "Europe/Paris".into(), subscriptions: Default::default(), api_limit_increases: 0,
    /// # })?;
    /// # for (id, super_admin) in [("ada", true), ("bob", false)] {
    /// #     directory.add_user(User {
    /// #         id: id.into(), name: id.into(), email: format!("{id}@acme.test"), active: true, super_admin,
    /// #         permissions: Default::default(), platform_user_id: None,
    /// #     })?;
    /// # }
    /// # directory.add_app(App {
    /// #     id: "zoom".into(), name: "Zoom".into(), provider: "Zoom".into(), built_by_vendor_platform: false,
    /// #     distribution: Distribution::Marketplace, level: AppLevel::AccountLevel, reports_status: true,
    /// #     scopes: vec![], features: vec![], workflow_actions: vec![], post_uninstall_steps: vec![],
    /// # })?;
    /// # let mut engine = Engine::new(directory);
    /// use chrono::Duration;
    /// use connected_apps::{
    ///     Actor, Channel, Command, EventId, Frequency, Recipients, Rule, RuleApps, RuleType, Trigger,
    /// };
    ///
    /// let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().ok_or("no such instant")?;
    /// let rule = Rule {
    ///     id: "zoom-down".into(),
    ///     name: "Zoom disconnected".into(),
    ///     rule_type: RuleType::AppDisconnected,
    ///     apps: RuleApps::Only(["zoom".into()].into()),
    ///     recipients: Recipients::SuperAdmins,
    ///     channels: [Channel::Email].into(),
    ///     frequency: Some(Frequency::Daily),
    ///     notify_recovered: false,
    /// };
    /// engine.create_rule(&"ada".into(), rule, t0)?;
    /// let ada = Actor::User("ada".into());
    /// let install = Command::Install { app: "zoom".into(), scopes: None, expires_at: None, request_admin: None };
    /// engine.execute(&ada, install, t0)?; // event 1
    /// engine.execute(&ada, Command::Disconnect { app: "zoom".into(), user: None }, t0)?; // event 2
    ///
    /// // The disconnect is due to the super admin, by e-mail (N1, N4) ...
    /// let due = engine.due_notifications(t0 + Duration::minutes(5));
    /// let first = due.first().ok_or("one delivery")?;
    /// assert_eq!(due.len(), 1);
    /// assert_eq!((first.trigger, first.recipient.as_str()), (Trigger::Disconnected { event: EventId(2) }, "ada"));
    /// // ... and once recorded as sent, it is not due again.
    /// assert_eq!(engine.record_deliveries(&due, t0 + Duration::minutes(5))?, 1);
    /// assert!(engine.due_notifications(t0 + Duration::minutes(5)).is_empty());
    ///
    /// // A day later the app is still disconnected: the first daily reminder is due (N2).
    /// let due = engine.due_notifications(t0 + Duration::days(1));
    /// assert_eq!(due.first().map(|d| d.trigger), Some(Trigger::Reminder { disconnected: EventId(2), n: 1 }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
