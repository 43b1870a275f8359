//! The mutation inputs: a `...Input` creates an entity, a `...Patch` changes the fields
//! it lists (an absent field stays as it is; `null` clears an optional one). Each turns
//! into a dataset record, so mutations are validated by the same rules as dataset files.

use async_graphql::{InputObject, MaybeUndefined, ID};

use super::super::ids::{decode_as, decode_subject};
use super::super::types::{AchievementCategory, OrganizationKind, StatisticQualifier};
use crate::error::Error;
use crate::model::dataset::{
    AchievementRecord, CityRecord, CountryRecord, DocumentRecord, EventRecord, ListRecord, OrganizationRecord,
    SpanRecord, StatisticRecord, SubjectRecord,
};
use crate::model::edit::span_in;
use crate::model::{Date, EntityKind};

/// A span of a document's text, in chars, start inclusive, end exclusive.
#[derive(InputObject, Clone)]
pub struct SourceSpanInput {
    pub document_id: ID,
    pub start: i32,
    pub end: i32,
}

impl SourceSpanInput {
    /// Returns the span with its excerpt read from its document; validation checks it.
    pub fn record(&self, documents: &[DocumentRecord], field: &str) -> Result<SpanRecord, Error> {
        let document = decode_as(&self.document_id, EntityKind::Document, &format!("{field}.documentId"))?;
        Ok(span_in(documents, &document, i64::from(self.start), i64::from(self.end)))
    }
}

fn span(
    value: Option<&SourceSpanInput>,
    documents: &[DocumentRecord],
    field: &str,
) -> Result<Option<SpanRecord>, Error> {
    value.map(|s| s.record(documents, field)).transpose()
}

/// Decodes a list of IDs of one type; `field` names the list.
fn slugs(ids: &[ID], kind: EntityKind, field: &str) -> Result<Vec<String>, Error> {
    ids.iter().enumerate().map(|(i, id)| decode_as(id, kind, &format!("{field}[{i}]"))).collect()
}

fn opt_slug(id: Option<&ID>, kind: EntityKind, field: &str) -> Result<Option<String>, Error> {
    id.map(|id| decode_as(id, kind, field)).transpose()
}

/// Applies a patch to an optional field: absent keeps, null clears, a value sets.
fn patch_opt<T, U>(
    slot: &mut Option<U>,
    value: MaybeUndefined<T>,
    convert: impl FnOnce(T) -> Result<U, Error>,
) -> Result<(), Error> {
    match value {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => *slot = None,
        MaybeUndefined::Value(value) => *slot = Some(convert(value)?),
    }
    Ok(())
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

/// Decodes the global ID of a statistic's subject (a list, achievement, event, organization or city).
pub fn subject(id: &ID, field: &str) -> Result<SubjectRecord, Error> {
    let subject = decode_subject(id, field)?;
    Ok(SubjectRecord { kind: subject.kind, id: subject.id })
}

#[derive(InputObject, Clone)]
pub struct DocumentInput {
    /// The slug; made from the title when absent.
    pub slug: Option<String>,
    pub title: String,
    pub text: String,
    pub publisher: Option<String>,
    pub published_on: Option<Date>,
}

impl DocumentInput {
    pub fn record(self, id: String) -> DocumentRecord {
        DocumentRecord {
            id,
            title: self.title,
            publisher: self.publisher,
            published_on: self.published_on,
            text: self.text,
        }
    }
}

#[derive(InputObject, Clone)]
pub struct DocumentPatch {
    pub title: Option<String>,
    /// Refused while it would move text that spans cite.
    pub text: Option<String>,
    pub publisher: MaybeUndefined<String>,
    pub published_on: MaybeUndefined<Date>,
}

impl DocumentPatch {
    pub fn apply(self, record: &mut DocumentRecord) -> Result<(), Error> {
        set(&mut record.title, self.title);
        set(&mut record.text, self.text);
        patch_opt(&mut record.publisher, self.publisher, Ok)?;
        patch_opt(&mut record.published_on, self.published_on, Ok)
    }
}

#[derive(InputObject, Clone)]
pub struct CountryInput {
    pub slug: Option<String>,
    pub name: String,
}

#[derive(InputObject, Clone)]
pub struct CountryPatch {
    pub name: Option<String>,
}

impl CountryInput {
    pub fn record(self, id: String) -> CountryRecord {
        CountryRecord { id, name: self.name }
    }
}

impl CountryPatch {
    pub fn apply(self, record: &mut CountryRecord) {
        set(&mut record.name, self.name);
    }
}

#[derive(InputObject, Clone)]
pub struct CityInput {
    pub slug: Option<String>,
    pub name: String,
    pub country_id: ID,
}

#[derive(InputObject, Clone)]
pub struct CityPatch {
    pub name: Option<String>,
    pub country_id: Option<ID>,
}

impl CityInput {
    pub fn record(self, id: String) -> Result<CityRecord, Error> {
        let country = decode_as(&self.country_id, EntityKind::Country, "input.countryId")?;
        Ok(CityRecord { id, name: self.name, country })
    }
}

impl CityPatch {
    pub fn apply(self, record: &mut CityRecord) -> Result<(), Error> {
        set(&mut record.name, self.name);
        set(&mut record.country, opt_slug(self.country_id.as_ref(), EntityKind::Country, "patch.countryId")?);
        Ok(())
    }
}

#[derive(InputObject, Clone)]
pub struct OrganizationInput {
    pub slug: Option<String>,
    pub name: String,
    pub kind: OrganizationKind,
    pub country_id: Option<ID>,
    pub city_id: Option<ID>,
    pub founded_on: Option<Date>,
    pub source: Option<SourceSpanInput>,
}

#[derive(InputObject, Clone)]
pub struct OrganizationPatch {
    pub name: Option<String>,
    pub kind: Option<OrganizationKind>,
    pub country_id: MaybeUndefined<ID>,
    pub city_id: MaybeUndefined<ID>,
    pub founded_on: MaybeUndefined<Date>,
    pub source: MaybeUndefined<SourceSpanInput>,
}

impl OrganizationInput {
    pub fn record(self, id: String, documents: &[DocumentRecord]) -> Result<OrganizationRecord, Error> {
        Ok(OrganizationRecord {
            id,
            name: self.name,
            kind: self.kind.into(),
            country: opt_slug(self.country_id.as_ref(), EntityKind::Country, "input.countryId")?,
            city: opt_slug(self.city_id.as_ref(), EntityKind::City, "input.cityId")?,
            founded_on: self.founded_on,
            source: span(self.source.as_ref(), documents, "input.source")?,
        })
    }
}

impl OrganizationPatch {
    pub fn apply(self, record: &mut OrganizationRecord, documents: &[DocumentRecord]) -> Result<(), Error> {
        set(&mut record.name, self.name);
        set(&mut record.kind, self.kind.map(Into::into));
        patch_opt(&mut record.country, self.country_id, |id| decode_as(&id, EntityKind::Country, "patch.countryId"))?;
        patch_opt(&mut record.city, self.city_id, |id| decode_as(&id, EntityKind::City, "patch.cityId"))?;
        patch_opt(&mut record.founded_on, self.founded_on, Ok)?;
        patch_opt(&mut record.source, self.source, |s| s.record(documents, "patch.source"))
    }
}

#[derive(InputObject, Clone)]
pub struct EventInput {
    pub slug: Option<String>,
    pub name: String,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub city_id: Option<ID>,
    pub organizer_ids: Option<Vec<ID>>,
    pub source: Option<SourceSpanInput>,
}

#[derive(InputObject, Clone)]
pub struct EventPatch {
    pub name: Option<String>,
    pub start_date: MaybeUndefined<Date>,
    pub end_date: MaybeUndefined<Date>,
    pub city_id: MaybeUndefined<ID>,
    /// Replaces the organizers, in order.
    pub organizer_ids: Option<Vec<ID>>,
    pub source: MaybeUndefined<SourceSpanInput>,
}

impl EventInput {
    pub fn record(self, id: String, documents: &[DocumentRecord]) -> Result<EventRecord, Error> {
        Ok(EventRecord {
            id,
            name: self.name,
            start_date: self.start_date,
            end_date: self.end_date,
            city: opt_slug(self.city_id.as_ref(), EntityKind::City, "input.cityId")?,
            organizers: slugs(&self.organizer_ids.unwrap_or_default(), EntityKind::Organization, "input.organizerIds")?,
            source: span(self.source.as_ref(), documents, "input.source")?,
        })
    }
}

impl EventPatch {
    pub fn apply(self, record: &mut EventRecord, documents: &[DocumentRecord]) -> Result<(), Error> {
        set(&mut record.name, self.name);
        patch_opt(&mut record.start_date, self.start_date, Ok)?;
        patch_opt(&mut record.end_date, self.end_date, Ok)?;
        patch_opt(&mut record.city, self.city_id, |id| decode_as(&id, EntityKind::City, "patch.cityId"))?;
        if let Some(ids) = self.organizer_ids {
            record.organizers = slugs(&ids, EntityKind::Organization, "patch.organizerIds")?;
        }
        patch_opt(&mut record.source, self.source, |s| s.record(documents, "patch.source"))
    }
}

#[derive(InputObject, Clone)]
pub struct AchievementListInput {
    pub slug: Option<String>,
    pub title: String,
    pub city_id: ID,
    pub announced_on: Option<Date>,
    pub organizer_ids: Option<Vec<ID>>,
    pub stages: Option<Vec<String>>,
    pub source: SourceSpanInput,
}

#[derive(InputObject, Clone)]
pub struct AchievementListPatch {
    pub title: Option<String>,
    pub city_id: Option<ID>,
    pub announced_on: MaybeUndefined<Date>,
    /// Replaces the organizers, in order.
    pub organizer_ids: Option<Vec<ID>>,
    pub stages: Option<Vec<String>>,
    pub source: Option<SourceSpanInput>,
}

impl AchievementListInput {
    pub fn record(self, id: String, documents: &[DocumentRecord]) -> Result<ListRecord, Error> {
        Ok(ListRecord {
            id,
            title: self.title,
            city: decode_as(&self.city_id, EntityKind::City, "input.cityId")?,
            announced_on: self.announced_on,
            organizers: slugs(&self.organizer_ids.unwrap_or_default(), EntityKind::Organization, "input.organizerIds")?,
            stages: self.stages.unwrap_or_default(),
            source: self.source.record(documents, "input.source")?,
        })
    }
}

impl AchievementListPatch {
    pub fn apply(self, record: &mut ListRecord, documents: &[DocumentRecord]) -> Result<(), Error> {
        set(&mut record.title, self.title);
        set(&mut record.city, opt_slug(self.city_id.as_ref(), EntityKind::City, "patch.cityId")?);
        patch_opt(&mut record.announced_on, self.announced_on, Ok)?;
        if let Some(ids) = self.organizer_ids {
            record.organizers = slugs(&ids, EntityKind::Organization, "patch.organizerIds")?;
        }
        set(&mut record.stages, self.stages);
        set(&mut record.source, span(self.source.as_ref(), documents, "patch.source")?);
        Ok(())
    }
}

#[derive(InputObject, Clone)]
pub struct AchievementInput {
    /// The slug; made from the title when absent.
    pub slug: Option<String>,
    pub list_id: ID,
    pub rank: i32,
    pub title: String,
    pub category: AchievementCategory,
    /// Must be part of the source span's text.
    pub summary: String,
    pub source: SourceSpanInput,
    pub city_ids: Option<Vec<ID>>,
    pub organization_ids: Option<Vec<ID>>,
    pub event_ids: Option<Vec<ID>>,
}

#[derive(InputObject, Clone)]
pub struct AchievementPatch {
    pub rank: Option<i32>,
    pub title: Option<String>,
    pub category: Option<AchievementCategory>,
    pub summary: Option<String>,
    pub source: Option<SourceSpanInput>,
    /// Replaces the cities, in order.
    pub city_ids: Option<Vec<ID>>,
    pub organization_ids: Option<Vec<ID>>,
    pub event_ids: Option<Vec<ID>>,
    pub list_id: Option<ID>,
}

impl AchievementInput {
    pub fn record(self, id: String, documents: &[DocumentRecord]) -> Result<AchievementRecord, Error> {
        Ok(AchievementRecord {
            id,
            list: decode_as(&self.list_id, EntityKind::List, "input.listId")?,
            rank: i64::from(self.rank),
            title: self.title,
            category: self.category.into(),
            summary: self.summary,
            cities: slugs(&self.city_ids.unwrap_or_default(), EntityKind::City, "input.cityIds")?,
            organizations: slugs(
                &self.organization_ids.unwrap_or_default(),
                EntityKind::Organization,
                "input.organizationIds",
            )?,
            events: slugs(&self.event_ids.unwrap_or_default(), EntityKind::Event, "input.eventIds")?,
            source: self.source.record(documents, "input.source")?,
        })
    }
}

impl AchievementPatch {
    pub fn apply(self, record: &mut AchievementRecord, documents: &[DocumentRecord]) -> Result<(), Error> {
        set(&mut record.rank, self.rank.map(i64::from));
        set(&mut record.title, self.title);
        set(&mut record.category, self.category.map(Into::into));
        set(&mut record.summary, self.summary);
        set(&mut record.source, span(self.source.as_ref(), documents, "patch.source")?);
        set(&mut record.list, opt_slug(self.list_id.as_ref(), EntityKind::List, "patch.listId")?);
        if let Some(ids) = self.city_ids {
            record.cities = slugs(&ids, EntityKind::City, "patch.cityIds")?;
        }
        if let Some(ids) = self.organization_ids {
            record.organizations = slugs(&ids, EntityKind::Organization, "patch.organizationIds")?;
        }
        if let Some(ids) = self.event_ids {
            record.events = slugs(&ids, EntityKind::Event, "patch.eventIds")?;
        }
        Ok(())
    }
}

#[derive(InputObject, Clone)]
pub struct StatisticInput {
    /// The slug; made from the label when absent.
    pub slug: Option<String>,
    /// The list, achievement, event, organization or city it describes.
    pub subject_id: ID,
    pub label: String,
    /// Must be stated in the source span's text.
    pub value: f64,
    pub unit: String,
    pub qualifier: StatisticQualifier,
    pub period: Option<String>,
    pub source: SourceSpanInput,
}

#[derive(InputObject, Clone)]
pub struct StatisticPatch {
    pub subject_id: Option<ID>,
    pub label: Option<String>,
    pub value: Option<f64>,
    pub unit: Option<String>,
    pub qualifier: Option<StatisticQualifier>,
    pub period: MaybeUndefined<String>,
    pub source: Option<SourceSpanInput>,
}

impl StatisticInput {
    pub fn record(self, id: String, documents: &[DocumentRecord]) -> Result<StatisticRecord, Error> {
        Ok(StatisticRecord {
            id,
            label: self.label,
            value: self.value,
            unit: self.unit,
            qualifier: self.qualifier.into(),
            period: self.period,
            subject: subject(&self.subject_id, "input.subjectId")?,
            source: self.source.record(documents, "input.source")?,
        })
    }
}

impl StatisticPatch {
    pub fn apply(self, record: &mut StatisticRecord, documents: &[DocumentRecord]) -> Result<(), Error> {
        if let Some(id) = &self.subject_id {
            record.subject = subject(id, "patch.subjectId")?;
        }
        set(&mut record.label, self.label);
        set(&mut record.value, self.value);
        set(&mut record.unit, self.unit);
        set(&mut record.qualifier, self.qualifier.map(Into::into));
        patch_opt(&mut record.period, self.period, Ok)?;
        set(&mut record.source, span(self.source.as_ref(), documents, "patch.source")?);
        Ok(())
    }
}
