//! The naive reference of governance evaluation (G4): the documented table applied literally to
//! a plain description of the account, with no engine helper (no state, no insights view, no
//! robust rule: counts, medians and thresholds are recomputed here).

use std::collections::{BTreeMap, BTreeSet};

/// One connection as the scenario made it.
#[derive(Debug, Clone)]
pub struct RefConnection {
    pub user: Option<String>,
    pub scopes: BTreeSet<String>,
    /// Whole seconds before `now` of its (only) install.
    pub installed_secs_ago: i64,
    /// Whole seconds before `now` of its latest activity, if any.
    pub active_secs_ago: Option<i64>,
    pub disconnected: bool,
    pub uninstalled: bool,
}

/// One app as the scenario made it.
#[derive(Debug, Clone)]
pub struct RefApp {
    pub id: String,
    pub off_marketplace: bool,
    /// `(certified, shares outward)` of its listing, if listed.
    pub listing: Option<(bool, bool)>,
    pub connections: Vec<RefConnection>,
    /// Calls today.
    pub calls: u64,
    /// Per record type: deletes and merges per day, 14 trailing days (oldest first) then today.
    pub deletes: BTreeMap<String, [u64; 15]>,
    pub merges: BTreeMap<String, [u64; 15]>,
}

#[derive(Debug, Clone)]
pub struct RefCondition {
    pub metric: String,
    pub at_least: Option<u64>,
    pub scope: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RefPolicy {
    pub id: String,
    pub enforce: bool,
    /// `None`: every app.
    pub apps: Option<BTreeSet<String>>,
    pub conditions: Vec<RefCondition>,
}

/// (policy, app, observed values) per alert, sorted by app then policy; and the disconnects
/// (app, user), sorted.
pub type RefReport = (Vec<(String, String, Vec<u64>)>, Vec<(String, Option<String>)>);

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

/// The records rule's flag (trailing 14 days, at least 7, multiplier 6, spread 3, value 25).
fn flagged(series: &[u64; 15]) -> bool {
    let today = series[14];
    if today < 25 {
        return false;
    }
    let history: Vec<f64> = series[..14].iter().map(|v| *v as f64).collect();
    let m = median(history.clone());
    let mad = median(history.iter().map(|v| (v - m).abs()).collect());
    let spread = (1.4826 * mad).max(3.0).max(m * 0.01);
    today as f64 > m + 6.0 * spread
}

pub fn reference_governance(apps: &[RefApp], limit: u64, policies: &[RefPolicy]) -> RefReport {
    let mut alerts = Vec::new();
    let mut disconnects = BTreeSet::new();
    let mut sorted: Vec<&RefApp> = apps.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let mut policies: Vec<&RefPolicy> = policies.iter().collect();
    policies.sort_by(|a, b| a.id.cmp(&b.id));
    for app in sorted {
        let installed: Vec<&RefConnection> = app.connections.iter().filter(|c| !c.uninstalled).collect();
        if installed.is_empty() {
            continue;
        }
        let scopes: BTreeSet<&String> = installed.iter().flat_map(|c| c.scopes.iter()).collect();
        let idle_secs = installed
            .iter()
            .map(|c| c.active_secs_ago.map_or(c.installed_secs_ago, |a| a.min(c.installed_secs_ago)))
            .min()
            .unwrap();
        let deleted: u64 = app.deletes.values().map(|s| s[14]).sum();
        let merged: u64 = app.merges.values().map(|s| s[14]).sum();
        let destructive = app.deletes.values().chain(app.merges.values()).any(flagged);
        for policy in &policies {
            if policy.apps.as_ref().is_some_and(|a| !a.contains(&app.id)) {
                continue;
            }
            let mut observed = Vec::new();
            let mut all = true;
            for c in &policy.conditions {
                let value = match c.metric.as_str() {
                    "api_calls_per_day" => app.calls,
                    "api_share_of_limit_percent" => app.calls * 100 / limit.max(1),
                    "records_deleted_per_day" => deleted,
                    "records_merged_per_day" => merged,
                    "destructive_change" => u64::from(destructive),
                    "scopes_held" => scopes.len() as u64,
                    "holds_scope" => u64::from(scopes.iter().any(|s| Some(*s) == c.scope.as_ref())),
                    "days_since_last_activity" => (idle_secs / 86_400) as u64,
                    "publisher_not_certified" => {
                        u64::from(app.off_marketplace || app.listing.is_some_and(|(certified, _)| !certified))
                    }
                    "shares_data_outward" => u64::from(app.listing.is_some_and(|(_, out)| out)),
                    other => panic!("unknown metric {other}"),
                };
                observed.push(value);
                let holds = match c.at_least {
                    Some(t) => value >= t,
                    None => value == 1,
                };
                if !holds {
                    all = false;
                    break;
                }
            }
            if !all {
                continue;
            }
            if policy.enforce {
                for c in installed.iter().filter(|c| !c.disconnected) {
                    disconnects.insert((app.id.clone(), c.user.clone()));
                }
            }
            alerts.push((policy.id.clone(), app.id.clone(), observed));
        }
    }
    (alerts, disconnects.into_iter().collect())
}
