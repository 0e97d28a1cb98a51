//! The engine: the directory (account, users, teams, apps), the lifecycle commands (I1–I9) and
//! the log (C4).

use std::collections::BTreeSet;

use connected_apps::{
    AccountEngine, ActivityError, Actor, AppId, Command, ConnectionErrorInfo, Directory, Engine, IndexedLog, TeamId,
    UserId,
};
use pyo3::prelude::*;

use crate::account::{PyAccount, PyTeam, PyUser};
use crate::catalog::PyApp;
use crate::command::outcome_out;
use crate::convert::{Instant, enum_out, from_py};
use crate::errors::OrRaise;
use crate::event::{PyEvent, events_in, events_out};
use crate::lock::Locked;
use crate::state::PyState;

/// The account's directory, its event log and the state folded from it. Every change goes through
/// a command or an appended event; a refused change raises and leaves the engine unchanged.
/// It wraps the core's `AccountEngine`, whose activity-log index syncs itself when queried.
///
/// Safe to share between threads: calls wait for each other (see lock.rs); a read during a
/// change sees the state before or after it.
#[pyclass(frozen, module = "connected_apps", name = "Engine")]
pub struct PyEngine {
    engine: Locked<AccountEngine>,
}

fn actor(user: Option<String>) -> Actor {
    user.map_or(Actor::System, |u| Actor::User(UserId(u)))
}

fn scope_set(scopes: Option<Vec<String>>) -> Option<BTreeSet<String>> {
    scopes.map(|s| s.into_iter().collect())
}

impl PyEngine {
    /// Wraps a core account engine.
    pub fn wrap(engine: impl Into<AccountEngine>) -> Self {
        Self { engine: Locked::new(engine.into()) }
    }

    /// `f` on the engine, shared with other readers, GIL released (see lock.rs).
    pub fn read<R: Send>(&self, py: Python<'_>, f: impl Send + FnOnce(&Engine) -> R) -> PyResult<R> {
        self.engine.read(py, |e| f(e.engine()))
    }

    /// `f` on the engine, alone, GIL released (see lock.rs).
    pub fn write<R: Send>(&self, py: Python<'_>, f: impl Send + FnOnce(&mut Engine) -> R) -> PyResult<R> {
        self.engine.write(py, |e| f(e.engine_mut()))
    }

    /// `f` on the account engine, shared with other readers, GIL released (see lock.rs).
    pub fn read_account<R: Send>(&self, py: Python<'_>, f: impl Send + FnOnce(&AccountEngine) -> R) -> PyResult<R> {
        self.engine.read(py, f)
    }

    /// `f` on the account engine (notification state), alone, GIL released (see lock.rs).
    pub fn write_account<R: Send>(
        &self,
        py: Python<'_>,
        f: impl Send + FnOnce(&mut AccountEngine) -> R,
    ) -> PyResult<R> {
        self.engine.write(py, f)
    }

    /// `f` on the indexed log, GIL released: under the read lock while the index is current,
    /// else under the write lock once synced (the core's read-write split, see
    /// `connected_apps::account_engine`), so queries run concurrently between changes.
    pub fn with_activity<R: Send>(
        &self,
        py: Python<'_>,
        f: impl Send + Sync + Fn(IndexedLog<'_>) -> Result<R, ActivityError>,
    ) -> PyResult<Result<R, ActivityError>> {
        match self.engine.read(py, |e| f(e.indexed()))? {
            Err(ActivityError::OutOfSync { .. }) => self.engine.write(py, |e| e.sync_activity().and_then(&f)),
            done => Ok(done),
        }
    }

    fn run<'py>(&self, py: Python<'py>, actor: Actor, command: Command, now: Instant) -> PyResult<Bound<'py, PyAny>> {
        let outcome = self.write(py, |engine| engine.execute(&actor, command, now.0))?.or_raise()?;
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
        Ok(Self::wrap(AccountEngine::new(directory)))
    }

    // --- directory (A1–A3, C1) ---

    #[getter]
    fn account(&self, py: Python<'_>) -> PyResult<PyAccount> {
        self.read(py, |e| PyAccount(e.directory().account().clone()))
    }

    /// Replaces the account settings (subscriptions, language, …).
    fn set_account(&self, py: Python<'_>, account: &Bound<'_, PyAny>) -> PyResult<()> {
        let account = PyAccount::from_any(account)?;
        self.write(py, |e| e.directory_mut().set_account(account))?.or_raise()
    }

    /// Adds a user (a `User` or a dict).
    fn add_user(&self, py: Python<'_>, user: &Bound<'_, PyAny>) -> PyResult<()> {
        let user = PyUser::from_any(user)?;
        self.write(py, |e| e.directory_mut().add_user(user))?.or_raise()
    }

    /// Adds a team (a `Team` or a dict); its members must be known users.
    fn add_team(&self, py: Python<'_>, team: &Bound<'_, PyAny>) -> PyResult<()> {
        let team = PyTeam::from_any(team)?;
        self.write(py, |e| e.directory_mut().add_team(team))?.or_raise()
    }

    /// Adds an app entry (an `App` or a dict).
    fn add_app(&self, py: Python<'_>, app: &Bound<'_, PyAny>) -> PyResult<()> {
        let app = PyApp::from_any(app)?;
        self.write(py, |e| e.directory_mut().add_app(app))?.or_raise()
    }

    /// Activates or deactivates a user.
    fn set_user_active(&self, py: Python<'_>, user: String, active: bool) -> PyResult<()> {
        self.write(py, |e| e.directory_mut().set_user_active(&UserId(user), active))?.or_raise()
    }

    /// Every user, by id.
    fn users(&self, py: Python<'_>) -> PyResult<Vec<PyUser>> {
        self.read(py, |e| e.directory().users().cloned().map(PyUser).collect())
    }

    /// Every team, by id.
    fn teams(&self, py: Python<'_>) -> PyResult<Vec<PyTeam>> {
        self.read(py, |e| e.directory().teams().cloned().map(PyTeam).collect())
    }

    /// Every app, by id.
    fn apps(&self, py: Python<'_>) -> PyResult<Vec<PyApp>> {
        self.read(py, |e| e.directory().apps().cloned().map(PyApp).collect())
    }

    /// A user by id, or `None`.
    fn user(&self, py: Python<'_>, id: String) -> PyResult<Option<PyUser>> {
        self.read(py, |e| e.directory().user(&UserId(id)).cloned().map(PyUser))
    }

    /// A team by id, or `None`.
    fn team(&self, py: Python<'_>, id: String) -> PyResult<Option<PyTeam>> {
        self.read(py, |e| e.directory().team(&TeamId(id)).cloned().map(PyTeam))
    }

    /// An app by id, or `None`.
    fn app(&self, py: Python<'_>, id: String) -> PyResult<Option<PyApp>> {
        self.read(py, |e| e.directory().app(&AppId(id)).cloned().map(PyApp))
    }

    /// Active super admins, by id: who may receive install requests (I2).
    fn active_super_admins(&self, py: Python<'_>) -> PyResult<Vec<PyUser>> {
        self.read(py, |e| e.directory().active_super_admins().cloned().map(PyUser).collect())
    }

    // --- lifecycle commands (I1–I9) ---

    /// Connects `app` for `actor` (I1–I4), or reinstalls it. Returns `Applied`, or an
    /// `InstallRequest` for an admin when the actor may not install (I2) or the app needs
    /// approval (G1), queued as an access request (G2).
    #[pyo3(signature = (actor, app, now, *, scopes = None, expires_at = None, request_admin = None))]
    #[allow(clippy::too_many_arguments, reason = "mirrors the keyword arguments of the Python signature above")]
    fn install<'py>(
        &self,
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
        &self,
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
        &self,
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

    /// Reauthenticates, granting `scopes` (default: the required scopes not granted yet) (I8)
    /// and removing the granted scopes of `dropped` from the grant (X6).
    #[pyo3(signature = (actor, app, now, *, user = None, scopes = None, expires_at = None, dropped = None))]
    #[allow(clippy::too_many_arguments, reason = "mirrors the keyword arguments of the Python signature above")]
    fn reauthenticate<'py>(
        &self,
        py: Python<'py>,
        actor: String,
        app: String,
        now: Instant,
        user: Option<String>,
        scopes: Option<Vec<String>>,
        expires_at: Option<Instant>,
        dropped: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let command = Command::Reauthenticate {
            app: AppId(app),
            user: user.map(UserId),
            scopes: scope_set(scopes),
            expires_at: expires_at.map(|e| e.0),
            dropped: scope_set(dropped).unwrap_or_default(),
        };
        self.run(py, Actor::User(UserId(actor)), command, now)
    }

    /// Disconnects (I9).
    #[pyo3(signature = (actor, app, now, *, user = None))]
    fn disconnect<'py>(
        &self,
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
    #[allow(clippy::too_many_arguments, reason = "mirrors the keyword arguments of the Python signature above")]
    fn set_sync_setting<'py>(
        &self,
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
        &self,
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
        &self,
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
    #[allow(clippy::too_many_arguments, reason = "mirrors the keyword arguments of the Python signature above")]
    fn report_error<'py>(
        &self,
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
        &self,
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
        &self,
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
        &self,
        py: Python<'py>,
        actor: Option<String>,
        command: &Bound<'py, PyAny>,
        now: Instant,
    ) -> PyResult<Bound<'py, PyAny>> {
        // The core refuses unknown fields at any depth (`deny_unknown_fields`).
        let command: Command = from_py(command, "command")?;
        self.run(py, self::actor(actor), command, now)
    }

    // --- the log and the state (C4) ---

    /// Appends an event from elsewhere (an `Event` or a dict) after checking its id, its time
    /// order and the transition it makes.
    fn append(&self, py: Python<'_>, event: &Bound<'_, PyAny>) -> PyResult<()> {
        let event = PyEvent::from_any(event)?;
        self.write(py, |e| e.append(event))?.or_raise()
    }

    /// Appends events all or nothing; returns how many.
    fn append_all(&self, py: Python<'_>, events: &Bound<'_, PyAny>) -> PyResult<usize> {
        let events = events_in(events)?;
        self.write(py, |e| e.append_all(events))?.map_err(|(_, e)| e).or_raise()
    }

    /// The log, oldest first.
    fn events<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyEvent>>> {
        let events = self.read(py, |e| e.events().iter().map(|e| e.to_event()).collect::<Vec<_>>())?;
        events_out(py, events)
    }

    /// How many events the log holds.
    #[getter]
    fn event_count(&self, py: Python<'_>) -> PyResult<usize> {
        self.read(py, |e| e.events().len())
    }

    /// The current state (the fold of the whole log).
    fn state(&self, py: Python<'_>) -> PyResult<PyState> {
        self.read(py, |e| PyState(e.state().clone()))
    }

    /// The inventory of connections as an Arrow table (`__arrow_c_stream__`), one row per
    /// connection (uninstalled ones included) by app then user: `app`, `user` (null for
    /// account-level apps), `state` at `now`, `first_installed_at`, `installed_at`,
    /// `installed_by`, `expires_at`, `last_activity_at`, `health_since`, `update_available`,
    /// `granted_scopes` (how many).
    fn connections_table(&self, py: Python<'_>, now: Instant) -> PyResult<pyo3_arrow::PyTable> {
        self.read(py, |e| crate::arrow::connections_table(e.state().connection_columns(now.0)))?
    }

    /// The state as of `at`: the fold of every event at or before that instant.
    fn state_as_of(&self, py: Python<'_>, at: Instant) -> PyResult<PyState> {
        self.read(py, |e| PyState(e.state_as_of(at.0)))
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
        let state = self.read(py, |e| e.connection_state(&AppId(app), user.as_ref(), now.0))?;
        state.map(|s| enum_out(py, "ConnectionState", &s)).transpose()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.read(py, |e| {
            let d = e.directory();
            format!(
                "Engine(account={:?}, users={}, teams={}, apps={}, events={})",
                d.account().id,
                d.users().len(),
                d.teams().len(),
                d.apps().len(),
                e.events().len()
            )
        })
    }
}
