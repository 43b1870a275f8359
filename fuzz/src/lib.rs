//! What each fuzz target does with one input, and what must hold after it: shared by the
//! cargo-fuzz targets (`fuzz_targets/`) and by the integration suite, which replays every
//! committed corpus file on the stable toolchain (`tests/api/fuzzing.rs` includes this
//! file as a module).
//!
//! - `Server::request`: an HTTP request (method, media types, token, body or query string)
//!   through the router, the limits and execution, against a real store on a temporary
//!   SQLite file with plans verified against the engine (`--fast-path verify`);
//! - `Server::mutation`: one of the mutations with fuzzed variables: a refusal names its
//!   code (and its field, for bad input) and changes nothing;
//! - `Server::search`: the query language, its other readings and the highlighter, on the
//!   bundled graph and a Chinese dataset;
//! - `dataset`: `check` on dataset JSON.
//!
//! Each panics (a finding) when what must hold does not.

use std::sync::OnceLock;

use achievement_graph::config::FastPath;
use achievement_graph::indexing::Follower;
use achievement_graph::model::dataset::Dataset;
use achievement_graph::search::SearchRequest;
use achievement_graph::store::Store;
use achievement_graph::{App, Config};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};
use tower::ServiceExt;

/// The token mutations are sent with.
const TOKEN: &str = "fuzz-secret";

/// The Chinese dataset of the integration suite, merged into the graph the targets see.
const CHINESE: &str = include_str!("../../tests/fixtures/chinese.json");

/// Synonyms the search target applies (the README's example).
const SYNONYMS: &str = "VW, Volkswagen\nFAW => FAW Group, First Automobile Works\n长春, 長春市\n";

/// Answers larger than this are not read whole (none is, within the default limits).
const MAX_ANSWER: usize = 64 << 20;

/// A server on the bundled graph (with the Chinese dataset merged in), driven in process
/// on a runtime of its own.
pub struct Server {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
    store: Store,
    indexer: std::sync::Arc<achievement_graph::indexing::Indexer>,
    follower: Option<Follower>,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts a server over a fresh temporary directory.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let synonyms = dir.path().join("synonyms.txt");
        std::fs::write(&synonyms, SYNONYMS).expect("the synonyms file");
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime for the server");
        let mut config =
            Config::ephemeral(format!("sqlite://{}", dir.path().join("graph.db").display()), dir.path().join("index"));
        config.tokens = Some(format!("fuzz={TOKEN}"));
        config.fast_path = FastPath::Verify;
        config.synonyms = Some(synonyms);
        let (router, store, indexer, follower) = runtime.block_on(async {
            let app = App::build(&config).await.expect("the server builds");
            let store = app.store().clone();
            let indexer = app.indexer();
            let (router, follower) = app.into_service();
            (router, store, indexer, follower)
        });
        let server = Self { runtime, router, store, indexer, follower: Some(follower), _dir: dir };
        let dataset: Value = serde_json::from_str(CHINESE).expect("the Chinese fixture is JSON");
        let (status, answer) = server.send(graphql_post(
            &json!({
                "query": "mutation($d: JSON!) { importDataset(dataset: $d, mode: MERGE) { generation } }",
                "variables": { "d": dataset },
            }),
            true,
        ));
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert!(answer.get("errors").is_none(), "the Chinese fixture imports: {answer}");
        server
    }

    /// Returns the server every call of a target shares.
    pub fn shared() -> &'static Self {
        static SERVER: OnceLock<Server> = OnceLock::new();
        SERVER.get_or_init(Self::start)
    }

    /// Sends a request through the router; returns the status and the answer as JSON
    /// (`Null` when it is not JSON).
    fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
        self.runtime.block_on(async {
            let response = self.router.clone().oneshot(request).await.expect("the router is infallible");
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), MAX_ANSWER).await.expect("the answer is read");
            (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
        })
    }

    fn generation(&self) -> i64 {
        self.runtime.block_on(self.store.generation()).expect("the store answers")
    }

    /// An HTTP request from fuzzed bytes: the first byte picks the method, the media
    /// types and whether the token is sent; the rest is the body, or for GET, a JSON
    /// request turned into query parameters (or the raw bytes, percent-encoded, when it
    /// is not one). No answer may be a 500, and every error must carry a code.
    pub fn request(&self, data: &[u8]) {
        let Some((&flags, rest)) = data.split_first() else { return };
        let get = flags & 1 == 1;
        let content_type =
            [Some("application/json"), Some("application/graphql-response+json"), Some("text/plain"), None]
                [usize::from(flags >> 1 & 3)];
        let accept =
            ["application/graphql-response+json", "application/json", "*/*", "text/html"][usize::from(flags >> 3 & 3)];
        let authorized = flags & 0x20 != 0;
        let mut builder = Request::builder().header(header::ACCEPT, accept);
        if authorized {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
        }
        let request = if get {
            let uri = format!("/graphql?{}", query_string(rest));
            builder.method(Method::GET).uri(uri).body(Body::empty())
        } else {
            if let Some(content_type) = content_type {
                builder = builder.header(header::CONTENT_TYPE, content_type);
            }
            builder.method(Method::POST).uri("/graphql").body(Body::from(rest.to_vec()))
        };
        let Ok(request) = request else { return };
        let (status, answer) = self.send(request);
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "a request failed inside the server: {answer}");
        every_error_has_a_code(&answer);
    }

    /// One of the mutations, its variables the fuzzed JSON after the first byte (which
    /// picks the mutation). A refusal has a client code (and names the field for bad
    /// input) and leaves the store's generation as it was.
    pub fn mutation(&self, data: &[u8]) {
        let Some((&which, rest)) = data.split_first() else { return };
        let Ok(variables) = serde_json::from_slice::<Value>(rest) else { return };
        let document = MUTATIONS[usize::from(which) % MUTATIONS.len()];
        let before = self.generation();
        let (status, answer) = self.send(graphql_post(&json!({ "query": document, "variables": variables }), true));
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "a mutation failed inside the server: {answer}");
        every_error_has_a_code(&answer);
        let Some(errors) = answer.get("errors").and_then(Value::as_array) else { return };
        for error in errors {
            let code = error["extensions"]["code"].as_str().unwrap_or_default();
            assert!(REFUSALS.contains(&code), "a mutation was refused with `{code}`, not a client code: {answer}");
            if code == "BAD_USER_INPUT" {
                assert!(error["extensions"]["field"].is_string(), "bad input names its field: {answer}");
            }
        }
        assert_eq!(self.generation(), before, "a refused mutation changed the store: {answer}");
    }

    /// A search for the fuzzed text (UTF-8 only), with every option on. It never fails,
    /// and every highlight range lies inside its snippet, sorted and apart.
    pub fn search(&self, data: &[u8]) {
        let Ok(text) = std::str::from_utf8(data) else { return };
        let request = SearchRequest {
            text: text.to_owned(),
            limit: 10,
            count: true,
            facets: true,
            highlights: true,
            ..Default::default()
        };
        let index = self.indexer.index().clone();
        let results = self.runtime.block_on(index.search(request)).unwrap_or_else(|error| {
            panic!("a search failed: {}", error.chain());
        });
        assert!(
            results.hits.len() <= 10 && results.total >= results.hits.len(),
            "{} hits of {}",
            results.hits.len(),
            results.total
        );
        for hit in &results.hits {
            for highlight in &hit.highlights {
                let chars = highlight.snippet.chars().count();
                let mut last_end = 0;
                for &(start, end) in &highlight.ranges {
                    assert!(
                        start < end && end <= chars,
                        "range {start}..{end} of a {chars}-char snippet: {highlight:?}"
                    );
                    assert!(start >= last_end, "ranges sorted and apart: {highlight:?}");
                    last_end = end;
                }
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(follower) = self.follower.take() {
            self.runtime.block_on(follower.stop());
        }
    }
}

/// `check` on dataset JSON (UTF-8 only): a dataset either parses, and then its JSON
/// parses again to the same JSON, or gets problems that each have a JSON path.
pub fn dataset(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Dataset::parse(text) {
        Ok(dataset) => {
            let json = serde_json::to_string(&dataset).expect("a dataset serializes");
            let again = Dataset::parse(&json).unwrap_or_else(|problems| {
                panic!("a valid dataset does not parse again: {problems:?}");
            });
            assert_eq!(serde_json::to_string(&again).expect("a dataset serializes"), json, "the round trip changes it");
        }
        Err(problems) => {
            assert!(!problems.is_empty(), "a refused dataset has problems");
            for problem in &problems {
                assert!(problem.path.starts_with('$'), "a problem without a JSON path: {problem}");
            }
        }
    }
}

/// The codes a mutation may be refused with: the client's fault, never the server's.
const REFUSALS: &[&str] = &[
    "BAD_USER_INPUT",
    "NOT_FOUND",
    "CONFLICT",
    "REFERENCED",
    "BAD_REQUEST",
    "GRAPHQL_VALIDATION_FAILED",
    "GRAPHQL_PARSE_FAILED",
    "QUERY_TOO_LARGE",
    "TOO_MANY_TOKENS",
    "TOO_COMPLEX",
    "PAYLOAD_TOO_LARGE",
    "TIMEOUT",
    "OVERLOADED",
];

/// Every mutation, each with its arguments as variables.
const MUTATIONS: &[&str] = &[
    "mutation($input: DocumentInput!) { createDocument(input: $input) { id slug version } }",
    "mutation($id: ID!, $patch: DocumentPatch!, $v: Int) { updateDocument(id: $id, patch: $patch, expectedVersion: $v) { id version } }",
    "mutation($id: ID!, $cascade: Boolean, $v: Int) { deleteDocument(id: $id, cascade: $cascade, expectedVersion: $v) }",
    "mutation($input: CountryInput!) { createCountry(input: $input) { id slug version } }",
    "mutation($id: ID!, $patch: CountryPatch!, $v: Int) { updateCountry(id: $id, patch: $patch, expectedVersion: $v) { id version } }",
    "mutation($id: ID!, $cascade: Boolean, $v: Int) { deleteCountry(id: $id, cascade: $cascade, expectedVersion: $v) }",
    "mutation($input: CityInput!) { createCity(input: $input) { id slug version } }",
    "mutation($id: ID!, $patch: CityPatch!, $v: Int) { updateCity(id: $id, patch: $patch, expectedVersion: $v) { id version } }",
    "mutation($id: ID!, $cascade: Boolean, $v: Int) { deleteCity(id: $id, cascade: $cascade, expectedVersion: $v) }",
    "mutation($a: ID!, $b: ID!, $source: SourceSpanInput) { linkCities(cityId: $a, friendId: $b, source: $source) { id } }",
    "mutation($a: ID!, $b: ID!) { unlinkCities(cityId: $a, friendId: $b) { id } }",
    "mutation($input: OrganizationInput!) { createOrganization(input: $input) { id slug version } }",
    "mutation($id: ID!, $patch: OrganizationPatch!, $v: Int) { updateOrganization(id: $id, patch: $patch, expectedVersion: $v) { id version } }",
    "mutation($id: ID!, $cascade: Boolean, $v: Int) { deleteOrganization(id: $id, cascade: $cascade, expectedVersion: $v) }",
    "mutation($input: EventInput!) { createEvent(input: $input) { id slug version } }",
    "mutation($id: ID!, $patch: EventPatch!, $v: Int) { updateEvent(id: $id, patch: $patch, expectedVersion: $v) { id version } }",
    "mutation($id: ID!, $cascade: Boolean, $v: Int) { deleteEvent(id: $id, cascade: $cascade, expectedVersion: $v) }",
    "mutation($input: AchievementListInput!) { createAchievementList(input: $input) { id slug version } }",
    "mutation($id: ID!, $patch: AchievementListPatch!, $v: Int) { updateAchievementList(id: $id, patch: $patch, expectedVersion: $v) { id version } }",
    "mutation($id: ID!, $cascade: Boolean, $v: Int) { deleteAchievementList(id: $id, cascade: $cascade, expectedVersion: $v) }",
    "mutation($input: AchievementInput!) { createAchievement(input: $input) { id slug version } }",
    "mutation($id: ID!, $patch: AchievementPatch!, $v: Int) { updateAchievement(id: $id, patch: $patch, expectedVersion: $v) { id version } }",
    "mutation($id: ID!, $cascade: Boolean, $v: Int) { deleteAchievement(id: $id, cascade: $cascade, expectedVersion: $v) }",
    "mutation($a: ID!, $b: ID!, $v: Int) { linkAchievement(achievementId: $a, targetId: $b, expectedVersion: $v) { id version } }",
    "mutation($a: ID!, $b: ID!, $v: Int) { unlinkAchievement(achievementId: $a, targetId: $b, expectedVersion: $v) { id version } }",
    "mutation($input: StatisticInput!) { createStatistic(input: $input) { id slug version } }",
    "mutation($id: ID!, $patch: StatisticPatch!, $v: Int) { updateStatistic(id: $id, patch: $patch, expectedVersion: $v) { id version } }",
    "mutation($a: ID!, $b: ID!, $v: Int) { setStatisticSubject(statisticId: $a, subjectId: $b, expectedVersion: $v) { id version } }",
    "mutation($id: ID!, $v: Int) { deleteStatistic(id: $id, expectedVersion: $v) }",
    "mutation($d: JSON!, $mode: ImportMode) { importDataset(dataset: $d, mode: $mode) { generation } }",
];

/// A POST of `body` as JSON, with the token when `authorized`.
fn graphql_post(body: &Value, authorized: bool) -> Request<Body> {
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/graphql-response+json");
    if authorized {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
    }
    builder.body(Body::from(body.to_string())).expect("a valid request")
}

/// The query string of a GET: a JSON object's members as parameters (objects and arrays
/// as JSON, as clients send `variables` and `extensions`), else the bytes percent-encoded.
fn query_string(bytes: &[u8]) -> String {
    if let Ok(Value::Object(members)) = serde_json::from_slice::<Value>(bytes) {
        let pairs: Vec<(String, String)> = members
            .into_iter()
            .map(|(key, value)| match value {
                Value::String(text) => (key, text),
                other => (key, other.to_string()),
            })
            .collect();
        if let Ok(query) = serde_urlencoded::to_string(pairs) {
            return query;
        }
    }
    bytes.iter().map(|byte| format!("%{byte:02X}")).collect()
}

/// Every error of an answer (or of each answer of a batch) has `extensions.code`.
fn every_error_has_a_code(answer: &Value) {
    let answers = match answer {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    for answer in answers {
        for error in answer.get("errors").and_then(Value::as_array).into_iter().flatten() {
            assert!(error["extensions"]["code"].is_string(), "an error without a code: {answer}");
        }
    }
}
