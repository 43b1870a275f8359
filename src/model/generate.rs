//! Synthetic datasets of any size, for benchmarks: `achievement-graph generate`.
//!
//! The shape follows the bundled graph (lists of ranked achievements in cities, events
//! with organizers, statistics about every kind of subject, friendship cities), scaled
//! up. Text is drawn from the article's own vocabulary with a Zipf-like distribution,
//! and every span, summary and figure is written into generated documents so the
//! result passes the same validation as a curated file. The same seed gives the same
//! dataset.

use rand::distr::weighted::WeightedIndex;
use rand::distr::Distribution;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::dataset::{
    AchievementRecord, CityRecord, CountryRecord, Dataset, DocumentRecord, EventRecord, FriendshipRecord, ListRecord,
    OrganizationRecord, SpanRecord, StatisticRecord, SubjectRecord, BUNDLED, FORMAT,
};
use super::{Category, Date, EntityKind, OrganizationKind, Qualifier};

/// About this many entities' sentences go into one generated document.
const ENTITIES_PER_DOCUMENT: usize = 2_000;

/// Draws words from the article's vocabulary, frequent words more often (Zipf, s = 1).
struct Words {
    words: Vec<String>,
    ranks: WeightedIndex<f64>,
}

impl Words {
    fn from_article() -> Self {
        let dataset: Dataset = serde_json::from_str(BUNDLED).expect("the bundled dataset parses");
        let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for document in &dataset.documents {
            for word in document.text.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() > 1) {
                *counts.entry(word.to_ascii_lowercase()).or_default() += 1;
            }
        }
        let mut words: Vec<(String, usize)> = counts.into_iter().collect();
        words.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let words: Vec<String> = words.into_iter().map(|(word, _)| word).collect();
        let ranks = WeightedIndex::new((1..=words.len()).map(|rank| 1.0 / rank as f64)).expect("a vocabulary");
        Self { words, ranks }
    }

    fn word(&self, rng: &mut ChaCha8Rng) -> &str {
        &self.words[self.ranks.sample(rng)]
    }

    /// Returns `n` words, the first capitalized.
    fn phrase(&self, rng: &mut ChaCha8Rng, n: usize) -> String {
        let mut out = String::new();
        for i in 0..n {
            let word = self.word(rng);
            if i == 0 {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    out.push(first.to_ascii_uppercase());
                    out.push_str(chars.as_str());
                }
            } else {
                out.push(' ');
                out.push_str(word);
            }
        }
        out
    }
}

/// Documents being written: sentences are appended and their spans recorded.
struct Writer {
    documents: Vec<DocumentRecord>,
    chars: usize,
    per_document: usize,
    written: usize,
}

impl Writer {
    /// Appends `sentence` to the current document and returns its span.
    fn sentence(&mut self, sentence: &str) -> SpanRecord {
        if self.documents.is_empty() || self.written >= self.per_document {
            let n = self.documents.len() + 1;
            self.documents.push(DocumentRecord {
                id: format!("generated-document-{n}"),
                title: format!("Generated document {n}"),
                publisher: Some("achievement-graph generate".to_owned()),
                published_on: None,
                text: String::new(),
            });
            self.chars = 0;
            self.written = 0;
        }
        let document = self.documents.last_mut().expect("a document");
        if !document.text.is_empty() {
            document.text.push('\n');
            self.chars += 1;
        }
        let start = self.chars;
        // Generated text is ASCII, so chars and bytes agree.
        document.text.push_str(sentence);
        self.chars += sentence.len();
        self.written += 1;
        SpanRecord {
            document: document.id.clone(),
            start: start as i64,
            end: self.chars as i64,
            excerpt: sentence.to_owned(),
        }
    }
}

/// Returns a dataset of about `entities` entities, the same for the same `seed`.
pub fn generate(entities: usize, seed: u64) -> Dataset {
    let entities = entities.max(50);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let words = Words::from_article();
    let mut writer = Writer { documents: Vec::new(), chars: 0, per_document: ENTITIES_PER_DOCUMENT, written: 0 };
    let share = |fraction: f64, least: usize| ((entities as f64 * fraction) as usize).max(least);

    let countries: Vec<CountryRecord> = (1..=share(0.004, 2))
        .map(|n| CountryRecord { id: format!("country-{n}"), name: format!("{} Land {n}", words.phrase(&mut rng, 1)) })
        .collect();
    let cities: Vec<CityRecord> = (1..=share(0.02, 3))
        .map(|n| CityRecord {
            id: format!("city-{n}"),
            name: format!("{} City {n}", words.phrase(&mut rng, 1)),
            country: countries[rng.random_range(0..countries.len())].id.clone(),
        })
        .collect();
    let mut friendships = Vec::new();
    let mut pairs = std::collections::HashSet::new();
    for _ in 0..cities.len() {
        let (a, b) = (rng.random_range(0..cities.len()), rng.random_range(0..cities.len()));
        if a != b && pairs.insert((a.min(b), a.max(b))) {
            friendships.push(FriendshipRecord { cities: [cities[a].id.clone(), cities[b].id.clone()], source: None });
        }
    }
    let city = |rng: &mut ChaCha8Rng| cities[rng.random_range(0..cities.len())].id.clone();
    let organizations: Vec<OrganizationRecord> = (1..=share(0.08, 3))
        .map(|n| {
            let name = format!("{} Organization {n}", words.phrase(&mut rng, 2));
            let source = rng.random_bool(0.5).then(|| writer.sentence(&format!("{name} was founded in the city.")));
            OrganizationRecord {
                id: format!("organization-{n}"),
                kind: OrganizationKind::ALL[rng.random_range(0..OrganizationKind::ALL.len())],
                country: rng.random_bool(0.3).then(|| countries[rng.random_range(0..countries.len())].id.clone()),
                city: rng.random_bool(0.7).then(|| city(&mut rng)),
                founded_on: rng.random_bool(0.3).then(|| year(&mut rng)),
                source,
                name,
            }
        })
        .collect();
    let some_of = |rng: &mut ChaCha8Rng, ids: &[String], most: usize| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for _ in 0..rng.random_range(0..=most) {
            let id = &ids[rng.random_range(0..ids.len())];
            if !out.contains(id) {
                out.push(id.clone());
            }
        }
        out
    };
    let organization_ids: Vec<String> = organizations.iter().map(|o| o.id.clone()).collect();
    let events: Vec<EventRecord> = (1..=share(0.08, 3))
        .map(|n| {
            let name = format!("{} Festival {n}", words.phrase(&mut rng, 2));
            let (start, days) = (day(&mut rng), rng.random_range(0..10));
            let end = Date::parse(&add_days(start.as_str(), days)).unwrap_or_else(|_| start.clone());
            let sentence =
                format!("The {name} was held from {start} to {end}, {}.", words.phrase(&mut rng, 8).to_lowercase());
            EventRecord {
                id: format!("event-{n}"),
                city: Some(city(&mut rng)),
                organizers: some_of(&mut rng, &organization_ids, 2),
                source: Some(writer.sentence(&sentence)),
                start_date: Some(start),
                end_date: Some(end),
                name,
            }
        })
        .collect();
    let event_ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
    let achievements_per_list = 10;
    let lists: Vec<ListRecord> = (1..=share(0.025, 1))
        .map(|n| {
            let title = format!("Top Ten {} {n}", words.phrase(&mut rng, 3));
            ListRecord {
                id: format!("list-{n}"),
                source: writer.sentence(&format!("{title} was announced.")),
                city: city(&mut rng),
                announced_on: Some(day(&mut rng)),
                organizers: some_of(&mut rng, &organization_ids, 3),
                stages: vec!["solicitation".to_owned(), "selection".to_owned()],
                title,
            }
        })
        .collect();
    let city_ids: Vec<String> = cities.iter().map(|c| c.id.clone()).collect();
    let mut achievements = Vec::new();
    for list in &lists {
        for rank in 1..=achievements_per_list {
            let n = achievements.len() + 1;
            let (title_words, summary_words) = (rng.random_range(3..8), rng.random_range(20..60));
            let title = format!("{} {n}", words.phrase(&mut rng, title_words));
            let summary = format!("{}.", words.phrase(&mut rng, summary_words));
            let mut cities_of = some_of(&mut rng, &city_ids, 2);
            if cities_of.is_empty() {
                cities_of.push(list.city.clone());
            }
            achievements.push(AchievementRecord {
                id: format!("achievement-{n}"),
                list: list.id.clone(),
                rank,
                category: Category::ALL[rng.random_range(0..Category::ALL.len())],
                source: writer.sentence(&summary),
                summary,
                cities: cities_of,
                organizations: some_of(&mut rng, &organization_ids, 3),
                events: some_of(&mut rng, &event_ids, 2),
                title,
            });
        }
    }
    let used = countries.len() + cities.len() + organizations.len() + events.len() + lists.len() + achievements.len();
    let mut statistics = Vec::new();
    for n in 1..=entities.saturating_sub(used + entities / ENTITIES_PER_DOCUMENT + 1).max(1) {
        let (kind, id) = match rng.random_range(0..5) {
            0 => (EntityKind::List, lists[rng.random_range(0..lists.len())].id.clone()),
            1 => (EntityKind::Achievement, achievements[rng.random_range(0..achievements.len())].id.clone()),
            2 => (EntityKind::Event, events[rng.random_range(0..events.len())].id.clone()),
            3 => (EntityKind::Organization, organizations[rng.random_range(0..organizations.len())].id.clone()),
            _ => (EntityKind::City, city_ids[rng.random_range(0..city_ids.len())].clone()),
        };
        let value = rng.random_range(1..5_000_000u64);
        let unit = words.word(&mut rng).to_owned();
        let label = format!("{} {n}", words.phrase(&mut rng, 3).to_lowercase());
        let period = year(&mut rng);
        let sentence = format!("In {period}, the {label} reached {value} {unit}.");
        statistics.push(StatisticRecord {
            id: format!("statistic-{n}"),
            value: value as f64,
            qualifier: Qualifier::Exact,
            period: Some(period.as_str().to_owned()),
            subject: SubjectRecord { kind, id },
            source: writer.sentence(&sentence),
            label,
            unit,
        });
    }
    Dataset {
        format: FORMAT.to_owned(),
        documents: writer.documents,
        countries,
        cities,
        friendships,
        organizations,
        events,
        lists,
        achievements,
        statistics,
    }
}

fn year(rng: &mut ChaCha8Rng) -> Date {
    Date::parse(&rng.random_range(1978..2019).to_string()).expect("a year")
}

fn day(rng: &mut ChaCha8Rng) -> Date {
    let text =
        format!("{}-{:02}-{:02}", rng.random_range(1978..2019), rng.random_range(1..=12), rng.random_range(1..=28));
    Date::parse(&text).expect("a day of every month")
}

/// Adds days within the month (dates are generated on days 1 to 28).
fn add_days(date: &str, days: u32) -> String {
    let (head, day) = date.rsplit_once('-').unwrap_or((date, "1"));
    let day: u32 = day.parse().unwrap_or(1);
    format!("{head}-{:02}", (day + days).min(28))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_dataset_passes_validation_and_has_the_size_asked_for() {
        let dataset = generate(2_000, 7);
        assert_eq!(super::super::validate::validate(&dataset), Vec::new());
        let total = dataset.entities().len();
        assert!((1_900..=2_100).contains(&total), "{total} entities");
        assert!(dataset.achievements.len() >= 50 && dataset.statistics.len() >= 600);
    }

    #[test]
    fn the_same_seed_gives_the_same_dataset() {
        let a = serde_json::to_string(&generate(300, 42)).unwrap();
        assert_eq!(a, serde_json::to_string(&generate(300, 42)).unwrap());
        assert_ne!(a, serde_json::to_string(&generate(300, 43)).unwrap());
    }
}
