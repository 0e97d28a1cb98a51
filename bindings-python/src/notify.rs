//! Notification rules and deliveries (N1–N4, X1, X5).

use connected_apps::{Delivery, Rule, RuleId, UserId};
use pyo3::prelude::*;

use crate::convert::{Instant, datetime_out, enum_out, to_py, wrapper};
use crate::engine::PyEngine;
use crate::errors::OrRaise;

wrapper!(
    /// A notification rule (N1, N2, X5). Build it with `Rule.from_dict` in the core's shape, e.g.
    /// `{"id": "r1", "name": "Installs", "type": "app_installed", "apps": "all",
    /// "recipients": "super_admins", "channels": ["email"]}`.
    PyRule(Rule),
    "Rule"
);
wrapper!(
    /// One notification to send: a notice of a rule, to one person, through one channel (N4).
    PyDelivery(Delivery),
    "Delivery"
);

#[pymethods]
impl PyRule {
    #[getter]
    fn id(&self) -> &str {
        &self.0.id.0
    }

    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    /// App installed, disconnected or uninstalled.
    #[getter]
    fn r#type<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        enum_out(py, "RuleType", &self.0.rule_type)
    }

    /// `"all"` or `{"only": [app ids]}`.
    #[getter]
    fn apps<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.apps)
    }

    /// `"super_admins"`, `"everyone"` or `{"specific": {"users": [...], "teams": [...]}}`.
    #[getter]
    fn recipients<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.recipients)
    }

    #[getter]
    fn channels<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        self.0.channels.iter().map(|c| enum_out(py, "Channel", c)).collect()
    }

    /// Reminder frequency of disconnect rules.
    #[getter]
    fn frequency<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.0.frequency.map(|f| enum_out(py, "Frequency", &f)).transpose()
    }

    #[getter]
    fn notify_recovered(&self) -> bool {
        self.0.notify_recovered
    }
}

#[pymethods]
impl PyDelivery {
    #[getter]
    fn due_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_out(py, self.0.due_at)
    }

    #[getter]
    fn rule(&self) -> &str {
        &self.0.rule.0
    }

    /// What the notice is about, e.g. `{"kind": "reminder", "disconnected": 4, "n": 2}`.
    #[getter]
    fn trigger<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.trigger)
    }

    #[getter]
    fn app(&self) -> &str {
        self.0.app.as_str()
    }

    #[getter]
    fn connection_user(&self) -> Option<&str> {
        self.0.connection_user.as_ref().map(UserId::as_str)
    }

    #[getter]
    fn recipient(&self) -> &str {
        self.0.recipient.as_str()
    }

    #[getter]
    fn channel<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        enum_out(py, "Channel", &self.0.channel)
    }
}

fn rules_in(rules: &Bound<'_, PyAny>) -> PyResult<Vec<Rule>> {
    rules.try_iter()?.map(|r| PyRule::from_any(&r?)).collect()
}

fn deliveries_in(deliveries: &Bound<'_, PyAny>) -> PyResult<Vec<Delivery>> {
    deliveries.try_iter()?.map(|d| PyDelivery::from_any(&d?)).collect()
}

fn deliveries_out(deliveries: Vec<Delivery>) -> Vec<PyDelivery> {
    deliveries.into_iter().map(PyDelivery).collect()
}

#[pymethods]
impl PyEngine {
    /// The rules in force, by id.
    fn notification_rules(&self, py: Python<'_>) -> PyResult<Vec<PyRule>> {
        self.read_account(py, |e| e.notification_rules().rules().cloned().map(PyRule).collect())
    }

    /// The rules' change log (who created, edited or deleted which rule, when), as dicts.
    fn rule_changes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let changes = self.read_account(py, |e| e.notification_rules().events().to_vec())?;
        to_py(py, &changes)
    }

    /// Creates a rule (a `Rule` or a dict); super admins and users with App Marketplace Access may.
    fn create_rule(&self, py: Python<'_>, actor: String, rule: &Bound<'_, PyAny>, now: Instant) -> PyResult<()> {
        let rule = PyRule::from_any(rule)?;
        self.write_account(py, |e| e.create_rule(&UserId(actor), rule, now.0))?.or_raise()
    }

    /// Replaces the rule with the same id; super admins only (N3).
    fn edit_rule(&self, py: Python<'_>, actor: String, rule: &Bound<'_, PyAny>, now: Instant) -> PyResult<()> {
        let rule = PyRule::from_any(rule)?;
        self.write_account(py, |e| e.edit_rule(&UserId(actor), rule, now.0))?.or_raise()
    }

    /// Deletes a rule; super admins only (N3).
    fn delete_rule(&self, py: Python<'_>, actor: String, rule: String, now: Instant) -> PyResult<()> {
        self.write_account(py, |e| e.delete_rule(&UserId(actor), &RuleId(rule), now.0))?.or_raise()
    }

    /// The deliveries due at `now` that the delivery log has not seen (N4); changes nothing.
    fn due_notifications(&self, py: Python<'_>, now: Instant) -> PyResult<Vec<PyDelivery>> {
        self.read_account(py, |e| deliveries_out(e.due_notifications(now.0)))
    }

    /// Records deliveries as sent, all or nothing; returns how many notices were new. Only
    /// deliveries the engine produces at `now` (the instant they were evaluated at) are accepted.
    fn record_deliveries(&self, py: Python<'_>, deliveries: &Bound<'_, PyAny>, now: Instant) -> PyResult<usize> {
        let deliveries = deliveries_in(deliveries)?;
        self.write_account(py, |e| e.record_deliveries(&deliveries, now.0))?.or_raise()
    }

    /// Forgets the notices due before `before` (counted as handled), bounding the delivery log;
    /// never settles past the newest event.
    fn settle_deliveries(&self, py: Python<'_>, before: Instant) -> PyResult<()> {
        self.write_account(py, |e| e.settle_deliveries(before.0))
    }

    /// The delivery log, as a dict.
    fn delivery_log<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let log = self.read_account(py, |e| e.delivery_log().clone())?;
        to_py(py, &log)
    }

    /// Dry run (X1): the deliveries `rules` would have produced between `from_` and `to` of the log.
    #[pyo3(signature = (rules, from_, to))]
    fn dry_run_notifications(
        &self,
        py: Python<'_>,
        rules: &Bound<'_, PyAny>,
        from_: Instant,
        to: Instant,
    ) -> PyResult<Vec<PyDelivery>> {
        let rules = rules_in(rules)?;
        self.read(py, |e| e.dry_run_notifications(&rules, from_.0, to.0))?.or_raise().map(deliveries_out)
    }
}
