//! Governance alerts through the notification rules (G4): rules of type
//! [`RuleType::GovernanceAlert`], and the delivery log's memory of them.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::UserId;
use crate::catalog::AppId;
use crate::governance::{GovernanceAlert, GovernanceMode, GovernancePolicies, GovernancePolicyId, Severity};
use crate::notify::{Channel, DeliveryLog, GovernanceNotice, NotificationRules, NotifyError, RuleId, RuleType};
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

impl GovernanceDelivery {
    /// The notice this delivery belongs to: (UTC day of `due_at`, rule, policy, app).
    #[must_use]
    pub fn notice(&self) -> GovernanceNotice {
        GovernanceNotice {
            day: crate::time::utc_day(self.due_at),
            rule: self.rule.clone(),
            policy: self.policy.clone(),
            app: self.app.clone(),
        }
    }
}

/// The deliveries of `alerts` that the delivery log `log` has not seen (G4): each alert goes to
/// every `governance_alert` rule that covers its app and was in force (created or last edited)
/// at or before the alert's instant, to the rule's recipients resolved now (active users, each
/// once) through each of its channels.
///
/// An alert's notice is identified by (rule, policy, app, UTC day of the alert's instant)
/// ([`GovernanceNotice`]): once the host records a delivery of it
/// ([`crate::AccountEngine::record_governance_deliveries`]), evaluating again the same day
/// yields nothing for it, and the same condition the next day is a new notice. Deterministic:
/// sorted by [`GovernanceDelivery`]'s order. Bounded by alerts × rules × recipients × channels.
#[must_use]
pub fn governance_deliveries(
    directory: &Directory,
    rules: &NotificationRules,
    log: &DeliveryLog,
    alerts: &[GovernanceAlert],
) -> Vec<GovernanceDelivery> {
    let mut out = all_deliveries(directory, rules, alerts);
    out.retain(|d| !log.contains_governance(&d.notice()));
    out
}

/// Every delivery of `alerts`, whatever the delivery log remembers.
fn all_deliveries(
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

/// Checks governance deliveries the host sent before the delivery log remembers them (G4), and
/// returns their notices. Each must be one the engine produces at `now`: its rule is a rule in
/// force ([`NotifyError::UnknownRule`]) of the `governance_alert` type
/// ([`NotifyError::NotGovernanceRule`]); its policy is one of `policies` with the delivery's
/// severity and mode; it is due at or before `now` on `now`'s UTC day; and it is among the
/// deliveries [`governance_deliveries`] gives for its alert (rule covering the app and in force
/// then, recipient, channel) ([`NotifyError::GovernanceNotDue`] naming why not). Its notice must
/// not be remembered yet ([`NotifyError::AlreadyDelivered`]); several deliveries of one notice
/// (recipients, channels) in one batch are one notice.
///
/// # Errors
/// The first refused delivery's error, as above.
pub fn check_governance_deliveries(
    directory: &Directory,
    rules: &NotificationRules,
    policies: &GovernancePolicies,
    log: &DeliveryLog,
    deliveries: &[GovernanceDelivery],
    now: DateTime<Utc>,
) -> Result<BTreeSet<GovernanceNotice>, NotifyError> {
    // The alert each delivery claims, once per distinct claim.
    let mut alerts: BTreeMap<(DateTime<Utc>, &GovernancePolicyId, &AppId), GovernanceAlert> = BTreeMap::new();
    for delivery in deliveries {
        let not_due = |reason| not_due(delivery, now, reason);
        let rule = rules.rule(&delivery.rule).ok_or_else(|| NotifyError::UnknownRule(delivery.rule.clone()))?;
        if rule.rule_type != RuleType::GovernanceAlert {
            return Err(NotifyError::NotGovernanceRule { rule: rule.id.clone(), rule_type: rule.rule_type });
        }
        let policy = policies.policy(&delivery.policy).ok_or_else(|| not_due("its policy is unknown"))?;
        if policy.severity != delivery.severity || policy.mode != delivery.mode {
            return Err(not_due("its severity or mode is not its policy's"));
        }
        if delivery.due_at > now || crate::time::utc_day(delivery.due_at) != crate::time::utc_day(now) {
            return Err(not_due("it is not due on or before now, the same utc day"));
        }
        alerts.entry((delivery.due_at, &delivery.policy, &delivery.app)).or_insert_with(|| GovernanceAlert {
            at: delivery.due_at,
            policy: delivery.policy.clone(),
            policy_name: policy.name.clone(),
            severity: policy.severity,
            mode: policy.mode,
            app: delivery.app.clone(),
            conditions: Vec::new(),
        });
    }
    let alerts: Vec<GovernanceAlert> = alerts.into_values().collect();
    let produced = all_deliveries(directory, rules, &alerts);
    let produced: HashSet<&GovernanceDelivery> = produced.iter().collect();
    if let Some(refused) = deliveries.iter().find(|d| !produced.contains(d)) {
        let reason =
            "its rule does not send it: not covering the app, not in force then, or another recipient or channel";
        return Err(not_due(refused, now, reason));
    }
    let notices: BTreeSet<GovernanceNotice> = deliveries.iter().map(GovernanceDelivery::notice).collect();
    if let Some(seen) = notices.iter().find(|n| log.contains_governance(n)) {
        return Err(NotifyError::AlreadyDelivered(Box::new(seen.clone())));
    }
    Ok(notices)
}

fn not_due(delivery: &GovernanceDelivery, now: DateTime<Utc>, reason: &'static str) -> NotifyError {
    NotifyError::GovernanceNotDue {
        notice: Box::new(delivery.notice()),
        recipient: delivery.recipient.clone(),
        due_at: delivery.due_at,
        now,
        reason,
    }
}
