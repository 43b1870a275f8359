//! Whether the store has room to write: the last write refused for lack of space (kept
//! until a write commits or, on SQLite, until the disk has room again), and for SQLite
//! the free space of the filesystem that holds the database file, for `/readyz`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::Error;

/// Below this many free bytes the database's filesystem counts as full.
pub const MIN_FREE_BYTES: u64 = 1 << 20;

/// The store's view of its disk.
#[derive(Debug, Default)]
pub(super) struct Space {
    /// The SQLite database file (none on PostgreSQL, whose disk is the server's own).
    file: Option<PathBuf>,
    /// Why the last write failed for lack of space, while no write has committed since.
    refused: Mutex<Option<String>>,
}

impl Space {
    pub(super) fn new(file: Option<PathBuf>) -> Self {
        Self { file, refused: Mutex::default() }
    }

    /// Records a write refused for lack of space (other errors are not kept).
    pub(super) fn refused(&self, error: &Error) {
        if error.is_no_space() {
            if let Ok(mut refused) = self.refused.lock() {
                *refused = Some(error.chain());
            }
        }
    }

    /// Records a committed write: there was room.
    pub(super) fn committed(&self) {
        if let Ok(mut refused) = self.refused.lock() {
            *refused = None;
        }
    }

    /// Returns what keeps writes from being made, if anything: the database's filesystem
    /// below `MIN_FREE_BYTES` (SQLite), or a write refused for lack of space since the
    /// last commit (on SQLite, until the disk has room again).
    pub(super) fn problem(&self) -> Option<String> {
        let free = self.file.as_deref().and_then(|file| free_bytes(file.parent().unwrap_or(Path::new("."))));
        let Ok(mut refused) = self.refused.lock() else { return None };
        match (free, refused.as_deref()) {
            (Some(free), _) if free < MIN_FREE_BYTES => Some(format!(
                "the disk that holds the database has {free} bytes free: writes are refused until it has room"
            )),
            (Some(_), Some(_)) => {
                // The disk has room again: the next write will tell.
                *refused = None;
                None
            }
            (None, Some(error)) => Some(format!("the last write was refused for lack of space ({error})")),
            (_, None) => None,
        }
    }
}

/// Free bytes for unprivileged writers on the filesystem that holds `dir` (the working
/// directory for an empty path); `None` when it cannot be read.
pub fn free_bytes(dir: &Path) -> Option<u64> {
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    fs4::available_space(dir).ok()
}

/// The file a `sqlite:` url names, if it names one (not `:memory:`).
pub(super) fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sqlite_url_names_its_file() {
        assert_eq!(sqlite_file("sqlite://data/graph.db?mode=rwc"), Some(PathBuf::from("data/graph.db")));
        assert_eq!(sqlite_file("sqlite:graph.db"), Some(PathBuf::from("graph.db")));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://localhost/test"), None);
    }

    #[test]
    fn a_refusal_for_lack_of_space_is_kept_until_a_write_commits() {
        let space = Space::new(None);
        space.refused(&Error::Internal(std::io::Error::from_raw_os_error(28).into()));
        assert!(space.problem().is_some_and(|text| text.contains("lack of space")), "{:?}", space.problem());
        space.refused(&Error::Conflict("another fault".to_owned()));
        assert!(space.problem().is_some(), "other errors leave it");
        space.committed();
        assert_eq!(space.problem(), None);
    }
}
