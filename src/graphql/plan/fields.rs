//! The fields a plan can answer, and what each reads: a column of the entity, another
//! entity by id, a relation, a span's excerpt, a page of a top-level list. A field not
//! listed here (`history`, search, introspection) leaves its operation to the engine.

use std::future::Future;
use std::pin::Pin;

use crate::error::Error;
use crate::graphql::types::Node;
use crate::model::EntityKind;
use crate::store::{rel, Entity, Rel, Store};

/// A relation whose target type is known only at run time.
pub(super) trait DynRel: Sync {
    fn name(&self) -> &'static str;
    /// Loads the targets of every parent, in each parent's order.
    fn load<'a>(&'static self, store: &'a Store, parents: Vec<String>) -> Loading<'a, Vec<(String, Node)>>;
}

/// A load in flight.
pub(super) type Loading<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

impl<T: Entity + Into<Node>> DynRel for Rel<T> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn load<'a>(&'static self, store: &'a Store, parents: Vec<String>) -> Loading<'a, Vec<(String, Node)>> {
        Box::pin(async move {
            let pairs = store.related(*self, &parents).await?;
            Ok(pairs.into_iter().map(|(parent, entity)| (parent, entity.into())).collect())
        })
    }
}

/// Reads the id an entity refers to, when it has one.
pub(super) type RefOf = for<'a> fn(&'a Node) -> Option<&'a str>;

/// What a field of the plan answers.
#[derive(Clone, Copy)]
pub(super) enum Fx {
    Typename,
    // An entity's own columns.
    Id,
    Version,
    Slug,
    Title,
    Name,
    Publisher,
    PublishedOn,
    Text,
    Length,
    AnnouncedOn,
    Stages,
    Rank,
    Category,
    Summary,
    Kind,
    FoundedOn,
    StartDate,
    EndDate,
    Label,
    Value,
    Unit,
    Qualifier,
    Period,
    // What an entity links to.
    Ref { kind: EntityKind, of: RefOf, required: bool },
    Rel(&'static dyn DynRel),
    FirstOf(&'static dyn DynRel),
    ConnectionOf(&'static dyn DynRel),
    Subject,
    Source,
    Stated,
    // SourceSpan, StatedFigure and TextRange.
    SpanDocument,
    SpanStart,
    SpanEnd,
    SpanExcerpt,
    StatedText,
    StatedRange,
    RangeStart,
    RangeEnd,
    // Connections.
    PageInfo,
    Edges,
    Nodes,
    TotalCount,
    HasNextPage,
    HasPreviousPage,
    StartCursor,
    EndCursor,
    EdgeNode,
    EdgeCursor,
    // The query root.
    RootNode,
    RootNodes,
    RootOne(EntityKind),
    RootAll(EntityKind),
    RootPage(EntityKind),
}

fn city_of(node: &Node) -> Option<&str> {
    match node {
        Node::AchievementList(list) => Some(&list.city),
        Node::Organization(organization) => organization.city.as_deref(),
        Node::Event(event) => event.city.as_deref(),
        _ => None,
    }
}

fn country_of(node: &Node) -> Option<&str> {
    match node {
        Node::City(city) => Some(&city.country),
        Node::Organization(organization) => organization.country.as_deref(),
        _ => None,
    }
}

fn list_of(node: &Node) -> Option<&str> {
    match node {
        Node::Achievement(achievement) => Some(&achievement.list),
        _ => None,
    }
}

/// Returns what `field` of `type_name` answers, or `None` when plans do not cover it.
pub(super) fn lookup(type_name: &str, field: &str) -> Option<Fx> {
    use EntityKind as K;
    if field == "__typename" {
        return Some(Fx::Typename);
    }
    let city = |required| Fx::Ref { kind: K::City, of: city_of, required };
    let country = |required| Fx::Ref { kind: K::Country, of: country_of, required };
    if let Some(kind) = EntityKind::from_type_name(type_name) {
        let common = match field {
            "id" => Some(Fx::Id),
            "version" => Some(Fx::Version),
            "slug" => Some(Fx::Slug),
            _ => None,
        };
        if common.is_some() {
            return common;
        }
        return match (kind, field) {
            (K::Document, "title") => Some(Fx::Title),
            (K::Document, "publisher") => Some(Fx::Publisher),
            (K::Document, "publishedOn") => Some(Fx::PublishedOn),
            (K::Document, "text") => Some(Fx::Text),
            (K::Document, "length") => Some(Fx::Length),
            (K::List, "title") => Some(Fx::Title),
            (K::List, "city") => Some(city(true)),
            (K::List, "announcedOn") => Some(Fx::AnnouncedOn),
            (K::List, "stages") => Some(Fx::Stages),
            (K::List, "organizers") => Some(Fx::Rel(&rel::ORGANIZERS_OF_LIST)),
            (K::List, "achievements") => Some(Fx::Rel(&rel::ACHIEVEMENTS_OF_LIST)),
            (K::List, "statistics") => Some(Fx::Rel(&rel::STATISTICS_OF_LIST)),
            (K::List | K::Achievement | K::Organization | K::Event | K::Statistic, "source") => Some(Fx::Source),
            (K::Achievement, "rank") => Some(Fx::Rank),
            (K::Achievement, "title") => Some(Fx::Title),
            (K::Achievement, "category") => Some(Fx::Category),
            (K::Achievement, "summary") => Some(Fx::Summary),
            (K::Achievement, "list") => Some(Fx::Ref { kind: K::List, of: list_of, required: true }),
            (K::Achievement, "cities") => Some(Fx::Rel(&rel::CITIES_OF_ACHIEVEMENT)),
            (K::Achievement, "organizations") => Some(Fx::Rel(&rel::ORGANIZATIONS_OF_ACHIEVEMENT)),
            (K::Achievement, "events") => Some(Fx::Rel(&rel::EVENTS_OF_ACHIEVEMENT)),
            (K::Achievement, "statistics") => Some(Fx::Rel(&rel::STATISTICS_IN_ACHIEVEMENT)),
            (K::Country | K::City | K::Organization | K::Event, "name") => Some(Fx::Name),
            (K::Country, "cities") => Some(Fx::Rel(&rel::CITIES_OF_COUNTRY)),
            (K::City, "country") => Some(country(true)),
            (K::City, "achievements") => Some(Fx::ConnectionOf(&rel::ACHIEVEMENTS_OF_CITY)),
            (K::City, "events") => Some(Fx::Rel(&rel::EVENTS_OF_CITY)),
            (K::City, "friendshipCities") => Some(Fx::Rel(&rel::FRIENDS_OF_CITY)),
            (K::City, "statistics") => Some(Fx::Rel(&rel::STATISTICS_OF_CITY)),
            (K::Organization, "kind") => Some(Fx::Kind),
            (K::Organization, "country") => Some(country(false)),
            (K::Organization | K::Event, "city") => Some(city(false)),
            (K::Organization, "foundedOn") => Some(Fx::FoundedOn),
            (K::Organization, "achievements") => Some(Fx::Rel(&rel::ACHIEVEMENTS_OF_ORGANIZATION)),
            (K::Organization, "events") => Some(Fx::Rel(&rel::EVENTS_OF_ORGANIZATION)),
            (K::Organization, "statistics") => Some(Fx::Rel(&rel::STATISTICS_OF_ORGANIZATION)),
            (K::Event, "startDate") => Some(Fx::StartDate),
            (K::Event, "endDate") => Some(Fx::EndDate),
            (K::Event, "organizers") => Some(Fx::Rel(&rel::ORGANIZERS_OF_EVENT)),
            (K::Event, "achievements") => Some(Fx::Rel(&rel::ACHIEVEMENTS_OF_EVENT)),
            (K::Event, "statistics") => Some(Fx::Rel(&rel::STATISTICS_OF_EVENT)),
            (K::Statistic, "label") => Some(Fx::Label),
            (K::Statistic, "value") => Some(Fx::Value),
            (K::Statistic, "unit") => Some(Fx::Unit),
            (K::Statistic, "qualifier") => Some(Fx::Qualifier),
            (K::Statistic, "period") => Some(Fx::Period),
            (K::Statistic, "subject") => Some(Fx::Subject),
            (K::Statistic, "achievement") => Some(Fx::FirstOf(&rel::ACHIEVEMENT_OF_STATISTIC)),
            (K::Statistic, "stated") => Some(Fx::Stated),
            _ => None,
        };
    }
    match (type_name, field) {
        ("Query", "node") => Some(Fx::RootNode),
        ("Query", "nodes") => Some(Fx::RootNodes),
        ("Query", "documents") => Some(Fx::RootAll(K::Document)),
        ("Query", "achievementLists") => Some(Fx::RootAll(K::List)),
        ("Query", "countries") => Some(Fx::RootAll(K::Country)),
        ("Query", "achievements") => Some(Fx::RootPage(K::Achievement)),
        ("Query", "cities") => Some(Fx::RootPage(K::City)),
        ("Query", "organizations") => Some(Fx::RootPage(K::Organization)),
        ("Query", "events") => Some(Fx::RootPage(K::Event)),
        ("Query", "statistics") => Some(Fx::RootPage(K::Statistic)),
        ("Query", "achievement") => Some(Fx::RootOne(K::Achievement)),
        ("Query", "city") => Some(Fx::RootOne(K::City)),
        ("Query", "country") => Some(Fx::RootOne(K::Country)),
        ("Query", "achievementList") => Some(Fx::RootOne(K::List)),
        ("Query", "document") => Some(Fx::RootOne(K::Document)),
        ("Query", "organization") => Some(Fx::RootOne(K::Organization)),
        ("Query", "event") => Some(Fx::RootOne(K::Event)),
        ("Query", "statistic") => Some(Fx::RootOne(K::Statistic)),
        ("SourceSpan", "document") => Some(Fx::SpanDocument),
        ("SourceSpan", "start") => Some(Fx::SpanStart),
        ("SourceSpan", "end") => Some(Fx::SpanEnd),
        ("SourceSpan", "excerpt") => Some(Fx::SpanExcerpt),
        ("StatedFigure", "text") => Some(Fx::StatedText),
        ("StatedFigure", "range") => Some(Fx::StatedRange),
        ("TextRange", "start") => Some(Fx::RangeStart),
        ("TextRange", "end") => Some(Fx::RangeEnd),
        ("PageInfo", "hasNextPage") => Some(Fx::HasNextPage),
        ("PageInfo", "hasPreviousPage") => Some(Fx::HasPreviousPage),
        ("PageInfo", "startCursor") => Some(Fx::StartCursor),
        ("PageInfo", "endCursor") => Some(Fx::EndCursor),
        (connection, field) if connection.ends_with("Connection") && is_entity_prefix(connection, "Connection") => {
            match field {
                "pageInfo" => Some(Fx::PageInfo),
                "edges" => Some(Fx::Edges),
                "nodes" => Some(Fx::Nodes),
                "totalCount" => Some(Fx::TotalCount),
                _ => None,
            }
        }
        (edge, field) if is_entity_prefix(edge, "Edge") => match field {
            "node" => Some(Fx::EdgeNode),
            "cursor" => Some(Fx::EdgeCursor),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `name` is an entity type's name followed by `suffix` (`CityEdge`), the
/// connections the read fields return (not search's).
fn is_entity_prefix(name: &str, suffix: &str) -> bool {
    name.strip_suffix(suffix).and_then(EntityKind::from_type_name).is_some()
}
