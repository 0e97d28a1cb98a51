//! Shared fixtures for the notification tests (the naive reference evaluator is
//! `reference::notify`).
#![allow(dead_code, reason = "shared test helpers")]

use chrono::{DateTime, TimeZone, Utc};
use connected_apps::AccountEngine as Engine;
use connected_apps::{AppLevel, Channel, Directory, Frequency, Recipients, Rule, RuleApps, RuleType, Team, UserId};

use crate::common::{account, app, user};

pub fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

pub const USERS: [&str; 5] = ["admin", "ann", "bob", "mia", "zed"];
pub const TEAMS: [&str; 2] = ["ops", "sales"];
/// salesforce, slack and zoom are account-level; gmail is user-level. Every app but zoom
/// reports its status.
pub const APPS: [&str; 4] = ["gmail", "salesforce", "slack", "zoom"];

/// admin (super admin), mia (App Marketplace Access), ann and bob (no permission), zed
/// (deactivated super admin); teams sales = {mia, bob, zed}, ops = {bob, ann}.
pub fn directory() -> Directory {
    let mut d = Directory::new(account()).unwrap();
    d.add_user(user("admin", true, false, true)).unwrap();
    d.add_user(user("ann", false, false, true)).unwrap();
    d.add_user(user("bob", false, false, true)).unwrap();
    d.add_user(user("mia", false, true, true)).unwrap();
    d.add_user(user("zed", true, true, false)).unwrap();
    d.add_team(Team {
        id: "sales".into(),
        name: "Sales".into(),
        members: vec!["mia".into(), "bob".into(), "zed".into()],
    })
    .unwrap();
    d.add_team(Team { id: "ops".into(), name: "Ops".into(), members: vec!["bob".into(), "ann".into()] }).unwrap();
    for id in APPS {
        let mut entry = app(id, if id == "gmail" { AppLevel::UserLevel } else { AppLevel::AccountLevel });
        entry.reports_status = id != "zoom";
        d.add_app(entry).unwrap();
    }
    d
}

pub fn engine() -> Engine {
    Engine::new(directory())
}

pub fn uid(id: &str) -> UserId {
    UserId::from(id)
}

/// A valid rule: disconnect and access-request rules remind daily, the others have no frequency.
pub fn rule(id: &str, rule_type: RuleType, apps: &[&str]) -> Rule {
    let reminds = rule_type.reminds();
    Rule {
        id: id.into(),
        name: format!("Rule {id}"),
        rule_type,
        apps: if apps.is_empty() { RuleApps::All } else { RuleApps::Only(apps.iter().map(|&a| a.into()).collect()) },
        recipients: Recipients::SuperAdmins,
        channels: [Channel::Email].into(),
        frequency: reminds.then_some(Frequency::Daily),
        notify_recovered: false,
    }
}
