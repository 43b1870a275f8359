//! Reads of what writes recorded: an entity's audit history, and the outbox the search
//! indexers follow.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{Bind, Store};
use crate::error::Error;
use crate::model::edit::ChangeKind;
use crate::model::{EntityKind, EntityRef};

/// One recorded change of one entity.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub generation: i64,
    pub target: EntityRef,
    pub kind: ChangeKind,
    /// The version after the change (before it, for a deletion).
    pub version: i64,
    /// The name of the token that made the change (`cli`, `bundled` for imports).
    pub actor: String,
    /// The mutation or command that made it.
    pub operation: String,
    /// RFC 3339, UTC.
    pub changed_at: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// One outbox row: the index keys one write touched.
#[derive(Debug, Clone)]
pub struct OutboxEntry {
    pub generation: i64,
    pub keys: Vec<String>,
}

const HISTORY_COLUMNS: &str =
    "generation, entity_type, entity_id, kind, version, actor, operation, changed_at, before, after";

impl Store {
    /// Returns an entity's changes, newest first, at most `limit`.
    pub async fn history(&self, target: &EntityRef, limit: i64) -> Result<Vec<HistoryEntry>, Error> {
        let sql = format!(
            "SELECT {HISTORY_COLUMNS} FROM changes WHERE entity_type = $1 AND entity_id = $2 ORDER BY seq DESC LIMIT $3"
        );
        let binds = [Bind::Text(target.kind.as_str().to_owned()), Bind::Text(target.id.clone()), Bind::Int(limit)];
        self.fetch(&sql, &binds).await?.iter().map(history_entry).collect()
    }

    /// Returns the changes of the writes with generations in `from..=to`, in order.
    pub async fn changes_between(&self, from: i64, to: i64) -> Result<Vec<HistoryEntry>, Error> {
        let sql =
            format!("SELECT {HISTORY_COLUMNS} FROM changes WHERE generation >= $1 AND generation <= $2 ORDER BY seq");
        self.fetch(&sql, &[Bind::Int(from), Bind::Int(to)]).await?.iter().map(history_entry).collect()
    }

    /// Returns up to `limit` outbox rows after `generation`, in order.
    pub async fn outbox_after(&self, generation: i64, limit: i64) -> Result<Vec<OutboxEntry>, Error> {
        let rows = self
            .fetch(
                "SELECT generation, keys FROM outbox WHERE generation > $1 ORDER BY generation LIMIT $2",
                &[Bind::Int(generation), Bind::Int(limit)],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let keys: String = row.try_get("keys").map_err(Error::Store)?;
                Ok(OutboxEntry {
                    generation: row.try_get("generation").map_err(Error::Store)?,
                    keys: serde_json::from_str(&keys).map_err(|error| Error::Internal(error.into()))?,
                })
            })
            .collect()
    }
}

fn history_entry(row: &AnyRow) -> Result<HistoryEntry, Error> {
    let text = |column: &str| row.try_get::<String, _>(column).map_err(Error::Store);
    let json = |column: &str| -> Result<Option<serde_json::Value>, Error> {
        let value: Option<String> = row.try_get(column).map_err(Error::Store)?;
        value.map(|v| serde_json::from_str(&v).map_err(|error| Error::Internal(error.into()))).transpose()
    };
    let corrupt = |what: &str, value: String| Error::Internal(anyhow::anyhow!("unknown {what} `{value}` in changes"));
    let kind = text("entity_type")?;
    let entity_kind = EntityKind::parse(&kind).ok_or_else(|| corrupt("entity type", kind.clone()))?;
    let change = text("kind")?;
    Ok(HistoryEntry {
        generation: row.try_get("generation").map_err(Error::Store)?,
        target: EntityRef::new(entity_kind, text("entity_id")?),
        kind: ChangeKind::parse(&change).ok_or_else(|| corrupt("change kind", change.clone()))?,
        version: row.try_get("version").map_err(Error::Store)?,
        actor: text("actor")?,
        operation: text("operation")?,
        changed_at: text("changed_at")?,
        before: json("before")?,
        after: json("after")?,
    })
}
