//! Wires the store, the index, the schema and the router, and runs the server.
//! The one place that knows every module.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::config::Config;
use crate::error::Error;
use crate::graphql;
use crate::graphql::shape::SchemaShape;
use crate::http::persisted::read_manifest;
use crate::http::{
    router, serve, AppState, CachePolicy, Limits, ParsedDocuments, PersistedDocuments, ResponseCache, Shared,
    TrafficLimits, WsLimits,
};
use crate::indexing::{Follower, Indexer, Timing};
use crate::model::dataset::Dataset;
use crate::search::Synonyms;
use crate::store::{redact, Store};

/// A built server, bound to its port but not yet serving.
pub struct App {
    listener: TcpListener,
    /// How often the indexer polls the outbox, commits to disk and checks the index.
    timing: Timing,
    state: AppState,
}

impl App {
    /// Connects the store (importing the bundled dataset into an empty one), opens or
    /// builds the index, and binds the listener.
    pub async fn build(config: &Config) -> Result<Self, Error> {
        tracing::info!(
            listen = %config.listen,
            database_url = %redact(&config.storage.database_url),
            index_dir = %config.storage.index_dir.display(),
            "starting"
        );
        // Checked before anything is opened, so a typo in a token stops the start at once.
        let tokens = config.tokens()?;
        tracing::info!(tokens = ?tokens, "tokens that may write");
        let clients = &config.clients;
        let manifest = clients.trusted_documents.as_deref().map(read_manifest).transpose()?.unwrap_or_default();
        if clients.only_trusted_documents && manifest.is_empty() {
            return Err(Error::InvalidInput("--only-trusted-documents needs a manifest with documents".to_owned()));
        }
        let persisted = PersistedDocuments::new(
            clients.persisted_queries_mb.saturating_mul(1 << 20),
            manifest,
            clients.only_trusted_documents,
        );
        if let Some(path) = &clients.trusted_documents {
            tracing::info!(
                manifest = %path.display(),
                documents = persisted.trusted_len(),
                only_trusted = clients.only_trusted_documents,
                "trusted documents"
            );
        }
        // The explorer sends its own documents, which only-trusted mode refuses: it is off there.
        let explorer = clients.explorer && !clients.only_trusted_documents;
        if clients.explorer && clients.only_trusted_documents {
            tracing::warn!("the explorer is off: --only-trusted-documents refuses the documents it sends");
        }
        let synonyms = match &config.synonyms {
            Some(path) => {
                let synonyms = Synonyms::read_file(path)?;
                tracing::info!(file = %path.display(), entries = synonyms.len(), "synonyms");
                synonyms
            }
            None => Synonyms::default(),
        };
        let (store, indexer) = open_storage(&config.storage.database_url, &config.storage.index_dir).await?;
        indexer.index().set_synonyms(synonyms);
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|error| Error::InvalidInput(format!("cannot listen on {}: {error}", config.listen)))?;
        let options = graphql::Options {
            introspection: config.limits.introspection,
            suggestions: config.limits.suggestions,
            describe: false,
        };
        let schema = graphql::build(store.clone(), indexer.clone(), options);
        let introspection_schema = graphql::IntrospectionSchema::new(store.clone(), indexer.clone(), options);
        let sdl = schema.sdl();
        let limits = Limits {
            document: config.limits.limits(),
            shape: Arc::new(SchemaShape::from_sdl(&sdl)?),
            max_body_bytes: config.limits.max_body_bytes,
            csrf_protection: config.limits.csrf_protection,
            max_batch: config.limits.max_batch,
            traffic: TrafficLimits {
                max_concurrent: config.limits.max_concurrent_requests,
                timeout: Duration::from_millis(config.limits.request_timeout_ms),
                cors_origins: config.limits.cors_origins.clone(),
                header_read_timeout: Duration::from_millis(config.limits.header_read_timeout_ms),
            },
        };
        let fast_path = Arc::new(graphql::plan::FastPath::new(config.fast_path.into(), limits.shape.clone()));
        let ws_limits = WsLimits {
            init_timeout: Duration::from_millis(config.ws_init_timeout_ms),
            max_operations: config.ws_max_subscriptions,
        };
        let every = |ms: u64| (ms > 0).then(|| Duration::from_millis(ms));
        let timing = Timing {
            poll: Duration::from_millis(config.poll_interval_ms),
            flush_after: Duration::from_millis(config.index_flush_ms),
            check_every: every(config.index_check_ms),
            verify_every: every(config.index_verify_ms),
        };
        Ok(Self {
            listener,
            timing,
            state: AppState::new(Shared {
                schema,
                introspection_schema,
                store,
                indexer,
                tokens: Arc::new(tokens),
                ws_limits,
                limits,
                cache: ResponseCache::new(config.response_cache_mb.saturating_mul(1 << 20)),
                documents: ParsedDocuments::new(),
                persisted,
                fast_path,
                caching: CachePolicy::new(clients.cache_max_age, &sdl),
                playground: clients.playground,
                explorer,
            }),
        })
    }

    /// Returns the address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Returns the compiled plans, e.g. for tests that count what they answered.
    pub fn fast_path(&self) -> Arc<graphql::plan::FastPath> {
        self.state.fast_path.clone()
    }

    /// Returns the indexer, e.g. for tests that search its index directly.
    pub fn indexer(&self) -> Arc<Indexer> {
        self.state.indexer.clone()
    }

    /// Returns the store, e.g. for tests that count queries.
    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// Returns the router and the running indexer without serving the listener, to drive
    /// the server in process (`tower::ServiceExt::oneshot`), as the fuzz targets do. Call
    /// it inside the runtime that will poll the router; stop the follower when done.
    pub fn into_service(self) -> (axum::Router, Follower) {
        let follower = self.state.indexer.follow(self.state.store.with_own_counter(), self.timing);
        (router(self.state), follower)
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), Error> {
        let addr = self.local_addr();
        let follower = self.state.indexer.follow(self.state.store.with_own_counter(), self.timing);
        tracing::info!(%addr, "listening");
        let header_read_timeout = self.state.limits.traffic.header_read_timeout;
        serve(self.listener, router(self.state), header_read_timeout, shutdown).await;
        // The indexer owns the index writer: stop it so the index is released.
        follower.stop().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Connects the store, imports the bundled dataset when it is empty, and opens the index.
pub async fn open_storage(database_url: &str, index_dir: &Path) -> Result<(Store, Arc<Indexer>), Error> {
    let store = Store::connect(database_url).await?;
    tracing::info!(generation = store.generation().await?, "store ready");
    if store.is_empty().await? {
        tracing::info!("empty store: importing the bundled dataset");
        store.import(&Dataset::bundled(), "bundled").await?;
    }
    let indexer = Indexer::open(index_dir, &store).await?;
    let index = indexer.index();
    tracing::info!(documents = index.len(), generation = index.applied(), "index ready");
    Ok((store, indexer))
}

/// Resolves when the process gets Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested");
}
