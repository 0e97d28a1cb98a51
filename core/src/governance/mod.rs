//! Governance (G1–G4, X4, X6): who may connect what, the access-request queue, the per-user
//! inventory, and what admins must act on. Every decision is an event naming its app, folded
//! by [`crate::State::apply`], so the governance state as of any instant is a fold of the log
//! (uses, G3, are counted from the log's app-activity events when asked).

pub mod alerts;
pub mod blast_radius;
pub mod inventory;
pub mod least_privilege;
pub mod policy;
pub mod requests;

pub use alerts::{
    Evidence, GovernanceAlert, GovernanceCondition, GovernanceDisconnect, GovernanceMetric, GovernanceMode,
    GovernanceOutcome, GovernancePolicies, GovernancePolicy, GovernancePolicyChange, GovernancePolicyError,
    GovernancePolicyEvent, GovernancePolicyId, GovernanceReport, ObservedCondition, Severity, evaluate_policies,
};
pub use blast_radius::{BLAST_RADIUS_DAYS, BlastRadius, ExposureError, RecordTouch, blast_radius};
pub use inventory::{AppUser, InventoryItem, Usage, UserInventory};
pub use least_privilege::{LeastPrivilege, least_privilege};
pub use policy::{AppPolicy, Approval, GovernanceError, PolicyDecision, PolicyLevel, PolicyRule, PolicyViolation};
pub use requests::{AccessRequest, ApprovalGrant, GovernanceSettings, QueuedApp, QueuedRequest, RequestStatus};

/// The governance part of the folded state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Governance {
    pub(crate) policies: policy::Policies,
    pub(crate) requests: requests::Requests,
}

impl Governance {
    /// The policies of every app.
    #[must_use]
    pub fn policies(&self) -> &policy::Policies {
        &self.policies
    }

    /// Every user's latest request per app.
    #[must_use]
    pub fn requests(&self) -> &requests::Requests {
        &self.requests
    }

    /// Folds a governance event (policy change, scopes turned off, request, decision); returns
    /// `false` for other kinds, which the caller folds. On error nothing changes.
    pub(crate) fn apply(
        &mut self,
        directory: &crate::state::Directory,
        app: &crate::catalog::App,
        event: &crate::log::EventRef<'_>,
    ) -> Result<bool, crate::lifecycle::LifecycleError> {
        use crate::event::EventKind;
        if let Some(user) = event.user
            && event.kind.is_governance()
        {
            return Err(crate::lifecycle::LifecycleError::ConnectionUserNotAllowed {
                app: app.id.clone(),
                user: user.clone(),
            });
        }
        match event.kind {
            EventKind::PolicyChanged { level, approval } => {
                self.policies.set(directory, event.app, level, *approval)?
            }
            EventKind::ScopesTurnedOff { scopes } => self.policies.set_scopes_off(app, scopes)?,
            EventKind::AccessRequested { requester, scopes, reason, expires_at } => {
                known(directory, requester)?;
                if let Some(scope) = scopes.iter().find(|s| !app.declares(s)) {
                    return Err(GovernanceError::UndeclaredScope { app: app.id.clone(), scope: scope.clone() }.into());
                }
                self.requests.request(event.app, requester, scopes, reason, *expires_at, event.at, event.id)?;
            }
            EventKind::AccessApproved { requester, grant } => {
                let status =
                    requests::RequestStatus::Approved { by: event.actor.cloned(), at: event.at, grant: *grant };
                self.requests.decide(event.app, requester, status, event.at)?;
            }
            EventKind::AccessDenied { requester, reason } => {
                let status =
                    requests::RequestStatus::Denied { by: event.actor.cloned(), at: event.at, reason: reason.clone() };
                self.requests.decide(event.app, requester, status, event.at)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

fn known(
    directory: &crate::state::Directory,
    user: &crate::account::UserId,
) -> Result<(), crate::lifecycle::LifecycleError> {
    directory.user(user).map(|_| ()).ok_or_else(|| crate::lifecycle::LifecycleError::UnknownUser(user.clone()))
}
