//! GraphQL over HTTP, by media type: `application/json` clients get `application/json`
//! with 200 for request errors; `application/graphql-response+json` clients get 4xx and
//! no `data` entry when nothing ran; a client that accepts neither gets 406.

use serde_json::{json, Value};

use crate::helpers::spawn_app;

const JSON: &str = "application/json";
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

async fn post(app: &crate::helpers::TestApp, accept: &str, body: Value) -> (u16, String, Value) {
    let response =
        app.client.post(format!("{}/graphql", app.address)).header("accept", accept).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    (status, content_type, response.json().await.unwrap())
}

#[tokio::test]
async fn each_media_type_gets_its_own_content_type_and_statuses() {
    let app = spawn_app().await;
    let ok = json!({ "query": "{ countries { name } }" });
    let invalid = json!({ "query": "{ countries { nonsense } }" });
    let (status, content_type, body) = post(&app, JSON, ok.clone()).await;
    assert_eq!((status, content_type.as_str()), (200, "application/json; charset=utf-8"));
    assert_eq!(body["data"]["countries"].as_array().unwrap().len(), 6);
    let (status, content_type, _) = post(&app, GRAPHQL_RESPONSE, ok).await;
    assert_eq!((status, content_type.as_str()), (200, "application/graphql-response+json; charset=utf-8"));

    // A validation failure: nothing ran, so there is no data entry at all.
    let (status, content_type, body) = post(&app, JSON, invalid.clone()).await;
    assert_eq!((status, content_type.as_str()), (200, "application/json; charset=utf-8"));
    assert!(body.get("data").is_none(), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
    let (status, _, body) = post(&app, GRAPHQL_RESPONSE, invalid).await;
    assert_eq!(status, 400);
    assert!(body.get("data").is_none(), "{body}");

    // A limit is a request error too; a field error is not (the data entry is there).
    let deep = json!({ "query": format!("{{ {} name {} }}", "countries { ".repeat(11), "}".repeat(11)) });
    assert_eq!(post(&app, JSON, deep.clone()).await.0, 200);
    assert_eq!(post(&app, GRAPHQL_RESPONSE, deep).await.0, 400);
    let missing = json!({ "query": r#"{ node(id: "not-an-id") { id } }"# });
    let (status, _, body) = post(&app, GRAPHQL_RESPONSE, missing).await;
    assert_eq!(status, 200);
    assert!(body.get("data").is_some() && body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", "{body}");
}

#[tokio::test]
async fn the_clients_accept_headers_choose_the_media_type() {
    let app = spawn_app().await;
    let ok = json!({ "query": "{ __typename }" });
    for (accept, expected) in [
        ("*/*", JSON),
        ("application/graphql-response+json, application/json;q=0.9", GRAPHQL_RESPONSE),
        ("application/json, application/graphql-response+json;q=0.5", JSON),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", JSON),
    ] {
        let (status, content_type, _) = post(&app, accept, ok.clone()).await;
        assert_eq!(status, 200, "{accept}");
        assert!(content_type.starts_with(expected), "{accept}: {content_type}");
    }
    let (status, content_type, body) = post(&app, "text/html", ok).await;
    assert_eq!((status, content_type.as_str()), (406, "application/json; charset=utf-8"));
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_ACCEPTABLE");
}

#[tokio::test]
async fn a_non_null_variable_without_a_value_is_refused_before_anything_runs() {
    let app = spawn_app().await;
    let query = "query($slug: String!) { city(slug: $slug) { name } }";
    let before = app.store.query_count();
    let (status, _, body) = post(&app, GRAPHQL_RESPONSE, json!({ "query": query, "variables": {} })).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
    assert_eq!(body["errors"][0]["extensions"]["field"], "variables.slug");
    let (status, _, _) = post(&app, GRAPHQL_RESPONSE, json!({ "query": query, "variables": { "slug": null } })).await;
    assert_eq!(status, 400);
    assert_eq!(app.store.query_count(), before);
}

#[tokio::test]
async fn an_empty_body_and_wrongly_typed_parameters_are_bad_requests() {
    let app = spawn_app().await;
    let url = format!("{}/graphql", app.address);
    let empty = app.client.post(&url).header("content-type", JSON).send().await.unwrap();
    assert_eq!(empty.status(), 400);
    for body in [
        json!({ "query": "{ __typename }", "variables": "x" }),
        json!({ "query": "{ __typename }", "extensions": "x" }),
        json!({ "query": "{ __typename }", "operationName": 0 }),
        json!({ "query": ["{ __typename }"] }),
        json!({ "qeury": "{ __typename }" }),
    ] {
        let (status, _, answer) = post(&app, JSON, body.clone()).await;
        assert_eq!((status, answer["errors"][0]["extensions"]["code"].as_str()), (400, Some("BAD_REQUEST")), "{body}");
    }
    // Null parameters are as good as absent.
    let nulls = json!({ "query": "{ __typename }", "variables": null, "operationName": null, "extensions": null });
    assert_eq!(post(&app, JSON, nulls).await.2["data"]["__typename"], "Query");
}
