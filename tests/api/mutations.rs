//! Editing through GraphQL: tokens, validation that names the field and writes nothing,
//! versions, cascades, history, links, imports, and search that sees each change as
//! soon as the mutation answers.

use serde_json::{json, Value};

use crate::helpers::{error_codes, spawn_app, TestApp, EDITOR};

/// The slug of the eighth achievement, about films.
const FILMS: &str = "contributor-to-the-internationalization-of-film-industry-of-china-films-of-changchun-city";

const CREATE_STATISTIC: &str = r#"mutation($input: StatisticInput!) {
    createStatistic(input: $input) { id slug version label value unit qualifier source { excerpt } } }"#;

/// A statistic input stated by the Vasaloppet sentence, about the Vasaloppet event.
async fn statistic_input(app: &TestApp, label: &str) -> Value {
    let (start, end) = app.span_of("Over the past 17 years, more than 600,000 skiers and fans from 35 countries").await;
    json!({
        "subjectId": app.id_of("event", "vasaloppet").await,
        "label": label,
        "value": 17.0,
        "unit": "years",
        "qualifier": "EXACT",
        "source": { "documentId": app.id_of_document().await, "start": start, "end": end },
    })
}

impl TestApp {
    async fn id_of_document(&self) -> String {
        let data = self.data("{ documents { id } }", json!({})).await;
        data["documents"][0]["id"].as_str().unwrap().to_owned()
    }

    async fn generation(&self) -> i64 {
        self.store.generation().await.unwrap()
    }

    async fn count(&self, field: &str) -> u64 {
        let data = self.data(&format!("{{ {field} {{ totalCount }} }}"), json!({})).await;
        data[field]["totalCount"].as_u64().unwrap()
    }
}

/// Returns the (code, field) of the first error.
fn first_error(body: &Value) -> (String, String) {
    let error = &body["errors"][0];
    assert!(!error.is_null(), "expected an error: {body:#}");
    (
        error["extensions"]["code"].as_str().unwrap_or_default().to_owned(),
        error["extensions"]["field"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn mutations_need_a_valid_token_and_write_nothing_without_one() {
    let app = spawn_app().await;
    let input = statistic_input(&app, "quokka years").await;
    let generation = app.generation().await;
    let anonymous = app.graphql(CREATE_STATISTIC, json!({ "input": input })).await;
    assert_eq!(error_codes(&anonymous), ["UNAUTHENTICATED"]);
    assert!(anonymous["errors"][0]["message"].as_str().unwrap().contains("Authorization: Bearer"));
    let wrong = app.graphql_as(Some("not-the-secret"), CREATE_STATISTIC, json!({ "input": input })).await;
    assert_eq!(error_codes(&wrong), ["UNAUTHENTICATED"]);
    assert_eq!(app.generation().await, generation, "nothing was written");
    assert_eq!(app.count("statistics").await, 81);
    assert!(app.search_slugs("quokka", json!(null)).await.is_empty());
}

#[tokio::test]
async fn a_created_statistic_is_searchable_when_the_response_arrives() {
    let app = spawn_app().await;
    let input = statistic_input(&app, "quokka years").await;
    let data = app.edit_ok(CREATE_STATISTIC, json!({ "input": input })).await;
    let created = &data["createStatistic"];
    assert_eq!(created["slug"], "quokka-years");
    assert_eq!(created["version"], 1);
    assert!(created["source"]["excerpt"].as_str().unwrap().starts_with("Over the past 17 years"));
    // No waiting: the response came after the index committed.
    assert_eq!(app.search_slugs("quokka", json!(["STATISTIC"])).await, ["quokka-years"]);
    assert_eq!(app.count("statistics").await, 82);
    let subject = app.data(r#"{ event(slug: "vasaloppet") { statistics { slug } } }"#, json!({})).await;
    assert!(subject["event"]["statistics"].as_array().unwrap().iter().any(|s| s["slug"] == "quokka-years"));
}

#[tokio::test]
async fn invalid_input_names_the_field_and_writes_nothing() {
    let app = spawn_app().await;
    let generation = app.generation().await;
    let list = app.id_of("achievementList", "changchun-opening-up-top-ten").await;
    let document = app.id_of_document().await;
    let city = app.id_of("city", "changchun").await;
    let (start, end) = app.span_of("The Changchun Film Festival, founded in 1992").await;
    let achievement = json!({
        "listId": list, "rank": 11, "title": "Films again", "category": "CULTURAL",
        "summary": "The Changchun Film Festival, founded in 1992",
        "source": { "documentId": document, "start": start, "end": end }, "cityIds": [city],
    });
    let create = r#"mutation($input: AchievementInput!) { createAchievement(input: $input) { slug } }"#;
    let with = |change: &dyn Fn(&mut Value)| {
        let mut input = achievement.clone();
        change(&mut input);
        json!({ "input": input })
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (with(&|i| i["rank"] = json!(3)), "BAD_USER_INPUT", "input.rank"),
        (with(&|i| i["rank"] = json!(0)), "BAD_USER_INPUT", "input.rank"),
        (with(&|i| i["source"]["end"] = json!(999_999)), "BAD_USER_INPUT", "input.source"),
        (with(&|i| i["source"]["end"] = json!(start)), "BAD_USER_INPUT", "input.source.end"),
        (with(&|i| i["summary"] = json!("Not in the source")), "BAD_USER_INPUT", "input.summary"),
        (with(&|i| i["title"] = json!("  ")), "BAD_USER_INPUT", "input.title"),
        (with(&|i| i["listId"] = json!(city.clone())), "BAD_USER_INPUT", "input.listId"),
        (with(&|i| i["cityIds"] = json!([city.clone(), city.clone()])), "BAD_USER_INPUT", "input.cityIds[1]"),
        (with(&|i| i["cityIds"] = json!(["not-an-id"])), "BAD_USER_INPUT", "input.cityIds[0]"),
        (with(&|i| i["slug"] = json!("Not A Slug")), "BAD_USER_INPUT", "input.slug"),
        (with(&|i| i["slug"] = json!(FILMS)), "BAD_USER_INPUT", "input.slug"),
        (with(&|i| i["source"]["documentId"] = json!(list.clone())), "BAD_USER_INPUT", "input.source.documentId"),
    ];
    for (variables, code, field) in &cases {
        let body = app.edit(create, variables.clone()).await;
        assert_eq!(first_error(&body), (code.to_string(), field.to_string()), "{variables}: {body:#}");
    }
    // A statistic whose value its excerpt does not state.
    let mut input = statistic_input(&app, "wrong figure").await;
    input["value"] = json!(18.0);
    let body = app.edit(CREATE_STATISTIC, json!({ "input": input })).await;
    assert_eq!(first_error(&body), ("BAD_USER_INPUT".into(), "input.value".into()), "{body:#}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("not stated"));
    // A subject that is not a list, achievement, event, organization or city.
    let mut input = statistic_input(&app, "wrong subject").await;
    input["subjectId"] = json!(document);
    let body = app.edit(CREATE_STATISTIC, json!({ "input": input })).await;
    assert_eq!(first_error(&body), ("BAD_USER_INPUT".into(), "input.subjectId".into()));

    assert_eq!(app.generation().await, generation, "no refused mutation wrote anything");
    assert_eq!(app.count("achievements").await, 10);
    assert_eq!(app.count("statistics").await, 81);
    // The valid input is accepted.
    app.edit_ok(create, json!({ "input": achievement })).await;
    assert_eq!(app.count("achievements").await, 11);
}

#[tokio::test]
async fn an_update_with_a_stale_version_conflicts_and_changes_nothing() {
    let app = spawn_app().await;
    let id = app.id_of("achievement", FILMS).await;
    let update = r#"mutation($id: ID!, $patch: AchievementPatch!, $v: Int) {
        updateAchievement(id: $id, patch: $patch, expectedVersion: $v) { title version rank } }"#;
    let data = app.edit_ok(update, json!({ "id": id, "patch": { "title": "Films of Changchun" }, "v": 1 })).await;
    assert_eq!(data["updateAchievement"], json!({ "title": "Films of Changchun", "version": 2, "rank": 8 }));
    let stale = app.edit(update, json!({ "id": id, "patch": { "title": "Lost update" }, "v": 1 })).await;
    assert_eq!(error_codes(&stale), ["CONFLICT"]);
    assert!(stale["errors"][0]["message"].as_str().unwrap().contains("version 2"));
    // Without expectedVersion the write goes through, and a search sees the new title.
    let data = app.edit_ok(update, json!({ "id": id, "patch": { "title": "Films of the Northeast" } })).await;
    assert_eq!(data["updateAchievement"]["version"], 3);
    assert_eq!(app.search_slugs("northeast films", json!(["ACHIEVEMENT"])).await[0], FILMS);
    // A patch that changes nothing writes nothing and keeps the version.
    let generation = app.generation().await;
    let data = app.edit_ok(update, json!({ "id": id, "patch": { "title": "Films of the Northeast" } })).await;
    assert_eq!(data["updateAchievement"]["version"], 3);
    assert_eq!(app.generation().await, generation);
    // An unknown id is NOT_FOUND.
    let missing = app.edit(update, json!({ "id": crate::helpers::node_id("Achievement", "nope"), "patch": {} })).await;
    assert_eq!(error_codes(&missing), ["NOT_FOUND"]);
}

#[tokio::test]
async fn deleting_a_referenced_entity_is_refused_unless_cascading() {
    let app = spawn_app().await;
    let list = app.id_of("achievementList", "changchun-opening-up-top-ten").await;
    let delete = r#"mutation($id: ID!, $cascade: Boolean) { deleteAchievementList(id: $id, cascade: $cascade) }"#;
    let generation = app.generation().await;
    let refused = app.edit(delete, json!({ "id": list })).await;
    assert_eq!(error_codes(&refused), ["REFERENCED"]);
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("cascade"));
    assert!(refused["errors"][0]["extensions"]["referencedBy"].as_array().unwrap().len() >= 10);
    assert_eq!(app.generation().await, generation);

    let data = app.edit_ok(delete, json!({ "id": list, "cascade": true })).await;
    assert_eq!(data["deleteAchievementList"], list);
    assert_eq!(app.count("achievements").await, 0);
    assert!(app.data("{ achievementLists { id } }", json!({})).await["achievementLists"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(app.search_slugs("vasaloppet", json!(["ACHIEVEMENT"])).await.is_empty());
    assert!(app.search_slugs("vasaloppet", json!(["EVENT"])).await.len() >= 2, "events stay");
    // Statistics of the list and of its achievements went with them; others stay.
    let remaining = app.count("statistics").await;
    assert!(remaining > 0 && remaining < 81, "{remaining}");
}

#[tokio::test]
async fn history_records_who_changed_what_and_is_for_token_holders() {
    let app = spawn_app().await;
    let id = app.id_of("city", "wolfsburg").await;
    app.edit_ok(
        r#"mutation($id: ID!) { updateCity(id: $id, patch: { name: "Wolfsburg (Lower Saxony)" }) { version } }"#,
        json!({ "id": id }),
    )
    .await;
    let query = r#"query($id: ID!) { node(id: $id) { ... on City { history { kind version actor operation changedAt before after } } } }"#;
    let anonymous = app.graphql(query, json!({ "id": id })).await;
    assert_eq!(error_codes(&anonymous), ["UNAUTHENTICATED"]);
    let data = app.edit_ok(query, json!({ "id": id })).await;
    let history = data["node"]["history"].as_array().unwrap();
    assert_eq!(history.len(), 2, "{history:#?}");
    assert_eq!(history[0]["kind"], "UPDATED");
    assert_eq!(history[0]["version"], 2);
    assert_eq!(history[0]["actor"], EDITOR);
    assert_eq!(history[0]["operation"], "updateCity");
    assert_eq!(history[0]["before"]["name"], "Wolfsburg");
    assert_eq!(history[0]["after"]["name"], "Wolfsburg (Lower Saxony)");
    assert!(history[0]["changedAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(history[1]["kind"], "CREATED");
    assert_eq!(history[1]["actor"], "bundled");
}

#[tokio::test]
async fn renaming_a_city_reindexes_what_mentions_it() {
    let app = spawn_app().await;
    let id = app.id_of("city", "little-rock").await;
    assert!(app.search_slugs("arkansas", json!(null)).await.is_empty());
    app.edit_ok(
        r#"mutation($id: ID!) { updateCity(id: $id, patch: { name: "Little Rock Arkansas" }) { name } }"#,
        json!({ "id": id }),
    )
    .await;
    let found = app.search_slugs("arkansas", json!(null)).await;
    assert!(found.contains(&"little-rock".to_owned()), "{found:?}");
    assert!(found.contains(&"changchun".to_owned()), "its friend city names it: {found:?}");
}

#[tokio::test]
async fn links_between_entities_are_created_and_removed() {
    let app = spawn_app().await;
    let achievement = app.id_of("achievement", FILMS).await;
    let sendai = app.id_of("city", "sendai").await;
    let link = r#"mutation($a: ID!, $t: ID!) { linkAchievement(achievementId: $a, targetId: $t) { version cities { slug } } }"#;
    let data = app.edit_ok(link, json!({ "a": achievement, "t": sendai })).await;
    assert_eq!(data["linkAchievement"]["cities"], json!([{ "slug": "changchun" }, { "slug": "sendai" }]));
    assert_eq!(data["linkAchievement"]["version"], 2);
    let in_sendai = app
        .data(r#"query($c: ID!) { search(query: "film", filter: { cityId: $c }) { edges { node { ... on Achievement { slug } } } } }"#, json!({ "c": sendai }))
        .await;
    assert_eq!(in_sendai["search"]["edges"][0]["node"]["slug"], FILMS);
    let again = app.edit(link, json!({ "a": achievement, "t": sendai })).await;
    assert_eq!(first_error(&again), ("BAD_USER_INPUT".into(), "targetId".into()));
    let unlink =
        r#"mutation($a: ID!, $t: ID!) { unlinkAchievement(achievementId: $a, targetId: $t) { cities { slug } } }"#;
    let data = app.edit_ok(unlink, json!({ "a": achievement, "t": sendai })).await;
    assert_eq!(data["unlinkAchievement"]["cities"], json!([{ "slug": "changchun" }]));

    // Friendships, both ways.
    let masterton = app.id_of("city", "masterton").await;
    let befriend =
        r#"mutation($a: ID!, $b: ID!) { linkCities(cityId: $a, friendId: $b) { friendshipCities { slug } } }"#;
    let data = app.edit_ok(befriend, json!({ "a": sendai, "b": masterton })).await;
    assert!(data["linkCities"]["friendshipCities"].as_array().unwrap().iter().any(|c| c["slug"] == "masterton"));
    let other_way = app.data(r#"{ city(slug: "masterton") { friendshipCities { slug } } }"#, json!({})).await;
    assert!(other_way["city"]["friendshipCities"].as_array().unwrap().iter().any(|c| c["slug"] == "sendai"));
    let again = app.edit(befriend, json!({ "a": masterton, "b": sendai })).await;
    assert_eq!(first_error(&again), ("BAD_USER_INPUT".into(), "friendId".into()));
    // Linking again with a source updates the friendship: both cities change.
    let (start, end) = app.span_of("Sendai of Japan, Masterton of New Zealand").await;
    let cite = r#"mutation($a: ID!, $b: ID!, $s: SourceSpanInput) { linkCities(cityId: $a, friendId: $b, source: $s) { version } }"#;
    let source = json!({ "documentId": app.id_of_document().await, "start": start, "end": end });
    let data = app.edit_ok(cite, json!({ "a": sendai, "b": masterton, "s": source })).await;
    assert_eq!(data["linkCities"]["version"], 3);
    let self_friend = app.edit(befriend, json!({ "a": sendai, "b": sendai })).await;
    assert_eq!(first_error(&self_friend), ("BAD_USER_INPUT".into(), "friendId".into()));
    let unfriend =
        r#"mutation($a: ID!, $b: ID!) { unlinkCities(cityId: $a, friendId: $b) { friendshipCities { slug } } }"#;
    let data = app.edit_ok(unfriend, json!({ "a": masterton, "b": sendai })).await;
    assert!(!data["unlinkCities"]["friendshipCities"].as_array().unwrap().iter().any(|c| c["slug"] == "sendai"));

    // A statistic moves to another subject.
    let statistic = app.id_of("statistic", "asian-winter-games-registered-participants").await;
    let games = app.id_of("event", "6th-asian-winter-games").await;
    let city = app.id_of("city", "changchun").await;
    let data = app
        .edit_ok(
            r#"mutation($s: ID!, $to: ID!) { setStatisticSubject(statisticId: $s, subjectId: $to) { subject { ... on City { slug } } } }"#,
            json!({ "s": statistic, "to": city }),
        )
        .await;
    assert_eq!(data["setStatisticSubject"]["subject"]["slug"], "changchun");
    let _ = games;
}

#[tokio::test]
async fn every_kind_of_entity_is_created_updated_and_deleted() {
    let app = spawn_app().await;
    let (start, end) = app.span_of("Warrnambool of Australia").await;
    let document = app.id_of_document().await;
    let span = json!({ "documentId": document, "start": start, "end": end });
    let created =
        app.edit_ok(r#"mutation { createCountry(input: { name: "Atlantis" }) { id slug version } }"#, json!({})).await;
    let country = created["createCountry"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["createCountry"]["slug"], "atlantis");
    let city = app
        .edit_ok(
            r#"mutation($c: ID!) { createCity(input: { name: "Poseidonia", countryId: $c }) { id country { slug } } }"#,
            json!({ "c": country }),
        )
        .await["createCity"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let org = app
        .edit_ok(
            r#"mutation($c: ID!, $s: SourceSpanInput) { createOrganization(input: { name: "Tidal Works", kind: COMPANY, cityId: $c, source: $s }) { id } }"#,
            json!({ "c": city, "s": span }),
        )
        .await["createOrganization"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let event = app
        .edit_ok(
            r#"mutation($c: ID!, $o: ID!) { createEvent(input: { name: "Wave Festival", startDate: "2019-07", cityId: $c, organizerIds: [$o] }) { id organizers { slug } } }"#,
            json!({ "c": city, "o": org }),
        )
        .await["createEvent"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let doc = app
        .edit_ok(r#"mutation { createDocument(input: { title: "Notes", text: "Poseidonia hosted 3 regattas." }) { id slug } }"#, json!({}))
        .await["createDocument"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let list = app
        .edit_ok(
            r#"mutation($c: ID!, $d: ID!) { createAchievementList(input: { title: "Poseidonia Highlights", cityId: $c,
                source: { documentId: $d, start: 0, end: 28 } }) { id } }"#,
            json!({ "c": city, "d": doc }),
        )
        .await["createAchievementList"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let achievement = app
        .edit_ok(
            r#"mutation($l: ID!, $d: ID!, $c: ID!, $e: ID!) { createAchievement(input: { listId: $l, rank: 1, title: "Regattas",
                category: SPORTS, summary: "hosted 3 regattas", source: { documentId: $d, start: 0, end: 28 },
                cityIds: [$c], eventIds: [$e] }) { id events { slug } } }"#,
            json!({ "l": list, "d": doc, "c": city, "e": event }),
        )
        .await["createAchievement"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let statistic = app
        .edit_ok(
            r#"mutation($a: ID!, $d: ID!) { createStatistic(input: { subjectId: $a, label: "regattas hosted", value: 3,
                unit: "regattas", qualifier: EXACT, source: { documentId: $d, start: 0, end: 28 } }) { id } }"#,
            json!({ "a": achievement, "d": doc }),
        )
        .await["createStatistic"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.search_slugs("poseidonia", json!(["CITY"])).await, ["poseidonia"]);
    assert_eq!(app.search_slugs("regattas", json!(["STATISTIC"])).await, ["regattas-hosted"]);

    // Updates of each kind, with clearing an optional field.
    let updates = [
        (r#"mutation($id: ID!) { updateCountry(id: $id, patch: { name: "Atlantis Nova" }) { version } }"#, &country),
        (r#"mutation($id: ID!) { updateCity(id: $id, patch: { name: "Poseidonia Nova" }) { version } }"#, &city),
        (
            r#"mutation($id: ID!) { updateOrganization(id: $id, patch: { source: null, kind: OTHER }) { version } }"#,
            &org,
        ),
        (
            r#"mutation($id: ID!) { updateEvent(id: $id, patch: { endDate: "2019-08", startDate: null }) { version } }"#,
            &event,
        ),
        (r#"mutation($id: ID!) { updateDocument(id: $id, patch: { publisher: "Harbour Office" }) { version } }"#, &doc),
        (r#"mutation($id: ID!) { updateAchievementList(id: $id, patch: { stages: ["vote"] }) { version } }"#, &list),
        (
            r#"mutation($id: ID!) { updateAchievement(id: $id, patch: { category: CULTURAL }) { version } }"#,
            &achievement,
        ),
        (
            r#"mutation($id: ID!) { updateStatistic(id: $id, patch: { qualifier: ABOUT, period: "2019" }) { version } }"#,
            &statistic,
        ),
    ];
    for (query, id) in updates {
        let data = app.edit_ok(query, json!({ "id": id })).await;
        assert_eq!(data.as_object().unwrap().values().next().unwrap()["version"], 2, "{query}");
    }
    assert_eq!(app.search_slugs("nova", json!(["CITY"])).await, ["poseidonia"]);
    // A document's text cannot move under the spans that cite it.
    let moved = app
        .edit(
            r#"mutation($id: ID!) { updateDocument(id: $id, patch: { text: "Changed." }) { version } }"#,
            json!({ "id": doc }),
        )
        .await;
    assert_eq!(error_codes(&moved), ["BAD_USER_INPUT"]);

    // Deletes, children first, each of them plain.
    let deletes = [
        ("deleteStatistic", &statistic),
        ("deleteAchievement", &achievement),
        ("deleteAchievementList", &list),
        ("deleteDocument", &doc),
        ("deleteEvent", &event),
        ("deleteOrganization", &org),
        ("deleteCity", &city),
        ("deleteCountry", &country),
    ];
    for (field, id) in deletes {
        let data = app.edit_ok(&format!(r#"mutation($id: ID!) {{ {field}(id: $id) }}"#), json!({ "id": id })).await;
        assert_eq!(&data[field], id);
        assert!(app.data(r#"query($id: ID!) { node(id: $id) { id } }"#, json!({ "id": id })).await["node"].is_null());
    }
    assert!(app.search_slugs("poseidonia", json!(null)).await.is_empty());
    assert!(app.search_slugs("regattas", json!(null)).await.is_empty());
    assert_eq!(app.count("statistics").await, 81);
}

#[tokio::test]
async fn import_dataset_merges_or_replaces_and_refuses_an_invalid_file() {
    let app = spawn_app().await;
    let mut dataset: Value = serde_json::from_str(achievement_graph::model::dataset::BUNDLED).unwrap();
    dataset["countries"].as_array_mut().unwrap().push(json!({ "id": "atlantis", "name": "Atlantis" }));
    dataset["cities"][1]["name"] = json!("Sendai City");
    let import = r#"mutation($d: JSON!, $m: ImportMode) { importDataset(dataset: $d, mode: $m) { generation created updated deleted } }"#;
    let data = app.edit_ok(import, json!({ "d": dataset, "m": "MERGE" })).await;
    assert_eq!(data["importDataset"]["created"], 1);
    assert_eq!(data["importDataset"]["updated"], 1);
    assert_eq!(data["importDataset"]["deleted"], 0);
    assert_eq!(app.search_slugs("sendai city", json!(["CITY"])).await[0], "sendai");

    let generation = app.generation().await;
    let mut invalid = dataset.clone();
    invalid["statistics"][3]["value"] = json!(123456.0);
    let body = app.edit(import, json!({ "d": invalid })).await;
    assert_eq!(first_error(&body), ("BAD_USER_INPUT".into(), "$.statistics[3].value".into()), "{body:#}");
    let mut malformed = dataset.clone();
    malformed["achievements"][2]["rank"] = json!("third");
    let body = app.edit(import, json!({ "d": malformed })).await;
    assert_eq!(first_error(&body), ("BAD_USER_INPUT".into(), "dataset.achievements[2].rank".into()), "{body:#}");
    assert_eq!(app.generation().await, generation);

    // Replace: the graph becomes exactly the file.
    let mut smaller = dataset.clone();
    smaller["countries"].as_array_mut().unwrap().pop();
    let data = app.edit_ok(import, json!({ "d": smaller, "m": "REPLACE" })).await;
    assert_eq!(data["importDataset"]["deleted"], 1);
    let countries = app.data("{ countries { slug } }", json!({})).await;
    assert_eq!(countries["countries"].as_array().unwrap().len(), 6);
    let again = app.edit_ok(import, json!({ "d": smaller, "m": "REPLACE" })).await;
    assert_eq!(again["importDataset"], json!({ "generation": null, "created": 0, "updated": 0, "deleted": 0 }));
}

#[tokio::test]
async fn the_store_exports_exactly_the_bundled_dataset() {
    let app = spawn_app().await;
    let exported = serde_json::to_value(app.store.export().await.unwrap()).unwrap();
    let bundled = serde_json::to_value(achievement_graph::model::dataset::Dataset::bundled()).unwrap();
    assert_eq!(exported, bundled);
}

#[tokio::test]
async fn concurrent_writers_neither_lose_writes_nor_overwrite_each_other() {
    let app = std::sync::Arc::new(spawn_app().await);
    let id = app.id_of("achievement", FILMS).await;
    let update = r#"mutation($id: ID!, $t: String!) { updateAchievement(id: $id, patch: { title: $t }, expectedVersion: 1) { version } }"#;
    let racers: Vec<_> = (0..12)
        .map(|n| {
            let (app, id) = (app.clone(), id.clone());
            tokio::spawn(async move { app.edit(update, json!({ "id": id, "t": format!("Films take {n}") })).await })
        })
        .collect();
    let mut won = 0;
    for racer in racers {
        let body = racer.await.unwrap();
        match error_codes(&body).as_slice() {
            [] => won += 1,
            [code] => assert_eq!(code, "CONFLICT", "{body:#}"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(won, 1, "exactly one writer of version 1 wins");

    let input = statistic_input(&app, "concurrent").await;
    let writers: Vec<_> = (0..12)
        .map(|n| {
            let (app, mut input) = (app.clone(), input.clone());
            input["label"] = json!(format!("concurrent figure {n}"));
            tokio::spawn(async move { app.edit(CREATE_STATISTIC, json!({ "input": input })).await })
        })
        .collect();
    for writer in writers {
        let body = writer.await.unwrap();
        assert!(body.get("errors").is_none(), "{body:#}");
    }
    assert_eq!(app.count("statistics").await, 93);
}

/// A write reads only the part of the graph around it. These are the rules that reach
/// beyond that part: each is kept as if the whole graph had been read.
#[tokio::test]
async fn a_write_around_one_entity_keeps_the_rules_of_the_whole_graph() {
    let app = spawn_app().await;
    // A slug made from a name skips every slug taken, however many.
    let japan = app.id_of("country", "japan").await;
    let create = r#"mutation($c: ID!) { createCity(input: { name: "Sendai", countryId: $c }) { slug } }"#;
    for expected in ["sendai-2", "sendai-3"] {
        assert_eq!(app.edit_ok(create, json!({ "c": japan })).await["createCity"]["slug"], expected);
    }
    // A rank is unique in its list, whichever achievement held it first.
    let films = app.id_of("achievement", FILMS).await;
    let update = r#"mutation($id: ID!) { updateAchievement(id: $id, patch: { rank: 1 }) { rank } }"#;
    let refused = app.edit(update, json!({ "id": films })).await;
    assert_eq!(first_error(&refused), ("BAD_USER_INPUT".to_owned(), "patch.rank".to_owned()));
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("already held by"), "{refused:#}");
}

/// Cascading deletes follow references as far as they go: the stored graph afterwards is
/// exactly what the same delete makes of the whole dataset in memory.
#[tokio::test]
async fn a_cascading_delete_leaves_what_the_whole_graph_delete_leaves() {
    use achievement_graph::model::dataset::Dataset;
    use achievement_graph::model::{EntityKind, EntityRef};
    let cases = [
        ("city", "deleteCity", EntityKind::City, "changchun"),
        ("document", "deleteDocument", EntityKind::Document, "changchun-top-ten-2019"),
        ("event", "deleteEvent", EntityKind::Event, "vasaloppet"),
    ];
    for (field, mutation, kind, slug) in cases {
        let app = spawn_app().await;
        let id = app.id_of(field, slug).await;
        let query = format!(r#"mutation($id: ID!) {{ {mutation}(id: $id, cascade: true) }}"#);
        app.edit_ok(&query, json!({ "id": id })).await;
        let mut expected = Dataset::bundled();
        expected.delete(&EntityRef::new(kind, slug), true).unwrap();
        let stored = app.store.export().await.unwrap();
        assert_eq!(serde_json::to_value(&stored).unwrap(), serde_json::to_value(&expected).unwrap(), "{mutation}");
    }
}
