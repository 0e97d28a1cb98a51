//! Bench `marketplace`: search + filters over 10,000 listings (M2–M4); target median ≤ 200 µs
//! per query.
//!
//! `cargo bench -p connected-apps-benches --bench marketplace`
//!
//! The 10,000 listings are the bundled sample marketplace repeated with varied names, providers,
//! taglines and install counts, so words, categories and languages keep realistic frequencies.

use std::hint::black_box;
use std::time::Duration;

use connected_apps::{Filters, Listing, Marketplace, PricingFilter, SearchQuery};
use criterion::{Criterion, criterion_group, criterion_main};

const SAMPLE: &str = include_str!("../../examples/data/marketplace.json");
const LISTINGS: usize = 10_000;

const WORDS: [&str; 24] = [
    "Pro",
    "Connect",
    "Sync",
    "Cloud",
    "Plus",
    "Hub",
    "Bridge",
    "Flow",
    "Insights",
    "Suite",
    "Express",
    "Direct",
    "Studio",
    "Manager",
    "Tracker",
    "Assistant",
    "Pilot",
    "Base",
    "Stream",
    "Link",
    "Desk",
    "Works",
    "Lab",
    "Kit",
];
const NEEDS: [&str; 12] = [
    "automate invoices and reminders",
    "score leads from website visits",
    "route tickets to the right agent",
    "schedule meetings across time zones",
    "enrich companies with firmographics",
    "sync orders and refunds",
    "track email opens and clicks",
    "record and transcribe calls",
    "collect customer feedback surveys",
    "manage webinar registrations",
    "forecast revenue by pipeline",
    "publish social posts on a calendar",
];

fn setup<T, E: std::fmt::Display>(result: Result<T, E>) -> T {
    result.unwrap_or_else(|e| {
        eprintln!("bench setup failed: {e}");
        std::process::exit(1)
    })
}

fn build() -> Marketplace {
    let sample = setup(Marketplace::from_json(SAMPLE));
    let base = sample.listings();
    let listings: Vec<Listing> = (0..LISTINGS)
        .filter_map(|i| {
            let mut l = base.get(i % base.len())?.clone();
            let word = |k: usize| WORDS.get((i / base.len() + k * 7) % WORDS.len()).copied().unwrap_or("Pro");
            l.app = format!("{}-{i}", l.app).into();
            l.name = format!("{} {} {}", l.name, word(0), word(1));
            l.provider = format!("{} {}", l.provider, word(2));
            l.tagline = format!("{} — {}", l.tagline, NEEDS.get(i % NEEDS.len()).copied().unwrap_or_default());
            l.total_installs = ((i as u64) * 7_919) % 250_000;
            Some(l)
        })
        .collect();
    setup(Marketplace::new(listings))
}

fn bench(c: &mut Criterion) {
    let market = build();
    let filtered = |text: &str, filters: Filters| SearchQuery { filters, ..SearchQuery::new(text) };
    let queries = [
        ("name_prefix_cal", SearchQuery::new("cal"), "en"),
        ("business_need_two_words", SearchQuery::new("sync invoices"), "en"),
        ("one_letter_s", SearchQuery::new("s"), "en"),
        ("diacritics_evenements_fr", SearchQuery::new("Événements"), "fr"),
        (
            "words_and_category",
            filtered("meet", Filters { categories: vec!["Productivity".into()], ..Filters::default() }),
            "en",
        ),
        (
            "empty_query_category_and_trial",
            filtered(
                "",
                Filters {
                    categories: vec!["Sales".into()],
                    pricing: vec![PricingFilter::FreeTrial],
                    ..Filters::default()
                },
            ),
            "en",
        ),
        ("empty_query_all_fr", SearchQuery::new(""), "fr"),
        (
            "features_and_workflow_actions",
            filtered(
                "sync",
                Filters { features: vec!["Two-way sync".into()], offers_workflow_actions: true, ..Filters::default() },
            ),
            "de",
        ),
        ("query_10000_chars", SearchQuery::new("sales automation ".repeat(600)), "en"),
    ];
    let mut group = c.benchmark_group("marketplace_10k");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(2));
    group.warm_up_time(Duration::from_millis(500));
    for (name, query, language) in &queries {
        group.bench_function(*name, |b| b.iter(|| black_box(market.search(black_box(query), language))));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
