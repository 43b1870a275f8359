//! SIGKILL at any moment during a stream of writes loses no acknowledged write, and
//! after each restart the index holds exactly what the store holds.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;
use tokio::sync::Mutex;

use crate::helpers::Storage;
use crate::process::{stored, word, Server};

/// Kills per run; `CRASH_ROUNDS` raises it for a longer run (see the README).
const ROUNDS: usize = 8;
const WRITERS: usize = 3;

fn rounds() -> usize {
    std::env::var("CRASH_ROUNDS").ok().and_then(|n| n.parse().ok()).unwrap_or(ROUNDS)
}

#[tokio::test]
async fn repeated_sigkills_lose_no_acknowledged_write() {
    let storage = Storage::fresh().await;
    let dir = storage.dir.path();
    let index = dir.join("index");
    let seed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64;
    let mut random = seed;
    let mut next_random = move |below: u64| {
        random = random.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (random >> 33) % below
    };
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut attempted = 0usize;
    let rounds = rounds();
    for round in 0..=rounds {
        let server =
            Arc::new(Server::start(&storage.database_url, &index, dir.join(format!("round-{round}.log"))).await);
        // After every restart: every acknowledged write is stored and searchable, and the
        // index holds exactly the store's entities.
        assert_eq!(server.indexed().await, stored(&storage.database_url).await, "round {round} (seed {seed})");
        for label in acknowledged.lock().await.iter() {
            let found = server.search(label, json!(["STATISTIC"])).await;
            assert!(found.contains(label), "round {round} (seed {seed}): `{label}` not found, {found:?}");
        }
        if round == rounds {
            break;
        }
        let subject = server.post(r#"{ event(slug: "vasaloppet") { id } }"#, json!({}), false).await.unwrap()["data"]
            ["event"]["id"]
            .clone();
        let document =
            server.post("{ documents { id } }", json!({}), false).await.unwrap()["data"]["documents"][0]["id"].clone();
        let (start, end) = server.span_of("Over the past 17 years, more than 600,000 skiers").await;
        let mut writers = Vec::new();
        for w in 0..WRITERS {
            let server = server.clone();
            let acknowledged = acknowledged.clone();
            let (subject, document) = (subject.clone(), document.clone());
            let first = (round * WRITERS + w) * 1000;
            writers.push(tokio::spawn(async move {
                let mut sent = 0;
                for n in first.. {
                    let label = word("kill", n);
                    let input = json!({ "slug": label, "subjectId": subject, "label": label, "value": 17.0, "unit": "years",
                        "qualifier": "EXACT", "source": { "documentId": document, "start": start, "end": end } });
                    sent += 1;
                    let Some(body) = server
                        .post("mutation($i: StatisticInput!) { createStatistic(input: $i) { slug } }", json!({ "i": input }), true)
                        .await
                    else {
                        return sent; // the server is gone
                    };
                    assert!(body.get("errors").is_none(), "{body:#}");
                    acknowledged.lock().await.push(label);
                }
                sent
            }));
        }
        tokio::time::sleep(Duration::from_millis(200 + next_random(800))).await;
        server.kill();
        for writer in writers {
            attempted += writer.await.unwrap();
        }
    }
    eprintln!(
        "{rounds} SIGKILLs (seed {seed}): {} writes acknowledged of {attempted} sent, all found after each restart",
        acknowledged.lock().await.len()
    );
}

/// The generation the index on disk holds, from its last commit's payload.
fn durable_generation(index: &std::path::Path) -> i64 {
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(index.join("meta.json")).unwrap()).unwrap();
    let payload: serde_json::Value = serde_json::from_str(meta["payload"].as_str().unwrap()).unwrap();
    payload["generation"].as_i64().unwrap()
}

#[tokio::test]
async fn a_write_searchable_only_from_memory_when_the_process_dies_is_searchable_after_restart() {
    let storage = Storage::fresh().await;
    let dir = storage.dir.path();
    let index = dir.join("index");
    // Commits to disk only after a minute: the write below is searchable from memory alone.
    let slow_flush = [("AG_INDEX_FLUSH_MS", "60000")];
    let server = Server::start_with(&storage.database_url, &index, dir.join("first.log"), &slow_flush).await;
    let before = durable_generation(&index);
    let city = server.post(r#"{ city(slug: "masterton") { id } }"#, json!({}), false).await.unwrap()["data"]["city"]
        ["id"]
        .clone();
    let body = server
        .post(
            r#"mutation($id: ID!) { updateCity(id: $id, patch: { name: "Masterton Wairarapa" }) { name } }"#,
            json!({ "id": city }),
            true,
        )
        .await
        .unwrap();
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(server.search("wairarapa", json!(["CITY"])).await, ["masterton", "changchun"]);
    assert_eq!(durable_generation(&index), before, "nothing was committed to disk yet");
    server.kill();

    let server = Server::start_with(&storage.database_url, &index, dir.join("second.log"), &slow_flush).await;
    assert_eq!(server.search("wairarapa", json!(["CITY"])).await, ["masterton", "changchun"]);
    assert!(durable_generation(&index) > before, "the restart replayed the write and committed it");
    assert_eq!(server.indexed().await, stored(&storage.database_url).await);
}
