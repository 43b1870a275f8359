//! Reads the whole graph back as a dataset: the state a write starts from, and the
//! `export` command's output.

use std::collections::HashMap;

use sqlx::Row;

use super::{group, rel, Store};
use crate::error::Error;
use crate::model::dataset::{
    AchievementRecord, CityRecord, CountryRecord, Dataset, DocumentRecord, EventRecord, FriendshipRecord, ListRecord,
    OrganizationRecord, SpanRecord, StatisticRecord, SubjectRecord, FORMAT,
};
use crate::model::{
    Achievement, AchievementList, CharIndex, City, Country, Document, Event, Organization, Span, Statistic,
};

impl Store {
    /// Returns the whole graph as a dataset, in the order entities were added.
    pub async fn export(&self) -> Result<Dataset, Error> {
        let documents: Vec<Document> = self.all().await?;
        let texts: HashMap<&str, CharIndex<'_>> =
            documents.iter().map(|d| (d.id.as_str(), CharIndex::new(&d.text))).collect();
        let span = |span: &Span| SpanRecord {
            document: span.document.clone(),
            start: span.start,
            end: span.end,
            excerpt: texts
                .get(span.document.as_str())
                .and_then(|text| text.slice(span.start, span.end))
                .unwrap_or_default()
                .to_owned(),
        };
        let mut achievement_cities =
            group(self.related_all(rel::CITIES_OF_ACHIEVEMENT).await?.into_iter().map(|(p, c)| (p, c.id)));
        let mut achievement_organizations =
            group(self.related_all(rel::ORGANIZATIONS_OF_ACHIEVEMENT).await?.into_iter().map(|(p, o)| (p, o.id)));
        let mut achievement_events =
            group(self.related_all(rel::EVENTS_OF_ACHIEVEMENT).await?.into_iter().map(|(p, e)| (p, e.id)));
        let mut event_organizers =
            group(self.related_all(rel::ORGANIZERS_OF_EVENT).await?.into_iter().map(|(p, o)| (p, o.id)));
        let mut list_organizers =
            group(self.related_all(rel::ORGANIZERS_OF_LIST).await?.into_iter().map(|(p, o)| (p, o.id)));

        let mut friendships = Vec::new();
        let rows = self
            .fetch(
                "SELECT city_a, city_b, source_document, source_start, source_end FROM friendships ORDER BY seq",
                &[],
            )
            .await?;
        for row in rows {
            let get_text = |column: &str| row.try_get::<String, _>(column).map_err(Error::Store);
            let document: Option<String> = row.try_get("source_document").map_err(Error::Store)?;
            let source = match document {
                Some(document) => {
                    let start: i64 = row.try_get("source_start").map_err(Error::Store)?;
                    let end: i64 = row.try_get("source_end").map_err(Error::Store)?;
                    Some(span(&Span { document, start, end }))
                }
                None => None,
            };
            friendships.push(FriendshipRecord { cities: [get_text("city_a")?, get_text("city_b")?], source });
        }

        Ok(Dataset {
            format: FORMAT.to_owned(),
            countries: self
                .all::<Country>()
                .await?
                .into_iter()
                .map(|c| CountryRecord { id: c.id, name: c.name })
                .collect(),
            cities: self
                .all::<City>()
                .await?
                .into_iter()
                .map(|c| CityRecord { id: c.id, name: c.name, country: c.country })
                .collect(),
            friendships,
            organizations: self
                .all::<Organization>()
                .await?
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
            events: self
                .all::<Event>()
                .await?
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
            lists: self
                .all::<AchievementList>()
                .await?
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
            achievements: self
                .all::<Achievement>()
                .await?
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
            statistics: self
                .all::<Statistic>()
                .await?
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
