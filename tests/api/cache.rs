//! The response cache and the engine's shortcuts: an answer is reused only for the
//! same request at the same data generation, never across callers, and every write
//! invalidates it; searches skip the work their selection does not ask for.

use serde_json::json;

use crate::helpers::{node_id, spawn_app, start_with, Storage, EDITOR_SECRET};

const CITY: &str = r#"query City($slug: String!) { city(slug: $slug) { name version } }"#;

#[tokio::test]
async fn the_same_request_is_answered_from_the_cache_until_a_write() {
    let app = spawn_app().await;
    let variables = json!({ "slug": "wolfsburg" });
    let first = app.data(CITY, variables.clone()).await;
    assert_eq!(first["city"]["name"], "Wolfsburg");
    let before = app.store.query_count();
    let again = app.data(CITY, variables.clone()).await;
    assert_eq!(again, first);
    assert_eq!(app.store.query_count(), before, "a cached answer reads nothing from the store");

    // Other variables are another request.
    let other = app.data(CITY, json!({ "slug": "changchun" })).await;
    assert_eq!(other["city"]["name"], "Changchun");
    assert!(app.store.query_count() > before);

    // A write moves the generation on: the next answer is computed again and new.
    let id = node_id("City", "wolfsburg");
    app.edit_ok(
        r#"mutation($id: ID!) { updateCity(id: $id, patch: { name: "Wolfsburg (Lower Saxony)" }) { version } }"#,
        json!({ "id": id }),
    )
    .await;
    let after = app.data(CITY, variables).await;
    assert_eq!(after["city"]["name"], "Wolfsburg (Lower Saxony)");
    assert_eq!(after["city"]["version"], 2);
}

#[tokio::test]
async fn answers_are_not_shared_between_callers_nor_kept_when_they_hold_errors() {
    let app = spawn_app().await;
    let history = r#"{ city(slug: "wolfsburg") { name history { operation } } }"#;
    // Anonymous: `history` needs a token, so the answer has an error and is not kept.
    let anonymous = app.graphql(history, json!({})).await;
    assert!(anonymous["errors"].as_array().is_some_and(|errors| !errors.is_empty()), "{anonymous:#}");
    let before = app.store.query_count();
    let again = app.graphql(history, json!({})).await;
    assert!(again["errors"].as_array().is_some_and(|errors| !errors.is_empty()));
    assert!(app.store.query_count() > before, "an answer with errors is computed again");

    // With the token the same request is answered in full, not from the anonymous entry.
    let editor = app.graphql_as(Some(EDITOR_SECRET), history, json!({})).await;
    assert!(editor.get("errors").is_none(), "{editor:#}");
    assert_eq!(editor["data"]["city"]["history"][0]["operation"], "import");
    // And the anonymous caller still does not see it.
    let anonymous = app.graphql(history, json!({})).await;
    assert!(anonymous["errors"].as_array().is_some_and(|errors| !errors.is_empty()));
}

#[tokio::test]
async fn the_cache_can_be_turned_off() {
    let app = start_with(Storage::fresh().await, |config| config.response_cache_mb = 0).await;
    let variables = json!({ "slug": "wolfsburg" });
    app.data(CITY, variables.clone()).await;
    let before = app.store.query_count();
    app.data(CITY, variables).await;
    assert!(app.store.query_count() > before, "without the cache every request runs");
}

#[tokio::test]
async fn a_search_without_counts_still_pages_correctly() {
    let app = spawn_app().await;
    let counted = app
        .data(r#"{ search(query: "changchun", first: 2) { totalCount pageInfo { hasNextPage } } }"#, json!({}))
        .await;
    let total = counted["search"]["totalCount"].as_u64().unwrap();
    assert!(total > 3, "the query must match more than a page: {counted}");
    assert_eq!(counted["search"]["pageInfo"]["hasNextPage"], true);
    // Without totalCount the engine stops early, yet knows there is a next page...
    let uncounted = app
        .data(
            r#"{ search(query: "changchun", first: 2) { edges { node { __typename } } pageInfo { hasNextPage } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(uncounted["search"]["edges"].as_array().unwrap().len(), 2);
    assert_eq!(uncounted["search"]["pageInfo"]["hasNextPage"], true);
    // ...and that there is none on the last page.
    let first = i64::try_from(total).unwrap();
    let last = app
        .data(
            r#"query($first: Int!) { search(query: "changchun", first: $first) { edges { score } pageInfo { hasNextPage } } }"#,
            json!({ "first": first }),
        )
        .await;
    assert_eq!(last["search"]["edges"].as_array().unwrap().len() as u64, total);
    assert_eq!(last["search"]["pageInfo"]["hasNextPage"], false);
    // Highlights and facets appear exactly when asked for.
    let full = app
        .data(
            r#"{ search(query: "changchun", first: 2) { edges { highlights { field } } facets { field values { count } } } }"#,
            json!({}),
        )
        .await;
    assert!(!full["search"]["edges"][0]["highlights"].as_array().unwrap().is_empty());
    assert_eq!(full["search"]["facets"].as_array().unwrap().len(), 3);
}
