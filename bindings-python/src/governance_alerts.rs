//! Governance (issue 15): governance policies with audit and enforce modes (G4), the blast
//! radius of an uninstall (X4), least privilege (X6). Policies go in as dicts in the core's
//! shape; reports come out as dicts.

use connected_apps::governance::{
    BlastRadius, Evidence, GovernanceAlert, GovernanceDelivery, GovernancePolicy, GovernancePolicyId,
};
use connected_apps::{InsightsSettings, RecordAggregate, UsageReport, UserId};
use pyo3::prelude::*;
use serde::Serialize;

use crate::convert::{Instant, from_py, to_py};
use crate::engine::PyEngine;
use crate::errors::OrRaise;
use crate::insights::PyRecordAggregate;
use crate::marketplace::PyMarketplace;
use crate::usage::PyUsageReport;

/// The host's evidence, converted before any lock is taken (the aggregate is copied out of its
/// lock, so the engine's lock is never held beside it).
struct EvidenceIn {
    records: Option<RecordAggregate>,
    settings: Option<InsightsSettings>,
    usage: Option<UsageReport>,
}

fn evidence_in(
    py: Python<'_>,
    records: Option<&Bound<'_, PyRecordAggregate>>,
    usage: Option<&Bound<'_, PyAny>>,
    insights_settings: Option<&Bound<'_, PyAny>>,
) -> PyResult<EvidenceIn> {
    Ok(EvidenceIn {
        records: records.map(|r| r.get().0.read(py, Clone::clone)).transpose()?,
        settings: insights_settings.map(|s| from_py(s, "insights settings")).transpose()?,
        usage: usage.map(PyUsageReport::from_any).transpose()?,
    })
}

impl EvidenceIn {
    fn evidence<'a>(&'a self, marketplace: Option<&'a PyMarketplace>) -> Evidence<'a> {
        Evidence {
            records: self.records.as_ref(),
            insights_settings: self.settings.as_ref(),
            usage: self.usage.as_ref(),
            marketplace: marketplace.map(|m| &m.0),
        }
    }
}

/// A blast radius with its uninstall confirmation.
#[derive(Serialize)]
struct RadiusOut {
    #[serde(flatten)]
    radius: BlastRadius,
    confirmation_prompt: String,
}

#[pymethods]
impl PyEngine {
    /// The governance policies in force, by id, as dicts (G4).
    fn governance_policies<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let policies: Vec<GovernancePolicy> =
            self.read_account(py, |e| e.governance_policies().policies().cloned().collect())?;
        to_py(py, &policies)
    }

    /// The policies' change log (who set or removed which policy, when), as dicts.
    fn governance_policy_changes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let changes = self.read_account(py, |e| e.governance_policies().events().to_vec())?;
        to_py(py, &changes)
    }

    /// Creates or replaces a governance policy (a dict, e.g. `{"id": "p", "name": "Mass delete",
    /// "severity": "high", "conditions": [{"metric": "records_deleted_per_day", "at_least": 500}],
    /// "mode": "enforce", "apps": "all"}`); super admins only.
    fn set_governance_policy(
        &self,
        py: Python<'_>,
        actor: String,
        policy: &Bound<'_, PyAny>,
        now: Instant,
    ) -> PyResult<()> {
        let policy: GovernancePolicy = from_py(policy, "governance policy")?;
        self.write_account(py, |e| e.set_governance_policy(&UserId(actor), policy, now.0))?.or_raise()
    }

    /// Removes a governance policy; super admins only.
    fn remove_governance_policy(&self, py: Python<'_>, actor: String, policy: String, now: Instant) -> PyResult<()> {
        self.write_account(py, |e| e.remove_governance_policy(&UserId(actor), &GovernancePolicyId(policy), now.0))?
            .or_raise()
    }

    /// Evaluates the policies at `now` (G4) over the optional evidence: a `RecordAggregate`, a
    /// `UsageReport` (object or dict), a `Marketplace`, insights settings (dict). Returns
    /// `{"at", "alerts", "disconnects"}`; changes nothing.
    #[pyo3(signature = (now, *, records = None, usage = None, marketplace = None, insights_settings = None))]
    fn evaluate_governance<'py>(
        &self,
        py: Python<'py>,
        now: Instant,
        records: Option<&Bound<'_, PyRecordAggregate>>,
        usage: Option<&Bound<'_, PyAny>>,
        marketplace: Option<&Bound<'_, PyMarketplace>>,
        insights_settings: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let input = evidence_in(py, records, usage, insights_settings)?;
        let market = marketplace.map(Bound::get);
        let report = self.read_account(py, |e| e.evaluate_governance(&input.evidence(market), now.0))?.or_raise()?;
        to_py(py, &report)
    }

    /// Evaluates the policies and logs the disconnects of enforce policies as system events, all
    /// or nothing. Returns `{"report", "events"}` (the ids logged).
    #[pyo3(signature = (now, *, records = None, usage = None, marketplace = None, insights_settings = None))]
    fn apply_governance<'py>(
        &self,
        py: Python<'py>,
        now: Instant,
        records: Option<&Bound<'_, PyRecordAggregate>>,
        usage: Option<&Bound<'_, PyAny>>,
        marketplace: Option<&Bound<'_, PyMarketplace>>,
        insights_settings: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let input = evidence_in(py, records, usage, insights_settings)?;
        let market = marketplace.map(Bound::get);
        let outcome = self.write_account(py, |e| e.apply_governance(&input.evidence(market), now.0))?.or_raise()?;
        to_py(py, &outcome)
    }

    /// The deliveries of governance alerts (the `alerts` of a report, as dicts) through the
    /// `governance_alert` notification rules that the delivery log has not seen, as dicts.
    fn governance_notifications<'py>(&self, py: Python<'py>, alerts: &Bound<'_, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let alerts: Vec<GovernanceAlert> = from_py(alerts, "governance alerts")?;
        let deliveries = self.read_account(py, |e| e.governance_notifications(&alerts))?;
        to_py(py, &deliveries)
    }

    /// Records governance deliveries (dicts from `governance_notifications`) as sent, all or
    /// nothing; returns how many notices (rule, policy, app, UTC day) were new. Pass the `now`
    /// the alerts were evaluated at.
    fn record_governance_deliveries(
        &self,
        py: Python<'_>,
        deliveries: &Bound<'_, PyAny>,
        now: Instant,
    ) -> PyResult<usize> {
        let deliveries: Vec<GovernanceDelivery> = from_py(deliveries, "governance deliveries")?;
        self.write_account(py, |e| e.record_governance_deliveries(&deliveries, now.0))?.or_raise()
    }

    /// What uninstalling or revoking `app` would touch (X4): workflow actions, records of the last
    /// 30 days by type and action, users, notification rules, and the `confirmation_prompt`.
    #[pyo3(signature = (app, now, *, records = None, insights_settings = None))]
    fn blast_radius<'py>(
        &self,
        py: Python<'py>,
        app: String,
        now: Instant,
        records: Option<&Bound<'_, PyRecordAggregate>>,
        insights_settings: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let input = evidence_in(py, records, None, insights_settings)?;
        let radius = self
            .read_account(py, |e| e.blast_radius(&app.into(), input.records.as_ref(), input.settings.as_ref(), now.0))?
            .or_raise()?;
        let confirmation_prompt = radius.confirmation_prompt();
        to_py(py, &RadiusOut { radius, confirmation_prompt })
    }

    /// Least privilege (X6): per installed connection, the granted scopes never exercised in the
    /// last `window_days` days and the reauthentication command (a dict) that drops them.
    #[pyo3(signature = (now, *, window_days = 30, records = None, insights_settings = None))]
    fn least_privilege<'py>(
        &self,
        py: Python<'py>,
        now: Instant,
        #[pyo3(from_py_with = crate::convert::int::window_days)] window_days: u32,
        records: Option<&Bound<'_, PyRecordAggregate>>,
        insights_settings: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let input = evidence_in(py, records, None, insights_settings)?;
        let views = self
            .read(py, |e| e.least_privilege(input.records.as_ref(), input.settings.as_ref(), window_days, now.0))?
            .or_raise()?;
        to_py(py, &views)
    }
}
