//! Search over HTTP: relevance, typos, stems, prefixes, phrases, highlights, facets,
//! suggestions, warnings, filters, pagination and hostile syntax.

use serde_json::{json, Value};

use crate::helpers::{error_codes, spawn_app, TestApp};

const SEARCH: &str = r#"query($q: String!, $types: [SearchType!], $filter: SearchFilter, $first: Int, $after: String) {
  search(query: $q, types: $types, filter: $filter, first: $first, after: $after) {
    totalCount
    edges {
      cursor score
      node { __typename ... on Achievement { title rank category } ... on City { name slug } ... on Organization { name }
             ... on Event { name } ... on Statistic { label value } ... on Document { title } }
      highlights { field snippet ranges { start end } }
    }
    pageInfo { hasNextPage hasPreviousPage endCursor }
    facets { field values { value count } }
    suggestions
    warnings
  }
}"#;

async fn search(app: &TestApp, q: &str, variables: Value) -> Value {
    let mut variables = variables;
    variables["q"] = json!(q);
    app.data(SEARCH, variables).await["search"].clone()
}

/// The display name of a hit: title, name or label.
fn name(edge: &Value) -> String {
    let node = &edge["node"];
    ["title", "name", "label"].iter().find_map(|f| node[f].as_str()).unwrap_or_default().to_owned()
}

fn top(result: &Value) -> (String, String) {
    let edge = &result["edges"][0];
    (edge["node"]["__typename"].as_str().unwrap_or("none").to_owned(), name(edge))
}

#[tokio::test]
async fn relevance_puts_the_expected_entity_first() {
    let app = spawn_app().await;
    // (query, restricted to types, expected type of the top hit, text its title/name/label contains)
    let cases: &[(&str, &[&str], &str, &str)] = &[
        ("vasaloppet", &["EVENT"], "Event", "Vasaloppet"),
        ("sculpture park", &["ACHIEVEMENT"], "Achievement", "Sculpture Park"),
        ("films", &["ACHIEVEMENT"], "Achievement", "Films of Changchun"),
        ("high-speed trains", &[], "Achievement", "High-speed Trains"),
        ("FAW-Volkswagen", &["ORGANIZATION"], "Organization", "FAW-Volkswagen"),
        ("Little Rock", &[], "City", "Little Rock"),
        ("sendai", &[], "City", "Sendai"),
        ("Northeast Asia Expo", &["EVENT"], "Event", "Northeast Asia Expo"),
        ("regional central city", &["ACHIEVEMENT"], "Achievement", "Regional Central City"),
        ("water purification", &[], "Organization", "Water Purification Plant"),
        ("registered participants", &["STATISTIC"], "Statistic", "registered"),
        ("hectares", &["STATISTIC"], "Statistic", ""),
        ("automobile expo", &["EVENT"], "Event", "Automobile Expo"),
        ("film festival", &["EVENT"], "Event", "Film Festival"),
        ("japan", &["ACHIEVEMENT"], "Achievement", "China-Japan"),
        ("friendship cities", &["ACHIEVEMENT"], "Achievement", "International Friendship"),
        ("dubbed film", &["ORGANIZATION"], "Organization", "Dubbed Film"),
        ("skiing", &["ACHIEVEMENT"], "Achievement", "Skiing"),
        ("wolfsburg", &[], "City", "Wolfsburg"),
        ("asian winter games", &["ACHIEVEMENT"], "Achievement", "Asian Winter Games"),
        ("exchange groups", &["STATISTIC"], "Statistic", "exchange groups"),
        ("warrnambool", &[], "City", "Warrnambool"),
    ];
    let mut failures = Vec::new();
    for (query, types, kind, text) in cases {
        let result = search(&app, query, json!({ "types": types })).await;
        let (found_kind, found_name) = top(&result);
        if found_kind != *kind || !found_name.contains(text) {
            failures.push(format!("{query:?}: expected {kind} `{text}`, got {found_kind} `{found_name}`"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} queries ranked wrong:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn hectares_finds_the_park_area_with_its_qualifier() {
    let app = spawn_app().await;
    let result = search(&app, "hectares", json!({ "types": ["STATISTIC"] })).await;
    assert_eq!(result["edges"][0]["node"]["value"], 100.0);
}

#[tokio::test]
async fn typos_still_find_the_word_but_rank_below_exact_matches() {
    let app = spawn_app().await;
    for (typo, expected) in
        [("vasalopet", "Vasaloppet"), ("sculpure", "Sculpture"), ("skiign", "Skiing"), ("Wolfsbrug", "Wolfsburg")]
    {
        let result = search(&app, typo, json!({})).await;
        assert!(result["totalCount"].as_u64().unwrap() > 0, "{typo} found nothing");
        let names: Vec<String> = result["edges"].as_array().unwrap().iter().map(name).collect();
        assert!(names.iter().any(|n| n.contains(expected)), "{typo}: {names:?}");
        let marked = marked_texts(&result["edges"][0]);
        assert!(!marked.is_empty(), "{typo}: the typo match is highlighted");
    }
    // An exact match outranks a one-typo match of the same word.
    let exact = search(&app, "sendai", json!({})).await;
    let typo = search(&app, "sendia", json!({})).await;
    assert!(exact["edges"][0]["score"].as_f64().unwrap() > typo["edges"][0]["score"].as_f64().unwrap());
}

#[tokio::test]
async fn stems_match_other_forms_of_a_word() {
    let app = spawn_app().await;
    let plural = search(&app, "exhibitions", json!({})).await;
    let singular = search(&app, "exhibition", json!({})).await;
    assert_eq!(plural["totalCount"], singular["totalCount"]);
    assert!(plural["totalCount"].as_u64().unwrap() > 0);
    let train = search(&app, "train", json!({ "types": ["ACHIEVEMENT"] })).await;
    assert!(name(&train["edges"][0]).contains("Trains"));
}

#[tokio::test]
async fn a_prefix_matches_every_word_it_starts() {
    let app = spawn_app().await;
    let result = search(&app, "sculpt*", json!({ "first": 50 })).await;
    let marked = result["edges"].as_array().unwrap().iter().flat_map(marked_texts).collect::<Vec<_>>();
    assert!(marked.iter().any(|m| m.to_lowercase() == "sculpture"));
    assert!(marked.iter().any(|m| m.to_lowercase() == "sculptors"));
    assert!(marked.iter().all(|m| m.to_lowercase().starts_with("sculpt")), "{marked:?}");
}

#[tokio::test]
async fn a_phrase_needs_its_words_in_order() {
    let app = spawn_app().await;
    let phrase = search(&app, "\"winter games\"", json!({})).await;
    assert!(phrase["totalCount"].as_u64().unwrap() > 0);
    for edge in phrase["edges"].as_array().unwrap() {
        for text in marked_texts(edge) {
            assert_eq!(text.to_lowercase(), "winter games");
        }
    }
    let reversed = search(&app, "\"games winter\"", json!({})).await;
    assert_eq!(reversed["totalCount"], 0);
}

fn marked_texts(edge: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for highlight in edge["highlights"].as_array().unwrap() {
        let chars: Vec<char> = highlight["snippet"].as_str().unwrap().chars().collect();
        for range in highlight["ranges"].as_array().unwrap() {
            let (start, end) = (range["start"].as_u64().unwrap() as usize, range["end"].as_u64().unwrap() as usize);
            assert!(start < end && end <= chars.len(), "range {start}..{end} outside the snippet");
            out.push(chars[start..end].iter().collect());
        }
    }
    out
}

#[tokio::test]
async fn highlight_ranges_are_char_offsets_of_the_matched_words() {
    let app = spawn_app().await;
    let result = search(&app, "China’s industrial", json!({ "types": ["ACHIEVEMENT"] })).await;
    let edge = &result["edges"][0];
    let title =
        edge["highlights"].as_array().unwrap().iter().find(|h| h["field"] == "title").expect("a title highlight");
    assert_eq!(title["snippet"], edge["node"]["title"]);
    let marked = marked_texts(edge);
    assert!(marked.contains(&"China’s".to_owned()) || marked.contains(&"China".to_owned()), "{marked:?}");
    assert!(marked.contains(&"Industrial".to_owned()), "{marked:?}");
    // Long bodies are cut around the match, marked with an ellipsis.
    let result = search(&app, "worldloppet", json!({ "types": ["ACHIEVEMENT"] })).await;
    let summary =
        result["edges"][0]["highlights"].as_array().unwrap().iter().find(|h| h["field"] == "summary").unwrap();
    let snippet = summary["snippet"].as_str().unwrap();
    assert!(snippet.starts_with('…') && snippet.chars().count() <= 202, "{snippet}");
    assert_eq!(marked_texts(&result["edges"][0]), ["Worldloppet"]);
}

#[tokio::test]
async fn facets_count_every_match_not_just_the_page() {
    let app = spawn_app().await;
    let result = search(&app, "changchun", json!({ "first": 2 })).await;
    let total = result["totalCount"].as_u64().unwrap();
    assert!(total > 20);
    assert_eq!(result["edges"].as_array().unwrap().len(), 2);
    let facet =
        |field: &str| result["facets"].as_array().unwrap().iter().find(|f| f["field"] == field).unwrap().clone();
    let by_type: u64 = facet("type")["values"].as_array().unwrap().iter().map(|v| v["count"].as_u64().unwrap()).sum();
    assert_eq!(by_type, total);
    let achievements =
        facet("type")["values"].as_array().unwrap().iter().find(|v| v["value"] == "ACHIEVEMENT").unwrap()["count"]
            .as_u64()
            .unwrap();
    let by_category: u64 =
        facet("category")["values"].as_array().unwrap().iter().map(|v| v["count"].as_u64().unwrap()).sum();
    assert_eq!(by_category, achievements);
    let sports = facet("category")["values"].as_array().unwrap().iter().find(|v| v["value"] == "SPORTS").unwrap()
        ["count"]
        .clone();
    let filtered = search(&app, "changchun", json!({ "filter": { "category": "SPORTS" } })).await;
    assert_eq!(filtered["totalCount"], sports);
}

#[tokio::test]
async fn filters_by_type_category_and_city() {
    let app = spawn_app().await;
    let events = search(&app, "changchun", json!({ "types": ["EVENT"], "first": 100 })).await;
    assert!(events["edges"].as_array().unwrap().iter().all(|e| e["node"]["__typename"] == "Event"));
    let sendai = app.id_of("city", "sendai").await;
    let in_sendai = search(&app, "", json!({ "filter": { "cityId": sendai } })).await;
    assert!(in_sendai["totalCount"].as_u64().unwrap() >= 1);
    let inline = search(&app, "type:city friendship", json!({ "first": 100 })).await;
    assert!(inline["edges"].as_array().unwrap().iter().all(|e| e["node"]["__typename"] == "City"));
    let body = app.graphql(SEARCH, json!({ "q": "x", "filter": { "cityId": "nope" } })).await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    assert_eq!(body["errors"][0]["extensions"]["field"], "filter.cityId");
}

#[tokio::test]
async fn results_page_with_cursors_and_keep_their_order() {
    let app = spawn_app().await;
    let all = search(&app, "changchun", json!({ "first": 100 })).await;
    let names: Vec<(String, String)> =
        all["edges"].as_array().unwrap().iter().map(|e| (e["node"]["__typename"].to_string(), name(e))).collect();
    let mut paged = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = search(&app, "changchun", json!({ "first": 7, "after": after })).await;
        paged.extend(page["edges"].as_array().unwrap().iter().map(|e| (e["node"]["__typename"].to_string(), name(e))));
        assert_eq!(page["pageInfo"]["hasPreviousPage"], !after.is_null());
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(paged, names);
    let scores: Vec<f64> = all["edges"].as_array().unwrap().iter().map(|e| e["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]));
    let body = app.graphql(SEARCH, json!({ "q": "x", "first": 500 })).await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "first");
}

#[tokio::test]
async fn little_results_come_with_did_you_mean_suggestions() {
    let app = spawn_app().await;
    let result = search(&app, "fiml", json!({})).await;
    assert_eq!(result["totalCount"], 0);
    assert!(result["suggestions"].as_array().unwrap().contains(&json!("film")), "{:#}", result["suggestions"]);
    // A misspelt word among good ones: the loose fallback finds results, and the
    // suggestion still offers the corrected query.
    let mixed = search(&app, "fiml festival", json!({})).await;
    assert!(mixed["totalCount"].as_u64().unwrap() > 0);
    assert!(mixed["suggestions"].as_array().unwrap().contains(&json!("film festival")), "{:#}", mixed["suggestions"]);
    let plenty = search(&app, "changchun", json!({})).await;
    assert_eq!(plenty["suggestions"], json!([]));
}

#[tokio::test]
async fn words_that_are_not_all_found_fall_back_to_any_word_with_a_warning() {
    let app = spawn_app().await;
    let result = search(&app, "sendai zzzzqqq", json!({})).await;
    assert!(result["totalCount"].as_u64().unwrap() > 0);
    assert_eq!(top(&result).1, "Sendai");
    assert!(result["warnings"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("some of them")));
}

#[tokio::test]
async fn hostile_search_syntax_never_fails_the_request() {
    let app = spawn_app().await;
    let long = "skiing ".repeat(2000);
    let deep = format!("{}skiing{}", "(".repeat(500), ")".repeat(500));
    let inputs = [
        "\"unbalanced",
        "((((",
        "))))",
        "AND",
        "OR OR OR",
        "NOT",
        "-",
        "*",
        "**",
        "a*",
        "title:",
        ":",
        "foo:bar",
        "type:planet",
        "city:Not A Slug",
        "\\",
        "\"\"",
        "\u{0}\u{1}",
        "🙂",
        "ski~2",
        "ski^10",
        "[1 TO 5]",
        "{}",
        "+-+-",
        "&&||",
        "<script>",
        "%00",
        "' OR 1=1 --",
        "sculpt* -sculpt*",
        long.as_str(),
        deep.as_str(),
    ];
    for input in inputs {
        let body = app.graphql(SEARCH, json!({ "q": input })).await;
        assert!(body.get("errors").is_none(), "{input:?}: {body:#}");
        assert!(body["data"]["search"]["totalCount"].is_number(), "{input:?}");
    }
    let result = search(&app, "\"unbalanced", json!({})).await;
    assert!(!result["warnings"].as_array().unwrap().is_empty());
    let result = search(&app, &long, json!({})).await;
    assert!(result["warnings"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("256")));
}

#[tokio::test]
async fn search_results_resolve_to_full_nodes_with_relations() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ search(query: "3,071", types: [STATISTIC]) { edges { node { ... on Statistic {
                value qualifier subject { __typename } source { excerpt } } } } } }"#,
            json!({}),
        )
        .await;
    let node = &data["search"]["edges"][0]["node"];
    assert_eq!(node["value"], 3071.0);
    assert!(node["source"]["excerpt"].as_str().unwrap().contains("3,071"));
}

#[tokio::test]
async fn search_reads_its_nodes_from_the_index_and_they_equal_the_stores() {
    let app = spawn_app().await;
    let every_field = r#"
        ... on Achievement { id slug version rank title category summary }
        ... on City { id slug version name }
        ... on Organization { id slug version name kind foundedOn }
        ... on Event { id slug version name startDate endDate }
        ... on Statistic { id slug version label value unit qualifier period }
        ... on Document { id slug version title publisher publishedOn }"#;
    let query = format!(
        r#"query($q: String!) {{ search(query: $q, first: 50) {{ edges {{ node {{ __typename {every_field} }} }} }} }}"#
    );
    let before = app.store.query_count();
    let found = app.data(&query, json!({ "q": "changchun" })).await;
    assert_eq!(app.store.query_count() - before, 0, "no store query for the nodes themselves");
    let edges = found["search"]["edges"].as_array().unwrap();
    assert!(edges.len() >= 40, "{}", edges.len());
    for edge in edges {
        let node = &edge["node"];
        let by_id = format!(r#"query($id: ID!) {{ node(id: $id) {{ __typename {every_field} }} }}"#);
        let stored = app.data(&by_id, json!({ "id": node["id"] })).await;
        assert_eq!(&stored["node"], node, "the index's copy is the store's");
    }
}

#[tokio::test]
async fn facets_show_their_most_frequent_values_and_say_how_many_there_are() {
    let app = spawn_app().await;
    let query = r#"query($n: Int) { search(query: "changchun") { totalCount facets { field valueCount exact values(first: $n) { value count } } } }"#;
    let all = app.data(query, json!({ "n": 1000 })).await;
    let one = app.data(query, json!({ "n": 1 })).await;
    for (full, capped) in
        all["search"]["facets"].as_array().unwrap().iter().zip(one["search"]["facets"].as_array().unwrap())
    {
        let values = full["values"].as_array().unwrap();
        assert_eq!(full["valueCount"].as_u64().unwrap() as usize, values.len(), "{full}");
        assert_eq!(capped["valueCount"], full["valueCount"]);
        assert_eq!(capped["values"].as_array().unwrap()[..], values[..1], "the most frequent comes first");
        assert_eq!(full["exact"], true, "a small result set is counted exactly");
        let counts: Vec<u64> = values.iter().map(|v| v["count"].as_u64().unwrap()).collect();
        assert!(counts.windows(2).all(|pair| pair[0] >= pair[1]), "{counts:?}");
    }
    let city = all["search"]["facets"].as_array().unwrap().iter().find(|f| f["field"] == "city").unwrap();
    assert!(city["valueCount"].as_u64().unwrap() > 1);

    let body = app.graphql(query, json!({ "n": 1001 })).await;
    // One error per facet, each at its own path.
    assert_eq!(crate::helpers::error_codes(&body), ["BAD_USER_INPUT"; 3]);
    assert_eq!(body["errors"][0]["path"], json!(["search", "facets", 0, "values"]), "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("`first`"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "first", "{body}");
}
