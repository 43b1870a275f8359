//! The read side of the schema: node lookup, top-level lists with filters, and lookups
//! by slug.

use async_graphql::Enum;
use async_graphql::{Context, InputObject, Object, ID};

use super::connection::{from_page, Conn, PageArgs};
use super::ids::{decode, decode_as, decode_subject};
use super::loaders::{one, GqlResult};
use super::types::{AchievementCategory, Node};
use crate::error::Error;
use crate::model::{Achievement, AchievementList, City, Country, Document, EntityKind, Event, Organization, Statistic};
use crate::store::{Condition, Entity, Filter, SortOrder, Store};

#[derive(InputObject, Default)]
pub(super) struct AchievementFilter {
    pub category: Option<AchievementCategory>,
    pub list_id: Option<ID>,
    pub city_id: Option<ID>,
}

#[derive(InputObject, Default)]
pub(super) struct StatisticFilter {
    /// The statistics of this list, achievement, event, organization or city.
    pub subject_id: Option<ID>,
    /// Exact unit, e.g. `people`.
    pub unit: Option<String>,
    pub min_value: Option<f64>,
    pub max_value: Option<f64>,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub(super) enum StatisticOrder {
    ValueAsc,
    ValueDesc,
}

/// The store conditions of `achievements(filter:)`.
pub(super) fn achievement_conditions(filter: Option<AchievementFilter>) -> Result<Filter, Error> {
    let filter = filter.unwrap_or_default();
    let mut conditions = Filter::default();
    if let Some(category) = filter.category {
        conditions.and(Condition::Category(category.into()));
    }
    if let Some(list) = &filter.list_id {
        conditions.and(Condition::InList(decode_as(list, EntityKind::List, "filter.listId")?));
    }
    if let Some(city) = &filter.city_id {
        conditions.and(Condition::LinkedToCity(decode_as(city, EntityKind::City, "filter.cityId")?));
    }
    Ok(conditions)
}

/// The store conditions and order of `statistics(filter:, orderBy:)`.
pub(super) fn statistic_conditions(
    filter: Option<StatisticFilter>,
    order_by: Option<StatisticOrder>,
) -> Result<(Filter, SortOrder), Error> {
    let filter = filter.unwrap_or_default();
    let mut conditions = Filter::default();
    if let Some(subject) = &filter.subject_id {
        conditions.and(Condition::About(decode_subject(subject, "filter.subjectId")?));
    }
    if let Some(unit) = filter.unit {
        conditions.and(Condition::Unit(unit));
    }
    let bounds: [(_, _, fn(f64) -> Condition); 2] = [
        (filter.min_value, "filter.minValue", Condition::MinValue),
        (filter.max_value, "filter.maxValue", Condition::MaxValue),
    ];
    for (value, field, condition) in bounds {
        if let Some(value) = value {
            if !value.is_finite() {
                return Err(Error::bad_input(field, "must be a finite number"));
            }
            conditions.and(condition(value));
        }
    }
    if let (Some(min), Some(max)) = (filter.min_value, filter.max_value) {
        if min > max {
            return Err(Error::bad_input(
                "filter.minValue",
                format!("minValue ({min}) is greater than maxValue ({max})"),
            ));
        }
    }
    let order = match order_by {
        None => SortOrder::Added,
        Some(StatisticOrder::ValueAsc) => SortOrder::ValueAsc,
        Some(StatisticOrder::ValueDesc) => SortOrder::ValueDesc,
    };
    Ok((conditions, order))
}

#[derive(Default)]
pub struct ReadQuery;

/// Loads any node by global ID; a well-formed ID of nothing is `None`.
async fn node(ctx: &Context<'_>, id: &str, field: &str) -> async_graphql::Result<Option<Node>> {
    let (kind, slug) = decode(id, field).gql()?;
    load_node(ctx, kind, &slug).await
}

/// Loads any node by type and slug.
pub(super) async fn load_node(ctx: &Context<'_>, kind: EntityKind, slug: &str) -> async_graphql::Result<Option<Node>> {
    let slug = slug.to_owned();
    Ok(match kind {
        EntityKind::Document => one::<Document>(ctx, &slug).await?.map(Node::Document),
        EntityKind::List => one::<AchievementList>(ctx, &slug).await?.map(Node::AchievementList),
        EntityKind::Achievement => one::<Achievement>(ctx, &slug).await?.map(Node::Achievement),
        EntityKind::Country => one::<Country>(ctx, &slug).await?.map(Node::Country),
        EntityKind::City => one::<City>(ctx, &slug).await?.map(Node::City),
        EntityKind::Organization => one::<Organization>(ctx, &slug).await?.map(Node::Organization),
        EntityKind::Event => one::<Event>(ctx, &slug).await?.map(Node::Event),
        EntityKind::Statistic => one::<Statistic>(ctx, &slug).await?.map(Node::Statistic),
    })
}

/// Reads one page of a top-level list.
async fn page<T: Entity + async_graphql::OutputType>(
    ctx: &Context<'_>,
    filter: Filter,
    order: SortOrder,
    args: PageArgs,
) -> async_graphql::Result<Conn<T>> {
    let store = ctx.data_unchecked::<Store>();
    let request = args.to_request(order).gql()?;
    // Counting is a second query over the whole filter: only when `totalCount` is asked for.
    let counted = ctx.look_ahead().field("totalCount").exists();
    let (page, total) = store.page_counted::<T>(&filter, order, &request, counted).await.gql()?;
    Ok(from_page(page, total, |item| item))
}

#[Object]
impl ReadQuery {
    /// Fetches any entity by its global ID.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        node(ctx, &id, "id").await
    }

    /// Fetches several entities by global ID, in the order given; unknown IDs give null.
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > super::connection::MAX_PAGE {
            return Err(Error::bad_input("ids", format!("at most {} ids at once", super::connection::MAX_PAGE))).gql();
        }
        // Resolved together so the loaders batch them: one store query per type.
        let lookups = ids.iter().enumerate().map(|(i, id)| async move { node(ctx, id, &format!("ids[{i}]")).await });
        async_graphql::futures_util::future::try_join_all(lookups).await
    }

    async fn documents(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Document>> {
        ctx.data_unchecked::<Store>().all().await.gql()
    }

    async fn achievement_lists(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AchievementList>> {
        ctx.data_unchecked::<Store>().all().await.gql()
    }

    async fn achievements(
        &self,
        ctx: &Context<'_>,
        filter: Option<AchievementFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Achievement>> {
        let conditions = achievement_conditions(filter).gql()?;
        page(ctx, conditions, SortOrder::Added, PageArgs { first, after, last, before }).await
    }

    /// Fetches an achievement by slug.
    async fn achievement(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<Option<Achievement>> {
        one(ctx, &slug).await
    }

    async fn cities(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<City>> {
        page(ctx, Filter::default(), SortOrder::Added, PageArgs { first, after, last, before }).await
    }

    /// Fetches a city by slug, e.g. `changchun` or `little-rock`.
    async fn city(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<Option<City>> {
        one(ctx, &slug).await
    }

    /// Fetches a country by slug.
    async fn country(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<Option<Country>> {
        one(ctx, &slug).await
    }

    /// Fetches an achievement list by slug.
    async fn achievement_list(
        &self,
        ctx: &Context<'_>,
        slug: String,
    ) -> async_graphql::Result<Option<AchievementList>> {
        one(ctx, &slug).await
    }

    /// Fetches a document by slug.
    async fn document(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<Option<Document>> {
        one(ctx, &slug).await
    }

    async fn countries(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Country>> {
        ctx.data_unchecked::<Store>().all().await.gql()
    }

    async fn organizations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Organization>> {
        page(ctx, Filter::default(), SortOrder::Added, PageArgs { first, after, last, before }).await
    }

    /// Fetches an organization by slug.
    async fn organization(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<Option<Organization>> {
        one(ctx, &slug).await
    }

    async fn events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Event>> {
        page(ctx, Filter::default(), SortOrder::Added, PageArgs { first, after, last, before }).await
    }

    /// Fetches an event by slug.
    async fn event(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<Option<Event>> {
        one(ctx, &slug).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn statistics(
        &self,
        ctx: &Context<'_>,
        filter: Option<StatisticFilter>,
        order_by: Option<StatisticOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Statistic>> {
        let (conditions, order) = statistic_conditions(filter, order_by).gql()?;
        page(ctx, conditions, order, PageArgs { first, after, last, before }).await
    }

    /// Fetches a statistic by slug.
    async fn statistic(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<Option<Statistic>> {
        one(ctx, &slug).await
    }
}
