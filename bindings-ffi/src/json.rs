//! The core's own JSON shapes read into host records, for hosts that receive commands, people,
//! apps or filters as JSON (a web request, the platform's directory export). The shapes and
//! their checks are the core's serde derives (unknown fields and values refused), so a record
//! read here is exactly what `AccountEngine.fromJson` would read.

use connected_apps::governance::GovernanceDelivery;
use connected_apps::{Account, ActivityFilter, App, Command, Delivery, Error, Rule, SnapshotError, Team, User};
use serde::de::DeserializeOwned;

use crate::error::{ConnectedAppsError, catching_panics};

fn parse<T: DeserializeOwned>(json: &str) -> Result<T, ConnectedAppsError> {
    catching_panics(|| {
        serde_json::from_str(json)
            .map_err(|e| Error::from(SnapshotError::Json { line: None, message: e.to_string() }).into())
    })
}

macro_rules! from_json_functions {
    ($($(#[$doc:meta])* $name:ident -> $ty:ty),* $(,)?) => {$(
        $(#[$doc])*
        #[uniffi::export]
        pub fn $name(json: String) -> Result<$ty, ConnectedAppsError> {
            parse(&json)
        }
    )*};
}

from_json_functions!(
    /// A lifecycle command in the core's JSON shape, e.g. `{"command": "disconnect", "app": "zoom"}`.
    command_from_json -> Command,
    /// A user in the core's JSON shape (as in a snapshot's `users`).
    user_from_json -> User,
    /// A team in the core's JSON shape (as in a snapshot's `teams`).
    team_from_json -> Team,
    /// An app in the core's JSON shape (as in a snapshot's `apps`).
    app_from_json -> App,
    /// The account in the core's JSON shape (as in a snapshot's `account`).
    account_from_json -> Account,
    /// An activity filter: `types`, `users`, `apps` (lists) and `since`, `until` (RFC 3339).
    activity_filter_from_json -> ActivityFilter,
    /// A notification rule in the core's JSON shape (as in a snapshot's rule log).
    rule_from_json -> Rule,
    /// Deliveries in the core's JSON shape (as `due_notifications` returns them), e.g. kept by a
    /// host between evaluating and recording.
    deliveries_from_json -> Vec<Delivery>,
    /// Governance-alert deliveries in the core's JSON shape (as `governance_notifications`
    /// returns them), e.g. kept by a host between evaluating and recording (G4).
    governance_deliveries_from_json -> Vec<GovernanceDelivery>,
);
