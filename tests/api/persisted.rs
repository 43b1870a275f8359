//! Persisted documents: automatic persisted queries (Apollo's protocol, over POST and
//! GET) and trusted documents from a manifest, with the endpoint closed to anything
//! else when asked.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::{spawn_app, start_with, Storage, TestApp};

const QUERY: &str = "query Countries { countries { name } }";

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

async fn post(app: &TestApp, body: Value) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("accept", "application/graphql-response+json")
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn get(app: &TestApp, parameters: &[(&str, String)]) -> (u16, Value) {
    let response = app.client.get(format!("{}/graphql", app.address)).query(parameters).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_hash_is_unknown_until_its_query_is_sent_and_then_runs_alone() {
    let app = spawn_app().await;
    let hash = sha256(QUERY);
    let (status, body) = post(&app, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(status, 404);
    assert_eq!(body["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound", "the message clients match");

    let (status, body) = post(&app, json!({ "query": QUERY, "extensions": persisted(&hash) })).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["countries"].as_array().unwrap().len(), 6);

    let (status, body) = post(&app, json!({ "extensions": persisted(&hash), "variables": {} })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["countries"].as_array().unwrap().len(), 6);

    // A hash that is not its query's is refused, naming the parameter.
    let (status, body) =
        post(&app, json!({ "query": "{ cities { totalCount } }", "extensions": persisted(&hash) })).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_HASH_MISMATCH");
    assert_eq!(body["errors"][0]["extensions"]["field"], "extensions.persistedQuery.sha256Hash");
}

#[tokio::test]
async fn only_a_document_that_validates_is_kept() {
    let app = spawn_app().await;
    let invalid = "{ countries { nonsense } }";
    let hash = sha256(invalid);
    let (status, _) = post(&app, json!({ "query": invalid, "extensions": persisted(&hash) })).await;
    assert_eq!(status, 400);
    let (status, body) = post(&app, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!((status, body["errors"][0]["extensions"]["code"].as_str()), (404, Some("PERSISTED_QUERY_NOT_FOUND")));
}

#[tokio::test]
async fn persisted_queries_work_over_get() {
    let app = spawn_app().await;
    let query = "query City($slug: String!) { city(slug: $slug) { name } }";
    let hash = sha256(query);
    let extensions = persisted(&hash).to_string();
    let variables = json!({ "slug": "sendai" }).to_string();
    let (status, body) = get(&app, &[("extensions", extensions.clone()), ("variables", variables.clone())]).await;
    assert_eq!((status, body["errors"][0]["extensions"]["code"].as_str()), (200, Some("PERSISTED_QUERY_NOT_FOUND")));
    let (status, body) =
        get(&app, &[("query", query.to_owned()), ("extensions", extensions.clone()), ("variables", variables.clone())])
            .await;
    assert_eq!((status, body["data"]["city"]["name"].as_str()), (200, Some("Sendai")));
    let (status, body) = get(&app, &[("extensions", extensions), ("variables", variables)]).await;
    assert_eq!((status, body["data"]["city"]["name"].as_str()), (200, Some("Sendai")), "{body}");
}

async fn trusted(only: bool) -> TestApp {
    let storage = Storage::fresh().await;
    let manifest = storage.dir.path().join("persisted-documents.json");
    // One id of relay's or a hand-picked kind, one of codegen's (the document's SHA-256).
    let sendai = "query Sendai { city(slug: \"sendai\") { name } }";
    let mut documents = serde_json::Map::new();
    documents.insert("countries-1".to_owned(), json!(QUERY));
    documents.insert(sha256(sendai), json!(sendai));
    std::fs::write(&manifest, serde_json::Value::Object(documents).to_string()).unwrap();
    start_with(storage, |config| {
        config.clients.trusted_documents = Some(manifest);
        config.clients.only_trusted_documents = only;
    })
    .await
}

#[tokio::test]
async fn trusted_documents_run_by_id_and_by_hash() {
    let app = trusted(false).await;
    let (status, body) = post(&app, json!({ "documentId": "countries-1" })).await;
    assert_eq!((status, body["data"]["countries"].as_array().map(Vec::len)), (200, Some(6)), "{body}");
    let sendai = "query Sendai { city(slug: \"sendai\") { name } }";
    let (_, body) = post(&app, json!({ "documentId": format!("sha256:{}", sha256(sendai)) })).await;
    assert_eq!(body["data"]["city"]["name"], "Sendai");
    let (_, body) = post(&app, json!({ "extensions": persisted(&sha256(sendai)) })).await;
    assert_eq!(body["data"]["city"]["name"], "Sendai");
    let (status, body) = get(&app, &[("documentId", "countries-1".to_owned())]).await;
    assert_eq!((status, body["data"]["countries"].as_array().map(Vec::len)), (200, Some(6)));
    let (status, body) = post(&app, json!({ "documentId": "nope" })).await;
    assert_eq!((status, body["errors"][0]["extensions"]["code"].as_str()), (404, Some("TRUSTED_DOCUMENT_NOT_FOUND")));
    assert_eq!(body["errors"][0]["extensions"]["field"], "documentId");
    // Without --only-trusted-documents, anything else runs too.
    let (status, _) = post(&app, json!({ "query": "{ cities { totalCount } }" })).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn with_only_trusted_documents_nothing_else_runs() {
    let app = trusted(true).await;
    let before = app.store.query_count();
    for body in [
        json!({ "query": "{ cities { totalCount } }" }),
        json!({ "query": "{ cities { totalCount } }", "extensions": persisted(&sha256("{ cities { totalCount } }")) }),
    ] {
        let (status, answer) = post(&app, body).await;
        assert_eq!(
            (status, answer["errors"][0]["extensions"]["code"].as_str()),
            (403, Some("TRUSTED_DOCUMENT_REQUIRED"))
        );
    }
    let (_, answer) = post(&app, json!({ "query": "{ __schema { types { name } } }" })).await;
    assert_eq!(answer["errors"][0]["extensions"]["code"], "TRUSTED_DOCUMENT_REQUIRED", "introspection too");
    assert_eq!(app.store.query_count(), before, "nothing ran");
    // A hash it does not know cannot be registered: the full query is refused after it.
    let (status, _) = post(&app, json!({ "extensions": persisted(&sha256("{ cities { totalCount } }")) })).await;
    assert_eq!(status, 404);
    // The manifest's documents run, by id, by hash, or sent in full.
    let (_, body) = post(&app, json!({ "documentId": "countries-1" })).await;
    assert_eq!(body["data"]["countries"].as_array().unwrap().len(), 6);
    let (_, body) = post(&app, json!({ "query": QUERY })).await;
    assert_eq!(body["data"]["countries"].as_array().unwrap().len(), 6);
    // The explorer sends documents of its own, which this mode refuses: it is off, and says why.
    let page = app.client.get(format!("{}/", app.address)).send().await.unwrap();
    assert_eq!(page.status(), 404);
    assert!(page.text().await.unwrap().contains("--only-trusted-documents"));
}

#[tokio::test]
async fn a_manifest_with_a_broken_document_stops_the_start() {
    let storage = Storage::fresh().await;
    let manifest = storage.dir.path().join("manifest.json");
    std::fs::write(&manifest, json!({ "abc": "query {" }).to_string()).unwrap();
    let mut config = achievement_graph::Config::ephemeral(storage.database_url.clone(), storage.index_dir());
    config.clients.trusted_documents = Some(manifest);
    let error = achievement_graph::App::build(&config).await.err().expect("the start is refused");
    assert!(error.to_string().contains("document `abc` does not parse"), "{error}");
}

#[tokio::test]
async fn apq_can_be_turned_off() {
    let storage = Storage::fresh().await;
    let app = start_with(storage, |config| config.clients.persisted_queries_mb = 0).await;
    let hash = sha256(QUERY);
    let (status, body) = post(&app, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["code"].as_str()),
        (400, Some("PERSISTED_QUERY_NOT_SUPPORTED"))
    );
    let (status, _) = post(&app, json!({ "query": QUERY, "extensions": persisted(&hash) })).await;
    assert_eq!(status, 200, "a query sent in full still runs");
}
