//! The pipeline that feeds the search index from the store, apart from search itself
//! (as Quickwit keeps indexing apart from searching): the follower that applies the
//! outbox in generation order (`follower`), the documents it reads for each entity
//! (`documents`), and the changes it publishes to subscribers once they are searchable.
//! `crate::search` only commits what it is given and answers queries.
//!
//! The indexer also owns the index's health: a disk commit that fails (a full disk) is
//! retried while the changes stay searchable in memory, and an index damaged or removed
//! on disk is rebuilt from the store into a new one, swapped in without a restart.
//! `/readyz` reports both (`Indexer::problems`).

mod documents;
mod follower;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use tokio::sync::{broadcast, Notify};

pub use documents::{collect, collect_all, Scope};
pub use follower::{ChangeEvent, Follower};

use crate::error::{Code, Error};
use crate::search::SearchIndex;
use crate::store::Store;

/// How many changes a subscriber may fall behind before it misses some.
const CHANGE_BACKLOG: usize = 1024;

/// The index and what feeds it; share it behind an `Arc`.
pub struct Indexer {
    /// The index searches read; replaced whole when the one on disk is damaged.
    index: ArcSwap<SearchIndex>,
    /// Wakes the follower: a local write committed, or a notification arrived.
    wake: Arc<Notify>,
    /// Changes, published once they are searchable.
    changes: broadcast::Sender<ChangeEvent>,
    health: Mutex<Health>,
}

/// Something `/readyz` reports about the index.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub code: Code,
    pub message: String,
}

/// The index's faults, each kept until it is mended.
#[derive(Debug, Default)]
struct Health {
    /// The last disk commit failed; changes wait in memory.
    commit: Option<Problem>,
    /// The index on disk is damaged or gone; a new one is being built.
    files: Option<Problem>,
    /// Disk commits failed in a row, and when to try the next.
    failures: u32,
    retry_at: Option<Instant>,
}

/// The longest wait between two attempts at a failing disk commit.
const MAX_COMMIT_BACKOFF: Duration = Duration::from_secs(5);

/// How often a wait for a generation looks whether the index was replaced.
const SWAP_CHECK: Duration = Duration::from_millis(250);

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
            index: ArcSwap::new(SearchIndex::open(dir, wipe).await?),
            wake: Arc::new(Notify::new()),
            changes: broadcast::Sender::new(CHANGE_BACKLOG),
            health: Mutex::default(),
        });
        follower::catch_up(&indexer, store, Duration::ZERO).await?;
        Ok(indexer)
    }

    /// Returns the index it feeds, as of now (a damaged one is replaced whole).
    pub fn index(&self) -> Arc<SearchIndex> {
        self.index.load_full()
    }

    /// Puts `index` in place of the one searches read.
    fn replace(&self, index: Arc<SearchIndex>) {
        self.index.store(index);
    }

    /// Returns what is wrong with the index, for `/readyz`; empty when nothing is.
    pub fn problems(&self) -> Vec<Problem> {
        let Ok(health) = self.health.lock() else {
            return vec![Problem { code: Code::Unavailable, message: "the index's health is unknown".to_owned() }];
        };
        health.files.iter().chain(&health.commit).cloned().collect()
    }

    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether a disk commit may be tried now: not while the index on disk is damaged
    /// (a new one replaces it), nor before the back-off after a failed one has passed.
    fn may_commit(&self) -> bool {
        let health = self.health();
        health.files.is_none() && health.retry_at.is_none_or(|at| Instant::now() >= at)
    }

    /// Records a failed disk commit: reported, and retried after a back-off.
    fn commit_failed(&self, error: &Error) {
        let mut health = self.health();
        health.failures = health.failures.saturating_add(1);
        let backoff = Duration::from_millis(100u64.saturating_mul(1 << health.failures.min(6)));
        health.retry_at = Some(Instant::now() + backoff.min(MAX_COMMIT_BACKOFF));
        // Tantivy's indexing threads report a full disk only as a writer that died, so
        // the disk is looked at too (a directory that is gone has no free space to read).
        let index = self.index();
        let dir = index.dir();
        let free = crate::store::free_bytes(dir).or_else(|| dir.parent().and_then(crate::store::free_bytes));
        let full = free.is_some_and(|free| free < crate::store::MIN_FREE_BYTES);
        let code = if error.is_no_space() || full { Code::InsufficientStorage } else { Code::Unavailable };
        let cause = match free {
            Some(free) if full => format!("the disk that holds it has {free} bytes free"),
            _ => error.chain(),
        };
        let message = format!(
            "the index cannot commit to disk ({cause}): {} changes wait in memory, searchable, and are retried",
            index.pending()
        );
        if health.commit.as_ref().is_none_or(|problem| problem.code != code) {
            tracing::error!(error = %error.chain(), "the index cannot commit to disk; changes stay searchable in memory");
        }
        health.commit = Some(Problem { code, message });
    }

    /// Records a disk commit that succeeded.
    fn committed(&self) {
        let mut health = self.health();
        if health.commit.take().is_some() {
            tracing::info!("the index commits to disk again");
        }
        health.failures = 0;
        health.retry_at = None;
    }

    /// Records the index on disk as damaged (`Some`) or replaced (`None`). Either way a
    /// failed commit is no longer the index's problem: the damaged one will not commit
    /// again, and the new one commits afresh.
    fn set_damage(&self, damage: Option<String>) {
        let mut health = self.health();
        health.files = damage.map(|message| Problem { code: Code::IndexDamaged, message });
        health.commit = None;
        health.failures = 0;
        health.retry_at = None;
    }

    /// Asks the follower to look at the outbox now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Waits until the index has applied `generation`; returns false on timeout. It follows
    /// the index that replaces a damaged one.
    pub async fn wait_for(&self, generation: i64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if self.index().wait_for(generation, left.min(SWAP_CHECK)).await {
                return true;
            }
            if left <= SWAP_CHECK {
                return false;
            }
        }
    }

    /// Returns a receiver of every change from now on, each sent once it is searchable.
    pub fn subscribe(&self) -> broadcast::Receiver<ChangeEvent> {
        self.changes.subscribe()
    }

    /// Starts the follower: it catches up whenever woken, and at least every `timing.poll`,
    /// commits what it made searchable to disk `timing.flush_after` after the first change,
    /// and checks the index on disk on `timing`'s schedule.
    pub fn follow(self: &Arc<Self>, store: Store, timing: Timing) -> Follower {
        follower::spawn(self.clone(), store, timing)
    }
}

/// How often the follower looks at the outbox, commits to disk and checks the index.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// The outbox is read at least this often (a write of this process wakes it at once).
    pub poll: Duration,
    /// Changes are committed to disk this long after the first of them.
    pub flush_after: Duration,
    /// The index's files are checked this often (`None`: never).
    pub check_every: Option<Duration>,
    /// Every file's checksum is verified this often (`None`: never).
    pub verify_every: Option<Duration>,
}
