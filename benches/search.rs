//! In-process search benchmark: our Tantivy search against the peers a user would pick
//! instead, SQLite FTS5 and PostgreSQL full-text search, on the same text and queries.
//!
//! ```sh
//! AG_BENCH_SIZES=10000,100000 cargo bench --bench search
//! ```
//!
//! For each size, a synthetic dataset (`model::generate`, seed [`SEED`]) is imported into a
//! SQLite store and indexed by us; the peers index the same text per entity (the key
//! `TYPE:slug`, the title, and the body followed by the related names our index searches).
//! Everything is cached under `target/bench-data/<size>/` (PostgreSQL: schema
//! `bench_search_<size>`) and reused while size, seed and versions match.
//!
//! Measured: the time to run every query of `benches/search-queries.txt` once (a
//! rotation) with criterion, for our search without and with highlights and facets, then
//! each peer, in turn, for several rounds; ratios are the medians of the per-round ratios
//! peer / ours. Also, once per size: each query timed alone (per class), how many results
//! each engine finds and how far the peers' top 10 agree with ours. Every query must
//! succeed and every timed rotation must return the results the check pass saw, so a
//! failing engine never looks fast.
//!
//! Environment: `AG_BENCH_SIZES` (default `10000`), `AG_BENCH_ROUNDS` (default 5),
//! `AG_BENCH_SECS` (criterion measurement seconds per engine and round, default 3),
//! `AG_BENCH_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`; `off` skips
//! PostgreSQL). Writes `target/bench/search.json`, merged by size with what is there.
//! Run without `--bench` (e.g. `cargo test --benches`) it only builds the data and checks
//! the results.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use achievement_graph::indexing::{collect_all, Indexer};
use achievement_graph::model::generate::generate;
use achievement_graph::search::{IndexDoc, SearchIndex, SearchRequest, SCHEMA_VERSION};
use achievement_graph::store::Store;
use criterion::{Criterion, SamplingMode};
use serde_json::{json, Value};

/// The server's allocator (see src/main.rs), so that our index is measured as it runs
/// there; the peers run in this process too, and their Rust side uses it as well.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use sqlx::postgres::{PgPool, PgPoolOptions};
use tokio::runtime::Runtime;

/// The seed of every generated dataset.
const SEED: u64 = 1;
/// Bump when what the bench stores changes: cached data of another version is rebuilt.
const DATA_VERSION: u32 = 1;
/// Results per query, for every engine.
const LIMIT: usize = 10;
const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
const QUERIES: &str = include_str!("search-queries.txt");
/// The class whose queries need not match (FTS5 and PostgreSQL have no typo tolerance).
const TYPO_CLASS: &str = "typo";
/// FTS5's ranking, set once in the table: bm25 with titles weighing three times the body,
/// as in our index (the key column is not indexed).
const FTS5_RANK: &str = "bm25(0.0, 3.0, 1.0)";
/// Read-side settings a user would give FTS5: memory-mapped reads (as Tantivy's) and a
/// 64 MiB page cache.
const FTS5_PRAGMAS: &str = "PRAGMA mmap_size = 4294967296; PRAGMA cache_size = -65536;";
/// Per session on PostgreSQL: no JIT, which would only add compile time to these queries.
const PG_SESSION: &str = "SET jit = off";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Engine {
    OursPlain,
    OursFull,
    Fts5,
    Pg,
}

impl Engine {
    const ALL: [Engine; 4] = [Engine::OursPlain, Engine::OursFull, Engine::Fts5, Engine::Pg];

    fn name(self) -> &'static str {
        match self {
            Engine::OursPlain => "ours_plain",
            Engine::OursFull => "ours_full",
            Engine::Fts5 => "fts5",
            Engine::Pg => "pg",
        }
    }
}

/// How a query reads: plain words (all required), a quoted phrase, or `word*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Words,
    Phrase,
    Prefix,
}

/// One query with its translation for each peer.
#[derive(Debug, Clone)]
struct BenchQuery {
    class: String,
    /// As typed into our search box.
    text: String,
    /// An FTS5 MATCH expression: every token quoted, so nothing is read as syntax.
    fts5: String,
    /// The argument of `websearch_to_tsquery` or, for prefixes, `to_tsquery`.
    pg: String,
    form: Form,
}

impl BenchQuery {
    fn parse(class: &str, text: &str) -> Self {
        let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let trimmed = text.trim();
        let (form, fts5, pg) = if let Some(inner) =
            trimmed.strip_prefix('"').and_then(|rest| rest.strip_suffix('"')).filter(|inner| !inner.contains('"'))
        {
            let words: Vec<&str> = inner.split_whitespace().collect();
            (Form::Phrase, quote(&words.join(" ")), trimmed.to_owned())
        } else if let Some(word) = trimmed.strip_suffix('*').filter(|w| !w.contains(char::is_whitespace)) {
            let word = word.trim_end_matches('*');
            let letters: String = word.chars().filter(|c| c.is_alphanumeric()).collect();
            (Form::Prefix, format!("{}*", quote(word)), format!("{letters}:*"))
        } else {
            let words: Vec<String> = trimmed.split_whitespace().map(quote).collect();
            (Form::Words, words.join(" "), trimmed.to_owned())
        };
        Self { class: class.to_owned(), text: trimmed.to_owned(), fts5, pg, form }
    }
}

fn load_queries() -> Vec<BenchQuery> {
    let queries: Vec<BenchQuery> = QUERIES
        .lines()
        .map(str::trim_end)
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (class, text) =
                line.split_once('\t').unwrap_or_else(|| panic!("search-queries.txt: no tab in `{line}`"));
            BenchQuery::parse(class.trim(), text)
        })
        .collect();
    assert!(queries.len() >= 40, "search-queries.txt holds {} queries, fewer than 40", queries.len());
    queries
}

/// The classes in the order of the queries file.
fn classes(queries: &[BenchQuery]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for query in queries {
        if !out.contains(&query.class) {
            out.push(query.class.clone());
        }
    }
    out
}

struct Settings {
    sizes: Vec<usize>,
    rounds: usize,
    measurement: Duration,
    warm_up: Duration,
    sample_size: usize,
    pg_url: Option<String>,
    benchmarking: bool,
}

impl Settings {
    fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let sizes = var("AG_BENCH_SIZES")
            .unwrap_or_else(|| "10000".to_owned())
            .split(',')
            .map(|size| parse_size(size).unwrap_or_else(|| panic!("AG_BENCH_SIZES: `{size}` is not a size")))
            .collect();
        let rounds = var("AG_BENCH_ROUNDS").map_or(5, |v| v.parse().expect("AG_BENCH_ROUNDS: a whole number"));
        let secs: f64 = var("AG_BENCH_SECS").map_or(3.0, |v| v.parse().expect("AG_BENCH_SECS: a number of seconds"));
        let pg_url = match var("AG_BENCH_PG_URL") {
            Some(url) if url == "off" => None,
            Some(url) => Some(url),
            None => Some(DEFAULT_PG_URL.to_owned()),
        };
        Self {
            sizes,
            rounds: rounds.max(1),
            measurement: Duration::from_secs_f64(secs.max(0.1)),
            warm_up: Duration::from_secs(1),
            sample_size: 10,
            pg_url,
            // `cargo bench` passes `--bench`; `cargo test --benches` does not.
            benchmarking: std::env::args().any(|arg| arg == "--bench"),
        }
    }
}

/// `10000`, `10_000`, `10k` or `1m`.
fn parse_size(text: &str) -> Option<usize> {
    let text = text.trim().replace('_', "").to_ascii_lowercase();
    let (digits, factor) = match text.strip_suffix('k') {
        Some(digits) => (digits.to_owned(), 1_000),
        None => match text.strip_suffix('m') {
            Some(digits) => (digits.to_owned(), 1_000_000),
            None => (text.clone(), 1),
        },
    };
    digits.parse::<usize>().ok().map(|n| n * factor).filter(|n| *n > 0)
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// What a cache directory was built from; it is reused only when this matches.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Built {
    entities: usize,
    seed: u64,
    data_version: u32,
    schema_version: u32,
    documents: usize,
    import_s: f64,
    index_s: f64,
    fts5_s: f64,
}

impl Built {
    fn matches(&self, entities: usize) -> bool {
        self.entities == entities
            && self.seed == SEED
            && self.data_version == DATA_VERSION
            && self.schema_version == SCHEMA_VERSION
    }
}

/// The key and the two texts every peer indexes for one entity.
fn peer_row(doc: &IndexDoc) -> (String, &str, String) {
    (format!("{}:{}", doc.kind.as_str(), doc.slug), doc.title.as_str(), format!("{}\n{}", doc.body, doc.context))
}

fn pg_schema(entities: usize) -> String {
    format!("bench_search_{entities}")
}

/// Everything one size needs, built or reused.
struct Data {
    built: Built,
    index: Arc<SearchIndex>,
    fts5: rusqlite::Connection,
    pg: Option<PgPool>,
    pg_schema: String,
    pg_load_s: Option<f64>,
}

fn prepare(rt: &Runtime, settings: &Settings, entities: usize) -> Data {
    let dir = target_dir().join("bench-data").join(entities.to_string());
    let meta_path = dir.join("bench.json");
    let fts5_path = dir.join("fts5.db");
    let cached: Option<Built> = std::fs::read_to_string(&meta_path)
        .ok()
        .and_then(|text| serde_json::from_str::<Built>(&text).ok())
        .filter(|built| built.matches(entities) && fts5_path.exists());
    let store_url = format!("sqlite://{}", dir.join("graph.db").display());
    let index_dir = dir.join("index");

    let (built, index, docs) = match cached {
        Some(built) => {
            eprintln!("[{entities}] reusing {}", dir.display());
            let (index, _) = rt.block_on(async {
                let store = Store::connect(&store_url).await.expect("the cached store opens");
                let index = Indexer::open(&index_dir, &store).await.expect("the cached index opens").index().clone();
                (index, store)
            });
            assert_eq!(index.len() as usize, built.documents, "the cached index holds another number of documents");
            (built, index, None)
        }
        None => {
            if dir.exists() {
                std::fs::remove_dir_all(&dir).expect("the stale cache can be removed");
            }
            std::fs::create_dir_all(&dir).expect("the cache directory can be created");
            eprintln!("[{entities}] generating the dataset (seed {SEED})");
            let dataset = generate(entities, SEED);
            let (index, docs, import_s, index_s) = rt.block_on(async {
                let started = Instant::now();
                let store = Store::connect(&store_url).await.expect("the store opens");
                store.import(&dataset, "bench").await.expect("the dataset imports");
                let import_s = started.elapsed().as_secs_f64();
                eprintln!("[{entities}] imported into SQLite in {import_s:.1} s");
                let started = Instant::now();
                let index = Indexer::open(&index_dir, &store).await.expect("the index builds").index().clone();
                let index_s = started.elapsed().as_secs_f64();
                eprintln!("[{entities}] indexed {} documents in {index_s:.1} s", index.len());
                let docs = collect_all(&store).await.expect("the documents are read");
                (index, docs, import_s, index_s)
            });
            drop(dataset);
            assert_eq!(index.len() as usize, docs.len(), "our index and the peers would hold different documents");
            let started = Instant::now();
            build_fts5(&fts5_path, &docs).expect("the FTS5 table builds");
            let fts5_s = started.elapsed().as_secs_f64();
            eprintln!("[{entities}] FTS5 built in {fts5_s:.1} s");
            let built = Built {
                entities,
                seed: SEED,
                data_version: DATA_VERSION,
                schema_version: SCHEMA_VERSION,
                documents: docs.len(),
                import_s,
                index_s,
                fts5_s,
            };
            std::fs::write(&meta_path, serde_json::to_string_pretty(&built).expect("json"))
                .expect("the cache metadata is written");
            (built, index, Some(docs))
        }
    };

    let fts5 = open_fts5(&fts5_path).expect("the FTS5 database opens");
    let fts5_count: i64 = fts5.query_row("SELECT count(*) FROM docs", [], |row| row.get(0)).expect("FTS5 counts");
    assert_eq!(fts5_count as usize, built.documents, "the FTS5 table holds another number of documents");

    let schema = pg_schema(entities);
    let mut pg_load_s = None;
    let pg = settings.pg_url.as_deref().map(|url| {
        rt.block_on(async {
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .after_connect(|connection, _| {
                    Box::pin(async move {
                        sqlx::query(PG_SESSION).execute(&mut *connection).await?;
                        Ok(())
                    })
                })
                .connect(url)
                .await
                .unwrap_or_else(|error| {
                    panic!("cannot reach PostgreSQL at {url} ({error}): set AG_BENCH_PG_URL, or `off` to skip it")
                });
            if !pg_is_current(&pool, &schema, &built).await {
                let docs = match &docs {
                    Some(docs) => docs.clone(),
                    None => {
                        let store = Store::connect(&store_url).await.expect("the cached store opens");
                        collect_all(&store).await.expect("the documents are read")
                    }
                };
                let started = Instant::now();
                build_pg(&pool, &schema, &docs, &built).await.expect("the PostgreSQL table builds");
                let seconds = started.elapsed().as_secs_f64();
                eprintln!("[{entities}] PostgreSQL loaded and indexed in {seconds:.1} s");
                pg_load_s = Some(seconds);
            } else {
                eprintln!("[{entities}] reusing PostgreSQL schema {schema}");
            }
            let count: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {schema}.docs"))
                .fetch_one(&pool)
                .await
                .expect("PostgreSQL counts");
            assert_eq!(count as usize, built.documents, "PostgreSQL holds another number of documents");
            pool
        })
    });
    Data { built, index, fts5, pg, pg_schema: schema, pg_load_s }
}

fn build_fts5(path: &Path, docs: &[IndexDoc]) -> rusqlite::Result<()> {
    let _ = std::fs::remove_file(path);
    let mut conn = rusqlite::Connection::open(path)?;
    let fts5: bool = conn.query_row("SELECT sqlite_compileoption_used('ENABLE_FTS5')", [], |row| row.get(0))?;
    assert!(fts5, "this SQLite ({}) is built without FTS5", rusqlite::version());
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
         CREATE VIRTUAL TABLE docs USING fts5(key UNINDEXED, title, body, tokenize = 'porter unicode61');
         INSERT INTO docs(docs, rank) VALUES('rank', '{FTS5_RANK}');"
    ))?;
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare("INSERT INTO docs(key, title, body) VALUES (?1, ?2, ?3)")?;
        for doc in docs {
            let (key, title, body) = peer_row(doc);
            insert.execute(rusqlite::params![key, title, body])?;
        }
    }
    tx.commit()?;
    // One b-tree per term, as after a long life of merges.
    conn.execute_batch("INSERT INTO docs(docs) VALUES('optimize');")?;
    Ok(())
}

fn open_fts5(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = rusqlite::Connection::open_with_flags(path, flags)?;
    conn.execute_batch(FTS5_PRAGMAS)?;
    Ok(conn)
}

async fn pg_is_current(pool: &PgPool, schema: &str, built: &Built) -> bool {
    let row: Result<(i64, i64, i64, i64, i64), sqlx::Error> = sqlx::query_as(&format!(
        "SELECT entities, seed, data_version, schema_version, documents FROM {schema}.meta LIMIT 1"
    ))
    .fetch_one(pool)
    .await;
    matches!(row, Ok(row) if row == (
        built.entities as i64,
        SEED as i64,
        i64::from(DATA_VERSION),
        i64::from(SCHEMA_VERSION),
        built.documents as i64,
    ))
}

async fn build_pg(pool: &PgPool, schema: &str, docs: &[IndexDoc], built: &Built) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(&format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE;
         CREATE SCHEMA {schema};
         CREATE TABLE {schema}.docs (
             key text PRIMARY KEY,
             title text NOT NULL,
             body text NOT NULL,
             tsv tsvector GENERATED ALWAYS AS
                 (setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')) STORED
         );
         CREATE TABLE {schema}.meta (
             entities bigint, seed bigint, data_version bigint, schema_version bigint, documents bigint
         );"
    ))
    .execute(pool)
    .await?;
    let insert = format!(
        "INSERT INTO {schema}.docs (key, title, body) SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[])"
    );
    let (mut keys, mut titles, mut bodies, mut bytes) = (Vec::new(), Vec::new(), Vec::new(), 0usize);
    for (i, doc) in docs.iter().enumerate() {
        let (key, title, body) = peer_row(doc);
        bytes += title.len() + body.len();
        keys.push(key);
        titles.push(title.to_owned());
        bodies.push(body);
        if bytes >= 4 << 20 || keys.len() >= 5_000 || i + 1 == docs.len() {
            sqlx::query(&insert)
                .bind(std::mem::take(&mut keys))
                .bind(std::mem::take(&mut titles))
                .bind(std::mem::take(&mut bodies))
                .execute(pool)
                .await?;
            bytes = 0;
        }
    }
    sqlx::raw_sql(&format!(
        "SET maintenance_work_mem = '256MB'; CREATE INDEX docs_tsv ON {schema}.docs USING gin (tsv);"
    ))
    .execute(pool)
    .await?;
    sqlx::raw_sql(&format!("VACUUM ANALYZE {schema}.docs")).execute(pool).await?;
    sqlx::query(&format!("INSERT INTO {schema}.meta VALUES ($1, $2, $3, $4, $5)"))
        .bind(built.entities as i64)
        .bind(SEED as i64)
        .bind(i64::from(DATA_VERSION))
        .bind(i64::from(SCHEMA_VERSION))
        .bind(built.documents as i64)
        .execute(pool)
        .await?;
    Ok(())
}

/// Runs queries on every engine.
struct Engines<'a> {
    rt: &'a Runtime,
    data: &'a Data,
    queries: &'a [BenchQuery],
    fts5_sql: String,
    pg_words: String,
    pg_prefix: String,
}

impl<'a> Engines<'a> {
    fn new(rt: &'a Runtime, data: &'a Data, queries: &'a [BenchQuery]) -> Self {
        let select = |function: &str| {
            format!(
                "SELECT key FROM {schema}.docs, {function}('english', $1) AS q WHERE tsv @@ q \
                 ORDER BY ts_rank_cd(tsv, q) DESC LIMIT {LIMIT}",
                schema = data.pg_schema
            )
        };
        Self {
            rt,
            data,
            queries,
            fts5_sql: format!("SELECT key FROM docs WHERE docs MATCH ?1 ORDER BY rank LIMIT {LIMIT}"),
            pg_words: select("websearch_to_tsquery"),
            pg_prefix: select("to_tsquery"),
        }
    }

    fn engines(&self) -> Vec<Engine> {
        Engine::ALL.into_iter().filter(|engine| *engine != Engine::Pg || self.data.pg.is_some()).collect()
    }

    async fn ours(&self, query: &BenchQuery, full: bool) -> Result<Vec<String>, String> {
        let request = SearchRequest {
            text: query.text.clone(),
            limit: LIMIT,
            highlights: full,
            facets: full,
            ..Default::default()
        };
        let results = self.data.index.search(request).await.map_err(|error| error.chain())?;
        if full && !results.hits.is_empty() && results.facets.is_empty() {
            return Err("a search with facets returned no facet counts".to_owned());
        }
        Ok(results.hits.iter().map(|hit| format!("{}:{}", hit.kind.as_str(), hit.slug)).collect())
    }

    fn fts5(&self, query: &BenchQuery) -> Result<Vec<String>, String> {
        let run = || -> rusqlite::Result<Vec<String>> {
            let mut statement = self.data.fts5.prepare_cached(&self.fts5_sql)?;
            let rows = statement.query_map([&query.fts5], |row| row.get::<_, String>(0))?;
            rows.collect()
        };
        run().map_err(|error| format!("FTS5 `{}`: {error}", query.fts5))
    }

    async fn pg(&self, query: &BenchQuery) -> Result<Vec<String>, String> {
        let pool = self.data.pg.as_ref().ok_or("PostgreSQL is off")?;
        let sql = if query.form == Form::Prefix { &self.pg_prefix } else { &self.pg_words };
        sqlx::query_scalar::<_, String>(sql)
            .bind(&query.pg)
            .fetch_all(pool)
            .await
            .map_err(|error| format!("PostgreSQL `{}`: {error}", query.pg))
    }

    /// The top keys of one query on one engine.
    fn one(&self, engine: Engine, query: &BenchQuery) -> Result<Vec<String>, String> {
        match engine {
            Engine::OursPlain => self.rt.block_on(self.ours(query, false)),
            Engine::OursFull => self.rt.block_on(self.ours(query, true)),
            Engine::Fts5 => self.fts5(query),
            Engine::Pg => self.rt.block_on(self.pg(query)),
        }
    }

    /// Every query once; returns how many results there were in all.
    fn rotation(&self, engine: Engine) -> Result<usize, String> {
        match engine {
            Engine::OursPlain | Engine::OursFull => self.rt.block_on(async {
                let mut hits = 0;
                for query in self.queries {
                    hits += self.ours(query, engine == Engine::OursFull).await?.len();
                }
                Ok(hits)
            }),
            Engine::Fts5 => {
                let mut hits = 0;
                for query in self.queries {
                    hits += self.fts5(query)?.len();
                }
                Ok(hits)
            }
            Engine::Pg => self.rt.block_on(async {
                let mut hits = 0;
                for query in self.queries {
                    hits += self.pg(query).await?.len();
                }
                Ok(hits)
            }),
        }
    }
}

/// What the check pass found: results per engine and query.
struct Checked {
    results: BTreeMap<Engine, Vec<Vec<String>>>,
}

impl Checked {
    fn hits(&self, engine: Engine) -> usize {
        self.results[&engine].iter().map(Vec::len).sum()
    }
}

/// Runs every query on every engine: all must succeed, and we must find something for
/// every query outside the typo class.
fn check(engines: &Engines, entities: usize) -> Checked {
    let mut results = BTreeMap::new();
    let mut failures = Vec::new();
    for engine in engines.engines() {
        let mut per_query = Vec::new();
        for query in engines.queries {
            match engines.one(engine, query) {
                Ok(keys) => {
                    if matches!(engine, Engine::OursPlain | Engine::OursFull) && keys.is_empty() {
                        let message = format!("[{entities}] {}: no result for `{}`", engine.name(), query.text);
                        if query.class == TYPO_CLASS {
                            eprintln!("warning: {message}");
                        } else {
                            failures.push(message);
                        }
                    }
                    per_query.push(keys);
                }
                Err(error) => {
                    failures.push(format!("[{entities}] {}: `{}` failed: {error}", engine.name(), query.text));
                    per_query.push(Vec::new());
                }
            }
        }
        results.insert(engine, per_query);
    }
    assert!(failures.is_empty(), "the check failed:\n{}", failures.join("\n"));
    Checked { results }
}

/// One rotation on `engine`, failing loudly unless it returns what the check pass saw.
fn checked_rotation(engines: &Engines, engine: Engine, expected: usize) {
    match engines.rotation(engine) {
        Ok(hits) if hits == expected => {}
        Ok(hits) => panic!("{}: a rotation returned {hits} results, the check pass {expected}", engine.name()),
        Err(error) => panic!("{}: {error}", engine.name()),
    }
}

/// Per class, the mean share of the peer's top 10 that is also in ours (over queries
/// where the peer found something), and the mean number of results of each engine.
fn agreement(engines: &Engines, checked: &Checked, classes: &[String]) -> (Value, Value) {
    let ours = &checked.results[&Engine::OursPlain];
    let mut overlap = serde_json::Map::new();
    let mut hits = serde_json::Map::new();
    for engine in engines.engines() {
        let results = &checked.results[&engine];
        let mut per_class_overlap = serde_json::Map::new();
        let mut per_class_hits = serde_json::Map::new();
        for class in classes {
            let indices: Vec<usize> =
                (0..engines.queries.len()).filter(|&i| engines.queries[i].class == *class).collect();
            let mean_hits = indices.iter().map(|&i| results[i].len() as f64).sum::<f64>() / indices.len() as f64;
            per_class_hits.insert(class.clone(), json!(round(mean_hits, 2)));
            let shares: Vec<f64> = indices
                .iter()
                .filter(|&&i| !results[i].is_empty())
                .map(|&i| {
                    let mine: HashSet<&String> = ours[i].iter().collect();
                    let common = results[i].iter().filter(|key| mine.contains(key)).count();
                    common as f64 / results[i].len().min(LIMIT) as f64
                })
                .collect();
            let mean = (!shares.is_empty()).then(|| round(shares.iter().sum::<f64>() / shares.len() as f64, 3));
            per_class_overlap.insert(class.clone(), json!(mean));
        }
        if matches!(engine, Engine::Fts5 | Engine::Pg) {
            overlap.insert(engine.name().to_owned(), Value::Object(per_class_overlap));
        }
        hits.insert(engine.name().to_owned(), Value::Object(per_class_hits));
    }
    (Value::Object(overlap), Value::Object(hits))
}

/// Each query timed alone, engines interleaved, `reps` times; per class the sum over its
/// queries of each query's median, in µs.
fn per_class(engines: &Engines, classes: &[String], reps: usize) -> Value {
    let list = engines.engines();
    let mut times: BTreeMap<Engine, Vec<Vec<f64>>> =
        list.iter().map(|engine| (*engine, vec![Vec::new(); engines.queries.len()])).collect();
    for _ in 0..reps {
        for engine in &list {
            for (i, query) in engines.queries.iter().enumerate() {
                let started = Instant::now();
                let result = engines.one(*engine, query);
                let elapsed = started.elapsed();
                result.unwrap_or_else(|error| panic!("{}: {error}", engine.name()));
                times.get_mut(engine).expect("an engine")[i].push(elapsed.as_secs_f64() * 1e6);
            }
        }
    }
    let mut out = serde_json::Map::new();
    for (engine, per_query) in &times {
        let mut per_class = serde_json::Map::new();
        for class in classes {
            let total: f64 = engines
                .queries
                .iter()
                .zip(per_query)
                .filter(|(query, _)| query.class == *class)
                .map(|(_, samples)| median(samples.clone()))
                .sum();
            per_class.insert(class.clone(), json!(round(total, 1)));
        }
        out.insert(engine.name().to_owned(), Value::Object(per_class));
    }
    Value::Object(out)
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if !values.len().is_multiple_of(2) {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

fn round(value: f64, digits: i32) -> f64 {
    let factor = 10f64.powi(digits);
    (value * factor).round() / factor
}

/// Measures one rotation of `engine` with criterion; returns µs per rotation, the median
/// of the measurement samples (criterion's calls after its warm-up), or nothing when a
/// criterion filter left the engine out.
fn measure(
    criterion: &mut Criterion,
    settings: &Settings,
    engines: &Engines,
    checked: &Checked,
    engine: Engine,
    round: usize,
) -> Option<f64> {
    let calls: Arc<Mutex<Vec<(u64, Duration)>>> = Arc::default();
    let expected = checked.hits(engine);
    {
        let mut group = criterion.benchmark_group(format!("search-{}", engines.data.built.entities));
        group.sampling_mode(SamplingMode::Flat);
        let calls = calls.clone();
        group.bench_function(format!("{}/round-{round}", engine.name()), move |bencher| {
            bencher.iter_custom(|iters| {
                let started = Instant::now();
                for _ in 0..iters {
                    checked_rotation(engines, engine, expected);
                }
                let elapsed = started.elapsed();
                calls.lock().expect("calls").push((iters, elapsed));
                elapsed
            })
        });
        group.finish();
    }
    let calls = calls.lock().expect("calls");
    if calls.is_empty() {
        return None;
    }
    let samples = &calls[calls.len().saturating_sub(settings.sample_size)..];
    Some(median(samples.iter().map(|(iters, elapsed)| elapsed.as_secs_f64() * 1e6 / (*iters).max(1) as f64).collect()))
}

fn run_size(rt: &Runtime, settings: &Settings, criterion: &mut Criterion, entities: usize) -> Option<Value> {
    let queries = load_queries();
    let classes = classes(&queries);
    let data = prepare(rt, settings, entities);
    let engines = Engines::new(rt, &data, &queries);
    let checked = check(&engines, entities);
    let (overlap, hits) = agreement(&engines, &checked, &classes);
    eprintln!("[{entities}] check passed: {} queries on {} engines", queries.len(), engines.engines().len());
    if !settings.benchmarking {
        println!("[{entities}] checked (run with `cargo bench` to measure)\noverlap {overlap}\nresults {hits}");
        return None;
    }

    let list = engines.engines();
    let mut rounds: Vec<BTreeMap<Engine, f64>> = Vec::new();
    for round in 1..=settings.rounds {
        let mut times = BTreeMap::new();
        for engine in &list {
            if let Some(us) = measure(criterion, settings, &engines, &checked, *engine, round) {
                times.insert(*engine, us);
            }
        }
        rounds.push(times);
    }
    let measured: Vec<Engine> = list.iter().copied().filter(|engine| rounds[0].contains_key(engine)).collect();
    if measured.len() < list.len() {
        println!(
            "[{entities}] a criterion filter left out some engines: measured {}; target/bench/search.json is left as it was",
            measured.iter().map(|engine| engine.name()).collect::<Vec<_>>().join(", ")
        );
        for engine in &measured {
            let us = median(rounds.iter().filter_map(|r| r.get(engine).copied()).collect());
            println!("{:<12} {us:>12.1} µs per rotation", engine.name());
        }
        return None;
    }
    // Enough repetitions to time each query alone for about a second per engine.
    let slowest = rounds[0].values().copied().fold(0.0, f64::max);
    let reps = ((1e6 / slowest.max(1.0)).ceil() as usize).clamp(3, 25);
    let per_class_us = per_class(&engines, &classes, reps);

    let key = |engine: Engine| format!("{}_us", engine.name());
    let median_of = |engine: Engine| median(rounds.iter().filter_map(|r| r.get(&engine).copied()).collect());
    let ratio_of = |peer: Engine, ours: Engine| {
        let per_round: Vec<f64> = rounds.iter().filter_map(|r| Some(r.get(&peer)? / r.get(&ours)?)).collect::<Vec<_>>();
        (!per_round.is_empty()).then(|| round(median(per_round), 2))
    };
    let rounds_json: Vec<Value> = rounds
        .iter()
        .map(|r| Value::Object(r.iter().map(|(engine, us)| (key(*engine), json!(round(*us, 1)))).collect()))
        .collect();
    let medians: BTreeMap<String, f64> =
        list.iter().map(|engine| (key(*engine), round(median_of(*engine), 1))).collect();
    let ratios = json!({
        "fts5_over_ours_plain": ratio_of(Engine::Fts5, Engine::OursPlain),
        "pg_over_ours_plain": ratio_of(Engine::Pg, Engine::OursPlain),
        "fts5_over_ours_full": ratio_of(Engine::Fts5, Engine::OursFull),
        "pg_over_ours_full": ratio_of(Engine::Pg, Engine::OursFull),
    });
    let class_counts: BTreeMap<&str, usize> =
        classes.iter().map(|c| (c.as_str(), queries.iter().filter(|q| q.class == *c).count())).collect();
    let entry = json!({
        "entities": entities,
        "documents": data.built.documents,
        "seed": SEED,
        "queries": queries.len(),
        "classes": class_counts,
        "rounds": rounds_json,
        "median": medians,
        "ratios": ratios,
        "overlap": overlap,
        "results_per_query": hits,
        "per_class_us": per_class_us,
        "per_class_reps": reps,
        "criterion": {
            "warm_up_s": settings.warm_up.as_secs_f64(),
            "measurement_s": settings.measurement.as_secs_f64(),
            "sample_size": settings.sample_size,
            "sampling": "flat; µs per rotation = median over the samples",
        },
        "build_s": {
            "import": round(data.built.import_s, 1),
            "index": round(data.built.index_s, 1),
            "fts5": round(data.built.fts5_s, 1),
            "pg_this_run": data.pg_load_s.map(|s| round(s, 1)),
        },
        "peers": {
            "fts5": format!("SQLite {} FTS5, tokenize 'porter unicode61', ORDER BY rank = {FTS5_RANK}; {FTS5_PRAGMAS}",
                rusqlite::version()),
            "pg": data.pg.as_ref().map(|_| format!(
                "schema {}: tsvector (title A, body B, english), GIN, ts_rank_cd desc; websearch_to_tsquery, \
                 to_tsquery for prefixes; one connection, {PG_SESSION}", data.pg_schema)),
        },
        "measured_at_unix": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
    });
    print_table(&entry, &list, &classes);
    Some(entry)
}

fn print_table(entry: &Value, engines: &[Engine], classes: &[String]) {
    let number = |value: &Value| value.as_f64().map_or_else(|| "-".to_owned(), |v| format!("{v:.1}"));
    let queries = entry["queries"].as_f64().unwrap_or(1.0);
    println!();
    println!(
        "search, {} entities ({} documents): µs per rotation of {} queries, median of {} rounds",
        entry["entities"],
        entry["documents"],
        entry["queries"],
        entry["rounds"].as_array().map_or(0, Vec::len)
    );
    println!("{:<12} {:>12} {:>12} {:>14} {:>14}", "engine", "µs/rotation", "µs/query", "/ ours plain", "/ ours full");
    for engine in engines {
        let us = entry["median"][format!("{}_us", engine.name())].as_f64().unwrap_or(f64::NAN);
        let (plain, full) = match engine {
            Engine::Fts5 => (&entry["ratios"]["fts5_over_ours_plain"], &entry["ratios"]["fts5_over_ours_full"]),
            Engine::Pg => (&entry["ratios"]["pg_over_ours_plain"], &entry["ratios"]["pg_over_ours_full"]),
            _ => (&Value::Null, &Value::Null),
        };
        let ratio = |value: &Value| value.as_f64().map_or_else(|| "".to_owned(), |v| format!("{v:.2}x"));
        println!("{:<12} {:>12.1} {:>12.1} {:>14} {:>14}", engine.name(), us, us / queries, ratio(plain), ratio(full));
    }
    print!("{:<22}", "per class µs");
    for class in classes {
        print!(" {class:>10}");
    }
    println!();
    for engine in engines {
        print!("{:<22}", engine.name());
        for class in classes {
            print!(" {:>10}", number(&entry["per_class_us"][engine.name()][class]));
        }
        println!();
    }
    for (peer, label) in [("fts5", "overlap fts5 / ours"), ("pg", "overlap pg / ours")] {
        if entry["overlap"].get(peer).is_none() {
            continue;
        }
        print!("{label:<22}");
        for class in classes {
            let value = &entry["overlap"][peer][class];
            print!(" {:>10}", value.as_f64().map_or_else(|| "-".to_owned(), |v| format!("{v:.2}")));
        }
        println!();
    }
    println!();
}

/// Writes the sizes measured now into `target/bench/search.json`, keeping other sizes.
fn write_summary(entries: Vec<Value>, settings: &Settings) {
    let path = target_dir().join("bench").join("search.json");
    let mut sizes: Vec<Value> = std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|old| old.get("sizes").and_then(Value::as_array).cloned())
        .unwrap_or_default();
    for entry in entries {
        sizes.retain(|old| old.get("entities") != entry.get("entities"));
        sizes.push(entry);
    }
    sizes.sort_by_key(|size| size.get("entities").and_then(Value::as_u64).unwrap_or(0));
    let sizes_list: Vec<String> = settings.sizes.iter().map(ToString::to_string).collect();
    let summary = json!({
        "command": format!("AG_BENCH_SIZES={} cargo bench --bench search", sizes_list.join(",")),
        "rounds": settings.rounds,
        "sizes": sizes,
    });
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("target/bench can be created");
    std::fs::write(&path, serde_json::to_string_pretty(&summary).expect("json") + "\n")
        .expect("search.json is written");
    println!("wrote {}", path.display());
}

fn main() {
    let settings = Settings::from_env();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    let mut criterion = Criterion::default()
        .warm_up_time(settings.warm_up)
        .measurement_time(settings.measurement)
        .sample_size(settings.sample_size)
        .without_plots()
        .configure_from_args();
    let mut entries = Vec::new();
    for &entities in &settings.sizes {
        if let Some(entry) = run_size(&rt, &settings, &mut criterion, entities) {
            entries.push(entry);
        }
    }
    if settings.benchmarking && !entries.is_empty() {
        write_summary(entries, &settings);
    }
}
