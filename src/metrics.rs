//! What an operator sees at `/metrics` (Prometheus text format): requests by operation
//! and outcome, GraphQL and search latency, refusals by reason, the index's size,
//! generation and commit latency, response cache lookups, persisted queries, how queries ran
//! (fast path or engine), answers sent as `304 Not Modified`, and store queries. One
//! process-wide registry; handlers record into it.

use std::sync::OnceLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// Operation names beyond this many distinct ones are counted as `other`, so a client
/// cannot grow the metrics without bound.
const MAX_OPERATION_NAMES: usize = 200;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub operation: String,
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabels {
    pub result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabels {
    pub reason: &'static str,
}

/// Every metric the server exports.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    graphql_seconds: Histogram,
    search_seconds: Histogram,
    rejections: Family<ReasonLabels, Counter>,
    index_documents: Gauge,
    index_generation: Gauge,
    index_commit_seconds: Histogram,
    response_cache: Family<ResultLabels, Counter>,
    persisted_queries: Family<ResultLabels, Counter>,
    fast_path: Family<ResultLabels, Counter>,
    not_modified: Counter,
    store_queries: Counter,
    operation_names: std::sync::Mutex<std::collections::HashSet<String>>,
}

fn latency() -> Histogram {
    // 0.1 ms to about 6.5 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 17))
}

/// Returns the process's metrics.
pub fn get() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| {
        let mut registry = Registry::with_prefix("achievement_graph");
        let metrics = Metrics {
            requests: Family::default(),
            graphql_seconds: latency(),
            search_seconds: latency(),
            rejections: Family::default(),
            index_documents: Gauge::default(),
            index_generation: Gauge::default(),
            index_commit_seconds: latency(),
            response_cache: Family::default(),
            persisted_queries: Family::default(),
            fast_path: Family::default(),
            not_modified: Counter::default(),
            store_queries: Counter::default(),
            operation_names: Default::default(),
            registry: Registry::default(),
        };
        registry.register(
            "graphql_requests",
            "GraphQL requests by operation name and outcome",
            metrics.requests.clone(),
        );
        registry.register(
            "graphql_duration_seconds",
            "Time to answer a GraphQL request",
            metrics.graphql_seconds.clone(),
        );
        registry.register(
            "search_duration_seconds",
            "Time to run one search in the index",
            metrics.search_seconds.clone(),
        );
        registry.register("rejections", "Requests refused before running, by reason", metrics.rejections.clone());
        registry.register("index_documents", "Entities in the search index", metrics.index_documents.clone());
        registry.register(
            "index_generation",
            "Last data generation the index applied",
            metrics.index_generation.clone(),
        );
        registry.register(
            "index_commit_duration_seconds",
            "Time to commit a batch to the index",
            metrics.index_commit_seconds.clone(),
        );
        registry.register(
            "response_cache_lookups",
            "Response cache lookups: hit, miss, or stale (cached at an older data generation)",
            metrics.response_cache.clone(),
        );
        registry.register(
            "persisted_queries",
            "Requests naming a persisted document: hit, miss (unknown hash), or registered (kept after validating)",
            metrics.persisted_queries.clone(),
        );
        registry.register(
            "fast_path",
            "Queries by how they ran: planned (a compiled plan wrote the answer), fallback (a plan gave way to \
             the engine, as it does for any error) or engine (no plan covers the query yet, or ever)",
            metrics.fast_path.clone(),
        );
        registry.register(
            "http_not_modified",
            "GET answers sent as 304 Not Modified (the client's ETag was current)",
            metrics.not_modified.clone(),
        );
        registry.register(
            "store_queries",
            "Read queries sent to the store (requests and the indexer)",
            metrics.store_queries.clone(),
        );
        Metrics { registry, ..metrics }
    })
}

impl Metrics {
    /// Counts a GraphQL request that ran: `outcome` is `ok` or `error`.
    pub fn request(&self, operation: Option<&str>, outcome: &'static str, took: Duration) {
        let operation = self.operation_label(operation);
        self.requests.get_or_create(&RequestLabels { operation, outcome }).inc();
        self.graphql_seconds.observe(took.as_secs_f64());
    }

    /// Counts a request refused before running, by its error code.
    pub fn rejected(&self, reason: &'static str) {
        self.rejections.get_or_create(&ReasonLabels { reason }).inc();
    }

    pub fn search(&self, took: Duration) {
        self.search_seconds.observe(took.as_secs_f64());
    }

    pub fn index_commit(&self, took: Duration, documents: u64, generation: i64) {
        self.index_commit_seconds.observe(took.as_secs_f64());
        self.index_documents.set(documents as i64);
        self.index_generation.set(generation);
    }

    /// Counts a response cache lookup: `hit`, `miss` or `stale`.
    pub fn response_cache(&self, result: &'static str) {
        self.response_cache.get_or_create(&ResultLabels { result }).inc();
    }

    /// Counts a request that named a persisted document: `hit`, `miss` or `registered`.
    pub fn persisted_query(&self, result: &'static str) {
        self.persisted_queries.get_or_create(&ResultLabels { result }).inc();
    }

    /// Counts a query by how it ran: `planned`, `fallback` or `engine`.
    pub fn fast_path(&self, result: &'static str) {
        self.fast_path.get_or_create(&ResultLabels { result }).inc();
    }

    /// Counts a GET answered with `304 Not Modified`.
    pub fn not_modified(&self) {
        self.not_modified.inc();
    }

    /// Counts a read query sent to the store.
    pub fn store_query(&self) {
        self.store_queries.inc();
    }

    /// Returns the metrics in the Prometheus text format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    fn operation_label(&self, operation: Option<&str>) -> String {
        let Some(name) = operation
            .filter(|n| !n.is_empty() && n.len() <= 64 && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        else {
            return if operation.is_none() { "anonymous".to_owned() } else { "other".to_owned() };
        };
        let mut names = self.operation_names.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if names.contains(name) || names.len() < MAX_OPERATION_NAMES {
            names.insert(name.to_owned());
            name.to_owned()
        } else {
            "other".to_owned()
        }
    }
}
