//! Writes the bundled sample account (`examples/data/sample_account.json`) deterministically,
//! through the engine's own commands so that every event in it is valid: the log, an approval
//! policy with open access requests (G1, G2), and a governance policy with the rule that sends
//! its one alert (G4).
//!
//! `cargo run -p connected-apps-examples --example generate_sample [-- <path>]`

use std::collections::BTreeSet;
use std::process::ExitCode;

use chrono::{DateTime, Duration, TimeZone, Utc};
use connected_apps::governance::{GovernanceCondition, GovernanceMode, GovernancePolicy, Severity};
use connected_apps::{
    Account, AccountEngine, Actor, App, AppId, AppLevel, Approval, Channel, Command, ConnectionErrorInfo, Directory,
    Distribution, Engine, Error, Feature, Hub, HubTier, Permission, PolicyLevel, PolicyRule, Recipients, Rule,
    RuleApps, RuleType, ScopeDecl, ScopeRequirement, Team, TeamId, Tier, User, UserId, WorkflowAction,
};

/// A tiny deterministic generator (SplitMix64), so the sample needs no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const NAMES: [&str; 40] = [
    "Ada Lovelace",
    "Grace Hopper",
    "Alan Turing",
    "Katherine Johnson",
    "Linus Torvalds",
    "Margaret Hamilton",
    "Dennis Ritchie",
    "Barbara Liskov",
    "Ken Thompson",
    "Frances Allen",
    "Edsger Dijkstra",
    "Radia Perlman",
    "Donald Knuth",
    "Hedy Lamarr",
    "John McCarthy",
    "Shafi Goldwasser",
    "Tim Berners-Lee",
    "Sophie Wilson",
    "Guido van Rossum",
    "Anita Borg",
    "Bjarne Stroustrup",
    "Karen Sparck Jones",
    "James Gosling",
    "Jean Sammet",
    "Niklaus Wirth",
    "Adele Goldberg",
    "Vint Cerf",
    "Carol Shaw",
    "Leslie Lamport",
    "Joan Clarke",
    "Yukihiro Matsumoto",
    "Evelyn Berezin",
    "Brian Kernighan",
    "Mary Kenneth Keller",
    "Rob Pike",
    "Lynn Conway",
    "Bob Kahn",
    "Ida Rhodes",
    "Whitfield Diffie",
    "Annie Easley",
];

fn scope(name: &str, requirement: ScopeRequirement) -> ScopeDecl {
    ScopeDecl { name: name.into(), requirement, requires: None }
}

fn app(id: &str, name: &str, provider: &str, level: AppLevel, vendor: bool, reports: bool, dist: Distribution) -> App {
    App {
        id: id.into(),
        name: name.into(),
        provider: provider.into(),
        built_by_vendor_platform: vendor,
        distribution: dist,
        level,
        reports_status: reports,
        scopes: vec![
            scope("crm.objects.contacts.read", ScopeRequirement::Required),
            scope("crm.objects.contacts.write", ScopeRequirement::ConditionallyRequired),
            scope("crm.objects.deals.read", ScopeRequirement::Optional),
        ],
        features: vec![Feature {
            name: "Contact sync".into(),
            scopes: vec!["crm.objects.contacts.read".into()],
            requires: None,
        }],
        workflow_actions: Vec::new(),
        post_uninstall_steps: Vec::new(),
    }
}

fn apps() -> Vec<App> {
    use AppLevel::{AccountLevel as A, MultiAccount as M, UserLevel as U};
    use Distribution::{Marketplace as Mk, OffMarketplace as Off};
    let mut apps = vec![
        app("salesforce", "Salesforce", "HubSpot", A, true, true, Mk),
        app("gmail", "Gmail", "HubSpot", U, true, true, Mk),
        app("outlook", "Outlook", "HubSpot", U, true, true, Mk),
        app("google-calendar", "Google Calendar", "HubSpot", U, true, true, Mk),
        app("office365-calendar", "Office 365 Calendar", "HubSpot", U, true, true, Mk),
        app("google-drive", "Google Drive", "Google", U, false, false, Mk),
        app("zoom", "Zoom", "Zoom Video Communications", A, false, true, Mk),
        app("slack", "Slack", "Slack Technologies", A, false, false, Mk),
        app("microsoft-teams", "Microsoft Teams", "Microsoft", A, true, true, Mk),
        app("facebook-ads", "Facebook Ads", "HubSpot", M, true, true, Mk),
        app("linkedin-ads", "LinkedIn Ads", "HubSpot", M, true, true, Mk),
        app("instagram", "Instagram", "HubSpot", M, true, false, Mk),
        app("mailchimp", "Mailchimp", "Intuit Mailchimp", A, false, true, Mk),
        app("shopify", "Shopify", "Shopify", A, true, true, Mk),
        app("stripe", "Stripe", "Stripe", A, true, true, Mk),
        app("quickbooks", "QuickBooks Online", "Intuit", A, true, true, Mk),
        app("zapier", "Zapier", "Zapier", A, false, false, Mk),
        app("intercom", "Intercom", "Intercom", A, false, true, Mk),
        app("zendesk", "Zendesk", "Zendesk", A, false, true, Mk),
        app("typeform", "Typeform", "Typeform", A, false, false, Mk),
        app("calendly", "Calendly", "Calendly", U, false, false, Mk),
        app("docusign", "DocuSign", "DocuSign", A, false, true, Mk),
        app("aircall", "Aircall", "Aircall", U, false, true, Mk),
        app("eventbrite", "Eventbrite", "Eventbrite", A, false, false, Mk),
        app("jira", "Jira", "Atlassian", A, false, true, Mk),
        app("erp-sync", "Internal ERP sync", "Acme IT", A, false, false, Off),
    ];
    for a in &mut apps {
        match a.id.as_str() {
            "salesforce" => {
                a.post_uninstall_steps = vec![
                    "uninstall the HubSpot package in Salesforce (Setup > Installed Packages)".into(),
                    "remove the HubSpot Visualforce window from your page layouts".into(),
                ];
                a.workflow_actions =
                    vec![WorkflowAction { id: "sf-create-task".into(), name: "Create Salesforce task".into() }];
                a.scopes.push(ScopeDecl {
                    name: "crm.objects.custom.read".into(),
                    requirement: ScopeRequirement::Optional,
                    requires: Some(HubTier { hub: Hub::Sales, tier: Tier::Enterprise }),
                });
            }
            "slack" => {
                a.workflow_actions =
                    vec![WorkflowAction { id: "slack-send".into(), name: "Send Slack notification".into() }]
            }
            "zoom" => {
                a.workflow_actions =
                    vec![WorkflowAction { id: "zoom-meeting".into(), name: "Create Zoom meeting".into() }]
            }
            _ => {}
        }
    }
    apps
}

fn pick_app<'a>(rng: &mut Rng, apps: &'a [App]) -> Option<&'a App> {
    apps.get(usize::try_from(rng.below(apps.len() as u64)).unwrap_or(0))
}

fn build() -> Result<AccountEngine, Error> {
    let mut directory = Directory::new(Account {
        id: "20261128".into(),
        name: "Acme Robotics".into(),
        default_language: "en".into(),
        time_zone: "Europe/Paris".into(),
        subscriptions: [
            (Hub::Marketing, Tier::Professional),
            (Hub::Sales, Tier::Professional),
            (Hub::Service, Tier::Starter),
        ]
        .into_iter()
        .collect(),
        api_limit_increases: 0,
    })?;
    let mut rng = Rng(20_261_128);
    let uid = |i: usize| UserId(format!("u{:02}", i + 1));
    for (i, name) in NAMES.iter().enumerate() {
        let first = name.split(' ').next().unwrap_or(name).to_lowercase();
        let mut permissions = BTreeSet::new();
        if i % 3 == 1 {
            permissions.insert(Permission::AppMarketplaceAccess);
        }
        directory.add_user(User {
            id: uid(i),
            name: (*name).into(),
            email: format!("{first}.{}@acme.example", i + 1),
            active: !(i == 37 || i == 38),
            super_admin: i < 3,
            permissions,
            platform_user_id: None,
        })?;
    }
    for (t, (id, name)) in [
        ("sales", "Sales"),
        ("marketing", "Marketing"),
        ("support", "Support"),
        ("ops", "Operations"),
        ("leads", "Leadership"),
    ]
    .iter()
    .enumerate()
    {
        let members = (0..NAMES.len()).filter(|i| i % 5 == t || (t == 4 && *i < 3)).map(uid).collect();
        directory.add_team(Team { id: TeamId((*id).into()), name: (*name).into(), members })?;
    }
    let apps = apps();
    for a in &apps {
        directory.add_app(a.clone())?;
    }
    let mut engine = Engine::new(directory);
    let start = Utc.with_ymd_and_hms(2026, 8, 3, 8, 0, 0).single().unwrap_or_default();
    let mut now = start;
    let mut tick = |rng: &mut Rng| -> DateTime<Utc> {
        now += Duration::minutes(30 + i64::try_from(rng.below(600)).unwrap_or(0));
        now
    };
    // Installers: super admins and users holding App Marketplace Access.
    let installers: Vec<UserId> =
        (0..NAMES.len()).filter(|i| *i < 3 || i % 3 == 1).filter(|i| *i < 37).map(uid).collect();
    let pick =
        |rng: &mut Rng, from: &[UserId]| from.get(usize::try_from(rng.below(from.len() as u64)).unwrap_or(0)).cloned();
    let install = |engine: &mut Engine, who: UserId, app: &AppId, at| {
        engine.execute(
            &Actor::User(who),
            Command::Install { app: app.clone(), scopes: None, expires_at: None, request_admin: None },
            at,
        )
    };
    for a in &apps {
        if a.level == AppLevel::UserLevel {
            // Several users connect their own account of each user-level app.
            let n = 2 + rng.below(6);
            for _ in 0..n {
                if let Some(who) = pick(&mut rng, &installers) {
                    let at = tick(&mut rng);
                    // A user may already have connected it: that refusal is expected and skipped.
                    let _ = install(&mut engine, who, &a.id, at);
                }
            }
        } else if let Some(who) = pick(&mut rng, &installers) {
            let at = tick(&mut rng);
            install(&mut engine, who, &a.id, at)?;
        }
    }
    let admin = Actor::User(uid(0));
    let system = Actor::System;
    let mut day = tick(&mut rng);
    // Weeks of ordinary life: activity, sync toggles, and the occasional failure and recovery.
    for _ in 0..120 {
        day += Duration::hours(20);
        for a in apps.iter().filter(|a| a.level == AppLevel::AccountLevel) {
            if rng.below(3) == 0 {
                let _ = engine.execute(&system, Command::ReportActivity { app: a.id.clone(), user: None }, day);
            }
        }
        if rng.below(6) == 0 {
            let a = pick_app(&mut rng, &apps);
            if let Some(a) = a.filter(|a| a.level == AppLevel::AccountLevel) {
                let setting = ["contact sync", "deal sync", "task sync"]
                    .get(usize::try_from(rng.below(3)).unwrap_or(0))
                    .copied()
                    .unwrap_or("contact sync");
                let _ = engine.execute(
                    &admin,
                    Command::SetSyncSetting {
                        app: a.id.clone(),
                        user: None,
                        setting: setting.into(),
                        on: rng.below(2) == 0,
                    },
                    day,
                );
            }
        }
        if rng.below(9) == 0 {
            let _ = engine.execute(&system, Command::ReportExpired { app: "zoom".into(), user: None }, day);
            let _ = engine.execute(
                &admin,
                Command::Reconnect { app: "zoom".into(), user: None, expires_at: None },
                day + Duration::hours(2),
            );
        }
    }
    // How the account looks today: some apps need attention.
    let late = day + Duration::days(1);
    let error = |code: &str, message: &str, steps: &[&str]| ConnectionErrorInfo {
        code: code.into(),
        message: message.into(),
        resolution_steps: steps.iter().map(|s| (*s).to_string()).collect(),
    };
    engine.execute(
        &system,
        Command::ReportError {
            app: "salesforce".into(),
            user: None,
            error: error(
                "SF_API_LIMIT",
                "Salesforce API call limit reached: records are not syncing",
                &[
                    "raise the API limit in Salesforce",
                    "lower the sync frequency in the Salesforce integration settings",
                ],
            ),
        },
        late,
    )?;
    engine.execute(&admin, Command::Disconnect { app: "zendesk".into(), user: None }, late + Duration::hours(1))?;
    engine.execute(
        &system,
        Command::ReportError {
            app: "shopify".into(),
            user: None,
            error: error(
                "SHOP_AUTH",
                "Shopify rejected the store credentials",
                &["reinstall the app from your Shopify admin"],
            ),
        },
        late + Duration::hours(2),
    )?;
    engine.execute(
        &system,
        Command::ReportExpired { app: "docusign".into(), user: None },
        late + Duration::hours(3),
    )?;
    engine.execute(
        &system,
        Command::ReportUpdateAvailability { app: "mailchimp".into(), user: None, available: true },
        late + Duration::hours(4),
    )?;
    let grace = Actor::User(uid(1));
    engine.execute(
        &grace,
        Command::Uninstall { app: "typeform".into(), user: None, confirmation: "uninstall".into() },
        late + Duration::hours(5),
    )?;
    // A grant with an expiry that passes before the sample's "now": expired by the clock alone.
    engine.execute(
        &grace,
        Command::Uninstall { app: "jira".into(), user: None, confirmation: "uninstall".into() },
        late + Duration::hours(6),
    )?;
    engine.execute(
        &grace,
        Command::Install {
            app: "jira".into(),
            scopes: None,
            expires_at: Some(late + Duration::hours(8)),
            request_admin: None,
        },
        late + Duration::hours(7),
    )?;
    engine.execute(&system, Command::ReportActivity { app: "stripe".into(), user: None }, late + Duration::hours(9))?;
    governance(&mut engine, &uid(0), late + Duration::hours(10))?;
    let mut account = AccountEngine::from_engine(engine);
    alerting(&mut account, &uid(0), start)?;
    Ok(account)
}

/// A governance policy (G4) and the rule that sends its alerts, set up at `at` (the account's
/// first day, so that examples may add rules later in time order): Gmail reads the
/// users' mail, so the admins want to know when its connection has sat idle for a quarter. At
/// the sample's "now" (its newest event) it raises exactly one alert, from the state alone:
/// Gmail, idle since its last install 113 days before. The rule sends it to the super admins
/// by e-mail; nothing is recorded as delivered yet.
fn alerting(engine: &mut AccountEngine, admin: &UserId, at: DateTime<Utc>) -> Result<(), Error> {
    let gmail = RuleApps::Only(BTreeSet::from([AppId::from("gmail")]));
    let policy = GovernancePolicy {
        id: "gmail-idle".into(),
        name: "Gmail idle for a quarter".into(),
        severity: Severity::Medium,
        conditions: vec![GovernanceCondition {
            metric: "days_since_last_activity".into(),
            at_least: Some(90),
            scope: None,
        }],
        mode: GovernanceMode::Audit,
        apps: gmail,
    };
    engine.set_governance_policy(admin, policy, at)?;
    let rule = Rule {
        id: "governance-alerts".into(),
        name: "Governance alerts".into(),
        rule_type: RuleType::GovernanceAlert,
        apps: RuleApps::All,
        recipients: Recipients::SuperAdmins,
        channels: BTreeSet::from([Channel::Email]),
        frequency: None,
        notify_recovered: false,
    };
    engine.create_rule(admin, rule, at)?;
    Ok(())
}

/// The account's approval policy and its open access requests (G1, G2), from `at` on: Zapier
/// is blocked for everyone but Operations (so its connection, installed by someone else, is a
/// policy violation the admins see), Typeform needs approval, and three users asked for apps.
fn governance(engine: &mut Engine, admin: &UserId, at: DateTime<Utc>) -> Result<(), Error> {
    let rule = |level, approval| PolicyRule { level, approval: Some(approval) };
    engine.set_policy(
        admin,
        &"zapier".into(),
        vec![
            rule(PolicyLevel::Account, Approval::Blocked),
            rule(PolicyLevel::Team(TeamId("ops".into())), Approval::NeedsApproval),
        ],
        at,
    )?;
    engine.set_policy(admin, &"typeform".into(), vec![rule(PolicyLevel::Account, Approval::NeedsApproval)], at)?;
    let asks = [
        ("u05", "typeform", "survey the trade-show leads"),
        ("u08", "typeform", "NPS surveys for the support team"),
        ("u11", "calendly", "let prospects book demos"),
    ];
    for ((who, app, reason), hour) in asks.into_iter().zip(1..) {
        engine.request_access(&who.into(), &app.into(), None, reason.into(), at + Duration::hours(hour))?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let path = std::env::args().nth(1).unwrap_or_else(|| "examples/data/sample_account.json".into());
    let result = build().and_then(|engine| engine.to_json().map_err(Error::from));
    match result {
        Ok(json) => match std::fs::write(&path, json + "\n") {
            Ok(()) => {
                println!("wrote {path}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cannot write {path}: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("sample generation failed: {e}");
            ExitCode::FAILURE
        }
    }
}
