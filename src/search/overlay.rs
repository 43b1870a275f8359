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

use tantivy::query::TermSetQuery;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

use super::fields::{self, Fields};
use super::IndexDoc;
use crate::error::Error;

/// What a search reads of the overlay: one consistent state.
#[derive(Clone, Default)]
pub(super) struct View {
    /// The overlay's documents; `None` while nothing is pending.
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

/// One pending key: the generation that last wrote it and its document, or `None` when
/// that write deleted it (or made it unsearchable).
#[derive(Clone)]
struct Entry {
    generation: i64,
    doc: Option<IndexDoc>,
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
    key: tantivy::schema::Field,
    writer: Mutex<IndexWriter>,
    reader: IndexReader,
    pending: Mutex<Pending>,
    view: RwLock<Arc<View>>,
}

fn poisoned() -> Error {
    Error::Internal(anyhow::anyhow!("the search overlay is poisoned"))
}

impl Overlay {
    pub fn new(fields: &Fields) -> Result<Self, Error> {
        let (schema, _) = Fields::build();
        let index = Index::create_in_ram(schema);
        fields::register_analyzers(&index);
        // Tantivy's smallest budget: the overlay holds a few hundred documents at most.
        let writer = index.writer_with_num_threads(1, 15_000_000)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self {
            key: fields.key,
            writer: Mutex::new(writer),
            reader,
            pending: Mutex::new(Pending { entries: HashMap::new(), since: None, generation: -1 }),
            view: RwLock::new(Arc::new(View::default())),
        })
    }

    /// The state searches read now.
    pub fn view(&self) -> Arc<View> {
        self.view.read().map(|view| view.clone()).unwrap_or_default()
    }

    /// How many keys are pending, and since when the oldest is.
    pub fn pending(&self) -> (usize, Option<Instant>) {
        self.pending.lock().map(|pending| (pending.entries.len(), pending.since)).unwrap_or((0, None))
    }

    /// Makes `docs` searchable: each of `keys` is replaced by its document in `docs`, or
    /// hidden when it has none. Blocking (an in-memory commit): run it off the async workers.
    pub fn stage(
        &self,
        keys: &[String],
        docs: Vec<(String, IndexDoc)>,
        generation: i64,
        to_document: impl Fn(&IndexDoc) -> TantivyDocument,
    ) -> Result<(), Error> {
        let mut writer = self.writer.lock().map_err(|_| poisoned())?;
        let mut pending = self.pending.lock().map_err(|_| poisoned())?;
        for key in keys {
            writer.delete_term(Term::from_field_text(self.key, key));
        }
        for (_, doc) in &docs {
            writer.add_document(to_document(doc))?;
        }
        writer.commit()?;
        self.reader.reload()?;
        let mut docs: HashMap<String, IndexDoc> = docs.into_iter().collect();
        for key in keys {
            pending.entries.insert(key.clone(), Entry { generation, doc: docs.remove(key) });
        }
        pending.generation = pending.generation.max(generation);
        pending.since.get_or_insert_with(Instant::now);
        self.publish(&pending)
    }

    /// Everything pending, to commit to disk.
    pub fn batch(&self) -> Result<Batch, Error> {
        let pending = self.pending.lock().map_err(|_| poisoned())?;
        let mut keys: Vec<String> = pending.entries.keys().cloned().collect();
        keys.sort();
        let docs = keys.iter().filter_map(|key| pending.entries[key].doc.clone()).collect();
        Ok(Batch { keys, docs, generation: pending.generation })
    }

    /// Drops what the disk index now holds: every entry written at or before `generation`.
    /// Call it after the disk reader has been reloaded, so that no search misses them.
    pub fn flushed(&self, generation: i64) -> Result<(), Error> {
        let mut writer = self.writer.lock().map_err(|_| poisoned())?;
        let mut pending = self.pending.lock().map_err(|_| poisoned())?;
        let done: Vec<String> = pending
            .entries
            .iter()
            .filter(|(_, entry)| entry.generation <= generation)
            .map(|(key, _)| key.clone())
            .collect();
        if done.is_empty() {
            return Ok(());
        }
        for key in &done {
            writer.delete_term(Term::from_field_text(self.key, key));
            pending.entries.remove(key);
        }
        writer.commit()?;
        self.reader.reload()?;
        pending.since = (!pending.entries.is_empty()).then(Instant::now);
        self.publish(&pending)
    }

    fn publish(&self, pending: &Pending) -> Result<(), Error> {
        let view = if pending.entries.is_empty() {
            View::default()
        } else {
            View {
                searcher: Some(self.reader.searcher()),
                hidden: pending.entries.keys().map(|key| Term::from_field_text(self.key, key)).collect(),
            }
        };
        *self.view.write().map_err(|_| poisoned())? = Arc::new(view);
        Ok(())
    }
}
