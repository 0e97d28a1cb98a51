//! Governance (issue 15): governance policies with audit and enforce modes (G4), the blast
//! radius of an uninstall (X4) and least privilege (X6).

use std::sync::Arc;

use connected_apps::governance::GovernanceDelivery;
use connected_apps::governance::{
    BlastRadius, Evidence, GovernanceAlert, GovernanceCondition, GovernanceDisconnect, GovernanceMode,
    GovernanceOutcome, GovernancePolicy, GovernancePolicyChange, GovernancePolicyEvent, GovernancePolicyId,
    GovernanceReport, LeastPrivilege, ObservedCondition, RecordTouch, Severity,
};
use connected_apps::insights::{InsightsSettings, RecordAction, RecordType, UsageReport};
use connected_apps::notify::GovernanceNotice;
use connected_apps::{AppId, Channel, Command, EventId, RuleApps, RuleId, UserId, WorkflowAction};

use crate::engine::AccountEngine;
use crate::error::ConnectedAppsError;
use crate::insights::{Day, RecordAggregate};
use crate::marketplace::Marketplace;
use crate::types::{Count, Timestamp};

uniffi::custom_type!(GovernancePolicyId, String, {
    remote,
    lower: |id| id.0,
    try_lift: |s| Ok(GovernancePolicyId(s)),
});

/// How serious a policy's alert is.
#[uniffi::remote(Enum)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

/// Audit (report only) or enforce (report and disconnect).
#[uniffi::remote(Enum)]
pub enum GovernanceMode {
    Audit,
    Enforce,
}

/// A condition: a metric by name (`records_deleted_per_day`, …), its `at_least` threshold for
/// numeric metrics, its scope for `holds_scope`.
#[uniffi::remote(Record)]
pub struct GovernanceCondition {
    pub metric: String,
    pub at_least: Option<u64>,
    pub scope: Option<String>,
}

/// A governance policy (G4): conditions combined with AND, a severity, a mode, the apps covered.
#[uniffi::remote(Record)]
pub struct GovernancePolicy {
    pub id: GovernancePolicyId,
    pub name: String,
    pub severity: Severity,
    pub conditions: Vec<GovernanceCondition>,
    pub mode: GovernanceMode,
    pub apps: RuleApps,
}

/// A change to the policy set.
#[uniffi::remote(Enum)]
pub enum GovernancePolicyChange {
    Set { policy: GovernancePolicy },
    Removed { id: GovernancePolicyId },
}

/// One entry of the policies' change log.
#[uniffi::remote(Record)]
pub struct GovernancePolicyEvent {
    pub at: Timestamp,
    pub actor: UserId,
    pub change: GovernancePolicyChange,
}

/// A condition of an alert and the value observed.
#[uniffi::remote(Record)]
pub struct ObservedCondition {
    pub condition: GovernanceCondition,
    pub observed: u64,
}

/// One policy's conditions all holding for one app.
#[uniffi::remote(Record)]
pub struct GovernanceAlert {
    pub at: Timestamp,
    pub policy: GovernancePolicyId,
    pub policy_name: String,
    pub severity: Severity,
    pub mode: GovernanceMode,
    pub app: AppId,
    pub conditions: Vec<ObservedCondition>,
}

/// A connection an enforce policy disconnects.
#[uniffi::remote(Record)]
pub struct GovernanceDisconnect {
    pub app: AppId,
    pub user: Option<UserId>,
}

/// Every policy evaluated at an instant.
#[uniffi::remote(Record)]
pub struct GovernanceReport {
    pub at: Timestamp,
    pub alerts: Vec<GovernanceAlert>,
    pub disconnects: Vec<GovernanceDisconnect>,
}

/// The report and the disconnect events logged.
#[uniffi::remote(Record)]
pub struct GovernanceOutcome {
    pub report: GovernanceReport,
    pub events: Vec<EventId>,
}

/// What the delivery log remembers of a governance alert sent through a `governance_alert`
/// rule: the rule, the policy, the app and the UTC day the alert was evaluated on.
#[uniffi::remote(Record)]
pub struct GovernanceNotice {
    pub day: Day,
    pub rule: RuleId,
    pub policy: GovernancePolicyId,
    pub app: AppId,
}

/// One governance alert to send through a `governance_alert` rule.
#[uniffi::remote(Record)]
pub struct GovernanceDelivery {
    pub due_at: Timestamp,
    pub rule: RuleId,
    pub policy: GovernancePolicyId,
    pub app: AppId,
    pub recipient: UserId,
    pub channel: Channel,
    pub severity: Severity,
    pub mode: GovernanceMode,
}

/// Records of one type the app touched by one action.
#[uniffi::remote(Record)]
pub struct RecordTouch {
    pub record_type: RecordType,
    pub action: RecordAction,
    pub count: u64,
}

/// What uninstalling or revoking an app would touch (X4).
#[uniffi::remote(Record)]
pub struct BlastRadius {
    pub app: AppId,
    pub app_name: String,
    pub workflow_actions: Vec<WorkflowAction>,
    pub records_from: Day,
    pub records_to: Day,
    pub records: Vec<RecordTouch>,
    pub records_total: u64,
    pub users: Vec<UserId>,
    pub rules: Vec<RuleId>,
}

/// One connection's granted scopes split by use, and the reauthentication dropping the unused.
#[uniffi::remote(Record)]
pub struct LeastPrivilege {
    pub app: AppId,
    pub user: Option<UserId>,
    pub window_days: u32,
    pub granted: Vec<String>,
    pub exercised: Vec<String>,
    pub unused: Vec<String>,
    pub unobservable: Vec<String>,
    pub droppable: Vec<String>,
    pub reauthenticate: Option<Command>,
}

/// The uninstall confirmation with the blast radius's counts (X4).
#[uniffi::export]
pub fn blast_radius_confirmation_prompt(radius: BlastRadius) -> String {
    radius.confirmation_prompt()
}

/// The aggregate copied out of its lock, so that it is never held beside the engine's.
fn copied(
    records: Option<Arc<RecordAggregate>>,
) -> Result<Option<connected_apps::RecordAggregate>, ConnectedAppsError> {
    records.map(|r| r.with(|a| Ok(a.clone()))).transpose()
}

/// What a host passes as evidence, owned (the record aggregate copied out of its lock, so two
/// locks are never held at once).
struct EvidenceInput {
    records: Option<connected_apps::RecordAggregate>,
    usage: Option<UsageReport>,
    marketplace: Option<Arc<Marketplace>>,
    insights_settings: Option<InsightsSettings>,
}

impl EvidenceInput {
    fn evidence(&self) -> Evidence<'_> {
        Evidence {
            records: self.records.as_ref(),
            insights_settings: self.insights_settings.as_ref(),
            usage: self.usage.as_ref(),
            marketplace: self.marketplace.as_deref().map(|m| &m.inner),
        }
    }
}

#[uniffi::export]
impl AccountEngine {
    /// The governance policies in force, by id (G4).
    pub fn governance_policies(&self) -> Result<Vec<GovernancePolicy>, ConnectedAppsError> {
        self.read_core(|engine| Ok(engine.governance_policies().policies().cloned().collect()))
    }

    /// The policies' change log, oldest first.
    pub fn governance_policy_changes(&self) -> Result<Vec<GovernancePolicyEvent>, ConnectedAppsError> {
        self.read_core(|engine| Ok(engine.governance_policies().events().to_vec()))
    }

    /// Creates or replaces a governance policy (super admins only).
    pub fn set_governance_policy(
        &self,
        actor: UserId,
        policy: GovernancePolicy,
        now: Timestamp,
    ) -> Result<(), ConnectedAppsError> {
        self.write_core(|engine| Ok(engine.set_governance_policy(&actor, policy, now)?))
    }

    /// Removes a governance policy (super admins only).
    pub fn remove_governance_policy(
        &self,
        actor: UserId,
        policy: GovernancePolicyId,
        now: Timestamp,
    ) -> Result<(), ConnectedAppsError> {
        self.write_core(|engine| Ok(engine.remove_governance_policy(&actor, &policy, now)?))
    }

    /// Evaluates the policies at `now` over the optional evidence; changes nothing.
    pub fn evaluate_governance(
        &self,
        now: Timestamp,
        records: Option<Arc<RecordAggregate>>,
        usage: Option<UsageReport>,
        marketplace: Option<Arc<Marketplace>>,
        insights_settings: Option<InsightsSettings>,
    ) -> Result<GovernanceReport, ConnectedAppsError> {
        let input = EvidenceInput { records: copied(records)?, usage, marketplace, insights_settings };
        let evidence = input.evidence();
        self.read_core(|engine| Ok(engine.evaluate_governance(&evidence, now)?))
    }

    /// Evaluates the policies and logs the disconnects of enforce policies as system events,
    /// all or nothing.
    pub fn apply_governance(
        &self,
        now: Timestamp,
        records: Option<Arc<RecordAggregate>>,
        usage: Option<UsageReport>,
        marketplace: Option<Arc<Marketplace>>,
        insights_settings: Option<InsightsSettings>,
    ) -> Result<GovernanceOutcome, ConnectedAppsError> {
        let input = EvidenceInput { records: copied(records)?, usage, marketplace, insights_settings };
        let evidence = input.evidence();
        self.write_core(|engine| Ok(engine.apply_governance(&evidence, now)?))
    }

    /// The deliveries of `alerts` through the `governance_alert` notification rules that the
    /// delivery log has not seen.
    pub fn governance_notifications(
        &self,
        alerts: Vec<GovernanceAlert>,
    ) -> Result<Vec<GovernanceDelivery>, ConnectedAppsError> {
        self.read_core(|engine| Ok(engine.governance_notifications(&alerts)))
    }

    /// Records governance deliveries as sent, all or nothing; returns how many notices (rule,
    /// policy, app, UTC day) were new. Pass the `now` the alerts were evaluated at.
    pub fn record_governance_deliveries(
        &self,
        deliveries: Vec<GovernanceDelivery>,
        now: Timestamp,
    ) -> Result<Count, ConnectedAppsError> {
        self.write_core(|engine| Ok(engine.record_governance_deliveries(&deliveries, now)?))
    }

    /// What uninstalling or revoking `app` would touch (X4).
    pub fn blast_radius(
        &self,
        app: AppId,
        now: Timestamp,
        records: Option<Arc<RecordAggregate>>,
        insights_settings: Option<InsightsSettings>,
    ) -> Result<BlastRadius, ConnectedAppsError> {
        let records = copied(records)?;
        self.read_core(|engine| Ok(engine.blast_radius(&app, records.as_ref(), insights_settings.as_ref(), now)?))
    }

    /// Least privilege (X6) of every installed connection over `window_days` days.
    pub fn least_privilege(
        &self,
        now: Timestamp,
        window_days: u32,
        records: Option<Arc<RecordAggregate>>,
        insights_settings: Option<InsightsSettings>,
    ) -> Result<Vec<LeastPrivilege>, ConnectedAppsError> {
        let records = copied(records)?;
        self.read(|engine| {
            Ok(engine.least_privilege(records.as_ref(), insights_settings.as_ref(), window_days, now)?)
        })
    }
}
