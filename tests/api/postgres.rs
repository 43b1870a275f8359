//! The same server on PostgreSQL: a fresh database per test on the server named by
//! `TEST_DATABASE_URL` (CI sets it); skipped with a message when it is not set.

use achievement_graph::config::FastPath;
use serde_json::json;
use sqlx::Connection;

use crate::helpers::{start, start_with, Storage, TestApp};

/// Creates an empty database on the test server and returns its url.
pub async fn fresh_database() -> Option<String> {
    let Ok(base) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!("TEST_DATABASE_URL is not set: skipping the PostgreSQL test");
        return None;
    };
    sqlx::any::install_default_drivers();
    let name = format!(
        "ag_test_{}_{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    );
    let mut admin = sqlx::AnyConnection::connect(&base).await.expect("the PostgreSQL test server answers");
    // Databases left by test runs that ended over an hour ago are dropped here; a run
    // still going in another process keeps its own.
    let leftovers: Vec<String> =
        sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE datname LIKE 'ag_test_%'")
            .fetch_all(&mut admin)
            .await
            .unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let stale = |name: &&String| {
        let created: u128 = name.rsplit('_').next().and_then(|n| n.parse().ok()).unwrap_or(0);
        now.saturating_sub(created) > 3_600 * 1_000_000_000
    };
    for old in leftovers.iter().filter(stale) {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {old} WITH (FORCE)")).execute(&mut admin).await;
    }
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
    let (prefix, _) = base.rsplit_once('/').expect("a database url ends in /DATABASE");
    Some(format!("{prefix}/{name}"))
}

async fn spawn_on_postgres() -> Option<TestApp> {
    let storage = Storage { dir: tempfile::tempdir().unwrap(), database_url: fresh_database().await? };
    Some(start(storage).await)
}

#[tokio::test]
async fn the_graph_is_served_the_same_from_postgresql() {
    let Some(app) = spawn_on_postgres().await else { return };
    let data = app
        .data(
            r#"{
              statistics(orderBy: VALUE_DESC, first: 2) { totalCount nodes { value unit qualifier source { excerpt } } }
              city(slug: "changchun") { friendshipCities { slug } achievements(first: 3) { totalCount nodes { rank } } }
              achievements(filter: { category: SPORTS }) { totalCount }
              search(query: "vasalopet", types: [EVENT]) { totalCount edges { node { ... on Event { name startDate } } } }
            }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["statistics"]["totalCount"], 81);
    assert_eq!(data["statistics"]["nodes"][0]["value"], 640_000_000.0);
    assert!(data["statistics"]["nodes"][0]["source"]["excerpt"].as_str().unwrap().contains("RMB640 million"));
    assert_eq!(data["city"]["friendshipCities"].as_array().unwrap().len(), 5);
    assert_eq!(data["city"]["achievements"]["totalCount"], 10);
    assert_eq!(data["achievements"]["totalCount"], 2);
    assert!(data["search"]["totalCount"].as_u64().unwrap() >= 1);
}

#[tokio::test]
async fn postgresql_pages_backwards_and_batches_like_sqlite() {
    let Some(app) = spawn_on_postgres().await else { return };
    let query = r#"query($before: String) { events(last: 4, before: $before) {
        nodes { slug } pageInfo { hasPreviousPage startCursor } } }"#;
    let mut seen = Vec::new();
    let mut before = serde_json::Value::Null;
    loop {
        let data = app.data(query, json!({ "before": before })).await;
        let mut chunk: Vec<String> = data["events"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["slug"].as_str().unwrap().to_owned())
            .collect();
        chunk.extend(seen);
        seen = chunk;
        if data["events"]["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = data["events"]["pageInfo"]["startCursor"].clone();
    }
    assert_eq!(seen.len(), 15);
    // On both paths: the page, then one query per relation (no count: totalCount is not asked for).
    let nested = "{ events(first: 50) { nodes { city { name } statistics { value } organizers { name } } } }";
    for path in [FastPath::Off, FastPath::On] {
        let storage = Storage { dir: tempfile::tempdir().unwrap(), database_url: fresh_database().await.unwrap() };
        let app = start_with(storage, |config| {
            config.fast_path = path;
            config.response_cache_mb = 0;
        })
        .await;
        app.data(nested, json!({})).await;
        let before = app.store.query_count();
        app.data(nested, json!({})).await;
        assert_eq!(app.store.query_count() - before, 4, "{path:?}");
        assert_eq!(app.planned(), u64::from(path == FastPath::On), "{path:?}: whether a plan answered");
    }
}
