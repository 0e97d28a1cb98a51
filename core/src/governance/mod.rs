//! Governance (issue 15): governance policies with audit and enforce modes (G4), the blast
//! radius of an uninstall (X4) and least privilege (X6).

pub mod alerts;
pub mod blast_radius;
pub mod least_privilege;

pub use alerts::{
    Evidence, GovernanceAlert, GovernanceCondition, GovernanceDisconnect, GovernanceMetric, GovernanceMode,
    GovernanceOutcome, GovernancePolicies, GovernancePolicy, GovernancePolicyChange, GovernancePolicyError,
    GovernancePolicyEvent, GovernancePolicyId, GovernanceReport, ObservedCondition, Severity, evaluate_policies,
};
pub use blast_radius::{BLAST_RADIUS_DAYS, BlastRadius, ExposureError, RecordTouch, blast_radius};
pub use least_privilege::{LeastPrivilege, least_privilege};
