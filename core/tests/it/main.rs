//! The core's integration, property and corpus tests, built as one test binary (one module per
//! area): `cargo test -p connected-apps --test it [area::]`. Shared fixtures live in `common`
//! and `notify_support`, the naive reference models of the property tests in `reference`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]

mod common;
mod notify_support;
mod reference;

mod access;
mod activity;
mod capacity;
mod catalogue;
mod chain;
mod directory;
mod fuzz_corpus;
mod governance;
mod governance_alerts;
mod governance_alerts_reference;
mod governance_deliveries;
mod governance_reference;
mod import;
mod ingest;
mod insights;
mod insights_usage;
mod layers;
mod lifecycle;
mod marketplace;
mod marketplace_reference;
mod marketplace_workflows;
mod month;
mod notify;
mod notify_access;
mod notify_hardening;
mod notify_reference;
mod partials;
mod permissions;
mod reference_sources;
#[cfg(feature = "report")]
mod report;
mod snapshot;
mod views;
