//! The bundled dataset says what the article says, and bad datasets are refused whole.

use std::process::Command;

use achievement_graph::model::dataset::{Dataset, BUNDLED};
use achievement_graph::model::{char_slice, number, Category, Qualifier};
use serde_json::{json, Value};

use crate::helpers::spawn_app;

const ARTICLE: &str = include_str!("../../data/changchun-top-ten-2019.txt");

fn statistic<'a>(
    dataset: &'a Dataset,
    value: f64,
    unit: &str,
) -> &'a achievement_graph::model::dataset::StatisticRecord {
    let found: Vec<_> = dataset.statistics.iter().filter(|s| s.value == value && s.unit == unit).collect();
    assert_eq!(found.len(), 1, "expected one statistic of {value} {unit}, found {}", found.len());
    found[0]
}

#[test]
fn the_document_is_the_article_unchanged() {
    let dataset = Dataset::bundled();
    assert_eq!(dataset.documents.len(), 1);
    let document = &dataset.documents[0];
    assert_eq!(document.text, ARTICLE);
    assert_eq!(document.published_on.as_ref().unwrap().as_str(), "2019-01-23");
    assert_eq!(document.publisher.as_deref(), Some("CCFAO"));
}

#[test]
fn every_span_matches_the_text_and_every_figure_is_in_its_excerpt() {
    let dataset = Dataset::bundled();
    let text = &dataset.documents[0].text;
    assert!(dataset.statistics.len() > 60, "only {} statistics", dataset.statistics.len());
    for s in &dataset.statistics {
        assert_eq!(char_slice(text, s.source.start, s.source.end), Some(s.source.excerpt.as_str()), "{}", s.id);
        assert!(
            number::is_stated_in(s.value, &s.source.excerpt),
            "{}: {} not in `{}`",
            s.id,
            s.value,
            s.source.excerpt
        );
        assert!(s.value.is_finite());
    }
    for a in &dataset.achievements {
        assert_eq!(char_slice(text, a.source.start, a.source.end), Some(a.source.excerpt.as_str()), "{}", a.id);
        assert!(text.contains(&a.summary), "{}: the summary is not the published text", a.id);
    }
}

#[test]
fn every_number_written_in_digits_is_a_statistic_unless_it_is_a_date_an_ordinal_or_a_name() {
    let dataset = Dataset::bundled();
    let chars: Vec<char> = dataset.documents[0].text.chars().collect();
    let mut figures = 0;
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_digit() || (chars[i] == ',' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
        {
            i += 1;
        }
        let digits: String = chars[start..i].iter().filter(|c| **c != ',').collect();
        let covered = dataset.statistics.iter().any(|s| {
            (s.source.start as usize) <= start
                && i <= s.source.end as usize
                && number::spellings(s.value).iter().any(|spelling| spelling.replace(',', "").starts_with(&digits))
        });
        if covered {
            figures += 1;
            continue;
        }
        let before: String = chars[start.saturating_sub(12)..start].iter().collect();
        let after: String = chars[i..(i + 3).min(chars.len())].iter().collect();
        let year = digits.len() == 4 && (digits.starts_with("19") || digits.starts_with("20"));
        let iso_date = after.starts_with('-') || before.ends_with('-');
        let day_of_month = ["January ", "February ", "March "].iter().any(|month| before.ends_with(month));
        let ordinal = ["th", "st", "nd", "rd"].iter().any(|suffix| after.starts_with(suffix));
        let rating = after.starts_with('A');
        let name = before.ends_with("Global ");
        let heading = (start == 0 || chars[start - 1] == '\n') && after.starts_with('.');
        let context: String = chars[start.saturating_sub(30)..(i + 15).min(chars.len())].iter().collect();
        assert!(
            year || iso_date || day_of_month || ordinal || rating || name || heading,
            "`{digits}` in `{context}` is not a statistic"
        );
    }
    assert!(figures > 60, "only {figures} figures found in statistics");
}

#[test]
fn every_number_written_as_a_word_is_a_statistic_unless_it_is_a_title_or_an_idiom() {
    let dataset = Dataset::bundled();
    let text = &dataset.documents[0].text;
    // ASCII lowercasing keeps byte offsets equal to the text's.
    let lower = text.to_ascii_lowercase();
    let words =
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "twenty"];
    let mut covered = 0;
    for (at, _) in lower.match_indices(|c: char| c.is_alphabetic()) {
        let starts_word = lower[..at].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let Some(word) = words.iter().find(|w| {
            starts_word
                && lower[at..].starts_with(*w)
                && !lower[at + w.len()..].starts_with(|c: char| c.is_alphanumeric())
        }) else {
            continue;
        };
        let start = text[..at].chars().count() as i64;
        let is_stated = dataset.statistics.iter().any(|s| {
            s.source.start <= start
                && start < s.source.end
                && number::is_stated_in(s.value, &s.source.excerpt)
                && number::spellings(s.value).iter().any(|spelling| spelling == word)
        });
        if is_stated {
            covered += 1;
            continue;
        }
        // "Top Ten" is a title, not a count; "one of the most ..." is an idiom.
        let title = lower[..at].ends_with("top ");
        let idiom = lower[at..].starts_with("one of");
        let context: String = text[at..].chars().take(40).collect();
        assert!(title || idiom, "`{word}` at char {start} (`{context}`) is not a statistic");
    }
    assert!(covered >= 10, "{covered}");
}

#[test]
fn the_selection_is_described_with_its_own_figures() {
    let dataset = Dataset::bundled();
    let list = &dataset.lists[0];
    assert_eq!(list.announced_on.as_ref().unwrap().as_str(), "2019-01-22");
    assert_eq!(list.stages, ["solicitation", "preliminary selection", "expert review", "media publicity"]);
    assert_eq!(list.organizers.len(), 4);
    let solicited =
        dataset.statistics.iter().find(|s| s.value == 50.0 && s.subject.id == list.id).expect("50+ solicited");
    assert_eq!(solicited.qualifier, Qualifier::MoreThan);
    assert!(dataset.statistics.iter().any(|s| s.value == 10.0 && s.subject.id == list.id), "10 finalists");
    assert!(dataset.statistics.iter().any(|s| s.value == 4.0 && s.subject.id == list.id), "four stages");
}

#[test]
fn ten_achievements_in_rank_order_with_the_articles_categories() {
    let dataset = Dataset::bundled();
    let ranks: Vec<i64> = dataset.achievements.iter().map(|a| a.rank).collect();
    assert_eq!(ranks, (1..=10).collect::<Vec<_>>());
    let count = |category| dataset.achievements.iter().filter(|a| a.category == category).count();
    assert_eq!(count(Category::Theoretical), 1);
    assert_eq!(count(Category::Industrial), 2);
    assert_eq!(count(Category::Cultural), 2);
    assert_eq!(count(Category::Sports), 2);
    assert_eq!(count(Category::InternationalExchange), 2);
    assert_eq!(count(Category::InternationalExhibition), 1);
    assert_eq!(dataset.achievements[0].title, "FAW-Volkswagen, Pioneer of China’s Industrial Opening up");
    assert_eq!(dataset.achievements[3].category, Category::Sports);
}

#[test]
fn key_figures_have_their_exact_value_unit_and_qualifier() {
    let dataset = Dataset::bundled();
    let cases = [
        (3071.0, "people", Qualifier::Exact),
        (640_000_000.0, "RMB", Qualifier::Exact),
        (8900.0, "vehicles", Qualifier::Exact),
        (42.0, "percent", Qualifier::Exact),
        (38.0, "percent", Qualifier::Exact),
        (100.0, "hectares", Qualifier::Nearly),
        (200_000.0, "people", Qualifier::MoreThan),
        (600_000.0, "skiers and fans", Qualifier::MoreThan),
        (754.0, "exchange groups", Qualifier::Exact),
    ];
    for (value, unit, qualifier) in cases {
        assert_eq!(statistic(&dataset, value, unit).qualifier, qualifier, "{value} {unit}");
    }
    assert!(dataset.statistics.iter().any(|s| s.value == 500.0 && s.qualifier == Qualifier::About), "some 500 films");
}

#[test]
fn dates_are_at_the_precision_the_article_gives() {
    let dataset = Dataset::bundled();
    let games = dataset.events.iter().find(|e| e.name.contains("Asian Winter Games")).unwrap();
    assert_eq!(games.start_date.as_ref().unwrap().as_str(), "2007-01-28");
    assert_eq!(games.end_date.as_ref().unwrap().as_str(), "2007-02-04");
    let festival = dataset.events.iter().find(|e| e.name.contains("Film Festival")).unwrap();
    assert_eq!(festival.start_date.as_ref().map(|d| d.as_str()), Some("1992"));
    let expo = dataset.events.iter().find(|e| e.name == "Northeast Asia Expo").unwrap();
    assert!(expo.start_date.is_none() && expo.end_date.is_none(), "the article gives no date for the expo");
}

#[test]
fn friendship_cities_and_slugs_follow_their_names() {
    let dataset = Dataset::bundled();
    for (slug, name) in [
        ("changchun", "Changchun"),
        ("little-rock", "Little Rock"),
        ("sendai", "Sendai"),
        ("warrnambool", "Warrnambool"),
    ] {
        let city = dataset.cities.iter().find(|c| c.id == slug).unwrap_or_else(|| panic!("no city {slug}"));
        assert_eq!(city.name, name);
    }
    assert_eq!(dataset.friendships.len(), 5);
}

// ------------------------------------------------------------------ validation

fn problems_after(edit: impl FnOnce(&mut Value)) -> Vec<String> {
    let mut json: Value = serde_json::from_str(BUNDLED).unwrap();
    edit(&mut json);
    match Dataset::parse(&json.to_string()) {
        Ok(_) => Vec::new(),
        Err(problems) => problems.iter().map(|p| p.to_string()).collect(),
    }
}

#[test]
fn validation_reports_each_problem_with_its_json_path() {
    type Edit = Box<dyn FnOnce(&mut Value)>;
    let cases: Vec<(Edit, &str)> = vec![
        (Box::new(|j| j["statistics"][3]["value"] = json!("many")), "$.statistics[3].value"),
        (Box::new(|j| j["cities"][1]["id"] = j["cities"][0]["id"].clone()), "$.cities[1].id: duplicate id"),
        (
            Box::new(|j| j["achievements"][0]["cities"][0] = json!("atlantis")),
            "$.achievements[0].cities[0]: no city has the id `atlantis`",
        ),
        (Box::new(|j| j["statistics"][0]["source"]["end"] = json!(999_999)), "$.statistics[0].source: "),
        (
            Box::new(|j| j["statistics"][0]["source"]["start"] = json!(1)),
            "$.statistics[0].source.excerpt: does not match",
        ),
        (Box::new(|j| j["achievements"][1]["rank"] = json!(1)), "$.achievements[1].rank: rank 1 is already held"),
        (Box::new(|j| j["statistics"][5]["subject"]["id"] = json!("nobody")), "$.statistics[5].subject.id"),
        (
            Box::new(|j| j["statistics"][5]["subject"] = json!({ "type": "COUNTRY", "id": "china" })),
            "$.statistics[5].subject.type: a statistic cannot be about a country",
        ),
        (Box::new(|j| j["statistics"][5]["subject"]["type"] = json!("PLANET")), "$.statistics[5].subject.type"),
        (Box::new(|j| j["events"][0]["startDate"] = json!("2007-02-30")), "$.events[0].startDate"),
        (Box::new(|j| j["cities"][0]["id"] = json!("Chang Chun")), "$.cities[0].id: `Chang Chun` is not a slug"),
        (Box::new(|j| j["statistics"][2]["value"] = json!(123456.0)), "$.statistics[2].value: 123456 is not stated"),
        (Box::new(|j| j["format"] = json!("something/else")), "$.format"),
        (
            Box::new(|j| j["achievements"][9]["cities"][1] = json!("changchun")),
            "$.achievements[9].cities[1]: `changchun` is listed twice",
        ),
        (Box::new(|j| j["cities"][0]["population"] = json!(1)), "$.cities[0]"),
    ];
    for (edit, expected) in cases {
        let problems = problems_after(edit);
        assert!(
            problems.iter().any(|p| p.starts_with(expected) || p.contains(expected)),
            "expected `{expected}` in {problems:#?}"
        );
    }
}

#[test]
fn the_bundled_dataset_has_no_problem() {
    assert_eq!(problems_after(|_| {}), Vec::<String>::new());
}

#[test]
fn check_command_lists_problems_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let mut json: Value = serde_json::from_str(BUNDLED).unwrap();
    json["achievements"][2]["list"] = json!("no-such-list");
    let file = dir.path().join("bad.json");
    std::fs::write(&file, json.to_string()).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_achievement-graph")).arg("check").arg(&file).output().unwrap();
    assert!(!output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("$.achievements[2].list: no list has the id `no-such-list`"), "{stdout}");

    let good = dir.path().join("good.json");
    std::fs::write(&good, BUNDLED).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_achievement-graph")).arg("check").arg(&good).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
}

#[tokio::test]
async fn importing_an_invalid_file_changes_nothing() {
    let app = spawn_app().await;
    let before = app.store.generation().await.unwrap();
    let mut json: Value = serde_json::from_str(BUNDLED).unwrap();
    json["statistics"][0]["source"]["start"] = json!(3);
    let file = app.storage.dir.path().join("bad.json");
    std::fs::write(&file, json.to_string()).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_achievement-graph"))
        .args(["import", file.to_str().unwrap(), "--database-url", &app.storage.database_url, "--index-dir"])
        .arg(app.storage.index_dir().with_extension("other"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("nothing was imported"));
    assert_eq!(app.store.generation().await.unwrap(), before);
    let data = app.data("{ statistics { totalCount } }", json!({})).await;
    assert!(data["statistics"]["totalCount"].as_u64().unwrap() > 60);
}
