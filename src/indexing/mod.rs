//! The pipeline that feeds the search index from the store, apart from search itself
//! (as Quickwit keeps indexing apart from searching): the follower that applies the
//! outbox in generation order (`follower`), the documents it reads for each entity
//! (`documents`), and the changes it publishes to subscribers once they are searchable.
//! `crate::search` only commits what it is given and answers queries.

mod documents;
mod follower;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, Notify};

pub use documents::{collect, collect_all, Scope};
pub use follower::{ChangeEvent, Follower};

use crate::error::Error;
use crate::search::SearchIndex;
use crate::store::Store;

/// How many changes a subscriber may fall behind before it misses some.
const CHANGE_BACKLOG: usize = 1024;

/// The index and what feeds it; share it behind an `Arc`.
pub struct Indexer {
    index: Arc<SearchIndex>,
    /// Wakes the follower: a local write committed, or a notification arrived.
    wake: Arc<Notify>,
    /// Changes, published once they are searchable.
    changes: broadcast::Sender<ChangeEvent>,
}

impl Indexer {
    /// Opens the index in `dir` and brings it up to date with the store: it replays the
    /// outbox it has not seen, or rebuilds from the store when the index is missing,
    /// unreadable, of another schema version, or too far behind to replay.
    /// An index that cannot be brought up to date (files left half-written by a killed
    /// process that tantivy refuses, say) is wiped and rebuilt once, so a bad index never
    /// keeps the server from starting.
    pub async fn open(dir: &Path, store: &Store) -> Result<Arc<Self>, Error> {
        match Self::open_and_catch_up(dir, store, false).await {
            Ok(indexer) => Ok(indexer),
            Err(error @ (Error::Store(_) | Error::InvalidInput(_))) => Err(error),
            Err(error) => {
                tracing::warn!(index_dir = %dir.display(), error = %error.chain(), "the index cannot be brought up to date: rebuilding it");
                Self::open_and_catch_up(dir, store, true).await
            }
        }
    }

    async fn open_and_catch_up(dir: &Path, store: &Store, wipe: bool) -> Result<Arc<Self>, Error> {
        let indexer = Arc::new(Self {
            index: SearchIndex::open(dir, wipe).await?,
            wake: Arc::new(Notify::new()),
            changes: broadcast::Sender::new(CHANGE_BACKLOG),
        });
        follower::catch_up(&indexer, store, Duration::ZERO).await?;
        Ok(indexer)
    }

    /// Returns the index it feeds.
    pub fn index(&self) -> &Arc<SearchIndex> {
        &self.index
    }

    /// Asks the follower to look at the outbox now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Waits until the index has applied `generation`; returns false on timeout.
    pub async fn wait_for(&self, generation: i64, timeout: Duration) -> bool {
        self.index.wait_for(generation, timeout).await
    }

    /// Returns a receiver of every change from now on, each sent once it is searchable.
    pub fn subscribe(&self) -> broadcast::Receiver<ChangeEvent> {
        self.changes.subscribe()
    }

    /// Starts the follower: it catches up whenever woken, and at least every `poll`, and
    /// commits what it made searchable to disk `flush_after` after the first change.
    pub fn follow(self: &Arc<Self>, store: Store, poll: Duration, flush_after: Duration) -> Follower {
        follower::spawn(self.clone(), store, poll, flush_after)
    }
}
