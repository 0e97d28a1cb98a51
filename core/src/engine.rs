//! The façade: commands are checked, become events, and are folded into the state (C4).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::account::{Permission, UserId};
use crate::catalog::{App, AppId, AppLevel};
use crate::chain::{ChainError, ChainHash};
use crate::command::{Actor, Command, InstallRequest, Outcome};
use crate::connection::{ConnectionKey, ConnectionState};
use crate::directory::{Directory, Unavailable};
use crate::event::{Event, EventId, EventKind};
use crate::lifecycle::LifecycleError;
use crate::limits::MAX_EVENT_ID;
use crate::log::EventLog;
use crate::state::{State, check_connection_user};

/// The word a user must type to confirm an uninstall (I5).
pub const UNINSTALL_CONFIRMATION: &str = "uninstall";

/// The account's directory, its event log and the state folded from it.
///
/// Every change to connections goes through [`Engine::execute`] (commands) or
/// [`Engine::append`] (events from elsewhere); both validate first and change nothing on error.
#[derive(Debug, Clone)]
pub struct Engine {
    pub(crate) directory: Directory,
    pub(crate) events: EventLog,
    pub(crate) state: State,
    pub(crate) next_id: u64,
    /// Each user's teams, for policy checks in O(teams of the user) (G1).
    pub(crate) team_index: crate::governance::fold::TeamIndex,
    /// Governance settings (G2), kept here so snapshots carry them.
    pub(crate) governance_settings: crate::governance::model::GovernanceSettings,
}

impl Engine {
    /// An engine with an empty log.
    #[must_use]
    pub fn new(directory: Directory) -> Self {
        Self {
            team_index: crate::governance::fold::TeamIndex::build(&directory),
            governance_settings: crate::governance::model::GovernanceSettings::default(),
            directory,
            events: EventLog::new(),
            state: State::default(),
            next_id: 1,
        }
    }

    /// The directory (account, users, teams, apps).
    #[must_use]
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// The directory, to add users, teams or apps; its methods validate every change.
    pub fn directory_mut(&mut self) -> &mut Directory {
        &mut self.directory
    }

    /// The log, oldest first.
    #[must_use]
    pub fn events(&self) -> &EventLog {
        &self.events
    }

    /// Lowers the most events the log takes to `max_len` (never above
    /// [`crate::limits::MAX_EVENTS`]) and returns the limit now in force. For the core's own
    /// tests: every append path reaches [`LifecycleError::LogFull`] at this limit without 2^32
    /// events. Clones keep it; a snapshot does not hold it (a restored engine has the default).
    #[doc(hidden)]
    pub fn limit_log_len(&mut self, max_len: usize) -> usize {
        self.events.limit_len(max_len)
    }

    /// The current state (the fold of the whole log).
    #[must_use]
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The state as of `at`: the fold of every event at or before that instant.
    #[must_use]
    pub fn state_as_of(&self, at: DateTime<Utc>) -> State {
        let mut state = State::default();
        for event in self.events.range(0..self.events.count_up_to(at)) {
            // Every logged event was validated against exactly this prefix when appended.
            let _ = state.apply(&self.directory, event);
        }
        state
    }

    /// Checks `command` taken by `actor` at `now` and logs its event.
    ///
    /// The checks, in order: `now` is not before the newest logged event; the app is known; a
    /// user actor is known and active (commands other than the platform's reports need one);
    /// then the command's own rules (I1–I9: permission, already installed, consented scopes,
    /// the uninstall confirmation, an installed connection to act on). A user without App
    /// Marketplace Access who asks to install gets [`Outcome::InstallRequested`], queued as an
    /// access request (I2, G2). The approval policy applies to installs, reconnects and
    /// reauthentications (G1, [`crate::governance::policy`]): blocked is refused, needs approval
    /// turns an install into a request. The event is then folded into the state ([`State::apply`]) and appended to
    /// the log.
    ///
    /// # Errors
    /// A [`LifecycleError`]; the engine is then unchanged.
    ///
    /// # Example
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use connected_apps::{Account, App, AppLevel, Directory, Distribution, Engine, User};
    /// # let mut directory = Directory::new(Account {
    /// #     id: "1234".into(), name: "Acme".into(), default_language: "en".into(),
    /// #     time_zone: "Europe/Paris".into(), subscriptions: Default::default(), api_limit_increases: 0,
    /// # })?;
    /// # for (id, super_admin) in [("ada", true), ("bob", false)] {
    /// #     directory.add_user(User {
    /// #         id: id.into(), name: id.into(), email: format!("{id}@acme.test"), active: true, super_admin,
    /// #         permissions: Default::default(), platform_user_id: None,
    /// #     })?;
    /// # }
    /// # directory.add_app(App {
    /// #     id: "zoom".into(), name: "Zoom".into(), provider: "Zoom".into(), built_by_vendor_platform: false,
    /// #     distribution: Distribution::Marketplace, level: AppLevel::AccountLevel, reports_status: true,
    /// #     scopes: vec![], features: vec![], workflow_actions: vec![], post_uninstall_steps: vec![],
    /// # })?;
    /// # let mut engine = Engine::new(directory);
    /// use connected_apps::{Actor, Command, LifecycleError, Outcome};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().ok_or("no such instant")?;
    /// let install = Command::Install { app: "zoom".into(), scopes: None, expires_at: None, request_admin: None };
    ///
    /// // Bob lacks App Marketplace Access: the engine returns a request for an admin (I2),
    /// // queued as access-request event 1 (G2); nothing is installed.
    /// let outcome = engine.execute(&Actor::User("bob".into()), install.clone(), now)?;
    /// assert!(matches!(&outcome, Outcome::InstallRequested(request) if request.admin.as_str() == "ada"));
    /// assert_eq!(engine.events().len(), 1);
    ///
    /// // Ada, a super admin, installs it (I1): event 2 is logged and folded.
    /// let outcome = engine.execute(&Actor::User("ada".into()), install, now)?;
    /// assert!(matches!(outcome, Outcome::Applied { event } if event.0 == 2));
    ///
    /// // An uninstall needs the exact word (I5): anything else is refused and changes nothing.
    /// let uninstall = |confirmation: &str| Command::Uninstall {
    ///     app: "zoom".into(),
    ///     user: None,
    ///     confirmation: confirmation.into(),
    /// };
    /// let refused = engine.execute(&Actor::User("ada".into()), uninstall("Uninstall"), now);
    /// assert!(matches!(refused, Err(LifecycleError::WrongConfirmation(word)) if word == "Uninstall"));
    /// assert_eq!(engine.events().len(), 2);
    /// let outcome = engine.execute(&Actor::User("ada".into()), uninstall("uninstall"), now)?;
    /// assert!(matches!(outcome, Outcome::Uninstalled { event, .. } if event.0 == 3));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn execute(&mut self, actor: &Actor, command: Command, now: DateTime<Utc>) -> Result<Outcome, LifecycleError> {
        self.check_time(now)?;
        self.refresh_team_index();
        let app = self.directory.app(command.app()).ok_or_else(|| LifecycleError::UnknownApp(command.app().clone()))?;
        // Scope checks use the latest version of the app (O3).
        let app = self.state.current_app(app);
        let acting = match actor {
            Actor::User(id) => Some(self.active_user(id)?),
            Actor::System if command.needs_user() => {
                return Err(LifecycleError::ActorRequired { command: command.name() });
            }
            Actor::System => None,
        };
        let actor_id = acting.map(|u| u.id.clone());
        let may_manage_apps = acting.is_some_and(|u| u.has(Permission::AppMarketplaceAccess));

        let (user, kind) = match command {
            Command::Install { app: app_id, scopes, expires_at, request_admin } => {
                let user = self.connection_user(app, None, actor_id.as_ref())?;
                let key = ConnectionKey { app: app_id.clone(), user: user.clone() };
                let previous = self.state.connection(&key);
                if previous.is_some_and(|c| c.is_installed()) {
                    return Err(LifecycleError::AlreadyInstalled { app: app_id, user });
                }
                let requester = acting.ok_or(LifecycleError::ActorRequired { command: "install" })?;
                // The policy (G1): blocked is refused; needs approval files a request (G2).
                let needs_approval = self.check_connect_policy(app, requester, true, scopes.as_ref())?;
                if !may_manage_apps || needs_approval {
                    let request = self.install_request(app, requester.id.clone(), request_admin, now)?;
                    return self.queue_install_request(request, app.clone(), scopes, now);
                }
                let scopes = consented_scopes(app, scopes)?;
                let kind = if previous.is_some() {
                    EventKind::Reinstalled { scopes, expires_at }
                } else {
                    EventKind::Installed { scopes, expires_at }
                };
                (user, kind)
            }
            Command::Uninstall { user, confirmation, .. } => {
                if confirmation != UNINSTALL_CONFIRMATION {
                    return Err(LifecycleError::WrongConfirmation(confirmation));
                }
                let user = self.managed_connection(app, user, acting, may_manage_apps)?;
                (user, EventKind::Uninstalled)
            }
            Command::Reconnect { user, expires_at, .. } => {
                let user = self.managed_connection(app, user, acting, may_manage_apps)?;
                if let Some(acting) = acting {
                    self.check_connect_policy(app, acting, false, None)?;
                }
                (user, EventKind::Reconnected { expires_at })
            }
            Command::Reauthenticate { user, scopes, expires_at, dropped, .. } => {
                let user = self.managed_connection(app, user, acting, may_manage_apps)?;
                if let Some(acting) = acting {
                    self.check_connect_policy(app, acting, false, scopes.as_ref())?;
                }
                let key = ConnectionKey { app: app.id.clone(), user: user.clone() };
                let granted = self.state.connection(&key).map(|c| c.granted_scopes.clone()).unwrap_or_default();
                let scopes = match scopes {
                    Some(s) => s,
                    None => app.pending_scopes(&granted).into_iter().collect(),
                };
                (user, EventKind::Reauthenticated { scopes, expires_at, dropped })
            }
            Command::Disconnect { user, .. } => {
                (self.managed_connection(app, user, acting, may_manage_apps)?, EventKind::Disconnected)
            }
            Command::SetSyncSetting { user, setting, on, .. } => (
                self.managed_connection(app, user, acting, may_manage_apps)?,
                EventKind::SyncSettingChanged { setting, on },
            ),
            Command::ReportConnected { user, .. } => {
                (self.managed_connection(app, user, acting, may_manage_apps)?, EventKind::Connected)
            }
            Command::ReportExpired { user, .. } => {
                (self.managed_connection(app, user, acting, may_manage_apps)?, EventKind::ConnectionExpired)
            }
            Command::ReportError { user, error, .. } => {
                (self.managed_connection(app, user, acting, may_manage_apps)?, EventKind::ConnectionError(error))
            }
            Command::ReportActivity { user, .. } => {
                (self.managed_connection(app, user, acting, may_manage_apps)?, EventKind::AppActivity)
            }
            Command::ReportUpdateAvailability { user, available, .. } => (
                self.managed_connection(app, user, acting, may_manage_apps)?,
                EventKind::UpdateAvailability { available },
            ),
            Command::ReportAppVersion { version, scopes, features, .. } => {
                if let Some(actor) = acting.filter(|_| !may_manage_apps) {
                    return Err(permission_denied(actor));
                }
                (None, EventKind::AppVersionChanged { version, scopes, features })
            }
        };
        // What only the app can report is refused for apps that do not report status; the same
        // events from elsewhere (history) are kept, and `Connection::attention` never shows them.
        if kind.is_unreported_status(app.reports_status) {
            return Err(LifecycleError::StatusNotReported { app: app.id.clone(), activity: kind.activity_type() });
        }
        let post_uninstall_steps = app.post_uninstall_steps.clone();
        let event = Event { id: EventId(self.next_id), at: now, app: app.id.clone(), user, actor: actor_id, kind };
        let uninstalled = matches!(event.kind, EventKind::Uninstalled);
        let id = event.id;
        self.push(event)?;
        Ok(if uninstalled {
            Outcome::Uninstalled { event: id, post_uninstall_steps }
        } else {
            Outcome::Applied { event: id }
        })
    }

    /// Appends an event from elsewhere (an import, a replica) after checking its id, its time
    /// order and the transition it makes. Ids above [`MAX_EVENT_ID`] are refused (but for the
    /// id the next command would take), so that the next command's id always exists.
    ///
    /// # Errors
    /// [`LifecycleError::DuplicateEventId`], [`LifecycleError::EventIdTooLarge`],
    /// [`LifecycleError::OutOfOrder`] or the transition's error; the engine is then unchanged.
    pub fn append(&mut self, event: Event) -> Result<(), LifecycleError> {
        if self.events.contains_id(event.id) {
            return Err(LifecycleError::DuplicateEventId(event.id));
        }
        self.check_time(event.at).map_err(|e| match e {
            LifecycleError::OutOfOrder { newest, .. } => {
                LifecycleError::OutOfOrder { id: event.id, at: event.at, newest }
            }
            other => other,
        })?;
        self.push(event)
    }

    /// Appends events all or nothing: on the first refused event, the engine is left as it was.
    ///
    /// # Errors
    /// The first refused event's error, with its position in `events`.
    pub fn append_all(&mut self, events: impl IntoIterator<Item = Event>) -> Result<usize, (usize, LifecycleError)> {
        let mark = (self.events.mark(), self.next_id);
        let saved = self.state.clone();
        let mut count = 0;
        for event in events {
            if let Err(e) = self.append(event) {
                self.events.rollback(mark.0);
                self.next_id = mark.1;
                self.state = saved;
                return Err((count, e));
            }
            count += 1;
        }
        Ok(count)
    }

    pub(crate) fn push(&mut self, event: Event) -> Result<(), LifecycleError> {
        // What the log could refuse is checked before the state changes.
        let next_id = self.id_after(event.id)?;
        self.events.next_position(1)?;
        crate::log::nanos(event.at)?;
        self.state.apply(&self.directory, &event)?;
        self.next_id = next_id;
        self.events.push(event)
    }

    /// The id of the next command once `id` is logged, or the error of an id the log refuses.
    ///
    /// Ids up to [`MAX_EVENT_ID`] are accepted, and so is the very id the next command would
    /// take (what a snapshot holds when commands followed an event at the limit). The next id
    /// thus stays below `MAX_EVENT_ID + 2 + MAX_EVENTS`: always allocatable, never reused.
    fn id_after(&self, id: EventId) -> Result<u64, LifecycleError> {
        if id.0 > MAX_EVENT_ID && id.0 != self.next_id {
            return Err(LifecycleError::EventIdTooLarge(id));
        }
        let after = id.0.checked_add(1).ok_or(LifecycleError::EventIdTooLarge(id))?;
        Ok(self.next_id.max(after))
    }

    pub(crate) fn check_time(&self, at: DateTime<Utc>) -> Result<(), LifecycleError> {
        crate::log::nanos(at)?;
        match self.events.last() {
            Some(newest) if at < newest.at => {
                Err(LifecycleError::OutOfOrder { id: EventId(self.next_id), at, newest: newest.at })
            }
            _ => Ok(()),
        }
    }

    fn active_user(&self, id: &UserId) -> Result<&crate::account::User, LifecycleError> {
        self.directory.active_user(id).map_err(|why| match why {
            Unavailable::Unknown => LifecycleError::UnknownUser(id.clone()),
            Unavailable::Inactive => LifecycleError::InactiveActor(id.clone()),
        })
    }

    /// Resolves whose connection a command means: for user-level apps the named user, else the
    /// actor; for other apps nobody.
    fn connection_user(
        &self,
        app: &App,
        named: Option<UserId>,
        actor: Option<&UserId>,
    ) -> Result<Option<UserId>, LifecycleError> {
        let user = match (app.level, named) {
            (AppLevel::UserLevel, None) => actor.cloned(),
            (_, named) => named,
        };
        check_connection_user(app, user.as_ref())?;
        if let Some(u) = user.as_ref().filter(|u| self.directory.user(u).is_none()) {
            return Err(LifecycleError::UnknownUser(u.clone()));
        }
        Ok(user)
    }

    /// Like [`Self::connection_user`], for commands on an installed connection: a user actor
    /// needs App Marketplace Access (I1), and only super admins act on another user's
    /// connection of a user-level app; the platform (`acting` is `None`, for the reports only)
    /// may report on any connection.
    fn managed_connection(
        &self,
        app: &App,
        named: Option<UserId>,
        acting: Option<&crate::account::User>,
        may_manage_apps: bool,
    ) -> Result<Option<UserId>, LifecycleError> {
        let user = self.connection_user(app, named, acting.map(|a| &a.id))?;
        let key = ConnectionKey { app: app.id.clone(), user: user.clone() };
        if !self.state.connection(&key).is_some_and(|c| c.is_installed()) {
            return Err(LifecycleError::NotInstalled { app: key.app, user });
        }
        let Some(actor) = acting else { return Ok(user) };
        let owns = user.as_ref().is_some_and(|u| *u == actor.id);
        if !may_manage_apps || (user.is_some() && !owns && !actor.super_admin) {
            return Err(permission_denied(actor));
        }
        Ok(user)
    }

    fn install_request(
        &self,
        app: &App,
        requested_by: UserId,
        admin: Option<UserId>,
        now: DateTime<Utc>,
    ) -> Result<InstallRequest, LifecycleError> {
        let admin = match admin {
            Some(id) => {
                let user = self.directory.user(&id).ok_or_else(|| LifecycleError::UnknownUser(id.clone()))?;
                if !(user.active && user.super_admin) {
                    return Err(LifecycleError::NotAnAdmin(id));
                }
                user
            }
            None => self
                .directory
                .active_super_admins()
                .next()
                .ok_or_else(|| LifecycleError::NoAdminAvailable(app.id.clone()))?,
        };
        Ok(InstallRequest {
            app: app.id.clone(),
            app_name: app.name.clone(),
            requested_by,
            admin: admin.id.clone(),
            admin_email: admin.email.clone(),
            requested_at: now,
            request: EventId(0),
        })
    }

    /// Links an install request to the queue (G2): files the access request (or finds the
    /// requester's open one) and names its event.
    fn queue_install_request(
        &mut self,
        mut request: InstallRequest,
        app: App,
        scopes: Option<BTreeSet<String>>,
        now: DateTime<Utc>,
    ) -> Result<Outcome, LifecycleError> {
        let open = self.state.governance.requests().get(&app.id, &request.requested_by).filter(|r| r.is_open_at(now));
        request.request = match open {
            Some(open) => open.event,
            None => {
                let scopes = consented_scopes(&app, scopes)?;
                self.file_request(&request.requested_by, &app.id, scopes, String::new(), now)?
            }
        };
        Ok(Outcome::InstallRequested(request))
    }

    /// The state of a connection at `now`, if it was ever made.
    #[must_use]
    pub fn connection_state(&self, app: &AppId, user: Option<&UserId>, now: DateTime<Utc>) -> Option<ConnectionState> {
        let key = ConnectionKey { app: app.clone(), user: user.cloned() };
        self.state.connection(&key).map(|c| c.state_at(now))
    }
}

/// The refusal of a command `actor` lacks App Marketplace Access for (I1).
fn permission_denied(actor: &crate::account::User) -> LifecycleError {
    LifecycleError::PermissionDenied { user: actor.id.clone(), permission: Permission::AppMarketplaceAccess }
}

/// The scopes an install grants (I4): `None` means the required ones; a given set must contain
/// every required scope and only declared ones.
pub(crate) fn consented_scopes(
    app: &App,
    requested: Option<BTreeSet<String>>,
) -> Result<BTreeSet<String>, LifecycleError> {
    let Some(requested) = requested else {
        let none = BTreeSet::new();
        return Ok(app.required_scopes(&none).map(str::to_owned).collect());
    };
    if let Some(scope) = requested.iter().find(|s| !app.declares(s)) {
        return Err(LifecycleError::UndeclaredScope { app: app.id.clone(), scope: scope.clone() });
    }
    if let Some(missing) = app.required_scopes(&requested).find(|s| !requested.contains(*s)) {
        return Err(LifecycleError::MissingRequiredScope { app: app.id.clone(), scope: missing.to_owned() });
    }
    Ok(requested)
}

impl Engine {
    /// Recomputes the log's hash chain and compares it with what the log holds (X8); returns
    /// the head, which a host may keep elsewhere to check later snapshots against.
    ///
    /// # Errors
    /// [`ChainError::Broken`] naming the first block that differs, by the ids and positions of
    /// its first and last events (the chain is checked per block of [`CHAIN_BLOCK`](crate::limits::CHAIN_BLOCK) events, so
    /// a break is located to its block), or [`ChainError::Truncated`].
    pub fn verify(&self) -> Result<ChainHash, ChainError> {
        self.events.verify_chain()
    }

    /// The head of the log's hash chain (X8), without re-checking sealed blocks.
    #[must_use]
    pub fn chain_head(&self) -> ChainHash {
        self.events.chain_head()
    }
}
