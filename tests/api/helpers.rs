//! `spawn_app` and the `graphql` helper shared by every test.

use std::path::PathBuf;

use achievement_graph::store::Store;
use achievement_graph::{App, Config};
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::sync::oneshot;

/// A server running on a free port over its own temporary database and index.
pub struct TestApp {
    pub address: String,
    pub store: Store,
    pub client: reqwest::Client,
    pub dir: TempDir,
    shutdown: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<Result<(), achievement_graph::Error>>,
}

/// Starts a server on the bundled dataset in a fresh temporary directory.
pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temporary directory");
    spawn_app_in(dir).await
}

/// Starts a server whose database and index live in `dir`.
pub async fn spawn_app_in(dir: TempDir) -> TestApp {
    let config = Config::ephemeral(database_url(&dir), index_dir(&dir));
    let app = App::build(&config).await.expect("the app builds");
    serve(app, dir)
}

/// Serves a built app in the background; its state lives in `dir`.
pub fn serve(app: App, dir: TempDir) -> TestApp {
    let address = format!("http://{}", app.local_addr());
    let store = app.store().clone();
    let (shutdown, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run(async move {
        let _ = stopped.await;
    }));
    TestApp { address, store, client: reqwest::Client::new(), dir, shutdown, server }
}

pub fn database_url(dir: &TempDir) -> String {
    format!("sqlite://{}", dir.path().join("graph.db").display())
}

pub fn index_dir(dir: &TempDir) -> PathBuf {
    dir.path().join("index")
}

impl TestApp {
    /// Stops the server gracefully, waits until it has released the index, and returns
    /// its directory so another server can start on the same state.
    pub async fn stop(self) -> TempDir {
        let _ = self.shutdown.send(());
        self.server.await.expect("the server task ends").expect("the server stops cleanly");
        self.dir
    }

    /// Posts a GraphQL request and returns the whole JSON response.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let response = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent");
        response.json().await.expect("a JSON body")
    }

    /// Posts a GraphQL request that must succeed, and returns its `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Returns the global ID of an entity found by a lookup query such as `city(slug:)`.
    pub async fn id_of(&self, field: &str, slug: &str) -> String {
        let query = format!("query($slug: String!) {{ {field}(slug: $slug) {{ id }} }}");
        let data = self.data(&query, json!({ "slug": slug })).await;
        data[field]["id"].as_str().unwrap_or_else(|| panic!("no {field} `{slug}`")).to_owned()
    }
}

/// Returns the error codes of a response, in order.
pub fn error_codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| errors.iter().map(|e| e["extensions"]["code"].as_str().unwrap_or("").to_owned()).collect())
        .unwrap_or_default()
}
