//! The source of truth: the graph in SQL (SQLite by default, or PostgreSQL) behind one
//! `Store` type.
//!
//! Every read goes through `Store::fetch`, which counts queries so tests can prove
//! that DataLoaders batch. SQL is written with `$N` placeholders and portable types;
//! SQLite and PostgreSQL differ only in their migrations.

mod changes;
mod entities;
mod export;
mod page;
mod referrers;
mod space;
mod write;

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Connection as _, Row};

pub use changes::{HistoryEntry, OutboxEntry};
pub use entities::{rel, Entity, Rel};
pub use export::Part;
pub use page::{Bind, Condition, Cursor, Filter, Page, PageRequest, SortOrder};
pub use space::{free_bytes, MIN_FREE_BYTES};
pub use write::{Committed, Write, ALL_KEYS, NOTIFY_CHANNEL};

use crate::error::Error;
use crate::model::Span;

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("src/store/migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("src/store/migrations/postgres");

/// A handle on the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    queries: Arc<AtomicU64>,
    postgres: bool,
    url: Arc<str>,
    /// Writes of this process queue here before taking the database's writer lock, so
    /// they wait without holding a connection (and without SQLite's busy retries).
    writer: Arc<tokio::sync::Mutex<()>>,
    /// Whether there is room to write (`/readyz`).
    space: Arc<space::Space>,
}

impl Store {
    /// Connects to `url` (`sqlite://FILE`, created when missing, or `postgres://...`) and
    /// applies pending migrations.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        sqlx::any::install_default_drivers();
        let (url, migrator, sqlite) = if url.starts_with("sqlite:") {
            let url = if url.contains("mode=") {
                url.to_owned()
            } else {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}mode=rwc")
            };
            (url, &SQLITE_MIGRATOR, true)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (url.to_owned(), &POSTGRES_MIGRATOR, false)
        } else {
            return Err(Error::InvalidInput(format!(
                "unsupported database url `{}`: use sqlite:// or postgres://",
                redact(url)
            )));
        };
        let options = AnyConnectOptions::from_str(&url).map_err(Error::Store)?;
        let mut pool = AnyPoolOptions::new().max_connections(8);
        if sqlite {
            pool = pool.after_connect(|connection, _| {
                Box::pin(async move {
                    sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *connection).await?;
                    sqlx::query("PRAGMA busy_timeout = 5000").execute(&mut *connection).await?;
                    Ok(())
                })
            });
            // A connection that comes back still inside a transaction (its rollback failed:
            // SQLite may end a transaction itself on a full disk, or not) is closed, so that
            // no later reader sees a write that was never committed.
            pool = pool.after_release(|connection, _| {
                Box::pin(async move {
                    // (Also when a dropped transaction's rollback is still queued: a new
                    // connection costs less than a doubt.)
                    let open = connection.is_in_transaction();
                    if open {
                        tracing::debug!("a database connection came back inside a transaction: closing it");
                    }
                    Ok(!open)
                })
            });
        }
        let pool = pool.connect_with(options).await.map_err(Error::Store)?;
        if sqlite {
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await.map_err(Error::Store)?;
        }
        migrator.run(&pool).await.map_err(|error| Error::Internal(error.into()))?;
        let space = Arc::new(space::Space::new(space::sqlite_file(&url)));
        Ok(Self { pool, queries: Arc::default(), postgres: !sqlite, url: url.into(), writer: Arc::default(), space })
    }

    /// Returns whether the store is on PostgreSQL (where replicas can share it).
    pub fn is_postgres(&self) -> bool {
        self.postgres
    }

    /// Returns the url the store was opened with, for a second connection such as a listener.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Returns a handle on the same database whose queries are counted apart, for
    /// background work (the indexer) that should not show in request counts.
    pub fn with_own_counter(&self) -> Self {
        Self { queries: Arc::default(), ..self.clone() }
    }

    /// Returns how many read queries this store has run; tests use it to check batching.
    pub fn query_count(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// Runs a read query with positional binds and counts it.
    pub(crate) async fn fetch(&self, sql: &str, binds: &[Bind]) -> Result<Vec<AnyRow>, Error> {
        self.queries.fetch_add(1, Ordering::Relaxed);
        crate::metrics::get().store_query();
        let mut query = sqlx::query(sql);
        for bind in binds {
            query = match bind {
                Bind::Text(text) => query.bind(text.clone()),
                Bind::Real(value) => query.bind(*value),
                Bind::Int(value) => query.bind(*value),
            };
        }
        query.fetch_all(&self.pool).await.map_err(Error::Store)
    }

    /// Returns what keeps writes from being made for lack of space, if anything.
    pub fn space_problem(&self) -> Option<String> {
        self.space.problem()
    }

    /// Answers whether the database can be queried.
    pub async fn ping(&self) -> Result<(), Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(Error::Store)?;
        Ok(())
    }

    /// Returns the data generation: a number bumped by every change, which the index records.
    pub async fn generation(&self) -> Result<i64, Error> {
        let rows = self.fetch("SELECT value FROM meta WHERE key = 'generation'", &[]).await?;
        let value: String =
            rows.first().map(|row| row.try_get("value")).transpose().map_err(Error::Store)?.unwrap_or_default();
        value.parse().map_err(|_| Error::Internal(anyhow::anyhow!("corrupt generation marker `{value}`")))
    }

    /// Returns whether the store holds no document yet.
    pub async fn is_empty(&self) -> Result<bool, Error> {
        let rows = self.fetch("SELECT COUNT(*) AS n FROM documents", &[]).await?;
        let count: i64 = rows[0].try_get("n").map_err(Error::Store)?;
        Ok(count == 0)
    }

    /// Returns the entities with these ids, in no particular order; unknown ids are skipped.
    pub async fn by_ids<T: Entity>(&self, ids: &[String]) -> Result<Vec<T>, Error> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!("SELECT {} FROM {} t WHERE t.id IN ({})", T::COLUMNS, T::TABLE, placeholders(1, ids.len()));
        let binds: Vec<Bind> = ids.iter().cloned().map(Bind::Text).collect();
        self.fetch(&sql, &binds).await?.iter().map(T::from_row).collect()
    }

    /// Returns every entity of a kind, in the order they were added.
    pub async fn all<T: Entity>(&self) -> Result<Vec<T>, Error> {
        let sql = format!("SELECT {} FROM {} t ORDER BY t.seq", T::COLUMNS, T::TABLE);
        self.fetch(&sql, &[]).await?.iter().map(T::from_row).collect()
    }

    /// Returns the entities related to each parent through `rel`, one query for all parents.
    pub async fn related<T: Entity>(&self, rel: Rel<T>, parents: &[String]) -> Result<Vec<(String, T)>, Error> {
        if parents.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {parent} AS parent__, {columns} FROM {from} WHERE {parent} IN ({holders}) ORDER BY {order}",
            parent = rel.parent,
            columns = T::COLUMNS,
            from = rel.from,
            holders = placeholders(1, parents.len()),
            order = rel.order,
        );
        let binds: Vec<Bind> = parents.iter().cloned().map(Bind::Text).collect();
        self.fetch(&sql, &binds).await?.iter().map(|row| parent_and_entity(row)).collect()
    }

    /// Returns the text of each span, cut by the database (its `substr` counts chars, as
    /// spans do), so a short excerpt of a long document does not load the document.
    /// Spans of unknown documents are left out.
    pub async fn excerpts(&self, spans: &[Span]) -> Result<Vec<(Span, String)>, Error> {
        if spans.is_empty() {
            return Ok(Vec::new());
        }
        // VALUES columns are named column1.. on both SQLite and PostgreSQL.
        let rows: Vec<String> = (0..spans.len()).map(|i| format!("({})", placeholders(i * 4 + 1, 4))).collect();
        let sql = format!(
            "SELECT s.column1 AS k, substr(d.text, CAST(s.column3 AS INTEGER) + 1, CAST(s.column4 AS INTEGER)) AS excerpt \
             FROM (VALUES {}) s JOIN documents d ON d.id = s.column2",
            rows.join(", ")
        );
        let mut binds = Vec::with_capacity(spans.len() * 4);
        for (i, span) in spans.iter().enumerate() {
            binds.extend([
                Bind::Int(i as i64),
                Bind::Text(span.document.clone()),
                Bind::Int(span.start.max(0)),
                Bind::Int((span.end - span.start).max(0)),
            ]);
        }
        let mut out = Vec::with_capacity(spans.len());
        for row in self.fetch(&sql, &binds).await? {
            let k: i64 = row.try_get("k").map_err(Error::Store)?;
            let excerpt: String = row.try_get("excerpt").map_err(Error::Store)?;
            if let Some(span) = usize::try_from(k).ok().and_then(|k| spans.get(k)) {
                out.push((span.clone(), excerpt));
            }
        }
        Ok(out)
    }

    /// Returns every (parent, entity) pair of `rel`; the indexer uses it to denormalize.
    pub async fn related_all<T: Entity>(&self, rel: Rel<T>) -> Result<Vec<(String, T)>, Error> {
        let sql = format!(
            "SELECT {parent} AS parent__, {columns} FROM {from} ORDER BY {order}",
            parent = rel.parent,
            columns = T::COLUMNS,
            from = rel.from,
            order = rel.order,
        );
        self.fetch(&sql, &[]).await?.iter().map(|row| parent_and_entity(row)).collect()
    }
}

fn parent_and_entity<T: Entity>(row: &AnyRow) -> Result<(String, T), Error> {
    let parent: String = row.try_get("parent__").map_err(Error::Store)?;
    Ok((parent, T::from_row(row)?))
}

/// Groups (parent, item) pairs by parent, keeping the items' order.
pub fn group<T>(pairs: impl IntoIterator<Item = (String, T)>) -> HashMap<String, Vec<T>> {
    let mut map: HashMap<String, Vec<T>> = HashMap::new();
    for (parent, item) in pairs {
        map.entry(parent).or_default().push(item);
    }
    map
}

/// Returns `$first, $first+1, ...` for `count` binds.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Hides a password in a database url before it is logged or shown.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme + 3], &credentials[..colon], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
