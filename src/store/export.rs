//! Reads the graph back as a dataset: the whole of it (the `export` command, imports)
//! or the part around a write (the entities it touches and what they reference).

use std::collections::{BTreeSet, HashMap};

use sqlx::Row;

use super::{group, placeholders, rel, Bind, Entity, Rel, Store};
use crate::error::Error;
use crate::model::dataset::{
    AchievementRecord, CityRecord, CountryRecord, Dataset, DocumentRecord, EventRecord, FriendshipRecord, ListRecord,
    OrganizationRecord, SpanRecord, StatisticRecord, SubjectRecord, FORMAT,
};
use crate::model::{
    Achievement, AchievementList, CharIndex, City, Country, Document, EntityKind, EntityRef, Event, Organization, Span,
    Statistic,
};

/// Which entities a read covers.
#[derive(Clone, Copy)]
pub enum Part<'a> {
    /// The whole graph, in the order entities were added.
    All,
    /// These entities (unknown ones are skipped), ordered by id, with every friendship of
    /// the cities among them. Excerpts of documents not asked for are cut by the database.
    Only(&'a BTreeSet<EntityRef>),
}

impl Part<'_> {
    fn ids(self, kind: EntityKind) -> Option<Vec<String>> {
        match self {
            Part::All => None,
            Part::Only(refs) => Some(refs.iter().filter(|r| r.kind == kind).map(|r| r.id.clone()).collect()),
        }
    }
}

impl Store {
    /// Returns the whole graph as a dataset, in the order entities were added.
    pub async fn export(&self) -> Result<Dataset, Error> {
        self.read(Part::All).await
    }

    /// Returns part of the graph (or all of it) as a dataset.
    pub async fn read(&self, part: Part<'_>) -> Result<Dataset, Error> {
        let documents: Vec<Document> = self.rows(part, EntityKind::Document).await?;
        let countries: Vec<Country> = self.rows(part, EntityKind::Country).await?;
        let cities: Vec<City> = self.rows(part, EntityKind::City).await?;
        let organizations: Vec<Organization> = self.rows(part, EntityKind::Organization).await?;
        let events: Vec<Event> = self.rows(part, EntityKind::Event).await?;
        let lists: Vec<AchievementList> = self.rows(part, EntityKind::List).await?;
        let achievements: Vec<Achievement> = self.rows(part, EntityKind::Achievement).await?;
        let statistics: Vec<Statistic> = self.rows(part, EntityKind::Statistic).await?;
        let achievement_ids = ids(&achievements);
        let mut achievement_cities = self.links(rel::CITIES_OF_ACHIEVEMENT, part, &achievement_ids).await?;
        let mut achievement_organizations =
            self.links(rel::ORGANIZATIONS_OF_ACHIEVEMENT, part, &achievement_ids).await?;
        let mut achievement_events = self.links(rel::EVENTS_OF_ACHIEVEMENT, part, &achievement_ids).await?;
        let mut event_organizers = self.links(rel::ORGANIZERS_OF_EVENT, part, &ids(&events)).await?;
        let mut list_organizers = self.links(rel::ORGANIZERS_OF_LIST, part, &ids(&lists)).await?;
        let friendships = self.friendships(part, &ids(&cities)).await?;

        // Excerpts: cut from the texts read, and by the database for the other documents.
        let texts: HashMap<&str, CharIndex<'_>> =
            documents.iter().map(|d| (d.id.as_str(), CharIndex::new(&d.text))).collect();
        let mut elsewhere: Vec<Span> = Vec::new();
        let spans = organizations
            .iter()
            .filter_map(|o| o.source.as_ref())
            .chain(events.iter().filter_map(|e| e.source.as_ref()))
            .chain(lists.iter().map(|l| &l.source))
            .chain(achievements.iter().map(|a| &a.source))
            .chain(statistics.iter().map(|s| &s.source))
            .chain(friendships.iter().filter_map(|(_, _, s)| s.as_ref()));
        for span in spans {
            if !texts.contains_key(span.document.as_str()) {
                elsewhere.push(span.clone());
            }
        }
        let cut: HashMap<Span, String> = self.excerpts(&elsewhere).await?.into_iter().collect();
        let span = |span: &Span| SpanRecord {
            document: span.document.clone(),
            start: span.start,
            end: span.end,
            excerpt: match texts.get(span.document.as_str()) {
                Some(text) => text.slice(span.start, span.end).unwrap_or_default().to_owned(),
                None => cut.get(span).cloned().unwrap_or_default(),
            },
        };
        let friendships = friendships
            .iter()
            .map(|(a, b, source)| FriendshipRecord {
                cities: [a.clone(), b.clone()],
                source: source.as_ref().map(span),
            })
            .collect();

        Ok(Dataset {
            format: FORMAT.to_owned(),
            countries: countries.into_iter().map(|c| CountryRecord { id: c.id, name: c.name }).collect(),
            cities: cities.into_iter().map(|c| CityRecord { id: c.id, name: c.name, country: c.country }).collect(),
            friendships,
            organizations: organizations
                .into_iter()
                .map(|o| OrganizationRecord {
                    source: o.source.as_ref().map(span),
                    id: o.id,
                    name: o.name,
                    kind: o.kind,
                    country: o.country,
                    city: o.city,
                    founded_on: o.founded_on,
                })
                .collect(),
            events: events
                .into_iter()
                .map(|e| EventRecord {
                    source: e.source.as_ref().map(span),
                    organizers: event_organizers.remove(&e.id).unwrap_or_default(),
                    id: e.id,
                    name: e.name,
                    start_date: e.start_date,
                    end_date: e.end_date,
                    city: e.city,
                })
                .collect(),
            lists: lists
                .into_iter()
                .map(|l| ListRecord {
                    source: span(&l.source),
                    organizers: list_organizers.remove(&l.id).unwrap_or_default(),
                    id: l.id,
                    title: l.title,
                    city: l.city,
                    announced_on: l.announced_on,
                    stages: l.stages,
                })
                .collect(),
            achievements: achievements
                .into_iter()
                .map(|a| AchievementRecord {
                    source: span(&a.source),
                    cities: achievement_cities.remove(&a.id).unwrap_or_default(),
                    organizations: achievement_organizations.remove(&a.id).unwrap_or_default(),
                    events: achievement_events.remove(&a.id).unwrap_or_default(),
                    id: a.id,
                    list: a.list,
                    rank: a.rank,
                    title: a.title,
                    category: a.category,
                    summary: a.summary,
                })
                .collect(),
            statistics: statistics
                .into_iter()
                .map(|s| StatisticRecord {
                    source: span(&s.source),
                    subject: SubjectRecord { kind: s.subject_type, id: s.subject_id },
                    id: s.id,
                    label: s.label,
                    value: s.value,
                    unit: s.unit,
                    qualifier: s.qualifier,
                    period: s.period,
                })
                .collect(),
            documents: documents
                .into_iter()
                .map(|d| DocumentRecord {
                    id: d.id,
                    title: d.title,
                    publisher: d.publisher,
                    published_on: d.published_on,
                    text: d.text,
                })
                .collect(),
        })
    }
}

impl Store {
    /// Returns the entities of one kind in `part`.
    async fn rows<T: Entity>(&self, part: Part<'_>, kind: EntityKind) -> Result<Vec<T>, Error> {
        match part.ids(kind) {
            None => self.all::<T>().await,
            Some(ids) => {
                let mut rows = self.by_ids::<T>(&ids).await?;
                rows.sort_by(|a, b| a.id().cmp(b.id()));
                Ok(rows)
            }
        }
    }

    /// Returns the ids `rel` links to each of `owners` (to every owner for the whole graph).
    async fn links<T: Entity>(
        &self,
        rel: Rel<T>,
        part: Part<'_>,
        owners: &[String],
    ) -> Result<HashMap<String, Vec<String>>, Error> {
        let pairs = match part {
            Part::All => self.related_all(rel).await?,
            Part::Only(_) => self.related(rel, owners).await?,
        };
        Ok(group(pairs.into_iter().map(|(owner, target)| (owner, target.id().to_owned()))))
    }

    /// Returns the friendships (both cities and the source span) of the whole graph, or
    /// every friendship of `cities`.
    async fn friendships(
        &self,
        part: Part<'_>,
        cities: &[String],
    ) -> Result<Vec<(String, String, Option<Span>)>, Error> {
        const COLUMNS: &str = "city_a, city_b, source_document, source_start, source_end";
        let rows = match part {
            Part::All => self.fetch(&format!("SELECT {COLUMNS} FROM friendships ORDER BY seq"), &[]).await?,
            Part::Only(_) if cities.is_empty() => Vec::new(),
            Part::Only(_) => {
                let n = cities.len();
                let sql = format!(
                    "SELECT {COLUMNS} FROM friendships WHERE city_a IN ({}) OR city_b IN ({}) ORDER BY seq",
                    placeholders(1, n),
                    placeholders(n + 1, n)
                );
                let binds: Vec<Bind> = cities.iter().chain(cities).cloned().map(Bind::Text).collect();
                self.fetch(&sql, &binds).await?
            }
        };
        rows.iter()
            .map(|row| {
                let text = |column: &str| row.try_get::<String, _>(column).map_err(Error::Store);
                let document: Option<String> = row.try_get("source_document").map_err(Error::Store)?;
                let source = match document {
                    Some(document) => Some(Span {
                        document,
                        start: row.try_get("source_start").map_err(Error::Store)?,
                        end: row.try_get("source_end").map_err(Error::Store)?,
                    }),
                    None => None,
                };
                Ok((text("city_a")?, text("city_b")?, source))
            })
            .collect()
    }
}

fn ids<T: Entity>(rows: &[T]) -> Vec<String> {
    rows.iter().map(|row| row.id().to_owned()).collect()
}
