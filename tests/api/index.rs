//! The index is derived from the store: reused when it matches, rebuilt when it is
//! missing, unreadable, of another schema, or behind the store.

use serde_json::json;

use crate::helpers::{spawn_app, start, Storage};

fn meta(storage: &Storage) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(storage.index_dir().join("meta.json")).unwrap()).unwrap()
}

async fn count(app: &crate::helpers::TestApp) -> u64 {
    app.data(r#"{ search(query: "changchun") { totalCount } }"#, json!({})).await["search"]["totalCount"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn a_matching_index_is_opened_as_is_and_records_the_store_generation() {
    let app = spawn_app().await;
    let expected = count(&app).await;
    let dir = app.stop().await;
    let before = meta(&dir);
    let payload: serde_json::Value = serde_json::from_str(before["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload["generation"], 1);
    assert_eq!(payload["schema"], achievement_graph::search::SCHEMA_VERSION);
    let app = start(dir).await;
    assert_eq!(count(&app).await, expected);
    let dir = app.stop().await;
    assert_eq!(meta(&dir)["opstamp"], before["opstamp"], "the index was not rebuilt");
}

#[tokio::test]
async fn a_corrupt_index_is_rebuilt_without_failing() {
    let app = spawn_app().await;
    let expected = count(&app).await;
    let dir = app.stop().await;
    std::fs::write(dir.index_dir().join("meta.json"), "{ this is not an index").unwrap();
    let app = start(dir).await;
    assert_eq!(count(&app).await, expected);
}

#[tokio::test]
async fn an_index_of_another_schema_version_or_generation_is_rebuilt() {
    let app = spawn_app().await;
    let expected = count(&app).await;
    let dir = app.stop().await;
    let mut meta = meta(&dir);
    meta["payload"] = json!(json!({ "schema": 0, "generation": 1 }).to_string());
    std::fs::write(dir.index_dir().join("meta.json"), meta.to_string()).unwrap();
    let app = start(dir).await;
    assert_eq!(count(&app).await, expected);
    let dir = app.stop().await;
    let payload: serde_json::Value = serde_json::from_str(self::meta(&dir)["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload["schema"], achievement_graph::search::SCHEMA_VERSION);
}

#[tokio::test]
async fn a_missing_index_is_built_from_the_store() {
    let app = spawn_app().await;
    let expected = count(&app).await;
    let dir = app.stop().await;
    std::fs::remove_dir_all(dir.index_dir()).unwrap();
    let app = start(dir).await;
    assert_eq!(count(&app).await, expected);
}
