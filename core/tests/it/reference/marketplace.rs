//! The naive marketplace search reference: applies the documented rules literally (scan every
//! listing, score every word, sort by language, score, installs, name, app id) over the bundled
//! sample.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests may panic")]

use std::sync::LazyLock;

use connected_apps::{Filters, Listing, Marketplace, PricingFilter, PricingPlan, SearchQuery};

const SAMPLE: &str = include_str!("../../../../examples/data/marketplace.json");
pub static MARKET: LazyLock<Marketplace> = LazyLock::new(|| Marketplace::from_json(SAMPLE).unwrap());
const PRIORITY: [&str; 7] = ["es", "fr", "de", "pt", "ja", "nl", "it"];

/// Lowercase and strip the accents the sample uses.
fn fold(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| match c {
            'é' | 'è' | 'ê' | 'ë' => "e".to_owned(),
            'á' | 'à' | 'â' | 'ä' | 'ã' => "a".to_owned(),
            'ü' | 'ú' | 'ù' => "u".to_owned(),
            'ö' | 'ó' | 'ô' | 'õ' => "o".to_owned(),
            'í' | 'ï' => "i".to_owned(),
            'ñ' => "n".to_owned(),
            'ç' => "c".to_owned(),
            'ß' => "ss".to_owned(),
            other => other.to_string(),
        })
        .collect()
}

pub fn words(s: &str) -> Vec<String> {
    fold(s).split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_owned).collect()
}

/// The query's terms: distinct words, at most 8, minus those prefixing another term.
fn terms(text: &str) -> Vec<String> {
    let mut distinct: Vec<String> = Vec::new();
    for w in words(&text.chars().take(256).collect::<String>()) {
        if distinct.len() < 8 && !distinct.contains(&w) {
            distinct.push(w);
        }
    }
    distinct
        .iter()
        .filter(|t| !distinct.iter().any(|o| o.len() > t.len() && o.starts_with(t.as_str())))
        .cloned()
        .collect()
}

fn score(listing: &Listing, terms: &[String]) -> Option<u32> {
    let fields: [(u32, Vec<String>); 3] = [
        (3, words(&listing.name)),
        (
            2,
            [&listing.provider]
                .into_iter()
                .chain(&listing.categories)
                .chain(&listing.collections)
                .flat_map(|s| words(s))
                .collect(),
        ),
        (
            1,
            [&listing.tagline, &listing.description]
                .into_iter()
                .chain(&listing.features)
                .flat_map(|s| words(s))
                .collect(),
        ),
    ];
    let mut total = 0;
    for term in terms {
        let best = fields
            .iter()
            .flat_map(|(field, ws)| {
                ws.iter().filter(|w| w.starts_with(term.as_str())).map(move |w| field * 2 + u32::from(w == term))
            })
            .max()?;
        total += best;
    }
    let name = words(&listing.name).join(" ");
    let phrase = terms.join(" ");
    if !terms.is_empty() && name == phrase {
        total += 100;
    } else if !terms.is_empty() && name.starts_with(&phrase) {
        total += 50;
    }
    Some(total)
}

/// A plan is free when neither of its prices (monthly, billed annually) is above zero; a plan
/// with no price at all is free.
fn free(plan: &PricingPlan) -> bool {
    plan.monthly.is_none_or(|p| p == 0.0) && plan.annual_monthly.is_none_or(|p| p == 0.0)
}

fn passes(listing: &Listing, filters: &Filters) -> bool {
    let has = |values: &[String], wanted: &String| values.iter().any(|v| words(v) == words(wanted));
    listing.certified
        && filters.categories.iter().all(|c| has(&listing.categories, c))
        && filters.collections.iter().all(|c| has(&listing.collections, c))
        && filters.features.iter().all(|f| has(&listing.features, f))
        && filters.pricing.iter().all(|p| match p {
            PricingFilter::Free => listing.pricing.iter().any(free),
            PricingFilter::Paid => listing.pricing.iter().any(|plan| !free(plan)),
            PricingFilter::FreeTrial => listing.pricing.iter().any(|plan| plan.free_trial_days > 0),
        })
        && (!filters.offers_workflow_actions || !listing.workflow_actions.is_empty())
}

/// The reference: every listing that passes the filters and scores, in the documented order
/// (language, score, installs, name, app id), as (app id, score, language match).
pub fn reference(query: &SearchQuery, language: &str) -> Vec<(String, u32, bool)> {
    reference_in(&MARKET, query, language)
}

/// [`reference`] over another marketplace.
pub fn reference_in(market: &Marketplace, query: &SearchQuery, language: &str) -> Vec<(String, u32, bool)> {
    let terms = terms(&query.text);
    let mut found: Vec<(&Listing, u32, bool)> = market
        .listings()
        .iter()
        .filter(|l| passes(l, &query.filters))
        .filter_map(|l| {
            Some((l, score(l, &terms)?, PRIORITY.contains(&language) && l.languages.iter().any(|x| x == language)))
        })
        .collect();
    found.sort_by(|(a, sa, la), (b, sb, lb)| {
        lb.cmp(la)
            .then(sb.cmp(sa))
            .then(b.total_installs.cmp(&a.total_installs))
            .then_with(|| words(&a.name).join(" ").cmp(&words(&b.name).join(" ")))
            .then_with(|| a.app.cmp(&b.app))
    });
    found.into_iter().map(|(l, s, m)| (l.app.0.clone(), s, m)).collect()
}
