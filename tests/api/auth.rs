//! Token configuration: bad tokens stop the start with a clear message, and no
//! secret ever reaches the logs.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use achievement_graph::{App, Config};

use crate::helpers::{index_dir, sqlite_url};

#[tokio::test]
async fn a_malformed_token_stops_the_start_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::ephemeral(sqlite_url(&dir), index_dir(&dir));
    config.tokens = Some("alice".to_owned());
    let error = App::build(&config).await.err().expect("the start is refused");
    assert_eq!(error.to_string(), "token 1: expected `name=secret`");

    let file = dir.path().join("tokens");
    std::fs::write(&file, "# editors\nalice:0123\n").unwrap();
    config.tokens = None;
    config.tokens_file = Some(file.clone());
    let error = App::build(&config).await.err().expect("the start is refused");
    assert!(error.to_string().ends_with("tokens:2: the hash must be 64 hex digits (sha256)"), "{error}");
}

#[test]
fn secrets_never_reach_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_achievement-graph"))
        .args(["--listen", "127.0.0.1:0", "--database-url", &sqlite_url(&dir), "--index-dir"])
        .arg(index_dir(&dir))
        .env("AG_TOKENS", "alice=correct-horse-battery,bob=tr0ub4dor")
        .env("RUST_LOG", "trace")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut logs = String::new();
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        logs.push_str(&line);
        logs.push('\n');
        if line.contains("listening") {
            break;
        }
    }
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(logs.contains("listening"), "{logs}");
    assert!(logs.contains("alice") && logs.contains("bob"), "token names are logged: {logs}");
    assert!(!logs.contains("correct-horse") && !logs.contains("tr0ub4dor"), "a secret was logged");
}
