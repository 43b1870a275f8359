//! Real server processes (the built binary), for what only processes can show:
//! replicas sharing one database, and SIGKILL at any moment.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{EDITOR, EDITOR_SECRET};

/// A running server process; killed when dropped.
pub struct Server {
    child: std::sync::Mutex<Child>,
    pub address: String,
    pub client: reqwest::Client,
    log: PathBuf,
}

impl Server {
    /// Starts the binary on a free port over `database_url` and `index_dir`, and waits
    /// until it answers `/healthz` (at most 60 s).
    pub async fn start(database_url: &str, index_dir: &Path, log: PathBuf) -> Self {
        Self::start_with(database_url, index_dir, log, &[]).await
    }

    /// Starts the binary as `start` does, with more environment variables.
    pub async fn start_with(database_url: &str, index_dir: &Path, log: PathBuf, env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_achievement-graph"))
            .args(["--listen", "127.0.0.1:0", "--database-url", database_url, "--index-dir"])
            .arg(index_dir)
            .env("AG_TOKENS", format!("{EDITOR}={EDITOR_SECRET}"))
            .env("AG_POLL_INTERVAL_MS", "200")
            .envs(env.iter().copied())
            .env("RUST_LOG", std::env::var("TEST_SERVER_LOG").unwrap_or_else(|_| "info".to_owned()))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("a log file"))
            .spawn()
            .expect("the server binary starts");
        let started = Instant::now();
        let address = loop {
            let logs = std::fs::read_to_string(&log).unwrap_or_default();
            if let Some(addr) = logs.lines().find_map(|line| line.split("listening addr=").nth(1)) {
                break format!("http://{}", addr.split_whitespace().next().unwrap_or(addr));
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("the server exited ({status}) instead of starting ({}):\n{logs}", log.display());
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server did not start ({}):\n{logs}",
                log.display()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let server = Self { child: std::sync::Mutex::new(child), address, client: reqwest::Client::new(), log };
        loop {
            if let Ok(response) = server.client.get(format!("{}/healthz", server.address)).send().await {
                if response.status().is_success() {
                    return server;
                }
            }
            assert!(started.elapsed() < Duration::from_secs(60), "the server is not healthy:\n{}", server.logs());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Returns what the server logged so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGKILL and waits for the process to end.
    pub fn kill(&self) {
        let mut child = self.child.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Posts a GraphQL request, with the editor's token when `edit`; `None` when the
    /// request or its response was lost (the process died).
    pub async fn post(&self, query: &str, variables: Value, edit: bool) -> Option<Value> {
        let mut request = self.client.post(format!("{}/graphql", self.address)).timeout(Duration::from_secs(30));
        if edit {
            request = request.bearer_auth(EDITOR_SECRET);
        }
        let response = request.json(&json!({ "query": query, "variables": variables })).send().await.ok()?;
        response.json().await.ok()
    }

    /// Returns the slugs of the entities of `types` a search for `query` finds.
    pub async fn search(&self, query: &str, types: Value) -> Vec<String> {
        self.search_nodes(query, types).await.iter().map(|node| node["slug"].as_str().unwrap().to_owned()).collect()
    }

    /// Returns the nodes a search finds (statistics with their slug, cities with their slug
    /// and name), best first.
    pub async fn search_nodes(&self, query: &str, types: Value) -> Vec<Value> {
        let body = self
            .post(
                r#"query($q: String!, $t: [SearchType!]) { search(query: $q, types: $t, first: 100) {
                    edges { node { ... on Statistic { slug } ... on City { slug name } } } } }"#,
                json!({ "q": query, "t": types }),
                false,
            )
            .await
            .expect("the server answers");
        assert!(body.get("errors").is_none(), "{body:#}");
        body["data"]["search"]["edges"].as_array().unwrap().iter().map(|edge| edge["node"].clone()).collect()
    }

    /// Returns the char span (start, end) of `needle` in the bundled article.
    pub async fn span_of(&self, needle: &str) -> (usize, usize) {
        let body = self.post("{ documents { text } }", json!({}), false).await.expect("the server answers");
        crate::helpers::char_span(body["data"]["documents"][0]["text"].as_str().unwrap(), needle)
    }

    /// Returns every (type, slug) the index holds, paging through a search for everything.
    pub async fn indexed(&self) -> Vec<(String, String)> {
        crate::helpers::every_indexed(|after| async move {
            self.post(crate::helpers::EVERY_INDEXED, json!({ "after": after }), false)
                .await
                .expect("the server answers")
        })
        .await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Returns the searchable entities the store holds, as (GraphQL type, slug), sorted.
pub async fn stored(database_url: &str) -> Vec<(String, String)> {
    let store = achievement_graph::store::Store::connect(database_url).await.expect("the store opens");
    let data = store.export().await.expect("the store exports");
    let mut out = Vec::new();
    let mut add = |kind: &str, ids: Vec<&String>| out.extend(ids.into_iter().map(|id| (kind.to_owned(), id.clone())));
    add("Document", data.documents.iter().map(|x| &x.id).collect());
    add("City", data.cities.iter().map(|x| &x.id).collect());
    add("Organization", data.organizations.iter().map(|x| &x.id).collect());
    add("Event", data.events.iter().map(|x| &x.id).collect());
    add("Achievement", data.achievements.iter().map(|x| &x.id).collect());
    add("Statistic", data.statistics.iter().map(|x| &x.id).collect());
    out.sort();
    out
}

/// Returns a word of letters only for `n` (`ba`, `bb`, ...), so each write can carry a
/// label no other write shares and that search tokenizes as one word.
pub fn word(prefix: &str, mut n: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'a' + (n % 26) as u8);
        n /= 26;
        if n == 0 {
            break;
        }
    }
    letters.reverse();
    format!("{prefix}{}", String::from_utf8(letters).unwrap())
}
