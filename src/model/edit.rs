//! Edits to the graph as plain functions on a `Dataset`: what references what, what a
//! delete takes with it, and the difference between two states of the graph.
//!
//! Every write (a mutation, an import) is "the graph before" and "the graph after";
//! the after state passes the same validation as a dataset file, the store writes the
//! difference, and the index re-reads the entities the difference touches.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::{json, Value};

use super::dataset::{
    AchievementRecord, CityRecord, CountryRecord, Dataset, DocumentRecord, EventRecord, ListRecord, OrganizationRecord,
    SpanRecord, StatisticRecord,
};
use super::{char_slice, EntityKind, EntityRef};

/// A borrowed record of any kind.
#[derive(Debug, Clone, Copy)]
pub enum RecordRef<'a> {
    Document(&'a DocumentRecord),
    Country(&'a CountryRecord),
    City(&'a CityRecord),
    Organization(&'a OrganizationRecord),
    Event(&'a EventRecord),
    List(&'a ListRecord),
    Achievement(&'a AchievementRecord),
    Statistic(&'a StatisticRecord),
}

/// Whether an entity was created, updated or deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChangeKind {
    Created,
    Updated,
    Deleted,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "CREATED",
            Self::Updated => "UPDATED",
            Self::Deleted => "DELETED",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Created, Self::Updated, Self::Deleted].into_iter().find(|kind| kind.as_str() == text)
    }
}

/// One entity that differs between two states, with both states as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityChange {
    pub target: EntityRef,
    pub kind: ChangeKind,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// How a reference behaves when its target is deleted with `cascade`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strength {
    /// The referrer cannot exist without it: it is deleted too.
    Required,
    /// An optional field: it is cleared.
    Optional,
    /// One entry of a list (links, friendships): the entry is removed.
    Member,
}

impl Dataset {
    /// Returns every entity with its record, kinds in parent-first order.
    pub fn entities(&self) -> Vec<(EntityRef, RecordRef<'_>)> {
        let mut out = Vec::new();
        let r = EntityRef::new;
        out.extend(self.documents.iter().map(|x| (r(EntityKind::Document, &x.id), RecordRef::Document(x))));
        out.extend(self.countries.iter().map(|x| (r(EntityKind::Country, &x.id), RecordRef::Country(x))));
        out.extend(self.cities.iter().map(|x| (r(EntityKind::City, &x.id), RecordRef::City(x))));
        out.extend(self.organizations.iter().map(|x| (r(EntityKind::Organization, &x.id), RecordRef::Organization(x))));
        out.extend(self.events.iter().map(|x| (r(EntityKind::Event, &x.id), RecordRef::Event(x))));
        out.extend(self.lists.iter().map(|x| (r(EntityKind::List, &x.id), RecordRef::List(x))));
        out.extend(self.achievements.iter().map(|x| (r(EntityKind::Achievement, &x.id), RecordRef::Achievement(x))));
        out.extend(self.statistics.iter().map(|x| (r(EntityKind::Statistic, &x.id), RecordRef::Statistic(x))));
        out
    }

    /// Returns the record of one entity.
    pub fn find(&self, target: &EntityRef) -> Option<RecordRef<'_>> {
        let id = target.id.as_str();
        match target.kind {
            EntityKind::Document => self.documents.iter().find(|x| x.id == id).map(RecordRef::Document),
            EntityKind::Country => self.countries.iter().find(|x| x.id == id).map(RecordRef::Country),
            EntityKind::City => self.cities.iter().find(|x| x.id == id).map(RecordRef::City),
            EntityKind::Organization => self.organizations.iter().find(|x| x.id == id).map(RecordRef::Organization),
            EntityKind::Event => self.events.iter().find(|x| x.id == id).map(RecordRef::Event),
            EntityKind::List => self.lists.iter().find(|x| x.id == id).map(RecordRef::List),
            EntityKind::Achievement => self.achievements.iter().find(|x| x.id == id).map(RecordRef::Achievement),
            EntityKind::Statistic => self.statistics.iter().find(|x| x.id == id).map(RecordRef::Statistic),
        }
    }

    /// Returns the entity a problem path such as `$.achievements[3].cities[1]` points
    /// into, with the rest of the path (`cities[1]`); `None` for friendships.
    pub fn locate<'p>(&self, path: &'p str) -> Option<(EntityRef, &'p str)> {
        let rest = path.strip_prefix("$.")?;
        let (collection, rest) = rest.split_once('[')?;
        let (position, rest) = rest.split_once(']')?;
        let position: usize = position.parse().ok()?;
        let kind = EntityKind::ALL.iter().copied().find(|kind| kind.collection() == collection)?;
        let entity = self.entities().into_iter().filter(|(r, _)| r.kind == kind).nth(position)?.0;
        Some((entity, rest.trim_start_matches('.')))
    }

    /// Returns the position of an entity within its collection.
    pub fn position(&self, target: &EntityRef) -> Option<usize> {
        self.entities().into_iter().filter(|(r, _)| r.kind == target.kind).position(|(r, _)| r == *target)
    }

    /// Returns whether the entity exists.
    pub fn contains(&self, target: &EntityRef) -> bool {
        self.find(target).is_some()
    }

    /// Returns a dataset with no entity.
    pub fn empty() -> Self {
        Dataset {
            format: super::dataset::FORMAT.to_owned(),
            documents: Vec::new(),
            countries: Vec::new(),
            cities: Vec::new(),
            friendships: Vec::new(),
            organizations: Vec::new(),
            events: Vec::new(),
            lists: Vec::new(),
            achievements: Vec::new(),
            statistics: Vec::new(),
        }
    }

    /// Adds the records of `other`, another part of the same graph with none of these
    /// entities; a friendship both parts hold is kept once.
    pub fn absorb(&mut self, other: Dataset) {
        self.documents.extend(other.documents);
        self.countries.extend(other.countries);
        self.cities.extend(other.cities);
        self.organizations.extend(other.organizations);
        self.events.extend(other.events);
        self.lists.extend(other.lists);
        self.achievements.extend(other.achievements);
        self.statistics.extend(other.statistics);
        for friendship in other.friendships {
            let [a, b] = &friendship.cities;
            if !self.friendships.iter().any(|f| f.joins(a, b)) {
                self.friendships.push(friendship);
            }
        }
    }

    /// Returns every entity's state as JSON; a city's state includes its friendships.
    pub fn snapshots(&self) -> BTreeMap<EntityRef, Value> {
        let mut friends: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        for friendship in &self.friendships {
            let [a, b] = &friendship.cities;
            let source = serde_json::to_value(&friendship.source).unwrap_or(Value::Null);
            friends.entry(a).or_default().push(json!({ "city": b, "source": source }));
            friends.entry(b).or_default().push(json!({ "city": a, "source": source }));
        }
        for list in friends.values_mut() {
            list.sort_by(|x, y| x["city"].as_str().cmp(&y["city"].as_str()));
        }
        self.entities()
            .into_iter()
            .map(|(target, record)| {
                let mut value = record.to_json();
                if let (RecordRef::City(city), Value::Object(map)) = (record, &mut value) {
                    map.insert(
                        "friends".to_owned(),
                        Value::Array(friends.remove(city.id.as_str()).unwrap_or_default()),
                    );
                }
                (target, value)
            })
            .collect()
    }

    /// Returns every reference between entities as (referrer, target, strength).
    fn references(&self) -> Vec<(EntityRef, EntityRef, Strength)> {
        use EntityKind as K;
        use Strength::{Member, Optional, Required};
        let mut out = Vec::new();
        let mut add = |from: &EntityRef, kind: EntityKind, id: &str, strength| {
            out.push((from.clone(), EntityRef::new(kind, id), strength));
        };
        for (from, record) in self.entities() {
            let f = &from;
            match record {
                RecordRef::Document(_) | RecordRef::Country(_) => {}
                RecordRef::City(c) => add(f, K::Country, &c.country, Required),
                RecordRef::Organization(o) => {
                    o.country.iter().for_each(|id| add(f, K::Country, id, Optional));
                    o.city.iter().for_each(|id| add(f, K::City, id, Optional));
                    o.source.iter().for_each(|s| add(f, K::Document, &s.document, Optional));
                }
                RecordRef::Event(e) => {
                    e.city.iter().for_each(|id| add(f, K::City, id, Optional));
                    e.organizers.iter().for_each(|id| add(f, K::Organization, id, Member));
                    e.source.iter().for_each(|s| add(f, K::Document, &s.document, Optional));
                }
                RecordRef::List(l) => {
                    add(f, K::City, &l.city, Required);
                    l.organizers.iter().for_each(|id| add(f, K::Organization, id, Member));
                    add(f, K::Document, &l.source.document, Required);
                }
                RecordRef::Achievement(a) => {
                    add(f, K::List, &a.list, Required);
                    a.cities.iter().for_each(|id| add(f, K::City, id, Member));
                    a.organizations.iter().for_each(|id| add(f, K::Organization, id, Member));
                    a.events.iter().for_each(|id| add(f, K::Event, id, Member));
                    add(f, K::Document, &a.source.document, Required);
                }
                RecordRef::Statistic(s) => {
                    add(f, s.subject.kind.into(), &s.subject.id, Required);
                    add(f, K::Document, &s.source.document, Required);
                }
            }
        }
        for friendship in &self.friendships {
            let [a, b] = &friendship.cities;
            let (a, b) = (EntityRef::new(K::City, a), EntityRef::new(K::City, b));
            out.push((a.clone(), b.clone(), Member));
            out.push((b.clone(), a.clone(), Member));
            if let Some(source) = &friendship.source {
                for city in [&a, &b] {
                    out.push((city.clone(), EntityRef::new(K::Document, &source.document), Optional));
                }
            }
        }
        out
    }

    /// Returns the entities that reference `target`, each once, in a stable order.
    pub fn referrers(&self, target: &EntityRef) -> Vec<EntityRef> {
        let found: BTreeSet<EntityRef> = self
            .references()
            .into_iter()
            .filter(|(from, to, _)| to == target && from != target)
            .map(|(from, _, _)| from)
            .collect();
        found.into_iter().collect()
    }

    /// Returns the entities one reference away from any of `targets`, in either direction.
    pub fn neighbors(&self, targets: &BTreeSet<EntityRef>) -> BTreeSet<EntityRef> {
        let mut out = BTreeSet::new();
        for (from, to, _) in self.references() {
            if targets.contains(&from) {
                out.insert(to.clone());
            }
            if targets.contains(&to) {
                out.insert(from);
            }
        }
        out
    }

    /// Deletes `target`. Without `cascade`, refuses while anything references it and
    /// returns the referrers. With `cascade`, deletes what cannot exist without it,
    /// clears optional references and removes it from lists and friendships.
    /// Returns every deleted entity, `target` first.
    pub fn delete(&mut self, target: &EntityRef, cascade: bool) -> Result<Vec<EntityRef>, Vec<EntityRef>> {
        if !cascade {
            let referrers = self.referrers(target);
            if !referrers.is_empty() {
                return Err(referrers);
            }
        }
        // Who cannot exist without whom, read once: deleting only removes records, so the
        // graph as it was names every dependent that has to go.
        let mut dependents: HashMap<EntityRef, Vec<EntityRef>> = HashMap::new();
        for (from, to, strength) in self.references() {
            if strength == Strength::Required && from != to {
                dependents.entry(to).or_default().push(from);
            }
        }
        let mut deleted = Vec::new();
        let mut seen = HashSet::new();
        let mut queue = vec![target.clone()];
        while let Some(next) = queue.pop() {
            if !seen.insert(next.clone()) || !self.contains(&next) {
                continue;
            }
            queue.extend(dependents.remove(&next).unwrap_or_default());
            self.detach(&next);
            deleted.push(next);
        }
        Ok(deleted)
    }

    /// Removes one entity's record and every optional or list reference to it.
    fn detach(&mut self, target: &EntityRef) {
        let id = target.id.as_str();
        let drop_id = |ids: &mut Vec<String>| ids.retain(|x| x != id);
        let clear = |value: &mut Option<String>| {
            if value.as_deref() == Some(id) {
                *value = None;
            }
        };
        let clear_span = |span: &mut Option<SpanRecord>| {
            if span.as_ref().is_some_and(|s| s.document == id) {
                *span = None;
            }
        };
        match target.kind {
            EntityKind::Document => {
                self.documents.retain(|x| x.id != id);
                self.organizations.iter_mut().for_each(|o| clear_span(&mut o.source));
                self.events.iter_mut().for_each(|e| clear_span(&mut e.source));
                self.friendships.iter_mut().for_each(|f| clear_span(&mut f.source));
            }
            EntityKind::Country => {
                self.countries.retain(|x| x.id != id);
                self.organizations.iter_mut().for_each(|o| clear(&mut o.country));
            }
            EntityKind::City => {
                self.cities.retain(|x| x.id != id);
                self.friendships.retain(|f| !f.cities.iter().any(|c| c == id));
                self.organizations.iter_mut().for_each(|o| clear(&mut o.city));
                self.events.iter_mut().for_each(|e| clear(&mut e.city));
                self.achievements.iter_mut().for_each(|a| drop_id(&mut a.cities));
            }
            EntityKind::Organization => {
                self.organizations.retain(|x| x.id != id);
                self.events.iter_mut().for_each(|e| drop_id(&mut e.organizers));
                self.lists.iter_mut().for_each(|l| drop_id(&mut l.organizers));
                self.achievements.iter_mut().for_each(|a| drop_id(&mut a.organizations));
            }
            EntityKind::Event => {
                self.events.retain(|x| x.id != id);
                self.achievements.iter_mut().for_each(|a| drop_id(&mut a.events));
            }
            EntityKind::List => self.lists.retain(|x| x.id != id),
            EntityKind::Achievement => self.achievements.retain(|x| x.id != id),
            EntityKind::Statistic => self.statistics.retain(|x| x.id != id),
        }
    }
}

impl RecordRef<'_> {
    /// Returns the record as it appears in a dataset file.
    pub fn to_json(self) -> Value {
        let value = match self {
            Self::Document(x) => serde_json::to_value(x),
            Self::Country(x) => serde_json::to_value(x),
            Self::City(x) => serde_json::to_value(x),
            Self::Organization(x) => serde_json::to_value(x),
            Self::Event(x) => serde_json::to_value(x),
            Self::List(x) => serde_json::to_value(x),
            Self::Achievement(x) => serde_json::to_value(x),
            Self::Statistic(x) => serde_json::to_value(x),
        };
        value.unwrap_or(Value::Null)
    }
}

/// Returns the span `start..end` of one of `documents`, its excerpt read from the text
/// (empty when the document or the range does not exist; validation says which).
pub fn span_in(documents: &[DocumentRecord], document: &str, start: i64, end: i64) -> SpanRecord {
    let excerpt = documents
        .iter()
        .find(|d| d.id == document)
        .and_then(|d| char_slice(&d.text, start, end))
        .unwrap_or_default()
        .to_owned();
    SpanRecord { document: document.to_owned(), start, end, excerpt }
}

/// Returns every entity that differs between `before` and `after`, kinds in parent-first
/// order and, within a kind, in the order of `after` (deletions last).
pub fn diff(before: &Dataset, after: &Dataset) -> Vec<EntityChange> {
    let old = before.snapshots();
    let new = after.snapshots();
    let mut out = Vec::new();
    for (target, _) in after.entities() {
        let now = &new[&target];
        match old.get(&target) {
            None => {
                out.push(EntityChange { target, kind: ChangeKind::Created, before: None, after: Some(now.clone()) })
            }
            Some(was) if was != now => out.push(EntityChange {
                target,
                kind: ChangeKind::Updated,
                before: Some(was.clone()),
                after: Some(now.clone()),
            }),
            Some(_) => {}
        }
    }
    for (target, was) in old {
        if !new.contains_key(&target) {
            out.push(EntityChange { target, kind: ChangeKind::Deleted, before: Some(was), after: None });
        }
    }
    out.sort_by_key(|change| change.target.kind);
    out
}

/// Returns the entities whose spans cite a document whose text changed: they must be
/// checked again, though their records did not change.
pub fn citing_changed_text(before: &Dataset, after: &Dataset, changes: &[EntityChange]) -> BTreeSet<EntityRef> {
    let mut out = BTreeSet::new();
    for change in changes.iter().filter(|c| c.kind == ChangeKind::Updated && c.target.kind == EntityKind::Document) {
        let text = |data: &Dataset| data.documents.iter().find(|d| d.id == change.target.id).map(|d| d.text.clone());
        if text(before) != text(after) {
            out.extend(after.referrers(&change.target));
        }
    }
    out
}

/// What a write must have read before its result can be checked and recorded, given
/// the part of the graph read so far (`before`), that part after the edit, and their
/// difference. Returns the entities whose referrers must be read too (`requested`, the
/// changed ones, and the lists of changed achievements, whose ranks must stay unique)
/// and, with them, every entity they reference in either state.
pub fn reads(
    before: &Dataset,
    after: &Dataset,
    changes: &[EntityChange],
    requested: &BTreeSet<EntityRef>,
) -> (BTreeSet<EntityRef>, BTreeSet<EntityRef>) {
    let mut core = requested.clone();
    core.extend(changes.iter().map(|c| c.target.clone()));
    core.extend(citing_changed_text(before, after, changes));
    for data in [before, after] {
        for achievement in &data.achievements {
            if core.contains(&EntityRef::new(EntityKind::Achievement, &achievement.id)) {
                core.insert(EntityRef::new(EntityKind::List, &achievement.list));
            }
        }
    }
    let mut wanted = core.clone();
    for data in [before, after] {
        wanted.extend(data.references().into_iter().filter(|(from, _, _)| core.contains(from)).map(|(_, to, _)| to));
    }
    (core, wanted)
}

/// Returns the changed entities and their neighbors in either state: everything whose
/// derived data (search text naming a related entity, say) may have changed.
pub fn touched(before: &Dataset, after: &Dataset, changes: &[EntityChange]) -> BTreeSet<EntityRef> {
    let changed: BTreeSet<EntityRef> = changes.iter().map(|c| c.target.clone()).collect();
    let mut out = changed.clone();
    out.extend(before.neighbors(&changed));
    out.extend(after.neighbors(&changed));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Dataset {
        Dataset::bundled()
    }

    #[test]
    fn an_unchanged_dataset_has_no_difference() {
        assert!(diff(&bundled(), &bundled()).is_empty());
    }

    #[test]
    fn a_referenced_entity_is_not_deleted_without_cascade() {
        let mut data = bundled();
        let list = EntityRef::new(EntityKind::List, data.lists[0].id.clone());
        let referrers = data.delete(&list, false).unwrap_err();
        assert!(referrers.iter().any(|r| r.kind == EntityKind::Achievement));
        assert!(referrers.iter().any(|r| r.kind == EntityKind::Statistic));
    }

    #[test]
    fn a_cascading_delete_takes_dependents_and_leaves_a_valid_graph() {
        let before = bundled();
        let mut after = before.clone();
        let city = EntityRef::new(EntityKind::City, "changchun");
        let deleted = after.delete(&city, true).unwrap();
        assert_eq!(deleted[0], city);
        assert!(after.lists.is_empty(), "the list is in Changchun");
        assert!(
            after.achievements.is_empty()
                && after.statistics.iter().all(|s| s.subject.kind != crate::model::EntityKind::List)
        );
        assert!(after.events.iter().all(|e| e.city.as_deref() != Some("changchun")));
        assert_eq!(super::super::validate::validate(&after), Vec::new());
        let changes = diff(&before, &after);
        let deleted_in_diff: BTreeSet<_> =
            changes.iter().filter(|c| c.kind == ChangeKind::Deleted).map(|c| c.target.clone()).collect();
        assert_eq!(deleted_in_diff, deleted.into_iter().collect());
        assert!(changes.iter().any(|c| c.kind == ChangeKind::Updated && c.target.kind == EntityKind::Event));
    }

    #[test]
    fn a_friendship_change_updates_both_cities_and_touches_their_neighbors() {
        let before = bundled();
        let mut after = before.clone();
        let removed = after.friendships.remove(0);
        let changes = diff(&before, &after);
        let updated: BTreeSet<_> = changes.iter().map(|c| (c.kind, c.target.id.clone())).collect();
        let expected: BTreeSet<_> = removed.cities.iter().map(|c| (ChangeKind::Updated, c.clone())).collect();
        assert_eq!(updated, expected);
        let touched = touched(&before, &after, &changes);
        assert!(touched.iter().any(|r| r.kind == EntityKind::Country), "a city's country is a neighbor");
    }
}
