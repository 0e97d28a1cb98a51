//! The directory (A1–A3, C1): building and reading the account, its users, teams and apps.

use connected_apps::{Account, App, AppId, Team, TeamId, User, UserId};

use crate::engine::AccountEngine;
use crate::error::ConnectedAppsError;

#[uniffi::export]
impl AccountEngine {
    /// The account.
    pub fn account(&self) -> Result<Account, ConnectedAppsError> {
        self.read(|engine| Ok(engine.directory().account().clone()))
    }

    /// Replaces the account settings (subscriptions, language, …).
    pub fn set_account(&self, account: Account) -> Result<(), ConnectedAppsError> {
        self.write(|engine| Ok(engine.directory_mut().set_account(account)?))
    }

    /// Adds a user.
    pub fn add_user(&self, user: User) -> Result<(), ConnectedAppsError> {
        self.write(|engine| Ok(engine.directory_mut().add_user(user)?))
    }

    /// Activates or deactivates a user.
    pub fn set_user_active(&self, user: UserId, active: bool) -> Result<(), ConnectedAppsError> {
        self.write(|engine| Ok(engine.directory_mut().set_user_active(&user, active)?))
    }

    /// Adds a team; every member must be a known user.
    pub fn add_team(&self, team: Team) -> Result<(), ConnectedAppsError> {
        self.write(|engine| Ok(engine.directory_mut().add_team(team)?))
    }

    /// Adds an app entry.
    pub fn add_app(&self, app: App) -> Result<(), ConnectedAppsError> {
        self.write(|engine| Ok(engine.directory_mut().add_app(app)?))
    }

    /// A user by id.
    pub fn user(&self, id: UserId) -> Result<Option<User>, ConnectedAppsError> {
        self.read(|engine| Ok(engine.directory().user(&id).cloned()))
    }

    /// A team by id.
    pub fn team(&self, id: TeamId) -> Result<Option<Team>, ConnectedAppsError> {
        self.read(|engine| Ok(engine.directory().team(&id).cloned()))
    }

    /// An app by id.
    pub fn app(&self, id: AppId) -> Result<Option<App>, ConnectedAppsError> {
        self.read(|engine| Ok(engine.directory().app(&id).cloned()))
    }

    /// Every user, by id.
    pub fn users(&self) -> Result<Vec<User>, ConnectedAppsError> {
        self.read(|engine| Ok(engine.directory().users().cloned().collect()))
    }

    /// Every team, by id.
    pub fn teams(&self) -> Result<Vec<Team>, ConnectedAppsError> {
        self.read(|engine| Ok(engine.directory().teams().cloned().collect()))
    }

    /// Every app, by id.
    pub fn apps(&self) -> Result<Vec<App>, ConnectedAppsError> {
        self.read(|engine| Ok(engine.directory().apps().cloned().collect()))
    }

    /// Active super admins, by id: who may receive install requests (I2).
    pub fn active_super_admins(&self) -> Result<Vec<User>, ConnectedAppsError> {
        self.read(|engine| Ok(engine.directory().active_super_admins().cloned().collect()))
    }
}
