//! Batching: nested lists cost one batched store query per level, not one per item, on
//! both paths: the engine's DataLoaders and the compiled plans.

use achievement_graph::config::FastPath;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_on, TestApp};

/// The two ways a query runs.
const PATHS: [FastPath; 2] = [FastPath::Off, FastPath::On];

/// Runs a query twice (the first run compiles its plan on the fast path) and returns the
/// second run's data and how many store queries it took; on the fast path, a plan
/// must have answered it.
async fn counted(app: &TestApp, path: FastPath, query: &str, variables: Value) -> (Value, u64) {
    app.data(query, variables.clone()).await;
    let planned = app.planned();
    let before = app.store.query_count();
    let data = app.data(query, variables).await;
    let used = app.store.query_count() - before;
    let expected = planned + u64::from(path == FastPath::On);
    assert_eq!(app.planned(), expected, "{path:?}: whether a plan answered");
    (data, used)
}

#[tokio::test]
async fn nested_lists_cost_one_store_query_per_level() {
    for path in PATHS {
        nested_lists_on(path).await;
    }
}

async fn nested_lists_on(path: FastPath) {
    let app = spawn_app_on(path).await;
    let query = r#"{
      events(first: 50) {
        nodes {
          name
          city { name achievements(first: 10) { nodes { title cities { name } } } }
          statistics { value }
        }
      }
    }"#;
    let (data, used) = counted(&app, path, query, json!({})).await;
    let events = data["events"]["nodes"].as_array().unwrap();
    assert!(events.len() >= 5, "the dataset has several events");
    // The page, then one query each for: event cities, event statistics, city
    // achievements, achievement cities. Nothing is counted: totalCount is not asked for.
    assert_eq!(used, 5, "{path:?}: {} events took {used} store queries", events.len());

    // Asking for totalCount adds the count, once.
    let counted_query = query.replacen("events(first: 50) {", "events(first: 50) { totalCount", 1);
    let (data, used) = counted(&app, path, &counted_query, json!({})).await;
    assert_eq!(data["events"]["totalCount"].as_u64(), Some(events.len() as u64));
    assert_eq!(used, 6, "{path:?}");
}

#[tokio::test]
async fn the_whole_list_with_every_relation_stays_batched() {
    for path in PATHS {
        whole_list_on(path).await;
    }
}

async fn whole_list_on(path: FastPath) {
    let app = spawn_app_on(path).await;
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
    let (_, used) = counted(&app, path, query, json!({})).await;
    // The sections' figures are about events, organizations and cities: their subjects
    // are loaded by type, one query each.
    assert!(used <= 16, "a three-level query over the whole list took {used} store queries on {path:?}");
}

#[tokio::test]
async fn nodes_by_id_are_loaded_in_one_query_per_type() {
    for path in PATHS {
        nodes_by_id_on(path).await;
    }
}

async fn nodes_by_id_on(path: FastPath) {
    let app = spawn_app_on(path).await;
    let data = app.data("{ statistics(first: 30) { nodes { id } } }", json!({})).await;
    let ids: Vec<&str> =
        data["statistics"]["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 30);
    let (found, used) =
        counted(&app, path, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": ids })).await;
    assert_eq!(used, 1, "{path:?}");
    let returned: Vec<&str> = found["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert_eq!(returned, ids, "nodes come back in the order asked");
}

/// Lists longer than 30 items are resolved a few items per poll; with other requests
/// running, a timer-based batch used to fire between those polls and split one level
/// into several queries. Concurrent requests each still cost one query per level.
#[tokio::test]
async fn concurrent_requests_keep_one_store_query_per_level() {
    for path in PATHS {
        concurrent_on(path).await;
    }
}

async fn concurrent_on(path: FastPath) {
    let app = spawn_app_on(path).await;
    // Each alias makes a distinct text, so that no answer comes from the response cache.
    let query = |alias: usize| {
        format!(
            "{{ s{alias}: statistics(first: 80) {{ nodes {{ value source {{ excerpt }} \
             subject {{ ... on City {{ name country {{ name }} }} ... on Event {{ name city {{ name }} }} }} }} }} }}"
        )
    };
    let (data, alone) = counted(&app, path, &query(0), json!({})).await;
    assert_eq!(data["s0"]["nodes"].as_array().unwrap().len(), 80);
    // The page, excerpts, one query per subject type, then countries and event cities.
    assert!(alone <= 10, "{path:?}: {alone}");

    let requests: Vec<String> = (1..=20).map(query).collect();
    // Each runs once first, so that on the fast path each has its plan.
    for request in &requests {
        app.data(request, json!({})).await;
    }
    let before = app.store.query_count();
    let answers = futures_util::future::join_all(requests.iter().map(|q| app.data(q, json!({})))).await;
    let used = app.store.query_count() - before;
    for (answer, alias) in answers.iter().zip(1..=20) {
        assert_eq!(answer[format!("s{alias}")]["nodes"], data["s0"]["nodes"]);
    }
    assert_eq!(used, alone * 20, "{path:?}: 20 concurrent requests took {used} store queries, {alone} each alone");
}

#[tokio::test]
async fn figures_by_section_are_batched_in_both_directions() {
    for path in PATHS {
        figures_by_section_on(path).await;
    }
}

async fn figures_by_section_on(path: FastPath) {
    let app = spawn_app_on(path).await;
    let query = r#"{
      achievements(first: 10) { nodes { statistics { label achievement { rank } } } }
    }"#;
    let (data, used) = counted(&app, path, query, json!({})).await;
    let figures: usize = data["achievements"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["statistics"].as_array().unwrap().len())
        .sum();
    assert!(figures > 60, "{figures}");
    // The page, the sections' statistics, and those statistics' achievements.
    assert_eq!(used, 3, "{path:?}: {figures} figures took {used} store queries");
}
