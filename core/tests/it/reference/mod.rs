//! The naive reference models (oracles) the property tests compare the engine with: each applies
//! the documented rules literally and shares no code with the engine beyond its data types.

pub mod activity;
pub mod governance;
pub mod marketplace;
pub mod notify;
