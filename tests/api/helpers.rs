//! `spawn_app` and the `graphql` helper shared by every test.

use std::path::PathBuf;

use achievement_graph::store::Store;
use std::sync::Arc;

use achievement_graph::config::FastPath;
use achievement_graph::graphql::plan::FastPath as Plans;
use achievement_graph::{App, Config};
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::sync::oneshot;

/// Where a test server keeps its state: a temporary directory (index, SQLite file)
/// and a database url, SQLite by default or a fresh PostgreSQL database when
/// `TEST_BACKEND=postgres`.
pub struct Storage {
    pub dir: TempDir,
    pub database_url: String,
}

impl Storage {
    /// Returns empty state on the backend the run was asked for.
    pub async fn fresh() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let database_url = match std::env::var("TEST_BACKEND").as_deref() {
            Ok("postgres") => {
                crate::postgres::fresh_database().await.expect("TEST_BACKEND=postgres needs TEST_DATABASE_URL")
            }
            Ok("sqlite") | Err(_) => sqlite_url(&dir),
            Ok(other) => panic!("unknown TEST_BACKEND `{other}`: use sqlite or postgres"),
        };
        Self { dir, database_url }
    }

    pub fn index_dir(&self) -> PathBuf {
        index_dir(&self.dir)
    }
}

/// A server running on a free port over its own temporary database and index.
pub struct TestApp {
    pub address: String,
    pub store: Store,
    pub fast_path: Arc<Plans>,
    pub client: reqwest::Client,
    pub storage: Storage,
    shutdown: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<Result<(), achievement_graph::Error>>,
}

/// Starts a server on the bundled dataset over fresh state.
pub async fn spawn_app() -> TestApp {
    start(Storage::fresh().await).await
}

/// Starts a server on the bundled dataset that runs queries one way (`Off`: the engine
/// alone; `On`: compiled plans once a query has run), without the response cache, so
/// that a repeated query runs again.
pub async fn spawn_app_on(path: FastPath) -> TestApp {
    start_with(Storage::fresh().await, |config| {
        config.fast_path = path;
        config.response_cache_mb = 0;
    })
    .await
}

/// The token tests write with, and its name as history records it.
pub const EDITOR: &str = "editor";
pub const EDITOR_SECRET: &str = "editor-secret-for-tests";

/// Starts a server over existing state (e.g. after `TestApp::stop`).
pub async fn start(storage: Storage) -> TestApp {
    start_with(storage, |_| {}).await
}

/// Starts a server over existing state with a configuration adjusted by `adjust`.
pub async fn start_with(storage: Storage, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = Config::ephemeral(storage.database_url.clone(), storage.index_dir());
    config.tokens = Some(format!("{EDITOR}={EDITOR_SECRET}"));
    // Every query the suite sends runs on its compiled plan and on the engine, which
    // must agree to the byte; `TEST_FAST_PATH=false` runs the suite on the engine alone.
    config.fast_path = match std::env::var("TEST_FAST_PATH").as_deref() {
        Ok("false") => FastPath::Off,
        Ok("true") => FastPath::On,
        _ => FastPath::Verify,
    };
    adjust(&mut config);
    // `TEST_LOG=debug` (an env filter) prints the servers' logs, for a failing test.
    if let Ok(filter) = std::env::var("TEST_LOG") {
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
    }
    let app = App::build(&config).await.expect("the app builds");
    let address = format!("http://{}", app.local_addr());
    let store = app.store().clone();
    let fast_path = app.fast_path();
    let (shutdown, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run(async move {
        let _ = stopped.await;
    }));
    TestApp { address, store, fast_path, client: reqwest::Client::new(), storage, shutdown, server }
}

/// A SQLite database in `dir`.
pub fn sqlite_url(dir: &TempDir) -> String {
    format!("sqlite://{}", dir.path().join("graph.db").display())
}

pub fn index_dir(dir: &TempDir) -> PathBuf {
    dir.path().join("index")
}

impl TestApp {
    /// Stops the server gracefully, waits until it has released the index, and returns
    /// its state so another server can start on it.
    pub async fn stop(self) -> Storage {
        let _ = self.shutdown.send(());
        self.server.await.expect("the server task ends").expect("the server stops cleanly");
        self.storage
    }

    /// Posts a GraphQL request and returns the whole JSON response.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.graphql_as(None, query, variables).await
    }

    /// Posts a GraphQL request with `Authorization: Bearer <token>` when a token is given.
    pub async fn graphql_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self.client.post(format!("{}/graphql", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response =
            request.json(&json!({ "query": query, "variables": variables })).send().await.expect("request sent");
        response.json().await.expect("a JSON body")
    }

    /// Posts a request with the editor's token and returns the whole JSON response.
    pub async fn edit(&self, query: &str, variables: Value) -> Value {
        self.graphql_as(Some(EDITOR_SECRET), query, variables).await
    }

    /// Posts a request with the editor's token that must succeed, and returns its `data`.
    pub async fn edit_ok(&self, query: &str, variables: Value) -> Value {
        let body = self.edit(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Returns the slugs of the search results for `query`, best first.
    pub async fn search_slugs(&self, query: &str, types: Value) -> Vec<String> {
        let data = self
            .data(
                r#"query($q: String!, $types: [SearchType!]) { search(query: $q, types: $types, first: 50) {
                    edges { node { ... on Achievement { slug } ... on City { slug } ... on Organization { slug }
                    ... on Event { slug } ... on Statistic { slug } ... on Document { slug } } } } }"#,
                json!({ "q": query, "types": types }),
            )
            .await;
        data["search"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["slug"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Returns the char span (start, end) of `needle` in the bundled article.
    pub async fn span_of(&self, needle: &str) -> (usize, usize) {
        let data = self.data(r#"{ documents { text } }"#, json!({})).await;
        char_span(data["documents"][0]["text"].as_str().unwrap(), needle)
    }

    /// Posts a GraphQL request that must succeed, and returns its `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Returns every (type, slug) the index holds, sorted.
    pub async fn indexed(&self) -> Vec<(String, String)> {
        every_indexed(|after| async move { self.graphql(EVERY_INDEXED, json!({ "after": after })).await }).await
    }

    /// Returns `/readyz`'s status and body.
    pub async fn readyz(&self) -> (u16, Value) {
        let response = self.client.get(format!("{}/readyz", self.address)).send().await.expect("request sent");
        (response.status().as_u16(), response.json().await.expect("a JSON body"))
    }

    /// Returns how many answers this server's compiled plans wrote.
    pub fn planned(&self) -> u64 {
        self.fast_path.planned()
    }

    /// Returns the global ID of an entity found by a lookup query such as `city(slug:)`.
    pub async fn id_of(&self, field: &str, slug: &str) -> String {
        let query = format!("query($slug: String!) {{ {field}(slug: $slug) {{ id }} }}");
        let data = self.data(&query, json!({ "slug": slug })).await;
        data[field]["id"].as_str().unwrap_or_else(|| panic!("no {field} `{slug}`")).to_owned()
    }
}

/// A search for every indexed entity, a page of 100 after `$after`.
pub const EVERY_INDEXED: &str = r#"query($after: String) { search(query: "", first: 100, after: $after) {
    edges { cursor node { __typename ... on Achievement { slug } ... on City { slug }
    ... on Organization { slug } ... on Event { slug } ... on Statistic { slug } ... on Document { slug } } }
    pageInfo { hasNextPage } } }"#;

/// Returns every (type, slug) the index holds, sorted, given `page`, which answers
/// `EVERY_INDEXED` for a cursor (the whole response body).
pub async fn every_indexed<F, Fut>(mut page: F) -> Vec<(String, String)>
where
    F: FnMut(Value) -> Fut,
    Fut: std::future::Future<Output = Value>,
{
    let mut out = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = page(after.clone()).await;
        assert!(body.get("errors").is_none(), "{body:#}");
        let search = &body["data"]["search"];
        for edge in search["edges"].as_array().unwrap() {
            let node = &edge["node"];
            out.push((node["__typename"].as_str().unwrap().to_owned(), node["slug"].as_str().unwrap().to_owned()));
            after = edge["cursor"].clone();
        }
        if search["pageInfo"]["hasNextPage"] != true {
            break;
        }
    }
    out.sort();
    out
}

/// Returns the error codes of a response, in order.
pub fn error_codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| errors.iter().map(|e| e["extensions"]["code"].as_str().unwrap_or("").to_owned()).collect())
        .unwrap_or_default()
}

/// Returns the global ID of `Type:slug`, as the server encodes it.
pub fn node_id(kind: &str, slug: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{slug}"))
}

/// Returns the char span (start, end) of `needle` in `text`.
pub fn char_span(text: &str, needle: &str) -> (usize, usize) {
    let byte = text.find(needle).unwrap_or_else(|| panic!("`{needle}` is not in the article"));
    let start = text[..byte].chars().count();
    (start, start + needle.chars().count())
}
