//! What each entity contributes to the index, read from the store.

use std::collections::HashMap;

use crate::error::Error;
use crate::model::{char_slice, number, Achievement, City, Country, Document, Event, Organization, Statistic, SubjectType};
use crate::store::{rel, Store};

use super::SearchType;

/// One entity as the index sees it.
#[derive(Debug, Clone)]
pub struct IndexDoc {
    pub kind: SearchType,
    pub slug: String,
    pub title: String,
    pub body: String,
    /// Names of related entities, searchable but not shown.
    pub context: String,
    pub category: Option<String>,
    pub cities: Vec<String>,
}

/// Reads every searchable entity from the store, with the names of what it relates to.
pub async fn collect(store: &Store) -> Result<Vec<IndexDoc>, Error> {
    let documents: Vec<Document> = store.all().await?;
    let countries: HashMap<String, String> =
        store.all::<Country>().await?.into_iter().map(|c| (c.id, c.name)).collect();
    let cities: Vec<City> = store.all().await?;
    let city_names: HashMap<String, String> = cities.iter().map(|c| (c.id.clone(), c.name.clone())).collect();
    let organizations: Vec<Organization> = store.all().await?;
    let events: Vec<Event> = store.all().await?;
    let achievements: Vec<Achievement> = store.all().await?;
    let statistics: Vec<Statistic> = store.all().await?;
    let texts: HashMap<&str, &str> = documents.iter().map(|d| (d.id.as_str(), d.text.as_str())).collect();
    let excerpt = |span: &crate::model::Span| {
        texts.get(span.document.as_str()).and_then(|text| char_slice(text, span.start, span.end)).unwrap_or("").to_owned()
    };
    let group = |pairs: Vec<(String, String)>| {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for (parent, name) in pairs {
            map.entry(parent).or_default().push(name);
        }
        map
    };
    let names = |pairs: Vec<(String, City)>| pairs.into_iter().map(|(p, c)| (p, c.id)).collect::<Vec<_>>();
    let achievement_cities = group(names(store.related_all(rel::CITIES_OF_ACHIEVEMENT).await?));
    let achievement_orgs = group(
        store.related_all(rel::ORGANIZATIONS_OF_ACHIEVEMENT).await?.into_iter().map(|(p, o)| (p, o.name)).collect(),
    );
    let achievement_events =
        group(store.related_all(rel::EVENTS_OF_ACHIEVEMENT).await?.into_iter().map(|(p, e)| (p, e.name)).collect());
    let event_organizers =
        group(store.related_all(rel::ORGANIZERS_OF_EVENT).await?.into_iter().map(|(p, o)| (p, o.name)).collect());
    let friends = group(names(store.related_all(rel::FRIENDS_OF_CITY).await?));
    let city_name = |id: &String| city_names.get(id).cloned().unwrap_or_default();
    let subject_names: HashMap<(SubjectType, &str), &str> = achievements
        .iter()
        .map(|a| ((SubjectType::Achievement, a.id.as_str()), a.title.as_str()))
        .chain(events.iter().map(|e| ((SubjectType::Event, e.id.as_str()), e.name.as_str())))
        .chain(organizations.iter().map(|o| ((SubjectType::Organization, o.id.as_str()), o.name.as_str())))
        .chain(cities.iter().map(|c| ((SubjectType::City, c.id.as_str()), c.name.as_str())))
        .collect();

    let mut out = Vec::new();
    for d in &documents {
        out.push(IndexDoc {
            kind: SearchType::Document,
            slug: d.id.clone(),
            title: d.title.clone(),
            body: d.text.clone(),
            context: d.publisher.clone().unwrap_or_default(),
            category: None,
            cities: Vec::new(),
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
            kind: SearchType::Achievement,
            slug: a.id.clone(),
            title: a.title.clone(),
            body: a.summary.clone(),
            context,
            category: Some(a.category.as_str().to_owned()),
            cities: linked_cities,
        });
    }
    for c in &cities {
        let friend_names: Vec<String> = friends.get(&c.id).map(|ids| ids.iter().map(city_name).collect()).unwrap_or_default();
        out.push(IndexDoc {
            kind: SearchType::City,
            slug: c.id.clone(),
            title: c.name.clone(),
            body: String::new(),
            context: format!("{}\n{}", countries.get(&c.country).cloned().unwrap_or_default(), friend_names.join("\n")),
            category: None,
            cities: vec![c.id.clone()],
        });
    }
    for o in &organizations {
        let country = o.country.as_ref().and_then(|id| countries.get(id)).cloned().unwrap_or_default();
        out.push(IndexDoc {
            kind: SearchType::Organization,
            slug: o.id.clone(),
            title: o.name.clone(),
            body: o.source.as_ref().map(excerpt).unwrap_or_default(),
            context: format!("{country}\n{}", o.city.as_ref().map(city_name).unwrap_or_default()),
            category: None,
            cities: o.city.iter().cloned().collect(),
        });
    }
    for e in &events {
        let organizers = event_organizers.get(&e.id).cloned().unwrap_or_default().join("\n");
        out.push(IndexDoc {
            kind: SearchType::Event,
            slug: e.id.clone(),
            title: e.name.clone(),
            body: e.source.as_ref().map(excerpt).unwrap_or_default(),
            context: format!("{}\n{organizers}", e.city.as_ref().map(city_name).unwrap_or_default()),
            category: None,
            cities: e.city.iter().cloned().collect(),
        });
    }
    for s in &statistics {
        let subject = subject_names.get(&(s.subject_type, s.subject_id.as_str())).copied().unwrap_or_default();
        out.push(IndexDoc {
            kind: SearchType::Statistic,
            slug: s.id.clone(),
            title: s.label.clone(),
            body: excerpt(&s.source),
            // The figure itself, in every spelling, so a search for `3,071` finds the
            // statistic of that value before others stated in the same sentence.
            context: format!("{}\n{}\n{subject}", number::spellings(s.value).join("\n"), s.unit),
            category: None,
            cities: Vec::new(),
        });
    }
    Ok(out)
}
