//! Approval-policy resolution (G1) against the naive reference: random rules over a few apps,
//! teams and users (users in zero, one or several teams), set through the engine's commands.

use connected_apps::{AppLevel, Approval, Directory, Engine, PolicyLevel, PolicyRule, Team};
use proptest::prelude::*;

use crate::common::{account, app, t, user};
use crate::reference::governance::{FlatRule, resolve};

const APPS: [&str; 2] = ["zoom", "mail"];
const USERS: [&str; 4] = ["u0", "u1", "u2", "u3"];
const TEAMS: [(&str, &[&str]); 3] = [("t0", &["u0", "u1"]), ("t1", &["u1", "u2"]), ("t2", &["u1"])];

fn engine() -> Engine {
    let mut d = Directory::new(account()).unwrap();
    d.add_user(user("admin", true, false, true)).unwrap();
    for id in USERS {
        d.add_user(user(id, false, true, true)).unwrap();
    }
    for (id, members) in TEAMS {
        d.add_team(Team { id: id.into(), name: id.into(), members: members.iter().map(|m| (*m).into()).collect() })
            .unwrap();
    }
    d.add_app(app("zoom", AppLevel::AccountLevel)).unwrap();
    d.add_app(app("mail", AppLevel::UserLevel)).unwrap();
    Engine::new(d)
}

/// (app, level kind, level index, approval or removal)
fn change() -> impl Strategy<Value = (usize, u8, usize, Option<u8>)> {
    (0..APPS.len(), 0u8..3, 0usize..4, prop::option::weighted(0.8, 0u8..3))
}

fn approval(code: u8) -> Approval {
    match code {
        0 => Approval::Blocked,
        1 => Approval::NeedsApproval,
        _ => Approval::Allowed,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn policy_resolution_matches_the_reference(changes in prop::collection::vec(change(), 0..24)) {
        let mut e = engine();
        let mut flat: Vec<FlatRule> = Vec::new();
        for (i, (a, kind, index, code)) in changes.into_iter().enumerate() {
            let (level, name) = match kind {
                0 => (PolicyLevel::Account, "account".to_owned()),
                1 => {
                    let team = TEAMS[index % TEAMS.len()].0;
                    (PolicyLevel::Team(team.into()), format!("team:{team}"))
                }
                _ => {
                    let u = USERS[index % USERS.len()];
                    (PolicyLevel::User(u.into()), format!("user:{u}"))
                }
            };
            let rule = PolicyRule { level, approval: code.map(approval) };
            e.set_policy(&"admin".into(), &APPS[a].into(), vec![rule], t(i64::try_from(i).unwrap())).unwrap();
            flat.retain(|r| !(r.app == APPS[a] && r.level == name));
            if let Some(code) = code {
                flat.push(FlatRule { app: APPS[a].into(), level: name, approval: code });
            }
        }
        for app_id in APPS {
            for u in USERS {
                let teams: Vec<String> =
                    TEAMS.iter().filter(|(_, m)| m.contains(&u)).map(|(id, _)| (*id).to_owned()).collect();
                let (want, level) = resolve(&flat, app_id, u, &teams);
                let got = e.policy_decision(&app_id.into(), &u.into()).unwrap();
                prop_assert_eq!(got.approval, approval(want));
                let got_level = got.level.map(|l| match l {
                    PolicyLevel::Account => "account".to_owned(),
                    PolicyLevel::Team(t) => format!("team:{t}"),
                    PolicyLevel::User(u) => format!("user:{u}"),
                });
                prop_assert_eq!(got_level, level);
            }
        }
    }
}
