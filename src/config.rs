//! Command-line and environment configuration: one typed struct per command, every
//! serve flag also an `AG_*` environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::graphql::limits::Limits;

/// A fact graph with full-text search behind GraphQL.
#[derive(Debug, Parser)]
#[command(name = "achievement-graph", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Log lines as text or as JSON objects (one per line), on stderr.
    #[arg(long, env = "AG_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// Flags of `serve`, the default command.
    #[command(flatten)]
    pub serve: Config,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serves the graph over HTTP (the default).
    Serve(Config),
    /// Validates a dataset file and reports each problem with its JSON path.
    Check {
        /// The dataset file (JSON).
        file: PathBuf,
    },
    /// Replaces the store's graph with a dataset file, in one transaction; running
    /// servers index the change from the outbox, others when they next start.
    Import {
        /// The dataset file (JSON).
        file: PathBuf,
        #[command(flatten)]
        storage: Storage,
    },
    /// Writes a synthetic dataset of about N entities (valid for `check` and `import`).
    Generate {
        /// How many entities.
        #[arg(long, default_value_t = 10_000)]
        entities: usize,
        /// The same seed gives the same dataset.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Where to write it (standard output when absent).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Prints the stored graph as a dataset file (JSON) on standard output.
    Export {
        #[command(flatten)]
        storage: Storage,
    },
    /// Prints the GraphQL schema (SDL), as checked in to `schema.graphql`.
    Schema,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Whether queries run on compiled plans (`graphql::plan`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FastPath {
    /// Plans answer the queries they cover; the engine answers the rest.
    #[value(name = "true")]
    On,
    /// The engine answers every request.
    #[value(name = "false")]
    Off,
    /// Both run, and an answer on which they differ is refused (for tests).
    Verify,
}

impl From<FastPath> for crate::graphql::plan::Mode {
    fn from(value: FastPath) -> Self {
        match value {
            FastPath::On => Self::On,
            FastPath::Off => Self::Off,
            FastPath::Verify => Self::Verify,
        }
    }
}

/// Where the state lives.
#[derive(Debug, Clone, Args)]
pub struct Storage {
    /// The database (the source of truth).
    #[arg(long, env = "AG_DATABASE_URL", default_value = "sqlite://achievement-graph.db")]
    pub database_url: String,
    /// The Tantivy index directory, derived from the database.
    #[arg(long, env = "AG_INDEX_DIR", default_value = "index")]
    pub index_dir: PathBuf,
}

/// The server's configuration.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "AG_LISTEN", default_value = "127.0.0.1:8000")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub storage: Storage,
    /// Tokens that may write, as comma-separated `name=secret` pairs.
    #[arg(long, env = "AG_TOKENS", hide_env_values = true)]
    pub tokens: Option<String>,
    /// A file of `name:sha256-hex` lines, one token each (`#` starts a comment).
    #[arg(long, env = "AG_TOKENS_FILE")]
    pub tokens_file: Option<PathBuf>,
    /// How often the indexer checks the outbox for writes it was not told about
    /// (another replica's, when a PostgreSQL notification is lost), in milliseconds.
    #[arg(long, env = "AG_POLL_INTERVAL_MS", default_value_t = 500, value_parser = clap::value_parser!(u64).range(10..))]
    pub poll_interval_ms: u64,
    /// How long a write stays searchable from memory only before the index commits it to
    /// disk, in milliseconds: commits batch the writes of this interval (or 512 entities,
    /// whichever comes first). 0 commits every write. A crash loses nothing: the index
    /// replays the store's outbox from its last commit at the next start.
    #[arg(long, env = "AG_INDEX_FLUSH_MS", default_value_t = 500, value_parser = clap::value_parser!(u64).range(..=60_000))]
    pub index_flush_ms: u64,
    /// How often the indexer checks that the index on disk is still the one it committed
    /// (directory, meta.json, every segment file), in milliseconds; a damaged or removed
    /// index is rebuilt from the store without a restart. 0 turns the check off.
    #[arg(long, env = "AG_INDEX_CHECK_MS", default_value_t = 2000)]
    pub index_check_ms: u64,
    /// How often the check also reads every index file and verifies its checksum, in
    /// milliseconds (a few milliseconds per 10 MB of index). 0 turns it off.
    #[arg(long, env = "AG_INDEX_VERIFY_MS", default_value_t = 300_000)]
    pub index_verify_ms: u64,
    /// How long a WebSocket client has to send `connection_init`, in milliseconds.
    #[arg(long, env = "AG_WS_INIT_TIMEOUT_MS", default_value_t = 5000)]
    pub ws_init_timeout_ms: u64,
    /// How many operations (subscriptions) one WebSocket connection may run at once.
    #[arg(long, env = "AG_WS_MAX_SUBSCRIPTIONS", default_value_t = 20)]
    pub ws_max_subscriptions: usize,
    /// Memory for finished query answers, in MiB; 0 turns the response cache off.
    /// Answers are reused only within one data generation: every write invalidates them.
    #[arg(long, env = "AG_RESPONSE_CACHE_MB", default_value_t = 64)]
    pub response_cache_mb: u64,
    /// Compiled query plans: `true` (plans answer the queries they cover, the engine the
    /// rest), `false` (the engine answers everything) or `verify` (both run and must agree).
    #[arg(long, env = "AG_FAST_PATH", value_enum, default_value_t = FastPath::On)]
    pub fast_path: FastPath,
    /// A synonyms file in the Solr format: `VW, Volkswagen` for equivalents, `FAW => FAW
    /// Group, First Automobile Works` one way. Applied at query time: a change needs a
    /// restart, never a reindex.
    #[arg(long, env = "AG_SYNONYMS")]
    pub synonyms: Option<PathBuf>,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub clients: ClientArgs,
}

/// What browsers and GraphQL clients get: the playground, persisted documents, HTTP caching.
#[derive(Debug, Clone, Args)]
pub struct ClientArgs {
    /// Whether `GET /graphql` without a query serves the GraphiQL playground.
    #[arg(long, env = "AG_PLAYGROUND", default_value_t = true, action = clap::ArgAction::Set)]
    pub playground: bool,
    /// Whether `GET /` serves the explorer (search and entity pages).
    #[arg(long, env = "AG_EXPLORER", default_value_t = true, action = clap::ArgAction::Set)]
    pub explorer: bool,
    /// Seconds an anonymous GET answer may be reused without revalidating (`public,
    /// max-age=N`); 0 (the default) makes clients revalidate every time (`no-cache`).
    #[arg(long, env = "AG_CACHE_MAX_AGE", default_value_t = 0)]
    pub cache_max_age: u64,
    /// Memory for automatic persisted queries (Apollo's protocol), in MiB; 0 turns them off.
    #[arg(long, env = "AG_PERSISTED_QUERIES_MB", default_value_t = 8)]
    pub persisted_queries_mb: u64,
    /// A manifest of trusted documents (id -> document): relay-compiler's persisted
    /// output, graphql-codegen's `persisted-documents.json`, or an Apollo manifest.
    #[arg(long, env = "AG_TRUSTED_DOCUMENTS")]
    pub trusted_documents: Option<PathBuf>,
    /// Run only the trusted documents: any other document is refused (`TRUSTED_DOCUMENT_REQUIRED`).
    #[arg(long, env = "AG_ONLY_TRUSTED_DOCUMENTS", default_value_t = false, action = clap::ArgAction::Set,
          requires = "trusted_documents")]
    pub only_trusted_documents: bool,
}

impl Default for ClientArgs {
    fn default() -> Self {
        Self {
            playground: true,
            explorer: true,
            cache_max_age: 0,
            persisted_queries_mb: 8,
            trusted_documents: None,
            only_trusted_documents: false,
        }
    }
}

/// Request limits (see `graphql::limits` for what each measures).
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Largest request body, in bytes (413 above it).
    #[arg(long, env = "AG_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Largest query text, in bytes.
    #[arg(long, env = "AG_MAX_QUERY_BYTES", default_value_t = Limits::default().max_query_bytes)]
    pub max_query_bytes: usize,
    /// Most lexical tokens in a query.
    #[arg(long, env = "AG_MAX_TOKENS", default_value_t = Limits::default().max_tokens)]
    pub max_tokens: usize,
    /// Deepest nesting of fields, fragments expanded.
    #[arg(long, env = "AG_MAX_DEPTH", default_value_t = Limits::default().max_depth)]
    pub max_depth: u64,
    /// Most aliases, fragments expanded.
    #[arg(long, env = "AG_MAX_ALIASES", default_value_t = Limits::default().max_aliases)]
    pub max_aliases: u64,
    /// Most fields at the root of an operation.
    #[arg(long, env = "AG_MAX_ROOT_FIELDS", default_value_t = Limits::default().max_root_fields)]
    pub max_root_fields: u64,
    /// Most directives on one field.
    #[arg(long, env = "AG_MAX_DIRECTIVES", default_value_t = Limits::default().max_directives)]
    pub max_directives: usize,
    /// Most selected fields once fragments are expanded.
    #[arg(long, env = "AG_MAX_SELECTIONS", default_value_t = Limits::default().max_selections)]
    pub max_selections: u64,
    /// Highest complexity: each field 1, a list field its page size times its children.
    #[arg(long, env = "AG_MAX_COMPLEXITY", default_value_t = Limits::default().max_complexity)]
    pub max_complexity: u64,
    /// Refuse POST bodies that are not `application/json` (a cross-site form could send them).
    #[arg(long, env = "AG_CSRF_PROTECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub csrf_protection: bool,
    /// Requests one POST may batch as a JSON array; 0 (the default) refuses batches.
    #[arg(long, env = "AG_MAX_BATCH", default_value_t = 0)]
    pub max_batch: usize,
    /// Requests handled at once; more get a quick 503 (`OVERLOADED`) instead of waiting.
    #[arg(long, env = "AG_MAX_CONCURRENT_REQUESTS", default_value_t = 256)]
    pub max_concurrent_requests: usize,
    /// How long a request may take before it is answered with 503 (`TIMEOUT`), in milliseconds.
    #[arg(long, env = "AG_REQUEST_TIMEOUT_MS", default_value_t = 10_000)]
    pub request_timeout_ms: u64,
    /// How long a client may take to send a request's head (line and headers), in milliseconds.
    #[arg(long, env = "AG_HEADER_READ_TIMEOUT_MS", default_value_t = 10_000)]
    pub header_read_timeout_ms: u64,
    /// Origins allowed to call from a browser, comma-separated (`https://example.org`); none by default.
    #[arg(long, env = "AG_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Whether the schema can be introspected (`__schema`, `__type`).
    #[arg(long, env = "AG_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub introspection: bool,
    /// Whether errors suggest field names ("did you mean ...?").
    #[arg(long, env = "AG_SUGGESTIONS", default_value_t = true, action = clap::ArgAction::Set)]
    pub suggestions: bool,
}

impl Default for LimitArgs {
    fn default() -> Self {
        let limits = Limits::default();
        Self {
            max_body_bytes: 1024 * 1024,
            max_query_bytes: limits.max_query_bytes,
            max_tokens: limits.max_tokens,
            max_depth: limits.max_depth,
            max_aliases: limits.max_aliases,
            max_root_fields: limits.max_root_fields,
            max_directives: limits.max_directives,
            max_selections: limits.max_selections,
            max_complexity: limits.max_complexity,
            csrf_protection: true,
            max_batch: 0,
            max_concurrent_requests: 256,
            request_timeout_ms: 10_000,
            header_read_timeout_ms: 10_000,
            cors_origins: Vec::new(),
            introspection: true,
            suggestions: true,
        }
    }
}

impl LimitArgs {
    /// Returns the GraphQL document limits.
    pub fn limits(&self) -> Limits {
        Limits {
            max_query_bytes: self.max_query_bytes,
            max_tokens: self.max_tokens,
            max_depth: self.max_depth,
            max_aliases: self.max_aliases,
            max_root_fields: self.max_root_fields,
            max_directives: self.max_directives,
            max_selections: self.max_selections,
            max_complexity: self.max_complexity,
        }
    }
}

impl Config {
    /// Returns a configuration for the given storage, listening on a free loopback port.
    pub fn ephemeral(database_url: String, index_dir: PathBuf) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            storage: Storage { database_url, index_dir },
            tokens: None,
            tokens_file: None,
            poll_interval_ms: 500,
            index_flush_ms: 500,
            index_check_ms: 2000,
            index_verify_ms: 300_000,
            ws_init_timeout_ms: 5000,
            ws_max_subscriptions: 20,
            response_cache_mb: 64,
            fast_path: FastPath::On,
            synonyms: None,
            limits: LimitArgs::default(),
            clients: ClientArgs::default(),
        }
    }

    /// Reads the configured tokens (pairs and file together); bad configuration is an error.
    pub fn tokens(&self) -> Result<crate::auth::Tokens, crate::error::Error> {
        let pairs = match &self.tokens {
            Some(text) => crate::auth::Tokens::parse_pairs(text)?,
            None => crate::auth::Tokens::default(),
        };
        match &self.tokens_file {
            Some(path) => pairs.merge(crate::auth::Tokens::read_file(path)?),
            None => Ok(pairs),
        }
    }
}
