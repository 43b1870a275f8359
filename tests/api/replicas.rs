//! Two server processes on one database are replicas: each keeps its own index and
//! follows the shared outbox, so a write through one is searchable on the other.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::Storage;
use crate::process::{word, Server};

#[tokio::test]
async fn a_write_through_one_replica_is_searchable_on_the_other() {
    let storage = Storage::fresh().await;
    let dir = storage.dir.path();
    let a = Server::start(&storage.database_url, &dir.join("index-a"), dir.join("a.log")).await;
    let b = Server::start(&storage.database_url, &dir.join("index-b"), dir.join("b.log")).await;
    let city =
        a.post(r#"{ city(slug: "sendai") { id } }"#, json!({}), false).await.unwrap()["data"]["city"]["id"].clone();
    let mut latencies = Vec::new();
    for n in 0..5 {
        let name = word("replica", n);
        let full = format!("Sendai {name}");
        let written = Instant::now();
        let body = a
            .post(
                r#"mutation($id: ID!, $n: String!) { updateCity(id: $id, patch: { name: $n }) { name } }"#,
                json!({ "id": city, "n": full }),
                true,
            )
            .await
            .unwrap();
        assert!(body.get("errors").is_none(), "{body:#}");
        assert!(shows(&a, &name, &full).await, "read-your-writes on the replica written to");
        // The other replica sees it without being told by this test.
        loop {
            if shows(&b, &name, &full).await {
                latencies.push(written.elapsed());
                break;
            }
            assert!(written.elapsed() < Duration::from_secs(15), "replica b never saw `{name}`:\n{}", b.logs());
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    eprintln!("write on a -> searchable on b: {latencies:?}");
    // Both indexes hold the same entities, equal to the store.
    let stored = crate::process::stored(&storage.database_url).await;
    assert_eq!(a.indexed().await, stored);
    assert_eq!(b.indexed().await, stored);
}

/// Whether a search for `word` on `server` finds Sendai named `name`: with the name just
/// written, as the previous name differs by one letter, which typo tolerance also finds.
async fn shows(server: &Server, word: &str, name: &str) -> bool {
    let found = server.search_nodes(word, json!(["CITY"])).await;
    found.iter().any(|node| node["slug"] == "sendai" && node["name"] == name)
}
