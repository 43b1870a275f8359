//! Filtered, keyset-paginated reads of one entity kind (Relay `first/after/last/before`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sqlx::Row;

use super::{Entity, Store};
use crate::error::Error;

/// A value bound to a `$N` placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(String),
    Real(f64),
    Int(i64),
}

/// `WHERE` conditions on the target table `t`; each `{}` in a condition is a bound value.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    conditions: Vec<(String, Vec<Bind>)>,
}

impl Filter {
    /// Adds `column <op> value`, e.g. `filter.compare("t.category", "=", Bind::Text(..))`.
    pub fn compare(&mut self, column: &str, op: &str, value: Bind) -> &mut Self {
        self.condition(&format!("{column} {op} {{}}"), vec![value])
    }

    /// Adds a condition written in SQL with one `{}` per value, in order.
    pub fn condition(&mut self, sql: &str, values: Vec<Bind>) -> &mut Self {
        debug_assert_eq!(sql.matches("{}").count(), values.len());
        self.conditions.push((sql.to_owned(), values));
        self
    }

    fn render(&self, sql: &mut String, binds: &mut Vec<Bind>) {
        for (i, (condition, values)) in self.conditions.iter().enumerate() {
            sql.push_str(if i == 0 { " WHERE " } else { " AND " });
            let mut pieces = condition.split("{}");
            sql.push_str(pieces.next().unwrap_or_default());
            for (value, piece) in values.iter().zip(pieces) {
                binds.push(value.clone());
                sql.push_str(&format!("${}", binds.len()));
                sql.push_str(piece);
            }
        }
    }
}

/// The order of a paginated read: insertion order, or by `t.value` for statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    Added,
    ValueAsc,
    ValueDesc,
}

/// A position in a sorted read: the sort value (when sorting by value) and the row's seq.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cursor {
    pub value: Option<f64>,
    pub seq: i64,
}

impl Cursor {
    /// Encodes the cursor as an opaque string.
    pub fn encode(&self) -> String {
        let plain = match self.value {
            Some(value) => format!("k1:{value}:{}", self.seq),
            None => format!("k1:{}", self.seq),
        };
        URL_SAFE_NO_PAD.encode(plain)
    }

    /// Decodes a cursor produced by `encode` for the same order, or returns `None`.
    pub fn decode(text: &str, order: SortOrder) -> Option<Self> {
        let plain = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
        let parts: Vec<&str> = plain.strip_prefix("k1:")?.split(':').collect();
        match (order, parts.as_slice()) {
            (SortOrder::Added, [seq]) => Some(Self { value: None, seq: seq.parse().ok()? }),
            (SortOrder::ValueAsc | SortOrder::ValueDesc, [value, seq]) => {
                let value: f64 = value.parse().ok()?;
                value.is_finite().then_some(())?;
                Some(Self { value: Some(value), seq: seq.parse().ok()? })
            }
            _ => None,
        }
    }
}

/// Which slice of the sorted rows to read.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub after: Option<Cursor>,
    pub before: Option<Cursor>,
    /// How many rows to return.
    pub limit: usize,
    /// Take the last `limit` rows of the window (`last`) instead of the first (`first`).
    pub from_end: bool,
}

/// One page of entities with their cursors.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<(Cursor, T)>,
    pub has_previous_page: bool,
    pub has_next_page: bool,
}

impl Store {
    /// Returns one page of the entities matching `filter`, sorted by `order`.
    pub async fn page<T: Entity>(
        &self,
        filter: &Filter,
        order: SortOrder,
        request: &PageRequest,
    ) -> Result<Page<T>, Error> {
        let value_sorted = order != SortOrder::Added;
        let mut sql = format!(
            "SELECT t.seq AS seq__, {}{} FROM {} t",
            if value_sorted { "t.value AS value__, " } else { "" },
            T::COLUMNS,
            T::TABLE
        );
        let mut binds = Vec::new();
        let mut window = filter.clone();
        let descending = order == SortOrder::ValueDesc;
        if let Some(after) = request.after {
            keyset(&mut window, order, after, !descending);
        }
        if let Some(before) = request.before {
            keyset(&mut window, order, before, descending);
        }
        window.render(&mut sql, &mut binds);
        // Read backwards when taking the last rows of the window, then restore the order.
        let backwards = request.from_end != descending;
        let direction = if backwards { "DESC" } else { "ASC" };
        if value_sorted {
            sql.push_str(&format!(" ORDER BY t.value {direction}, t.seq {direction}"));
        } else {
            sql.push_str(&format!(" ORDER BY t.seq {direction}"));
        }
        sql.push_str(&format!(" LIMIT {}", request.limit + 1));
        let rows = self.fetch(&sql, &binds).await?;
        let more = rows.len() > request.limit;
        let mut items = Vec::with_capacity(rows.len().min(request.limit));
        for row in rows.iter().take(request.limit) {
            let seq: i64 = row.try_get("seq__").map_err(Error::Store)?;
            let value: Option<f64> =
                if value_sorted { Some(row.try_get("value__").map_err(Error::Store)?) } else { None };
            items.push((Cursor { value, seq }, T::from_row(row)?));
        }
        if request.from_end {
            items.reverse();
            Ok(Page { items, has_previous_page: more, has_next_page: request.before.is_some() })
        } else {
            Ok(Page { items, has_previous_page: request.after.is_some(), has_next_page: more })
        }
    }

    /// Counts the entities matching `filter`.
    pub async fn count<T: Entity>(&self, filter: &Filter) -> Result<i64, Error> {
        let mut sql = format!("SELECT COUNT(*) AS n FROM {} t", T::TABLE);
        let mut binds = Vec::new();
        filter.render(&mut sql, &mut binds);
        let rows = self.fetch(&sql, &binds).await?;
        rows[0].try_get("n").map_err(Error::Store)
    }
}

/// Restricts the window to rows after (`greater`) or before the cursor in sort order.
fn keyset(filter: &mut Filter, order: SortOrder, cursor: Cursor, greater: bool) {
    let op = if greater { ">" } else { "<" };
    match (order, cursor.value) {
        (SortOrder::Added, _) | (_, None) => {
            filter.compare("t.seq", op, Bind::Int(cursor.seq));
        }
        (_, Some(value)) => {
            // (value, seq) compared as a tuple, written out for portability.
            filter.condition(
                &format!("(t.value {op} {{}} OR (t.value = {{}} AND t.seq {op} {{}}))"),
                vec![Bind::Real(value), Bind::Real(value), Bind::Int(cursor.seq)],
            );
        }
    }
}
