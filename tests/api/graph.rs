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

#[tokio::test]
async fn an_achievement_lists_every_figure_of_its_section_in_text_order() {
    let app = spawn_app().await;
    let query = r#"{
      achievements(first: 10) { nodes {
        rank title source { start end }
        statistics { slug label value unit subject { __typename } source { start end excerpt } achievement { rank } }
      } }
    }"#;
    let data = app.data(query, json!({})).await;
    let rank = |rank: i64| {
        data["achievements"]["nodes"].as_array().unwrap().iter().find(|a| a["rank"] == rank).unwrap().clone()
    };
    let four = rank(4);
    let statistics = four["statistics"].as_array().unwrap();
    let registered = statistics.iter().find(|s| s["label"] == "registered participants").expect("3,071 is there");
    assert_eq!(registered["value"], 3071.0);
    assert_eq!(registered["subject"]["__typename"], "Event", "the subject stays the most specific one");
    assert_eq!(registered["achievement"]["rank"], 4);
    // Every figure lies in the section, in text order.
    let (start, end) = (four["source"]["start"].as_i64().unwrap(), four["source"]["end"].as_i64().unwrap());
    let offsets: Vec<(i64, i64)> = statistics
        .iter()
        .map(|s| (s["source"]["start"].as_i64().unwrap(), s["source"]["end"].as_i64().unwrap()))
        .collect();
    assert!(offsets.iter().all(|(s, e)| *s >= start && *e <= end), "{offsets:?}");
    assert!(offsets.windows(2).all(|pair| pair[0] <= pair[1]), "{offsets:?}");
    assert_eq!(statistics.len(), 29, "every figure the curation gives achievement 4");

    let two = rank(2);
    let vehicles = two["statistics"].as_array().unwrap().iter().find(|s| s["value"] == 8900.0).expect("8,900 is there");
    assert_eq!(vehicles["unit"], "vehicles");
    assert_eq!(vehicles["subject"]["__typename"], "Organization");
    // Achievement 5 (a strategy) states no figure.
    let five = rank(5);
    assert_eq!(five["statistics"], json!([]));
}

#[tokio::test]
async fn the_introductions_figures_belong_to_the_list_and_to_no_achievement() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
              achievementLists { statistics { slug achievement { rank } subject { __typename } } }
              statistics(first: 100) { totalCount nodes { slug achievement { slug } } }
              achievements(first: 10) { nodes { slug statistics { slug } } }
            }"#,
            json!({}),
        )
        .await;
    let list = data["achievementLists"][0]["statistics"].as_array().unwrap();
    let slugs: Vec<&str> = list.iter().map(|s| s["slug"].as_str().unwrap()).collect();
    assert!(slugs.contains(&"finalists") && slugs.contains(&"achievements-solicited"), "{slugs:?}");
    // A figure of the introduction about the city is the list's too; none has an achievement.
    assert!(slugs.contains(&"changchun-years-of-opening-up"), "{slugs:?}");
    assert!(list.iter().all(|s| s["achievement"].is_null()));
    assert_eq!(list.len(), 12);
    // Every statistic is the list's or exactly one achievement's, and the two directions agree.
    let in_achievements: Vec<(String, String)> = data["achievements"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| {
            a["statistics"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| (s["slug"].as_str().unwrap().to_owned(), a["slug"].as_str().unwrap().to_owned()))
        })
        .collect();
    let statistics = data["statistics"]["nodes"].as_array().unwrap();
    assert_eq!(statistics.len() as u64, data["statistics"]["totalCount"].as_u64().unwrap());
    assert_eq!(in_achievements.len() + list.len(), statistics.len());
    for statistic in statistics {
        let slug = statistic["slug"].as_str().unwrap();
        let owner = in_achievements.iter().find(|(s, _)| s == slug).map(|(_, a)| a.as_str());
        assert_eq!(statistic["achievement"]["slug"].as_str(), owner, "{slug}");
    }
}

#[tokio::test]
async fn an_edited_span_moves_a_figure_between_sections() {
    let app = spawn_app().await;
    // Point the Games' 10 disciplines at the sentence of achievement 3 that states 10 ODA
    // projects: the figure becomes achievement 3's.
    let id = app.id_of("statistic", "asian-winter-games-disciplines").await;
    let document = app.data(r#"{ documents { id text } }"#, json!({})).await["documents"][0].clone();
    let text = document["text"].as_str().unwrap();
    let sentence = "Changchun has received 10 ODA projects";
    let start = text[..text.find(sentence).unwrap()].chars().count() as i64;
    let body = app
        .edit(
            r#"mutation($id: ID!, $document: ID!, $start: Int!, $end: Int!) {
              updateStatistic(id: $id, patch: { source: { documentId: $document, start: $start, end: $end } }) {
                achievement { rank }
              }
            }"#,
            json!({ "id": id, "document": document["id"], "start": start, "end": start + sentence.chars().count() as i64 }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(body["data"]["updateStatistic"]["achievement"]["rank"], 3);
    let data = app.data(r#"{ achievements(first: 10) { nodes { rank statistics { slug } } } }"#, json!({})).await;
    let rank = |rank: i64| {
        data["achievements"]["nodes"].as_array().unwrap().iter().find(|a| a["rank"] == rank).unwrap().to_string()
    };
    assert!(rank(3).contains("asian-winter-games-disciplines"));
    assert!(!rank(4).contains("asian-winter-games-disciplines"));
}

#[tokio::test]
async fn every_figure_is_found_in_its_sentence_as_the_article_writes_it() {
    let app = spawn_app().await;
    let data = app
        .data(
            "{ statistics(first: 100) { nodes { slug stated { text range { start end } } source { excerpt } } } }",
            json!({}),
        )
        .await;
    let statistics = data["statistics"]["nodes"].as_array().unwrap();
    assert_eq!(statistics.len(), 81);
    for statistic in statistics {
        let slug = statistic["slug"].as_str().unwrap();
        let stated = &statistic["stated"];
        assert!(stated.is_object(), "{slug} has no stated figure");
        let excerpt: Vec<char> = statistic["source"]["excerpt"].as_str().unwrap().chars().collect();
        let (start, end) =
            (stated["range"]["start"].as_u64().unwrap() as usize, stated["range"]["end"].as_u64().unwrap() as usize);
        assert_eq!(excerpt[start..end].iter().collect::<String>(), stated["text"].as_str().unwrap(), "{slug}");
    }
    let text = |slug: &str| {
        statistics.iter().find(|s| s["slug"] == slug).unwrap()["stated"]["text"].as_str().unwrap().to_owned()
    };
    assert_eq!(text("asian-winter-games-registered-participants"), "3,071");
    assert_eq!(text("changchun-japanese-aid-value"), "RMB640 million");
    assert_eq!(text("team-china-ice-gold-share"), "42%");
    assert_eq!(text("crrc-vehicles-sold"), "8,900");
}

#[tokio::test]
async fn statistics_filter_by_subject_and_refuse_what_cannot_be_one() {
    let app = spawn_app().await;
    let query =
        r#"query($s: ID!) { statistics(filter: { subjectId: $s }, first: 100) { nodes { subject { __typename } } } }"#;
    let games = app.id_of("event", "6th-asian-winter-games").await;
    let data = app.data(query, json!({ "s": games })).await;
    let nodes = data["statistics"]["nodes"].as_array().unwrap();
    assert!(nodes.len() > 10 && nodes.iter().all(|n| n["subject"]["__typename"] == "Event"), "{data:#}");
    let china = app.id_of("country", "china").await;
    let body = app.graphql(query, json!({ "s": china })).await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    assert_eq!(body["errors"][0]["extensions"]["field"], "filter.subjectId");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("not a Country"), "{body:#}");
}
