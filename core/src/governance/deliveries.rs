//! Governance alerts through the notification rules (G4): rules of type
//! [`RuleType::GovernanceAlert`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::UserId;
use crate::catalog::AppId;
use crate::governance::{GovernanceAlert, GovernanceMode, GovernancePolicyId, Severity};
use crate::notify::{Channel, NotificationRules, RuleId, RuleType};
use crate::state::Directory;

/// One governance alert to send: an alert matched by a rule, to one person, through one channel.
///
/// Ordered by due time, then rule, policy, app, recipient and channel; the derived order is
/// that order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GovernanceDelivery {
    /// When it fell due: the instant the alert was evaluated at.
    pub due_at: DateTime<Utc>,
    /// The rule.
    pub rule: RuleId,
    /// The policy that alerted.
    pub policy: GovernancePolicyId,
    /// The app alerted on.
    pub app: AppId,
    /// Who receives it.
    pub recipient: UserId,
    /// Through which channel.
    pub channel: Channel,
    /// The policy's severity.
    pub severity: Severity,
    /// The policy's mode (enforce alerts come with the app's disconnection).
    pub mode: GovernanceMode,
}

/// The deliveries of `alerts` (G4): each alert goes to every `governance_alert` rule that covers
/// its app and was in force (created or last edited) at or before the alert's instant, to the
/// rule's recipients resolved now (active users, each once) through each of its channels.
///
/// Alerts are not events of the log, so the delivery log does not remember them: an alert is
/// identified by (policy, app, instant), and a host that evaluates often dedupes on (rule,
/// policy, app) itself. Deterministic: sorted by [`GovernanceDelivery`]'s order. Bounded by
/// alerts × rules × recipients × channels.
#[must_use]
pub fn governance_deliveries(
    directory: &Directory,
    rules: &NotificationRules,
    alerts: &[GovernanceAlert],
) -> Vec<GovernanceDelivery> {
    let mut out = Vec::new();
    for active in rules.active().filter(|r| r.rule.rule_type == RuleType::GovernanceAlert) {
        let rule = &active.rule;
        let mut people: Option<Vec<UserId>> = None;
        for alert in alerts.iter().filter(|a| rule.apps.covers(&a.app) && a.at >= active.since) {
            for person in people.get_or_insert_with(|| rule.recipients.resolve(directory)).iter() {
                for channel in &rule.channels {
                    out.push(GovernanceDelivery {
                        due_at: alert.at,
                        rule: rule.id.clone(),
                        policy: alert.policy.clone(),
                        app: alert.app.clone(),
                        recipient: person.clone(),
                        channel: *channel,
                        severity: alert.severity,
                        mode: alert.mode,
                    });
                }
            }
        }
    }
    out.sort();
    out
}
