//! The index is derived from the store: reused when it matches, rebuilt when it is
//! missing, unreadable, of another schema, or behind the store.

use serde_json::json;

use crate::helpers::{spawn_app, start, start_with, Storage};

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

#[tokio::test]
async fn writes_made_while_no_server_ran_are_searchable_at_the_next_start() {
    let app = spawn_app().await;
    let storage = app.stop().await;
    let store = achievement_graph::store::Store::connect(&storage.database_url).await.unwrap();
    let mut dataset = store.export().await.unwrap();
    dataset.cities.iter_mut().find(|c| c.id == "masterton").unwrap().name = "Masterton Wairarapa".to_owned();
    store.import(&dataset, "test").await.unwrap().expect("a change");
    let app = start(storage).await;
    // The city, and its friend city whose entry names it, were re-indexed.
    let found = app.search_slugs("wairarapa", json!(["CITY"])).await;
    assert_eq!(found, ["masterton", "changchun"]);
}

#[tokio::test]
async fn files_left_by_an_interrupted_commit_are_removed_at_start() {
    let app = spawn_app().await;
    let storage = app.stop().await;
    // What a process killed between writing a file and committing leaves: a file the
    // index manages but no commit references.
    let managed_path = storage.index_dir().join(".managed.json");
    let mut managed: Vec<String> = serde_json::from_str(&std::fs::read_to_string(&managed_path).unwrap()).unwrap();
    let leftover = "00000000000000000000000000000000.99999.del";
    managed.push(leftover.to_owned());
    std::fs::write(&managed_path, serde_json::to_string(&managed).unwrap()).unwrap();
    std::fs::write(storage.index_dir().join(leftover), b"half written").unwrap();
    let app = start(storage).await;
    assert!(count(&app).await > 0);
    assert!(!app.storage.index_dir().join(leftover).exists(), "the leftover file was collected");
}

/// What a search shows of its matches, without scores: the order, counts, facets and
/// highlights of every page.
async fn shown(app: &crate::helpers::TestApp, query: &str) -> serde_json::Value {
    let body = app
        .data(
            r#"query($q: String!) { search(query: $q, first: 4) {
                totalCount facets { field values { value count } } suggestions
                edges { node { __typename ... on City { slug name } ... on Statistic { slug label } ... on Event { slug } ... on Achievement { slug } ... on Organization { slug } ... on Document { slug } }
                        highlights { field snippet ranges { start end } } } } }"#,
            json!({ "q": query }),
        )
        .await;
    body["search"].clone()
}

#[tokio::test]
async fn writes_are_searched_from_memory_until_the_disk_commit_with_the_same_answers() {
    // Commits to disk only after a minute, or at a graceful stop.
    let app = start_with(crate::helpers::Storage::fresh().await, |config| config.index_flush_ms = 60_000).await;
    let disk = meta(&app.storage)["opstamp"].clone();
    let city = app.id_of("city", "masterton").await;
    app.edit_ok(
        r#"mutation($id: ID!) { updateCity(id: $id, patch: { name: "Masterton Wairarapa" }) { name } }"#,
        json!({ "id": city }),
    )
    .await;
    let statistic = app.id_of("statistic", "changchun-vasaloppet-participants").await;
    app.edit_ok(r#"mutation($id: ID!) { deleteStatistic(id: $id) }"#, json!({ "id": statistic })).await;
    assert_eq!(meta(&app.storage)["opstamp"], disk, "nothing was committed to disk yet");

    let queries =
        ["wairarapa", "masterton", "skiers", "vasaloppet", "changchun", "city", "wairarapa masterton", "masterten"];
    let mut from_memory = Vec::new();
    for query in queries {
        from_memory.push(shown(&app, query).await);
    }
    // The renamed city is found by its new name only, the deleted statistic not at all.
    assert_eq!(app.search_slugs("wairarapa", json!(["CITY"])).await, ["masterton", "changchun"]);
    assert!(!app.search_slugs("masterton", json!(["CITY"])).await.is_empty());
    assert!(!app
        .search_slugs("vasaloppet skiers", json!(["STATISTIC"]))
        .await
        .contains(&"changchun-vasaloppet-participants".to_owned()));

    let app = start(app.stop().await).await;
    assert_ne!(meta(&app.storage)["opstamp"], disk, "the graceful stop committed the changes to disk");
    for (query, expected) in queries.into_iter().zip(from_memory) {
        assert_eq!(shown(&app, query).await, expected, "`{query}` is answered the same from disk as from memory");
    }
}
