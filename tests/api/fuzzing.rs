//! The fuzz targets on the stable toolchain: every committed corpus input
//! (`fuzz/corpus/<target>/`) and past finding (`fuzz/regressions/<target>/`), then
//! seeded mutations of them, through the same harness the cargo-fuzz targets run
//! (`fuzz/src/lib.rs`). A finding of a long fuzz run is committed to the regressions, so
//! it is replayed here from then on.

use std::path::Path;

#[path = "../../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod harness;

/// Seeded mutations of the corpus inputs, per target.
const MUTATED: usize = 300;

/// The target's corpus and its regressions (`fuzz/regressions/<target>/`: the inputs of
/// past findings, kept apart so that minimising the corpus never drops them), in name order.
fn corpus(target: &str) -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let dir = root.join("corpus").join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.expect("a corpus entry").path())
        .collect();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    if let Ok(regressions) = std::fs::read_dir(root.join("regressions").join(target)) {
        files.extend(regressions.map(|entry| entry.expect("a regression entry").path()));
    }
    files.sort();
    files.into_iter().map(|path| std::fs::read(path).expect("a corpus file")).collect()
}

/// Every corpus input, then `MUTATED` seeded mutations of them (a byte changed, a
/// dictionary-like byte inserted, a byte removed, a piece repeated), each given to `run`.
fn replay(target: &str, run: impl Fn(&[u8])) {
    let inputs = corpus(target);
    for input in &inputs {
        run(input);
    }
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..MUTATED {
        let mut bytes = inputs[round % inputs.len()].clone();
        for _ in 0..=(next() % 4) {
            let at = (next() as usize) % (bytes.len() + 1);
            match next() % 4 {
                0 if at < bytes.len() => bytes[at] = next() as u8,
                1 => bytes.insert(at, b"{}[]()\"\\.:@$!#,-*"[(next() % 17) as usize]),
                2 if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => {
                    let (from, to) = (at.min(bytes.len()), (at + (next() % 16) as usize).min(bytes.len()));
                    let piece = bytes[from..to].to_vec();
                    bytes.splice(at..at, piece.iter().cycle().take(piece.len() * ((next() % 8) as usize)).copied());
                }
            }
        }
        run(&bytes);
    }
}

#[test]
fn the_request_corpus_goes_through_the_server_without_a_500_or_an_error_without_a_code() {
    let server = harness::Server::start();
    replay("request", |input| server.request(input));
}

#[test]
fn the_mutation_corpus_is_refused_with_client_codes_and_changes_nothing_when_refused() {
    let server = harness::Server::start();
    replay("mutation", |input| server.mutation(input));
}

#[test]
fn the_search_corpus_never_fails_and_its_highlights_lie_in_their_snippets() {
    let server = harness::Server::start();
    replay("search", |input| server.search(input));
}

#[test]
fn the_dataset_corpus_parses_and_round_trips_or_gets_problems_with_paths() {
    replay("dataset", harness::dataset);
}
