//! The directory (A1–A3, C1): who and what exists in the account — users, teams, apps — and
//! [`DirectoryError`], the refusals of building it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::account::{Account, Team, TeamId, User, UserId};
use crate::catalog::{App, AppId};

pub mod error;
pub use error::DirectoryError;

/// Why a user named to act is refused by [`Directory::active_user`]; each area turns it into its
/// own error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// No user has this id.
    Unknown,
    /// The user is deactivated.
    Inactive,
}

/// The account, its users and teams, and the apps it can connect. Lifecycle events refer to it;
/// it is set up by the host and changed only through its validating methods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    account: Account,
    users: BTreeMap<UserId, User>,
    teams: BTreeMap<TeamId, Team>,
    apps: BTreeMap<AppId, App>,
}

impl Directory {
    /// The user `id` when known and active: the one "may this user act" check (engine commands,
    /// notification rules, marketplace verdicts).
    ///
    /// # Errors
    /// [`Unavailable::Unknown`], then [`Unavailable::Inactive`].
    pub fn active_user(&self, id: &UserId) -> Result<&User, Unavailable> {
        let user = self.users.get(id).ok_or(Unavailable::Unknown)?;
        if user.active { Ok(user) } else { Err(Unavailable::Inactive) }
    }

    /// A directory for `account`, with no users, teams or apps yet.
    ///
    /// # Errors
    /// [`DirectoryError::InvalidAccount`] for an empty id, a language that is not a two-letter
    /// lowercase code, a time zone that is not an IANA name (e.g. `Europe/Paris`, `UTC`), or
    /// more than two API-limit increases.
    pub fn new(account: Account) -> Result<Self, DirectoryError> {
        validate_account(&account)?;
        Ok(Self { account, users: BTreeMap::new(), teams: BTreeMap::new(), apps: BTreeMap::new() })
    }

    /// The account.
    #[must_use]
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// Replaces the account settings (subscriptions, language, …).
    ///
    /// # Errors
    /// As [`Directory::new`].
    pub fn set_account(&mut self, account: Account) -> Result<(), DirectoryError> {
        validate_account(&account)?;
        self.account = account;
        Ok(())
    }

    /// Adds a user.
    ///
    /// # Errors
    /// [`DirectoryError::DuplicateUser`] or [`DirectoryError::InvalidUser`] (empty id or name).
    pub fn add_user(&mut self, user: User) -> Result<(), DirectoryError> {
        if user.id.0.trim().is_empty() || user.name.trim().is_empty() {
            return Err(DirectoryError::InvalidUser { user: user.id, reason: "empty id or name".into() });
        }
        if self.users.contains_key(&user.id) {
            return Err(DirectoryError::DuplicateUser(user.id));
        }
        self.users.insert(user.id.clone(), user);
        Ok(())
    }

    /// Activates or deactivates a user.
    ///
    /// # Errors
    /// [`DirectoryError::UnknownUser`].
    pub fn set_user_active(&mut self, user: &UserId, active: bool) -> Result<(), DirectoryError> {
        let entry = self.users.get_mut(user).ok_or_else(|| DirectoryError::UnknownUser(user.clone()))?;
        entry.active = active;
        Ok(())
    }

    /// Adds a team; every member must be a known user.
    ///
    /// # Errors
    /// [`DirectoryError::DuplicateTeam`], [`DirectoryError::UnknownUser`] or
    /// [`DirectoryError::InvalidTeam`] (empty id or name).
    pub fn add_team(&mut self, team: Team) -> Result<(), DirectoryError> {
        if team.id.0.trim().is_empty() || team.name.trim().is_empty() {
            return Err(DirectoryError::InvalidTeam { team: team.id, reason: "empty id or name".into() });
        }
        if self.teams.contains_key(&team.id) {
            return Err(DirectoryError::DuplicateTeam(team.id));
        }
        if let Some(unknown) = team.members.iter().find(|m| !self.users.contains_key(*m)) {
            return Err(DirectoryError::UnknownUser(unknown.clone()));
        }
        self.teams.insert(team.id.clone(), team);
        Ok(())
    }

    /// Adds an app entry.
    ///
    /// # Errors
    /// [`DirectoryError::DuplicateApp`] or [`DirectoryError::InvalidApp`].
    pub fn add_app(&mut self, app: App) -> Result<(), DirectoryError> {
        app.validate()?;
        if self.apps.contains_key(&app.id) {
            return Err(DirectoryError::DuplicateApp(app.id));
        }
        self.apps.insert(app.id.clone(), app);
        Ok(())
    }

    /// A user by id.
    #[must_use]
    pub fn user(&self, id: &UserId) -> Option<&User> {
        self.users.get(id)
    }

    /// A team by id.
    #[must_use]
    pub fn team(&self, id: &TeamId) -> Option<&Team> {
        self.teams.get(id)
    }

    /// An app by id.
    #[must_use]
    pub fn app(&self, id: &AppId) -> Option<&App> {
        self.apps.get(id)
    }

    /// Every user, by id.
    pub fn users(&self) -> impl ExactSizeIterator<Item = &User> {
        self.users.values()
    }

    /// Every team, by id.
    pub fn teams(&self) -> impl ExactSizeIterator<Item = &Team> {
        self.teams.values()
    }

    /// Every app, by id.
    pub fn apps(&self) -> impl ExactSizeIterator<Item = &App> {
        self.apps.values()
    }

    /// Active super admins, by id: who may receive install requests (I2).
    pub fn active_super_admins(&self) -> impl Iterator<Item = &User> {
        self.users.values().filter(|u| u.active && u.super_admin)
    }
}

fn validate_account(account: &Account) -> Result<(), DirectoryError> {
    let invalid = |reason: String| Err(DirectoryError::InvalidAccount(reason));
    if account.id.trim().is_empty() {
        return invalid("empty account id".into());
    }
    let lang = account.default_language.as_bytes();
    if lang.len() != 2 || !lang.iter().all(u8::is_ascii_lowercase) {
        return invalid(format!("default language {:?} is not a two-letter iso 639-1 code", account.default_language));
    }
    if account.time_zone.trim().is_empty() {
        return invalid("empty time zone".into());
    }
    if account.time_zone.parse::<chrono_tz::Tz>().is_err() {
        return invalid(format!("unknown time zone {:?}: not an iana time-zone name", account.time_zone));
    }
    if account.api_limit_increases > 2 {
        return invalid(format!("at most two api limit increases, got {}", account.api_limit_increases));
    }
    Ok(())
}
