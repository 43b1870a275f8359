//! Full-text search over the graph with Tantivy: one index directory, one writer, one
//! reader reloaded by hand after each commit, and a fresh searcher per request.
//!
//! The index is derived from the store: it records the last data generation (outbox
//! position) it applied in its commit payload. It knows no store: `crate::indexing`
//! reads the store and feeds it documents (`IndexDoc`) to commit.

pub mod analysis;
mod expand;
mod facets;
mod fields;
mod highlight;
mod integrity;
mod overlay;
mod query;
pub mod synonyms;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use quick_cache::sync::Cache;
use quick_cache::Weighter;
use tokio::sync::watch;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, Bm25StatisticsProvider, BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Facet, Field, IndexRecordOption, Value};
use tantivy::{doc, DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

pub use facets::{EXACT_MATCHES as FACET_EXACT_MATCHES, SAMPLE_EVERY as FACET_SAMPLE_EVERY};
pub use fields::SCHEMA_VERSION;
pub use highlight::Highlight;
pub use query::{parse as parse_query, MAX_CLAUSES, MAX_QUERY_CHARS};
pub use synonyms::Synonyms;

use crate::error::Error;
use crate::model::EntityKind;
use analysis::Word;
use expand::Group;
use fields::Fields;
use overlay::Overlay;
use query::{Clause, ParsedQuery};

/// Parses the kind an index key or a `type:` filter names, if the index holds that kind.
pub(crate) fn searchable(name: &str) -> Option<EntityKind> {
    EntityKind::parse(name).filter(|kind| kind.is_searchable())
}

/// The GraphQL field names that a kind's indexed title and body come from.
fn field_names(kind: EntityKind) -> (&'static str, &'static str) {
    match kind {
        EntityKind::Achievement => ("title", "summary"),
        EntityKind::City => ("name", "body"),
        EntityKind::Organization | EntityKind::Event => ("name", "source.excerpt"),
        EntityKind::Statistic => ("label", "source.excerpt"),
        EntityKind::Document => ("title", "text"),
        EntityKind::Country | EntityKind::List => unreachable!("the index holds no {kind}: `searchable` refuses it"),
    }
}

/// What to search for.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub text: String,
    pub types: Vec<EntityKind>,
    pub category: Option<String>,
    pub city: Option<String>,
    pub offset: usize,
    pub limit: usize,
    /// Count every match (`total` exact). Without it the engine stops scoring early
    /// (block-max WAND) and `total` is exact only below one page: it is then the number
    /// of matches up to the end of the page plus one, enough to tell a next page.
    pub count: bool,
    /// Count matches per facet value (visits every match).
    pub facets: bool,
    /// Compute highlights for each hit.
    pub highlights: bool,
}

/// One matching entity.
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub kind: EntityKind,
    pub slug: String,
    pub score: f32,
    pub highlights: Vec<Highlight>,
    /// The entity as the index holds it (JSON of the model type), as of the index's
    /// generation.
    pub node: String,
}

/// Counts of matches per value of one facet, most frequent first.
#[derive(Debug, Clone, PartialEq)]
pub struct FacetCounts {
    pub field: &'static str,
    pub values: Vec<(String, u64)>,
    /// False when the counts are estimates: past `facets::EXACT_MATCHES` matches in one
    /// segment, one match in `facets::SAMPLE_EVERY` was counted.
    pub exact: bool,
}

/// A page of results with everything counted over all matches.
#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    pub total: usize,
    pub facets: Vec<FacetCounts>,
    pub suggestions: Vec<String>,
    pub warnings: Vec<String>,
}

/// What the index records about the data it was built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Payload {
    schema: u32,
    generation: i64,
}

/// Fewer matches than this and the response carries did-you-mean suggestions.
const FEW_MATCHES: usize = 3;

/// Indexes of at most this many entities are searched on the calling task.
const INLINE_DOCS: u64 = 10_000;

/// A rebuild's indexing buffer per thread: a segment is written out once its buffer is
/// this full, so a rebuild's memory stays flat however large the graph (100k entities
/// make a few such segments, which tantivy merges as it goes).
const REBUILD_BUDGET: usize = 40_000_000;

/// The search index; share it behind an `Arc`.
pub struct SearchIndex {
    fields: Fields,
    reader: IndexReader,
    /// Written only by the indexer (and the first build), one commit at a time.
    /// Absent only while a rebuild swaps it for a larger one.
    writer: Mutex<Option<IndexWriter>>,
    index: Index,
    dir: PathBuf,
    /// The last generation the index made searchable and announced (on disk or in the
    /// overlay); -1 when it must be rebuilt.
    applied: watch::Sender<i64>,
    /// The last generation committed to disk; changed only under the writer's lock.
    durable: AtomicI64,
    /// What was written since the last commit to disk, searched with it.
    overlay: Overlay,
    /// The words did-you-mean chooses from, read once per searcher generation.
    vocabulary: Mutex<Option<(u64, Arc<HashMap<String, u64>>)>>,
    /// Stored titles and bodies split into words for highlighting, by searcher
    /// generation and document: a long text (the article) is analyzed once, not on
    /// every search that shows it.
    words: Cache<WordsKey, Arc<Vec<analysis::Word>>, ByWords>,
    /// The synonym rules searches apply (none unless set).
    synonyms: RwLock<Arc<Synonyms>>,
    /// Set by `retire`: nothing more is written to disk through this index.
    retired: std::sync::atomic::AtomicBool,
}

/// A stored field of one document in one searcher generation: (generation, segment,
/// document, 0 for the title or 1 for the body).
type WordsKey = (u64, u32, u32, u8);

/// Weighs analyzed texts by their words; the cache keeps up to `WORDS_CACHED` of them.
#[derive(Clone)]
struct ByWords;

impl Weighter<WordsKey, Arc<Vec<analysis::Word>>> for ByWords {
    fn weight(&self, _: &WordsKey, words: &Arc<Vec<analysis::Word>>) -> u64 {
        words.len() as u64 + 1
    }
}

/// Words of analyzed text kept for highlighting (about 100 bytes each).
const WORDS_CACHED: u64 = 200_000;

/// One entity as the index sees it.
#[derive(Debug, Clone)]
pub struct IndexDoc {
    pub kind: EntityKind,
    pub slug: String,
    pub title: String,
    pub body: String,
    /// Names of related entities, searchable but not shown.
    pub context: String,
    pub category: Option<String>,
    pub cities: Vec<String>,
    /// The entity itself as JSON (the model type's serde form), stored for results.
    pub node: String,
}

impl IndexDoc {
    /// The document's unique key in the index: `TYPE:slug`.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.slug)
    }

    /// A digest of everything the index takes from the document (SHA-256, first 8 bytes).
    pub fn digest(&self) -> u64 {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        let texts = [self.kind.as_str(), &self.slug, &self.title, &self.body, &self.context, &self.node];
        for text in texts.into_iter().chain(self.category.as_deref()).chain(self.cities.iter().map(String::as_str)) {
            hash.update((text.len() as u64).to_le_bytes());
            hash.update(text.as_bytes());
        }
        let digest = hash.finalize();
        u64::from_le_bytes(digest[..8].try_into().unwrap_or_default())
    }
}

impl SearchIndex {
    /// Opens the index in `dir`, or creates an empty one when it is missing, unreadable,
    /// of another schema, or `wipe` is set. An index of another schema version, or a new
    /// one, starts at generation -1: it must be rebuilt before it is announced.
    pub async fn open(dir: &Path, wipe: bool) -> Result<Arc<Self>, Error> {
        let dir_owned = dir.to_owned();
        let (index, found) = tokio::task::spawn_blocking(move || open_index(&dir_owned, wipe))
            .await
            .map_err(|error| Error::Internal(error.into()))??;
        let applied = match found {
            Some(payload) if payload.schema == SCHEMA_VERSION => payload.generation,
            _ => -1,
        };
        Ok(Arc::new(Self::with_index(index, dir, applied)?))
    }

    fn with_index(index: Index, dir: &Path, applied: i64) -> Result<Self, Error> {
        analysis::register(&index);
        let (_, fields) = Fields::build();
        let writer = small_writer(&index)?;
        // A process killed during a commit can leave files the last commit does not
        // reference; tantivy would later refuse to write files of the same names.
        if let Err(error) = writer.garbage_collect_files().wait() {
            tracing::warn!(index_dir = %dir.display(), %error, "cannot remove files left by an interrupted commit");
        }
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self {
            overlay: Overlay::new(&fields),
            fields,
            reader,
            writer: Mutex::new(Some(writer)),
            index,
            dir: dir.to_owned(),
            applied: watch::Sender::new(applied),
            durable: AtomicI64::new(applied),
            vocabulary: Mutex::new(None),
            words: Cache::with_weighter(1024, WORDS_CACHED, ByWords),
            synonyms: RwLock::new(Arc::default()),
            retired: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Sets the synonym rules that searches from now on apply.
    pub fn set_synonyms(&self, synonyms: Synonyms) {
        if let Ok(mut slot) = self.synonyms.write() {
            *slot = Arc::new(synonyms);
        }
    }

    /// Gives searches from now on the synonym rules `other` applies.
    pub fn copy_synonyms_from(&self, other: &SearchIndex) {
        if let Ok(mut slot) = self.synonyms.write() {
            *slot = other.synonyms();
        }
    }

    /// Stops writing to this index for good: its writer is dropped (and the directory's
    /// lock released) so that another index can be built in its directory, while this one
    /// still answers searches from what it has open. Blocking: run it off the async workers.
    pub fn retire(&self) {
        if let Ok(mut slot) = self.writer.lock() {
            drop(slot.take());
        }
        self.retired.store(true, Ordering::Release);
    }

    fn synonyms(&self) -> Arc<Synonyms> {
        self.synonyms.read().map(|slot| slot.clone()).unwrap_or_default()
    }

    /// Returns the last generation the index has applied (and announced).
    pub fn applied(&self) -> i64 {
        *self.applied.borrow()
    }

    /// Announces `generation` as applied: searches see it from now on.
    pub fn announce(&self, generation: i64) {
        self.applied.send_replace(generation);
    }

    /// Waits until the index has applied `generation`; returns false on timeout.
    pub async fn wait_for(&self, generation: i64, timeout: std::time::Duration) -> bool {
        let mut applied = self.applied.subscribe();
        let reached = tokio::time::timeout(timeout, applied.wait_for(|g| *g >= generation)).await;
        matches!(reached, Ok(Ok(_)))
    }

    /// Returns the directory the index lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Returns how many entities the index holds.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Returns whether the index holds no entity.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns the last generation committed to disk: what a restart starts from.
    pub fn durable(&self) -> i64 {
        self.durable.load(Ordering::Acquire)
    }

    /// Makes a change searchable at once, in the overlay: each of `keys` (`TYPE:slug`) is
    /// replaced by its document in `docs`, or removed when it has none. Nothing is written
    /// to disk: `flush` does that later. Blocking: run it off the async workers.
    /// A key whose document is what the index already shows (a neighbour whose indexed
    /// text the write did not change) is left as it is.
    pub fn stage(&self, keys: &[String], docs: Vec<IndexDoc>, generation: i64) -> Result<(), Error> {
        let mut docs: HashMap<String, (IndexDoc, u64)> = docs
            .into_iter()
            .map(|doc| {
                let digest = doc.digest();
                (doc.key(), (doc, digest))
            })
            .collect();
        let disk = self.reader.searcher();
        let mut changed = Vec::with_capacity(keys.len());
        for key in keys {
            let new = docs.get(key).map(|(_, digest)| *digest);
            let shown = match self.overlay.digest(key)? {
                Some(pending) => pending,
                None => self.digest_on_disk(&disk, key)?,
            };
            if new != shown {
                changed.push(key.clone());
            } else {
                docs.remove(key);
            }
        }
        self.overlay.stage(&changed, docs.into_values().collect(), generation)
    }

    /// The digest of the document the disk index holds under `key`, if it holds one.
    fn digest_on_disk(&self, searcher: &Searcher, key: &str) -> Result<Option<u64>, Error> {
        let query = TermQuery::new(Term::from_field_text(self.fields.key, key), IndexRecordOption::Basic);
        let Some((_, address)) = searcher.search(&query, &TopDocs::with_limit(1))?.into_iter().next() else {
            return Ok(None);
        };
        let column = searcher.segment_reader(address.segment_ord).fast_fields().u64("digest")?;
        Ok(column.first(address.doc_id))
    }

    /// Returns how many entities wait in memory for a disk commit.
    pub fn pending(&self) -> usize {
        self.overlay.pending().0
    }

    /// Returns whether the overlay should be committed to disk now: it holds `max_docs`
    /// keys or more, or it has held some for `max_age`; else when it will be due, if ever.
    pub fn flush_due(&self, max_docs: usize, max_age: Duration) -> Result<(), Option<Instant>> {
        match self.overlay.pending() {
            (0, _) | (_, None) => Err(None),
            (count, _) if count >= max_docs => Ok(()),
            (_, Some(since)) if since.elapsed() >= max_age => Ok(()),
            (_, Some(since)) => Err(Some(since + max_age)),
        }
    }

    /// Commits everything the overlay holds to disk in one commit, then drops it from the
    /// overlay. Blocking: run it off the async workers.
    pub fn flush(&self) -> Result<(), Error> {
        let batch = self.overlay.batch()?;
        if batch.keys.is_empty() {
            return Ok(());
        }
        self.commit(&batch.keys, &batch.docs, batch.generation)
    }

    /// Writes `docs` to disk in one commit that records `generation`, reloads the reader,
    /// and drops from the overlay what the disk now holds. Each entry of `keys` is deleted
    /// first (an upsert, idempotent); `rebuild` replaces the whole index instead.
    /// A commit older than the disk's is skipped: the payload never goes backwards.
    /// Blocking: run it off the async workers.
    pub fn commit(&self, keys: &[String], docs: &[IndexDoc], generation: i64) -> Result<(), Error> {
        self.write(generation, false, |writer, fields| {
            for key in keys {
                writer.delete_term(Term::from_field_text(fields.key, key));
            }
            for doc in docs {
                writer.add_document(to_document(fields, doc, doc.digest()))?;
            }
            Ok(docs.len())
        })
        .map(drop)
    }

    /// Replaces the whole index with the documents `pages` yields, as they come, in one
    /// commit that records `generation`: a reader can shape the next page while the
    /// writer's threads index this one, and only a page at a time is held. An error from
    /// `pages` discards everything written since the last commit. Returns how many
    /// documents were written. Blocking: run it off the async workers.
    pub fn rebuild(
        &self,
        pages: impl Iterator<Item = Result<Vec<IndexDoc>, Error>>,
        generation: i64,
    ) -> Result<usize, Error> {
        self.write(generation, true, |writer, fields| {
            writer.delete_all_documents()?;
            let mut written = 0;
            for page in pages {
                for doc in page? {
                    writer.add_document(to_document(fields, &doc, doc.digest()))?;
                    written += 1;
                }
            }
            Ok(written)
        })
    }

    /// Runs `fill` on the writer and commits what it wrote, recording `generation`; on an
    /// error nothing it wrote is kept. A `full` write (a rebuild) gets a writer of its own
    /// with every core.
    fn write(
        &self,
        generation: i64,
        full: bool,
        fill: impl FnOnce(&mut IndexWriter, &Fields) -> Result<usize, Error>,
    ) -> Result<usize, Error> {
        let started = std::time::Instant::now();
        let mut slot = self.writer.lock().map_err(|_| Error::Internal(anyhow::anyhow!("index writer poisoned")))?;
        if self.retired.load(Ordering::Acquire) {
            return Err(Error::Internal(anyhow::anyhow!("the index is retired: another replaces it")));
        }
        if generation < self.durable() {
            return Ok(0);
        }
        if full {
            // Only one writer may exist.
            drop(slot.take());
            *slot = Some(large_writer(&self.index)?);
        }
        if slot.is_none() {
            // A rebuild failed between writers.
            *slot = Some(small_writer(&self.index)?);
        }
        let writer = slot.as_mut().ok_or_else(|| Error::Internal(anyhow::anyhow!("no index writer")))?;
        let written = match fill(writer, &self.fields).and_then(|written| {
            let payload = Payload { schema: SCHEMA_VERSION, generation };
            let mut commit = writer.prepare_commit()?;
            commit.set_payload(&serde_json::to_string(&payload).map_err(|error| Error::Internal(error.into()))?);
            commit.commit()?;
            Ok(written)
        }) {
            Ok(written) => written,
            Err(error) => {
                // Whatever was added or deleted since the last commit is dropped with it,
                // and the files of a commit that failed half-way (a full disk) are removed,
                // or each retry would take more of the space it waits for.
                let _ = writer.rollback();
                let _ = writer.garbage_collect_files().wait();
                if full {
                    drop(slot.take());
                    *slot = Some(small_writer(&self.index)?);
                }
                return Err(error);
            }
        };
        if full {
            drop(slot.take());
            *slot = Some(small_writer(&self.index)?);
        }
        self.reader.reload()?;
        self.durable.store(generation, Ordering::Release);
        drop(slot);
        self.overlay.flushed(generation)?;
        crate::metrics::get().index_commit(started.elapsed(), self.len(), generation);
        tracing::debug!(documents = written, generation, full, "search index committed");
        Ok(written)
    }

    /// Runs a search: on the calling task when the index is small, else on a blocking
    /// thread. Below `INLINE_DOCS` a search takes tens of microseconds (83 µs on average
    /// with highlights on the bundled graph), about what the hand-off to a blocking thread
    /// and back costs in wake-ups; above, it may take milliseconds, which must not hold an
    /// async worker.
    pub async fn search(self: &Arc<Self>, request: SearchRequest) -> Result<SearchResults, Error> {
        let started = std::time::Instant::now();
        let results = if self.len() <= INLINE_DOCS {
            self.search_blocking(&request)
        } else {
            let this = self.clone();
            tokio::task::spawn_blocking(move || this.search_blocking(&request))
                .await
                .map_err(|error| Error::Internal(error.into()))?
        };
        crate::metrics::get().search(started.elapsed());
        results
    }

    fn search_blocking(&self, request: &SearchRequest) -> Result<SearchResults, Error> {
        let parsed = query::parse(&request.text);
        // The overlay first: a key it has just dropped is on disk by then.
        let view = self.overlay.view();
        let searchers =
            Searchers { disk: self.reader.searcher(), overlay: view.searcher.clone(), hidden: view.hiding() };
        let filters = self.filters(request, &parsed);
        let known = self.known_words(&searchers, &parsed);
        let expanded = self.expand(&searchers, &parsed, &known);
        let mut warnings = parsed.warnings.clone();
        let mut results = self.run(&searchers, &expanded, &known, &filters, Occur::Must, request)?;
        // Suggestions depend on how well the whole query matched, before any fallback.
        let suggestions = if results.total < FEW_MATCHES {
            self.suggestions(&searchers, &parsed, &expanded, &known, &filters)?
        } else {
            Vec::new()
        };
        if results.total == 0 && parsed.clauses.len() > 1 {
            let loose = self.run(&searchers, &expanded, &known, &filters, Occur::Should, request)?;
            if loose.total > 0 {
                warnings.push("no result contains every word: showing results that contain some of them".to_owned());
                results = loose;
            }
        }
        results.suggestions = suggestions;
        results.warnings = warnings;
        Ok(results)
    }

    /// The query's clauses grouped with their other readings: synonyms, split and
    /// joined words (`expand`).
    fn expand(&self, searchers: &Searchers, parsed: &ParsedQuery, known: &HashSet<&str>) -> Expanded {
        let synonyms = self.synonyms();
        let frequency = |word: &str| searchers.frequency(&[self.fields.title_plain, self.fields.body_plain], word);
        let known = |word: &str| known.contains(word);
        Expanded {
            groups: expand::expand(&parsed.clauses, &synonyms, &frequency, &known, true),
            excluded: expand::expand(&parsed.excluded, &synonyms, &frequency, &known, false),
        }
    }

    fn filters(&self, request: &SearchRequest, parsed: &ParsedQuery) -> Vec<Box<dyn Query>> {
        let f = &self.fields;
        let mut filters: Vec<Box<dyn Query>> = Vec::new();
        let any_of = |field, values: Vec<String>| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(
                values
                    .into_iter()
                    .map(|value| {
                        let query: Box<dyn Query> =
                            Box::new(TermQuery::new(Term::from_field_text(field, &value), IndexRecordOption::Basic));
                        (Occur::Should, query)
                    })
                    .collect(),
            ))
        };
        let types: Vec<String> = request.types.iter().map(|t| t.as_str().to_owned()).collect();
        for (field, values) in [
            (f.kind, types),
            (f.kind, parsed.types.clone()),
            (f.category, request.category.iter().cloned().collect()),
            (f.category, parsed.categories.clone()),
            (f.city, request.city.iter().cloned().collect()),
            (f.city, parsed.cities.clone()),
        ] {
            if !values.is_empty() {
                filters.push(any_of(field, values));
            }
        }
        filters
    }

    /// The whole query: every group (`Occur::Must`) or any of them (`Occur::Should`),
    /// none of the excluded, and every filter.
    fn query(
        &self,
        expanded: &Expanded,
        known: &dyn Fn(&str) -> bool,
        filters: &[Box<dyn Query>],
        occur: Occur,
    ) -> BooleanQuery {
        let group_query = |group: &Group| query::group_query(&self.fields, group, known);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if expanded.groups.is_empty() {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        } else if occur == Occur::Must {
            clauses.extend(expanded.groups.iter().map(|group| (Occur::Must, group_query(group))));
        } else {
            let any = expanded.groups.iter().flat_map(|group| query::loose_queries(&self.fields, group, known));
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any.map(|q| (Occur::Should, q)).collect()))));
        }
        clauses.extend(expanded.excluded.iter().map(|group| (Occur::MustNot, group_query(group))));
        clauses.extend(filters.iter().map(|f| (Occur::Must, f.box_clone())));
        BooleanQuery::new(clauses)
    }

    fn run(
        &self,
        searchers: &Searchers,
        expanded: &Expanded,
        known_words: &HashSet<&str>,
        filters: &[Box<dyn Query>],
        occur: Occur,
        request: &SearchRequest,
    ) -> Result<SearchResults, Error> {
        let query = self.query(expanded, &|word| known_words.contains(word), filters, occur);
        let marked: Vec<Clause> =
            if request.highlights { expanded.groups.iter().flat_map(Group::clauses).collect() } else { Vec::new() };

        // Beyond the first page, and for suggestions (below FEW_MATCHES), `total` must be exact.
        let count = request.count || request.offset > 0;
        let wanted = request.limit.max(FEW_MATCHES) + 1;
        let found = searchers.search(&query, request.offset, wanted, count, request.facets)?;
        let total = if count { found.total } else { request.offset + found.top.len() };

        let mut hits = Vec::with_capacity(request.limit.min(found.top.len()));
        for (score, in_overlay, address) in found.top.into_iter().take(request.limit) {
            let searcher = searchers.get(in_overlay);
            let stored: TantivyDocument = searcher.doc(address)?;
            let text = |field| stored.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            let Some(kind) = searchable(&text(self.fields.kind)) else { continue };
            let highlights = if request.highlights {
                let (title_name, body_name) = field_names(kind);
                let generation = searcher.generation().generation_id();
                [(0, title_name, text(self.fields.title)), (1, body_name, text(self.fields.body))]
                    .into_iter()
                    .filter_map(|(which, name, value)| {
                        // The overlay is built afresh for every change, its generations
                        // and addresses repeat: its few texts are analyzed each time.
                        let words = if in_overlay {
                            Arc::new(analysis::words(&value))
                        } else {
                            let key = (generation, address.segment_ord, address.doc_id, which);
                            let words = self.words.get_or_insert_with(&key, || {
                                Ok::<_, std::convert::Infallible>(Arc::new(analysis::words(&value)))
                            });
                            words.unwrap_or_else(|never| match never {})
                        };
                        // Typos are marked only for the words the search expanded.
                        highlight::highlight_words(name, &value, &words, &marked, &|word| {
                            !known_words.contains(word.plain.as_str())
                        })
                    })
                    .collect()
            } else {
                Vec::new()
            };
            hits.push(SearchHit {
                kind,
                slug: text(self.fields.slug),
                score,
                highlights,
                node: text(self.fields.node),
            });
        }
        let Some(facet_counts) = found.facets else {
            return Ok(SearchResults { hits, total, ..Default::default() });
        };
        let exact = facet_counts.exact;
        let mut by_root: HashMap<String, Vec<(String, u64)>> = HashMap::new();
        for ((root, value), count) in facet_counts.counts {
            by_root.entry(root).or_default().push((value, count));
        }
        let facets = ["type", "category", "city"]
            .into_iter()
            .map(|field| {
                let mut values = by_root.remove(field).unwrap_or_default();
                values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                FacetCounts { field, values, exact }
            })
            .collect();
        Ok(SearchResults { hits, total, facets, ..Default::default() })
    }

    /// Returns the query's words (searched or excluded) that the index holds as typed, in
    /// a title, a body or the pinyin of a title: those are not expanded for typos, nor
    /// corrected by did-you-mean. One dictionary lookup per
    /// word, segment and field; a read error counts as not held.
    fn known_words<'q>(&self, searchers: &Searchers, parsed: &'q ParsedQuery) -> HashSet<&'q str> {
        let knows = |word: &str| {
            searchers.all().flat_map(Searcher::segment_readers).any(|segment| {
                [self.fields.title_plain, self.fields.body_plain, self.fields.pinyin].into_iter().any(|field| {
                    segment
                        .inverted_index(field)
                        .ok()
                        .and_then(|inverted| inverted.terms().get(word.as_bytes()).ok().flatten())
                        .is_some()
                })
            })
        };
        parsed
            .clauses
            .iter()
            .chain(&parsed.excluded)
            .filter_map(|clause| match clause {
                Clause::Word(word) if knows(&word.plain) => Some(word.plain.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Did-you-mean: each word the index does not know, replaced by the closest word it
    /// knows (`corrections`); up to three alternatives, each offered only when it finds
    /// more results with every word than the query as typed does (both without the stop
    /// words the index lacks, which nothing matches).
    fn suggestions(
        &self,
        searchers: &Searchers,
        parsed: &ParsedQuery,
        expanded: &Expanded,
        known: &HashSet<&str>,
        filters: &[Box<dyn Query>],
    ) -> Result<Vec<String>, Error> {
        let words: Vec<&Word> = parsed
            .clauses
            .iter()
            .filter_map(|clause| match clause {
                Clause::Word(word) => Some(word),
                _ => None,
            })
            .collect();
        let Some(alternatives) = self.corrections(searchers, &words, expanded, known)? else {
            return Ok(Vec::new());
        };
        // How many results a query has with every word, counted up to `limit`.
        let strict = |expanded: Expanded, known: &HashSet<&str>, limit: usize| -> Result<usize, Error> {
            let is_known = |word: &str| known.contains(word);
            let groups = expand::without_unknown_stop_words(expanded.groups, &is_known);
            let query = self.query(&Expanded { groups, ..expanded }, &is_known, filters, Occur::Must);
            Ok(searchers.search(&query, 0, limit, false, false)?.top.len())
        };
        let found = strict(expanded.clone(), known, FEW_MATCHES)?;
        let mut suggestions = Vec::new();
        for i in 0..3 {
            let chosen: Vec<&str> =
                alternatives.iter().map(|options| options.get(i).unwrap_or(&options[0]).as_str()).collect();
            let suggestion = chosen.join(" ");
            if suggestions.contains(&suggestion) {
                continue;
            }
            // The query with the corrections, its phrases and prefixes kept, run as typed was.
            let mut corrected = parsed.clone();
            let mut replacements = chosen.iter();
            for clause in &mut corrected.clauses {
                let Clause::Word(word) = clause else { continue };
                let Some(&plain) = replacements.next() else { break };
                if word.plain != plain {
                    *word = Word { stem: analysis::english::stem(plain), plain: plain.to_owned(), ..word.clone() };
                }
            }
            // A correction is a word the index holds; a word kept as typed may not be.
            let corrections = chosen.iter().zip(&words).filter(|(chosen, typed)| **chosen != typed.plain);
            let corrected_known: HashSet<&str> =
                known.iter().copied().chain(corrections.map(|(chosen, _)| *chosen)).collect();
            let expanded = self.expand(searchers, &corrected, &corrected_known);
            if strict(expanded, &corrected_known, found + 1)? > found {
                suggestions.push(suggestion);
            }
        }
        Ok(suggestions)
    }

    /// For each of `words`, up to three words the index knows closest to it (fewest edits,
    /// then most frequent), or the word alone when it is kept as typed; `None` when every
    /// word is kept. Kept as typed: words in `known` or whose stem the index holds (`dub`
    /// of "dubbed"), stop words, Chinese, Japanese or Korean words, and words the search
    /// read otherwise (a synonym, a split). A stop word is never proposed either.
    fn corrections(
        &self,
        searchers: &Searchers,
        words: &[&Word],
        expanded: &Expanded,
        known: &HashSet<&str>,
    ) -> Result<Option<Vec<Vec<String>>>, Error> {
        if words.is_empty() {
            return Ok(None);
        }
        let read_otherwise: HashSet<&str> = expanded
            .groups
            .iter()
            .flat_map(|group| &group.parts)
            .filter(|part| !part.alternatives.is_empty())
            .filter_map(|part| match &part.clause {
                Clause::Word(word) => Some(word.plain.as_str()),
                _ => None,
            })
            .collect();
        let stemmed = [self.fields.title, self.fields.body, self.fields.context];
        let kept = |word: &Word| {
            // `known` holds every word the vocabularies below hold, and the pinyin's.
            let plain = word.plain.as_str();
            known.contains(plain)
                || analysis::cjk::is_cjk(plain)
                || analysis::english::is_stop_word(plain)
                || read_otherwise.contains(plain)
                || searchers.frequency(&stemmed, &word.stem) > 0
        };
        let vocabulary = self.vocabulary(&searchers.disk)?;
        // The overlay's few documents are read on each call; a word written there is known.
        let recent = match &searchers.overlay {
            Some(overlay) => self.read_vocabulary(overlay)?,
            None => HashMap::new(),
        };
        let mut alternatives: Vec<Vec<String>> = Vec::with_capacity(words.len());
        let mut corrected_any = false;
        for &word in words {
            let typed = word.plain.as_str();
            if kept(word) {
                alternatives.push(vec![typed.to_owned()]);
                continue;
            }
            let budget = query::typo_budget(typed).max(1) as usize;
            let mut candidates: Vec<(usize, std::cmp::Reverse<u64>, &String)> = vocabulary
                .iter()
                .chain(recent.iter().filter(|(term, _)| !vocabulary.contains_key(*term)))
                .filter(|(term, _)| term.len().abs_diff(typed.len()) <= budget)
                .filter(|(term, _)| !analysis::english::is_stop_word(term))
                .map(|(term, freq)| (strsim::damerau_levenshtein(term, typed), std::cmp::Reverse(*freq), term))
                .filter(|(distance, _, _)| *distance <= budget)
                .collect();
            candidates.sort();
            candidates.truncate(3);
            if candidates.is_empty() {
                alternatives.push(vec![typed.to_owned()]);
            } else {
                corrected_any = true;
                alternatives.push(candidates.into_iter().map(|(_, _, term)| term.clone()).collect());
            }
        }
        Ok(corrected_any.then_some(alternatives))
    }

    /// Returns every unstemmed word the index knows with its document frequency, read
    /// from the dictionaries once per searcher generation (each commit makes a new one).
    fn vocabulary(&self, searcher: &Searcher) -> Result<Arc<HashMap<String, u64>>, Error> {
        let generation = searcher.generation().generation_id();
        let cached = self.vocabulary.lock().ok().and_then(|slot| slot.clone());
        if let Some((seen, vocabulary)) = cached {
            if seen == generation {
                return Ok(vocabulary);
            }
        }
        let vocabulary = Arc::new(self.read_vocabulary(searcher)?);
        if let Ok(mut slot) = self.vocabulary.lock() {
            if slot.as_ref().is_none_or(|(seen, _)| *seen < generation) {
                *slot = Some((generation, vocabulary.clone()));
            }
        }
        Ok(vocabulary)
    }

    fn read_vocabulary(&self, searcher: &Searcher) -> Result<HashMap<String, u64>, Error> {
        let mut vocabulary: HashMap<String, u64> = HashMap::new();
        for segment in searcher.segment_readers() {
            for field in [self.fields.title_plain, self.fields.body_plain] {
                let inverted = segment.inverted_index(field)?;
                let mut stream = inverted.terms().stream().map_err(|error| Error::Internal(error.into()))?;
                while stream.advance() {
                    let Ok(term) = std::str::from_utf8(stream.key()) else { continue };
                    // Never proposed: numbers, and Chinese, Japanese or Korean words (a
                    // sub-word of the index is half a word).
                    if term.chars().any(|c| c.is_ascii_digit()) || analysis::cjk::is_cjk(term) {
                        continue;
                    }
                    *vocabulary.entry(term.to_owned()).or_default() += u64::from(stream.value().doc_freq);
                }
            }
        }
        Ok(vocabulary)
    }
}

/// The tantivy document of an entity, whose `IndexDoc::digest` is `digest`.
fn to_document(f: &Fields, doc: &IndexDoc, digest: u64) -> TantivyDocument {
    let kind = doc.kind.as_str();
    let mut out = doc!(
        f.key => doc.key(),
        f.kind => kind,
        f.slug => doc.slug.clone(),
        f.title => doc.title.clone(),
        f.body => doc.body.clone(),
        f.context => doc.context.clone(),
        f.title_plain => doc.title.clone(),
        f.body_plain => format!("{}\n{}", doc.body, doc.context),
        f.facets => Facet::from_path(["type", kind]),
        f.node => doc.node.clone(),
        f.digest => digest,
    );
    let pinyin = analysis::pinyin::index_text(&doc.title);
    if !pinyin.is_empty() {
        out.add_text(f.pinyin, pinyin);
    }
    if let Some(category) = &doc.category {
        out.add_text(f.category, category);
        out.add_facet(f.facets, Facet::from_path(["category", category.as_str()]));
    }
    for city in &doc.cities {
        out.add_text(f.city, city);
        out.add_facet(f.facets, Facet::from_path(["city", city.as_str()]));
    }
    out
}

/// A query's groups of clauses with their readings, searched and excluded.
#[derive(Clone)]
struct Expanded {
    groups: Vec<Group>,
    excluded: Vec<Group>,
}

/// What one search reads: the disk index as of one reload, and the overlay with the keys
/// it hides from the disk.
struct Searchers {
    disk: Searcher,
    overlay: Option<Searcher>,
    hidden: Option<tantivy::query::TermSetQuery>,
}

/// The best matches of both searchers, merged: (score, from the overlay, address).
struct Found {
    top: Vec<(f32, bool, DocAddress)>,
    total: usize,
    facets: Option<facets::Tally>,
}

impl Searchers {
    fn get(&self, overlay: bool) -> &Searcher {
        match (&self.overlay, overlay) {
            (Some(searcher), true) => searcher,
            _ => &self.disk,
        }
    }

    fn all(&self) -> impl Iterator<Item = &Searcher> {
        std::iter::once(&self.disk).chain(&self.overlay)
    }

    /// In how many documents a term is, in any of `fields` (a document with it in two
    /// counts twice; the keys the overlay hides count still): what split and joined
    /// words choose by. A read error counts as none.
    fn frequency(&self, fields: &[Field], word: &str) -> u64 {
        self.all()
            .flat_map(Searcher::segment_readers)
            .flat_map(|segment| {
                fields.iter().filter_map(|&field| {
                    let inverted = segment.inverted_index(field).ok()?;
                    inverted.terms().get(word.as_bytes()).ok().flatten().map(|info| u64::from(info.doc_freq))
                })
            })
            .sum()
    }

    /// Runs `query` over the disk index (without the keys the overlay hides) and the
    /// overlay, scoring both with their summed statistics so that scores compare, and
    /// returns the `wanted` best after `offset`, the number of matches (when `count`),
    /// and facet counts (when `facets`).
    fn search(
        &self,
        query: &dyn Query,
        offset: usize,
        wanted: usize,
        count: bool,
        facets: bool,
    ) -> Result<Found, Error> {
        let disk_query: Box<dyn Query> = match &self.hidden {
            Some(hidden) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, query.box_clone()),
                (Occur::MustNot, Box::new(hidden.clone())),
            ])),
            None => query.box_clone(),
        };
        let Some(overlay) = &self.overlay else {
            let top = TopDocs::with_limit(wanted).and_offset(offset);
            let (top, total, facets) = collect(&self.disk, disk_query.as_ref(), top, count, facets, &self.disk)?;
            let top = top.into_iter().map(|((score, _), at)| (score, false, at)).collect();
            return Ok(Found { top, total, facets });
        };
        let statistics = Summed(&self.disk, overlay);
        let top = || TopDocs::with_limit(offset + wanted);
        let (disk_top, disk_total, disk_facets) =
            collect(&self.disk, disk_query.as_ref(), top(), count, facets, &statistics)?;
        let (recent_top, recent_total, recent_facets) = collect(overlay, query, top(), count, facets, &statistics)?;
        // Both lists are best first, in the same order (score, then digest).
        let mut merged = Vec::with_capacity(disk_top.len() + recent_top.len());
        let (mut disk_top, mut recent_top) = (disk_top.into_iter().peekable(), recent_top.into_iter().peekable());
        loop {
            let from_overlay = match (disk_top.peek(), recent_top.peek()) {
                (Some(disk), Some(recent)) => recent.0 > disk.0,
                (Some(_), None) => false,
                (None, Some(_)) => true,
                (None, None) => break,
            };
            let next = if from_overlay { recent_top.next() } else { disk_top.next() };
            if let Some(((score, _), at)) = next {
                merged.push((score, from_overlay, at));
            }
        }
        let top = merged.into_iter().skip(offset).take(wanted).collect();
        let facets = match (disk_facets, recent_facets) {
            (Some(mut tally), Some(recent)) => {
                tally.add(recent);
                Some(tally)
            }
            (tally, _) => tally,
        };
        Ok(Found { top, total: disk_total + recent_total, facets })
    }
}

/// A match's rank: its score, then, among equal scores, the smaller digest first. Every
/// index of the same documents ranks them alike (replicas build their own, and how
/// tantivy's threads split documents into segments varies from one build to the next).
type Rank = (f32, std::cmp::Reverse<u64>);

/// One searcher's best matches, match count (when `count`) and facet counts (when `facets`).
fn collect(
    searcher: &Searcher,
    query: &dyn Query,
    top: TopDocs,
    count: bool,
    facets: bool,
    statistics: &dyn Bm25StatisticsProvider,
) -> Result<(Vec<(Rank, DocAddress)>, usize, Option<facets::Tally>), Error> {
    let top = top.tweak_score(|segment: &tantivy::SegmentReader| {
        let digests = segment.fast_fields().u64("digest").ok();
        move |doc: tantivy::DocId, score: f32| -> Rank {
            (score, std::cmp::Reverse(digests.as_ref().and_then(|column| column.first(doc)).unwrap_or(0)))
        }
    });
    if facets {
        let counter = facets::FacetCounter { field: "facets" };
        let (top, total, counts) =
            searcher.search_with_statistics_provider(query, &(top, Count, counter), statistics)?;
        Ok((top, total, Some(counts)))
    } else if count {
        let (top, total) = searcher.search_with_statistics_provider(query, &(top, Count), statistics)?;
        Ok((top, total, None))
    } else {
        let top = searcher.search_with_statistics_provider(query, &top, statistics)?;
        Ok((top, 0, None))
    }
}

/// BM25 statistics over the disk index and the overlay together.
struct Summed<'a>(&'a Searcher, &'a Searcher);

impl Bm25StatisticsProvider for Summed<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        Ok(self.0.total_num_tokens(field)? + self.1.total_num_tokens(field)?)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.0.total_num_docs()? + self.1.total_num_docs()?)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        Ok(Bm25StatisticsProvider::doc_freq(self.0, term)? + Bm25StatisticsProvider::doc_freq(self.1, term)?)
    }
}

/// The writer for changes as they come: one thread and tantivy's smallest buffer. Each
/// commit starts a fresh buffer whose table is sized by the budget, so a large budget
/// would cost every small commit tens of milliseconds of clearing memory.
fn small_writer(index: &Index) -> Result<IndexWriter, Error> {
    Ok(index.writer_with_num_threads(1, 15_000_000)?)
}

/// The writer for rebuilds: every core (up to 4), each with a buffer of `REBUILD_BUDGET`.
fn large_writer(index: &Index) -> Result<IndexWriter, Error> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    Ok(index.writer_with_num_threads(threads, REBUILD_BUDGET * threads)?)
}

/// Opens the index in `dir` with its payload, or creates an empty one (wiping anything
/// unreadable or of another schema, or everything when `wipe`) and returns no payload.
fn open_index(dir: &Path, wipe: bool) -> Result<(Index, Option<Payload>), Error> {
    std::fs::create_dir_all(dir)
        .map_err(|error| Error::Internal(anyhow::anyhow!("cannot create {}: {error}", dir.display())))?;
    let (schema, _) = Fields::build();
    if !wipe && dir.join("meta.json").exists() {
        match Index::open_in_dir(dir) {
            Ok(index) if index.schema() == schema => {
                let payload = index
                    .load_metas()
                    .ok()
                    .and_then(|metas| metas.payload)
                    .and_then(|payload| serde_json::from_str::<Payload>(&payload).ok());
                return Ok((index, payload));
            }
            Ok(_) => tracing::warn!(index_dir = %dir.display(), "the index has another schema: rebuilding it"),
            Err(error) => tracing::warn!(index_dir = %dir.display(), %error, "the index is unreadable: rebuilding it"),
        }
    }
    for entry in std::fs::read_dir(dir).map_err(|error| Error::Internal(error.into()))? {
        let path = entry.map_err(|error| Error::Internal(error.into()))?.path();
        if path.file_name().is_some_and(|name| name == ".gitkeep") {
            continue;
        }
        let removed = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        removed.map_err(|error| Error::Internal(anyhow::anyhow!("cannot clear {}: {error}", path.display())))?;
    }
    let index = Index::create_in_dir(dir, schema)?;
    Ok((index, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn city(slug: &str, name: &str) -> IndexDoc {
        IndexDoc {
            kind: EntityKind::City,
            slug: slug.to_owned(),
            title: name.to_owned(),
            body: String::new(),
            context: String::new(),
            category: None,
            cities: vec![slug.to_owned()],
            node: format!(r#"{{"id":"{slug}","name":"{name}"}}"#),
        }
    }

    /// An index on disk in a new directory, holding `docs` at generation `generation`.
    async fn index_of(docs: &[IndexDoc], generation: i64) -> (tempfile::TempDir, Arc<SearchIndex>) {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path(), false).await.unwrap();
        index.rebuild(std::iter::once(Ok(docs.to_vec())), generation).unwrap();
        (dir, index)
    }

    async fn found(index: &Arc<SearchIndex>, text: &str) -> (Vec<String>, usize) {
        let request =
            SearchRequest { text: text.to_owned(), limit: 10, count: true, facets: true, ..Default::default() };
        let results = index.search(request).await.unwrap();
        (results.hits.into_iter().map(|hit| hit.slug).collect(), results.total)
    }

    #[tokio::test]
    async fn staged_documents_are_searched_in_memory_and_hide_their_disk_versions_until_flushed() {
        let (dir, index) = index_of(&[city("a", "Alpha Town"), city("b", "Beta Town")], 1).await;
        let keys = ["CITY:a".to_owned(), "CITY:b".to_owned()];
        // `a` renamed, `b` deleted.
        index.stage(&keys, vec![city("a", "Gamma Town")], 2).unwrap();
        assert_eq!(index.durable(), 1, "staging writes nothing to disk");
        assert_eq!(found(&index, "gamma").await, (vec!["a".to_owned()], 1));
        assert_eq!(found(&index, "alpha").await, (vec![], 0));
        assert_eq!(found(&index, "beta").await, (vec![], 0));
        assert_eq!(found(&index, "town").await, (vec!["a".to_owned()], 1));

        index.flush().unwrap();
        assert_eq!(index.durable(), 2);
        assert_eq!(index.overlay.pending().0, 0, "the overlay is empty once its documents are on disk");
        assert_eq!(found(&index, "gamma").await, (vec!["a".to_owned()], 1));
        assert_eq!(found(&index, "town").await, (vec!["a".to_owned()], 1));
        let reopened = {
            drop(index);
            SearchIndex::open(dir.path(), false).await.unwrap()
        };
        assert_eq!(reopened.applied(), 2, "the disk commit recorded the generation it holds");
        assert_eq!(found(&reopened, "gamma").await, (vec!["a".to_owned()], 1));
    }

    #[tokio::test]
    async fn results_from_disk_and_memory_are_ranked_and_paged_as_one_index_would() {
        let on_disk: Vec<IndexDoc> =
            (0..6).map(|n| city(&format!("d{n}"), &format!("River {}", "x ".repeat(n)))).collect();
        let staged: Vec<IndexDoc> =
            (0..6).map(|n| city(&format!("m{n}"), &format!("River {}", "y ".repeat(n)))).collect();
        let (_dir, split) = index_of(&on_disk, 1).await;
        let keys: Vec<String> = staged.iter().map(IndexDoc::key).collect();
        split.stage(&keys, staged.clone(), 2).unwrap();
        let (_whole_dir, whole) = index_of(&[on_disk, staged].concat(), 2).await;

        let page = |index: Arc<SearchIndex>, offset: usize| async move {
            let request =
                SearchRequest { text: "river".to_owned(), limit: 4, offset, count: true, ..Default::default() };
            let results = index.search(request).await.unwrap();
            (results.hits.into_iter().map(|hit| (hit.slug, hit.score)).collect::<Vec<_>>(), results.total)
        };
        for offset in [0, 4, 8] {
            let (merged, total) = page(split.clone(), offset).await;
            assert_eq!(total, 12);
            assert_eq!((merged.clone(), total), page(whole.clone(), offset).await, "page at {offset}");
            // A shorter name scores higher: the two lists interleave.
            let mut pairs: Vec<&str> = merged.iter().map(|(slug, _)| &slug[1..]).collect();
            pairs.dedup();
            assert_eq!(pairs.len(), 2, "{merged:?}");
        }
    }

    #[tokio::test]
    async fn pages_of_every_entity_keep_their_order_when_the_overlay_is_flushed_between_them() {
        let on_disk: Vec<IndexDoc> = (0..40).map(|n| city(&format!("d{n:02}"), &format!("Town {n}"))).collect();
        let (_dir, index) = index_of(&on_disk, 1).await;
        let pages = |index: Arc<SearchIndex>, text: &'static str| async move {
            let mut pages = Vec::new();
            for offset in (0..56).step_by(7) {
                let request = SearchRequest { text: text.to_owned(), limit: 7, offset, ..Default::default() };
                pages.push(
                    index.search(request).await.unwrap().hits.into_iter().map(|hit| hit.slug).collect::<Vec<_>>(),
                );
            }
            pages
        };
        for (generation, text) in [(2, ""), (3, "town"), (4, "town OR renamed OR staged")] {
            // Renamed and new entities, in the overlay.
            let staged: Vec<IndexDoc> = (generation as usize..40)
                .step_by(3)
                .map(|n| city(&format!("d{n:02}"), &format!("Renamed {generation} town {n}")))
                .chain((0..5).map(|n| city(&format!("m{generation}{n}"), &format!("Staged town {n}"))))
                .collect();
            let keys: Vec<String> = staged.iter().map(IndexDoc::key).collect();
            index.stage(&keys, staged, generation).unwrap();
            let before = pages(index.clone(), text).await;
            index.flush().unwrap();
            assert_eq!(index.overlay.pending().0, 0);
            let after = pages(index.clone(), text).await;
            assert_eq!(before, after, "`{text}`: the order before and after the flush");
            let mut all: Vec<String> = after.concat();
            let listed = all.len();
            all.sort();
            all.dedup();
            assert_eq!(all.len(), listed, "`{text}`: no entity listed twice");
        }
    }

    #[tokio::test]
    async fn an_overlay_of_deletions_alone_hides_them_and_typo_searches_still_run() {
        let (_dir, index) = index_of(&[city("a", "Poseidonia"), city("b", "Beta Town")], 1).await;
        index.stage(&["CITY:a".to_owned()], Vec::new(), 2).unwrap();
        assert_eq!(index.overlay.pending().0, 1);
        // A word no longer in the index is expanded for typos: an automaton query, which
        // used to panic on the overlay's empty segment.
        assert_eq!(found(&index, "poseidonia").await, (vec![], 0));
        assert_eq!(found(&index, "").await.1, 1, "the deleted city is hidden before the flush");
        index.flush().unwrap();
        assert_eq!(found(&index, "").await.1, 1);
    }

    #[tokio::test]
    async fn a_document_that_did_not_change_is_not_staged_again() {
        let (_dir, index) = index_of(&[city("a", "Alpha Town"), city("b", "Beta Town")], 1).await;
        let keys = ["CITY:a".to_owned(), "CITY:b".to_owned()];
        index.stage(&keys, vec![city("a", "Alpha Town"), city("b", "Beta Town")], 2).unwrap();
        assert_eq!(index.overlay.pending().0, 0, "both are on disk as they are");
        index.stage(&keys, vec![city("a", "Alpha Town"), city("b", "Beta City")], 3).unwrap();
        assert_eq!(index.overlay.pending().0, 1, "only the changed one is staged");
        index.stage(&keys, vec![city("a", "Alpha Town"), city("b", "Beta City")], 4).unwrap();
        assert_eq!(index.overlay.pending().0, 1);
        index.flush().unwrap();
        assert_eq!(index.durable(), 4, "the flush records the last generation seen, changed or not");
    }

    #[tokio::test]
    async fn a_rebuild_is_written_page_by_page_and_one_that_fails_keeps_nothing_of_itself() {
        let (dir, index) = index_of(&[city("a", "Alpha Town")], 1).await;
        let pages = vec![Ok(vec![city("b", "Beta Town")]), Err(Error::Internal(anyhow::anyhow!("the reader failed")))];
        assert!(index.rebuild(pages.into_iter(), 2).is_err());
        assert_eq!(index.durable(), 1);
        assert_eq!(found(&index, "town").await, (vec!["a".to_owned()], 1), "the index it was to replace");

        let pages =
            (0..3).map(|n| Ok(vec![city(&format!("p{n}"), "Paged Town"), city(&format!("q{n}"), "Queued Town")]));
        assert_eq!(index.rebuild(pages, 3).unwrap(), 6);
        assert_eq!(index.durable(), 3);
        assert_eq!(found(&index, "alpha").await.1, 0, "a rebuild replaces the whole index");
        assert_eq!(found(&index, "town").await.1, 6);
        // The writer after a rebuild (or a failed one) still commits changes.
        index.commit(&["CITY:p0".to_owned()], &[city("p0", "Renamed Village")], 4).unwrap();
        assert_eq!(found(&index, "town").await.1, 5);
        drop(index);
        let reopened = SearchIndex::open(dir.path(), false).await.unwrap();
        assert_eq!((reopened.applied(), found(&reopened, "village").await.1), (4, 1));
    }

    #[tokio::test]
    async fn highlights_of_a_staged_document_mark_its_current_text() {
        let (_dir, index) = index_of(&[city("b", "Beta Town")], 1).await;
        let highlighted = |index: Arc<SearchIndex>| async move {
            let request = SearchRequest { text: "alpha".to_owned(), limit: 10, highlights: true, ..Default::default() };
            let results = index.search(request).await.unwrap();
            let title = &results.hits[0].highlights[0];
            (title.snippet.clone(), title.ranges.clone())
        };
        index.stage(&["CITY:a".to_owned()], vec![city("a", "Alpha Town")], 2).unwrap();
        assert_eq!(highlighted(index.clone()).await, ("Alpha Town".to_owned(), vec![(0, 5)]));
        // The next overlay holds another text at the same address.
        index.stage(&["CITY:a".to_owned()], vec![city("a", "New Alpha Town")], 3).unwrap();
        assert_eq!(highlighted(index.clone()).await, ("New Alpha Town".to_owned(), vec![(4, 9)]));
    }
}
