//! Storage faults under the server's own files: a full disk (a small tmpfs the test
//! mounts, where the machine lets it: skipped with a message where it does not), and the
//! index damaged or removed while the server runs. Nothing acknowledged may be lost, a
//! refusal must say why, reads must go on, `/readyz` must say what is wrong, and the
//! server must recover without a restart.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tempfile::TempDir;

use crate::helpers::{error_codes, sqlite_url, start, start_with, Storage, TestApp};
use crate::process::stored;

/// A tmpfs of a fixed size, unmounted when dropped.
struct SmallDisk {
    dir: TempDir,
}

impl SmallDisk {
    /// Mounts a tmpfs of `size` (as `mount -o size=` reads it), or says why it cannot.
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().expect("a mount point");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"])
            .arg(dir.path())
            .output();
        match mounted {
            Ok(output) if output.status.success() => Some(Self { dir }),
            Ok(output) => {
                eprintln!(
                    "skipped: this machine does not let the test mount a small filesystem (mount -t tmpfs: {}); \
                     run the suite as root on Linux to test a full disk",
                    String::from_utf8_lossy(&output.stderr).trim()
                );
                None
            }
            Err(error) => {
                eprintln!("skipped: no `mount` command to make a small filesystem ({error})");
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills the disk with a file until not one more 4 KiB block fits; returns the file.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).expect("the filler");
        for chunk in [1 << 20, 64 << 10, 4 << 10, 512] {
            let bytes = vec![0u8; chunk];
            while file.write_all(&bytes).is_ok() {}
        }
        let _ = file.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

const CREATE_DOCUMENT: &str = r#"mutation($title: String!, $text: String!) {
    createDocument(input: { title: $title, text: $text }) { slug } }"#;

/// A document of about 200 KB whose title holds `word`.
fn document(word: &str) -> Value {
    json!({ "title": format!("Overflow {word}"), "text": format!("{word} ").repeat(200_000 / (word.len() + 1)) })
}

/// Waits until `/readyz` answers `status`, returning its body; panics after `within`.
async fn readiness(app: &TestApp, status: u16, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let (now, body) = app.readyz().await;
        if now == status {
            return body;
        }
        assert!(Instant::now() < deadline, "/readyz still answers {now}, not {status}: {body:#}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The codes of `/readyz`'s problems for `part`.
fn problems(body: &Value, part: &str) -> Vec<String> {
    body["problems"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter(|p| p["part"] == part)
                .map(|p| p["code"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Reads still work: a graph query, and a search.
async fn reads_answer(app: &TestApp) {
    let data = app.data("{ countries { name cities { name } } }", json!({})).await;
    assert!(!data["countries"].as_array().unwrap().is_empty());
    assert!(app.search_slugs("skiing", json!(null)).await.contains(&"vasaloppet".to_owned()));
}

#[tokio::test]
async fn a_full_disk_refuses_writes_with_a_code_keeps_reads_and_recovers_without_a_restart() {
    let Some(disk) = SmallDisk::mount("48m") else { return };
    let dir = tempfile::tempdir_in(disk.path()).expect("a directory on the small disk");
    let storage = Storage { database_url: sqlite_url(&dir), dir };
    let app = start(storage).await;
    let before = app.edit(CREATE_DOCUMENT, document("beforeflood")).await;
    assert!(before.get("errors").is_none(), "{before:#}");

    let filler = disk.fill();
    let mut acknowledged = Vec::new();
    let mut refused = Vec::new();
    for n in 0..12 {
        let word = format!("flood{}", char::from(b'a' + n));
        let body = app.edit(CREATE_DOCUMENT, document(&word)).await;
        match body.get("errors") {
            None => acknowledged.push(word),
            Some(_) => {
                assert_eq!(error_codes(&body), ["INSUFFICIENT_STORAGE"], "{body:#}");
                let message = body["errors"][0]["message"].as_str().unwrap();
                assert!(message.contains("no space left"), "{message}");
                refused.push(word);
            }
        }
    }
    assert!(!refused.is_empty(), "a full disk refused no write ({} acknowledged)", acknowledged.len());
    reads_answer(&app).await;
    let (status, body) = app.readyz().await;
    assert_eq!(status, 503, "{body:#}");
    assert!(problems(&body, "store").contains(&"INSUFFICIENT_STORAGE".to_owned()), "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "INSUFFICIENT_STORAGE", "{body:#}");

    // Space returns: the server takes writes again, with no restart.
    std::fs::remove_file(&filler).unwrap();
    readiness(&app, 200, Duration::from_secs(30)).await;
    let after = app.edit(CREATE_DOCUMENT, document("afterflood")).await;
    assert!(after.get("errors").is_none(), "{after:#}");
    for word in acknowledged.iter().map(String::as_str).chain(["beforeflood", "afterflood"]) {
        assert_eq!(app.search_slugs(word, json!(["DOCUMENT"])).await.len(), 1, "`{word}` was acknowledged");
    }
    for word in &refused {
        assert!(app.search_slugs(word, json!(["DOCUMENT"])).await.is_empty(), "`{word}` was refused");
    }
    let url = app.storage.database_url.clone();
    assert_eq!(app.indexed().await, stored(&url).await, "the index equals the store");

    // And after a restart, every acknowledged write is still there.
    let app = start(app.stop().await).await;
    assert_eq!(app.indexed().await, stored(&url).await);
    for word in acknowledged.iter().map(String::as_str).chain(["beforeflood", "afterflood"]) {
        assert_eq!(app.search_slugs(word, json!(["DOCUMENT"])).await.len(), 1, "`{word}` after a restart");
    }
    drop(app.stop().await);
}

#[tokio::test]
async fn an_index_on_a_full_disk_keeps_writes_searchable_from_memory_and_commits_them_when_space_returns() {
    let Some(disk) = SmallDisk::mount("24m") else { return };
    // The store is elsewhere (SQLite beside the test, or PostgreSQL): only the index's disk fills.
    let storage = Storage::fresh().await;
    let index_dir = disk.path().join("index");
    let app = start_with(storage, |config| config.storage.index_dir = index_dir.clone()).await;

    let filler = disk.fill();
    let mut written = Vec::new();
    for n in 0..6 {
        let word = format!("spill{}", char::from(b'a' + n));
        let body = app.edit(CREATE_DOCUMENT, document(&word)).await;
        assert!(body.get("errors").is_none(), "the store has room: {body:#}");
        // Searchable at once, from memory.
        assert_eq!(app.search_slugs(&word, json!(["DOCUMENT"])).await.len(), 1, "`{word}`");
        written.push(word);
    }
    let body = readiness(&app, 503, Duration::from_secs(30)).await;
    assert!(problems(&body, "index").contains(&"INSUFFICIENT_STORAGE".to_owned()), "{body:#}");
    reads_answer(&app).await;

    std::fs::remove_file(&filler).unwrap();
    readiness(&app, 200, Duration::from_secs(30)).await;
    let url = app.storage.database_url.clone();
    assert_eq!(app.indexed().await, stored(&url).await, "the index equals the store");
    // The changes reached the disk: a restart finds them without replaying anything.
    let app = start_with(app.stop().await, |config| config.storage.index_dir = index_dir.clone()).await;
    for word in &written {
        assert_eq!(app.search_slugs(word, json!(["DOCUMENT"])).await.len(), 1, "`{word}` after a restart");
    }
    drop(app.stop().await);
}

/// Searches in a loop until told to stop; returns how many answered and the failures.
fn keep_searching(app: &TestApp) -> (tokio::sync::watch::Sender<bool>, tokio::task::JoinHandle<(usize, Vec<Value>)>) {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let client = app.client.clone();
    let url = format!("{}/graphql", app.address);
    let task = tokio::spawn(async move {
        let (mut answered, mut failures) = (0, Vec::new());
        while !*stopped.borrow() {
            let body: Value = client
                .post(&url)
                .json(&json!({ "query": r#"{ search(query: "changchun festival") { totalCount } }"# }))
                .send()
                .await
                .expect("the server answers")
                .json()
                .await
                .expect("a JSON body");
            if body.get("errors").is_some() || body["data"]["search"]["totalCount"].as_u64().unwrap_or(0) == 0 {
                failures.push(body);
            }
            answered += 1;
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        (answered, failures)
    });
    (stop, task)
}

#[tokio::test]
async fn an_index_removed_while_serving_is_reported_and_rebuilt_without_a_restart() {
    let app = start_with(Storage::fresh().await, |config| config.index_check_ms = 100).await;
    let index_dir = app.storage.index_dir();
    let (stop, searches) = keep_searching(&app);

    // Removed, and its place taken by a file, so that it cannot be rebuilt yet.
    std::fs::remove_dir_all(&index_dir).unwrap();
    std::fs::write(&index_dir, "not an index").unwrap();
    let body = readiness(&app, 503, Duration::from_secs(30)).await;
    assert_eq!(problems(&body, "index"), ["INDEX_DAMAGED"], "{body:#}");
    let message = body["problems"][0]["message"].as_str().unwrap();
    assert!(message.contains("gone") && message.contains("rebuilding"), "{message}");
    reads_answer(&app).await;
    // A write meanwhile is acknowledged and searchable, from what the old index has open.
    app.edit_ok(CREATE_DOCUMENT, document("interimwrite")).await;
    assert_eq!(app.search_slugs("interimwrite", json!(["DOCUMENT"])).await.len(), 1);

    std::fs::remove_file(&index_dir).unwrap();
    readiness(&app, 200, Duration::from_secs(30)).await;
    assert!(index_dir.join("meta.json").is_file(), "a new index in its directory");
    let url = app.storage.database_url.clone();
    assert_eq!(app.indexed().await, stored(&url).await, "the index equals the store");
    app.edit_ok(CREATE_DOCUMENT, document("afterwards")).await;
    let found = app.search_slugs("afterwards", json!(["DOCUMENT"])).await;
    assert_eq!(found.len(), 1, "{found:?}");

    stop.send(true).unwrap();
    let (answered, failures) = searches.await.unwrap();
    assert!(answered > 10 && failures.is_empty(), "{answered} searches, failures: {failures:#?}");
    let app = start(app.stop().await).await;
    assert_eq!(app.indexed().await, stored(&url).await);
    drop(app.stop().await);
}

/// The files of the index's segments with `extension`, sorted.
fn segment_files(index_dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(index_dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == extension))
        .collect();
    files.sort();
    files
}

/// Waits until the index on disk no longer holds `file` and `/readyz` answers 200.
async fn rebuilt_without(app: &TestApp, file: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while file.exists() || app.readyz().await.0 != 200 {
        assert!(
            Instant::now() < deadline,
            "{} is still there, or /readyz not ready: {:#}",
            file.display(),
            app.readyz().await.1
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn damaged_index_files_are_found_and_the_index_rebuilt_from_the_store() {
    let app = start_with(Storage::fresh().await, |config| {
        config.index_check_ms = 100;
        config.index_verify_ms = 100;
    })
    .await;
    let index_dir = app.storage.index_dir();
    let url = app.storage.database_url.clone();

    // A segment file's bytes overwritten in place, its size unchanged: only its checksum tells.
    // Written in place: truncating a file the server has mapped would fault it (SIGBUS).
    let store_file = segment_files(&index_dir, "store")[0].clone();
    let bytes = std::fs::read(&store_file).unwrap();
    let middle = bytes.len() / 2;
    let flipped: Vec<u8> = bytes[middle..middle + 16].iter().map(|byte| !byte).collect();
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut file = std::fs::OpenOptions::new().write(true).open(&store_file).unwrap();
        file.seek(SeekFrom::Start(middle as u64)).unwrap();
        file.write_all(&flipped).unwrap();
    }
    rebuilt_without(&app, &store_file).await;
    assert_eq!(app.indexed().await, stored(&url).await);

    // A segment file deleted.
    let terms = segment_files(&index_dir, "term")[0].clone();
    std::fs::remove_file(&terms).unwrap();
    rebuilt_without(&app, &terms).await;
    assert_eq!(app.indexed().await, stored(&url).await);

    // meta.json overwritten with something that is not an index's.
    let postings = segment_files(&index_dir, "idx")[0].clone();
    std::fs::write(index_dir.join("meta.json"), b"{\"segments\": 7}").unwrap();
    rebuilt_without(&app, &postings).await;
    assert_eq!(app.indexed().await, stored(&url).await);
    reads_answer(&app).await;
    app.edit_ok(CREATE_DOCUMENT, document("repaired")).await;
    assert_eq!(app.search_slugs("repaired", json!(["DOCUMENT"])).await.len(), 1);
    drop(app.stop().await);
}
