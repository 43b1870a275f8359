//! The HTTP edge: health, playground, and GraphQL-shaped errors for bad requests.

use serde_json::{json, Value};

use crate::helpers::{error_codes, spawn_app};

#[tokio::test]
async fn healthz_answers_200_when_store_and_index_are_usable() {
    let app = spawn_app().await;
    let response = app.client.get(format!("{}/healthz", app.address)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert!(body["indexedDocuments"].as_u64().unwrap() > 100);
}

#[tokio::test]
async fn get_graphql_serves_the_graphiql_playground() {
    let app = spawn_app().await;
    let response = app.client.get(format!("{}/graphql", app.address)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(response.text().await.unwrap().to_lowercase().contains("graphiql"));
}

#[tokio::test]
async fn a_body_that_is_not_json_gets_a_graphql_shaped_400() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body("{ not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_codes(&body), ["BAD_REQUEST"]);
}

#[tokio::test]
async fn an_unknown_route_gets_a_graphql_shaped_404() {
    let app = spawn_app().await;
    let response = app.client.get(format!("{}/nowhere", app.address)).send().await.unwrap();
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_codes(&body), ["NOT_FOUND"]);
}

#[tokio::test]
async fn invalid_graphql_is_reported_with_a_code_and_no_internal_text() {
    let app = spawn_app().await;
    let body = app.graphql("{ cities { nodes { nonsense } } }", json!({})).await;
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("nonsense"));
    let body = app.graphql("{ city(slug: 5) { name } }", json!({})).await;
    assert!(!body["errors"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_malformed_id_is_a_bad_user_input_naming_the_argument() {
    let app = spawn_app().await;
    let body = app.graphql(r#"{ node(id: "not-an-id") { id } }"#, json!({})).await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    assert_eq!(body["errors"][0]["extensions"]["field"], "id");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("not-an-id"));
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_readyz_checks_store_and_index() {
    let app = spawn_app().await;
    let response = app.client.get(format!("{}/readyz", app.address)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let generated = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    let again = app.client.get(format!("{}/healthz", app.address)).send().await.unwrap();
    let next = again.headers()["x-request-id"].to_str().unwrap().to_owned();
    let (prefix, _) = generated.split_once('-').expect("prefix-counter");
    assert_eq!(prefix.len(), 8, "{generated}");
    assert!(next.starts_with(prefix) && next != generated, "unique within the process: {generated}, {next}");
    // A caller's own id is kept, so it can follow its request through the logs.
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("x-request-id", "trace-me-42")
        .json(&json!({ "query": "{ nope }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-42");
    let refused = app.client.get(format!("{}/nowhere", app.address)).send().await.unwrap();
    assert!(refused.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn metrics_show_requests_refusals_latency_and_the_index() {
    let app = spawn_app().await;
    app.data("query CountriesForMetrics { countries { name } }", json!({})).await;
    app.data(r#"query SearchForMetrics { search(query: "skiing") { totalCount } }"#, json!({})).await;
    let deep = format!("{{ {} name {} }}", "countries { ".repeat(11), "}".repeat(11));
    app.graphql(&deep, json!({})).await;
    let response = app.client.get(format!("{}/metrics", app.address)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = response.text().await.unwrap();
    for expected in [
        r#"achievement_graph_graphql_requests_total{operation="CountriesForMetrics",outcome="ok"}"#,
        r#"achievement_graph_rejections_total{reason="TOO_DEEP"}"#,
        "achievement_graph_graphql_duration_seconds_bucket",
        "achievement_graph_search_duration_seconds_count",
        "achievement_graph_index_documents",
        "achievement_graph_index_commit_duration_seconds_count",
    ] {
        assert!(text.contains(expected), "`{expected}` is missing from:\n{text}");
    }
}
