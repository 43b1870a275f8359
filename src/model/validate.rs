//! Checks a parsed dataset for what its types cannot express: unique ids, slugs,
//! references that resolve, spans that match their document, ranks, finite values.
//! A whole dataset is checked before an import; a write checks only the entities it
//! changes, within the part of the graph it read around them.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::dataset::{Dataset, Problem, SpanRecord};
use super::{is_slug, number, CharIndex, EntityKind, EntityRef};

/// Returns every problem in the dataset; an empty list means it can be imported.
pub fn validate(dataset: &Dataset) -> Vec<Problem> {
    check(dataset, None)
}

/// Returns the problems of the entities in `scope` (a city's include its friendships),
/// checked against the rest of `dataset`: it must hold everything they reference, the
/// other achievements of their lists and the other friendships of their cities.
pub fn validate_only(dataset: &Dataset, scope: &BTreeSet<EntityRef>) -> Vec<Problem> {
    check(dataset, Some(scope))
}

fn check(dataset: &Dataset, scope: Option<&BTreeSet<EntityRef>>) -> Vec<Problem> {
    let mut check = Checker { problems: Vec::new(), scope };
    let wanted = |kind: EntityKind, id: &str| in_scope(scope, kind, id);
    if dataset.format != super::dataset::FORMAT {
        check.problem("$.format", format!("expected `{}`, found `{}`", super::dataset::FORMAT, dataset.format));
    }

    // Each text is indexed once: checking a span does not walk the text from its start.
    let documents: HashMap<&str, CharIndex<'_>> =
        dataset.documents.iter().map(|d| (d.id.as_str(), CharIndex::new(&d.text))).collect();
    let countries = check.ids(EntityKind::Country, dataset.countries.iter().map(|c| c.id.as_str()));
    let cities = check.ids(EntityKind::City, dataset.cities.iter().map(|c| c.id.as_str()));
    let organizations = check.ids(EntityKind::Organization, dataset.organizations.iter().map(|o| o.id.as_str()));
    let events = check.ids(EntityKind::Event, dataset.events.iter().map(|e| e.id.as_str()));
    let lists = check.ids(EntityKind::List, dataset.lists.iter().map(|l| l.id.as_str()));
    let achievements = check.ids(EntityKind::Achievement, dataset.achievements.iter().map(|a| a.id.as_str()));
    check.ids(EntityKind::Document, dataset.documents.iter().map(|d| d.id.as_str()));
    check.ids(EntityKind::Statistic, dataset.statistics.iter().map(|s| s.id.as_str()));
    let span = |check: &mut Checker, path: String, span: &SpanRecord| check.span(&documents, path, span);

    for (i, document) in dataset.documents.iter().enumerate() {
        if !wanted(EntityKind::Document, &document.id) {
            continue;
        }
        check.non_empty(format!("$.documents[{i}].title"), &document.title);
        check.non_empty(format!("$.documents[{i}].text"), &document.text);
    }
    for (i, country) in dataset.countries.iter().enumerate() {
        if !wanted(EntityKind::Country, &country.id) {
            continue;
        }
        check.non_empty(format!("$.countries[{i}].name"), &country.name);
    }
    for (i, city) in dataset.cities.iter().enumerate() {
        if !wanted(EntityKind::City, &city.id) {
            continue;
        }
        check.non_empty(format!("$.cities[{i}].name"), &city.name);
        check.reference(format!("$.cities[{i}].country"), &countries, "country", &city.country);
    }
    let mut pairs = HashSet::new();
    for (i, friendship) in dataset.friendships.iter().enumerate() {
        let [a, b] = &friendship.cities;
        if !wanted(EntityKind::City, a) && !wanted(EntityKind::City, b) {
            continue;
        }
        check.reference(format!("$.friendships[{i}].cities[0]"), &cities, "city", a);
        check.reference(format!("$.friendships[{i}].cities[1]"), &cities, "city", b);
        if a == b {
            check.problem(format!("$.friendships[{i}].cities"), format!("a city cannot be its own friend (`{a}`)"));
        }
        let pair = if a < b { (a, b) } else { (b, a) };
        if !pairs.insert(pair) {
            check.problem(format!("$.friendships[{i}].cities"), format!("`{a}` and `{b}` are already friends"));
        }
        if let Some(source) = &friendship.source {
            span(&mut check, format!("$.friendships[{i}].source"), source);
        }
    }
    for (i, organization) in dataset.organizations.iter().enumerate() {
        if !wanted(EntityKind::Organization, &organization.id) {
            continue;
        }
        let path = format!("$.organizations[{i}]");
        check.non_empty(format!("{path}.name"), &organization.name);
        if let Some(country) = &organization.country {
            check.reference(format!("{path}.country"), &countries, "country", country);
        }
        if let Some(city) = &organization.city {
            check.reference(format!("{path}.city"), &cities, "city", city);
        }
        if let Some(source) = &organization.source {
            span(&mut check, format!("{path}.source"), source);
        }
    }
    for (i, event) in dataset.events.iter().enumerate() {
        if !wanted(EntityKind::Event, &event.id) {
            continue;
        }
        let path = format!("$.events[{i}]");
        check.non_empty(format!("{path}.name"), &event.name);
        if let Some(city) = &event.city {
            check.reference(format!("{path}.city"), &cities, "city", city);
        }
        check.references(&format!("{path}.organizers"), &organizations, "organization", &event.organizers);
        if let (Some(start), Some(end)) = (&event.start_date, &event.end_date) {
            if end.as_str() < start.as_str() {
                check.problem(format!("{path}.endDate"), format!("ends ({end}) before it starts ({start})"));
            }
        }
        if let Some(source) = &event.source {
            span(&mut check, format!("{path}.source"), source);
        }
    }
    for (i, list) in dataset.lists.iter().enumerate() {
        if !wanted(EntityKind::List, &list.id) {
            continue;
        }
        let path = format!("$.lists[{i}]");
        check.non_empty(format!("{path}.title"), &list.title);
        check.reference(format!("{path}.city"), &cities, "city", &list.city);
        check.references(&format!("{path}.organizers"), &organizations, "organization", &list.organizers);
        span(&mut check, format!("{path}.source"), &list.source);
    }
    // Who holds each rank of each list. A whole dataset names the later holders; a
    // write names the changed achievement, whichever came first.
    let mut holders: HashMap<(&str, i64), Vec<usize>> = HashMap::new();
    for (i, achievement) in dataset.achievements.iter().enumerate() {
        holders.entry((&achievement.list, achievement.rank)).or_default().push(i);
    }
    for (i, achievement) in dataset.achievements.iter().enumerate() {
        if !wanted(EntityKind::Achievement, &achievement.id) {
            continue;
        }
        let path = format!("$.achievements[{i}]");
        check.non_empty(format!("{path}.title"), &achievement.title);
        check.reference(format!("{path}.list"), &lists, "list", &achievement.list);
        let held = &holders[&(achievement.list.as_str(), achievement.rank)];
        let other = match scope {
            None => held.first().filter(|&&first| first != i),
            Some(_) => held.iter().find(|&&other| other != i),
        }
        .map(|&other| &dataset.achievements[other].id);
        if achievement.rank < 1 {
            check.problem(format!("{path}.rank"), format!("a rank starts at 1, found {}", achievement.rank));
        } else if let Some(other) = other {
            check.problem(
                format!("{path}.rank"),
                format!("rank {} is already held by `{other}` in its list", achievement.rank),
            );
        }
        check.references(&format!("{path}.cities"), &cities, "city", &achievement.cities);
        check.references(&format!("{path}.organizations"), &organizations, "organization", &achievement.organizations);
        check.references(&format!("{path}.events"), &events, "event", &achievement.events);
        if span(&mut check, format!("{path}.source"), &achievement.source)
            && !achievement.source.excerpt.contains(achievement.summary.as_str())
        {
            check
                .problem(format!("{path}.summary"), "is not the body text of the achievement's source span".to_owned());
        }
    }
    for (i, statistic) in dataset.statistics.iter().enumerate() {
        if !wanted(EntityKind::Statistic, &statistic.id) {
            continue;
        }
        let path = format!("$.statistics[{i}]");
        check.non_empty(format!("{path}.label"), &statistic.label);
        check.non_empty(format!("{path}.unit"), &statistic.unit);
        let known = match statistic.subject.kind {
            EntityKind::List => Some(&lists),
            EntityKind::Achievement => Some(&achievements),
            EntityKind::Event => Some(&events),
            EntityKind::Organization => Some(&organizations),
            EntityKind::City => Some(&cities),
            EntityKind::Document | EntityKind::Country | EntityKind::Statistic => None,
        };
        match known {
            Some(known) => {
                let kind = statistic.subject.kind.noun();
                check.reference(format!("{path}.subject.id"), known, kind, &statistic.subject.id);
            }
            None => check.problem(
                format!("{path}.subject.type"),
                format!(
                    "a statistic cannot be about a {}: it is about one of {}",
                    statistic.subject.kind.noun(),
                    EntityKind::SUBJECTS.map(EntityKind::as_str).join(", ")
                ),
            ),
        }
        if !statistic.value.is_finite() {
            check.problem(format!("{path}.value"), "must be a finite number".to_owned());
        }
        if span(&mut check, format!("{path}.source"), &statistic.source)
            && !number::is_stated_in(statistic.value, &statistic.source.excerpt)
        {
            check.problem(
                format!("{path}.value"),
                format!("{} is not stated in the excerpt `{}`", statistic.value, statistic.source.excerpt),
            );
        }
    }
    check.problems
}

/// Whether an entity is to be checked: every one when there is no scope.
fn in_scope(scope: Option<&BTreeSet<EntityRef>>, kind: EntityKind, id: &str) -> bool {
    scope.is_none_or(|scope| scope.contains(&EntityRef::new(kind, id)))
}

struct Checker<'s> {
    problems: Vec<Problem>,
    /// Only these entities are checked; all when `None`.
    scope: Option<&'s BTreeSet<EntityRef>>,
}

impl Checker<'_> {
    fn problem(&mut self, path: impl Into<String>, message: String) {
        self.problems.push(Problem { path: path.into(), message });
    }

    /// Checks that the ids of one kind are unique slugs, and returns them.
    fn ids<'a>(&mut self, kind: EntityKind, ids: impl Iterator<Item = &'a str>) -> HashSet<&'a str> {
        let ids: Vec<&str> = ids.collect();
        let mut counts: HashMap<&str, usize> = HashMap::new();
        if self.scope.is_some() {
            for id in &ids {
                *counts.entry(id).or_default() += 1;
            }
        }
        let mut seen = HashSet::new();
        for (i, id) in ids.into_iter().enumerate() {
            let first = seen.insert(id);
            if !in_scope(self.scope, kind, id) {
                continue;
            }
            let path = format!("$.{}[{i}].id", kind.collection());
            if !is_slug(id) {
                self.problem(path.clone(), format!("`{id}` is not a slug (lowercase ascii words joined by hyphens)"));
            }
            // A whole dataset names the later copies; a write names every copy it changed.
            let duplicate = if self.scope.is_some() { counts[id] > 1 } else { !first };
            if duplicate {
                self.problem(path, format!("duplicate id `{id}`"));
            }
        }
        seen
    }

    fn non_empty(&mut self, path: String, text: &str) {
        if text.trim().is_empty() {
            self.problem(path, "must not be empty".to_owned());
        }
    }

    fn reference(&mut self, path: String, known: &HashSet<&str>, kind: &str, id: &str) {
        if !known.contains(id) {
            self.problem(path, format!("no {kind} has the id `{id}`"));
        }
    }

    /// Checks a list of references: each must resolve and appear once.
    fn references(&mut self, path: &str, known: &HashSet<&str>, kind: &str, ids: &[String]) {
        let mut seen = HashSet::new();
        for (j, id) in ids.iter().enumerate() {
            self.reference(format!("{path}[{j}]"), known, kind, id);
            if !seen.insert(id) {
                self.problem(format!("{path}[{j}]"), format!("`{id}` is listed twice"));
            }
        }
    }

    /// Checks a span against its document; returns whether it is valid.
    fn span(&mut self, documents: &HashMap<&str, CharIndex<'_>>, path: String, span: &SpanRecord) -> bool {
        let Some(text) = documents.get(span.document.as_str()) else {
            self.problem(format!("{path}.document"), format!("no document has the id `{}`", span.document));
            return false;
        };
        if span.start >= span.end {
            self.problem(format!("{path}.end"), format!("must be greater than start ({})", span.start));
            return false;
        }
        let Some(actual) = text.slice(span.start, span.end) else {
            let length = text.text().chars().count();
            self.problem(path, format!("{}..{} is outside the document ({length} chars)", span.start, span.end));
            return false;
        };
        if actual != span.excerpt {
            self.problem(
                format!("{path}.excerpt"),
                format!("does not match the document text at {}..{}: `{actual}`", span.start, span.end),
            );
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scoped_check_names_the_changed_entity_whichever_came_first() {
        let mut data = Dataset::bundled();
        let (first, second) = (data.achievements[0].id.clone(), data.achievements[1].id.clone());
        data.achievements[0].rank = data.achievements[1].rank;
        let whole = validate(&data);
        assert_eq!(whole.len(), 1);
        assert_eq!(whole[0].path, "$.achievements[1].rank", "a whole dataset names the later holder");
        let scope = BTreeSet::from([EntityRef::new(EntityKind::Achievement, first)]);
        let scoped = validate_only(&data, &scope);
        assert_eq!(scoped.len(), 1);
        assert_eq!(scoped[0].path, "$.achievements[0].rank");
        assert!(scoped[0].message.contains(&format!("`{second}`")), "{}", scoped[0].message);
    }

    #[test]
    fn a_scoped_check_leaves_out_what_is_outside_its_scope() {
        let mut data = Dataset::bundled();
        data.statistics[3].label = " ".to_owned();
        data.cities[0].country = "nowhere".to_owned();
        let city = EntityRef::new(EntityKind::City, data.cities[0].id.clone());
        let scoped = validate_only(&data, &BTreeSet::from([city]));
        assert_eq!(scoped.iter().map(|p| p.path.as_str()).collect::<Vec<_>>(), ["$.cities[0].country"]);
        assert_eq!(validate(&data).len(), 2);
    }
}
