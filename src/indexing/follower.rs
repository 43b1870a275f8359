//! The follower: the one task that writes to the index. It follows the store's outbox in
//! generation order, re-reads the entities each write touched and stages them in the
//! index's in-memory overlay (delete-then-add, so replaying is harmless), and only then
//! announces the generation as searchable and publishes the changes to subscribers.
//! Staged changes are committed to disk in batches (`flush`): once `FLUSH_DOCS` keys are
//! pending, or `flush_after` (`--index-flush-ms`) after the first was staged, and when the
//! follower stops.
//! A disk commit records the last generation it holds in its payload: after a crash the
//! follower replays the outbox from there, so a staged change is never lost.
//!
//! It wakes when a local write commits, when PostgreSQL notifies a write from another
//! replica, and on a polling interval in case a notification was missed.
//!
//! A disk commit that fails (a full disk) leaves the changes searchable in the overlay
//! and is retried with a back-off, up to `MAX_PENDING` entities waiting; past that, the
//! follower stops taking new changes until a commit succeeds. On a timer it also checks
//! the index on disk (`SearchIndex::damage`); a damaged or removed index is retired, a
//! new one is built from the store in its directory, and swapped in (`recover`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::documents::{self, Scope};
use super::{Indexer, Timing};
use crate::error::Error;
use crate::model::edit::ChangeKind;
use crate::model::EntityRef;
use crate::search::{IndexDoc, SearchIndex};
use crate::store::{Store, ALL_KEYS, NOTIFY_CHANNEL};

/// How many outbox rows one commit applies at most.
const BATCH: i64 = 256;

/// Above this many changes in one catch-up, subscribers are not sent each of them.
const MAX_PUBLISHED: usize = 10_000;

/// The overlay is committed to disk once it holds this many keys...
const FLUSH_DOCS: usize = 512;

/// While disk commits fail, changes wait in memory up to this many entities; past it,
/// new changes wait in the outbox (stored, not yet searchable) until a commit succeeds.
const MAX_PENDING: usize = 8 * FLUSH_DOCS;

/// A check that finds damage runs again after this long before the index is rebuilt: a
/// merge that tantivy finishes between reading `meta.json` and looking for its files
/// must not count as damage.
const RECHECK_AFTER: Duration = Duration::from_millis(250);

/// One change, published to subscribers once the index shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeEvent {
    pub generation: i64,
    pub kind: ChangeKind,
    pub target: EntityRef,
}

/// Applies everything the index has not seen, until it has seen the store's generation.
/// Staged changes go to disk once they are `flush_after` old (or `FLUSH_DOCS` many): with
/// `Duration::ZERO`, everything is on disk when it returns, or it fails. Otherwise a
/// failed disk commit is reported and retried later, the changes searchable meanwhile.
pub async fn catch_up(indexer: &Indexer, store: &Store, flush_after: Duration) -> Result<(), Error> {
    let index = indexer.index();
    loop {
        if index.flush_due(FLUSH_DOCS, flush_after).is_ok() && indexer.may_commit() {
            match flush(&index).await {
                Ok(()) => indexer.committed(),
                Err(error) if flush_after.is_zero() || index.pending() >= MAX_PENDING => {
                    indexer.commit_failed(&error);
                    return Err(error);
                }
                Err(error) => indexer.commit_failed(&error),
            }
        }
        if index.pending() >= MAX_PENDING {
            // Nothing more in memory until a commit succeeds.
            return Ok(());
        }
        let applied = index.applied();
        // Read before the outbox: every write up to `current` is in the outbox by now.
        let current = store.generation().await?;
        if current == applied {
            return Ok(());
        }
        if applied < 0 || current < applied {
            rebuild_in_place(indexer, &index, store, "the index does not match this store").await?;
            continue;
        }
        let entries = store.outbox_after(applied, BATCH).await?;
        if entries.first().map(|entry| entry.generation) != Some(applied + 1) {
            rebuild_in_place(indexer, &index, store, "the outbox does not reach back to the index's generation")
                .await?;
            continue;
        }
        let mut last = applied;
        let mut keys: Vec<String> = Vec::new();
        for entry in entries.iter().take_while(|entry| {
            let next = entry.generation == last + 1;
            if next {
                last = entry.generation;
            }
            next
        }) {
            keys.extend(entry.keys.iter().cloned());
        }
        if keys.iter().any(|key| key == ALL_KEYS) {
            rebuild_in_place(indexer, &index, store, "a write touched most of the graph").await?;
            continue;
        }
        keys.sort();
        keys.dedup();
        let docs = documents::collect(store, &Scope::of_keys(&keys)).await?;
        let this = index.clone();
        tokio::task::spawn_blocking(move || this.stage(&keys, docs, last))
            .await
            .map_err(|error| Error::Internal(error.into()))??;
        publish(indexer, store, applied, last).await?;
    }
}

/// Commits what the overlay holds to disk.
async fn flush(index: &Arc<SearchIndex>) -> Result<(), Error> {
    let this = index.clone();
    tokio::task::spawn_blocking(move || this.flush()).await.map_err(|error| Error::Internal(error.into()))?
}

/// How many pages of documents the reader may be ahead of the index writer.
const PAGES_AHEAD: usize = 2;

/// Rebuilds `index` (the one searches read) from the store and announces the result.
async fn rebuild_in_place(
    indexer: &Indexer,
    index: &Arc<SearchIndex>,
    store: &Store,
    reason: &str,
) -> Result<(), Error> {
    let applied = index.applied();
    let generation = rebuild(index, store, reason).await?;
    if applied >= 0 && generation > applied {
        publish(indexer, store, applied, generation).await?;
    } else {
        index.announce(generation);
    }
    indexer.committed();
    Ok(())
}

/// Rebuilds the whole of `index` from the store at its current generation, reading the
/// graph page by page on this task while a blocking thread feeds each page to the
/// writer. Returns the generation it holds; announcing it is the caller's.
async fn rebuild(index: &Arc<SearchIndex>, store: &Store, reason: &str) -> Result<i64, Error> {
    let applied = index.applied();
    let generation = store.generation().await?;
    tracing::info!(index_dir = %index.dir().display(), from = applied, to = generation, reason, "rebuilding the search index");
    // `None` says the graph was read to the end: a channel closed without it is a reader
    // that failed, and the writer then keeps nothing of the rebuild.
    let (pages, mut received) = mpsc::channel::<Option<Vec<IndexDoc>>>(PAGES_AHEAD);
    let this = index.clone();
    let writer = tokio::task::spawn_blocking(move || {
        let pages = std::iter::from_fn(move || match received.blocking_recv() {
            Some(Some(docs)) => Some(Ok(docs)),
            Some(None) => None,
            None => Some(Err(Error::Internal(anyhow::anyhow!("the graph was not read to the end")))),
        });
        this.rebuild(pages, generation)
    });
    let read = documents::stream(store, documents::PAGE, |docs| {
        let pages = &pages;
        async move { pages.send(Some(docs)).await.is_ok() }
    })
    .await;
    if let Ok(true) = read {
        tracing::info!("the graph is read: committing the index");
        let _ = pages.send(None).await;
    }
    drop(pages);
    let written = writer.await.map_err(|error| Error::Internal(error.into()))?;
    // The reader's error first; a reader stopped by the writer reports the writer's.
    read?;
    let documents = written?;
    tracing::info!(documents, generation, "search index rebuilt");
    Ok(generation)
}

/// Looks at the index on disk; returns the damage when it is still there a moment later.
async fn damage(indexer: &Indexer, verify: bool) -> Result<Option<String>, Error> {
    if check(indexer, verify).await?.is_none() {
        return Ok(None);
    }
    tokio::time::sleep(RECHECK_AFTER).await;
    check(indexer, verify).await
}

/// Looks at the index on disk once, off the async workers.
async fn check(indexer: &Indexer, verify: bool) -> Result<Option<String>, Error> {
    let index = indexer.index();
    tokio::task::spawn_blocking(move || index.damage(verify)).await.map_err(|error| Error::Internal(error.into()))
}

/// Replaces a damaged index: the old one stops writing but goes on answering searches
/// from what it has open (changes still reach its overlay), while a new one is built from
/// the store in the same directory; once it holds the store's generation it is swapped
/// in, and the changes between the two are announced. A failure (the directory cannot be
/// made) leaves the old one serving; the next check tries again.
async fn recover(indexer: &Indexer, store: &Store, damage: String) -> Result<(), Error> {
    let old = indexer.index();
    tracing::error!(index_dir = %old.dir().display(), damage, "the index on disk is damaged: rebuilding it from the store");
    indexer.set_damage(Some(format!("{damage}: rebuilding it from the store")));
    let retiring = old.clone();
    tokio::task::spawn_blocking(move || retiring.retire()).await.map_err(|error| Error::Internal(error.into()))?;
    let result = async {
        let fresh = SearchIndex::open(old.dir(), true).await?;
        fresh.copy_synonyms_from(&old);
        let generation = rebuild(&fresh, store, "the index on disk was damaged").await?;
        Ok::<_, Error>((fresh, generation))
    }
    .await;
    let (fresh, generation) = match result {
        Ok(built) => built,
        Err(error) => {
            indexer.set_damage(Some(format!("{damage}; rebuilding failed, retried shortly: {}", error.chain())));
            return Err(error);
        }
    };
    let from = old.applied();
    fresh.announce(generation);
    indexer.replace(fresh);
    indexer.set_damage(None);
    publish(indexer, store, from, generation).await?;
    tracing::info!(generation, "the index was rebuilt from the store and replaces the damaged one");
    Ok(())
}

/// Announces generations `from+1..=to` as searchable and sends their changes.
async fn publish(indexer: &Indexer, store: &Store, from: i64, to: i64) -> Result<(), Error> {
    indexer.index().announce(to);
    if to <= from {
        return Ok(());
    }
    if indexer.changes.receiver_count() == 0 {
        return Ok(());
    }
    let changes = store.changes_between(from + 1, to).await?;
    if changes.len() > MAX_PUBLISHED {
        tracing::warn!(count = changes.len(), "too many changes at once: subscribers are not sent each of them");
        return Ok(());
    }
    for change in changes {
        let _ = indexer.changes.send(ChangeEvent {
            generation: change.generation,
            kind: change.kind,
            target: change.target,
        });
    }
    Ok(())
}

/// The running indexer; `stop` ends it between two commits.
pub struct Follower {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    listener: Option<JoinHandle<()>>,
}

impl Follower {
    /// Stops the indexer after its current commit and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Some(listener) = self.listener {
            listener.abort();
        }
        let _ = self.task.await;
    }
}

/// Starts the follower: it catches up whenever woken, and at least every `timing.poll`.
/// It commits staged changes to disk `timing.flush_after` after the first of them, and
/// checks the index on disk on `timing`'s schedule.
pub(super) fn spawn(indexer: Arc<Indexer>, store: Store, timing: Timing) -> Follower {
    let (stop, mut stopped) = watch::channel(false);
    let listener = store.is_postgres().then(|| tokio::spawn(listen(store.url().to_owned(), indexer.wake.clone())));
    let task = tokio::spawn(async move {
        let mut failures = 0u32;
        let mut next_check = timing.check_every.map(|every| Instant::now() + every);
        let mut next_verify = timing.verify_every.map(|every| Instant::now() + every);
        loop {
            let flush_at = indexer.index().flush_due(FLUSH_DOCS, timing.flush_after).err().flatten();
            let due = sleep_until(flush_at);
            let check_due = sleep_until(next_check);
            tokio::select! {
                _ = stopped.changed() => break,
                () = indexer.wake.notified() => {}
                () = tokio::time::sleep(timing.poll) => {}
                () = due => {}
                () = check_due => {}
            }
            if next_check.is_some_and(|at| Instant::now() >= at) {
                next_check = timing.check_every.map(|every| Instant::now() + every);
                let verify = next_verify.is_some_and(|at| Instant::now() >= at);
                if verify {
                    next_verify = timing.verify_every.map(|every| Instant::now() + every);
                }
                match damage(&indexer, verify).await {
                    Ok(Some(found)) => {
                        if let Err(error) = recover(&indexer, &store, found).await {
                            tracing::error!(error = %error.chain(), "the damaged index could not be rebuilt; retrying at the next check");
                        }
                    }
                    Ok(None) => {}
                    Err(error) => tracing::error!(error = %error.chain(), "the index could not be checked"),
                }
            }
            match catch_up(&indexer, &store, timing.flush_after).await {
                Ok(()) => failures = 0,
                Err(error) => {
                    failures += 1;
                    tracing::error!(error = %error.chain(), failures, "the indexer could not catch up; retrying");
                    let backoff = Duration::from_millis(100 * u64::from(failures.min(50)));
                    tokio::select! {
                        _ = stopped.changed() => break,
                        () = tokio::time::sleep(backoff) => {}
                    }
                }
            }
        }
        if let Err(error) = flush(&indexer.index()).await {
            tracing::error!(error = %error.chain(), "the indexer could not commit its last changes to disk; they are replayed at the next start");
        }
        tracing::debug!("indexer stopped");
    });
    Follower { stop, task, listener }
}

/// Sleeps until `at`, or forever when there is none.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// Wakes the indexer on every PostgreSQL notification of a committed write, reconnecting
/// after errors; polling covers whatever arrives while it is down.
async fn listen(url: String, wake: Arc<tokio::sync::Notify>) {
    loop {
        match sqlx::postgres::PgListener::connect(&url).await {
            Ok(mut listener) => match listener.listen(NOTIFY_CHANNEL).await {
                Ok(()) => {
                    tracing::debug!("listening for writes of other replicas");
                    // A write may have landed while we were not listening.
                    wake.notify_one();
                    while listener.recv().await.is_ok() {
                        wake.notify_one();
                    }
                }
                Err(error) => tracing::warn!(%error, "cannot listen for writes of other replicas"),
            },
            Err(error) => tracing::warn!(%error, "cannot connect to listen for writes of other replicas"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
