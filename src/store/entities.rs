//! How each domain type is read from its table, and the relations between tables.

use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::error::Error;
use crate::model::{
    Achievement, AchievementList, Category, City, Country, Date, Document, EntityKind, Event, Organization,
    OrganizationKind, Qualifier, Span, Statistic,
};

/// A domain type stored in one table, aliased `t` in every query.
pub trait Entity: Sized + Clone + Send + Sync + 'static {
    /// The kind of entity.
    const KIND: EntityKind;
    /// The table name.
    const TABLE: &'static str;
    /// The selected columns, each prefixed with `t.`.
    const COLUMNS: &'static str;
    /// Builds the value from a row holding `COLUMNS`.
    fn from_row(row: &AnyRow) -> Result<Self, Error>;
    /// Returns the entity's local id (its slug).
    fn id(&self) -> &str;
}

/// A relation from a parent id to entities of type `T`, as a SQL `FROM` clause in which
/// `parent` names the parent's id column and `t` is the target table.
pub struct Rel<T> {
    pub name: &'static str,
    pub from: &'static str,
    pub parent: &'static str,
    pub order: &'static str,
    marker: PhantomData<fn() -> T>,
}

impl<T> Rel<T> {
    const fn new(name: &'static str, from: &'static str, parent: &'static str, order: &'static str) -> Self {
        Self { name, from, parent, order, marker: PhantomData }
    }
}

impl<T> Clone for Rel<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Rel<T> {}
impl<T> PartialEq for Rel<T> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl<T> Eq for Rel<T> {}
impl<T> Hash for Rel<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}
impl<T> std::fmt::Debug for Rel<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Every relation the API walks, in both directions.
pub mod rel {
    use super::Rel;
    use crate::model::{Achievement, City, Event, Organization, Statistic};

    pub const CITIES_OF_COUNTRY: Rel<City> = Rel::new("cities_of_country", "cities t", "t.country_id", "t.seq");
    pub const FRIENDS_OF_CITY: Rel<City> =
        Rel::new("friends_of_city", "city_friends l JOIN cities t ON t.id = l.friend_id", "l.city_id", "l.seq");
    pub const CITIES_OF_ACHIEVEMENT: Rel<City> = Rel::new(
        "cities_of_achievement",
        "achievement_cities l JOIN cities t ON t.id = l.city_id",
        "l.achievement_id",
        "l.position",
    );
    pub const ACHIEVEMENTS_OF_CITY: Rel<Achievement> = Rel::new(
        "achievements_of_city",
        "achievement_cities l JOIN achievements t ON t.id = l.achievement_id",
        "l.city_id",
        "t.seq",
    );
    pub const ACHIEVEMENTS_OF_LIST: Rel<Achievement> =
        Rel::new("achievements_of_list", "achievements t", "t.list_id", "t.rank");
    pub const ACHIEVEMENTS_OF_ORGANIZATION: Rel<Achievement> = Rel::new(
        "achievements_of_organization",
        "achievement_organizations l JOIN achievements t ON t.id = l.achievement_id",
        "l.organization_id",
        "t.seq",
    );
    pub const ACHIEVEMENTS_OF_EVENT: Rel<Achievement> = Rel::new(
        "achievements_of_event",
        "achievement_events l JOIN achievements t ON t.id = l.achievement_id",
        "l.event_id",
        "t.seq",
    );
    pub const ORGANIZATIONS_OF_ACHIEVEMENT: Rel<Organization> = Rel::new(
        "organizations_of_achievement",
        "achievement_organizations l JOIN organizations t ON t.id = l.organization_id",
        "l.achievement_id",
        "l.position",
    );
    pub const ORGANIZERS_OF_EVENT: Rel<Organization> = Rel::new(
        "organizers_of_event",
        "event_organizers l JOIN organizations t ON t.id = l.organization_id",
        "l.event_id",
        "l.position",
    );
    pub const ORGANIZERS_OF_LIST: Rel<Organization> = Rel::new(
        "organizers_of_list",
        "list_organizers l JOIN organizations t ON t.id = l.organization_id",
        "l.list_id",
        "l.position",
    );
    pub const EVENTS_OF_ACHIEVEMENT: Rel<Event> = Rel::new(
        "events_of_achievement",
        "achievement_events l JOIN events t ON t.id = l.event_id",
        "l.achievement_id",
        "l.position",
    );
    pub const EVENTS_OF_CITY: Rel<Event> = Rel::new("events_of_city", "events t", "t.city_id", "t.seq");
    pub const EVENTS_OF_ORGANIZATION: Rel<Event> = Rel::new(
        "events_of_organization",
        "event_organizers l JOIN events t ON t.id = l.event_id",
        "l.organization_id",
        "t.seq",
    );
    /// A list's figures: those about the list, and those its document states outside
    /// every one of its achievements' sections (the introduction, any closing text), in
    /// text order.
    pub const STATISTICS_OF_LIST: Rel<Statistic> = Rel::new(
        "statistics_of_list",
        "lists l JOIN statistics t ON (t.subject_type = 'LIST' AND t.subject_id = l.id) \
         OR (t.source_document = l.source_document AND NOT EXISTS (SELECT 1 FROM achievements a \
         WHERE a.list_id = l.id AND a.source_document = t.source_document \
         AND t.source_start >= a.source_start AND t.source_end <= a.source_end))",
        "l.id",
        "t.source_document, t.source_start, t.source_end, t.seq",
    );
    /// An achievement's figures: the statistics whose span lies in its section (its
    /// heading and body), in text order, whatever their subject.
    pub const STATISTICS_IN_ACHIEVEMENT: Rel<Statistic> = Rel::new(
        "statistics_in_achievement",
        "achievements a JOIN statistics t ON t.source_document = a.source_document \
         AND t.source_start >= a.source_start AND t.source_end <= a.source_end",
        "a.id",
        "t.source_start, t.source_end, t.seq",
    );
    /// The achievement whose section states a statistic (none for the introduction's).
    pub const ACHIEVEMENT_OF_STATISTIC: Rel<Achievement> = Rel::new(
        "achievement_of_statistic",
        "statistics s JOIN achievements t ON s.source_document = t.source_document \
         AND s.source_start >= t.source_start AND s.source_end <= t.source_end",
        "s.id",
        "t.source_start, t.seq",
    );
    pub const STATISTICS_OF_EVENT: Rel<Statistic> = Rel::new(
        "statistics_of_event",
        "(SELECT * FROM statistics WHERE subject_type = 'EVENT') t",
        "t.subject_id",
        "t.seq",
    );
    pub const STATISTICS_OF_ORGANIZATION: Rel<Statistic> = Rel::new(
        "statistics_of_organization",
        "(SELECT * FROM statistics WHERE subject_type = 'ORGANIZATION') t",
        "t.subject_id",
        "t.seq",
    );
    pub const STATISTICS_OF_CITY: Rel<Statistic> = Rel::new(
        "statistics_of_city",
        "(SELECT * FROM statistics WHERE subject_type = 'CITY') t",
        "t.subject_id",
        "t.seq",
    );
}

fn get<'r, V>(row: &'r AnyRow, column: &str) -> Result<V, Error>
where
    V: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(column).map_err(Error::Store)
}

fn stored<V>(parsed: Option<V>, column: &str, text: &str) -> Result<V, Error> {
    parsed.ok_or_else(|| Error::Internal(anyhow::anyhow!("unexpected value `{text}` in column {column}")))
}

fn date(row: &AnyRow, column: &str) -> Result<Option<Date>, Error> {
    let text: Option<String> = get(row, column)?;
    text.map(|text| {
        Date::parse(&text).map_err(|message| Error::Internal(anyhow::anyhow!("column {column}: {message}")))
    })
    .transpose()
}

fn span(row: &AnyRow) -> Result<Span, Error> {
    Ok(Span { document: get(row, "source_document")?, start: get(row, "source_start")?, end: get(row, "source_end")? })
}

fn optional_span(row: &AnyRow) -> Result<Option<Span>, Error> {
    let document: Option<String> = get(row, "source_document")?;
    match document {
        None => Ok(None),
        Some(_) => span(row).map(Some),
    }
}

impl Entity for Document {
    const KIND: EntityKind = EntityKind::Document;
    const TABLE: &'static str = "documents";
    const COLUMNS: &'static str = "t.id, t.title, t.publisher, t.published_on, t.text, t.version";
    fn from_row(row: &AnyRow) -> Result<Self, Error> {
        Ok(Self {
            id: get(row, "id")?,
            version: get(row, "version")?,
            title: get(row, "title")?,
            publisher: get(row, "publisher")?,
            published_on: date(row, "published_on")?,
            text: get(row, "text")?,
        })
    }
    fn id(&self) -> &str {
        &self.id
    }
}

impl Entity for Country {
    const KIND: EntityKind = EntityKind::Country;
    const TABLE: &'static str = "countries";
    const COLUMNS: &'static str = "t.id, t.name, t.version";
    fn from_row(row: &AnyRow) -> Result<Self, Error> {
        Ok(Self { id: get(row, "id")?, version: get(row, "version")?, name: get(row, "name")? })
    }
    fn id(&self) -> &str {
        &self.id
    }
}

impl Entity for City {
    const KIND: EntityKind = EntityKind::City;
    const TABLE: &'static str = "cities";
    const COLUMNS: &'static str = "t.id, t.name, t.country_id, t.version";
    fn from_row(row: &AnyRow) -> Result<Self, Error> {
        Ok(Self {
            id: get(row, "id")?,
            version: get(row, "version")?,
            name: get(row, "name")?,
            country: get(row, "country_id")?,
        })
    }
    fn id(&self) -> &str {
        &self.id
    }
}

impl Entity for Organization {
    const KIND: EntityKind = EntityKind::Organization;
    const TABLE: &'static str = "organizations";
    const COLUMNS: &'static str =
        "t.id, t.name, t.kind, t.country_id, t.city_id, t.founded_on, t.source_document, t.source_start, t.source_end, t.version";
    fn from_row(row: &AnyRow) -> Result<Self, Error> {
        let kind: String = get(row, "kind")?;
        Ok(Self {
            id: get(row, "id")?,
            version: get(row, "version")?,
            name: get(row, "name")?,
            kind: stored(OrganizationKind::parse(&kind), "kind", &kind)?,
            country: get(row, "country_id")?,
            city: get(row, "city_id")?,
            founded_on: date(row, "founded_on")?,
            source: optional_span(row)?,
        })
    }
    fn id(&self) -> &str {
        &self.id
    }
}

impl Entity for Event {
    const KIND: EntityKind = EntityKind::Event;
    const TABLE: &'static str = "events";
    const COLUMNS: &'static str =
        "t.id, t.name, t.start_date, t.end_date, t.city_id, t.source_document, t.source_start, t.source_end, t.version";
    fn from_row(row: &AnyRow) -> Result<Self, Error> {
        Ok(Self {
            id: get(row, "id")?,
            version: get(row, "version")?,
            name: get(row, "name")?,
            start_date: date(row, "start_date")?,
            end_date: date(row, "end_date")?,
            city: get(row, "city_id")?,
            source: optional_span(row)?,
        })
    }
    fn id(&self) -> &str {
        &self.id
    }
}

impl Entity for AchievementList {
    const KIND: EntityKind = EntityKind::List;
    const TABLE: &'static str = "lists";
    const COLUMNS: &'static str =
        "t.id, t.title, t.city_id, t.announced_on, t.stages, t.source_document, t.source_start, t.source_end, t.version";
    fn from_row(row: &AnyRow) -> Result<Self, Error> {
        let stages: String = get(row, "stages")?;
        Ok(Self {
            id: get(row, "id")?,
            version: get(row, "version")?,
            title: get(row, "title")?,
            city: get(row, "city_id")?,
            announced_on: date(row, "announced_on")?,
            stages: serde_json::from_str(&stages).map_err(|error| Error::Internal(error.into()))?,
            source: span(row)?,
        })
    }
    fn id(&self) -> &str {
        &self.id
    }
}

impl Entity for Achievement {
    const KIND: EntityKind = EntityKind::Achievement;
    const TABLE: &'static str = "achievements";
    const COLUMNS: &'static str =
        "t.id, t.list_id, t.rank, t.title, t.category, t.summary, t.source_document, t.source_start, t.source_end, t.version";
    fn from_row(row: &AnyRow) -> Result<Self, Error> {
        let category: String = get(row, "category")?;
        Ok(Self {
            id: get(row, "id")?,
            version: get(row, "version")?,
            list: get(row, "list_id")?,
            rank: get(row, "rank")?,
            title: get(row, "title")?,
            category: stored(Category::parse(&category), "category", &category)?,
            summary: get(row, "summary")?,
            source: span(row)?,
        })
    }
    fn id(&self) -> &str {
        &self.id
    }
}

impl Entity for Statistic {
    const KIND: EntityKind = EntityKind::Statistic;
    const TABLE: &'static str = "statistics";
    const COLUMNS: &'static str =
        "t.id, t.label, t.value, t.unit, t.qualifier, t.period, t.subject_type, t.subject_id, \
                                   t.source_document, t.source_start, t.source_end, t.version";
    fn from_row(row: &AnyRow) -> Result<Self, Error> {
        let qualifier: String = get(row, "qualifier")?;
        let subject_type: String = get(row, "subject_type")?;
        Ok(Self {
            id: get(row, "id")?,
            version: get(row, "version")?,
            label: get(row, "label")?,
            value: get(row, "value")?,
            unit: get(row, "unit")?,
            qualifier: stored(Qualifier::parse(&qualifier), "qualifier", &qualifier)?,
            period: get(row, "period")?,
            subject_type: stored(
                EntityKind::parse(&subject_type).filter(|kind| kind.is_subject()),
                "subject_type",
                &subject_type,
            )?,
            subject_id: get(row, "subject_id")?,
            source: span(row)?,
        })
    }
    fn id(&self) -> &str {
        &self.id
    }
}
