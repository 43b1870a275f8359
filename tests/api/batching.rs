//! DataLoaders: nested lists cost one batched store query per level, not one per item.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn nested_lists_cost_one_store_query_per_level() {
    let app = spawn_app().await;
    let query = r#"{
      events(first: 50) {
        nodes {
          name
          city { name achievements(first: 10) { nodes { title cities { name } } } }
          statistics { value }
        }
      }
    }"#;
    let before = app.store.query_count();
    let data = app.data(query, json!({})).await;
    let used = app.store.query_count() - before;
    let events = data["events"]["nodes"].as_array().unwrap();
    assert!(events.len() >= 5, "the dataset has several events");
    // The page, then one query each for: event cities, event statistics, city
    // achievements, achievement cities. Nothing is counted: totalCount is not asked for.
    assert_eq!(used, 5, "{} events took {used} store queries", events.len());

    // Asking for totalCount adds the count, once.
    let counted = query.replacen("events(first: 50) {", "events(first: 50) { totalCount", 1);
    let before = app.store.query_count();
    let data = app.data(&counted, json!({})).await;
    assert_eq!(data["events"]["totalCount"].as_u64(), Some(events.len() as u64));
    assert_eq!(app.store.query_count() - before, 6);
}

#[tokio::test]
async fn the_whole_list_with_every_relation_stays_batched() {
    let app = spawn_app().await;
    let query = r#"{
      achievementLists {
        organizers { name }
        achievements {
          cities { name country { name } friendshipCities { name } }
          organizations { name events { name } }
          events { name organizers { name } }
          statistics { value source { excerpt } subject { __typename } }
          source { excerpt }
        }
      }
    }"#;
    let before = app.store.query_count();
    app.data(query, json!({})).await;
    let used = app.store.query_count() - before;
    assert!(used <= 14, "a three-level query over the whole list took {used} store queries");
}

#[tokio::test]
async fn nodes_by_id_are_loaded_in_one_query_per_type() {
    let app = spawn_app().await;
    let data = app.data("{ statistics(first: 30) { nodes { id } } }", json!({})).await;
    let ids: Vec<&str> =
        data["statistics"]["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 30);
    let before = app.store.query_count();
    let found = app.data("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": ids })).await;
    assert_eq!(app.store.query_count() - before, 1);
    let returned: Vec<&str> = found["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert_eq!(returned, ids, "nodes come back in the order asked");
}
