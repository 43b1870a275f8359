//! Every change to the graph: a `Write` holds the writer lock (the data generation row)
//! from its first statement to its commit, so writes apply one at a time and commit in
//! generation order on both backends. A write stores the difference between the graph
//! before and after it, bumps versions, and appends audit rows (`changes`) and one
//! outbox row in the same transaction; the search indexers follow the outbox.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use sqlx::{Any, Row, Transaction};

use super::space::Space;
use super::{placeholders, Store};
use crate::error::Error;
use crate::model::dataset::{Dataset, SpanRecord};
use crate::model::edit::{diff, touched, ChangeKind, EntityChange, RecordRef};
use crate::model::{EntityKind, EntityRef};

/// The PostgreSQL channel on which each committed write announces its generation.
pub const NOTIFY_CHANNEL: &str = "achievement_graph_outbox";

/// The index key that stands for "every entry": written when a write touches more
/// entities than it is worth listing.
pub const ALL_KEYS: &str = "*";

/// Above this many touched entities, the outbox asks for a full rebuild instead.
const MAX_OUTBOX_KEYS: usize = 10_000;

/// A write in progress. Dropping it without `apply` rolls everything back.
pub struct Write {
    _queued: tokio::sync::OwnedMutexGuard<()>,
    tx: Transaction<'static, Any>,
    generation: i64,
    actor: String,
    operation: String,
    postgres: bool,
    space: Arc<Space>,
}

/// What a committed write changed.
#[derive(Debug, Clone)]
pub struct Committed {
    /// The data generation (and outbox position) the write took.
    pub generation: i64,
    pub changes: Vec<EntityChange>,
}

/// A column value, bound in order.
#[derive(Debug, Clone)]
enum Val {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
    Real(f64),
}

/// The columns of an audit row in `changes`.
const AUDIT_COLUMNS: [&str; 10] = [
    "generation",
    "entity_type",
    "entity_id",
    "kind",
    "version",
    "actor",
    "operation",
    "changed_at",
    "before",
    "after",
];

/// Most values bound in one statement. SQLite (through sqlx) looks each `$N` up by name,
/// so binding costs grow with the square of the count: a few hundred is the sweet spot.
const MAX_BINDS: usize = 400;

/// Rows of one table with the same columns, inserted by one statement.
struct RowBatch {
    table: &'static str,
    columns: Vec<&'static str>,
    /// Row after row.
    values: Vec<Val>,
}

/// Collects rows into batches, keeping their order: a row for another table or other
/// columns, or a full batch, starts a new batch.
#[derive(Default)]
struct Rows {
    batches: Vec<RowBatch>,
}

impl Rows {
    fn push(&mut self, table: &'static str, columns: &[&'static str], values: Vec<Val>) {
        let fits = |batch: &RowBatch| {
            batch.table == table && batch.columns == columns && batch.values.len() + values.len() <= MAX_BINDS
        };
        if !self.batches.last().is_some_and(fits) {
            self.batches.push(RowBatch { table, columns: columns.to_vec(), values: Vec::new() });
        }
        if let Some(batch) = self.batches.last_mut() {
            batch.values.extend(values);
        }
    }
}

/// How one record maps to its table and its link tables.
struct RowSpec<'a> {
    table: &'static str,
    /// Column names and values; the first is always `id`.
    columns: Vec<(&'static str, Val)>,
    links: Vec<LinkSpec<'a>>,
}

/// The link rows a record owns: `owner` -> each of `targets`, in order.
struct LinkSpec<'a> {
    table: &'static str,
    owner: &'static str,
    target: &'static str,
    targets: &'a [String],
}

impl Store {
    /// Starts a write on behalf of `actor`, taking the writer lock and the next generation.
    pub async fn begin_write(&self, actor: &str, operation: &str) -> Result<Write, Error> {
        let write = self.start_write(actor, operation).await;
        if let Err(error) = &write {
            self.space.refused(error);
        }
        write
    }

    async fn start_write(&self, actor: &str, operation: &str) -> Result<Write, Error> {
        let queued = self.writer.clone().lock_owned().await;
        let mut tx = self.pool.begin().await.map_err(Error::Store)?;
        sqlx::query("UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'generation'")
            .execute(&mut *tx)
            .await
            .map_err(Error::Store)?;
        let value: String = sqlx::query("SELECT value FROM meta WHERE key = 'generation'")
            .fetch_one(&mut *tx)
            .await
            .map_err(Error::Store)?
            .try_get("value")
            .map_err(Error::Store)?;
        let generation =
            value.parse().map_err(|_| Error::Internal(anyhow::anyhow!("corrupt generation marker `{value}`")))?;
        Ok(Write {
            _queued: queued,
            tx,
            generation,
            actor: actor.to_owned(),
            operation: operation.to_owned(),
            postgres: self.postgres,
            space: self.space.clone(),
        })
    }

    /// Replaces the whole graph with `dataset` (already validated), recording every
    /// difference like any other write. Either everything is written or nothing is.
    pub async fn import(&self, dataset: &Dataset, actor: &str) -> Result<Option<Committed>, Error> {
        let write = self.begin_write(actor, "import").await?;
        let before = self.export().await?;
        write.apply(&before, dataset).await
    }
}

impl Write {
    /// Returns the generation this write will commit as.
    pub fn generation(&self) -> i64 {
        self.generation
    }

    /// Returns the stored version of an entity, read under the writer lock.
    pub async fn version(&mut self, target: &EntityRef) -> Result<Option<i64>, Error> {
        let sql = format!("SELECT version FROM {} WHERE id = $1", table_of(target.kind));
        let row =
            sqlx::query(&sql).bind(target.id.clone()).fetch_optional(&mut *self.tx).await.map_err(Error::Store)?;
        row.map(|row| row.try_get::<i64, _>("version")).transpose().map_err(Error::Store)
    }

    /// Writes the difference between `before` (the stored graph) and `after` (validated),
    /// with audit rows and an outbox row, and commits. Returns `None`, writing nothing,
    /// when the two are equal. A write refused for lack of space is noted for `/readyz`
    /// (a commit clears it).
    ///
    /// The transaction is ended here, commit or rollback, and awaited: a connection whose
    /// rollback failed (SQLite under a full disk) is closed by the pool, not reused.
    pub async fn apply(mut self, before: &Dataset, after: &Dataset) -> Result<Option<Committed>, Error> {
        let written = self.write_changes(before, after).await;
        let committed = match written {
            Ok(Some(changes)) => match self.tx.commit().await {
                Ok(()) => Ok(Some(Committed { generation: self.generation, changes })),
                Err(error) => Err(Error::Store(error)),
            },
            // Nothing to write, or a write that failed: the generation it took goes back.
            nothing_or_failed => {
                if let Err(rollback) = self.tx.rollback().await {
                    tracing::warn!(error = %rollback, "a write could not be rolled back: its connection is closed");
                }
                nothing_or_failed.map(|_| None)
            }
        };
        match &committed {
            Ok(Some(_)) => self.space.committed(),
            Ok(None) => {}
            Err(error) => self.space.refused(error),
        }
        committed
    }

    /// Writes the changes inside the transaction, without committing; returns them, or
    /// `None` when there are none.
    async fn write_changes(&mut self, before: &Dataset, after: &Dataset) -> Result<Option<Vec<EntityChange>>, Error> {
        let changes = diff(before, after);
        if changes.is_empty() {
            return Ok(None);
        }
        let old_records: HashMap<EntityRef, RecordRef<'_>> = before.entities().into_iter().collect();
        let new_records: HashMap<EntityRef, RecordRef<'_>> = after.entities().into_iter().collect();
        let of_kind = |kind: ChangeKind| changes.iter().filter(move |c| c.kind == kind);

        // Links owned by changed entities and friendships of changed cities are rewritten.
        for change in of_kind(ChangeKind::Updated).chain(of_kind(ChangeKind::Deleted)) {
            let records = if change.kind == ChangeKind::Deleted { &old_records } else { &new_records };
            for link in row_spec(record(records, &change.target)?).links {
                self.execute(
                    &format!("DELETE FROM {} WHERE {} = $1", link.table, link.owner),
                    vec![Val::Text(change.target.id.clone())],
                )
                .await?;
            }
        }
        let cities: BTreeSet<&str> =
            changes.iter().filter(|c| c.target.kind == EntityKind::City).map(|c| c.target.id.as_str()).collect();
        for city in &cities {
            self.execute(
                "DELETE FROM friendships WHERE city_a = $1 OR city_b = $1",
                vec![Val::Text((*city).to_owned())],
            )
            .await?;
        }
        // Leaves go first so that their ranks are free for the rows that take them.
        let mut versions = HashMap::new();
        for change in of_kind(ChangeKind::Deleted)
            .filter(|c| matches!(c.target.kind, EntityKind::Statistic | EntityKind::Achievement))
        {
            let version = self.delete_row(&change.target).await?;
            versions.insert(change.target.clone(), version);
        }
        for change in of_kind(ChangeKind::Updated).filter(|c| c.target.kind == EntityKind::Achievement) {
            self.execute(
                "UPDATE achievements SET rank = rank + 1000000 WHERE id = $1",
                vec![Val::Text(change.target.id.clone())],
            )
            .await?;
        }
        // New rows go in multi-row INSERTs, a run of one table at a time (the changes come
        // parents first), and their links after all of them: an import of a million
        // entities is a few thousand statements, not millions.
        let mut rows = Rows::default();
        let mut links: BTreeMap<&'static str, Rows> = BTreeMap::new();
        for change in of_kind(ChangeKind::Created) {
            let spec = row_spec(record(&new_records, &change.target)?);
            let names: Vec<&'static str> = spec.columns.iter().map(|(name, _)| *name).collect();
            rows.push(spec.table, &names, spec.columns.into_iter().map(|(_, value)| value).collect());
            for link in &spec.links {
                for (position, target) in link.targets.iter().enumerate() {
                    let values =
                        vec![Val::Text(change.target.id.clone()), Val::Text(target.clone()), Val::Int(position as i64)];
                    links.entry(link.table).or_default().push(
                        link.table,
                        &[link.owner, link.target, "position"],
                        values,
                    );
                }
            }
            versions.insert(change.target.clone(), 1);
        }
        // Links go in once every row they may point to is in.
        for batch in rows.batches.into_iter().chain(links.into_values().flat_map(|links| links.batches)) {
            self.insert_rows(batch).await?;
        }
        for change in of_kind(ChangeKind::Updated) {
            let spec = row_spec(record(&new_records, &change.target)?);
            let sets: Vec<String> =
                spec.columns.iter().enumerate().skip(1).map(|(i, (name, _))| format!("{name} = ${}", i + 1)).collect();
            let sql = format!(
                "UPDATE {} SET {}, version = version + 1 WHERE id = $1 RETURNING version",
                spec.table,
                sets.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for (_, value) in spec.columns {
                query = bind(query, value);
            }
            let row = query.fetch_one(&mut *self.tx).await.map_err(store_error)?;
            versions.insert(change.target.clone(), row.try_get("version").map_err(Error::Store)?);
            self.insert_links(&spec.links, &change.target.id).await?;
        }
        for friendship in &after.friendships {
            let [a, b] = &friendship.cities;
            if !cities.contains(a.as_str()) && !cities.contains(b.as_str()) {
                continue;
            }
            let [document, start, end] = optional_span(friendship.source.as_ref());
            self.execute(
                "INSERT INTO friendships (city_a, city_b, source_document, source_start, source_end) VALUES ($1, $2, $3, $4, $5)",
                vec![Val::Text(a.clone()), Val::Text(b.clone()), document, start, end],
            )
            .await?;
        }
        let mut rest: Vec<&EntityChange> =
            of_kind(ChangeKind::Deleted).filter(|c| !versions.contains_key(&c.target)).collect();
        rest.sort_by_key(|c| std::cmp::Reverse(c.target.kind));
        for change in rest {
            let version = self.delete_row(&change.target).await?;
            versions.insert(change.target.clone(), version);
        }

        let now = now();
        let mut audit = Rows::default();
        for change in &changes {
            let json = |value: &Option<serde_json::Value>| value.as_ref().map(|v| v.to_string());
            let values = vec![
                Val::Int(self.generation),
                Val::Text(change.target.kind.as_str().to_owned()),
                Val::Text(change.target.id.clone()),
                Val::Text(change.kind.as_str().to_owned()),
                Val::Int(versions.get(&change.target).copied().unwrap_or(1)),
                Val::Text(self.actor.clone()),
                Val::Text(self.operation.clone()),
                Val::Text(now.clone()),
                Val::OptText(json(&change.before)),
                Val::OptText(json(&change.after)),
            ];
            audit.push("changes", &AUDIT_COLUMNS, values);
        }
        for batch in audit.batches {
            self.insert_rows(batch).await?;
        }
        let keys = index_keys(&touched(before, after, &changes));
        let keys = serde_json::to_string(&keys).map_err(|error| Error::Internal(error.into()))?;
        self.execute(
            "INSERT INTO outbox (generation, keys, created_at) VALUES ($1, $2, $3)",
            vec![Val::Int(self.generation), Val::Text(keys), Val::Text(now)],
        )
        .await?;
        if self.postgres {
            // Delivered to listeners when the transaction commits, not before.
            self.execute(
                "SELECT pg_notify($1, $2)",
                vec![Val::Text(NOTIFY_CHANNEL.to_owned()), Val::Text(self.generation.to_string())],
            )
            .await?;
        }
        Ok(Some(changes))
    }

    async fn execute(&mut self, sql: &str, values: Vec<Val>) -> Result<(), Error> {
        let mut query = sqlx::query(sql);
        for value in values {
            query = bind(query, value);
        }
        query.execute(&mut *self.tx).await.map_err(store_error)?;
        Ok(())
    }

    /// Inserts a batch of rows of one table with one statement.
    async fn insert_rows(&mut self, batch: RowBatch) -> Result<(), Error> {
        let width = batch.columns.len();
        let tuples: Vec<String> =
            (0..batch.values.len() / width).map(|row| format!("({})", placeholders(row * width + 1, width))).collect();
        let sql = format!("INSERT INTO {} ({}) VALUES {}", batch.table, batch.columns.join(", "), tuples.join(", "));
        self.execute(&sql, batch.values).await
    }

    async fn insert_links(&mut self, links: &[LinkSpec<'_>], owner: &str) -> Result<(), Error> {
        for link in links {
            let sql =
                format!("INSERT INTO {} ({}, {}, position) VALUES ($1, $2, $3)", link.table, link.owner, link.target);
            for (position, target) in link.targets.iter().enumerate() {
                self.execute(
                    &sql,
                    vec![Val::Text(owner.to_owned()), Val::Text(target.clone()), Val::Int(position as i64)],
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Deletes an entity's row and returns the version it had.
    async fn delete_row(&mut self, target: &EntityRef) -> Result<i64, Error> {
        let sql = format!("DELETE FROM {} WHERE id = $1 RETURNING version", table_of(target.kind));
        let row = sqlx::query(&sql).bind(target.id.clone()).fetch_one(&mut *self.tx).await.map_err(store_error)?;
        row.try_get("version").map_err(Error::Store)
    }
}

/// Returns the index keys (`TYPE:slug`) of the searchable entities among `touched`,
/// or `["*"]` when there are too many to list.
fn index_keys(touched: &BTreeSet<EntityRef>) -> Vec<String> {
    let keys: Vec<String> = touched
        .iter()
        .filter(|r| !matches!(r.kind, EntityKind::Country | EntityKind::List))
        .map(|r| format!("{}:{}", r.kind.as_str(), r.id))
        .collect();
    if keys.len() > MAX_OUTBOX_KEYS {
        vec![ALL_KEYS.to_owned()]
    } else {
        keys
    }
}

/// Returns the table of an entity kind.
pub(crate) fn table_of(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Document => "documents",
        EntityKind::Country => "countries",
        EntityKind::City => "cities",
        EntityKind::Organization => "organizations",
        EntityKind::Event => "events",
        EntityKind::List => "lists",
        EntityKind::Achievement => "achievements",
        EntityKind::Statistic => "statistics",
    }
}

fn row_spec(record: RecordRef<'_>) -> RowSpec<'_> {
    use Val::{Int, OptText, Real, Text};
    let text = |s: &String| Text(s.clone());
    let opt = |s: &Option<String>| OptText(s.clone());
    let date = |d: &Option<crate::model::Date>| OptText(d.as_ref().map(|d| d.as_str().to_owned()));
    let link = |table, owner, target, targets| LinkSpec { table, owner, target, targets };
    let span = |s: &SpanRecord| {
        [("source_document", Text(s.document.clone())), ("source_start", Int(s.start)), ("source_end", Int(s.end))]
    };
    let optional = |s: Option<&SpanRecord>| {
        let [document, start, end] = optional_span(s);
        [("source_document", document), ("source_start", start), ("source_end", end)]
    };
    match record {
        RecordRef::Document(d) => RowSpec {
            table: "documents",
            columns: vec![
                ("id", text(&d.id)),
                ("title", text(&d.title)),
                ("publisher", opt(&d.publisher)),
                ("published_on", date(&d.published_on)),
                ("text", text(&d.text)),
            ],
            links: vec![],
        },
        RecordRef::Country(c) => {
            RowSpec { table: "countries", columns: vec![("id", text(&c.id)), ("name", text(&c.name))], links: vec![] }
        }
        RecordRef::City(c) => RowSpec {
            table: "cities",
            columns: vec![("id", text(&c.id)), ("name", text(&c.name)), ("country_id", text(&c.country))],
            links: vec![],
        },
        RecordRef::Organization(o) => {
            let mut columns = vec![
                ("id", text(&o.id)),
                ("name", text(&o.name)),
                ("kind", Text(o.kind.as_str().to_owned())),
                ("country_id", opt(&o.country)),
                ("city_id", opt(&o.city)),
                ("founded_on", date(&o.founded_on)),
            ];
            columns.extend(optional(o.source.as_ref()));
            RowSpec { table: "organizations", columns, links: vec![] }
        }
        RecordRef::Event(e) => {
            let mut columns = vec![
                ("id", text(&e.id)),
                ("name", text(&e.name)),
                ("start_date", date(&e.start_date)),
                ("end_date", date(&e.end_date)),
                ("city_id", opt(&e.city)),
            ];
            columns.extend(optional(e.source.as_ref()));
            RowSpec {
                table: "events",
                columns,
                links: vec![link("event_organizers", "event_id", "organization_id", &e.organizers)],
            }
        }
        RecordRef::List(l) => {
            let stages = serde_json::to_string(&l.stages).unwrap_or_else(|_| "[]".to_owned());
            let mut columns = vec![
                ("id", text(&l.id)),
                ("title", text(&l.title)),
                ("city_id", text(&l.city)),
                ("announced_on", date(&l.announced_on)),
                ("stages", Text(stages)),
            ];
            columns.extend(span(&l.source));
            RowSpec {
                table: "lists",
                columns,
                links: vec![link("list_organizers", "list_id", "organization_id", &l.organizers)],
            }
        }
        RecordRef::Achievement(a) => {
            let mut columns = vec![
                ("id", text(&a.id)),
                ("list_id", text(&a.list)),
                ("rank", Int(a.rank)),
                ("title", text(&a.title)),
                ("category", Text(a.category.as_str().to_owned())),
                ("summary", text(&a.summary)),
            ];
            columns.extend(span(&a.source));
            RowSpec {
                table: "achievements",
                columns,
                links: vec![
                    link("achievement_cities", "achievement_id", "city_id", &a.cities),
                    link("achievement_organizations", "achievement_id", "organization_id", &a.organizations),
                    link("achievement_events", "achievement_id", "event_id", &a.events),
                ],
            }
        }
        RecordRef::Statistic(s) => {
            let mut columns = vec![
                ("id", text(&s.id)),
                ("label", text(&s.label)),
                ("value", Real(s.value)),
                ("unit", text(&s.unit)),
                ("qualifier", Text(s.qualifier.as_str().to_owned())),
                ("period", opt(&s.period)),
                ("subject_type", Text(s.subject.kind.as_str().to_owned())),
                ("subject_id", text(&s.subject.id)),
            ];
            columns.extend(span(&s.source));
            RowSpec { table: "statistics", columns, links: vec![] }
        }
    }
}

fn record<'a>(records: &HashMap<EntityRef, RecordRef<'a>>, target: &EntityRef) -> Result<RecordRef<'a>, Error> {
    records.get(target).copied().ok_or_else(|| Error::Internal(anyhow::anyhow!("{target} vanished from its own state")))
}

fn optional_span(span: Option<&SpanRecord>) -> [Val; 3] {
    [
        Val::OptText(span.map(|s| s.document.clone())),
        Val::OptInt(span.map(|s| s.start)),
        Val::OptInt(span.map(|s| s.end)),
    ]
}

fn bind<'q>(
    query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    value: Val,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    match value {
        Val::Text(text) => query.bind(text),
        Val::OptText(text) => query.bind(text),
        Val::Int(n) => query.bind(n),
        Val::OptInt(n) => query.bind(n),
        Val::Real(x) => query.bind(x),
    }
}

/// A uniqueness violation means a concurrent or inconsistent write, not a server fault.
fn store_error(error: sqlx::Error) -> Error {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            Error::Conflict("the write collides with an existing entity (same id, or same rank in a list)".to_owned())
        }
        _ => Error::Store(error),
    }
}

/// Returns the current time as RFC 3339, in UTC.
pub(crate) fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}
