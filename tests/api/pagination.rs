//! Relay pagination: forwards, backwards, cursors, limits, totals.

use serde_json::{json, Value};

use crate::helpers::{error_codes, spawn_app, TestApp};

const ORGS: &str = r#"query($first: Int, $after: String, $last: Int, $before: String) {
  organizations(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor node { slug } }
    nodes { slug }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"#;

async fn page(app: &TestApp, variables: Value) -> Value {
    app.data(ORGS, variables).await["organizations"].clone()
}

fn slugs(connection: &Value) -> Vec<String> {
    connection["nodes"].as_array().unwrap().iter().map(|n| n["slug"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn paging_forwards_visits_every_item_once_in_order() {
    let app = spawn_app().await;
    let everything = page(&app, json!({ "first": 100 })).await;
    let total = everything["totalCount"].as_u64().unwrap() as usize;
    assert!(total > 10);
    assert_eq!(slugs(&everything).len(), total);

    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let connection = page(&app, json!({ "first": 3, "after": after })).await;
        assert_eq!(connection["totalCount"].as_u64().unwrap() as usize, total);
        seen.extend(slugs(&connection));
        assert_eq!(connection["pageInfo"]["hasPreviousPage"], !after.is_null());
        if connection["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, slugs(&everything));
}

#[tokio::test]
async fn paging_backwards_visits_every_item_once_in_order() {
    let app = spawn_app().await;
    let everything = slugs(&page(&app, json!({ "first": 100 })).await);
    let mut seen: Vec<String> = Vec::new();
    let mut before = Value::Null;
    loop {
        let connection = page(&app, json!({ "last": 4, "before": before })).await;
        let mut chunk = slugs(&connection);
        chunk.extend(seen);
        seen = chunk;
        if connection["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = connection["pageInfo"]["startCursor"].clone();
    }
    assert_eq!(seen, everything);
}

#[tokio::test]
async fn edges_and_nodes_agree_and_cursors_point_at_their_edge() {
    let app = spawn_app().await;
    let first = page(&app, json!({ "first": 5 })).await;
    let edges = first["edges"].as_array().unwrap();
    for (edge, node) in edges.iter().zip(first["nodes"].as_array().unwrap()) {
        assert_eq!(edge["node"], *node);
    }
    let after_second = page(&app, json!({ "first": 2, "after": edges[1]["cursor"] })).await;
    assert_eq!(slugs(&after_second), slugs(&first)[2..4]);
    let before_fourth = page(&app, json!({ "last": 2, "before": edges[3]["cursor"] })).await;
    assert_eq!(slugs(&before_fourth), slugs(&first)[1..3]);
}

#[tokio::test]
async fn page_sizes_outside_0_to_100_and_both_first_and_last_are_refused() {
    let app = spawn_app().await;
    for (variables, field) in [
        (json!({ "first": -1 }), "first"),
        (json!({ "first": 101 }), "first"),
        (json!({ "last": 1000 }), "last"),
        (json!({ "first": 1, "last": 1 }), "last"),
        (json!({ "after": "bm90IGEgY3Vyc29y" }), "after"),
        (json!({ "before": "%%%" }), "before"),
    ] {
        let body = app.graphql(ORGS, variables.clone()).await;
        assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{variables}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{variables}");
    }
}

#[tokio::test]
async fn statistics_page_by_value_in_both_directions() {
    let app = spawn_app().await;
    let query = r#"query($order: StatisticOrder, $after: String) {
      statistics(orderBy: $order, first: 7, after: $after) {
        totalCount nodes { value } pageInfo { endCursor hasNextPage }
      }
    }"#;
    let mut values = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app.data(query, json!({ "order": "VALUE_DESC", "after": after })).await;
        let connection = &data["statistics"];
        values.extend(connection["nodes"].as_array().unwrap().iter().map(|n| n["value"].as_f64().unwrap()));
        if connection["pageInfo"]["hasNextPage"] == false {
            assert_eq!(values.len() as u64, connection["totalCount"].as_u64().unwrap());
            break;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
    assert!(values.windows(2).all(|pair| pair[0] >= pair[1]), "{values:?}");
    assert_eq!(values[0], 640_000_000.0);
}

#[tokio::test]
async fn a_nested_connection_pages_too() {
    let app = spawn_app().await;
    let query = r#"query($after: String) { city(slug: "changchun") {
        achievements(first: 4, after: $after) { totalCount nodes { rank } pageInfo { hasNextPage endCursor } }
    } }"#;
    let first = app.data(query, json!({})).await;
    let connection = &first["city"]["achievements"];
    assert_eq!(connection["totalCount"], 10);
    assert_eq!(connection["nodes"].as_array().unwrap().len(), 4);
    let next = app.data(query, json!({ "after": connection["pageInfo"]["endCursor"] })).await;
    let ranks: Vec<i64> =
        next["city"]["achievements"]["nodes"].as_array().unwrap().iter().map(|n| n["rank"].as_i64().unwrap()).collect();
    assert_eq!(ranks, [5, 6, 7, 8]);
}
