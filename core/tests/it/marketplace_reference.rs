#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]
//! Marketplace search against a naive reference that applies the documented rules literally
//! (scan every listing, score every word, sort by language, score, installs, name, app id), on
//! generated queries, filters and languages over the bundled sample.

use connected_apps::{Filters, PricingFilter, SearchQuery};
use proptest::prelude::*;

use crate::reference::marketplace::{MARKET, reference, reference_in, words};

fn vocabulary() -> Vec<String> {
    let mut all: Vec<String> = MARKET
        .listings()
        .iter()
        .flat_map(|l| {
            let mut ws = words(&l.name);
            ws.extend(words(&l.tagline));
            ws.extend(l.categories.iter().chain(&l.collections).chain(&l.features).flat_map(|c| words(c)));
            ws
        })
        .collect();
    all.sort();
    all.dedup();
    all
}

/// Accented forms of the plain letters (the reference folds them back).
fn accent(c: char, pick: u8) -> char {
    let forms: &[char] = match c {
        'e' => &['é', 'è', 'ê', 'ë'],
        'a' => &['á', 'à', 'â', 'ä', 'ã'],
        'u' => &['ü', 'ú', 'ù'],
        'o' => &['ö', 'ó', 'ô', 'õ'],
        'i' => &['í', 'ï'],
        'n' => &['ñ'],
        'c' => &['ç'],
        _ => &[],
    };
    forms.get(usize::from(pick) % forms.len().max(1)).copied().unwrap_or(c)
}

/// Query text: vocabulary words or prefixes of them, sometimes misspelt, upper-cased or
/// accented, up to 12 of them (past the 8-term limit), joined by spaces or punctuation, now and
/// then padded past the 256-character limit.
fn query_text() -> impl Strategy<Value = String> + Clone {
    let vocab = vocabulary();
    let noise = prop::bool::weighted(0.15);
    let accented = prop_oneof![3 => Just(None), 1 => any::<u8>().prop_map(Some)];
    let word = (0..vocab.len(), 1usize..10, any::<bool>(), noise, accented).prop_map(
        move |(i, len, upper, noise, accented)| {
            let w: String = vocab[i].chars().take(len).collect();
            let w = if noise { format!("{w}q") } else { w };
            let w = match accented {
                Some(pick) => w.chars().map(|c| accent(c, pick)).collect(),
                None => w,
            };
            if upper { w.to_uppercase() } else { w }
        },
    );
    let separator = prop::sample::select(vec![" ", " ", " ", ", ", "-", "/", " & ", "!", "'", "  ", "."]);
    let padding = prop_oneof![6 => Just(0usize), 1 => 200usize..300];
    let count = prop_oneof![4 => 0usize..4, 1 => 4usize..13];
    let words = count.prop_flat_map(move |n| prop::collection::vec((word.clone(), separator.clone()), n));
    (words, padding).prop_map(|(ws, padding)| {
        let mut text: String = ws.into_iter().map(|(w, sep)| format!("{w}{sep}")).collect();
        // Padding first: the words after it fall past the limit.
        if padding > 0 {
            text = format!("{} {text}", "z".repeat(padding));
        }
        text
    })
}

/// A label as a host might type it: other case, maybe with extra spaces.
fn label(values: Vec<String>) -> impl Strategy<Value = String> + Clone {
    (0..values.len(), any::<bool>(), any::<bool>()).prop_map(move |(i, lower, pad)| {
        let v = if lower { values[i].to_lowercase() } else { values[i].to_uppercase() };
        if pad { format!("  {v} ") } else { v }
    })
}

/// Mostly no value, sometimes one, now and then two.
fn some<T: std::fmt::Debug + Clone>(s: impl Strategy<Value = T> + Clone) -> impl Strategy<Value = Vec<T>> {
    prop_oneof![4 => Just(vec![]), 2 => prop::collection::vec(s.clone(), 1), 1 => prop::collection::vec(s, 2)]
}

fn filters() -> impl Strategy<Value = Filters> {
    (
        some(label(MARKET.categories())),
        some(label(MARKET.collections())),
        some(label(MARKET.features())),
        some(0u8..3),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(categories, collections, features, pricing, workflow)| Filters {
            categories,
            collections,
            features,
            pricing: pricing
                .into_iter()
                .map(|p| match p {
                    0 => PricingFilter::Free,
                    1 => PricingFilter::Paid,
                    _ => PricingFilter::FreeTrial,
                })
                .collect(),
            offers_workflow_actions: workflow,
        })
}

fn check(text: &str, filters: &Filters, language: &str, offset: usize, limit: usize) -> Result<(), TestCaseError> {
    let all = SearchQuery { text: text.to_owned(), filters: filters.clone(), offset: 0, limit: 1_000 };
    let got = MARKET.search(&all, language).unwrap();
    let expected = reference(&all, language);
    prop_assert_eq!(got.total, expected.len());
    let got_list: Vec<(String, u32, bool)> =
        got.hits.into_iter().map(|h| (h.app.0, h.score, h.language_match)).collect();
    prop_assert_eq!(&got_list, &expected);

    let query = SearchQuery { text: text.to_owned(), filters: filters.clone(), offset, limit };
    let page = MARKET.search(&query, language).unwrap();
    let want: Vec<&String> = expected.iter().skip(offset).take(limit).map(|(a, ..)| a).collect();
    prop_assert_eq!(page.hits.iter().map(|h| &h.app.0).collect::<Vec<_>>(), want);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn search_matches_the_reference(
        text in query_text(),
        filters in filters(),
        language in prop::sample::select(vec!["en", "fr", "de", "ja", "pl", "es"]),
        offset in 0usize..6,
        limit in 1usize..8,
    ) {
        check(&text, &filters, language, offset, limit)?;
    }
}

/// The shrunk case proptest once saved, as a named test.
#[test]
fn regression_a_one_digit_query_unfiltered_in_english() {
    check("3", &Filters::default(), "en", 0, 1).unwrap();
}

#[test]
fn the_generators_reach_every_filter_kind_long_queries_accents_and_punctuation() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut long, mut many_words, mut accented, mut punctuated, mut with_hits) = (0, 0, 0, 0, 0);
    let (mut collections, mut features, mut pricing) = (0, 0, 0);
    for _ in 0..600 {
        let text = query_text().new_tree(&mut runner).unwrap().current();
        let f = filters().new_tree(&mut runner).unwrap().current();
        long += usize::from(text.chars().count() > 256);
        many_words += usize::from(words(&text).len() > 8);
        accented += usize::from(!text.is_ascii());
        punctuated += usize::from(text.chars().any(|c| c.is_ascii_punctuation()));
        collections += usize::from(!f.collections.is_empty());
        features += usize::from(!f.features.is_empty());
        pricing += usize::from(!f.pricing.is_empty());
        let q = SearchQuery { text, filters: f, offset: 0, limit: 1_000 };
        with_hits += usize::from(!reference(&q, "en").is_empty());
    }
    let counts = [long, many_words, accented, punctuated, collections, features, pricing, with_hits];
    eprintln!(
        "marketplace generators (long, >8 words, accented, punctuated, collections, features, pricing, with hits): {counts:?}"
    );
    assert!(counts.iter().all(|n| *n >= 30), "{counts:?}");
}

/// A pricing plan: a monthly and/or an annual price (0 or not), and a trial of 0, 1, 2 or 14 days.
fn plan() -> impl Strategy<Value = serde_json::Value> {
    let price = prop::sample::select(vec![0.0f64, 0.0, 0.01, 5.0, 12.5]);
    let prices = prop_oneof![
        price.clone().prop_map(|m| (Some(m), None)),
        price.clone().prop_map(|a| (None, Some(a))),
        (price.clone(), price).prop_map(|(m, a)| (Some(m), Some(a))),
    ];
    (prices, prop::sample::select(vec![0u32, 0, 1, 2, 14])).prop_map(|((monthly, annual), trial)| {
        let mut plan = serde_json::json!({"name": "Plan", "currency": "USD", "free_trial_days": trial});
        if let Some(m) = monthly {
            plan["monthly"] = m.into();
        }
        if let Some(a) = annual {
            plan["annual_monthly"] = a.into();
        }
        plan
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Pricing filters over generated plans (free by either price or both, paid, one-day trials)
    /// on the sample's first 16 listings: the engine's filters equal the reference's, which reads
    /// each plan's prices and trial days itself.
    #[test]
    fn pricing_filters_over_generated_plans_match_the_reference(
        plans in prop::collection::vec(prop::collection::vec(plan(), 0..3), 16),
        pricing in prop::collection::vec(0u8..3, 1..3),
        text in prop::sample::select(vec!["", "sync", "calendar"]),
    ) {
        let mut listings: serde_json::Value =
            serde_json::from_str(include_str!("../../../examples/data/marketplace.json")).unwrap();
        for (listing, plans) in listings.as_array_mut().unwrap().iter_mut().zip(plans) {
            listing["pricing"] = serde_json::Value::Array(plans);
        }
        let market = connected_apps::Marketplace::from_json(&listings.to_string()).unwrap();
        let filters = Filters {
            pricing: pricing
                .into_iter()
                .map(|p| [PricingFilter::Free, PricingFilter::Paid, PricingFilter::FreeTrial][usize::from(p)])
                .collect(),
            ..Filters::default()
        };
        let query = SearchQuery { text: text.to_owned(), filters, offset: 0, limit: 1_000 };
        let got: Vec<(String, u32, bool)> =
            market.search(&query, "en").unwrap().hits.into_iter().map(|h| (h.app.0, h.score, h.language_match)).collect();
        prop_assert_eq!(got, reference_in(&market, &query, "en"));
    }
}
