//! Whether the index on disk is still the one this process committed: the directory
//! opens, `meta.json` reads and holds the generation of the last commit, every file of
//! every segment it lists is there, and (when verifying) each file's checksum holds.
//! The indexer runs the check on a timer and rebuilds from the store when it fails.
//!
//! What it cannot catch: a file truncated under the reader's memory map faults the process
//! (SIGBUS) the moment a search touches the missing pages; the restart then rebuilds.

use tantivy::index::SegmentComponent;
use tantivy::Index;

use super::{Payload, SearchIndex};

/// The files every segment has (a segment with deletes also has its `.del` file).
const ALWAYS_WRITTEN: [SegmentComponent; 6] = [
    SegmentComponent::Postings,
    SegmentComponent::Positions,
    SegmentComponent::Terms,
    SegmentComponent::Store,
    SegmentComponent::FastFields,
    SegmentComponent::FieldNorms,
];

impl SearchIndex {
    /// Returns what is wrong with the index on disk, if anything. `verify` also reads every
    /// file and checks its checksum (a few milliseconds per 10 MB). Blocking: run it off the
    /// async workers, and not while a commit is under way (the indexer runs both).
    pub fn damage(&self, verify: bool) -> Option<String> {
        let dir = self.dir();
        if !dir.is_dir() {
            return Some(format!("the index directory {} is gone", dir.display()));
        }
        let index = match Index::open_in_dir(dir) {
            Ok(index) => index,
            Err(error) => return Some(format!("the index in {} cannot be opened: {error}", dir.display())),
        };
        let metas = match index.load_metas() {
            Ok(metas) => metas,
            Err(error) => return Some(format!("the index's meta.json cannot be read: {error}")),
        };
        let generation = metas
            .payload
            .as_deref()
            .and_then(|payload| serde_json::from_str::<Payload>(payload).ok())
            .map(|payload| payload.generation);
        if generation != Some(self.durable()) {
            return Some(format!(
                "the index on disk is not the one this server committed (generation {generation:?}, committed {})",
                self.durable()
            ));
        }
        for segment in &metas.segments {
            let deletes = segment.has_deletes().then_some(SegmentComponent::Delete);
            for component in ALWAYS_WRITTEN.into_iter().chain(deletes) {
                let file = segment.relative_path(component);
                if !dir.join(&file).is_file() {
                    return Some(format!("the index file {} is missing", file.display()));
                }
            }
        }
        if verify {
            match index.validate_checksum() {
                Ok(bad) if bad.is_empty() => {}
                Ok(bad) => {
                    let mut names: Vec<String> = bad.iter().map(|path| path.display().to_string()).collect();
                    names.sort();
                    return Some(format!("index files fail their checksum: {}", names.join(", ")));
                }
                Err(error) => return Some(format!("the index files cannot be read: {error}")),
            }
        }
        None
    }
}
