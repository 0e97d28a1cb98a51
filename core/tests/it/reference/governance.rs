//! Naive approval-policy resolution (G1), written from the README's precedence table alone:
//! every rule is a flat list entry and every check scans the whole list.

/// One rule: `level` is `"account"`, `"team:<id>"` or `"user:<id>"`; `approval` 0 = blocked,
/// 1 = needs approval, 2 = allowed.
#[derive(Debug, Clone)]
pub struct FlatRule {
    pub app: String,
    pub level: String,
    pub approval: u8,
}

/// The decision for `user` (member of `teams`) on `app`: `(approval, deciding level)`, with
/// `(2, None)` when no rule names the app for them.
pub fn resolve(rules: &[FlatRule], app: &str, user: &str, teams: &[String]) -> (u8, Option<String>) {
    let for_app: Vec<&FlatRule> = rules.iter().filter(|r| r.app == app).collect();
    let user_level = format!("user:{user}");
    if let Some(rule) = for_app.iter().find(|r| r.level == user_level) {
        return (rule.approval, Some(rule.level.clone()));
    }
    // Most permissive of the user's teams; on a tie the smallest team id.
    let mut team_rules: Vec<(u8, String)> = Vec::new();
    for team in teams {
        let level = format!("team:{team}");
        for rule in &for_app {
            if rule.level == level {
                team_rules.push((rule.approval, team.clone()));
            }
        }
    }
    team_rules.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    if let Some((approval, team)) = team_rules.first() {
        return (*approval, Some(format!("team:{team}")));
    }
    if let Some(rule) = for_app.iter().find(|r| r.level == "account") {
        return (rule.approval, Some("account".into()));
    }
    (2, None)
}
