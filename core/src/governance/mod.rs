//! Governance (G1–G4, X4, X6): who may connect what, the access-request queue, the per-user
//! inventory, and what admins must act on. Every decision is an event naming its app, folded
//! by [`crate::State::apply`], so the governance state as of any instant is a fold of the log
//! (uses, G3, are counted from the log's app-activity events when asked).

pub mod alerts;
pub mod blast_radius;
pub mod deliveries;
pub(crate) mod fold;
pub mod inventory;
pub mod least_privilege;
pub(crate) mod model;
pub mod policy;
pub mod requests;

pub use alerts::{
    Evidence, GovernanceAlert, GovernanceCondition, GovernanceDisconnect, GovernanceMetric, GovernanceMode,
    GovernanceOutcome, GovernancePolicies, GovernancePolicy, GovernancePolicyChange, GovernancePolicyError,
    GovernancePolicyEvent, GovernancePolicyId, GovernanceReport, ObservedCondition, Severity, evaluate_policies,
};
pub use blast_radius::{BLAST_RADIUS_DAYS, BlastRadius, ExposureError, RecordTouch, blast_radius};
pub use deliveries::{GovernanceDelivery, check_governance_deliveries, governance_deliveries};
pub use fold::Governance;
pub use inventory::{AppUser, InventoryItem, Usage, UserInventory};
pub use least_privilege::{LeastPrivilege, least_privilege};
pub use policy::{AppPolicy, Approval, GovernanceError, PolicyDecision, PolicyLevel, PolicyRule, PolicyViolation};
pub use requests::{AccessRequest, ApprovalGrant, GovernanceSettings, QueuedApp, QueuedRequest, RequestStatus};
