//! The naive reference models (oracles) the property tests compare the engine with: each applies
//! the documented rules literally and shares no code with the engine beyond its data types
//! (`reference_sources` checks that none calls an engine helper it is meant to check).

pub mod activity;
pub mod governance;
pub mod governance_alerts;
pub mod marketplace;
pub mod notify;
pub mod robust;
