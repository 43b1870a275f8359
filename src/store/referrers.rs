//! Who references an entity, read from the tables: what a write around that entity
//! must also read, to delete it with its dependents or to re-index what names it.
//! The references themselves are the ones `model::edit` follows in a dataset.

use std::collections::BTreeSet;

use sqlx::Row;

use super::{placeholders, Bind, Store};
use crate::error::Error;
use crate::model::{EntityKind, EntityRef};

/// One way an entity of kind `target` is referenced: rows of `from` whose `column`
/// holds its id name the referrer (of kind `referrer`) in `select`.
struct Reference {
    target: EntityKind,
    referrer: EntityKind,
    select: &'static str,
    from: &'static str,
    column: &'static str,
}

const fn reference(
    target: EntityKind,
    referrer: EntityKind,
    select: &'static str,
    from: &'static str,
    column: &'static str,
) -> Reference {
    Reference { target, referrer, select, from, column }
}

/// Every reference column of the schema. Statistics name their subject by type and id.
const REFERENCES: &[Reference] = {
    use EntityKind::{Achievement, City, Country, Document, Event, List, Organization, Statistic};
    &[
        reference(Document, Organization, "id", "organizations", "source_document"),
        reference(Document, Event, "id", "events", "source_document"),
        reference(Document, List, "id", "lists", "source_document"),
        reference(Document, Achievement, "id", "achievements", "source_document"),
        reference(Document, Statistic, "id", "statistics", "source_document"),
        reference(Document, City, "city_a", "friendships", "source_document"),
        reference(Document, City, "city_b", "friendships", "source_document"),
        reference(Country, City, "id", "cities", "country_id"),
        reference(Country, Organization, "id", "organizations", "country_id"),
        reference(City, Organization, "id", "organizations", "city_id"),
        reference(City, Event, "id", "events", "city_id"),
        reference(City, List, "id", "lists", "city_id"),
        reference(City, Achievement, "achievement_id", "achievement_cities", "city_id"),
        reference(City, City, "city_b", "friendships", "city_a"),
        reference(City, City, "city_a", "friendships", "city_b"),
        reference(City, Statistic, "id", "statistics WHERE subject_type = 'CITY' AND", "subject_id"),
        reference(Organization, Event, "event_id", "event_organizers", "organization_id"),
        reference(Organization, List, "list_id", "list_organizers", "organization_id"),
        reference(Organization, Achievement, "achievement_id", "achievement_organizations", "organization_id"),
        reference(Organization, Statistic, "id", "statistics WHERE subject_type = 'ORGANIZATION' AND", "subject_id"),
        reference(Event, Achievement, "achievement_id", "achievement_events", "event_id"),
        reference(Event, Statistic, "id", "statistics WHERE subject_type = 'EVENT' AND", "subject_id"),
        reference(List, Achievement, "id", "achievements", "list_id"),
        reference(List, Statistic, "id", "statistics WHERE subject_type = 'LIST' AND", "subject_id"),
        reference(Achievement, Statistic, "id", "statistics WHERE subject_type = 'ACHIEVEMENT' AND", "subject_id"),
    ]
};

impl Store {
    /// Returns every entity that references one of `targets`, in one query.
    pub async fn referrers(&self, targets: &BTreeSet<EntityRef>) -> Result<BTreeSet<EntityRef>, Error> {
        let mut selects = Vec::new();
        let mut binds = Vec::new();
        for reference in REFERENCES {
            let ids: Vec<&EntityRef> = targets.iter().filter(|t| t.kind == reference.target).collect();
            if ids.is_empty() {
                continue;
            }
            let joiner = if reference.from.ends_with(" AND") { " " } else { " WHERE " };
            selects.push(format!(
                "SELECT '{}' AS kind, {} AS id FROM {}{joiner}{} IN ({})",
                reference.referrer.as_str(),
                reference.select,
                reference.from,
                reference.column,
                placeholders(binds.len() + 1, ids.len())
            ));
            binds.extend(ids.into_iter().map(|t| Bind::Text(t.id.clone())));
        }
        if selects.is_empty() {
            return Ok(BTreeSet::new());
        }
        let rows = self.fetch(&selects.join(" UNION "), &binds).await?;
        let mut out = BTreeSet::new();
        for row in rows {
            let kind: String = row.try_get("kind").map_err(Error::Store)?;
            let id: String = row.try_get("id").map_err(Error::Store)?;
            let kind = EntityKind::parse(&kind)
                .ok_or_else(|| Error::Internal(anyhow::anyhow!("unknown entity kind `{kind}` in a reference")))?;
            out.insert(EntityRef::new(kind, id));
        }
        for target in targets {
            out.remove(target);
        }
        Ok(out)
    }
}
