//! The write overlay: the documents written since the last durable commit, kept in a
//! small in-memory index that every search reads together with the one on disk (as
//! Elasticsearch's refresh makes a write searchable before its flush). A write is
//! searchable once it is here, without waiting for a segment commit and its fsyncs;
//! `SearchIndex::flush` later commits what is pending to disk in one batch and drops it
//! from here. Losing the overlay loses nothing: the disk index records the generation it
//! holds, and the follower replays the outbox from there.
//!
//! Every key pending here, written or deleted, is hidden from the disk index's answers,
//! so that a search never sees two versions of an entity, nor one deleted since.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use tantivy::indexer::SingleSegmentIndexWriter;
use tantivy::query::TermSetQuery;
use tantivy::{Index, ReloadPolicy, Searcher, Term};

use super::analysis;
use super::fields::Fields;
use super::{to_document, IndexDoc};
use crate::error::Error;

/// What a search reads of the overlay: one consistent state.
#[derive(Clone, Default)]
pub(super) struct View {
    /// The overlay's documents; `None` while no document is pending (deletions may be).
    pub searcher: Option<Searcher>,
    /// Every pending key, to hide from the disk index.
    pub hidden: Vec<Term>,
}

impl View {
    /// The query that hides the pending keys from the disk index, if any are pending.
    pub fn hiding(&self) -> Option<TermSetQuery> {
        (!self.hidden.is_empty()).then(|| TermSetQuery::new(self.hidden.iter().cloned()))
    }
}

/// One pending key: the generation that last wrote it and its document with its digest,
/// or `None` when that write deleted it (or made it unsearchable).
#[derive(Clone)]
struct Entry {
    generation: i64,
    doc: Option<(IndexDoc, u64)>,
}

/// What one flush commits to disk: every pending key with its document, up to a generation.
pub struct Batch {
    pub keys: Vec<String>,
    pub docs: Vec<IndexDoc>,
    pub generation: i64,
}

struct Pending {
    entries: HashMap<String, Entry>,
    /// When the oldest pending entry was staged.
    since: Option<Instant>,
    /// The last generation staged.
    generation: i64,
}

pub(super) struct Overlay {
    fields: Fields,
    pending: Mutex<Pending>,
    view: RwLock<Arc<View>>,
}

fn poisoned() -> Error {
    Error::Internal(anyhow::anyhow!("the search overlay is poisoned"))
}

/// The indexing memory of one overlay build: it sizes the term table (32 Ki entries, which
/// grows when full). `IndexWriter` cannot go below 15 MB, whose table of 512 Ki entries
/// costs every segment milliseconds to fill and scan, whatever it holds.
const BUILD_BUDGET: usize = 1_000_000;

impl Overlay {
    pub fn new(fields: &Fields) -> Self {
        Self {
            fields: *fields,
            pending: Mutex::new(Pending { entries: HashMap::new(), since: None, generation: -1 }),
            view: RwLock::new(Arc::new(View::default())),
        }
    }

    /// The state searches read now.
    pub fn view(&self) -> Arc<View> {
        self.view.read().map(|view| view.clone()).unwrap_or_default()
    }

    /// How many keys are pending, and since when the oldest is.
    pub fn pending(&self) -> (usize, Option<Instant>) {
        self.pending.lock().map(|pending| (pending.entries.len(), pending.since)).unwrap_or((0, None))
    }

    /// Makes `docs` (each with its digest) searchable: each of `keys` is replaced by its
    /// document in `docs`, or hidden when it has none. Blocking (an in-memory index
    /// build): run it off the async workers.
    pub fn stage(&self, keys: &[String], docs: Vec<(IndexDoc, u64)>, generation: i64) -> Result<(), Error> {
        let mut pending = self.pending.lock().map_err(|_| poisoned())?;
        pending.generation = pending.generation.max(generation);
        if keys.is_empty() {
            return Ok(());
        }
        let mut docs: HashMap<String, (IndexDoc, u64)> = docs.into_iter().map(|doc| (doc.0.key(), doc)).collect();
        for key in keys {
            pending.entries.insert(key.clone(), Entry { generation, doc: docs.remove(key) });
        }
        pending.since.get_or_insert_with(Instant::now);
        self.publish(&pending)
    }

    /// What is pending under `key`: `None` when nothing is, `Some(None)` when it is
    /// pending as deleted, else the digest of its pending document.
    pub fn digest(&self, key: &str) -> Result<Option<Option<u64>>, Error> {
        let pending = self.pending.lock().map_err(|_| poisoned())?;
        Ok(pending.entries.get(key).map(|entry| entry.doc.as_ref().map(|(_, digest)| *digest)))
    }

    /// Everything pending, to commit to disk.
    pub fn batch(&self) -> Result<Batch, Error> {
        let pending = self.pending.lock().map_err(|_| poisoned())?;
        let mut keys: Vec<String> = pending.entries.keys().cloned().collect();
        keys.sort();
        let docs =
            keys.iter().filter_map(|key| pending.entries[key].doc.as_ref().map(|(doc, _)| doc.clone())).collect();
        Ok(Batch { keys, docs, generation: pending.generation })
    }

    /// Drops what the disk index now holds: every entry written at or before `generation`.
    /// Call it after the disk reader has been reloaded, so that no search misses them.
    pub fn flushed(&self, generation: i64) -> Result<(), Error> {
        let mut pending = self.pending.lock().map_err(|_| poisoned())?;
        let before = pending.entries.len();
        pending.entries.retain(|_, entry| entry.generation > generation);
        if pending.entries.len() == before {
            return Ok(());
        }
        pending.since = (!pending.entries.is_empty()).then(Instant::now);
        self.publish(&pending)
    }

    /// Builds the overlay's index afresh from the pending documents (a few, in memory: a
    /// rebuild costs less than tantivy's deletes and merges would) and shows it.
    fn publish(&self, pending: &Pending) -> Result<(), Error> {
        let mut keys: Vec<&String> = pending.entries.keys().collect();
        keys.sort();
        let hidden = || keys.iter().map(|key| Term::from_field_text(self.fields.key, key)).collect();
        let view = if pending.entries.is_empty() {
            View::default()
        } else if pending.entries.values().all(|entry| entry.doc.is_none()) {
            // Only deletions: nothing to search here (and a segment without documents
            // makes tantivy's automaton queries panic), only keys to hide.
            View { searcher: None, hidden: hidden() }
        } else {
            let (schema, _) = Fields::build();
            let index = Index::create_in_ram(schema);
            analysis::register(&index);
            let mut writer = SingleSegmentIndexWriter::new(index, BUILD_BUDGET)?;
            for key in &keys {
                if let Some((doc, digest)) = &pending.entries[*key].doc {
                    writer.add_document(to_document(&self.fields, doc, *digest))?;
                }
            }
            let index = writer.finalize()?;
            let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
            View { searcher: Some(reader.searcher()), hidden: hidden() }
        };
        *self.view.write().map_err(|_| poisoned())? = Arc::new(view);
        Ok(())
    }
}
