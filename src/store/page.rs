//! Filtered, keyset-paginated reads of one entity kind (Relay `first/after/last/before`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sqlx::Row;

use super::{Entity, Store};
use crate::error::Error;
use crate::model::{Category, EntityKind, EntityRef};

/// A value bound to a `$N` placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(String),
    Real(f64),
    Int(i64),
}

/// One condition a paginated read keeps, typed: only the store knows the columns behind
/// it, so callers (resolvers, query plans) never write SQL.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// An achievement of this category.
    Category(Category),
    /// An achievement of this list (its slug).
    InList(String),
    /// An achievement linked to this city (its slug).
    LinkedToCity(String),
    /// A statistic about this entity.
    About(EntityRef),
    /// A statistic in this unit.
    Unit(String),
    /// A statistic whose value is at least this.
    MinValue(f64),
    /// A statistic whose value is at most this.
    MaxValue(f64),
}

impl Condition {
    /// Returns the kind of entity the condition is on.
    pub fn kind(&self) -> EntityKind {
        match self {
            Self::Category(_) | Self::InList(_) | Self::LinkedToCity(_) => EntityKind::Achievement,
            Self::About(_) | Self::Unit(_) | Self::MinValue(_) | Self::MaxValue(_) => EntityKind::Statistic,
        }
    }

    /// Returns the condition as SQL on the target table `t`, one `{}` per bound value.
    fn sql(&self) -> (&'static str, Vec<Bind>) {
        let text = |value: &str| Bind::Text(value.to_owned());
        match self {
            Self::Category(category) => ("t.category = {}", vec![text(category.as_str())]),
            Self::InList(list) => ("t.list_id = {}", vec![text(list)]),
            Self::LinkedToCity(city) => (
                "EXISTS (SELECT 1 FROM achievement_cities l WHERE l.achievement_id = t.id AND l.city_id = {})",
                vec![text(city)],
            ),
            Self::About(subject) => {
                ("t.subject_type = {} AND t.subject_id = {}", vec![text(subject.kind.as_str()), text(&subject.id)])
            }
            Self::Unit(unit) => ("t.unit = {}", vec![text(unit)]),
            Self::MinValue(value) => ("t.value >= {}", vec![Bind::Real(*value)]),
            Self::MaxValue(value) => ("t.value <= {}", vec![Bind::Real(*value)]),
        }
    }
}

/// The conditions of a paginated read, all of which an entity must meet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    conditions: Vec<Condition>,
}

impl Filter {
    /// Adds a condition.
    pub fn and(&mut self, condition: Condition) -> &mut Self {
        self.conditions.push(condition);
        self
    }

    /// Returns the conditions, in the order they were added.
    pub fn conditions(&self) -> &[Condition] {
        &self.conditions
    }

    /// Refuses conditions on another kind than `T`'s: they name columns `T` lacks.
    fn check<T: Entity>(&self) -> Result<(), Error> {
        match self.conditions.iter().find(|condition| condition.kind() != T::KIND) {
            Some(condition) => {
                Err(Error::Internal(anyhow::anyhow!("{condition:?} is not a condition on {}", T::TABLE)))
            }
            None => Ok(()),
        }
    }
}

/// SQL conditions on the target table `t` in the making; each `{}` is a bound value.
#[derive(Debug, Default)]
struct Where {
    conditions: Vec<(String, Vec<Bind>)>,
}

impl Where {
    fn of(filter: &Filter) -> Self {
        let mut sql = Self::default();
        for condition in &filter.conditions {
            let (text, values) = condition.sql();
            sql.condition(text, values);
        }
        sql
    }

    /// Adds `column <op> value`.
    fn compare(&mut self, column: &str, op: &str, value: Bind) -> &mut Self {
        self.condition(&format!("{column} {op} {{}}"), vec![value])
    }

    /// Adds a condition written in SQL with one `{}` per value, in order.
    fn condition(&mut self, sql: &str, values: Vec<Bind>) -> &mut Self {
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
        filter.check::<T>()?;
        let value_sorted = order != SortOrder::Added;
        let mut sql = format!(
            "SELECT t.seq AS seq__, {}{} FROM {} t",
            if value_sorted { "t.value AS value__, " } else { "" },
            T::COLUMNS,
            T::TABLE
        );
        let mut binds = Vec::new();
        let mut window = Where::of(filter);
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

    /// Returns one page and, when `counted`, how many entities match over all pages
    /// (a second query, run beside the page; 0 when not counted).
    pub async fn page_counted<T: Entity>(
        &self,
        filter: &Filter,
        order: SortOrder,
        request: &PageRequest,
        counted: bool,
    ) -> Result<(Page<T>, i64), Error> {
        let count = async {
            match counted {
                true => self.count::<T>(filter).await,
                false => Ok(0),
            }
        };
        tokio::try_join!(self.page::<T>(filter, order, request), count)
    }

    /// Counts the entities matching `filter`.
    pub async fn count<T: Entity>(&self, filter: &Filter) -> Result<i64, Error> {
        filter.check::<T>()?;
        let mut sql = format!("SELECT COUNT(*) AS n FROM {} t", T::TABLE);
        let mut binds = Vec::new();
        Where::of(filter).render(&mut sql, &mut binds);
        let rows = self.fetch(&sql, &binds).await?;
        rows[0].try_get("n").map_err(Error::Store)
    }
}

/// Restricts the window to rows after (`greater`) or before the cursor in sort order.
fn keyset(filter: &mut Where, order: SortOrder, cursor: Cursor, greater: bool) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Achievement, Statistic};

    #[test]
    fn a_condition_renders_with_bound_values_and_only_on_its_own_kind() {
        let mut filter = Filter::default();
        filter.and(Condition::Category(Category::Sports)).and(Condition::LinkedToCity("changchun".to_owned()));
        assert!(filter.check::<Achievement>().is_ok());
        assert!(filter.check::<Statistic>().is_err(), "achievement columns on the statistics table");
        let (mut sql, mut binds) = (String::new(), Vec::new());
        Where::of(&filter).render(&mut sql, &mut binds);
        assert_eq!(
            sql,
            " WHERE t.category = $1 AND EXISTS (SELECT 1 FROM achievement_cities l WHERE l.achievement_id = t.id AND l.city_id = $2)"
        );
        assert_eq!(binds, [Bind::Text("SPORTS".to_owned()), Bind::Text("changchun".to_owned())]);
        let about = Condition::About(EntityRef::new(EntityKind::Event, "6th-asian-winter-games"));
        let (sql, values) = about.sql();
        assert_eq!((sql.matches("{}").count(), values.len()), (2, 2));
    }
}
