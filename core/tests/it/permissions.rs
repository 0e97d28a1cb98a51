#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]
//! Who may take which command (I1, I2, I7–I9 and the platform's reports), in one table: every
//! command × (super admin, App Marketplace Access, plain user, deactivated user, unknown user,
//! the platform), on the account's connection and on another user's connection of a user-level
//! app. A refused command leaves the engine's JSON byte-identical.

use connected_apps::AccountEngine as Engine;
use connected_apps::{
    Actor, AppLevel, Command, ConnectionErrorInfo, Directory, ErrorKind, Outcome, ScopeDecl, ScopeRequirement, UserId,
};

use crate::common::{account, app, t, user};

/// What a cell expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Logged (applied, or uninstalled).
    Ok,
    /// An install request for an admin; nothing logged (I2).
    Request,
    /// Refused with this kind.
    Err(ErrorKind),
}
use Expect::{Ok as OK, Request as REQ};
const DENIED: Expect = Expect::Err(ErrorKind::PermissionDenied);
const UNKNOWN: Expect = Expect::Err(ErrorKind::NotFound);
const INVALID: Expect = Expect::Err(ErrorKind::InvalidInput);

/// The columns: admin (super admin), amy (App Marketplace Access), bob (no permission), zed (a
/// deactivated super admin), ghost (not in the directory), and the platform.
const ACTORS: [Option<&str>; 6] = [Some("admin"), Some("amy"), Some("bob"), Some("zed"), Some("ghost"), None];

/// crm: account-level, connected. down: account-level, disconnected. fresh: never installed.
/// mail: user-level, connected for ola; ola's "mail-down" connection is disconnected. quiet:
/// account-level, does not report status, connected.
fn engine() -> Engine {
    let mut d = Directory::new(account()).unwrap();
    d.add_user(user("admin", true, false, true)).unwrap();
    d.add_user(user("amy", false, true, true)).unwrap();
    d.add_user(user("bob", false, false, true)).unwrap();
    d.add_user(user("zed", true, true, false)).unwrap();
    d.add_user(user("ola", false, true, true)).unwrap();
    for (id, level) in [
        ("crm", AppLevel::AccountLevel),
        ("down", AppLevel::AccountLevel),
        ("fresh", AppLevel::AccountLevel),
        ("mail", AppLevel::UserLevel),
        ("mail-down", AppLevel::UserLevel),
    ] {
        d.add_app(app(id, level)).unwrap();
    }
    d.add_app(connected_apps::App { reports_status: false, ..app("quiet", AppLevel::AccountLevel) }).unwrap();
    let mut e = Engine::new(d);
    let admin = Actor::User("admin".into());
    let ola = Actor::User("ola".into());
    for (actor, id) in [(&admin, "crm"), (&admin, "down"), (&admin, "quiet"), (&ola, "mail"), (&ola, "mail-down")] {
        let install = Command::Install { app: id.into(), scopes: None, expires_at: None, request_admin: None };
        e.execute(actor, install, t(0)).unwrap();
    }
    e.execute(&admin, Command::Disconnect { app: "down".into(), user: None }, t(1)).unwrap();
    e.execute(&ola, Command::Disconnect { app: "mail-down".into(), user: None }, t(1)).unwrap();
    e
}

fn error() -> ConnectionErrorInfo {
    ConnectionErrorInfo { code: "E".into(), message: "token revoked".into(), resolution_steps: vec![] }
}

/// The command of a row: `name` on `app`, about `user`'s connection when given.
fn command(name: &str, app: &str, user: Option<&str>) -> Command {
    let (app, user) = (app.into(), user.map(UserId::from));
    match name {
        "install" => Command::Install { app, scopes: None, expires_at: None, request_admin: None },
        "uninstall" => Command::Uninstall { app, user, confirmation: "uninstall".into() },
        "reconnect" => Command::Reconnect { app, user, expires_at: None },
        "reauthenticate" => {
            Command::Reauthenticate { app, user, scopes: None, expires_at: None, dropped: Default::default() }
        }
        "disconnect" => Command::Disconnect { app, user },
        "set_sync_setting" => Command::SetSyncSetting { app, user, setting: "contacts".into(), on: false },
        "report_connected" => Command::ReportConnected { app, user },
        "report_expired" => Command::ReportExpired { app, user },
        "report_error" => Command::ReportError { app, user, error: error() },
        "report_activity" => Command::ReportActivity { app, user },
        "report_update_availability" => Command::ReportUpdateAvailability { app, user, available: true },
        "report_app_version" => Command::ReportAppVersion {
            app,
            version: "2.0".into(),
            scopes: vec![ScopeDecl {
                name: "crm.objects.contacts.read".into(),
                requirement: ScopeRequirement::Required,
                requires: None,
            }],
            features: vec![],
        },
        other => panic!("no command {other}"),
    }
}

/// command, app, whose connection, then one cell per actor in [`ACTORS`] order:
/// super admin, App Marketplace Access, plain, deactivated, unknown, platform.
#[rustfmt::skip]
const MATRIX: &[(&str, &str, Option<&str>, [Expect; 6])] = &[
    // The account's connection.
    ("install",                    "fresh",     None,        [OK, OK, REQ,    DENIED, UNKNOWN, DENIED]),
    ("uninstall",                  "crm",       None,        [OK, OK, DENIED, DENIED, UNKNOWN, DENIED]),
    ("reconnect",                  "down",      None,        [OK, OK, DENIED, DENIED, UNKNOWN, DENIED]),
    ("reauthenticate",             "crm",       None,        [OK, OK, DENIED, DENIED, UNKNOWN, DENIED]),
    ("disconnect",                 "crm",       None,        [OK, OK, DENIED, DENIED, UNKNOWN, DENIED]),
    ("set_sync_setting",           "crm",       None,        [OK, OK, DENIED, DENIED, UNKNOWN, DENIED]),
    ("report_connected",           "down",      None,        [OK, OK, DENIED, DENIED, UNKNOWN, OK]),
    ("report_expired",             "crm",       None,        [OK, OK, DENIED, DENIED, UNKNOWN, OK]),
    ("report_error",               "crm",       None,        [OK, OK, DENIED, DENIED, UNKNOWN, OK]),
    ("report_activity",            "crm",       None,        [OK, OK, DENIED, DENIED, UNKNOWN, OK]),
    ("report_update_availability", "crm",       None,        [OK, OK, DENIED, DENIED, UNKNOWN, OK]),
    ("report_app_version",         "crm",       None,        [OK, OK, DENIED, DENIED, UNKNOWN, OK]),
    // A user-level app: installing means the actor's own connection; the rest name ola's.
    ("install",                    "mail",      None,        [OK, OK, REQ,    DENIED, UNKNOWN, DENIED]),
    ("uninstall",                  "mail",      Some("ola"), [OK, DENIED, DENIED, DENIED, UNKNOWN, DENIED]),
    ("reconnect",                  "mail-down", Some("ola"), [OK, DENIED, DENIED, DENIED, UNKNOWN, DENIED]),
    ("reauthenticate",             "mail",      Some("ola"), [OK, DENIED, DENIED, DENIED, UNKNOWN, DENIED]),
    ("disconnect",                 "mail",      Some("ola"), [OK, DENIED, DENIED, DENIED, UNKNOWN, DENIED]),
    ("set_sync_setting",           "mail",      Some("ola"), [OK, DENIED, DENIED, DENIED, UNKNOWN, DENIED]),
    ("report_connected",           "mail-down", Some("ola"), [OK, DENIED, DENIED, DENIED, UNKNOWN, OK]),
    ("report_expired",             "mail",      Some("ola"), [OK, DENIED, DENIED, DENIED, UNKNOWN, OK]),
    ("report_error",               "mail",      Some("ola"), [OK, DENIED, DENIED, DENIED, UNKNOWN, OK]),
    ("report_activity",            "mail",      Some("ola"), [OK, DENIED, DENIED, DENIED, UNKNOWN, OK]),
    ("report_update_availability", "mail",      Some("ola"), [OK, DENIED, DENIED, DENIED, UNKNOWN, OK]),
    // An app that does not report status: what only it could report is refused for everyone
    // who may report at all; what the engine knows is accepted.
    ("report_connected",           "quiet",     None,        [INVALID, INVALID, DENIED, DENIED, UNKNOWN, INVALID]),
    ("report_expired",             "quiet",     None,        [INVALID, INVALID, DENIED, DENIED, UNKNOWN, INVALID]),
    ("report_error",               "quiet",     None,        [INVALID, INVALID, DENIED, DENIED, UNKNOWN, INVALID]),
    ("report_activity",            "quiet",     None,        [OK, OK, DENIED, DENIED, UNKNOWN, OK]),
    ("disconnect",                 "quiet",     None,        [OK, OK, DENIED, DENIED, UNKNOWN, DENIED]),
];

#[test]
fn the_permission_matrix() {
    let base = engine();
    let before = base.to_json().unwrap();
    let mut commands_seen = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for (name, app, whose, row) in MATRIX {
        for (actor, expected) in ACTORS.iter().zip(row) {
            let mut e = base.clone();
            let cmd = command(name, app, *whose);
            commands_seen.insert(cmd.name());
            let actor = actor.map_or(Actor::System, |a| Actor::User(a.into()));
            let got = match e.execute(&actor, cmd, t(10)) {
                Ok(Outcome::Applied { .. } | Outcome::Uninstalled { .. }) => OK,
                Ok(Outcome::InstallRequested(r)) => {
                    assert_eq!((r.admin.as_str(), r.requested_by.as_str()), ("admin", "bob"));
                    REQ
                }
                Err(err) => Expect::Err(err.kind()),
            };
            if got != *expected {
                failures.push(format!("{name} {app} {whose:?} by {actor:?}: expected {expected:?}, got {got:?}"));
            }
            let after = e.to_json().unwrap();
            if got == REQ {
                let newest = e.events().last().unwrap();
                assert_eq!(newest.kind.activity_type(), connected_apps::ActivityType::AccessRequested, "queued (G2)");
            } else if got == OK {
                assert_ne!(after, before, "{name} by {actor:?} was applied but logged nothing");
                let newest = e.events().last().unwrap();
                assert_eq!(newest.actor, actor.user(), "the event names who acted");
            } else {
                assert_eq!(after, before, "{name} {app} by {actor:?} was refused but changed the engine");
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(commands_seen.len(), 12, "every command has a row");
}

#[test]
fn refusals_name_the_actor_and_the_reason() {
    let mut e = engine();
    let cmd = || command("report_error", "crm", None);
    let err = e.execute(&Actor::User("bob".into()), cmd(), t(10)).unwrap_err();
    assert_eq!(err.to_string(), "user \"bob\" lacks the app_marketplace_access permission");
    let err = e.execute(&Actor::User("zed".into()), cmd(), t(10)).unwrap_err();
    assert_eq!(err.to_string(), "user \"zed\" is deactivated");
    let err = e.execute(&Actor::User("ghost".into()), cmd(), t(10)).unwrap_err();
    assert_eq!(err.to_string(), "unknown user \"ghost\"");
    let err = e.execute(&Actor::User("amy".into()), command("report_error", "mail", Some("ola")), t(10)).unwrap_err();
    assert_eq!(err.to_string(), "user \"amy\" lacks the app_marketplace_access permission");
    let err = e.execute(&Actor::System, command("report_error", "quiet", None), t(10)).unwrap_err();
    assert_eq!(err.to_string(), "app \"quiet\" does not report status: connection_error cannot be logged for it");
    // A user-level connection's owner with App Marketplace Access reports on their own.
    e.execute(&Actor::User("ola".into()), command("report_activity", "mail", None), t(10)).unwrap();
}

/// The notification rules' commands (N3) × the same people. They take a user by type, so the
/// platform has no column: it cannot create, edit or delete a rule.
#[test]
fn the_rule_permission_matrix() {
    use connected_apps::{Channel, Recipients, Rule, RuleApps, RuleId, RuleType};
    let rule = |id: &str, name: &str| Rule {
        id: RuleId(id.into()),
        name: name.into(),
        rule_type: RuleType::AppInstalled,
        apps: RuleApps::All,
        recipients: Recipients::SuperAdmins,
        channels: [Channel::Email].into(),
        frequency: None,
        notify_recovered: false,
    };
    let mut base = engine();
    base.create_rule(&"admin".into(), rule("r0", "Installs"), t(5)).unwrap();
    let before = base.to_json().unwrap();
    let users = ["admin", "amy", "bob", "zed", "ghost"];
    #[rustfmt::skip]
    let table: [(&str, [Expect; 5]); 3] = [
        ("create", [OK, OK, DENIED, DENIED, UNKNOWN]),
        ("edit",   [OK, DENIED, DENIED, DENIED, UNKNOWN]),
        ("delete", [OK, DENIED, DENIED, DENIED, UNKNOWN]),
    ];
    for (name, row) in table {
        for (who, expected) in users.iter().zip(row) {
            let mut e = base.clone();
            let actor = UserId((*who).into());
            let result = match name {
                "create" => e.create_rule(&actor, rule("r1", "More installs"), t(10)),
                "edit" => e.edit_rule(&actor, rule("r0", "Renamed"), t(10)),
                _ => e.delete_rule(&actor, &RuleId("r0".into()), t(10)),
            };
            let got = result.map_or_else(|err| Expect::Err(err.kind()), |()| OK);
            assert_eq!(got, expected, "{name} by {who}");
            assert_eq!(e.to_json().unwrap() == before, got != OK, "{name} by {who}: changed iff applied");
        }
    }
}
