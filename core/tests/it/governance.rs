//! Governance G1–G3: approval policies, the access-request queue, the per-user inventory, each
//! rule tested on both sides, with the state and snapshot unchanged after every refusal.

use std::collections::BTreeSet;

use chrono::Duration;
use connected_apps::{
    ActivityType, Actor, AppLevel, Approval, ApprovalGrant, Command, ConnectionKey, ConnectionState, Directory, Engine,
    ErrorKind, EventKind, GovernanceError, GovernanceSettings, LifecycleError, Outcome, PolicyLevel, PolicyRule,
    RequestStatus, Team, UserId,
};

use crate::common::{account, app, t, user};

const DEALS: &str = "crm.objects.deals.read";
const CONTACTS: &str = "crm.objects.contacts.read";

/// ada: super admin; mia: App Marketplace Access, in teams sales and support; bob: no
/// permission, in sales; eve: App Marketplace Access, no team. Apps: zoom (account-level),
/// mail (user-level).
fn engine() -> Engine {
    let mut d = Directory::new(account()).unwrap();
    d.add_user(user("ada", true, false, true)).unwrap();
    d.add_user(user("mia", false, true, true)).unwrap();
    d.add_user(user("bob", false, false, true)).unwrap();
    d.add_user(user("eve", false, true, true)).unwrap();
    d.add_team(Team { id: "sales".into(), name: "Sales".into(), members: vec!["mia".into(), "bob".into()] }).unwrap();
    d.add_team(Team { id: "support".into(), name: "Support".into(), members: vec!["mia".into()] }).unwrap();
    d.add_app(app("zoom", AppLevel::AccountLevel)).unwrap();
    d.add_app(app("mail", AppLevel::UserLevel)).unwrap();
    Engine::new(d)
}

fn u(id: &str) -> UserId {
    id.into()
}

fn rule(level: PolicyLevel, approval: Approval) -> PolicyRule {
    PolicyRule { level, approval: Some(approval) }
}

fn team(id: &str) -> PolicyLevel {
    PolicyLevel::Team(id.into())
}

fn install(app: &str) -> Command {
    Command::Install { app: app.into(), scopes: None, expires_at: None, request_admin: None }
}

fn install_scopes(app: &str, scopes: &[&str]) -> Command {
    Command::Install {
        app: app.into(),
        scopes: Some(scopes.iter().map(|s| (*s).to_owned()).collect()),
        expires_at: None,
        request_admin: None,
    }
}

fn as_user(id: &str) -> Actor {
    Actor::User(id.into())
}

/// Asserts that `f` fails with `expected` and leaves the engine's snapshot unchanged.
fn refused<T: std::fmt::Debug>(
    engine: &mut Engine,
    f: impl FnOnce(&mut Engine) -> Result<T, LifecycleError>,
) -> LifecycleError {
    let before = engine.to_json().unwrap();
    let error = f(engine).expect_err("expected a refusal");
    assert_eq!(engine.to_json().unwrap(), before, "a refusal changed the engine: {error}");
    error
}

fn governance(error: LifecycleError) -> GovernanceError {
    match error {
        LifecycleError::Governance(g) => g,
        other => panic!("expected a governance error, got {other:?}"),
    }
}

#[test]
fn precedence_user_then_most_permissive_team_then_account() {
    let mut e = engine();
    let zoom = "zoom".into();
    assert_eq!(e.policy_decision(&zoom, &u("mia")).unwrap().approval, Approval::Allowed);
    assert_eq!(e.policy_decision(&zoom, &u("mia")).unwrap().level, None);
    e.set_policy(&u("ada"), &zoom, vec![rule(PolicyLevel::Account, Approval::Blocked)], t(0)).unwrap();
    let d = e.policy_decision(&zoom, &u("eve")).unwrap();
    assert_eq!((d.approval, d.level), (Approval::Blocked, Some(PolicyLevel::Account)));
    // Team overrides account; of mia's two teams the most permissive wins.
    e.set_policy(
        &u("ada"),
        &zoom,
        vec![rule(team("sales"), Approval::Blocked), rule(team("support"), Approval::NeedsApproval)],
        t(0),
    )
    .unwrap();
    let d = e.policy_decision(&zoom, &u("mia")).unwrap();
    assert_eq!((d.approval, d.level), (Approval::NeedsApproval, Some(team("support"))));
    let d = e.policy_decision(&zoom, &u("bob")).unwrap();
    assert_eq!((d.approval, d.level), (Approval::Blocked, Some(team("sales"))));
    // A user exception beats every team.
    e.set_policy(&u("ada"), &zoom, vec![rule(PolicyLevel::User(u("mia")), Approval::Allowed)], t(0)).unwrap();
    let d = e.policy_decision(&zoom, &u("mia")).unwrap();
    assert_eq!((d.approval, d.level), (Approval::Allowed, Some(PolicyLevel::User(u("mia")))));
    // Removing the user rule falls back to the teams.
    e.set_policy(&u("ada"), &zoom, vec![PolicyRule { level: PolicyLevel::User(u("mia")), approval: None }], t(1))
        .unwrap();
    assert_eq!(e.policy_decision(&zoom, &u("mia")).unwrap().approval, Approval::NeedsApproval);
    // Each rule is one event naming the app, shown in the log.
    let kinds: Vec<ActivityType> = e.events().iter().map(|ev| ev.kind.activity_type()).collect();
    assert_eq!(kinds, vec![ActivityType::PolicyChanged; 5]);
    assert!(e.events().iter().all(|ev| ev.app.as_str() == "zoom" && ev.actor == Some(&u("ada"))));
}

#[test]
fn blocked_install_is_refused_naming_the_rule_and_allowed_installs() {
    let mut e = engine();
    e.set_policy(&u("ada"), &"mail".into(), vec![rule(team("sales"), Approval::Blocked)], t(0)).unwrap();
    let error = refused(&mut e, |e| e.execute(&as_user("mia"), install("mail"), t(1)));
    assert_eq!(error.kind(), ErrorKind::PermissionDenied);
    assert_eq!(error.to_string(), "app \"mail\" is blocked for user \"mia\" by the team \"sales\" rule");
    // eve is in no team: no rule names the app for her.
    assert!(matches!(e.execute(&as_user("eve"), install("mail"), t(1)).unwrap(), Outcome::Applied { .. }));
    // Blocked applies to super admins too (they change the policy first).
    e.set_policy(&u("ada"), &"mail".into(), vec![rule(PolicyLevel::Account, Approval::Blocked)], t(2)).unwrap();
    let error = refused(&mut e, |e| e.execute(&as_user("ada"), install("mail"), t(2)));
    assert!(matches!(governance(error), GovernanceError::Blocked { level: PolicyLevel::Account, .. }));
}

#[test]
fn super_admins_may_always_remove_a_blocked_app_and_reconnect_obeys_the_policy() {
    let mut e = engine();
    e.execute(&as_user("mia"), install("zoom"), t(0)).unwrap();
    e.execute(&as_user("mia"), Command::Disconnect { app: "zoom".into(), user: None }, t(1)).unwrap();
    e.set_policy(&u("ada"), &"zoom".into(), vec![rule(PolicyLevel::Account, Approval::Blocked)], t(2)).unwrap();
    let reconnect = Command::Reconnect { app: "zoom".into(), user: None, expires_at: None };
    let error = refused(&mut e, |e| e.execute(&as_user("mia"), reconnect.clone(), t(3)));
    assert!(matches!(governance(error), GovernanceError::Blocked { level: PolicyLevel::Account, .. }));
    // Needs approval: reconnect refused for mia, allowed for a super admin.
    e.set_policy(&u("ada"), &"zoom".into(), vec![rule(PolicyLevel::Account, Approval::NeedsApproval)], t(3)).unwrap();
    let error = refused(&mut e, |e| e.execute(&as_user("mia"), reconnect.clone(), t(4)));
    assert!(matches!(governance(error), GovernanceError::ApprovalRequired { .. }));
    e.execute(&as_user("ada"), reconnect, t(4)).unwrap();
    e.set_policy(&u("ada"), &"zoom".into(), vec![rule(PolicyLevel::Account, Approval::Blocked)], t(5)).unwrap();
    let reauth = Command::Reauthenticate {
        app: "zoom".into(),
        user: None,
        scopes: None,
        expires_at: None,
        dropped: Default::default(),
    };
    let error = refused(&mut e, |e| e.execute(&as_user("ada"), reauth, t(5)));
    assert!(matches!(governance(error), GovernanceError::Blocked { .. }));
    // Removing is never blocked.
    e.execute(&as_user("ada"), Command::Disconnect { app: "zoom".into(), user: None }, t(6)).unwrap();
    let uninstall = Command::Uninstall { app: "zoom".into(), user: None, confirmation: "uninstall".into() };
    assert!(matches!(e.execute(&as_user("ada"), uninstall, t(7)).unwrap(), Outcome::Uninstalled { .. }));
}

#[test]
fn needs_approval_files_one_request_even_with_marketplace_access() {
    let mut e = engine();
    e.set_policy(&u("ada"), &"zoom".into(), vec![rule(PolicyLevel::Account, Approval::NeedsApproval)], t(0)).unwrap();
    let Outcome::InstallRequested(first) = e.execute(&as_user("mia"), install("zoom"), t(1)).unwrap() else {
        panic!("expected a request")
    };
    assert_eq!(first.admin.as_str(), "ada");
    let logged = e.events().last().unwrap();
    assert_eq!(logged.id, first.request);
    assert!(matches!(logged.kind, EventKind::AccessRequested { requester, .. } if requester.as_str() == "mia"));
    assert_eq!(e.connection_state(&"zoom".into(), None, t(1)), None);
    // Asking again while the request is open links to the same request, logging nothing.
    let count = e.events().len();
    let Outcome::InstallRequested(again) = e.execute(&as_user("mia"), install("zoom"), t(2)).unwrap() else {
        panic!("expected a request")
    };
    assert_eq!((again.request, e.events().len()), (first.request, count));
    // A user without App Marketplace Access gets a queued request too (I2 + G2).
    let Outcome::InstallRequested(bob) = e.execute(&as_user("bob"), install("mail"), t(2)).unwrap() else {
        panic!("expected a request")
    };
    assert_eq!(e.access_request(&"mail".into(), &u("bob")).unwrap().event, bob.request);
    // A super admin installs directly.
    assert!(matches!(e.execute(&as_user("ada"), install("zoom"), t(3)).unwrap(), Outcome::Applied { .. }));
}

#[test]
fn scopes_turned_off_are_refused_in_consent() {
    let mut e = engine();
    let zoom = "zoom".into();
    let error = refused(&mut e, |e| e.turn_off_scopes(&u("ada"), &zoom, [CONTACTS.to_owned()].into(), t(0)));
    assert!(matches!(governance(error), GovernanceError::ScopeNotOptional { scope, .. } if scope == CONTACTS));
    let error = refused(&mut e, |e| e.turn_off_scopes(&u("ada"), &zoom, ["nope.read".to_owned()].into(), t(0)));
    assert!(matches!(governance(error), GovernanceError::UndeclaredScope { .. }));
    e.turn_off_scopes(&u("ada"), &zoom, [DEALS.to_owned()].into(), t(0)).unwrap();
    assert_eq!(e.app_policy(&zoom).unwrap().scopes_off, BTreeSet::from([DEALS.to_owned()]));
    let error = refused(&mut e, |e| e.execute(&as_user("mia"), install_scopes("zoom", &[CONTACTS, DEALS]), t(1)));
    assert_eq!(error.to_string(), "scope \"crm.objects.deals.read\" of app \"zoom\" is turned off by policy");
    e.execute(&as_user("mia"), install_scopes("zoom", &[CONTACTS]), t(1)).unwrap();
    let reauth = Command::Reauthenticate {
        app: "zoom".into(),
        user: None,
        scopes: Some([DEALS.to_owned()].into()),
        expires_at: None,
        dropped: Default::default(),
    };
    let error = refused(&mut e, |e| e.execute(&as_user("mia"), reauth, t(2)));
    assert!(matches!(governance(error), GovernanceError::ScopeTurnedOff { .. }));
    // Turning every scope back on.
    e.turn_off_scopes(&u("ada"), &zoom, BTreeSet::new(), t(3)).unwrap();
    assert!(e.app_policy(&zoom).unwrap().scopes_off.is_empty());
}

#[test]
fn a_policy_change_never_disconnects_and_lists_violations_until_revoked() {
    let mut e = engine();
    e.execute(&as_user("mia"), install_scopes("zoom", &[CONTACTS, DEALS]), t(0)).unwrap();
    e.execute(&as_user("eve"), install("mail"), t(0)).unwrap();
    assert!(e.policy_violations(t(0)).is_empty());
    e.set_policy(&u("ada"), &"zoom".into(), vec![rule(team("support"), Approval::Blocked)], t(1)).unwrap();
    e.set_policy(&u("ada"), &"mail".into(), vec![rule(PolicyLevel::Account, Approval::NeedsApproval)], t(1)).unwrap();
    assert_eq!(e.connection_state(&"zoom".into(), None, t(1)), Some(ConnectionState::Connected));
    let violations = e.policy_violations(t(1));
    assert_eq!(violations.len(), 1, "needs approval is no violation: {violations:?}");
    assert_eq!(violations[0].connection, ConnectionKey { app: "zoom".into(), user: None });
    assert_eq!(violations[0].user, Some(u("mia")));
    assert_eq!(violations[0].decision.level, Some(team("support")));
    // Turning off a granted scope is a violation too.
    e.set_policy(&u("ada"), &"zoom".into(), vec![PolicyRule { level: team("support"), approval: None }], t(2)).unwrap();
    assert!(e.policy_violations(t(2)).is_empty());
    e.turn_off_scopes(&u("ada"), &"zoom".into(), [DEALS.to_owned()].into(), t(2)).unwrap();
    assert_eq!(e.policy_violations(t(2))[0].scopes_off, vec![DEALS.to_owned()]);
    // Revoking ends it as uninstalled; revoking again is refused.
    let id = e.revoke_connection(&u("ada"), &"zoom".into(), None, "scope turned off".into(), t(3)).unwrap();
    assert_eq!(e.events().last().unwrap().id, id);
    assert_eq!(e.connection_state(&"zoom".into(), None, t(3)), Some(ConnectionState::Uninstalled));
    assert!(e.policy_violations(t(3)).is_empty());
    let error = refused(&mut e, |e| e.revoke_connection(&u("ada"), &"zoom".into(), None, String::new(), t(3)));
    assert!(matches!(error, LifecycleError::NotInstalled { .. }));
}

#[test]
fn only_active_super_admins_change_policy_approve_deny_or_revoke() {
    let mut e = engine();
    e.execute(&as_user("bob"), install("zoom"), t(0)).unwrap();
    e.execute(&as_user("mia"), install("mail"), t(0)).unwrap();
    let zoom = "zoom".into();
    for actor in ["mia", "bob"] {
        let error = refused(&mut e, |e| {
            e.set_policy(&u(actor), &zoom, vec![rule(PolicyLevel::Account, Approval::Blocked)], t(1))
        });
        assert_eq!(error.kind(), ErrorKind::PermissionDenied);
        assert!(matches!(governance(error), GovernanceError::NotSuperAdmin { action: "change a policy", .. }));
        let error = refused(&mut e, |e| e.turn_off_scopes(&u(actor), &zoom, [DEALS.to_owned()].into(), t(1)));
        assert!(matches!(governance(error), GovernanceError::NotSuperAdmin { .. }));
        let error = refused(&mut e, |e| e.approve_request(&u(actor), &zoom, &u("bob"), ApprovalGrant::Install, t(1)));
        assert!(matches!(governance(error), GovernanceError::NotSuperAdmin { .. }));
        let error = refused(&mut e, |e| e.deny_request(&u(actor), &zoom, &u("bob"), "no".into(), t(1)));
        assert!(matches!(governance(error), GovernanceError::NotSuperAdmin { .. }));
        let error =
            refused(&mut e, |e| e.revoke_connection(&u(actor), &"mail".into(), Some(u("mia")), String::new(), t(1)));
        assert!(matches!(governance(error), GovernanceError::NotSuperAdmin { .. }));
        let error = refused(&mut e, |e| e.revoke_user_connections(&u(actor), &u("mia"), String::new(), t(1)));
        assert!(matches!(governance(error), GovernanceError::NotSuperAdmin { .. }));
    }
    // A deactivated super admin may not either.
    e.directory_mut().set_user_active(&u("ada"), false).unwrap();
    let error =
        refused(&mut e, |e| e.set_policy(&u("ada"), &zoom, vec![rule(PolicyLevel::Account, Approval::Blocked)], t(1)));
    assert!(matches!(error, LifecycleError::InactiveActor(_)));
}

#[test]
fn policies_naming_unknown_ids_or_conflicting_with_themselves_are_refused() {
    let mut e = engine();
    let zoom = "zoom".into();
    let ok = |level| vec![rule(level, Approval::Allowed)];
    let error = refused(&mut e, |e| e.set_policy(&u("ada"), &"nope".into(), ok(PolicyLevel::Account), t(0)));
    assert!(matches!(error, LifecycleError::UnknownApp(_)));
    let error = refused(&mut e, |e| e.set_policy(&u("ada"), &zoom, ok(team("nope")), t(0)));
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert!(matches!(governance(error), GovernanceError::UnknownTeam(t) if t.as_str() == "nope"));
    let error = refused(&mut e, |e| e.set_policy(&u("ada"), &zoom, ok(PolicyLevel::User(u("nope"))), t(0)));
    assert!(matches!(error, LifecycleError::UnknownUser(u) if u.as_str() == "nope"));
    let conflicting = vec![rule(team("sales"), Approval::Allowed), rule(team("sales"), Approval::Blocked)];
    let error = refused(&mut e, |e| e.set_policy(&u("ada"), &zoom, conflicting, t(0)));
    assert_eq!(error.to_string(), "policy of app \"zoom\" sets the team \"sales\" rule twice with different rules");
    let error = refused(&mut e, |e| e.set_policy(&u("ada"), &zoom, vec![], t(0)));
    assert!(matches!(governance(error), GovernanceError::RuleCount { count: 0, .. }));
    // The same rule twice is no conflict: one event.
    let same = vec![rule(team("sales"), Approval::Blocked), rule(team("sales"), Approval::Blocked)];
    assert_eq!(e.set_policy(&u("ada"), &zoom, same, t(0)).unwrap().len(), 1);
    // 1,000 rules pass, 1,001 do not.
    let many = |n: usize| (0..n).map(|_| rule(PolicyLevel::Account, Approval::Allowed)).collect::<Vec<_>>();
    assert_eq!(e.set_policy(&u("ada"), &zoom, many(1_000), t(0)).unwrap().len(), 1);
    let error = refused(&mut e, |e| e.set_policy(&u("ada"), &zoom, many(1_001), t(0)));
    assert!(matches!(governance(error), GovernanceError::RuleCount { count: 1_001, .. }));
}

#[test]
fn the_queue_ranks_by_distinct_requesters_then_oldest_request() {
    let mut e = engine();
    e.request_access(&u("bob"), &"mail".into(), None, "email sync".into(), t(0)).unwrap();
    e.request_access(&u("mia"), &"zoom".into(), None, "video calls".into(), t(1)).unwrap();
    e.request_access(&u("eve"), &"zoom".into(), None, String::new(), t(2)).unwrap();
    let queue = e.access_queue(t(3));
    let order: Vec<(&str, usize)> = queue.iter().map(|q| (q.app.as_str(), q.requesters)).collect();
    assert_eq!(order, vec![("zoom", 2), ("mail", 1)]);
    assert_eq!(queue[0].oldest_request_at, t(1));
    assert_eq!(queue[0].requests[0].requester_name, "User mia");
    assert_eq!(queue[0].requests[0].reason, "video calls");
    assert_eq!(queue[0].requests[0].scopes, BTreeSet::from([CONTACTS.to_owned()]));
    // A tie on demand goes to the oldest request.
    e.request_access(&u("mia"), &"mail".into(), None, String::new(), t(4)).unwrap();
    let order: Vec<String> = e.access_queue(t(4)).iter().map(|q| q.app.to_string()).collect();
    assert_eq!(order, vec!["mail", "zoom"]);
    // One open request per app and user.
    let error = refused(&mut e, |e| e.request_access(&u("mia"), &"zoom".into(), None, String::new(), t(5)));
    assert_eq!(error.kind(), ErrorKind::Conflict);
    assert!(matches!(governance(error), GovernanceError::RequestAlreadyOpen { .. }));
    // Blocked apps cannot be requested.
    e.set_policy(&u("ada"), &"zoom".into(), vec![rule(team("sales"), Approval::Blocked)], t(5)).unwrap();
    let error = refused(&mut e, |e| e.request_access(&u("bob"), &"zoom".into(), None, String::new(), t(5)));
    assert!(matches!(governance(error), GovernanceError::Blocked { .. }));
}

#[test]
fn approving_installs_with_the_requested_scopes_once() {
    let mut e = engine();
    let mail = "mail".into();
    e.request_access(&u("bob"), &mail, Some([CONTACTS.to_owned(), DEALS.to_owned()].into()), "inbox".into(), t(0))
        .unwrap();
    let ids = e.approve_request(&u("ada"), &mail, &u("bob"), ApprovalGrant::Install, t(1)).unwrap();
    assert_eq!(ids.len(), 2);
    let key = ConnectionKey { app: mail.clone(), user: Some(u("bob")) };
    let connection = e.state().connection(&key).unwrap();
    assert_eq!(connection.granted_scopes, BTreeSet::from([CONTACTS.to_owned(), DEALS.to_owned()]));
    assert_eq!(connection.installed_by, Some(u("ada")));
    assert!(matches!(e.access_request(&mail, &u("bob")).unwrap().status, RequestStatus::Approved { .. }));
    assert!(e.access_queue(t(1)).is_empty());
    let error = refused(&mut e, |e| e.approve_request(&u("ada"), &mail, &u("bob"), ApprovalGrant::Install, t(2)));
    assert_eq!(error.to_string(), "the request of user \"bob\" for app \"mail\" was already approved");
    let error = refused(&mut e, |e| e.deny_request(&u("ada"), &mail, &u("bob"), "late".into(), t(2)));
    assert!(matches!(governance(error), GovernanceError::RequestAlreadyDecided { decision: "approved", .. }));
    let error = refused(&mut e, |e| e.approve_request(&u("ada"), &mail, &u("eve"), ApprovalGrant::Install, t(2)));
    assert_eq!(error.kind(), ErrorKind::NotFound);
}

#[test]
fn an_approval_whose_install_is_refused_changes_nothing() {
    let mut e = engine();
    e.request_access(&u("mia"), &"zoom".into(), None, String::new(), t(0)).unwrap();
    e.execute(&as_user("eve"), install("zoom"), t(1)).unwrap();
    // The approval event would pass; the install after it is refused: both are rolled back.
    let error =
        refused(&mut e, |e| e.approve_request(&u("ada"), &"zoom".into(), &u("mia"), ApprovalGrant::Install, t(2)));
    assert!(matches!(error, LifecycleError::AlreadyInstalled { .. }));
    assert!(e.access_request(&"zoom".into(), &u("mia")).unwrap().is_open_at(t(2)));
    // The next command takes the id the refused batch would have used.
    let ids = e.approve_request(&u("ada"), &"zoom".into(), &u("mia"), ApprovalGrant::AllowList, t(2)).unwrap();
    assert_eq!(ids[0].0, 3);
}

#[test]
fn approving_to_the_allow_list_sets_the_account_rule() {
    let mut e = engine();
    let zoom = "zoom".into();
    e.set_policy(&u("ada"), &zoom, vec![rule(PolicyLevel::Account, Approval::NeedsApproval)], t(0)).unwrap();
    e.execute(&as_user("mia"), install("zoom"), t(1)).unwrap();
    e.approve_request(&u("ada"), &zoom, &u("mia"), ApprovalGrant::AllowList, t(2)).unwrap();
    assert_eq!(e.app_policy(&zoom).unwrap().account, Some(Approval::Allowed));
    assert!(matches!(e.execute(&as_user("mia"), install("zoom"), t(3)).unwrap(), Outcome::Applied { .. }));
}

#[test]
fn denials_need_a_reason_and_close_the_request() {
    let mut e = engine();
    let zoom = "zoom".into();
    e.request_access(&u("mia"), &zoom, None, String::new(), t(0)).unwrap();
    let error = refused(&mut e, |e| e.deny_request(&u("ada"), &zoom, &u("mia"), "  ".into(), t(1)));
    assert!(matches!(governance(error), GovernanceError::EmptyReason { .. }));
    e.deny_request(&u("ada"), &zoom, &u("mia"), "use the approved tool".into(), t(1)).unwrap();
    let RequestStatus::Denied { reason, by, .. } = &e.access_request(&zoom, &u("mia")).unwrap().status else {
        panic!("expected a denial")
    };
    assert_eq!((reason.as_str(), by.as_ref()), ("use the approved tool", Some(&u("ada"))));
    assert!(e.access_queue(t(1)).is_empty());
    // A decided request may be followed by a new one.
    e.request_access(&u("mia"), &zoom, None, "please".into(), t(2)).unwrap();
}

#[test]
fn requests_expire_after_the_configured_days() {
    let mut e = engine();
    let zoom = "zoom".into();
    for days in [0, 366] {
        let before = e.governance_settings();
        let error = e.set_governance_settings(GovernanceSettings { request_expiry_days: days }).unwrap_err();
        assert_eq!(error, GovernanceError::ExpiryOutOfRange(days));
        assert_eq!(e.governance_settings(), before);
    }
    e.set_governance_settings(GovernanceSettings { request_expiry_days: 365 }).unwrap();
    e.set_governance_settings(GovernanceSettings { request_expiry_days: 1 }).unwrap();
    e.request_access(&u("mia"), &zoom, None, String::new(), t(0)).unwrap();
    e.request_access(&u("eve"), &zoom, None, String::new(), t(0)).unwrap();
    let expiry = t(24);
    assert_eq!(e.access_request(&zoom, &u("mia")).unwrap().expires_at, expiry);
    // Just inside: still open; at the expiry: gone from the queue and refused.
    assert_eq!(e.access_queue(expiry - Duration::seconds(1))[0].requesters, 2);
    e.approve_request(&u("ada"), &zoom, &u("eve"), ApprovalGrant::AllowList, expiry - Duration::seconds(1)).unwrap();
    assert!(e.access_queue(expiry).is_empty());
    let error = refused(&mut e, |e| e.approve_request(&u("ada"), &zoom, &u("mia"), ApprovalGrant::Install, expiry));
    assert_eq!(error.kind(), ErrorKind::InvalidState);
    assert!(matches!(governance(error), GovernanceError::RequestExpired { expired_at, .. } if expired_at == expiry));
    // An expired request no longer blocks a new one.
    e.request_access(&u("mia"), &zoom, None, String::new(), expiry).unwrap();
}

#[test]
fn reasons_are_bounded() {
    let mut e = engine();
    let long = |n: usize| "é".repeat(n);
    let error = refused(&mut e, |e| e.request_access(&u("mia"), &"zoom".into(), None, long(2_001), t(0)));
    assert!(matches!(governance(error), GovernanceError::ReasonTooLong(2_001)));
    e.request_access(&u("mia"), &"zoom".into(), None, long(2_000), t(0)).unwrap();
    let error = refused(&mut e, |e| e.deny_request(&u("ada"), &"zoom".into(), &u("mia"), long(2_001), t(0)));
    assert!(matches!(governance(error), GovernanceError::ReasonTooLong(2_001)));
}

#[test]
fn inventory_counts_uses_and_revokes_a_leavers_connections() {
    let mut e = engine();
    e.execute(&as_user("mia"), install_scopes("mail", &[CONTACTS, DEALS]), t(0)).unwrap();
    e.execute(&as_user("mia"), install("zoom"), t(0)).unwrap();
    e.execute(&as_user("eve"), install("mail"), t(0)).unwrap();
    for h in [2, 5, 9] {
        e.execute(&Actor::System, Command::ReportActivity { app: "mail".into(), user: Some(u("mia")) }, t(h)).unwrap();
    }
    let inventory = e.user_inventory(&u("mia"), t(10)).unwrap();
    let apps: Vec<&str> = inventory.connections.iter().map(|c| c.connection.app.as_str()).collect();
    assert_eq!(apps, vec!["mail", "zoom"]);
    let mail = &inventory.connections[0];
    let usage = mail.usage.unwrap();
    assert_eq!((usage.first_use_at, usage.last_use_at, usage.uses), (t(2), t(9), 3));
    assert_eq!(mail.scopes, BTreeSet::from([CONTACTS.to_owned(), DEALS.to_owned()]));
    assert_eq!(inventory.connections[1].usage, None);
    let users: Vec<String> = e.app_users(&"mail".into(), t(10)).unwrap().iter().map(|a| a.user.to_string()).collect();
    assert_eq!(users, vec!["eve", "mia"]);
    assert!(matches!(e.user_inventory(&u("nope"), t(10)), Err(LifecycleError::UnknownUser(_))));
    // Deactivating offers the connections to revoke; revoking them is one event each.
    let offered = e.set_user_active(&u("mia"), false, t(10)).unwrap();
    assert_eq!(offered.len(), 2);
    let ids = e.revoke_user_connections(&u("ada"), &u("mia"), "left the company".into(), t(11)).unwrap();
    assert_eq!(ids.len(), 2);
    assert!(e.user_inventory(&u("mia"), t(11)).unwrap().connections.is_empty());
    assert!(e.events().iter().rev().take(2).all(|ev| matches!(ev.kind, EventKind::ConnectionRevoked { .. })));
    assert_eq!(e.user_inventory(&u("eve"), t(11)).unwrap().connections.len(), 1);
    // Nothing left: no event.
    assert!(e.revoke_user_connections(&u("ada"), &u("mia"), String::new(), t(12)).unwrap().is_empty());
}

#[test]
fn the_fold_rebuilds_policies_and_queue_as_of_any_instant_and_snapshots_restore() {
    let mut e = engine();
    let zoom = "zoom".into();
    e.set_policy(&u("ada"), &zoom, vec![rule(team("sales"), Approval::Blocked)], t(0)).unwrap();
    e.turn_off_scopes(&u("ada"), &zoom, [DEALS.to_owned()].into(), t(1)).unwrap();
    e.request_access(&u("eve"), &zoom, None, "demo".into(), t(2)).unwrap();
    e.set_policy(&u("ada"), &zoom, vec![rule(team("sales"), Approval::Allowed)], t(3)).unwrap();
    e.set_governance_settings(GovernanceSettings { request_expiry_days: 7 }).unwrap();
    let past = e.state_as_of(t(2));
    assert_eq!(past.governance().policies().get(&zoom).unwrap().teams[&"sales".into()], Approval::Blocked);
    assert!(past.governance().requests().get(&zoom, &u("eve")).is_some());
    assert!(e.state_as_of(t(1)).governance().requests().get(&zoom, &u("eve")).is_none());
    let json = e.to_json().unwrap();
    let restored = Engine::from_json(&json).unwrap();
    assert_eq!(restored.state(), e.state());
    assert_eq!(restored.governance_settings().request_expiry_days, 7);
    assert_eq!(restored.to_json().unwrap(), json);
    assert_eq!(restored.access_queue(t(3)), e.access_queue(t(3)));
    // A snapshot whose approval follows nothing open is refused on restore.
    let mut doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    doc.as_object_mut().unwrap().remove("chain");
    let events = doc["events"].as_array_mut().unwrap();
    let mut denial = events.last().unwrap().clone();
    denial["id"] = serde_json::json!(99);
    denial["kind"] = serde_json::json!({"type": "access_denied", "requester": "mia", "reason": "x"});
    events.push(denial);
    let error = Engine::from_json(&doc.to_string()).unwrap_err();
    assert_eq!(error.to_string(), "user \"mia\" has no request for app \"zoom\"");
}
