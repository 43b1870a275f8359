//! What a plan reads from the store, level by level: the walker notes what it found
//! missing (`Needs`), and each pass loads all of it at once, one query per entity kind,
//! per relation, for the excerpts and per top-level page, run concurrently.

use std::collections::{HashMap, HashSet};

use async_graphql::futures_util::future::try_join_all;

use super::fields::{DynRel, Loading};
use crate::error::Error;
use crate::graphql::types::Node;
use crate::model::{
    Achievement, AchievementList, City, Country, Document, EntityKind, Event, Organization, Span, Statistic,
};
use crate::store::{Entity, Filter, PageRequest, SortOrder, Store};

/// Everything loaded so far for one run of a plan.
#[derive(Default)]
pub(super) struct Data {
    /// Entities by kind and slug; `None` for a slug the store does not have.
    pub nodes: HashMap<(EntityKind, String), Option<Node>>,
    /// Each relation's targets by parent slug.
    pub rels: HashMap<(&'static str, String), Vec<Node>>,
    /// The text of each span; empty when its document is gone.
    pub excerpts: HashMap<Span, String>,
    /// The page each top-level list field read, by the field's position in the root.
    pub pages: HashMap<usize, Paged>,
    /// Every entity of a kind, in the order they were added.
    pub alls: HashMap<EntityKind, Vec<Node>>,
}

/// One page of a top-level list.
pub(super) struct Paged {
    pub items: Vec<(String, Node)>,
    pub has_previous_page: bool,
    pub has_next_page: bool,
    pub total: i64,
}

/// A page a walk asked for.
pub(super) struct PageNeed {
    pub at: usize,
    pub kind: EntityKind,
    pub filter: Filter,
    pub order: SortOrder,
    pub request: PageRequest,
    pub counted: bool,
}

/// What a walk found missing.
#[derive(Default)]
pub(super) struct Needs {
    pub nodes: HashSet<(EntityKind, String)>,
    pub rels: HashMap<&'static str, (&'static dyn DynRel, HashSet<String>)>,
    pub excerpts: HashSet<Span>,
    pub pages: Vec<PageNeed>,
    pub alls: HashSet<EntityKind>,
}

impl Needs {
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
            && self.rels.is_empty()
            && self.excerpts.is_empty()
            && self.pages.is_empty()
            && self.alls.is_empty()
    }

    pub fn rel(&mut self, rel: &'static dyn DynRel, parent: &str) {
        self.rels.entry(rel.name()).or_insert_with(|| (rel, HashSet::new())).1.insert(parent.to_owned());
    }
}

/// Something one pass loads.
enum Loaded {
    Nodes(EntityKind, Vec<String>, Vec<Node>),
    Rel(&'static str, Vec<String>, Vec<(String, Node)>),
    Excerpts(Vec<Span>, Vec<(Span, String)>),
    Page(usize, Paged),
    All(EntityKind, Vec<Node>),
}

/// Loads everything `needs` names, concurrently, into `data`.
pub(super) async fn load(store: &Store, needs: Needs, data: &mut Data) -> Result<(), Error> {
    let mut loads: Vec<Loading<'_, Loaded>> = Vec::new();
    let mut by_kind: HashMap<EntityKind, Vec<String>> = HashMap::new();
    for (kind, slug) in needs.nodes {
        by_kind.entry(kind).or_default().push(slug);
    }
    for (kind, slugs) in by_kind {
        loads.push(Box::pin(async move {
            let found = by_ids(store, kind, &slugs).await?;
            Ok(Loaded::Nodes(kind, slugs, found))
        }));
    }
    for (name, (rel, parents)) in needs.rels {
        let parents: Vec<String> = parents.into_iter().collect();
        loads.push(Box::pin(async move {
            let pairs = rel.load(store, parents.clone()).await?;
            Ok(Loaded::Rel(name, parents, pairs))
        }));
    }
    if !needs.excerpts.is_empty() {
        let spans: Vec<Span> = needs.excerpts.into_iter().collect();
        loads.push(Box::pin(async move {
            let found = store.excerpts(&spans).await?;
            Ok(Loaded::Excerpts(spans, found))
        }));
    }
    for need in needs.pages {
        loads.push(Box::pin(async move {
            let at = need.at;
            Ok(Loaded::Page(at, page(store, need).await?))
        }));
    }
    for kind in needs.alls {
        loads.push(Box::pin(async move { Ok(Loaded::All(kind, all(store, kind).await?)) }));
    }
    for loaded in try_join_all(loads).await? {
        match loaded {
            Loaded::Nodes(kind, slugs, found) => {
                for slug in slugs {
                    data.nodes.entry((kind, slug)).or_insert(None);
                }
                for node in found {
                    data.nodes.insert((kind, identity(&node).slug.to_owned()), Some(node));
                }
            }
            Loaded::Rel(name, parents, pairs) => {
                for parent in parents {
                    data.rels.entry((name, parent)).or_default();
                }
                for (parent, node) in pairs {
                    data.rels.entry((name, parent)).or_default().push(node);
                }
            }
            Loaded::Excerpts(spans, found) => {
                for span in spans {
                    data.excerpts.entry(span).or_default();
                }
                data.excerpts.extend(found);
            }
            Loaded::Page(at, paged) => {
                data.pages.insert(at, paged);
            }
            Loaded::All(kind, nodes) => {
                data.alls.insert(kind, nodes);
            }
        }
    }
    Ok(())
}

/// What names an entity: its kind, slug and version.
pub(super) struct Identity<'n> {
    pub kind: EntityKind,
    pub slug: &'n str,
    pub version: i64,
}

/// Returns what names the entity inside a node.
pub(super) fn identity(node: &Node) -> Identity<'_> {
    fn of<T: Entity>(entity: &T, version: i64) -> Identity<'_> {
        Identity { kind: T::KIND, slug: entity.id(), version }
    }
    match node {
        Node::Document(entity) => of(entity, entity.version),
        Node::AchievementList(entity) => of(entity, entity.version),
        Node::Achievement(entity) => of(entity, entity.version),
        Node::Country(entity) => of(entity, entity.version),
        Node::City(entity) => of(entity, entity.version),
        Node::Organization(entity) => of(entity, entity.version),
        Node::Event(entity) => of(entity, entity.version),
        Node::Statistic(entity) => of(entity, entity.version),
    }
}

/// Runs `$body` with `$T` bound to the entity type of `$kind`, wrapping each result in `Node`.
macro_rules! for_kind {
    ($kind:expr, $T:ident => $body:expr) => {
        match $kind {
            EntityKind::Document => {
                type $T = Document;
                $body
            }
            EntityKind::List => {
                type $T = AchievementList;
                $body
            }
            EntityKind::Achievement => {
                type $T = Achievement;
                $body
            }
            EntityKind::Country => {
                type $T = Country;
                $body
            }
            EntityKind::City => {
                type $T = City;
                $body
            }
            EntityKind::Organization => {
                type $T = Organization;
                $body
            }
            EntityKind::Event => {
                type $T = Event;
                $body
            }
            EntityKind::Statistic => {
                type $T = Statistic;
                $body
            }
        }
    };
}

async fn by_ids(store: &Store, kind: EntityKind, slugs: &[String]) -> Result<Vec<Node>, Error> {
    for_kind!(kind, T => Ok(store.by_ids::<T>(slugs).await?.into_iter().map(Node::from).collect()))
}

async fn all(store: &Store, kind: EntityKind) -> Result<Vec<Node>, Error> {
    for_kind!(kind, T => Ok(store.all::<T>().await?.into_iter().map(Node::from).collect()))
}

async fn page(store: &Store, need: PageNeed) -> Result<Paged, Error> {
    let PageNeed { kind, filter, order, request, counted, .. } = need;
    for_kind!(kind, T => {
        let (page, total) = store.page_counted::<T>(&filter, order, &request, counted).await?;
        Ok(Paged {
            items: page.items.into_iter().map(|(cursor, item)| (cursor.encode(), Node::from(item))).collect(),
            has_previous_page: page.has_previous_page,
            has_next_page: page.has_next_page,
            total,
        })
    })
}
