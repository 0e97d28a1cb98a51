//! Notification rules (N1–N3), their evaluation and delivery log (N4), and the dry run (X1).

use connected_apps::notify::{
    ActiveRule, GovernanceNotice, NoticeKey, OpenDisconnection, RuleChange, RuleEvent, Trigger,
};
use connected_apps::{
    AppId, Channel, Delivery, EventId, Frequency, Recipients, Rule, RuleApps, RuleId, RuleType, UserId,
};

use crate::engine::AccountEngine;
use crate::error::ConnectedAppsError;
use crate::types::{AppIdSet, ChannelSet, Count, TeamIdSet, Timestamp, UserIdSet};

uniffi::custom_type!(RuleId, String, { remote, lower: |id| id.0, try_lift: |s| Ok(RuleId(s)) });

/// What a rule watches (N1).
#[uniffi::remote(Enum)]
pub enum RuleType {
    AppInstalled,
    AppDisconnected,
    AppUninstalled,
    GovernanceAlert,
    AccessRequested,
}

/// The apps a rule covers (N1): every app (install and uninstall rules only), or the named ones.
#[uniffi::remote(Enum)]
pub enum RuleApps {
    All,
    Only(AppIdSet),
}

/// Who a rule notifies (N1), resolved when a notice is evaluated.
#[uniffi::remote(Enum)]
pub enum Recipients {
    SuperAdmins,
    Everyone,
    Specific { users: UserIdSet, teams: TeamIdSet },
}

/// A channel a notice goes out through (N1).
#[uniffi::remote(Enum)]
pub enum Channel {
    Email,
    InApp,
}

/// How often recipients are reminded while a covered app stays disconnected (N2).
#[uniffi::remote(Enum)]
pub enum Frequency {
    Hourly,
    Daily,
    Weekly,
    Monthly,
}

/// A notification rule (N1). `frequency` is required for disconnect rules and refused for the
/// others; `notify_recovered` (X5) is for disconnect rules only.
#[uniffi::remote(Record)]
pub struct Rule {
    pub id: RuleId,
    pub name: String,
    pub rule_type: RuleType,
    pub apps: RuleApps,
    pub recipients: Recipients,
    pub channels: ChannelSet,
    pub frequency: Option<Frequency>,
    pub notify_recovered: bool,
}

/// A change to the rule set.
#[uniffi::remote(Enum)]
pub enum RuleChange {
    Created { rule: Rule },
    Edited { rule: Rule },
    Deleted { id: RuleId },
}

/// One entry of the rules' change log: when, who, what.
#[uniffi::remote(Record)]
pub struct RuleEvent {
    pub at: Timestamp,
    pub actor: UserId,
    pub change: RuleChange,
}

/// A rule in force and since when.
#[uniffi::remote(Record)]
pub struct ActiveRule {
    pub rule: Rule,
    pub since: Timestamp,
}

/// What a notice is about.
#[uniffi::remote(Enum)]
pub enum Trigger {
    Installed { event: EventId },
    Uninstalled { event: EventId },
    Disconnected { event: EventId },
    Reminder { disconnected: EventId, n: u32 },
    Recovered { disconnected: EventId, event: EventId },
    AccessRequested { event: EventId },
    RequestReminder { requested: EventId, n: u32 },
}

/// Identifies one notice of one rule: what the delivery log remembers.
#[uniffi::remote(Record)]
pub struct NoticeKey {
    pub due_at: Timestamp,
    pub rule: RuleId,
    pub trigger: Trigger,
}

/// One notification to send: a notice of a rule, to one person, through one channel.
#[uniffi::remote(Record)]
pub struct Delivery {
    pub due_at: Timestamp,
    pub rule: RuleId,
    pub trigger: Trigger,
    pub app: AppId,
    pub connection_user: Option<UserId>,
    pub recipient: UserId,
    pub channel: Channel,
}

/// A disconnection going on at the delivery log's settled instant.
#[uniffi::remote(Record)]
pub struct OpenDisconnection {
    pub app: AppId,
    pub user: Option<UserId>,
    pub event: EventId,
    pub at: Timestamp,
}

/// What the delivery log holds: the notices delivered, and how far it is settled.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeliveryLogView {
    /// Every notice due before this instant counts as handled.
    pub settled_before: Option<Timestamp>,
    /// The notices remembered as delivered (due at or after the settled instant), in order.
    pub notices: Vec<NoticeKey>,
    /// The disconnections going on at the settled instant.
    pub open_at_settle: Vec<OpenDisconnection>,
    /// The governance-alert notices remembered as delivered (G4), oldest day first.
    pub governance_notices: Vec<GovernanceNotice>,
}

#[uniffi::export]
impl AccountEngine {
    /// Creates a rule (super admins and users with App Marketplace Access may).
    pub fn create_rule(&self, actor: UserId, rule: Rule, now: Timestamp) -> Result<(), ConnectedAppsError> {
        self.write_core(|engine| Ok(engine.create_rule(&actor, rule, now)?))
    }

    /// Replaces a rule (super admins only, N3).
    pub fn edit_rule(&self, actor: UserId, rule: Rule, now: Timestamp) -> Result<(), ConnectedAppsError> {
        self.write_core(|engine| Ok(engine.edit_rule(&actor, rule, now)?))
    }

    /// Deletes a rule (super admins only, N3).
    pub fn delete_rule(&self, actor: UserId, rule: RuleId, now: Timestamp) -> Result<(), ConnectedAppsError> {
        self.write_core(|engine| Ok(engine.delete_rule(&actor, &rule, now)?))
    }

    /// The rules in force, by id.
    pub fn rules(&self) -> Result<Vec<Rule>, ConnectedAppsError> {
        self.read_core(|engine| Ok(engine.notification_rules().rules().cloned().collect()))
    }

    /// A rule by id.
    pub fn rule(&self, id: RuleId) -> Result<Option<Rule>, ConnectedAppsError> {
        self.read_core(|engine| Ok(engine.notification_rules().rule(&id).cloned()))
    }

    /// The rules in force with the instant each took its current form.
    pub fn active_rules(&self) -> Result<Vec<ActiveRule>, ConnectedAppsError> {
        self.read_core(|engine| Ok(engine.notification_rules().active().cloned().collect()))
    }

    /// The rules' change log, oldest first.
    pub fn rule_events(&self) -> Result<Vec<RuleEvent>, ConnectedAppsError> {
        self.read_core(|engine| Ok(engine.notification_rules().events().to_vec()))
    }

    /// The people `recipients` resolves to now, by id, each once (teams expanded to their active
    /// members, deactivated users left out).
    pub fn resolve_recipients(&self, recipients: Recipients) -> Result<Vec<UserId>, ConnectedAppsError> {
        self.read(|engine| Ok(recipients.resolve(engine.directory())))
    }

    /// The deliveries due at `now` that the delivery log has not seen (N4). Evaluating twice
    /// yields the same; record them once sent.
    pub fn due_notifications(&self, now: Timestamp) -> Result<Vec<Delivery>, ConnectedAppsError> {
        self.read_core(|engine| Ok(engine.due_notifications(now)))
    }

    /// Records deliveries as sent, all or nothing; returns how many notices were new. Only
    /// deliveries the engine produces at `now` (the instant they were evaluated at) are accepted.
    pub fn record_deliveries(&self, deliveries: Vec<Delivery>, now: Timestamp) -> Result<Count, ConnectedAppsError> {
        self.write_core(|engine| Ok(engine.record_deliveries(&deliveries, now)?))
    }

    /// Settles the delivery log before `before` (never past the newest event): earlier notices
    /// count as handled and are forgotten, which bounds the log's size.
    pub fn settle_deliveries(&self, before: Timestamp) -> Result<(), ConnectedAppsError> {
        self.write_core(|engine| {
            engine.settle_deliveries(before);
            Ok(())
        })
    }

    /// What the delivery log holds.
    pub fn delivery_log(&self) -> Result<DeliveryLogView, ConnectedAppsError> {
        self.read_core(|engine| {
            let log = engine.delivery_log();
            Ok(DeliveryLogView {
                settled_before: log.settled_before(),
                notices: log.notices().cloned().collect(),
                open_at_settle: log.open_at_settle().to_vec(),
                governance_notices: log.governance_notices().cloned().collect(),
            })
        })
    }

    /// Dry run (X1): the deliveries `rules` would have produced for the log's events from `from`
    /// to `to`, with the clock moving through that window. Changes nothing.
    pub fn dry_run_notifications(
        &self,
        rules: Vec<Rule>,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Delivery>, ConnectedAppsError> {
        self.read(|engine| Ok(engine.dry_run_notifications(&rules, from, to)?))
    }
}

/// When reminder number `n` (1, 2, …) of a disconnection that started at `disconnected_at` falls
/// due at this frequency (N2); none for `n` = 0 or past the representable range.
#[uniffi::export]
pub fn reminder_due(frequency: Frequency, disconnected_at: Timestamp, n: u32) -> Option<Timestamp> {
    frequency.reminder_due(disconnected_at, n)
}
