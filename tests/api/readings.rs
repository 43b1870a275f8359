//! Other readings of a query, over HTTP: synonyms from a `--synonyms` file, a word split
//! in two (`highspeed`), two words joined (`vasa loppet`), each ranked below what was
//! typed and marked in highlights; and did-you-mean on natural questions.

use serde_json::{json, Value};

use achievement_graph::search::analysis::english::is_stop_word;

use crate::helpers::{spawn_app, start_with, Storage, TestApp};

const SEARCH: &str = r#"query($q: String!, $types: [SearchType!]) {
    search(query: $q, types: $types, first: 20) {
        totalCount suggestions warnings
        edges { node { ... on Achievement { slug } ... on Organization { slug } ... on Event { slug }
                       ... on Statistic { slug label } ... on City { slug } ... on Document { slug } }
                highlights { field snippet ranges { start end } } } } }"#;

const SYNONYMS: &str = "# Test synonyms\nVW, Volkswagen\nFAW => FAW Group, First Automobile Works\n";

async fn search(app: &TestApp, q: &str, types: Value) -> Value {
    app.data(SEARCH, json!({ "q": q, "types": types })).await["search"].clone()
}

fn slugs(result: &Value) -> Vec<String> {
    result["edges"].as_array().unwrap().iter().map(|e| e["node"]["slug"].as_str().unwrap().to_owned()).collect()
}

/// Every text the highlights of `slug`'s hit mark.
fn marked(result: &Value, slug: &str) -> Vec<String> {
    let edge = result["edges"].as_array().unwrap().iter().find(|e| e["node"]["slug"] == slug).expect("the hit");
    let mut texts = Vec::new();
    for highlight in edge["highlights"].as_array().unwrap() {
        let chars: Vec<char> = highlight["snippet"].as_str().unwrap().chars().collect();
        for range in highlight["ranges"].as_array().unwrap() {
            let (start, end) = (range["start"].as_u64().unwrap() as usize, range["end"].as_u64().unwrap() as usize);
            texts.push(chars[start..end].iter().collect());
        }
    }
    texts
}

/// A server on the bundled graph with `synonyms` as its synonyms file.
async fn app_with_synonyms(synonyms: &str) -> TestApp {
    let storage = Storage::fresh().await;
    let file = storage.dir.path().join("synonyms.txt");
    std::fs::write(&file, synonyms).unwrap();
    start_with(storage, |config| config.synonyms = Some(file)).await
}

async fn create_organization(app: &TestApp, name: &str) -> String {
    let data = app
        .edit_ok(
            "mutation($n: String!) { createOrganization(input: { name: $n, kind: COMPANY }) { slug } }",
            json!({ "n": name }),
        )
        .await;
    data["createOrganization"]["slug"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_synonym_finds_what_its_equivalent_names_and_ranks_below_the_word_itself() {
    let app = app_with_synonyms(SYNONYMS).await;
    let vw = search(&app, "vw", json!(["ORGANIZATION"])).await;
    assert!(slugs(&vw).contains(&"faw-volkswagen".to_owned()), "{vw:#}");
    let mut marked_texts = marked(&vw, "faw-volkswagen");
    marked_texts.dedup();
    assert_eq!(marked_texts, ["Volkswagen"], "the synonym that matched is marked");

    // An entity named with the word itself ranks above every one found through it.
    let club = create_organization(&app, "VW Owners Club").await;
    let vw = search(&app, "vw", json!(["ORGANIZATION"])).await;
    assert_eq!(slugs(&vw)[0], club, "{vw:#}");
    assert!(slugs(&vw).len() > 2);
    let volkswagen = search(&app, "volkswagen", json!(["ORGANIZATION"])).await;
    let found = slugs(&volkswagen);
    assert_eq!(found.last(), Some(&club), "found through `vw`, below every Volkswagen: {found:?}");

    // Excluding a word excludes its synonyms too.
    let without = slugs(&search(&app, "changchun -vw", json!(["ORGANIZATION"])).await);
    assert!(!without.iter().any(|slug| slug.contains("volkswagen")), "{without:?}");
}

#[tokio::test]
async fn a_one_way_synonym_searches_its_phrases_and_does_not_go_back() {
    let app = app_with_synonyms(SYNONYMS).await;
    create_organization(&app, "First Automobile Works Archive").await;
    let faw = search(&app, "faw", json!(["ORGANIZATION"])).await;
    assert!(slugs(&faw).contains(&"first-automobile-works-archive".to_owned()), "{faw:#}");
    assert_eq!(marked(&faw, "first-automobile-works-archive"), ["First Automobile Works"], "marked as a phrase");
    // A phrase synonym needs its words in order.
    create_organization(&app, "Works of the First Automobile").await;
    let faw = search(&app, "faw", json!(["ORGANIZATION"])).await;
    assert!(!slugs(&faw).contains(&"works-of-the-first-automobile".to_owned()), "{faw:#}");
    // One way: the right side does not search FAW.
    let works = slugs(&search(&app, "\"first automobile works\"", json!(["ORGANIZATION"])).await);
    assert_eq!(works, ["first-automobile-works-archive"]);
}

#[tokio::test]
async fn without_a_synonyms_file_vw_finds_nothing() {
    let app = spawn_app().await;
    assert_eq!(search(&app, "vw", json!(["ORGANIZATION"])).await["totalCount"], 0);
}

#[tokio::test]
async fn a_bad_synonyms_file_keeps_the_server_from_starting_and_says_which_line() {
    let storage = Storage::fresh().await;
    let file = storage.dir.path().join("synonyms.txt");
    std::fs::write(&file, "VW, Volkswagen\nFAW => \n").unwrap();
    let mut config = achievement_graph::Config::ephemeral(storage.database_url.clone(), storage.index_dir());
    config.synonyms = Some(file);
    let error = achievement_graph::App::build(&config).await.err().expect("refused").to_string();
    assert!(error.contains("synonyms.txt: line 2: `` has no word to search"), "{error}");
}

#[tokio::test]
async fn a_word_the_index_lacks_is_searched_split_in_two_below_the_word_itself() {
    let app = spawn_app().await;
    let achievement = "quality-products-serving-the-whole-world-high-speed-trains-of-changchun-railway-vehicles";
    let found = search(&app, "highspeed", json!(["ACHIEVEMENT"])).await;
    assert_eq!(slugs(&found), [achievement]);
    assert!(marked(&found, achievement).contains(&"High-speed".to_owned()), "{found:#}");
    let trains = search(&app, "highspeed trains", json!(null)).await;
    assert_eq!(slugs(&trains)[0], achievement);

    // Once the index has the word itself, it is searched as typed.
    let fans = create_organization(&app, "Highspeed Fans").await;
    let found = slugs(&search(&app, "highspeed", json!(null)).await);
    assert_eq!(found[0], fans, "{found:?}");
}

#[tokio::test]
async fn two_words_are_also_searched_joined_below_the_words_themselves() {
    let app = spawn_app().await;
    let skiing = "international-skiing-event-china-changchun-jingyue-lake-vasaloppet-international-skiing-festival";
    let found = search(&app, "vasa loppet", json!(["ACHIEVEMENT"])).await;
    assert_eq!(slugs(&found)[0], skiing, "{found:#}");
    assert!(marked(&found, skiing).contains(&"Vasaloppet".to_owned()));
    assert!(found["warnings"].as_array().unwrap().is_empty(), "{found:#}");
    let worldloppet = search(&app, "world loppet", json!(["ORGANIZATION"])).await;
    assert_eq!(slugs(&worldloppet), ["worldloppet"]);

    let friends = create_organization(&app, "World Loppet Friends").await;
    let found = slugs(&search(&app, "world loppet", json!(["ORGANIZATION"])).await);
    assert_eq!(found, [friends, "worldloppet".to_owned()], "the words as typed first");
}

/// How many results a query has with every word, leaving out the stop words the index
/// lacks (which nothing matches): what a correction must find more of.
async fn strict_total(app: &TestApp, query: &str) -> u64 {
    let mut kept = Vec::new();
    for word in query.split_whitespace() {
        let lacked = is_stop_word(&word.to_lowercase()) && search(app, word, json!(null)).await["totalCount"] == 0;
        if !lacked {
            kept.push(word);
        }
    }
    let result = search(app, &kept.join(" "), json!(null)).await;
    let fell_back = result["warnings"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("some of them"));
    if fell_back {
        0
    } else {
        result["totalCount"].as_u64().unwrap()
    }
}

#[tokio::test]
async fn did_you_mean_keeps_stop_words_and_known_words_and_only_offers_what_finds_more() {
    let app = spawn_app().await;
    let questions = [
        "how many gold medals did China win",
        "how many people took part in the skiing festival",
        "when was the fiml festival held",
        "what is the area of the sculpture park",
        "who makes the high-speed trains in changchun",
        "which cities are friends with changchun",
        "where is the northeast asia expo held",
        "how much aid did japan give",
        "how many countries sent athletes to the asian winter games",
        "what did the fiml studio dub",
        "wich city hosted the expo",
        "how many atheletes came to the asain winter games",
    ];
    let mut offered = 0;
    for question in questions {
        let result = search(&app, question, json!(null)).await;
        let typed: Vec<String> = question.to_lowercase().split_whitespace().map(str::to_owned).collect();
        for suggestion in result["suggestions"].as_array().unwrap() {
            let suggestion = suggestion.as_str().unwrap();
            let words: Vec<&str> = suggestion.split_whitespace().collect();
            assert_eq!(words.len(), typed.len(), "`{question}` → `{suggestion}`");
            for (typed, proposed) in typed.iter().zip(&words) {
                assert!(!is_stop_word(typed) || typed == proposed, "`{question}` → `{suggestion}` rewrote `{typed}`");
            }
            let (typed, corrected) = (strict_total(&app, question).await, strict_total(&app, suggestion).await);
            assert!(corrected > typed, "`{question}` → `{suggestion}` finds no more ({corrected} vs {typed})");
            offered += 1;
        }
    }
    assert!(offered > 0, "the misspelt questions get a suggestion");

    let gold = search(&app, "how many gold medals did China win", json!(null)).await;
    assert_eq!(gold["suggestions"], json!([]), "{gold:#}");
    let top = &gold["edges"][0]["node"];
    assert!(top["label"].as_str().unwrap_or_default().to_lowercase().contains("gold"), "{gold:#}");
    let fiml = search(&app, "when was the fiml festival held", json!(null)).await;
    assert_eq!(fiml["suggestions"], json!(["when was the film festival held"]), "{fiml:#}");
    // `dub` is not in the index, but its stem is ("dubbed"): it is kept.
    let dub = search(&app, "what did the fiml studio dub", json!(null)).await;
    assert_eq!(dub["suggestions"], json!(["what did the film studio dub"]), "{dub:#}");
    // Common words are kept even where the index lacks them ("much" is not "such", nor
    // "give" "five"), and never proposed ("wich" is not "with").
    for question in ["how much aid did japan give", "wich city hosted the expo"] {
        let result = search(&app, question, json!(null)).await;
        assert_eq!(result["suggestions"], json!([]), "{result:#}");
    }
    // A long misspelt word is already found through its typos: correcting it would find
    // nothing more, so nothing is offered.
    let vasaloppet = search(&app, "vasalopet", json!(null)).await;
    assert!(vasaloppet["totalCount"].as_u64().unwrap() > 0);
    assert_eq!(vasaloppet["suggestions"], json!([]));
}
