//! Checks a parsed dataset for what its types cannot express: unique ids, slugs,
//! references that resolve, spans that match their document, ranks, finite values.

use std::collections::{HashMap, HashSet};

use super::dataset::{Dataset, Problem, SpanRecord};
use super::{is_slug, number, CharIndex, SubjectType};

/// Returns every problem in the dataset; an empty list means it can be imported.
pub fn validate(dataset: &Dataset) -> Vec<Problem> {
    let mut check = Checker::default();
    if dataset.format != super::dataset::FORMAT {
        check.problem("$.format", format!("expected `{}`, found `{}`", super::dataset::FORMAT, dataset.format));
    }

    // Each text is indexed once: checking a span does not walk the text from its start.
    let documents: HashMap<&str, CharIndex<'_>> =
        dataset.documents.iter().map(|d| (d.id.as_str(), CharIndex::new(&d.text))).collect();
    let countries = check.ids("countries", dataset.countries.iter().map(|c| c.id.as_str()));
    let cities = check.ids("cities", dataset.cities.iter().map(|c| c.id.as_str()));
    let organizations = check.ids("organizations", dataset.organizations.iter().map(|o| o.id.as_str()));
    let events = check.ids("events", dataset.events.iter().map(|e| e.id.as_str()));
    let lists = check.ids("lists", dataset.lists.iter().map(|l| l.id.as_str()));
    let achievements = check.ids("achievements", dataset.achievements.iter().map(|a| a.id.as_str()));
    check.ids("documents", dataset.documents.iter().map(|d| d.id.as_str()));
    check.ids("statistics", dataset.statistics.iter().map(|s| s.id.as_str()));
    let span = |check: &mut Checker, path: String, span: &SpanRecord| check.span(&documents, path, span);

    for (i, document) in dataset.documents.iter().enumerate() {
        check.non_empty(format!("$.documents[{i}].title"), &document.title);
        check.non_empty(format!("$.documents[{i}].text"), &document.text);
    }
    for (i, country) in dataset.countries.iter().enumerate() {
        check.non_empty(format!("$.countries[{i}].name"), &country.name);
    }
    for (i, city) in dataset.cities.iter().enumerate() {
        check.non_empty(format!("$.cities[{i}].name"), &city.name);
        check.reference(format!("$.cities[{i}].country"), &countries, "country", &city.country);
    }
    let mut pairs = HashSet::new();
    for (i, friendship) in dataset.friendships.iter().enumerate() {
        let [a, b] = &friendship.cities;
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
        let path = format!("$.lists[{i}]");
        check.non_empty(format!("{path}.title"), &list.title);
        check.reference(format!("{path}.city"), &cities, "city", &list.city);
        check.references(&format!("{path}.organizers"), &organizations, "organization", &list.organizers);
        span(&mut check, format!("{path}.source"), &list.source);
    }
    let mut ranks = HashMap::new();
    for (i, achievement) in dataset.achievements.iter().enumerate() {
        let path = format!("$.achievements[{i}]");
        check.non_empty(format!("{path}.title"), &achievement.title);
        check.reference(format!("{path}.list"), &lists, "list", &achievement.list);
        if achievement.rank < 1 {
            check.problem(format!("{path}.rank"), format!("a rank starts at 1, found {}", achievement.rank));
        } else if let Some(other) = ranks.insert((&achievement.list, achievement.rank), &achievement.id) {
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
        let path = format!("$.statistics[{i}]");
        check.non_empty(format!("{path}.label"), &statistic.label);
        check.non_empty(format!("{path}.unit"), &statistic.unit);
        let known = match statistic.subject.kind {
            SubjectType::List => &lists,
            SubjectType::Achievement => &achievements,
            SubjectType::Event => &events,
            SubjectType::Organization => &organizations,
            SubjectType::City => &cities,
        };
        let kind = super::EntityKind::from(statistic.subject.kind).noun();
        check.reference(format!("{path}.subject.id"), known, kind, &statistic.subject.id);
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

#[derive(Default)]
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn problem(&mut self, path: impl Into<String>, message: String) {
        self.problems.push(Problem { path: path.into(), message });
    }

    /// Checks that the ids of one kind are unique slugs, and returns them.
    fn ids<'a>(&mut self, kind: &str, ids: impl Iterator<Item = &'a str>) -> HashSet<&'a str> {
        let mut seen = HashSet::new();
        for (i, id) in ids.enumerate() {
            let path = format!("$.{kind}[{i}].id");
            if !is_slug(id) {
                self.problem(path.clone(), format!("`{id}` is not a slug (lowercase ascii words joined by hyphens)"));
            }
            if !seen.insert(id) {
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
