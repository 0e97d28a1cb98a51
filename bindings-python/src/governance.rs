//! Governance (G1–G3): approval policies, the access-request queue, the per-user inventory and
//! revocations. Results are JSON-shaped dicts in the core's serde shape (times as RFC 3339
//! strings); every rule lives in the core.

use std::collections::BTreeSet;

use connected_apps::{AppId, ApprovalGrant, GovernanceSettings, LifecycleError, PolicyRule, UserId};
use pyo3::prelude::*;

use crate::convert::{Instant, enum_in, from_py, to_py};
use crate::engine::PyEngine;
use crate::errors::OrRaise;

#[pymethods]
impl PyEngine {
    /// Sets or removes rules of `app`'s approval policy (G1; super admins only). Each rule is a
    /// dict `{"level": "account" | {"team": id} | {"user": id}, "approval": "allowed" |
    /// "needs_approval" | "blocked" | None}`. Returns the logged event ids (one per rule).
    fn set_policy(
        &self,
        py: Python<'_>,
        actor: String,
        app: String,
        rules: &Bound<'_, PyAny>,
        now: Instant,
    ) -> PyResult<Vec<u64>> {
        let rules: Vec<PolicyRule> = from_py(rules, "policy rules")?;
        let ids = self.write(py, |e| e.set_policy(&UserId(actor), &AppId(app), rules, now.0))?.or_raise()?;
        Ok(ids.into_iter().map(|id| id.0).collect())
    }

    /// Replaces the optional scopes of `app` turned off (G1; super admins only).
    fn turn_off_scopes(
        &self,
        py: Python<'_>,
        actor: String,
        app: String,
        scopes: Vec<String>,
        now: Instant,
    ) -> PyResult<u64> {
        let scopes: BTreeSet<String> = scopes.into_iter().collect();
        Ok(self.write(py, |e| e.turn_off_scopes(&UserId(actor), &AppId(app), scopes, now.0))?.or_raise()?.0)
    }

    /// The policy of `app` as a dict (`account`, `teams`, `users`, `scopes_off`), or None.
    fn app_policy<'py>(&self, py: Python<'py>, app: String) -> PyResult<Bound<'py, PyAny>> {
        let policy = self.read(py, |e| e.app_policy(&AppId(app)).cloned())?;
        to_py(py, &policy)
    }

    /// The decision for `user` connecting `app`: `{"approval": ..., "level": ...}` (level None
    /// when no rule names the app).
    fn policy_decision<'py>(&self, py: Python<'py>, app: String, user: String) -> PyResult<Bound<'py, PyAny>> {
        let decision = self.read(py, |e| e.policy_decision(&AppId(app), &UserId(user)))?.or_raise()?;
        to_py(py, &decision)
    }

    /// The installed connections that break the policy in force at `now`, as dicts.
    fn policy_violations<'py>(&self, py: Python<'py>, now: Instant) -> PyResult<Bound<'py, PyAny>> {
        let violations = self.read(py, |e| e.policy_violations(now.0))?;
        to_py(py, &violations)
    }

    /// Files an access request of `actor` for `app` (G2); `scopes` None asks for the required
    /// ones. Returns the event id.
    #[pyo3(signature = (actor, app, now, *, scopes = None, reason = String::new()))]
    fn request_access(
        &self,
        py: Python<'_>,
        actor: String,
        app: String,
        now: Instant,
        scopes: Option<Vec<String>>,
        reason: String,
    ) -> PyResult<u64> {
        let scopes = scopes.map(|s| s.into_iter().collect());
        Ok(self.write(py, |e| e.request_access(&UserId(actor), &AppId(app), scopes, reason, now.0))?.or_raise()?.0)
    }

    /// Approves the open request of `requester` for `app` (super admins only); `grant` is
    /// `"install"` or `"allow_list"`. Returns the logged event ids.
    fn approve_request(
        &self,
        py: Python<'_>,
        actor: String,
        app: String,
        requester: String,
        grant: &Bound<'_, PyAny>,
        now: Instant,
    ) -> PyResult<Vec<u64>> {
        let grant: ApprovalGrant = enum_in(grant, "approval grant")?;
        let ids = self
            .write(py, |e| e.approve_request(&UserId(actor), &AppId(app), &UserId(requester), grant, now.0))?
            .or_raise()?;
        Ok(ids.into_iter().map(|id| id.0).collect())
    }

    /// Denies the open request of `requester` for `app` with a reason (super admins only).
    fn deny_request(
        &self,
        py: Python<'_>,
        actor: String,
        app: String,
        requester: String,
        reason: String,
        now: Instant,
    ) -> PyResult<u64> {
        let id = self
            .write(py, |e| e.deny_request(&UserId(actor), &AppId(app), &UserId(requester), reason, now.0))?
            .or_raise()?;
        Ok(id.0)
    }

    /// The latest request of `user` for `app` as a dict, or None.
    fn access_request<'py>(&self, py: Python<'py>, app: String, user: String) -> PyResult<Bound<'py, PyAny>> {
        let request = self.read(py, |e| e.access_request(&AppId(app), &UserId(user)).cloned())?;
        to_py(py, &request)
    }

    /// The queue at `now`: apps by distinct requesters, then oldest request, as dicts.
    fn access_queue<'py>(&self, py: Python<'py>, now: Instant) -> PyResult<Bound<'py, PyAny>> {
        let queue = self.read(py, |e| e.access_queue(now.0))?;
        to_py(py, &queue)
    }

    /// Days before an open access request expires.
    #[getter]
    fn request_expiry_days(&self, py: Python<'_>) -> PyResult<u32> {
        self.read(py, |e| e.governance_settings().request_expiry_days)
    }

    /// Sets the days before an open access request expires (1–365).
    fn set_request_expiry_days(&self, py: Python<'_>, days: u32) -> PyResult<()> {
        let settings = GovernanceSettings { request_expiry_days: days };
        self.write(py, |e| e.set_governance_settings(settings).map_err(LifecycleError::from))?.or_raise()
    }

    /// `user`'s installed connections at `now`, with scopes and uses, as a dict.
    fn user_inventory<'py>(&self, py: Python<'py>, user: String, now: Instant) -> PyResult<Bound<'py, PyAny>> {
        let inventory = self.read(py, |e| e.user_inventory(&UserId(user), now.0))?.or_raise()?;
        to_py(py, &inventory)
    }

    /// The users of `app` at `now`, as dicts.
    fn app_users<'py>(&self, py: Python<'py>, app: String, now: Instant) -> PyResult<Bound<'py, PyAny>> {
        let users = self.read(py, |e| e.app_users(&AppId(app), now.0))?.or_raise()?;
        to_py(py, &users)
    }

    /// Revokes one installed connection (super admins only); name the user for user-level apps.
    #[pyo3(signature = (actor, app, now, *, user = None, reason = String::new()))]
    fn revoke_connection(
        &self,
        py: Python<'_>,
        actor: String,
        app: String,
        now: Instant,
        user: Option<String>,
        reason: String,
    ) -> PyResult<u64> {
        let user = user.map(UserId);
        Ok(self.write(py, |e| e.revoke_connection(&UserId(actor), &AppId(app), user, reason, now.0))?.or_raise()?.0)
    }

    /// Revokes every installed connection of `user` (super admins only), one event each.
    #[pyo3(signature = (actor, user, now, *, reason = String::new()))]
    fn revoke_user_connections(
        &self,
        py: Python<'_>,
        actor: String,
        user: String,
        now: Instant,
        reason: String,
    ) -> PyResult<Vec<u64>> {
        let ids =
            self.write(py, |e| e.revoke_user_connections(&UserId(actor), &UserId(user), reason, now.0))?.or_raise()?;
        Ok(ids.into_iter().map(|id| id.0).collect())
    }

    /// Deactivates `user` and returns their installed connections at `now` (dicts `{"app",
    /// "user"}`), to offer revoking them.
    fn deactivate_user<'py>(&self, py: Python<'py>, user: String, now: Instant) -> PyResult<Bound<'py, PyAny>> {
        let keys = self.write(py, |e| e.set_user_active(&UserId(user), false, now.0))?.or_raise()?;
        to_py(py, &keys)
    }
}
