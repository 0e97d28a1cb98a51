//! Searches the bundled sample marketplace for the sample account (M2–M5), with the install
//! verdict of each result (I1–I3), then the recommendations (H4).
//!
//! `cargo run -p connected-apps-examples --example marketplace [-- "<query>" [<user id>]]`
//!
//! With no query it prints the recommendations alone. The user defaults to the account's first
//! active super admin. `examples/data/marketplace.json` is written by
//! `scripts/generate_marketplace.py`.

use std::process::ExitCode;

use connected_apps::{InstallPermission, InstallVerdict, Marketplace, SearchQuery, Upgrade, UserId};

use connected_apps_examples::{SAMPLE_MARKETPLACE, read};

fn upgrades(list: &[Upgrade]) -> String {
    list.iter().map(|u| format!("{:?} {:?} (now {:?})", u.hub, u.tier, u.from)).collect::<Vec<_>>().join(", ")
}

fn verdict_text(v: &InstallVerdict) -> String {
    if v.already_connected {
        return "connected — install disabled".into();
    }
    if !v.requirements_met() {
        return format!("needs upgrade: {}", upgrades(&v.upgrades));
    }
    match &v.permission {
        InstallPermission::Install => "install now".into(),
        InstallPermission::Request { admins } if admins.is_empty() => "request install (no admin available)".into(),
        InstallPermission::Request { admins } => {
            format!("request install from {}", admins.iter().map(UserId::as_str).collect::<Vec<_>>().join(", "))
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let query = args.next().unwrap_or_default();
    let engine = connected_apps_examples::load_engine(None)?;
    let market = Marketplace::from_json(&read(SAMPLE_MARKETPLACE)?)
        .map_err(|e| format!("cannot load {SAMPLE_MARKETPLACE}: {e}"))?;
    let (directory, state) = (engine.directory(), engine.state());
    let user =
        args.next().map_or_else(|| directory.active_super_admins().next().map(|u| u.id.clone()), |u| Some(UserId(u)));
    let user = user.ok_or("the account has no active super admin to search as")?;
    let account = directory.account();
    println!(
        "Marketplace — {} listings, account {} (language {}), as {user}",
        market.listings().len(),
        account.name,
        account.default_language
    );

    if !query.trim().is_empty() {
        let mut search = SearchQuery::new(query.as_str());
        search.limit = 15;
        let results = market.search(&search, &account.default_language).map_err(|e| e.to_string())?;
        println!();
        println!("Results for {query:?}: {} found, first {} by relevance", results.total, results.hits.len());
        for (rank, hit) in results.hits.iter().enumerate() {
            let listing = market.listing(&hit.app).ok_or("hit without listing")?;
            let verdict = market.install_verdict(directory, state, &hit.app, &user).map_err(|e| e.to_string())?;
            println!(
                "  {:>2}. {:<26} {:<26} {:>7} installs  score {:>3}  → {}",
                rank + 1,
                hit.name,
                listing.provider,
                listing.total_installs,
                hit.score,
                verdict_text(&verdict)
            );
        }
    }

    println!();
    let recommendations = market.recommendations(directory, state, 8);
    println!("Recommended for you ({}):", recommendations.len());
    for rec in recommendations {
        let categories = market.listing(&rec.app).map(|l| l.categories.join(", ")).unwrap_or_default();
        println!("  • {:<26} affinity {}  {:>7} installs  [{categories}]", rec.name, rec.affinity, rec.total_installs);
    }
    Ok(())
}

fn main() -> ExitCode {
    connected_apps_examples::exit(run())
}
