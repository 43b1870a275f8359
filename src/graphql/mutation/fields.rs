//! The `Mutation` root: create, update and delete for every entity, the links between
//! them, and `importDataset`. Each field is one call to `write`.

use async_graphql::{Context, Enum, Json, Object, SimpleObject, ID};

use super::inputs::{
    subject, AchievementInput, AchievementListInput, AchievementListPatch, AchievementPatch, CityInput, CityPatch,
    CountryInput, CountryPatch, DocumentInput, DocumentPatch, EventInput, EventPatch, OrganizationInput,
    OrganizationPatch, SourceSpanInput, StatisticInput, StatisticPatch,
};
use super::{new_slug, write, Focus, Reads};
use crate::error::Error;
use crate::graphql::ids::{decode_as, decode_ref, encode_ref};
use crate::graphql::loaders::{one, GqlResult};
use crate::model::dataset::{Dataset, FriendshipRecord};
use crate::model::edit::ChangeKind;
use crate::model::{
    Achievement, AchievementList, City, Country, Document, EntityKind, EntityRef, Event, Organization, Statistic,
};
use crate::store::Entity;

#[derive(Default)]
pub struct MutationRoot;

/// How `importDataset` combines the file with the stored graph.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// Adds the file's entities and replaces stored ones with the same id; keeps the rest.
    Merge,
    /// Makes the graph exactly the file: what the file lacks is deleted.
    Replace,
}

/// What an import changed.
#[derive(SimpleObject)]
pub struct ImportResult {
    /// The data generation of the write; null when nothing changed.
    pub generation: Option<i64>,
    pub created: i32,
    pub updated: i32,
    pub deleted: i32,
}

/// Loads an entity after its write; it must exist.
async fn reload<T: Entity + Send>(ctx: &Context<'_>, slug: &str) -> async_graphql::Result<T> {
    one::<T>(ctx, slug)
        .await?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("`{slug}` is missing from {} right after its write", T::TABLE)))
        .gql()
}

/// Decodes the global ID of an entity of one kind.
fn target(id: &ID, kind: EntityKind, field: &str) -> Result<EntityRef, Error> {
    Ok(EntityRef::new(kind, decode_as(id, kind, field)?))
}

/// Returns the record of `target` in a collection, which the version check found.
fn record_mut<'a, R>(items: &'a mut [R], target: &EntityRef, id: impl Fn(&R) -> &str) -> Result<&'a mut R, Error> {
    items
        .iter_mut()
        .find(|item| id(item) == target.id)
        .ok_or_else(|| Error::NotFound { kind: target.kind.noun(), id: target.id.clone() })
}

/// Creates one entity: makes its slug, lets `add` put its record in the graph, writes,
/// and returns the entity as stored.
async fn create<T: Entity + Send>(
    ctx: &Context<'_>,
    operation: &'static str,
    kind: EntityKind,
    slug: Option<String>,
    name: (&str, &str),
    mut add: impl FnMut(&mut Dataset, String) -> Result<(), Error>,
) -> async_graphql::Result<T> {
    let mut made = String::new();
    write(ctx, operation, None, Reads::Around(Vec::new()), |data| {
        made = new_slug(data, kind, slug.clone(), name, "input.slug")?;
        add(data, made.clone())?;
        Ok(Focus::on(EntityRef::new(kind, made.clone()), "input"))
    })
    .await
    .gql()?;
    reload(ctx, &made).await
}

/// Updates one entity: checks its version, lets `apply` patch its record, writes, and
/// returns the entity as stored.
async fn update<T: Entity + Send>(
    ctx: &Context<'_>,
    operation: &'static str,
    id: &ID,
    kind: EntityKind,
    expected_version: Option<i64>,
    mut apply: impl FnMut(&mut Dataset, &EntityRef) -> Result<(), Error>,
) -> async_graphql::Result<T> {
    let entity = target(id, kind, "id").gql()?;
    write(ctx, operation, Some((&entity, expected_version)), Reads::Around(Vec::new()), |data| {
        apply(data, &entity)?;
        Ok(Focus::on(entity.clone(), "patch"))
    })
    .await
    .gql()?;
    reload(ctx, &entity.id).await
}

/// Deletes one entity (with its dependents when `cascade`) and returns its ID.
async fn delete(
    ctx: &Context<'_>,
    operation: &'static str,
    id: &ID,
    kind: EntityKind,
    cascade: Option<bool>,
    expected_version: Option<i64>,
) -> async_graphql::Result<ID> {
    let entity = target(id, kind, "id").gql()?;
    let cascade = cascade.unwrap_or(false);
    write(ctx, operation, Some((&entity, expected_version)), Reads::Around(Vec::new()), |data| {
        data.delete(&entity, cascade).map_err(|referrers| {
            let shown: Vec<String> = referrers.iter().take(5).map(ToString::to_string).collect();
            let more = if referrers.len() > 5 { format!(" and {} more", referrers.len() - 5) } else { String::new() };
            Error::Referenced {
                message: format!(
                    "{entity} is referenced by {}{more}: remove those references first, or pass `cascade: true` to delete what depends on it",
                    shown.join(", ")
                ),
                referrers: referrers.iter().map(|r| encode_ref(r).to_string()).collect(),
            }
        })?;
        Ok(Focus { target: None, arg: "id" })
    })
    .await
    .gql()?;
    Ok(encode_ref(&entity))
}

#[Object(name = "Mutation")]
impl MutationRoot {
    async fn create_document(&self, ctx: &Context<'_>, input: DocumentInput) -> async_graphql::Result<Document> {
        let (slug, name) = (input.slug.clone(), input.title.clone());
        create(ctx, "createDocument", EntityKind::Document, slug, (&name, "input.title"), |data, slug| {
            data.documents.push(input.clone().record(slug));
            Ok(())
        })
        .await
    }

    /// expectedVersion, when given, must equal the stored version or the update fails with CONFLICT.
    async fn update_document(
        &self,
        ctx: &Context<'_>,
        id: ID,
        patch: DocumentPatch,
        expected_version: Option<i64>,
    ) -> async_graphql::Result<Document> {
        update(ctx, "updateDocument", &id, EntityKind::Document, expected_version, |data, entity| {
            patch.clone().apply(record_mut(&mut data.documents, entity, |r| &r.id)?)
        })
        .await
    }

    /// Refused while other entities cite it, unless cascade is true.
    async fn delete_document(
        &self,
        ctx: &Context<'_>,
        id: ID,
        cascade: Option<bool>,
        expected_version: Option<i64>,
    ) -> async_graphql::Result<ID> {
        delete(ctx, "deleteDocument", &id, EntityKind::Document, cascade, expected_version).await
    }

    async fn create_country(&self, ctx: &Context<'_>, input: CountryInput) -> async_graphql::Result<Country> {
        let (slug, name) = (input.slug.clone(), input.name.clone());
        create(ctx, "createCountry", EntityKind::Country, slug, (&name, "input.name"), |data, slug| {
            data.countries.push(input.clone().record(slug));
            Ok(())
        })
        .await
    }

    async fn update_country(
        &self,
        ctx: &Context<'_>,
        id: ID,
        patch: CountryPatch,
        expected_version: Option<i64>,
    ) -> async_graphql::Result<Country> {
        update(ctx, "updateCountry", &id, EntityKind::Country, expected_version, |data, entity| {
            patch.clone().apply(record_mut(&mut data.countries, entity, |r| &r.id)?);
            Ok(())
        })
        .await
    }

    /// Refused while cities or organizations reference it, unless cascade is true.
    async fn delete_country(
        &self,
        ctx: &Context<'_>,
        id: ID,
        cascade: Option<bool>,
        expected_version: Option<i64>,
    ) -> async_graphql::Result<ID> {
        delete(ctx, "deleteCountry", &id, EntityKind::Country, cascade, expected_version).await
    }

    async fn create_city(&self, ctx: &Context<'_>, input: CityInput) -> async_graphql::Result<City> {
        let (slug, name) = (input.slug.clone(), input.name.clone());
        create(ctx, "createCity", EntityKind::City, slug, (&name, "input.name"), |data, slug| {
            data.cities.push(input.clone().record(slug)?);
            Ok(())
        })
        .await
    }

    async fn update_city(
        &self,
        ctx: &Context<'_>,
        id: ID,
        patch: CityPatch,
        expected_version: Option<i64>,
    ) -> async_graphql::Result<City> {
        update(ctx, "updateCity", &id, EntityKind::City, expected_version, |data, entity| {
            patch.clone().apply(record_mut(&mut data.cities, entity, |r| &r.id)?)
        })
        .await
    }

    /// Refused while anything references it, unless cascade is true.
    async fn delete_city(
        &self,
        ctx: &Context<'_>,
        id: ID,
        cascade: Option<bool>,
        expected_version: Option<i64>,
    ) -> async_graphql::Result<ID> {
        delete(ctx, "deleteCity", &id, EntityKind::City, cascade, expected_version).await
    }

    /// Makes two cities friendship cities (sister cities), optionally citing the source;
    /// for cities that are friends already, replaces the source.
    async fn link_cities(
        &self,
        ctx: &Context<'_>,
        city_id: ID,
        friend_id: ID,
        source: Option<SourceSpanInput>,
    ) -> async_graphql::Result<City> {
        let city = target(&city_id, EntityKind::City, "cityId").gql()?;
        let friend = target(&friend_id, EntityKind::City, "friendId").gql()?;
        write(ctx, "linkCities", Some((&city, None)), Reads::Around(vec![friend.clone()]), |data| {
            friendship_check(data, &city, &friend)?;
            let source = source.as_ref().map(|s| s.record(&data.documents, "source")).transpose()?;
            match data.friendships.iter_mut().find(|f| f.joins(&city.id, &friend.id)) {
                // Linking again with a source updates the friendship's source.
                Some(existing) if source.is_some() => existing.source = source,
                Some(_) => {
                    return Err(Error::bad_input(
                        "friendId",
                        format!("`{}` and `{}` are already friends: give a source to update it", city.id, friend.id),
                    ))
                }
                None => {
                    data.friendships.push(FriendshipRecord { cities: [city.id.clone(), friend.id.clone()], source })
                }
            }
            Ok(Focus { target: None, arg: "source" })
        })
        .await
        .gql()?;
        reload(ctx, &city.id).await
    }

    /// Ends a friendship between two cities.
    async fn unlink_cities(&self, ctx: &Context<'_>, city_id: ID, friend_id: ID) -> async_graphql::Result<City> {
        let city = target(&city_id, EntityKind::City, "cityId").gql()?;
        let friend = target(&friend_id, EntityKind::City, "friendId").gql()?;
        write(ctx, "unlinkCities", Some((&city, None)), Reads::Around(vec![friend.clone()]), |data| {
            friendship_check(data, &city, &friend)?;
            let before = data.friendships.len();
            data.friendships.retain(|f| !f.joins(&city.id, &friend.id));
            if data.friendships.len() == before {
                return Err(Error::bad_input("friendId", format!("`{}` and `{}` are not friends", city.id, friend.id)));
            }
            Ok(Focus { target: None, arg: "friendId" })
        })
        .await
        .gql()?;
        reload(ctx, &city.id).await
    }

    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        input: OrganizationInput,
    ) -> async_graphql::Result<Organization> {
        let (slug, name) = (input.slug.clone(), input.name.clone());
        create(ctx, "createOrganization", EntityKind::Organization, slug, (&name, "input.name"), |data, slug| {
            let record = input.clone().record(slug, &data.documents)?;
            data.organizations.push(record);
            Ok(())
        })
        .await
    }

    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        id: ID,
        patch: OrganizationPatch,
        expected_version: Option<i64>,
    ) -> async_graphql::Result<Organization> {
        update(ctx, "updateOrganization", &id, EntityKind::Organization, expected_version, |data, entity| {
            patch.clone().apply(record_mut(&mut data.organizations, entity, |r| &r.id)?, &data.documents)
        })
        .await
    }

    /// Refused while anything references it, unless cascade is true.
    async fn delete_organization(
        &self,
        ctx: &Context<'_>,
        id: ID,
        cascade: Option<bool>,
        expected_version: Option<i64>,
    ) -> async_graphql::Result<ID> {
        delete(ctx, "deleteOrganization", &id, EntityKind::Organization, cascade, expected_version).await
    }

    async fn create_event(&self, ctx: &Context<'_>, input: EventInput) -> async_graphql::Result<Event> {
        let (slug, name) = (input.slug.clone(), input.name.clone());
        create(ctx, "createEvent", EntityKind::Event, slug, (&name, "input.name"), |data, slug| {
            let record = input.clone().record(slug, &data.documents)?;
            data.events.push(record);
            Ok(())
        })
        .await
    }

    async fn update_event(
        &self,
        ctx: &Context<'_>,
        id: ID,
        patch: EventPatch,
        expected_version: Option<i64>,
    ) -> async_graphql::Result<Event> {
        update(ctx, "updateEvent", &id, EntityKind::Event, expected_version, |data, entity| {
            patch.clone().apply(record_mut(&mut data.events, entity, |r| &r.id)?, &data.documents)
        })
        .await
    }

    /// Refused while anything references it, unless cascade is true.
    async fn delete_event(
        &self,
        ctx: &Context<'_>,
        id: ID,
        cascade: Option<bool>,
        expected_version: Option<i64>,
    ) -> async_graphql::Result<ID> {
        delete(ctx, "deleteEvent", &id, EntityKind::Event, cascade, expected_version).await
    }

    async fn create_achievement_list(
        &self,
        ctx: &Context<'_>,
        input: AchievementListInput,
    ) -> async_graphql::Result<AchievementList> {
        let (slug, name) = (input.slug.clone(), input.title.clone());
        create(ctx, "createAchievementList", EntityKind::List, slug, (&name, "input.title"), |data, slug| {
            let record = input.clone().record(slug, &data.documents)?;
            data.lists.push(record);
            Ok(())
        })
        .await
    }

    async fn update_achievement_list(
        &self,
        ctx: &Context<'_>,
        id: ID,
        patch: AchievementListPatch,
        expected_version: Option<i64>,
    ) -> async_graphql::Result<AchievementList> {
        update(ctx, "updateAchievementList", &id, EntityKind::List, expected_version, |data, entity| {
            patch.clone().apply(record_mut(&mut data.lists, entity, |r| &r.id)?, &data.documents)
        })
        .await
    }

    /// Refused while it has achievements or statistics, unless cascade is true.
    async fn delete_achievement_list(
        &self,
        ctx: &Context<'_>,
        id: ID,
        cascade: Option<bool>,
        expected_version: Option<i64>,
    ) -> async_graphql::Result<ID> {
        delete(ctx, "deleteAchievementList", &id, EntityKind::List, cascade, expected_version).await
    }

    async fn create_achievement(
        &self,
        ctx: &Context<'_>,
        input: AchievementInput,
    ) -> async_graphql::Result<Achievement> {
        let (slug, name) = (input.slug.clone(), input.title.clone());
        create(ctx, "createAchievement", EntityKind::Achievement, slug, (&name, "input.title"), |data, slug| {
            let record = input.clone().record(slug, &data.documents)?;
            data.achievements.push(record);
            Ok(())
        })
        .await
    }

    /// expectedVersion, when given, must equal the stored version or the update fails with CONFLICT.
    async fn update_achievement(
        &self,
        ctx: &Context<'_>,
        id: ID,
        patch: AchievementPatch,
        expected_version: Option<i64>,
    ) -> async_graphql::Result<Achievement> {
        update(ctx, "updateAchievement", &id, EntityKind::Achievement, expected_version, |data, entity| {
            patch.clone().apply(record_mut(&mut data.achievements, entity, |r| &r.id)?, &data.documents)
        })
        .await
    }

    /// Refused while other entities reference it, unless cascade is true.
    async fn delete_achievement(
        &self,
        ctx: &Context<'_>,
        id: ID,
        cascade: Option<bool>,
        expected_version: Option<i64>,
    ) -> async_graphql::Result<ID> {
        delete(ctx, "deleteAchievement", &id, EntityKind::Achievement, cascade, expected_version).await
    }

    /// Links an achievement to a city, organization or event (by that entity's ID).
    async fn link_achievement(
        &self,
        ctx: &Context<'_>,
        achievement_id: ID,
        target_id: ID,
        expected_version: Option<i64>,
    ) -> async_graphql::Result<Achievement> {
        let entity = target(&achievement_id, EntityKind::Achievement, "achievementId").gql()?;
        let other = decode_ref(&target_id, "targetId").gql()?;
        write(ctx, "linkAchievement", Some((&entity, expected_version)), Reads::Around(vec![other.clone()]), |data| {
            let linked = achievement_links(data, &entity, &other)?;
            if linked.contains(&other.id) {
                return Err(Error::bad_input("targetId", format!("{entity} is already linked to {other}")));
            }
            linked.push(other.id.clone());
            Ok(Focus::on(entity.clone(), "targetId"))
        })
        .await
        .gql()?;
        reload(ctx, &entity.id).await
    }

    /// Removes the link between an achievement and a city, organization or event.
    async fn unlink_achievement(
        &self,
        ctx: &Context<'_>,
        achievement_id: ID,
        target_id: ID,
        expected_version: Option<i64>,
    ) -> async_graphql::Result<Achievement> {
        let entity = target(&achievement_id, EntityKind::Achievement, "achievementId").gql()?;
        let other = decode_ref(&target_id, "targetId").gql()?;
        write(
            ctx,
            "unlinkAchievement",
            Some((&entity, expected_version)),
            Reads::Around(vec![other.clone()]),
            |data| {
                let linked = achievement_links(data, &entity, &other)?;
                if !linked.contains(&other.id) {
                    return Err(Error::bad_input("targetId", format!("{entity} is not linked to {other}")));
                }
                linked.retain(|id| *id != other.id);
                Ok(Focus::on(entity.clone(), "targetId"))
            },
        )
        .await
        .gql()?;
        reload(ctx, &entity.id).await
    }

    async fn create_statistic(&self, ctx: &Context<'_>, input: StatisticInput) -> async_graphql::Result<Statistic> {
        let (slug, name) = (input.slug.clone(), input.label.clone());
        create(ctx, "createStatistic", EntityKind::Statistic, slug, (&name, "input.label"), |data, slug| {
            let record = input.clone().record(slug, &data.documents)?;
            data.statistics.push(record);
            Ok(())
        })
        .await
    }

    async fn update_statistic(
        &self,
        ctx: &Context<'_>,
        id: ID,
        patch: StatisticPatch,
        expected_version: Option<i64>,
    ) -> async_graphql::Result<Statistic> {
        update(ctx, "updateStatistic", &id, EntityKind::Statistic, expected_version, |data, entity| {
            patch.clone().apply(record_mut(&mut data.statistics, entity, |r| &r.id)?, &data.documents)
        })
        .await
    }

    /// Points a statistic at another subject (list, achievement, event, organization or city).
    async fn set_statistic_subject(
        &self,
        ctx: &Context<'_>,
        statistic_id: ID,
        subject_id: ID,
        expected_version: Option<i64>,
    ) -> async_graphql::Result<Statistic> {
        let entity = target(&statistic_id, EntityKind::Statistic, "statisticId").gql()?;
        let new_subject = subject(&subject_id, "subjectId").gql()?;
        write(ctx, "setStatisticSubject", Some((&entity, expected_version)), Reads::Around(Vec::new()), |data| {
            record_mut(&mut data.statistics, &entity, |r| &r.id)?.subject = new_subject.clone();
            Ok(Focus { target: Some(entity.clone()), arg: "" })
        })
        .await
        .gql()?;
        reload(ctx, &entity.id).await
    }

    async fn delete_statistic(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i64>,
    ) -> async_graphql::Result<ID> {
        delete(ctx, "deleteStatistic", &id, EntityKind::Statistic, None, expected_version).await
    }

    /// Imports a dataset in the dataset file format (see data/README.md), validated as a
    /// whole: either everything is written or nothing is.
    async fn import_dataset(
        &self,
        ctx: &Context<'_>,
        dataset: Json<serde_json::Value>,
        #[graphql(desc = "MERGE when absent or null.")] mode: Option<ImportMode>,
    ) -> async_graphql::Result<ImportResult> {
        let text = dataset.0.to_string();
        let incoming: Dataset = {
            let mut deserializer = serde_json::Deserializer::from_str(&text);
            serde_path_to_error::deserialize(&mut deserializer)
                .map_err(|error| {
                    let path = error.path().to_string();
                    let field = if path == "." { "dataset".to_owned() } else { format!("dataset.{path}") };
                    Error::bad_input(field, error.into_inner().to_string())
                })
                .gql()?
        };
        let committed = write(ctx, "importDataset", None, Reads::All, |data| {
            if incoming.format != crate::model::dataset::FORMAT {
                return Err(Error::bad_input(
                    "dataset.format",
                    format!("expected `{}`", crate::model::dataset::FORMAT),
                ));
            }
            match mode.unwrap_or(ImportMode::Merge) {
                ImportMode::Replace => *data = incoming.clone(),
                ImportMode::Merge => merge(data, &incoming),
            }
            Ok(Focus { target: None, arg: "dataset" })
        })
        .await
        .gql()?;
        let count = |kind| {
            committed.as_ref().map_or(0, |c| c.changes.iter().filter(|change| change.kind == kind).count() as i32)
        };
        Ok(ImportResult {
            generation: committed.as_ref().map(|c| c.generation),
            created: count(ChangeKind::Created),
            updated: count(ChangeKind::Updated),
            deleted: count(ChangeKind::Deleted),
        })
    }
}

/// Adds or replaces, by id, every record of `incoming`; friendships are added once.
fn merge(data: &mut Dataset, incoming: &Dataset) {
    fn upsert<R: Clone>(items: &mut Vec<R>, new: &[R], id: impl Fn(&R) -> &str) {
        for record in new {
            match items.iter_mut().find(|item| id(item) == id(record)) {
                Some(slot) => *slot = record.clone(),
                None => items.push(record.clone()),
            }
        }
    }
    upsert(&mut data.documents, &incoming.documents, |r| &r.id);
    upsert(&mut data.countries, &incoming.countries, |r| &r.id);
    upsert(&mut data.cities, &incoming.cities, |r| &r.id);
    upsert(&mut data.organizations, &incoming.organizations, |r| &r.id);
    upsert(&mut data.events, &incoming.events, |r| &r.id);
    upsert(&mut data.lists, &incoming.lists, |r| &r.id);
    upsert(&mut data.achievements, &incoming.achievements, |r| &r.id);
    upsert(&mut data.statistics, &incoming.statistics, |r| &r.id);
    for friendship in &incoming.friendships {
        let [a, b] = &friendship.cities;
        match data.friendships.iter_mut().find(|f| f.joins(a, b)) {
            Some(slot) => *slot = friendship.clone(),
            None => data.friendships.push(friendship.clone()),
        }
    }
}

fn friendship_check(data: &Dataset, city: &EntityRef, friend: &EntityRef) -> Result<(), Error> {
    if city == friend {
        return Err(Error::bad_input("friendId", "a city cannot be its own friend"));
    }
    if !data.contains(friend) {
        return Err(Error::bad_input("friendId", format!("no city has the id `{}`", friend.id)));
    }
    Ok(())
}

/// Returns the achievement's list of links of the target's kind.
fn achievement_links<'a>(
    data: &'a mut Dataset,
    achievement: &EntityRef,
    other: &EntityRef,
) -> Result<&'a mut Vec<String>, Error> {
    if !data.contains(other) {
        return Err(Error::bad_input("targetId", format!("no {} has the id `{}`", other.kind.noun(), other.id)));
    }
    let record = record_mut(&mut data.achievements, achievement, |r| &r.id)?;
    match other.kind {
        EntityKind::City => Ok(&mut record.cities),
        EntityKind::Organization => Ok(&mut record.organizations),
        EntityKind::Event => Ok(&mut record.events),
        _ => Err(Error::bad_input("targetId", "an achievement links to cities, organizations and events only")),
    }
}
