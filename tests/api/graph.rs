//! The graph over GraphQL: node lookup, nested relations in both directions, filters.

use serde_json::{json, Value};

use crate::helpers::{error_codes, spawn_app};

fn names(list: &Value, field: &str) -> Vec<String> {
    list.as_array().unwrap().iter().map(|item| item[field].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn node_finds_every_kind_of_entity_by_its_global_id() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
          documents { id __typename }
          achievementLists { id __typename }
          achievements(first: 1) { nodes { id __typename } }
          countries { id __typename }
          cities(first: 1) { nodes { id __typename } }
          organizations(first: 1) { nodes { id __typename } }
          events(first: 1) { nodes { id __typename } }
          statistics(first: 1) { nodes { id __typename } }
        }"#,
            json!({}),
        )
        .await;
    let mut ids = Vec::new();
    for (key, value) in data.as_object().unwrap() {
        let item = if value.is_array() { value[0].clone() } else { value["nodes"][0].clone() };
        assert!(item["id"].is_string(), "{key}");
        ids.push((item["id"].as_str().unwrap().to_owned(), item["__typename"].as_str().unwrap().to_owned()));
    }
    assert_eq!(ids.len(), 8);
    for (id, typename) in &ids {
        let found = app.data("query($id: ID!) { node(id: $id) { id __typename } }", json!({ "id": id })).await;
        assert_eq!(found["node"]["id"], *id);
        assert_eq!(found["node"]["__typename"], *typename);
    }
    let all: Vec<&String> = ids.iter().map(|(id, _)| id).collect();
    let found = app.data("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": all })).await;
    assert_eq!(found["nodes"].as_array().unwrap().len(), 8);
}

#[tokio::test]
async fn a_well_formed_id_of_nothing_is_null() {
    let app = spawn_app().await;
    let id = app.id_of("city", "changchun").await;
    let missing = id.replace(&id[id.len() - 2..], "Aa");
    let body = app.graphql("query($id: ID!) { node(id: $id) { id } }", json!({ "id": missing })).await;
    // Either a different valid id that matches nothing, or a malformed one: never an internal error.
    assert!(body["data"]["node"].is_null());
    assert!(error_codes(&body).iter().all(|code| code == "BAD_USER_INPUT"));
}

#[tokio::test]
async fn city_and_achievements_link_in_both_directions() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ city(slug: "changchun") {
              name country { name cities { slug } }
              achievements(first: 100) { totalCount nodes { slug cities { slug } } }
              friendshipCities { slug friendshipCities { slug } }
            } }"#,
            json!({}),
        )
        .await;
    let city = &data["city"];
    assert_eq!(city["name"], "Changchun");
    assert_eq!(city["country"]["name"], "China");
    for achievement in city["achievements"]["nodes"].as_array().unwrap() {
        assert!(names(&achievement["cities"], "slug").contains(&"changchun".to_owned()));
    }
    let friends = names(&city["friendshipCities"], "slug");
    for slug in ["sendai", "masterton", "little-rock", "wolfsburg", "warrnambool"] {
        assert!(friends.contains(&slug.to_owned()), "{slug} missing from {friends:?}");
    }
    for friend in city["friendshipCities"].as_array().unwrap() {
        assert_eq!(names(&friend["friendshipCities"], "slug"), ["changchun"]);
    }
}

#[tokio::test]
async fn events_link_to_statistics_and_statistics_back_to_their_subject() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ statistics(filter: { minValue: 3071, maxValue: 3071 }) { nodes {
              value unit qualifier
              subject { __typename ... on Event { slug startDate endDate city { slug } statistics { value } } }
              source { excerpt start end document { title } }
            } } }"#,
            json!({}),
        )
        .await;
    let nodes = data["statistics"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1);
    let stat = &nodes[0];
    assert_eq!(stat["qualifier"], "EXACT");
    assert_eq!(stat["subject"]["__typename"], "Event");
    assert_eq!(stat["subject"]["startDate"], "2007-01-28");
    assert_eq!(stat["subject"]["endDate"], "2007-02-04");
    assert_eq!(stat["subject"]["city"]["slug"], "changchun");
    let values: Vec<f64> =
        stat["subject"]["statistics"].as_array().unwrap().iter().map(|s| s["value"].as_f64().unwrap()).collect();
    assert!(values.contains(&3071.0) && values.contains(&261.0));
    assert!(stat["source"]["excerpt"].as_str().unwrap().contains("3,071"));
}

#[tokio::test]
async fn organizations_link_to_their_events_and_achievements() {
    let app = spawn_app().await;
    let data =
        app.data(r#"{ events(first: 100) { nodes { slug organizers { slug events { slug } } } } }"#, json!({})).await;
    let mut checked = 0;
    for event in data["events"]["nodes"].as_array().unwrap() {
        for organizer in event["organizers"].as_array().unwrap() {
            assert!(names(&organizer["events"], "slug").contains(&event["slug"].as_str().unwrap().to_owned()));
            checked += 1;
        }
    }
    assert!(checked >= 2, "some event has organizers");
}

#[tokio::test]
async fn achievements_filter_by_category_list_and_city() {
    let app = spawn_app().await;
    let data =
        app.data(r#"{ achievements(filter: { category: SPORTS }) { totalCount nodes { rank } } }"#, json!({})).await;
    assert_eq!(data["achievements"]["totalCount"], 2);
    let list = app.data("{ achievementLists { id } }", json!({})).await["achievementLists"][0]["id"].clone();
    let city = app.id_of("city", "changchun").await;
    let data = app
        .data(
            "query($list: ID, $city: ID) { achievements(filter: { listId: $list, cityId: $city }, first: 100) { totalCount } }",
            json!({ "list": list, "city": city }),
        )
        .await;
    assert_eq!(data["achievements"]["totalCount"], 10);
    let body = app
        .graphql("query($list: ID) { achievements(filter: { cityId: $list }) { totalCount } }", json!({ "list": list }))
        .await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    assert_eq!(body["errors"][0]["extensions"]["field"], "filter.cityId");
}

#[tokio::test]
async fn statistic_filters_check_their_values() {
    let app = spawn_app().await;
    let body = app.graphql("{ statistics(filter: { minValue: 10, maxValue: 1 }) { totalCount } }", json!({})).await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    assert_eq!(body["errors"][0]["extensions"]["field"], "filter.minValue");
    let data = app.data(r#"{ statistics(filter: { unit: "percent" }) { nodes { value } } }"#, json!({})).await;
    let mut values: Vec<f64> =
        data["statistics"]["nodes"].as_array().unwrap().iter().map(|n| n["value"].as_f64().unwrap()).collect();
    values.sort_by(f64::total_cmp);
    assert_eq!(values, [38.0, 42.0]);
}

#[tokio::test]
async fn every_source_excerpt_is_the_document_text_at_its_offsets() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ documents { text } statistics(first: 100) { totalCount nodes { source { start end excerpt } } }
                 achievements(first: 10) { nodes { source { start end excerpt } } } }"#,
            json!({}),
        )
        .await;
    let text: Vec<char> = data["documents"][0]["text"].as_str().unwrap().chars().collect();
    let mut spans: Vec<&Value> = Vec::new();
    spans.extend(data["statistics"]["nodes"].as_array().unwrap().iter().map(|n| &n["source"]));
    spans.extend(data["achievements"]["nodes"].as_array().unwrap().iter().map(|n| &n["source"]));
    assert!(spans.len() > 70);
    for span in spans {
        let (start, end) = (span["start"].as_u64().unwrap() as usize, span["end"].as_u64().unwrap() as usize);
        let expected: String = text[start..end].iter().collect();
        assert_eq!(span["excerpt"].as_str().unwrap(), expected);
    }
}

#[tokio::test]
async fn every_entity_starts_at_version_1() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ documents { version } achievementLists { version } countries { version }
                 achievements(first: 100) { nodes { version } } cities(first: 100) { nodes { version } }
                 organizations(first: 100) { nodes { version } } events(first: 100) { nodes { version } }
                 statistics(first: 100) { nodes { version } } }"#,
            json!({}),
        )
        .await;
    let mut seen = 0;
    for (_, value) in data.as_object().unwrap() {
        let items = if value.is_array() { value.as_array().unwrap() } else { value["nodes"].as_array().unwrap() };
        for item in items {
            assert_eq!(item["version"], 1);
            seen += 1;
        }
    }
    assert_eq!(seen, 1 + 1 + 6 + 10 + 6 + 24 + 15 + 81);
}
