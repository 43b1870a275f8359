//! Chinese text end to end: a dataset of the project's own (`tests/fixtures/chinese.json`)
//! imported through the API, and organizations created by mutations, found by their
//! words, their pinyin and their traditional spelling, with ranges on the word.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

const FIXTURE: &str = include_str!("../fixtures/chinese.json");

const SEARCH: &str = r#"query($q: String!, $types: [SearchType!]) {
    search(query: $q, types: $types, first: 10) {
        totalCount suggestions
        edges { node { __typename ... on Organization { slug name } ... on City { slug name } ... on Document { slug } }
                highlights { field snippet ranges { start end } } } } }"#;

/// A server on the bundled graph with the Chinese fixture merged in.
async fn app_with_fixture() -> TestApp {
    let app = spawn_app().await;
    let dataset: Value = serde_json::from_str(FIXTURE).unwrap();
    app.edit_ok(
        "mutation($d: JSON!) { importDataset(dataset: $d, mode: MERGE) { generation } }",
        json!({ "d": dataset }),
    )
    .await;
    app
}

async fn search(app: &TestApp, q: &str, types: Value) -> Value {
    app.data(SEARCH, json!({ "q": q, "types": types })).await["search"].clone()
}

fn slugs(result: &Value) -> Vec<String> {
    result["edges"].as_array().unwrap().iter().map(|e| e["node"]["slug"].as_str().unwrap_or("").to_owned()).collect()
}

/// The texts the name highlight of `slug`'s hit marks.
fn marked_in_name(result: &Value, slug: &str) -> Vec<String> {
    let edge = result["edges"].as_array().unwrap().iter().find(|e| e["node"]["slug"] == slug).expect("the hit");
    let name = edge["highlights"].as_array().unwrap().iter().find(|h| h["field"] == "name").expect("a name highlight");
    let chars: Vec<char> = name["snippet"].as_str().unwrap().chars().collect();
    name["ranges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| chars[r["start"].as_u64().unwrap() as usize..r["end"].as_u64().unwrap() as usize].iter().collect())
        .collect()
}

#[tokio::test]
async fn chinese_words_find_the_names_they_are_part_of_with_ranges_on_the_word() {
    let app = app_with_fixture().await;
    let found = search(&app, "汽车", json!(["ORGANIZATION"])).await;
    assert_eq!(slugs(&found), ["faw-group-zh"]);
    assert_eq!(marked_in_name(&found, "faw-group-zh"), ["汽车"]);

    let found = search(&app, "电影", json!(["ORGANIZATION"])).await;
    assert_eq!(slugs(&found), ["changchun-film-studio-zh"]);
    assert_eq!(marked_in_name(&found, "changchun-film-studio-zh"), ["电影"]);

    let found = search(&app, "长春", json!(null)).await;
    let all = slugs(&found);
    assert!(
        all.contains(&"changchun-film-studio-zh".to_owned()) && all.contains(&"changchun-shi".to_owned()),
        "{all:?}"
    );
    assert_eq!(marked_in_name(&found, "changchun-film-studio-zh"), ["长春"]);
    assert_eq!(marked_in_name(&found, "changchun-shi"), ["长春"], "长春 finds 长春市");
    // The whole name is one word of the dictionary, and a query for it finds it.
    assert_eq!(slugs(&search(&app, "长春电影制片厂", json!(null)).await)[0], "changchun-film-studio-zh");
}

#[tokio::test]
async fn pinyin_finds_chinese_names_below_nothing_else() {
    let app = app_with_fixture().await;
    for (query, first) in [
        ("dianying", "changchun-film-studio-zh"),
        ("changchun dianying", "changchun-film-studio-zh"),
        ("qiche", "faw-group-zh"),
        ("dazhong", "faw-volkswagen-zh"),
    ] {
        let found = slugs(&search(&app, query, json!(null)).await);
        assert_eq!(found.first().map(String::as_str), Some(first), "`{query}`: {found:?}");
    }
    // The Chinese word the pinyin reads is marked.
    let found = search(&app, "dianying", json!(null)).await;
    assert_eq!(marked_in_name(&found, "changchun-film-studio-zh"), ["电影"]);
    let found = search(&app, "qiche", json!(null)).await;
    assert_eq!(marked_in_name(&found, "faw-group-zh"), ["汽车"]);
    // The English name still comes first for its English word: a title match outweighs pinyin.
    let changchun = slugs(&search(&app, "changchun", json!(["CITY"])).await);
    assert_eq!(changchun[0], "changchun", "{changchun:?}");
    assert!(changchun.contains(&"changchun-shi".to_owned()), "长春市 by its pinyin: {changchun:?}");
}

#[tokio::test]
async fn traditional_characters_find_simplified_text() {
    let app = app_with_fixture().await;
    let found = search(&app, "長春電影製片廠", json!(null)).await;
    assert_eq!(slugs(&found)[0], "changchun-film-studio-zh");
    let found = search(&app, "汽車", json!(["ORGANIZATION"])).await;
    assert_eq!(marked_in_name(&found, "faw-group-zh"), ["汽车"]);
}

#[tokio::test]
async fn english_and_chinese_in_one_name_are_both_searchable() {
    let app = app_with_fixture().await;
    for query in ["volkswagen", "大众", "一汽", "\"faw volkswagen\"", "大众 volkswagen"] {
        let found = slugs(&search(&app, query, json!(["ORGANIZATION"])).await);
        assert!(found.contains(&"faw-volkswagen-zh".to_owned()), "`{query}`: {found:?}");
    }
    let found = search(&app, "大众 volkswagen", json!(["ORGANIZATION"])).await;
    assert_eq!(marked_in_name(&found, "faw-volkswagen-zh"), ["大众", "Volkswagen"]);
}

#[tokio::test]
async fn a_quoted_chinese_phrase_needs_its_words_in_order() {
    let app = app_with_fixture().await;
    let in_order = search(&app, "\"位于长春\"", json!(["DOCUMENT"])).await;
    assert_eq!(slugs(&in_order), ["cars-and-films-zh"]);
    let reversed = search(&app, "\"长春位于\"", json!(["DOCUMENT"])).await;
    assert_eq!(slugs(&reversed), Vec::<String>::new());
}

#[tokio::test]
async fn did_you_mean_never_proposes_part_of_a_chinese_word() {
    let app = app_with_fixture().await;
    for query in ["长春电影制片场", "汽车 fiml", "電影院"] {
        let result = search(&app, query, json!(null)).await;
        for suggestion in result["suggestions"].as_array().unwrap() {
            let suggestion = suggestion.as_str().unwrap();
            // A Chinese word in a suggestion is one the query had, as typed.
            for word in suggestion.split_whitespace() {
                let chinese = word.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
                assert!(
                    !chinese || query.split_whitespace().any(|typed| typed == word),
                    "`{query}` suggested `{suggestion}`"
                );
            }
        }
    }
    // A Latin word is still corrected beside a Chinese one (`汽车 film` finds the fixture's
    // document, "Cars and films").
    let result = search(&app, "汽车 fiml", json!(null)).await;
    assert!(result["suggestions"].as_array().unwrap().contains(&json!("汽车 film")), "{result:#}");
}

#[tokio::test]
async fn chinese_names_get_pinyin_slugs() {
    let app = spawn_app().await;
    let create = |name: &'static str| {
        let app = &app;
        async move {
            app.edit_ok(
                "mutation($n: String!) { createOrganization(input: { name: $n, kind: COMPANY }) { slug name } }",
                json!({ "n": name }),
            )
            .await["createOrganization"]["slug"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(create("中国第一汽车集团有限公司").await, "zhongguo-diyi-qichejituan-youxiangongsi");
    assert_eq!(
        create("中国第一汽车集团有限公司").await,
        "zhongguo-diyi-qichejituan-youxiangongsi-2",
        "unique as before"
    );
    assert_eq!(create("长春电影制片厂").await, "changchun-dianying-zhipianchang");
    assert_eq!(create("重庆 厦门").await, "chongqing-xiamen");
    // Read your writes: searchable at once, by its characters and its pinyin.
    assert_eq!(app.search_slugs("汽车", json!(["ORGANIZATION"])).await.len(), 2);
    assert_eq!(app.search_slugs("dianying", json!(["ORGANIZATION"])).await, ["changchun-dianying-zhipianchang"]);
}

#[tokio::test]
async fn highlights_give_utf16_ranges_for_javascript_too() {
    let app = spawn_app().await;
    app.edit_ok(
        r#"mutation { createOrganization(input: { name: "🚗 汽车 Works", kind: COMPANY }) { slug } }"#,
        json!({}),
    )
    .await;
    let data = app
        .data(
            r#"{ search(query: "汽车 works", types: [ORGANIZATION]) { edges { highlights {
                field snippet ranges { start end } utf16Ranges { start end } } } } }"#,
            json!({}),
        )
        .await;
    let name = &data["search"]["edges"][0]["highlights"][0];
    assert_eq!(name["snippet"], "🚗 汽车 Works");
    // The car is one char and two UTF-16 code units.
    assert_eq!(name["ranges"], json!([{ "start": 2, "end": 4 }, { "start": 5, "end": 10 }]));
    assert_eq!(name["utf16Ranges"], json!([{ "start": 3, "end": 5 }, { "start": 6, "end": 11 }]));
}
