//! Search (M2), filters (M3) and language priority (M4) over certified listings (M5).
//!
//! # Matching
//! The query and the listings are folded (case and common Latin diacritics, see `fold`) and
//! split into words. A listing matches when **every** query word is a prefix of some word of its
//! name, provider, categories, collections, features, tagline or description. Only the first
//! [`MAX_QUERY_CHARS`] characters of a query are read and only its first [`MAX_QUERY_TERMS`]
//! distinct words are used, so a query of any length does bounded work; a word that is a prefix
//! of another query word adds nothing and is dropped. A query without words
//! (empty, blanks, punctuation) matches every listing.
//!
//! # Relevance order
//! 1. **Language (M4)**: when the account's default language is one of
//!    [`super::PRIORITY_LANGUAGES`], listings offered in it come first.
//! 2. **Score**, highest first: each query word scores where it matched best — a name word 7
//!    (exact) or 6 (prefix); a provider, category or collection word 5 or 4; a feature, tagline
//!    or description word 3 or 2. The whole query equal to the name adds 100, the name starting
//!    with the whole query adds 50.
//! 3. **Total installs**, highest first; then name (folded), then app id.
//!
//! # Filters (M3)
//! Combined with AND: a listing must be in every collection and category named, offer every
//! feature named, satisfy every pricing filter named ([`PricingFilter`]) and, when asked, offer
//! workflow actions. Values are compared folded; a value no certified listing carries is an
//! error ([`MarketplaceError::UnknownFilterValue`]) rather than a silent empty page.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::fold::{fold_chars_into, normalise, words};
use super::{Listing, Marketplace, PRIORITY_LANGUAGES};
use crate::catalog::AppId;
use crate::marketplace::error::MarketplaceError;

pub use crate::limits::{MAX_QUERY_CHARS, MAX_QUERY_TERMS};
/// The page size when a query does not name one.
pub const DEFAULT_LIMIT: usize = 20;

/// The pricing filter (M3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PricingFilter {
    /// A plan costs nothing.
    Free,
    /// A plan costs money.
    Paid,
    /// A plan has a free trial.
    FreeTrial,
}

/// Filters (M3), combined with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filters {
    /// Collections the listing must be in.
    #[serde(default)]
    pub collections: Vec<String>,
    /// Categories the listing must be in.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Pricing conditions the listing must meet.
    #[serde(default)]
    pub pricing: Vec<PricingFilter>,
    /// Features the listing must offer.
    #[serde(default)]
    pub features: Vec<String>,
    /// Only listings offering workflow actions (W2).
    #[serde(default)]
    pub offers_workflow_actions: bool,
}

/// A search: words, filters and the page wanted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchQuery {
    /// Business need or app name, free text.
    #[serde(default)]
    pub text: String,
    /// Filters.
    #[serde(default)]
    pub filters: Filters,
    /// Results to skip.
    #[serde(default)]
    pub offset: usize,
    /// Results to return.
    #[serde(default = "default_limit")]
    pub limit: usize,
}

fn default_limit() -> usize {
    DEFAULT_LIMIT
}

impl SearchQuery {
    /// A query for `text`, unfiltered, first page.
    #[must_use]
    pub fn new(text: impl Into<String>) -> Self {
        Self { text: text.into(), filters: Filters::default(), offset: 0, limit: DEFAULT_LIMIT }
    }
}

/// One result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    /// The app.
    pub app: AppId,
    /// Its name.
    pub name: String,
    /// Relevance score (0 for a query without words).
    pub score: u32,
    /// Whether the listing is offered in the account's priority language.
    pub language_match: bool,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    /// How many listings match in all.
    pub total: usize,
    /// The page, in relevance order.
    pub hits: Vec<SearchHit>,
}

/// Where a word of a listing was found; higher is more relevant.
const TEXT: u32 = 1;
const META: u32 = 2;
const NAME: u32 = 3;
const WHOLE_NAME_BONUS: u32 = 100;
const NAME_PREFIX_BONUS: u32 = 50;

/// A set of listings by position.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Bitset(Vec<u64>);

impl Bitset {
    fn new(len: usize) -> Self {
        Self(vec![0; len.div_ceil(64)])
    }

    fn insert(&mut self, i: usize) {
        if let Some(word) = self.0.get_mut(i / 64) {
            *word |= 1 << (i % 64);
        }
    }

    fn contains(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    fn intersect(&mut self, other: &Self) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a &= b;
        }
    }
}

/// A filterable facet of listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Facet {
    Category,
    Collection,
    Feature,
}

/// Values of one facet: folded value → (first spelling seen, listings carrying it).
type FacetIndex = BTreeMap<String, (String, Bitset)>;

/// The search index, built once per marketplace: a sorted vocabulary with postings (listing and
/// field) in one flat array, bitsets per filter value, and the popularity order.
#[derive(Debug, Clone)]
pub(crate) struct Index {
    words: Vec<Box<str>>,
    /// Postings of word `i` are `postings[offsets[i]..offsets[i + 1]]`, each `listing << 2 | field`.
    offsets: Vec<u32>,
    postings: Vec<u32>,
    names: Vec<Box<str>>,
    /// Position of each listing in [`Index::by_popularity`].
    popularity_rank: Vec<u32>,
    /// Certified listings, most installed first, then by folded name and app id.
    by_popularity: Vec<u32>,
    certified: Bitset,
    categories: FacetIndex,
    collections: FacetIndex,
    features: FacetIndex,
    free: Bitset,
    paid: Bitset,
    free_trial: Bitset,
    workflow: Bitset,
    languages: HashMap<String, Bitset>,
    /// Term weights per listing for one-character terms that many words start with: such a
    /// term would otherwise walk a large share of all postings on every query.
    dense_prefixes: HashMap<char, Box<[u8]>>,
}

const _: () = assert!(crate::limits::MAX_LISTINGS <= 1 << 30, "a posting is a listing << 2 | field in a u32");

impl Index {
    pub(crate) fn build(listings: &[Listing]) -> Self {
        let n = listings.len();
        let mut vocabulary: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        let mut certified = Bitset::new(n);
        let (mut free, mut paid, mut free_trial, mut workflow) =
            (Bitset::new(n), Bitset::new(n), Bitset::new(n), Bitset::new(n));
        let (mut categories, mut collections, mut features) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
        let mut languages: HashMap<String, Bitset> = HashMap::new();
        let mut folded = String::new();
        for (i, listing) in listings.iter().enumerate() {
            if !listing.certified {
                continue;
            }
            certified.insert(i);
            // `Marketplace::new` holds at most `MAX_LISTINGS` (2^30) listings: the shift keeps every bit.
            let pos = u32::try_from(i).unwrap_or(u32::MAX) << 2;
            // Each word of the listing once, at the most relevant field it appears in.
            let mut own: HashMap<&str, u32> = HashMap::new();
            folded.clear();
            let fields: [(&[String], u32); 4] = [
                (std::slice::from_ref(&listing.name), NAME),
                (std::slice::from_ref(&listing.provider), META),
                (&listing.categories, META),
                (&listing.collections, META),
            ];
            let texts: [(&[String], u32); 3] = [
                (&listing.features, TEXT),
                (std::slice::from_ref(&listing.tagline), TEXT),
                (std::slice::from_ref(&listing.description), TEXT),
            ];
            let mut spans = Vec::new();
            for (values, field) in fields.iter().chain(texts.iter()) {
                for value in *values {
                    let start = folded.len();
                    fold_into_spaced(value, &mut folded);
                    spans.push((start, folded.len(), *field));
                }
            }
            for &(start, end, field) in &spans {
                for word in words(folded.get(start..end).unwrap_or_default()) {
                    let best = own.entry(word).or_insert(field);
                    *best = (*best).max(field);
                }
            }
            for (word, field) in own {
                vocabulary.entry(word.to_owned()).or_default().push(pos | field);
            }
            add_facet(&mut categories, &listing.categories, i, n);
            add_facet(&mut collections, &listing.collections, i, n);
            add_facet(&mut features, &listing.features, i, n);
            for (set, on) in [
                (&mut free, listing.has_free_plan()),
                (&mut paid, listing.has_paid_plan()),
                (&mut free_trial, listing.has_free_trial()),
                (&mut workflow, !listing.workflow_actions.is_empty()),
            ] {
                if on {
                    set.insert(i);
                }
            }
            for lang in &listing.languages {
                languages.entry(lang.clone()).or_insert_with(|| Bitset::new(n)).insert(i);
            }
        }
        let mut words_sorted = Vec::with_capacity(vocabulary.len());
        let mut offsets = Vec::with_capacity(vocabulary.len() + 1);
        let mut postings = Vec::new();
        offsets.push(0);
        for (word, list) in vocabulary {
            words_sorted.push(word.into_boxed_str());
            postings.extend(list);
            offsets.push(u32::try_from(postings.len()).unwrap_or(u32::MAX));
        }
        let names: Vec<Box<str>> = listings.iter().map(|l| normalise(&l.name).into_boxed_str()).collect();
        let mut by_popularity: Vec<u32> =
            (0..n).filter(|&i| certified.contains(i)).filter_map(|i| u32::try_from(i).ok()).collect();
        by_popularity.sort_by(|&a, &b| {
            let key = |i: u32| {
                let l = listings.get(i as usize);
                (std::cmp::Reverse(l.map(|l| l.total_installs)), names.get(i as usize), l.map(|l| &l.app))
            };
            key(a).cmp(&key(b))
        });
        let mut popularity_rank = vec![u32::MAX; n];
        for (rank, &i) in by_popularity.iter().enumerate() {
            if let Some(slot) = popularity_rank.get_mut(i as usize) {
                *slot = u32::try_from(rank).unwrap_or(u32::MAX);
            }
        }
        let mut index = Self {
            words: words_sorted,
            offsets,
            postings,
            names,
            popularity_rank,
            by_popularity,
            certified,
            categories,
            collections,
            features,
            free,
            paid,
            free_trial,
            workflow,
            languages,
            dense_prefixes: HashMap::new(),
        };
        index.dense_prefixes = index.dense_prefixes();
        index
    }

    /// One-character prefixes whose words carry at least an eighth as many postings as there
    /// are listings, with their precomputed weights (memory: at most one byte per listing each).
    fn dense_prefixes(&self) -> HashMap<char, Box<[u8]>> {
        let n = self.names.len();
        let mut postings_by_first: BTreeMap<char, usize> = BTreeMap::new();
        for (i, word) in self.words.iter().enumerate() {
            if let Some(first) = word.chars().next() {
                *postings_by_first.entry(first).or_default() += self.postings_of(i).len();
            }
        }
        postings_by_first
            .into_iter()
            .filter(|&(_, count)| count.saturating_mul(8) >= n)
            .map(|(first, _)| {
                let mut weights = vec![0u8; n];
                self.prefix_weights(first.encode_utf8(&mut [0; 4]), &mut weights);
                (first, weights.into_boxed_slice())
            })
            .collect()
    }

    /// Raises `best[listing]` to the weight of the best word of the listing that `term`
    /// prefixes: field × 2, plus 1 when the word is the term itself.
    fn prefix_weights(&self, term: &str, best: &mut [u8]) {
        let start = self.words.partition_point(|w| **w < *term);
        let matching = self.words.get(start..).unwrap_or_default().iter().take_while(|w| w.starts_with(term));
        for (offset, word) in matching.enumerate() {
            let exact = u32::from(word.len() == term.len());
            for &posting in self.postings_of(start + offset) {
                let weight = u8::try_from((posting & 3) * 2 + exact).unwrap_or(u8::MAX);
                if let Some(slot) = best.get_mut((posting >> 2) as usize) {
                    *slot = (*slot).max(weight);
                }
            }
        }
    }

    pub(crate) fn vocabulary(&self, facet: Facet) -> Vec<String> {
        self.facet(facet).values().map(|(display, _)| display.clone()).collect()
    }

    fn facet(&self, facet: Facet) -> &FacetIndex {
        match facet {
            Facet::Category => &self.categories,
            Facet::Collection => &self.collections,
            Facet::Feature => &self.features,
        }
    }

    /// The certified listings passing `filters`.
    fn mask(&self, filters: &Filters) -> Result<Bitset, MarketplaceError> {
        let mut mask = self.certified.clone();
        let named = [
            (Facet::Collection, "collection", &filters.collections),
            (Facet::Category, "category", &filters.categories),
            (Facet::Feature, "feature", &filters.features),
        ];
        for (facet, filter, values) in named {
            for value in values {
                let (_, set) = self
                    .facet(facet)
                    .get(&normalise(value))
                    .ok_or_else(|| MarketplaceError::UnknownFilterValue { filter, value: value.clone() })?;
                mask.intersect(set);
            }
        }
        for pricing in &filters.pricing {
            mask.intersect(match pricing {
                PricingFilter::Free => &self.free,
                PricingFilter::Paid => &self.paid,
                PricingFilter::FreeTrial => &self.free_trial,
            });
        }
        if filters.offers_workflow_actions {
            mask.intersect(&self.workflow);
        }
        Ok(mask)
    }

    fn postings_of(&self, word: usize) -> &[u32] {
        let start = self.offsets.get(word).copied().unwrap_or(0) as usize;
        let end = self.offsets.get(word + 1).copied().unwrap_or(0) as usize;
        self.postings.get(start..end).unwrap_or_default()
    }

    /// The rank keys (see [`rank_key`]) of the listings within `mask` matching every term.
    fn matches(&self, terms: &[String], mask: &Bitset, priority: Option<&Bitset>) -> Vec<u64> {
        let n = self.names.len();
        let mut best = vec![0u8; n];
        let mut scores = vec![0u32; n];
        let mut candidates: Vec<u32> = Vec::new();
        for (k, term) in terms.iter().enumerate() {
            let mut chars = term.chars();
            match (chars.next().and_then(|c| self.dense_prefixes.get(&c)), chars.next()) {
                (Some(dense), None) if dense.len() == best.len() => best.copy_from_slice(dense),
                _ => {
                    best.fill(0);
                    self.prefix_weights(term, &mut best);
                }
            }
            let hit = |i: u32| best.get(i as usize).is_some_and(|b| *b > 0);
            if k == 0 {
                candidates = (0..n)
                    .filter_map(|i| u32::try_from(i).ok())
                    .filter(|&i| hit(i) && mask.contains(i as usize))
                    .collect();
            } else {
                candidates.retain(|&i| hit(i));
            }
            for &i in &candidates {
                if let (Some(score), Some(b)) = (scores.get_mut(i as usize), best.get(i as usize)) {
                    *score += u32::from(*b);
                }
            }
            if candidates.is_empty() {
                break;
            }
        }
        let phrase = terms.join(" ");
        // Every word in the name scores at least this; only then can the whole-name bonuses apply.
        let all_in_name = u32::try_from(terms.len()).unwrap_or(u32::MAX).saturating_mul(NAME * 2);
        candidates
            .into_iter()
            .map(|i| {
                let score = scores.get(i as usize).copied().unwrap_or(0);
                let name = self.names.get(i as usize).map_or("", |n| &**n);
                // The first byte rules most names out before a string comparison.
                let bonus = if score < all_in_name || name.as_bytes().first() != phrase.as_bytes().first() {
                    0
                } else if *name == *phrase {
                    WHOLE_NAME_BONUS
                } else if name.starts_with(&phrase) {
                    NAME_PREFIX_BONUS
                } else {
                    0
                };
                self.rank_key(i, score + bonus, priority)
            })
            .collect()
    }

    /// Orders results: language miss (1 bit), then 0xFFFF − score (16 bits), then popularity
    /// rank (32 bits), so that ascending keys are the relevance order; the key also tells the
    /// listing back through [`Index::by_popularity`].
    fn rank_key(&self, i: u32, score: u32, priority: Option<&Bitset>) -> u64 {
        let miss = u64::from(!priority.is_some_and(|set| set.contains(i as usize)));
        let score = 0xFFFF - u64::from(score.min(0xFFFF));
        let popularity = u64::from(self.popularity_rank.get(i as usize).copied().unwrap_or(u32::MAX));
        miss << 63 | score << 32 | popularity
    }

    /// The listing, score and language match of a rank key.
    fn unrank(&self, key: u64) -> Option<(u32, u32, bool)> {
        let listing = *self.by_popularity.get(usize::try_from(key & 0xFFFF_FFFF).ok()?)?;
        let score = 0xFFFF - u32::try_from((key >> 32) & 0xFFFF).ok()?;
        Some((listing, score, key >> 63 == 0))
    }
}

/// Folds `value` and appends it followed by a space, so that words of adjacent values never join.
fn fold_into_spaced(value: &str, out: &mut String) {
    fold_chars_into(value.chars(), out);
    out.push(' ');
}

fn add_facet(facet: &mut FacetIndex, values: &[String], i: usize, n: usize) {
    for value in values {
        let key = normalise(value);
        facet.entry(key).or_insert_with(|| (value.clone(), Bitset::new(n))).1.insert(i);
    }
}

/// The distinct words of a query, bounded by [`MAX_QUERY_CHARS`] and [`MAX_QUERY_TERMS`].
fn query_terms(text: &str) -> Vec<String> {
    let mut folded = String::new();
    fold_chars_into(text.chars().take(MAX_QUERY_CHARS), &mut folded);
    let mut terms: Vec<String> = Vec::new();
    for word in words(&folded) {
        if terms.len() == MAX_QUERY_TERMS {
            break;
        }
        if !terms.iter().any(|t| t == word) {
            terms.push(word.to_owned());
        }
    }
    // A word that prefixes another adds no condition (e.g. the cut-off last word of a long query).
    let implied = |t: &String| terms.iter().any(|other| other.len() > t.len() && other.starts_with(t.as_str()));
    let kept: Vec<String> = terms.iter().filter(|t| !implied(t)).cloned().collect();
    kept
}

impl Marketplace {
    /// Searches the certified listings (M2–M5) for an account whose default language is
    /// `language`; see the module documentation for matching and order.
    ///
    /// # Errors
    /// [`MarketplaceError::UnknownFilterValue`] for a collection, category or feature no
    /// certified listing carries.
    pub fn search(&self, query: &SearchQuery, language: &str) -> Result<SearchResults, MarketplaceError> {
        let index = &self.index;
        let mask = index.mask(&query.filters)?;
        let priority = PRIORITY_LANGUAGES.contains(&language).then(|| index.languages.get(language)).flatten();
        let terms = query_terms(&query.text);
        let end = query.offset.saturating_add(query.limit);
        if terms.is_empty() {
            // Already in popularity order: a stable split by language is the whole ranking.
            let keys = index
                .by_popularity
                .iter()
                .filter(|&&i| mask.contains(i as usize))
                .map(|&i| index.rank_key(i, 0, priority));
            let (mut keys, rest): (Vec<u64>, Vec<u64>) = keys.partition(|k| k >> 63 == 0);
            keys.extend(rest);
            let total = keys.len();
            let page = keys.into_iter().skip(query.offset).take(query.limit).collect();
            return Ok(SearchResults { total, hits: self.hits(page) });
        }
        let mut keys = index.matches(&terms, &mask, priority);
        let total = keys.len();
        if end < keys.len() {
            keys.select_nth_unstable(end);
            keys.truncate(end);
        }
        keys.sort_unstable();
        let page = keys.into_iter().skip(query.offset).collect();
        Ok(SearchResults { total, hits: self.hits(page) })
    }

    fn hits(&self, page: Vec<u64>) -> Vec<SearchHit> {
        page.into_iter()
            .filter_map(|key| {
                let (i, score, language_match) = self.index.unrank(key)?;
                let listing = self.listings.get(i as usize)?;
                Some(SearchHit { app: listing.app.clone(), name: listing.name.clone(), score, language_match })
            })
            .collect()
    }
}
