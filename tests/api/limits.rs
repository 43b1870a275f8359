//! Request limits: each refusal is a GraphQL-shaped body with its own code, sent before
//! any work, and ordinary queries stay well inside the defaults.

use std::time::Instant;

use serde_json::json;

use crate::helpers::{spawn_app, start_with, Storage};

async fn post_raw(app: &crate::helpers::TestApp, body: String) -> (u16, serde_json::Value) {
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn each_limit_refuses_with_its_own_code_before_running_anything() {
    let app = spawn_app().await;
    let mut bomb = String::from("query { countries { ...f39 } }\nfragment f0 on Country { name }\n");
    for i in 1..40 {
        bomb.push_str(&format!("fragment f{i} on Country {{ ...f{} ...f{} }}\n", i - 1, i - 1));
    }
    let aliases: String = (0..31).map(|i| format!("a{i}: countries {{ name }} ")).collect();
    let cases = [
        (format!("{{ {} name {} }}", "countries { ".repeat(11), "}".repeat(11)), "TOO_DEEP"),
        (format!("{{ {aliases} }}"), "TOO_MANY_ALIASES"),
        (bomb, "TOO_MANY_SELECTIONS"),
        (
            r#"{ events(first: 100) { nodes { achievements { events { achievements { events { name } } } } } } }"#
                .to_owned(),
            "TOO_COMPLEX",
        ),
        (
            format!(
                "{{ {} }}",
                "countries { name } ".repeat(21).replace("countries", "c: countries").replacen("c: ", "", 1)
            ),
            "TOO_MANY_ROOT_FIELDS",
        ),
    ];
    let before = app.store.query_count();
    for (query, code) in cases {
        let started = Instant::now();
        let (status, body) = post_raw(&app, json!({ "query": query }).to_string()).await;
        assert_eq!((status, body["errors"][0]["extensions"]["code"].as_str()), (400, Some(code)), "{body:#}");
        assert!(body["data"].is_null());
        eprintln!("{code}: answered in {:?}", started.elapsed());
    }
    assert_eq!(app.store.query_count(), before, "no refused request reached the store");
}

#[tokio::test]
async fn an_oversized_body_gets_a_graphql_shaped_413() {
    let app = spawn_app().await;
    let body =
        json!({ "query": "{ countries { name } }", "variables": { "pad": "x".repeat(2 * 1024 * 1024) } }).to_string();
    let (status, body) = post_raw(&app, body).await;
    assert_eq!(status, 413);
    assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn introspection_and_suggestions_can_be_turned_off() {
    let storage = Storage::fresh().await;
    let app = start_with(storage, |config| {
        config.limits.introspection = false;
        config.limits.suggestions = false;
    })
    .await;
    let body = app.graphql("{ __schema { types { name } } }", json!({})).await;
    assert!(body["data"]["__schema"].is_null(), "{body:#}");
    let body = app.graphql("{ countrys { name } }", json!({})).await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(!message.contains("Did you mean"), "{message}");
    // Ordinary queries still work.
    assert_eq!(app.data("{ countries { name } }", json!({})).await["countries"].as_array().unwrap().len(), 6);
}
