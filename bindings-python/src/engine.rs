//! The engine: the directory (account, users, teams, apps), the lifecycle commands (I1–I9) and
//! the log (C4).

use std::collections::BTreeSet;

use connected_apps::{ActivityIndex, Actor, AppId, Command, ConnectionErrorInfo, Directory, Engine, TeamId, UserId};
use pyo3::prelude::*;

use crate::account::{PyAccount, PyTeam, PyUser};
use crate::catalog::PyApp;
use crate::command::outcome_out;
use crate::convert::{Instant, enum_out, from_py};
use crate::errors::OrRaise;
use crate::event::{PyEvent, events_in, events_out};
use crate::state::PyState;

/// The account's directory, its event log and the state folded from it. Every change goes through
/// a command or an appended event; a refused change raises and leaves the engine unchanged.
/// The activity-log index (activity.rs) rides along, synced before each query.
#[pyclass(module = "connected_apps", name = "Engine")]
pub struct PyEngine(pub Engine, pub ActivityIndex);

fn actor(user: Option<String>) -> Actor {
    user.map_or(Actor::System, |u| Actor::User(UserId(u)))
}

fn scope_set(scopes: Option<Vec<String>>) -> Option<BTreeSet<String>> {
    scopes.map(|s| s.into_iter().collect())
}

impl PyEngine {
    fn run<'py>(
        &mut self,
        py: Python<'py>,
        actor: Actor,
        command: Command,
        now: Instant,
    ) -> PyResult<Bound<'py, PyAny>> {
        let outcome = self.0.execute(&actor, command, now.0).or_raise()?;
        outcome_out(py, outcome)
    }
}

#[pymethods]
impl PyEngine {
    /// An engine with an empty log for `account` (an `Account` or a dict), with the given users,
    /// teams and apps (objects or dicts). All or nothing: the first invalid entry raises.
    #[new]
    #[pyo3(signature = (account, *, users = None, teams = None, apps = None))]
    fn new(
        account: &Bound<'_, PyAny>,
        users: Option<&Bound<'_, PyAny>>,
        teams: Option<&Bound<'_, PyAny>>,
        apps: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut directory = Directory::new(PyAccount::from_any(account)?).or_raise()?;
        for user in users.map(|u| u.try_iter()).transpose()?.into_iter().flatten() {
            directory.add_user(PyUser::from_any(&user?)?).or_raise()?;
        }
        for team in teams.map(|t| t.try_iter()).transpose()?.into_iter().flatten() {
            directory.add_team(PyTeam::from_any(&team?)?).or_raise()?;
        }
        for app in apps.map(|a| a.try_iter()).transpose()?.into_iter().flatten() {
            directory.add_app(PyApp::from_any(&app?)?).or_raise()?;
        }
        Ok(Self(Engine::new(directory), ActivityIndex::new()))
    }

    // --- directory (A1–A3, C1) ---

    #[getter]
    fn account(&self) -> PyAccount {
        PyAccount(self.0.directory().account().clone())
    }

    /// Replaces the account settings (subscriptions, language, …).
    fn set_account(&mut self, account: &Bound<'_, PyAny>) -> PyResult<()> {
        self.0.directory_mut().set_account(PyAccount::from_any(account)?).or_raise()
    }

    /// Adds a user (a `User` or a dict).
    fn add_user(&mut self, user: &Bound<'_, PyAny>) -> PyResult<()> {
        self.0.directory_mut().add_user(PyUser::from_any(user)?).or_raise()
    }

    /// Adds a team (a `Team` or a dict); its members must be known users.
    fn add_team(&mut self, team: &Bound<'_, PyAny>) -> PyResult<()> {
        self.0.directory_mut().add_team(PyTeam::from_any(team)?).or_raise()
    }

    /// Adds an app entry (an `App` or a dict).
    fn add_app(&mut self, app: &Bound<'_, PyAny>) -> PyResult<()> {
        self.0.directory_mut().add_app(PyApp::from_any(app)?).or_raise()
    }

    /// Activates or deactivates a user.
    fn set_user_active(&mut self, user: String, active: bool) -> PyResult<()> {
        self.0.directory_mut().set_user_active(&UserId(user), active).or_raise()
    }

    /// Every user, by id.
    fn users(&self) -> Vec<PyUser> {
        self.0.directory().users().cloned().map(PyUser).collect()
    }

    /// Every team, by id.
    fn teams(&self) -> Vec<PyTeam> {
        self.0.directory().teams().cloned().map(PyTeam).collect()
    }

    /// Every app, by id.
    fn apps(&self) -> Vec<PyApp> {
        self.0.directory().apps().cloned().map(PyApp).collect()
    }

    /// A user by id, or `None`.
    fn user(&self, id: String) -> Option<PyUser> {
        self.0.directory().user(&UserId(id)).cloned().map(PyUser)
    }

    /// A team by id, or `None`.
    fn team(&self, id: String) -> Option<PyTeam> {
        self.0.directory().team(&TeamId(id)).cloned().map(PyTeam)
    }

    /// An app by id, or `None`.
    fn app(&self, id: String) -> Option<PyApp> {
        self.0.directory().app(&AppId(id)).cloned().map(PyApp)
    }

    /// Active super admins, by id: who may receive install requests (I2).
    fn active_super_admins(&self) -> Vec<PyUser> {
        self.0.directory().active_super_admins().cloned().map(PyUser).collect()
    }

    // --- lifecycle commands (I1–I9) ---

    /// Connects `app` for `actor` (I1–I4), or reinstalls it. Returns `Applied`, or an
    /// `InstallRequest` for an admin when the actor may not install (I2; nothing is logged).
    #[pyo3(signature = (actor, app, now, *, scopes = None, expires_at = None, request_admin = None))]
    #[allow(clippy::too_many_arguments)]
    fn install<'py>(
        &mut self,
        py: Python<'py>,
        actor: String,
        app: String,
        now: Instant,
        scopes: Option<Vec<String>>,
        expires_at: Option<Instant>,
        request_admin: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let command = Command::Install {
            app: AppId(app),
            scopes: scope_set(scopes),
            expires_at: expires_at.map(|e| e.0),
            request_admin: request_admin.map(UserId),
        };
        self.run(py, Actor::User(UserId(actor)), command, now)
    }

    /// Uninstalls `app` (I5): `confirmation` must be exactly "uninstall". Returns `Uninstalled`
    /// with the post-uninstall steps (I6).
    #[pyo3(signature = (actor, app, now, *, confirmation, user = None))]
    fn uninstall<'py>(
        &mut self,
        py: Python<'py>,
        actor: String,
        app: String,
        now: Instant,
        confirmation: String,
        user: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let command = Command::Uninstall { app: AppId(app), user: user.map(UserId), confirmation };
        self.run(py, Actor::User(UserId(actor)), command, now)
    }

    /// Reconnects a disconnected, expired or failing connection (I7).
    #[pyo3(signature = (actor, app, now, *, user = None, expires_at = None))]
    fn reconnect<'py>(
        &mut self,
        py: Python<'py>,
        actor: String,
        app: String,
        now: Instant,
        user: Option<String>,
        expires_at: Option<Instant>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let command =
            Command::Reconnect { app: AppId(app), user: user.map(UserId), expires_at: expires_at.map(|e| e.0) };
        self.run(py, Actor::User(UserId(actor)), command, now)
    }

    /// Reauthenticates, granting `scopes` (default: the required scopes not granted yet) (I8).
    #[pyo3(signature = (actor, app, now, *, user = None, scopes = None, expires_at = None))]
    #[allow(clippy::too_many_arguments)]
    fn reauthenticate<'py>(
        &mut self,
        py: Python<'py>,
        actor: String,
        app: String,
        now: Instant,
        user: Option<String>,
        scopes: Option<Vec<String>>,
        expires_at: Option<Instant>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let command = Command::Reauthenticate {
            app: AppId(app),
            user: user.map(UserId),
            scopes: scope_set(scopes),
            expires_at: expires_at.map(|e| e.0),
        };
        self.run(py, Actor::User(UserId(actor)), command, now)
    }

    /// Disconnects (I9).
    #[pyo3(signature = (actor, app, now, *, user = None))]
    fn disconnect<'py>(
        &mut self,
        py: Python<'py>,
        actor: String,
        app: String,
        now: Instant,
        user: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let command = Command::Disconnect { app: AppId(app), user: user.map(UserId) };
        self.run(py, Actor::User(UserId(actor)), command, now)
    }

    /// Turns a sync setting on or off.
    #[pyo3(signature = (actor, app, setting, on, now, *, user = None))]
    #[allow(clippy::too_many_arguments)]
    fn set_sync_setting<'py>(
        &mut self,
        py: Python<'py>,
        actor: String,
        app: String,
        setting: String,
        on: bool,
        now: Instant,
        user: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let command = Command::SetSyncSetting { app: AppId(app), user: user.map(UserId), setting, on };
        self.run(py, Actor::User(UserId(actor)), command, now)
    }

    /// The connection is healthy again (reported by the app or the platform; `actor=None`).
    #[pyo3(signature = (app, now, *, user = None, actor = None))]
    fn report_connected<'py>(
        &mut self,
        py: Python<'py>,
        app: String,
        now: Instant,
        user: Option<String>,
        actor: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let command = Command::ReportConnected { app: AppId(app), user: user.map(UserId) };
        self.run(py, self::actor(actor), command, now)
    }

    /// The grant expired (reported by the platform).
    #[pyo3(signature = (app, now, *, user = None, actor = None))]
    fn report_expired<'py>(
        &mut self,
        py: Python<'py>,
        app: String,
        now: Instant,
        user: Option<String>,
        actor: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let command = Command::ReportExpired { app: AppId(app), user: user.map(UserId) };
        self.run(py, self::actor(actor), command, now)
    }

    /// The connection failed, with an error code, a message and the steps that resolve it.
    #[pyo3(signature = (app, now, *, code, message, resolution_steps = Vec::new(), user = None, actor = None))]
    #[allow(clippy::too_many_arguments)]
    fn report_error<'py>(
        &mut self,
        py: Python<'py>,
        app: String,
        now: Instant,
        code: String,
        message: String,
        resolution_steps: Vec<String>,
        user: Option<String>,
        actor: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let error = ConnectionErrorInfo { code, message, resolution_steps };
        let command = Command::ReportError { app: AppId(app), user: user.map(UserId), error };
        self.run(py, self::actor(actor), command, now)
    }

    /// The app sent or received data (last activity).
    #[pyo3(signature = (app, now, *, user = None, actor = None))]
    fn report_activity<'py>(
        &mut self,
        py: Python<'py>,
        app: String,
        now: Instant,
        user: Option<String>,
        actor: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let command = Command::ReportActivity { app: AppId(app), user: user.map(UserId) };
        self.run(py, self::actor(actor), command, now)
    }

    /// An update of the app became available, or stopped being available.
    #[pyo3(signature = (app, available, now, *, user = None, actor = None))]
    fn report_update_availability<'py>(
        &mut self,
        py: Python<'py>,
        app: String,
        available: bool,
        now: Instant,
        user: Option<String>,
        actor: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let command = Command::ReportUpdateAvailability { app: AppId(app), user: user.map(UserId), available };
        self.run(py, self::actor(actor), command, now)
    }

    /// Any command as a dict in the core's shape (`{"command": "install", "app": ...}`), taken by
    /// `actor` (`None` for the system).
    fn execute<'py>(
        &mut self,
        py: Python<'py>,
        actor: Option<String>,
        command: &Bound<'py, PyAny>,
        now: Instant,
    ) -> PyResult<Bound<'py, PyAny>> {
        let command: Command = from_py(command, "command")?;
        self.run(py, self::actor(actor), command, now)
    }

    // --- the log and the state (C4) ---

    /// Appends an event from elsewhere (an `Event` or a dict) after checking its id, its time
    /// order and the transition it makes.
    fn append(&mut self, event: &Bound<'_, PyAny>) -> PyResult<()> {
        self.0.append(PyEvent::from_any(event)?).or_raise()
    }

    /// Appends events all or nothing; returns how many.
    fn append_all(&mut self, py: Python<'_>, events: &Bound<'_, PyAny>) -> PyResult<usize> {
        let events = events_in(events)?;
        py.detach(|| self.0.append_all(events)).map_err(|(_, e)| e).or_raise()
    }

    /// The log, oldest first.
    fn events<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyEvent>>> {
        events_out(py, self.0.events().iter().map(|e| e.to_event()))
    }

    /// How many events the log holds.
    #[getter]
    fn event_count(&self) -> usize {
        self.0.events().len()
    }

    /// The current state (the fold of the whole log).
    fn state(&self) -> PyState {
        PyState(self.0.state().clone())
    }

    /// The state as of `at`: the fold of every event at or before that instant.
    fn state_as_of(&self, py: Python<'_>, at: Instant) -> PyState {
        PyState(py.detach(|| self.0.state_as_of(at.0)))
    }

    /// The state of a connection at `now`, or `None` if it was never made.
    #[pyo3(signature = (app, now, *, user = None))]
    fn connection_state<'py>(
        &self,
        py: Python<'py>,
        app: String,
        now: Instant,
        user: Option<String>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let user = user.map(UserId);
        self.0
            .connection_state(&AppId(app), user.as_ref(), now.0)
            .map(|s| enum_out(py, "ConnectionState", &s))
            .transpose()
    }

    fn __repr__(&self) -> String {
        let d = self.0.directory();
        format!(
            "Engine(account={:?}, users={}, teams={}, apps={}, events={})",
            d.account().id,
            d.users().len(),
            d.teams().len(),
            d.apps().len(),
            self.0.events().len()
        )
    }
}
