//! What each entity contributes to the index (`IndexDoc`), read from the store with the
//! names of what it relates to: for the entities a write touched (`collect`), or for the
//! whole graph kind by kind and page by page (`stream`), so that a rebuild holds one page
//! and the names it refers to, never the whole graph.

use std::collections::{HashMap, HashSet};
use std::future::Future;

use crate::error::Error;
use crate::model::{
    number, Achievement, CharIndex, City, Country, Document, EntityKind, Event, Organization, Span, Statistic,
};
use crate::search::{searchable, IndexDoc};
use crate::store::{group, rel, Cursor, Entity, Filter, PageRequest, SortOrder, Store};

/// How many entities of a kind one page of a rebuild reads...
pub const PAGE: usize = 1000;

/// ...and at most how many documents, whose texts are long.
const DOCUMENT_PAGE: usize = 8;

/// Which entities to read: the listed ones of each kind.
#[derive(Debug, Clone, Default)]
pub struct Scope(HashMap<EntityKind, Vec<String>>);

impl Scope {
    /// Returns the scope of index keys (`TYPE:slug`); unknown keys are skipped.
    pub fn of_keys(keys: &[String]) -> Self {
        let mut ids: HashMap<EntityKind, Vec<String>> = HashMap::new();
        for key in keys {
            if let Some((kind, slug)) = key.split_once(':').and_then(|(k, s)| Some((searchable(k)?, s))) {
                ids.entry(kind).or_default().push(slug.to_owned());
            }
        }
        Self(ids)
    }

    fn ids(&self, kind: EntityKind) -> &[String] {
        self.0.get(&kind).map(Vec::as_slice).unwrap_or_default()
    }
}

/// The entities one pass shapes into documents.
#[derive(Default)]
struct Entities {
    documents: Vec<Document>,
    cities: Vec<City>,
    organizations: Vec<Organization>,
    events: Vec<Event>,
    achievements: Vec<Achievement>,
    statistics: Vec<Statistic>,
}

impl Entities {
    async fn of(store: &Store, scope: &Scope) -> Result<Self, Error> {
        Ok(Self {
            documents: store.by_ids(scope.ids(EntityKind::Document)).await?,
            cities: store.by_ids(scope.ids(EntityKind::City)).await?,
            organizations: store.by_ids(scope.ids(EntityKind::Organization)).await?,
            events: store.by_ids(scope.ids(EntityKind::Event)).await?,
            achievements: store.by_ids(scope.ids(EntityKind::Achievement)).await?,
            statistics: store.by_ids(scope.ids(EntityKind::Statistic)).await?,
        })
    }
}

/// Reads the searchable entities in `scope` from the store, with the names of what
/// they relate to. An entity in scope but not in the store is simply absent.
pub async fn collect(store: &Store, scope: &Scope) -> Result<Vec<IndexDoc>, Error> {
    shape(store, &Entities::of(store, scope).await?, &mut Texts::default()).await
}

/// Reads every searchable entity's document at once (for tools that need them all, such
/// as the benchmarks feeding the same documents to other engines; a rebuild streams).
pub async fn collect_all(store: &Store) -> Result<Vec<IndexDoc>, Error> {
    let mut all = Vec::new();
    stream(store, PAGE, |docs| {
        all.extend(docs);
        async { true }
    })
    .await?;
    Ok(all)
}

/// The texts that spans point into, kept from one page to the next: entities added
/// together cite the same documents, so a page mostly reuses the last page's texts.
#[derive(Default)]
struct Texts(HashMap<String, String>);

impl Texts {
    /// Holds the texts of exactly the documents `spans` point into (unknown ones aside),
    /// reading only those the last page did not cite and those not `loaded` already.
    async fn cover<'a>(
        &mut self,
        store: &Store,
        spans: impl Iterator<Item = &'a Span>,
        loaded: &[Document],
    ) -> Result<(), Error> {
        let wanted: HashSet<&str> = spans.map(|span| span.document.as_str()).collect();
        self.0.retain(|id, _| wanted.contains(id.as_str()));
        let missing: Vec<String> = wanted
            .into_iter()
            .filter(|id| !self.0.contains_key(*id) && !loaded.iter().any(|d| d.id == *id))
            .map(str::to_owned)
            .collect();
        for document in store.by_ids::<Document>(&missing).await? {
            self.0.insert(document.id, document.text);
        }
        Ok(())
    }
}

/// Reads every searchable entity, kind by kind in pages of `page` in the order they were
/// added, and hands each page's documents to `sink` before reading the next, so reading
/// overlaps with whatever `sink` feeds. Stops early, returning false, when `sink` does.
pub async fn stream<F, Fut>(store: &Store, page: usize, mut sink: F) -> Result<bool, Error>
where
    F: FnMut(Vec<IndexDoc>) -> Fut,
    Fut: Future<Output = bool>,
{
    let mut texts = Texts::default();
    // Documents first, while the writer's buffers are empty: their texts are long.
    let kinds = [
        EntityKind::Document,
        EntityKind::Achievement,
        EntityKind::City,
        EntityKind::Organization,
        EntityKind::Event,
        EntityKind::Statistic,
    ];
    debug_assert!(EntityKind::SEARCHABLE.iter().all(|kind| kinds.contains(kind)));
    for kind in kinds {
        let mut after = None;
        loop {
            let mut read = Entities::default();
            let more = match kind {
                EntityKind::Document => {
                    next_page(store, &mut after, page.min(DOCUMENT_PAGE), &mut read.documents).await?
                }
                EntityKind::City => next_page(store, &mut after, page, &mut read.cities).await?,
                EntityKind::Organization => next_page(store, &mut after, page, &mut read.organizations).await?,
                EntityKind::Event => next_page(store, &mut after, page, &mut read.events).await?,
                EntityKind::Achievement => next_page(store, &mut after, page, &mut read.achievements).await?,
                EntityKind::Statistic => next_page(store, &mut after, page, &mut read.statistics).await?,
                _ => false,
            };
            let docs = shape(store, &read, &mut texts).await?;
            if !docs.is_empty() && !sink(docs).await {
                return Ok(false);
            }
            if !more {
                break;
            }
        }
    }
    Ok(true)
}

/// Reads the page of `T` after `after` into `into`, moves `after` to its end, and returns
/// whether more follow.
async fn next_page<T: Entity>(
    store: &Store,
    after: &mut Option<Cursor>,
    limit: usize,
    into: &mut Vec<T>,
) -> Result<bool, Error> {
    let request = PageRequest { after: *after, limit, ..PageRequest::default() };
    let page = store.page::<T>(&Filter::default(), SortOrder::Added, &request).await?;
    *after = page.items.last().map(|(cursor, _)| *cursor).or(*after);
    into.extend(page.items.into_iter().map(|(_, entity)| entity));
    Ok(page.has_next_page)
}

/// Returns the entities of type `T` with these ids, by id.
async fn lookup<T: Entity>(store: &Store, ids: impl Iterator<Item = String>) -> Result<HashMap<String, T>, Error> {
    let wanted: HashSet<String> = ids.collect();
    let found: Vec<T> = store.by_ids(&wanted.into_iter().collect::<Vec<_>>()).await?;
    Ok(found.into_iter().map(|entity| (entity.id().to_owned(), entity)).collect())
}

/// Shapes the documents of `entities`, reading the names of what they relate to and the
/// texts their spans point into.
async fn shape(store: &Store, entities: &Entities, texts: &mut Texts) -> Result<Vec<IndexDoc>, Error> {
    let Entities { documents, cities, organizations, events, achievements, statistics } = entities;
    let achievement_ids: Vec<String> = achievements.iter().map(|a| a.id.clone()).collect();
    let city_ids: Vec<String> = cities.iter().map(|c| c.id.clone()).collect();
    let event_ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();

    let pairs = |pairs: Vec<(String, City)>| pairs.into_iter().map(|(p, c)| (p, c.id));
    let linked_cities = store.related(rel::CITIES_OF_ACHIEVEMENT, &achievement_ids).await?;
    let friends = store.related(rel::FRIENDS_OF_CITY, &city_ids).await?;
    let achievement_orgs = group(
        store.related(rel::ORGANIZATIONS_OF_ACHIEVEMENT, &achievement_ids).await?.into_iter().map(|(p, o)| (p, o.name)),
    );
    let achievement_events =
        group(store.related(rel::EVENTS_OF_ACHIEVEMENT, &achievement_ids).await?.into_iter().map(|(p, e)| (p, e.name)));
    let event_organizers =
        group(store.related(rel::ORGANIZERS_OF_EVENT, &event_ids).await?.into_iter().map(|(p, o)| (p, o.name)));

    // Names of everything referenced, and the excerpts that spans point at.
    let city_refs = linked_cities
        .iter()
        .map(|(_, c)| c.id.clone())
        .chain(friends.iter().map(|(_, c)| c.id.clone()))
        .chain(organizations.iter().filter_map(|o| o.city.clone()))
        .chain(events.iter().filter_map(|e| e.city.clone()))
        .chain(statistics.iter().filter(|s| s.subject_type == EntityKind::City).map(|s| s.subject_id.clone()));
    let mut city_names: HashMap<String, String> =
        lookup::<City>(store, city_refs).await?.into_iter().map(|(id, c)| (id, c.name)).collect();
    city_names.extend(cities.iter().map(|c| (c.id.clone(), c.name.clone())));
    let country_refs =
        cities.iter().map(|c| c.country.clone()).chain(organizations.iter().filter_map(|o| o.country.clone()));
    let countries: HashMap<String, String> =
        lookup::<Country>(store, country_refs).await?.into_iter().map(|(id, c)| (id, c.name)).collect();
    let spans = organizations
        .iter()
        .filter_map(|o| o.source.as_ref())
        .chain(events.iter().filter_map(|e| e.source.as_ref()))
        .chain(statistics.iter().map(|s| &s.source));
    texts.cover(store, spans, documents).await?;
    let loaded = documents.iter().map(|d| (d.id.as_str(), d.text.as_str()));
    let cut: HashMap<&str, CharIndex<'_>> = texts
        .0
        .iter()
        .map(|(id, text)| (id.as_str(), text.as_str()))
        .chain(loaded)
        .map(|(id, text)| (id, CharIndex::new(text)))
        .collect();
    let excerpt = |span: &Span| {
        cut.get(span.document.as_str()).and_then(|d| d.slice(span.start, span.end)).unwrap_or("").to_owned()
    };
    let subjects_of = |kind: EntityKind| {
        statistics.iter().filter(move |s| s.subject_type == kind).map(|s| s.subject_id.clone()).collect::<Vec<_>>()
    };
    let mut subject_names: HashMap<(EntityKind, String), String> = HashMap::new();
    for (id, a) in lookup::<Achievement>(store, subjects_of(EntityKind::Achievement).into_iter()).await? {
        subject_names.insert((EntityKind::Achievement, id), a.title);
    }
    for (id, e) in lookup::<Event>(store, subjects_of(EntityKind::Event).into_iter()).await? {
        subject_names.insert((EntityKind::Event, id), e.name);
    }
    for (id, o) in lookup::<Organization>(store, subjects_of(EntityKind::Organization).into_iter()).await? {
        subject_names.insert((EntityKind::Organization, id), o.name);
    }
    for id in subjects_of(EntityKind::City) {
        if let Some(name) = city_names.get(&id) {
            subject_names.insert((EntityKind::City, id), name.clone());
        }
    }
    let achievement_cities = group(pairs(linked_cities));
    let friends = group(pairs(friends));
    let city_name = |id: &String| city_names.get(id).cloned().unwrap_or_default();

    let mut out = Vec::new();
    for d in documents {
        out.push(IndexDoc {
            kind: EntityKind::Document,
            slug: d.id.clone(),
            title: d.title.clone(),
            body: d.text.clone(),
            context: d.publisher.clone().unwrap_or_default(),
            category: None,
            cities: Vec::new(),
            node: json(d)?,
        });
    }
    for a in achievements {
        let linked_cities = achievement_cities.get(&a.id).cloned().unwrap_or_default();
        let context = [
            linked_cities.iter().map(city_name).collect::<Vec<_>>(),
            achievement_orgs.get(&a.id).cloned().unwrap_or_default(),
            achievement_events.get(&a.id).cloned().unwrap_or_default(),
        ]
        .concat()
        .join("\n");
        out.push(IndexDoc {
            kind: EntityKind::Achievement,
            slug: a.id.clone(),
            title: a.title.clone(),
            body: a.summary.clone(),
            context,
            category: Some(a.category.as_str().to_owned()),
            cities: linked_cities,
            node: json(a)?,
        });
    }
    for c in cities {
        let friend_names: Vec<String> =
            friends.get(&c.id).map(|ids| ids.iter().map(city_name).collect()).unwrap_or_default();
        out.push(IndexDoc {
            kind: EntityKind::City,
            slug: c.id.clone(),
            title: c.name.clone(),
            body: String::new(),
            context: format!("{}\n{}", countries.get(&c.country).cloned().unwrap_or_default(), friend_names.join("\n")),
            category: None,
            cities: vec![c.id.clone()],
            node: json(c)?,
        });
    }
    for o in organizations {
        let country = o.country.as_ref().and_then(|id| countries.get(id)).cloned().unwrap_or_default();
        out.push(IndexDoc {
            kind: EntityKind::Organization,
            slug: o.id.clone(),
            title: o.name.clone(),
            body: o.source.as_ref().map(excerpt).unwrap_or_default(),
            context: format!("{country}\n{}", o.city.as_ref().map(city_name).unwrap_or_default()),
            category: None,
            cities: o.city.iter().cloned().collect(),
            node: json(o)?,
        });
    }
    for e in events {
        let organizers = event_organizers.get(&e.id).cloned().unwrap_or_default().join("\n");
        out.push(IndexDoc {
            kind: EntityKind::Event,
            slug: e.id.clone(),
            title: e.name.clone(),
            body: e.source.as_ref().map(excerpt).unwrap_or_default(),
            context: format!("{}\n{organizers}", e.city.as_ref().map(city_name).unwrap_or_default()),
            category: None,
            cities: e.city.iter().cloned().collect(),
            node: json(e)?,
        });
    }
    for s in statistics {
        let subject = subject_names.get(&(s.subject_type, s.subject_id.clone())).cloned().unwrap_or_default();
        out.push(IndexDoc {
            kind: EntityKind::Statistic,
            slug: s.id.clone(),
            title: s.label.clone(),
            body: excerpt(&s.source),
            // The figure itself, in every spelling, so a search for `3,071` finds the
            // statistic of that value before others stated in the same sentence.
            context: format!("{}\n{}\n{subject}", number::spellings(s.value).join("\n"), s.unit),
            category: None,
            cities: Vec::new(),
            node: json(s)?,
        });
    }
    Ok(out)
}

/// The entity as the index stores it for results.
fn json(entity: &impl serde::Serialize) -> Result<String, Error> {
    serde_json::to_string(entity).map_err(|error| Error::Internal(error.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::dataset::Dataset;

    /// Everything the index is given for a document, for comparing two reads.
    fn seen(mut docs: Vec<IndexDoc>) -> Vec<String> {
        docs.sort_by_key(IndexDoc::key);
        docs.iter()
            .map(|d| {
                format!(
                    "{} {:?} {:?} {:?} {:?} {:?} {}",
                    d.key(),
                    d.title,
                    d.body,
                    d.context,
                    d.category,
                    d.cities,
                    d.node
                )
            })
            .collect()
    }

    #[tokio::test]
    async fn a_graph_read_in_pages_gives_the_documents_a_read_of_every_entity_by_id_gives() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("graph.db").display())).await.unwrap();
        store.import(&Dataset::bundled(), "test").await.unwrap();
        let mut streamed = Vec::new();
        let mut pages = 0;
        let whole = stream(&store, 7, |docs| {
            pages += 1;
            streamed.extend(docs);
            async { true }
        })
        .await
        .unwrap();
        assert!(whole, "read to the end");
        let keys: Vec<String> = streamed.iter().map(IndexDoc::key).collect();
        let statistics: Vec<Statistic> = store.all().await.unwrap();
        assert!(pages > statistics.len() / 7, "statistics alone take {} pages, read in {pages}", statistics.len() / 7);
        let scoped = collect(&store, &Scope::of_keys(&keys)).await.unwrap();
        assert_eq!(scoped.len(), keys.len());
        let streamed = seen(streamed);
        assert_eq!(streamed, seen(scoped));
        let figure =
            streamed.iter().find(|d| d.starts_with("STATISTIC:") && d.contains("3,071")).expect("3,071 indexed");
        assert!(figure.contains("registered"), "its source sentence is its body: {figure}");

        let mut stopped_after = 0;
        let whole = stream(&store, 7, |_| {
            stopped_after += 1;
            async { false }
        })
        .await
        .unwrap();
        assert!(!whole && stopped_after == 1, "a sink that says stop is not sent more");
    }
}
