//! Accounts, users and teams (A1–A3).

use std::collections::{BTreeMap, BTreeSet};

use connected_apps::{Account, Hub, Permission, Team, TeamId, Tier, User, UserId};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{enum_in, enum_out, wrapper};

wrapper!(
    /// The account whose connected apps are managed (A1).
    PyAccount(Account),
    "Account"
);
wrapper!(
    /// A user of the account (A2).
    PyUser(User),
    "User"
);
wrapper!(
    /// A team of users (A3).
    PyTeam(Team),
    "Team"
);

#[pymethods]
impl PyAccount {
    #[new]
    #[pyo3(signature = (id, name, *, default_language = "en".to_owned(), time_zone = "UTC".to_owned(),
                        subscriptions = None, api_limit_increases = 0))]
    fn new(
        id: String,
        name: String,
        default_language: String,
        time_zone: String,
        subscriptions: Option<&Bound<'_, PyDict>>,
        #[pyo3(from_py_with = crate::convert::int::api_limit_increases)] api_limit_increases: u8,
    ) -> PyResult<Self> {
        let mut subs = BTreeMap::new();
        for (hub, tier) in subscriptions.iter().flat_map(|d| d.iter()) {
            subs.insert(enum_in::<Hub>(&hub, "hub")?, enum_in::<Tier>(&tier, "tier")?);
        }
        Ok(Self(Account { id, name, default_language, time_zone, subscriptions: subs, api_limit_increases }))
    }

    #[getter]
    fn id(&self) -> &str {
        &self.0.id
    }

    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    #[getter]
    fn default_language(&self) -> &str {
        &self.0.default_language
    }

    #[getter]
    fn time_zone(&self) -> &str {
        &self.0.time_zone
    }

    #[getter]
    fn api_limit_increases(&self) -> u8 {
        self.0.api_limit_increases
    }

    /// Subscription tier per hub (hubs absent count as free).
    #[getter]
    fn subscriptions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        for (hub, tier) in &self.0.subscriptions {
            out.set_item(enum_out(py, "Hub", hub)?, enum_out(py, "Tier", tier)?)?;
        }
        Ok(out)
    }

    /// The account's tier on `hub`.
    fn tier<'py>(&self, py: Python<'py>, hub: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        enum_out(py, "Tier", &self.0.tier(enum_in(hub, "hub")?))
    }
}

#[pymethods]
impl PyUser {
    #[new]
    #[pyo3(signature = (id, name, email, *, active = true, super_admin = false, permissions = None, platform_user_id = None))]
    fn new(
        id: String,
        name: String,
        email: String,
        active: bool,
        super_admin: bool,
        permissions: Option<&Bound<'_, PyAny>>,
        platform_user_id: Option<String>,
    ) -> PyResult<Self> {
        let permissions: BTreeSet<Permission> =
            crate::convert::enums_in(permissions, "permission")?.into_iter().collect();
        Ok(Self(User { id: UserId(id), name, email, active, super_admin, permissions, platform_user_id }))
    }

    /// The platform's numeric user id, which imported security activity and audit logs name.
    #[getter]
    fn platform_user_id(&self) -> Option<&str> {
        self.0.platform_user_id.as_deref()
    }

    #[getter]
    fn id(&self) -> &str {
        self.0.id.as_str()
    }

    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    #[getter]
    fn email(&self) -> &str {
        &self.0.email
    }

    #[getter]
    fn active(&self) -> bool {
        self.0.active
    }

    #[getter]
    fn super_admin(&self) -> bool {
        self.0.super_admin
    }

    /// Permissions granted explicitly.
    #[getter]
    fn permissions<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        self.0.permissions.iter().map(|p| enum_out(py, "Permission", p)).collect()
    }

    /// Whether the user holds `permission`, explicitly or as a super admin.
    fn has(&self, permission: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.0.has(enum_in(permission, "permission")?))
    }
}

#[pymethods]
impl PyTeam {
    #[new]
    fn new(id: String, name: String, members: Vec<String>) -> Self {
        Self(Team { id: TeamId(id), name, members: members.into_iter().map(UserId).collect() })
    }

    #[getter]
    fn id(&self) -> &str {
        self.0.id.as_str()
    }

    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    #[getter]
    fn members(&self) -> Vec<&str> {
        self.0.members.iter().map(UserId::as_str).collect()
    }
}
