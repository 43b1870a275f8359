//! Loads a validated dataset into the store in one transaction, replacing what was there.

use sqlx::{Any, Transaction};

use super::{placeholders, Store};
use crate::error::Error;
use crate::model::dataset::{Dataset, SpanRecord};

/// Tables in dependency order: children first, so deleting in this order never breaks a reference.
const TABLES: &[&str] = &[
    "statistics",
    "achievement_events",
    "achievement_organizations",
    "achievement_cities",
    "achievements",
    "list_organizers",
    "lists",
    "event_organizers",
    "events",
    "organizations",
    "friendships",
    "cities",
    "countries",
    "documents",
];

/// A row's values, bound in order.
enum Value<'a> {
    Text(&'a str),
    OptText(Option<&'a str>),
    Int(i64),
    OptInt(Option<i64>),
    Real(f64),
}

impl Store {
    /// Replaces the whole graph with `dataset` (already validated) and bumps the data generation.
    /// Either everything is written or nothing is.
    pub async fn import(&self, dataset: &Dataset) -> Result<(), Error> {
        let mut tx = self.pool.begin().await.map_err(Error::Store)?;
        for table in TABLES {
            sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *tx).await.map_err(Error::Store)?;
        }
        for d in &dataset.documents {
            let published_on = d.published_on.as_ref().map(|date| date.as_str());
            insert(&mut tx, "documents (id, title, publisher, published_on, text)", &[
                Value::Text(&d.id), Value::Text(&d.title), Value::OptText(d.publisher.as_deref()),
                Value::OptText(published_on), Value::Text(&d.text),
            ]).await?;
        }
        for c in &dataset.countries {
            insert(&mut tx, "countries (id, name)", &[Value::Text(&c.id), Value::Text(&c.name)]).await?;
        }
        for c in &dataset.cities {
            insert(&mut tx, "cities (id, name, country_id)", &[Value::Text(&c.id), Value::Text(&c.name), Value::Text(&c.country)]).await?;
        }
        for f in &dataset.friendships {
            let [doc, start, end] = optional_span(f.source.as_ref());
            insert(&mut tx, "friendships (city_a, city_b, source_document, source_start, source_end)", &[
                Value::Text(&f.cities[0]), Value::Text(&f.cities[1]), doc, start, end,
            ]).await?;
        }
        for o in &dataset.organizations {
            let [doc, start, end] = optional_span(o.source.as_ref());
            insert(&mut tx, "organizations (id, name, kind, country_id, city_id, founded_on, source_document, source_start, source_end)", &[
                Value::Text(&o.id), Value::Text(&o.name), Value::Text(o.kind.as_str()),
                Value::OptText(o.country.as_deref()), Value::OptText(o.city.as_deref()),
                Value::OptText(o.founded_on.as_ref().map(|date| date.as_str())), doc, start, end,
            ]).await?;
        }
        for e in &dataset.events {
            let [doc, start, end] = optional_span(e.source.as_ref());
            insert(&mut tx, "events (id, name, start_date, end_date, city_id, source_document, source_start, source_end)", &[
                Value::Text(&e.id), Value::Text(&e.name),
                Value::OptText(e.start_date.as_ref().map(|date| date.as_str())),
                Value::OptText(e.end_date.as_ref().map(|date| date.as_str())),
                Value::OptText(e.city.as_deref()), doc, start, end,
            ]).await?;
            links(&mut tx, "event_organizers (event_id, organization_id, position)", &e.id, &e.organizers).await?;
        }
        for l in &dataset.lists {
            let stages = serde_json::to_string(&l.stages).map_err(|error| Error::Internal(error.into()))?;
            let [doc, start, end] = span(&l.source);
            insert(&mut tx, "lists (id, title, city_id, announced_on, stages, source_document, source_start, source_end)", &[
                Value::Text(&l.id), Value::Text(&l.title), Value::Text(&l.city),
                Value::OptText(l.announced_on.as_ref().map(|date| date.as_str())), Value::Text(&stages), doc, start, end,
            ]).await?;
            links(&mut tx, "list_organizers (list_id, organization_id, position)", &l.id, &l.organizers).await?;
        }
        for a in &dataset.achievements {
            let [doc, start, end] = span(&a.source);
            insert(&mut tx, "achievements (id, list_id, rank, title, category, summary, source_document, source_start, source_end)", &[
                Value::Text(&a.id), Value::Text(&a.list), Value::Int(a.rank), Value::Text(&a.title),
                Value::Text(a.category.as_str()), Value::Text(&a.summary), doc, start, end,
            ]).await?;
            links(&mut tx, "achievement_cities (achievement_id, city_id, position)", &a.id, &a.cities).await?;
            links(&mut tx, "achievement_organizations (achievement_id, organization_id, position)", &a.id, &a.organizations).await?;
            links(&mut tx, "achievement_events (achievement_id, event_id, position)", &a.id, &a.events).await?;
        }
        for s in &dataset.statistics {
            let [doc, start, end] = span(&s.source);
            insert(&mut tx, "statistics (id, label, value, unit, qualifier, period, subject_type, subject_id, source_document, source_start, source_end)", &[
                Value::Text(&s.id), Value::Text(&s.label), Value::Real(s.value), Value::Text(&s.unit),
                Value::Text(s.qualifier.as_str()), Value::OptText(s.period.as_deref()),
                Value::Text(s.subject.kind.as_str()), Value::Text(&s.subject.id), doc, start, end,
            ]).await?;
        }
        sqlx::query("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'generation'")
            .execute(&mut *tx)
            .await
            .map_err(Error::Store)?;
        tx.commit().await.map_err(Error::Store)
    }
}

fn span(span: &SpanRecord) -> [Value<'_>; 3] {
    [Value::Text(&span.document), Value::Int(span.start), Value::Int(span.end)]
}

fn optional_span(span: Option<&SpanRecord>) -> [Value<'_>; 3] {
    [
        Value::OptText(span.map(|s| s.document.as_str())),
        Value::OptInt(span.map(|s| s.start)),
        Value::OptInt(span.map(|s| s.end)),
    ]
}

async fn insert(tx: &mut Transaction<'_, Any>, into: &str, values: &[Value<'_>]) -> Result<(), Error> {
    let sql = format!("INSERT INTO {into} VALUES ({})", placeholders(1, values.len()));
    let mut query = sqlx::query(&sql);
    for value in values {
        query = match value {
            Value::Text(text) => query.bind(text.to_string()),
            Value::OptText(text) => query.bind(text.map(str::to_owned)),
            Value::Int(n) => query.bind(*n),
            Value::OptInt(n) => query.bind(*n),
            Value::Real(x) => query.bind(*x),
        };
    }
    query.execute(&mut **tx).await.map_err(Error::Store)?;
    Ok(())
}

/// Writes many-to-many links from `from` to each of `to`, keeping their order.
async fn links(tx: &mut Transaction<'_, Any>, into: &str, from: &str, to: &[String]) -> Result<(), Error> {
    for (position, target) in to.iter().enumerate() {
        insert(tx, into, &[Value::Text(from), Value::Text(target), Value::Int(position as i64)]).await?;
    }
    Ok(())
}
