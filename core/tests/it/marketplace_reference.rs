#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, reason = "tests may panic")]
//! Marketplace search against a naive reference that applies the documented rules literally
//! (scan every listing, score every word, sort by language, score, installs, name, app id), on
//! generated queries, filters and languages over the bundled sample.

use connected_apps::{Filters, PricingFilter, SearchQuery};
use proptest::prelude::*;

use crate::reference::marketplace::{MARKET, reference, words};

fn vocabulary() -> Vec<String> {
    let mut all: Vec<String> = MARKET
        .listings()
        .iter()
        .flat_map(|l| {
            let mut ws = words(&l.name);
            ws.extend(words(&l.tagline));
            ws.extend(l.categories.iter().flat_map(|c| words(c)));
            ws
        })
        .collect();
    all.sort();
    all.dedup();
    all
}

fn query_text() -> impl Strategy<Value = String> {
    let vocab = vocabulary();
    let word = (0..vocab.len(), 1usize..8, any::<bool>(), any::<bool>()).prop_map(move |(i, len, upper, noise)| {
        let w: String = vocab[i].chars().take(len).collect();
        let w = if noise { format!("{w}q") } else { w };
        if upper { w.to_uppercase() } else { w }
    });
    prop::collection::vec(word, 0..4).prop_map(|ws| ws.join(" "))
}

fn filters() -> impl Strategy<Value = Filters> {
    let categories = MARKET.categories();
    (prop::collection::vec(0..categories.len(), 0..2), prop::collection::vec(0u8..3, 0..2), any::<bool>()).prop_map(
        move |(cats, pricing, workflow)| Filters {
            categories: cats.into_iter().map(|i| categories[i].to_lowercase()).collect(),
            pricing: pricing
                .into_iter()
                .map(|p| match p {
                    0 => PricingFilter::Free,
                    1 => PricingFilter::Paid,
                    _ => PricingFilter::FreeTrial,
                })
                .collect(),
            offers_workflow_actions: workflow,
            ..Filters::default()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn search_matches_the_reference(
        text in query_text(),
        filters in filters(),
        language in prop::sample::select(vec!["en", "fr", "de", "ja", "pl", "es"]),
        offset in 0usize..6,
        limit in 1usize..8,
    ) {
        let all = SearchQuery { text: text.clone(), filters: filters.clone(), offset: 0, limit: 1_000 };
        let got = MARKET.search(&all, language).unwrap();
        let expected = reference(&all, language);
        prop_assert_eq!(got.total, expected.len());
        let got_list: Vec<(String, u32, bool)> =
            got.hits.into_iter().map(|h| (h.app.0, h.score, h.language_match)).collect();
        prop_assert_eq!(&got_list, &expected);

        let page = MARKET.search(&SearchQuery { text, filters, offset, limit }, language).unwrap();
        let want: Vec<&String> = expected.iter().skip(offset).take(limit).map(|(a, ..)| a).collect();
        prop_assert_eq!(page.hits.iter().map(|h| &h.app.0).collect::<Vec<_>>(), want);
    }
}
