//! The `search` field: the search box's query language over every entity, with scores,
//! highlights, facets, suggestions and warnings.

use std::sync::Arc;

use async_graphql::connection::PageInfo;
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::connection::MAX_PAGE;
use super::ids::decode_as;
use super::loaders::GqlResult;
use super::types::{AchievementCategory, Node};
use crate::error::Error;
use crate::indexing::Indexer;
use crate::model::EntityKind;
use crate::search::{self as engine, SearchRequest};

/// Results per page when `first` is not given.
const DEFAULT_RESULTS: usize = 10;
/// The deepest position a client may page to.
const MAX_OFFSET: usize = 10_000;

/// The kinds of entity in the graph. Search returns the first six; countries and lists
/// appear in change streams and histories but are not searchable on their own.
// GraphQL's view of `EntityKind`: the conversions both ways are derived (`remote`).
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::model::EntityKind")]
pub enum SearchType {
    Achievement,
    City,
    Organization,
    Event,
    Statistic,
    Document,
    Country,
    List,
}

#[derive(InputObject, Default)]
pub struct SearchFilter {
    pub category: Option<AchievementCategory>,
    pub city_id: Option<ID>,
}

/// A matched passage: plain text, with the matched parts given as char ranges.
#[derive(SimpleObject)]
pub struct Highlight {
    /// The GraphQL field the text comes from, e.g. `summary` or `source.excerpt`.
    pub field: String,
    pub snippet: String,
    /// The matched parts as ranges of chars (Unicode scalar values), as Rust, Python
    /// and `Array.from(snippet)` count them.
    pub ranges: Vec<TextRange>,
    /// The same ranges in UTF-16 code units, as JavaScript's `String.slice` counts them
    /// (they differ from `ranges` after a char outside the Basic Multilingual Plane, such
    /// as an emoji or a rare Han character).
    pub utf16_ranges: Vec<TextRange>,
}

/// A char range, start inclusive, end exclusive.
#[derive(SimpleObject)]
pub struct TextRange {
    pub start: i32,
    pub end: i32,
}

#[derive(SimpleObject)]
pub struct FacetValue {
    pub value: String,
    pub count: i32,
}

/// Values a facet shows when `values(first:)` is not given.
const DEFAULT_FACET_VALUES: usize = 20;
/// The most values a facet shows.
const MAX_FACET_VALUES: usize = 1_000;

// The description of `Facet.exact` states these.
const _: () = assert!(engine::FACET_EXACT_MATCHES == 10_000 && engine::FACET_SAMPLE_EVERY == 4);

pub struct Facet<'a>(&'a engine::FacetCounts);

/// Counts of the matches per value of one field, most frequent first.
#[Object]
impl Facet<'_> {
    /// `type`, `category` or `city` (values are city slugs).
    async fn field(&self) -> &str {
        self.0.field
    }

    /// The `first` most frequent values (default 20, at most 1000), ties in name order.
    async fn values(&self, first: Option<i32>) -> async_graphql::Result<Vec<FacetValue>> {
        let shown = match first {
            None => DEFAULT_FACET_VALUES,
            Some(first) if (0..=MAX_FACET_VALUES as i32).contains(&first) => first as usize,
            Some(first) => {
                let message = format!("`first` must be between 0 and {MAX_FACET_VALUES}, got {first}");
                return Err(Error::bad_input("first", message)).gql();
            }
        };
        Ok(self
            .0
            .values
            .iter()
            .take(shown)
            .map(|(value, count)| FacetValue { value: value.clone(), count: (*count).min(i32::MAX as u64) as i32 })
            .collect())
    }

    /// How many distinct values the matches have (`values` shows the most frequent).
    async fn value_count(&self) -> i32 {
        self.0.values.len() as i32
    }

    /// Whether the counts are exact. Past 10,000 matches (in one segment of the index),
    /// one match in 4 is counted and the counts are scaled: estimates, as the search
    /// engines give for large result sets.
    async fn exact(&self) -> bool {
        self.0.exact
    }
}

pub struct SearchEdge {
    cursor: String,
    score: f32,
    node: Node,
    highlights: Vec<engine::Highlight>,
}

#[Object]
impl SearchEdge {
    async fn cursor(&self) -> &str {
        &self.cursor
    }
    /// Relevance (BM25-based); higher is better.
    async fn score(&self) -> f64 {
        f64::from(self.score)
    }
    async fn node(&self) -> &Node {
        &self.node
    }
    async fn highlights(&self) -> Vec<Highlight> {
        self.highlights
            .iter()
            .map(|h| {
                // UTF-16 offset of each char of the snippet, and of its end.
                let mut utf16: Vec<usize> = Vec::with_capacity(h.snippet.len() + 1);
                let mut at = 0;
                for c in h.snippet.chars() {
                    utf16.push(at);
                    at += c.len_utf16();
                }
                utf16.push(at);
                let in_utf16 = |char_at: usize| utf16.get(char_at).copied().unwrap_or(at) as i32;
                Highlight {
                    field: h.field.clone(),
                    snippet: h.snippet.clone(),
                    ranges: h
                        .ranges
                        .iter()
                        .map(|&(start, end)| TextRange { start: start as i32, end: end as i32 })
                        .collect(),
                    utf16_ranges: h
                        .ranges
                        .iter()
                        .map(|&(start, end)| TextRange { start: in_utf16(start), end: in_utf16(end) })
                        .collect(),
                }
            })
            .collect()
    }
}

pub struct SearchConnection {
    edges: Vec<SearchEdge>,
    page_info: PageInfo,
    total: usize,
    facets: Vec<engine::FacetCounts>,
    suggestions: Vec<String>,
    warnings: Vec<String>,
}

#[Object]
impl SearchConnection {
    async fn edges(&self) -> &[SearchEdge] {
        &self.edges
    }
    /// The matched entities of this page, without scores or highlights.
    async fn nodes(&self) -> Vec<&Node> {
        self.edges.iter().map(|edge| &edge.node).collect()
    }
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }
    async fn total_count(&self) -> i64 {
        self.total as i64
    }
    /// Counts over all matches (not just this page), by type, category and city.
    async fn facets(&self) -> Vec<Facet<'_>> {
        self.facets.iter().map(Facet).collect()
    }
    /// Did-you-mean: the query with its misspelt words corrected, when it finds fewer
    /// than three results and the correction finds more. Stop words, words the index
    /// has and Chinese words are kept as typed.
    async fn suggestions(&self) -> &[String] {
        &self.suggestions
    }
    /// Parts of the query that were ignored or corrected, in words a person understands.
    async fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

fn encode_offset(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("s1:{offset}"))
}

fn decode_offset(text: &str) -> Option<usize> {
    let plain = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
    plain.strip_prefix("s1:")?.parse().ok()
}

#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Full-text search over every entity. The query language accepts plain words,
    /// "quoted phrases", prefix* and -excluded words, and tolerates typos; Chinese words
    /// are found inside longer ones and by their pinyin; a word the index lacks is also
    /// searched split in two, two words joined, and each with the server's synonyms,
    /// below the words as typed. Bad syntax never fails the request: it is searched
    /// leniently and reported in warnings.
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        types: Option<Vec<SearchType>>,
        filter: Option<SearchFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<SearchConnection> {
        let limit = match first {
            None => DEFAULT_RESULTS,
            Some(first) if (0..=MAX_PAGE as i32).contains(&first) => first as usize,
            Some(first) => {
                return Err(Error::bad_input("first", format!("`first` must be between 0 and {MAX_PAGE}, got {first}")))
                    .gql()
            }
        };
        let offset = match after.as_deref() {
            None => 0,
            Some(cursor) => match decode_offset(cursor) {
                Some(position) if position < MAX_OFFSET => position + 1,
                Some(_) => {
                    return Err(Error::bad_input("after", format!("results stop at position {MAX_OFFSET}"))).gql()
                }
                None => return Err(Error::bad_input("after", format!("`{cursor}` is not a search cursor"))).gql(),
            },
        };
        let wanted = types.unwrap_or_default();
        let searchable: Vec<EntityKind> =
            wanted.iter().map(|&t| EntityKind::from(t)).filter(|kind| kind.is_searchable()).collect();
        if !wanted.is_empty() && searchable.is_empty() {
            return Ok(SearchConnection {
                edges: Vec::new(),
                page_info: PageInfo {
                    has_next_page: false,
                    has_previous_page: false,
                    start_cursor: None,
                    end_cursor: None,
                },
                total: 0,
                facets: Vec::new(),
                suggestions: Vec::new(),
                warnings: vec!["countries and lists are not searchable: no result".to_owned()],
            });
        }
        let filter = filter.unwrap_or_default();
        let city =
            filter.city_id.as_ref().map(|id| decode_as(id, EntityKind::City, "filter.cityId")).transpose().gql()?;
        let selection = ctx.look_ahead();
        let request = SearchRequest {
            text: query,
            types: searchable,
            category: filter.category.map(|c| crate::model::Category::from(c).as_str().to_owned()),
            city,
            offset,
            limit,
            // Only the work the selection asks for: counting every match, facets and
            // highlights each visit far more than the top of the page.
            count: selection.field("totalCount").exists(),
            facets: selection.field("facets").exists(),
            highlights: selection.field("edges").field("highlights").exists(),
        };
        // The index as of now: a damaged one is replaced whole.
        let index = ctx.data_unchecked::<Arc<Indexer>>().index();
        let results = index.search(request).await.gql()?;
        // The nodes as the index holds them: it stores each entity beside its text, and an
        // index of an older build (without them) is rebuilt before it serves.
        let mut edges = Vec::with_capacity(results.hits.len());
        for (i, hit) in results.hits.into_iter().enumerate() {
            let node = stored_node(&hit).ok_or_else(|| {
                let error = anyhow::anyhow!("the index holds no readable node for {} `{}`", hit.kind.noun(), hit.slug);
                Error::Internal(error)
            });
            edges.push(SearchEdge {
                cursor: encode_offset(offset + i),
                score: hit.score,
                node: node.gql()?,
                highlights: hit.highlights,
            });
        }
        let page_info = PageInfo {
            has_next_page: offset + limit < results.total,
            has_previous_page: offset > 0,
            start_cursor: edges.first().map(|edge| edge.cursor.clone()),
            end_cursor: edges.last().map(|edge| edge.cursor.clone()),
        };
        Ok(SearchConnection {
            edges,
            page_info,
            total: results.total,
            facets: results.facets,
            suggestions: results.suggestions,
            warnings: results.warnings,
        })
    }
}

/// Returns a hit's node as the index stored it, or `None` when it cannot be read.
fn stored_node(hit: &engine::SearchHit) -> Option<Node> {
    fn decode<T: serde::de::DeserializeOwned>(json: &str) -> Option<T> {
        serde_json::from_str(json).ok()
    }
    match hit.kind {
        EntityKind::Achievement => decode(&hit.node).map(Node::Achievement),
        EntityKind::City => decode(&hit.node).map(Node::City),
        EntityKind::Organization => decode(&hit.node).map(Node::Organization),
        EntityKind::Event => decode(&hit.node).map(Node::Event),
        EntityKind::Statistic => decode(&hit.node).map(Node::Statistic),
        EntityKind::Document => decode(&hit.node).map(Node::Document),
        EntityKind::Country | EntityKind::List => None,
    }
}
