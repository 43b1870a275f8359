//! The hostile-input corpus (`tests/hostile/corpus.json`, written by `make_corpus.py`):
//! every case gets its expected status and error code, the server stays up, and the
//! slowest answer is reported. Refusals must be quick; the figure printed is the
//! round trip on loopback (debug build here, so an upper bound on server time).

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;

use crate::helpers::spawn_app;

#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    method: String,
    content_type: Option<String>,
    /// The `Accept` header; absent, `application/graphql-response+json`, under which a
    /// refusal's status says that nothing ran.
    accept: Option<String>,
    body: Option<String>,
    query: Option<String>,
    status: u16,
    code: Option<String>,
}

/// Expands `«pad:N»` (N `x`) and `«rep:N:TEXT»` (TEXT N times).
fn expand(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('«') {
        out.push_str(&rest[..start]);
        let after = &rest[start + '«'.len_utf8()..];
        let end = after.find('»').expect("a closed marker");
        let marker = &after[..end];
        if let Some(n) = marker.strip_prefix("pad:") {
            out.push_str(&"x".repeat(n.parse().unwrap()));
        } else if let Some(spec) = marker.strip_prefix("rep:") {
            let (n, text) = spec.split_once(':').unwrap();
            out.push_str(&text.repeat(n.parse().unwrap()));
        } else {
            panic!("unknown marker {marker}");
        }
        rest = &after[end + '»'.len_utf8()..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn every_hostile_request_gets_its_expected_answer() {
    let cases: Vec<Case> = serde_json::from_str(include_str!("../hostile/corpus.json")).unwrap();
    assert!(cases.len() >= 200, "the corpus has {} cases", cases.len());
    let app = spawn_app().await;
    let url = format!("{}/graphql", app.address);
    let mut failures = Vec::new();
    let mut slowest = (Duration::ZERO, String::new());
    for case in &cases {
        let mut request = match case.method.as_str() {
            "GET" => app.client.get(format!("{url}?{}", case.query.as_deref().unwrap_or(""))),
            method => app
                .client
                .request(method.parse().expect("an HTTP method"), &url)
                .body(expand(case.body.as_deref().unwrap_or(""))),
        };
        if let Some(content_type) = &case.content_type {
            request = request.header("content-type", content_type);
        }
        request = request.header("accept", case.accept.as_deref().unwrap_or("application/graphql-response+json"));
        let started = Instant::now();
        let response = request.send().await.unwrap_or_else(|error| panic!("{}: no answer: {error}", case.name));
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let took = started.elapsed();
        if took > slowest.0 && case.code.as_deref().is_some() {
            slowest = (took, case.name.clone());
        }
        let body: Value =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{}: not JSON: {text:.200}", case.name));
        let code = body["errors"][0]["extensions"]["code"].as_str().map(str::to_owned);
        let expected_code = case.code.as_deref().filter(|c| *c != "any").map(str::to_owned);
        let code_matches = match case.code.as_deref() {
            Some("any") => code.is_some(),
            _ => code == expected_code,
        };
        if status != case.status || !code_matches {
            failures.push(format!(
                "{}: expected {} {:?}, got {status} {code:?}: {:.300}",
                case.name, case.status, case.code, text
            ));
        }
        // Every error, whatever its source, carries a code.
        if let Some(errors) = body["errors"].as_array() {
            if errors.iter().any(|e| e["extensions"]["code"].as_str().is_none()) {
                failures.push(format!("{}: an error without a code: {:.300}", case.name, text));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
    // Still serving.
    assert!(app.data("{ countries { name } }", serde_json::json!({})).await["countries"].is_array());
    eprintln!("{} hostile cases answered as expected; slowest refusal: {:?} ({})", cases.len(), slowest.0, slowest.1);
}
