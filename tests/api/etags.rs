//! HTTP caching of GET answers: an ETag from the request and the data generation,
//! `304 Not Modified` for a current `If-None-Match`, `Cache-Control` from the
//! configuration (never `public` for a caller with a token), and `Vary`.

use serde_json::json;

use crate::helpers::{node_id, spawn_app, start_with, Storage, TestApp, EDITOR_SECRET};

const QUERY: &str = r#"{ city(slug: "wolfsburg") { name } }"#;

async fn get(app: &TestApp, query: &str, etag: Option<&str>, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(format!("{}/graphql", app.address)).query(&[("query", query)]);
    if let Some(etag) = etag {
        request = request.header("if-none-match", etag);
    }
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response.headers().get(name).map(|value| value.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_current_etag_gets_304_without_a_body_and_a_write_changes_it() {
    let app = spawn_app().await;
    let first = get(&app, QUERY, None, None).await;
    assert_eq!(first.status(), 200);
    let etag = header(&first, "etag").expect("an ETag");
    assert_eq!(header(&first, "cache-control").as_deref(), Some("no-cache"), "clients revalidate by default");
    assert_eq!(header(&first, "vary").as_deref(), Some("accept, authorization"));
    assert_eq!(first.json::<serde_json::Value>().await.unwrap()["data"]["city"]["name"], "Wolfsburg");

    let before = app.store.query_count();
    let again = get(&app, QUERY, Some(&etag), None).await;
    assert_eq!(again.status(), 304);
    assert_eq!(header(&again, "etag").as_deref(), Some(etag.as_str()));
    assert!(again.bytes().await.unwrap().is_empty());
    assert_eq!(app.store.query_count(), before, "a 304 reads nothing");
    // Another media type is another answer.
    let other = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", QUERY)])
        .header("accept", "application/graphql-response+json")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);

    app.edit_ok(
        r#"mutation($id: ID!) { updateCity(id: $id, patch: { name: "Wolfsburg (Lower Saxony)" }) { version } }"#,
        json!({ "id": node_id("City", "wolfsburg") }),
    )
    .await;
    let after = get(&app, QUERY, Some(&etag), None).await;
    assert_eq!(after.status(), 200, "the write moved the data generation on");
    assert_ne!(header(&after, "etag").as_deref(), Some(etag.as_str()));
    assert_eq!(after.json::<serde_json::Value>().await.unwrap()["data"]["city"]["name"], "Wolfsburg (Lower Saxony)");
}

#[tokio::test]
async fn answers_with_errors_are_not_reused_and_posts_carry_no_etag() {
    let app = spawn_app().await;
    let failed = get(&app, "{ city { name } }", None, None).await;
    assert_eq!(header(&failed, "cache-control").as_deref(), Some("no-store"));
    assert!(header(&failed, "etag").is_none());
    let post =
        app.client.post(format!("{}/graphql", app.address)).json(&json!({ "query": QUERY })).send().await.unwrap();
    assert!(header(&post, "etag").is_none());
}

#[tokio::test]
async fn anonymous_answers_can_be_public_and_a_token_holders_never_are() {
    let storage = Storage::fresh().await;
    let app = start_with(storage, |config| config.clients.cache_max_age = 60).await;
    let anonymous = get(&app, QUERY, None, None).await;
    assert_eq!(header(&anonymous, "cache-control").as_deref(), Some("public, max-age=60"));
    let editor = get(&app, QUERY, None, Some(EDITOR_SECRET)).await;
    assert_eq!(header(&editor, "cache-control").as_deref(), Some("no-cache, private"));
    assert_ne!(header(&editor, "etag"), header(&anonymous, "etag"), "callers do not share ETags");
    // A token that is not valid gets no ETag at all.
    let rejected = get(&app, QUERY, None, Some("not-a-token")).await;
    assert!(header(&rejected, "etag").is_none());
}
