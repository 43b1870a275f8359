//! What each entity contributes to the index (`IndexDoc`), read from the store with the
//! names of what it relates to.

use std::collections::{HashMap, HashSet};

use crate::error::Error;
use crate::model::{
    number, Achievement, CharIndex, City, Country, Document, EntityKind, Event, Organization, Statistic,
};
use crate::search::{searchable, IndexDoc};
use crate::store::{group, rel, Entity, Rel, Store};

/// Which entities to read: all of them, or the listed ones of each kind.
#[derive(Debug, Clone)]
pub enum Scope {
    All,
    Only(HashMap<EntityKind, Vec<String>>),
}

impl Scope {
    /// Returns the scope of index keys (`TYPE:slug`); unknown keys are skipped.
    pub fn of_keys(keys: &[String]) -> Self {
        let mut ids: HashMap<EntityKind, Vec<String>> = HashMap::new();
        for key in keys {
            if let Some((kind, slug)) = key.split_once(':').and_then(|(k, s)| Some((searchable(k)?, s))) {
                ids.entry(kind).or_default().push(slug.to_owned());
            }
        }
        Self::Only(ids)
    }

    /// Reads the entities of one kind in scope.
    async fn load<T: Entity>(&self, store: &Store, kind: EntityKind) -> Result<Vec<T>, Error> {
        match self {
            Self::All => store.all().await,
            Self::Only(ids) => store.by_ids(ids.get(&kind).map(Vec::as_slice).unwrap_or_default()).await,
        }
    }

    /// Reads a relation for the entities of `kind` in scope.
    async fn related<T: Entity>(
        &self,
        store: &Store,
        relation: Rel<T>,
        parents: &[String],
    ) -> Result<Vec<(String, T)>, Error> {
        match self {
            Self::All => store.related_all(relation).await,
            Self::Only(_) => store.related(relation, parents).await,
        }
    }

    /// Reads the entities of type `T` with these ids (all of them in the `All` scope).
    async fn lookup<T: Entity>(
        &self,
        store: &Store,
        ids: impl Iterator<Item = String>,
    ) -> Result<HashMap<String, T>, Error> {
        let found: Vec<T> = match self {
            Self::All => store.all().await?,
            Self::Only(_) => {
                let wanted: HashSet<String> = ids.collect();
                store.by_ids(&wanted.into_iter().collect::<Vec<_>>()).await?
            }
        };
        Ok(found.into_iter().map(|entity| (entity.id().to_owned(), entity)).collect())
    }
}

/// Reads the searchable entities in `scope` from the store, with the names of what
/// they relate to. An entity in scope but not in the store is simply absent.
pub async fn collect(store: &Store, scope: &Scope) -> Result<Vec<IndexDoc>, Error> {
    let documents: Vec<Document> = scope.load(store, EntityKind::Document).await?;
    let cities: Vec<City> = scope.load(store, EntityKind::City).await?;
    let organizations: Vec<Organization> = scope.load(store, EntityKind::Organization).await?;
    let events: Vec<Event> = scope.load(store, EntityKind::Event).await?;
    let achievements: Vec<Achievement> = scope.load(store, EntityKind::Achievement).await?;
    let statistics: Vec<Statistic> = scope.load(store, EntityKind::Statistic).await?;
    let achievement_ids: Vec<String> = achievements.iter().map(|a| a.id.clone()).collect();
    let city_ids: Vec<String> = cities.iter().map(|c| c.id.clone()).collect();
    let event_ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();

    let pairs = |pairs: Vec<(String, City)>| pairs.into_iter().map(|(p, c)| (p, c.id));
    let linked_cities = scope.related(store, rel::CITIES_OF_ACHIEVEMENT, &achievement_ids).await?;
    let friends = scope.related(store, rel::FRIENDS_OF_CITY, &city_ids).await?;
    let achievement_orgs = group(
        scope
            .related(store, rel::ORGANIZATIONS_OF_ACHIEVEMENT, &achievement_ids)
            .await?
            .into_iter()
            .map(|(p, o)| (p, o.name)),
    );
    let achievement_events = group(
        scope.related(store, rel::EVENTS_OF_ACHIEVEMENT, &achievement_ids).await?.into_iter().map(|(p, e)| (p, e.name)),
    );
    let event_organizers =
        group(scope.related(store, rel::ORGANIZERS_OF_EVENT, &event_ids).await?.into_iter().map(|(p, o)| (p, o.name)));

    // Names of everything referenced, and the texts that spans point into.
    let city_refs = linked_cities
        .iter()
        .map(|(_, c)| c.id.clone())
        .chain(friends.iter().map(|(_, c)| c.id.clone()))
        .chain(organizations.iter().filter_map(|o| o.city.clone()))
        .chain(events.iter().filter_map(|e| e.city.clone()))
        .chain(statistics.iter().filter(|s| s.subject_type == EntityKind::City).map(|s| s.subject_id.clone()));
    let mut city_names: HashMap<String, String> =
        scope.lookup::<City>(store, city_refs).await?.into_iter().map(|(id, c)| (id, c.name)).collect();
    city_names.extend(cities.iter().map(|c| (c.id.clone(), c.name.clone())));
    let country_refs =
        cities.iter().map(|c| c.country.clone()).chain(organizations.iter().filter_map(|o| o.country.clone()));
    let countries: HashMap<String, String> =
        scope.lookup::<Country>(store, country_refs).await?.into_iter().map(|(id, c)| (id, c.name)).collect();
    let document_refs = organizations
        .iter()
        .filter_map(|o| o.source.as_ref())
        .chain(events.iter().filter_map(|e| e.source.as_ref()))
        .chain(statistics.iter().map(|s| &s.source))
        .map(|span| span.document.clone());
    // Only the documents not read above: a rebuild reads every text once, and no text is copied.
    let loaded: HashSet<&str> = documents.iter().map(|d| d.id.as_str()).collect();
    let others: HashMap<String, Document> = match scope {
        Scope::All => HashMap::new(),
        Scope::Only(_) => scope.lookup(store, document_refs.filter(|id| !loaded.contains(id.as_str()))).await?,
    };
    let texts: HashMap<&str, CharIndex<'_>> =
        others.values().chain(&documents).map(|d| (d.id.as_str(), CharIndex::new(&d.text))).collect();
    let excerpt = |span: &crate::model::Span| {
        texts.get(span.document.as_str()).and_then(|d| d.slice(span.start, span.end)).unwrap_or("").to_owned()
    };
    let subjects_of = |kind: EntityKind| {
        statistics.iter().filter(move |s| s.subject_type == kind).map(|s| s.subject_id.clone()).collect::<Vec<_>>()
    };
    let mut subject_names: HashMap<(EntityKind, String), String> = HashMap::new();
    for (id, a) in scope.lookup::<Achievement>(store, subjects_of(EntityKind::Achievement).into_iter()).await? {
        subject_names.insert((EntityKind::Achievement, id), a.title);
    }
    for (id, e) in scope.lookup::<Event>(store, subjects_of(EntityKind::Event).into_iter()).await? {
        subject_names.insert((EntityKind::Event, id), e.name);
    }
    for (id, o) in scope.lookup::<Organization>(store, subjects_of(EntityKind::Organization).into_iter()).await? {
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
    for d in &documents {
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
    for a in &achievements {
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
    for c in &cities {
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
    for o in &organizations {
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
    for e in &events {
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
    for s in &statistics {
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
