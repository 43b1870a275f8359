//! Writing a plan's answer: the walker goes down the plan over what is loaded, writing
//! JSON bytes as it goes, and notes what it finds missing; `run` loads that and walks
//! again until nothing is. Anything the engine would answer with an error (an argument
//! it refuses, a reference the store cannot give) stops the walk: the engine answers
//! instead, so errors keep their messages, codes and paths.

use std::collections::HashMap;
use std::io::Write;

use async_graphql::{InputType, Name, Value as ConstValue, Variables, ID};

use super::compile::{Obj, Pf, Plan, Sub, INPUT_TYPES};
use super::fields::DynRel;
use super::fields::Fx;
use super::load::{identity, Data, Needs, PageNeed};
use super::Fallback;
use crate::graphql::connection::{encode_offset, PageArgs, MAX_PAGE};
use crate::graphql::ids::{decode, encode};
use crate::graphql::query::{
    achievement_conditions, statistic_conditions, AchievementFilter, StatisticFilter, StatisticOrder,
};
use crate::graphql::types::{AchievementCategory, Node, OrganizationKind, StatisticQualifier};
use crate::model::{number, EntityKind, Span};
use crate::store::{Filter, SortOrder};

/// The values of a run's variables: those given, else the declared defaults (null for
/// a nullable variable without one), each checked against its type as the engine does.
pub(super) struct Vars(HashMap<Name, ConstValue>);

impl Vars {
    pub fn new(plan: &Plan, given: &Variables) -> Result<Self, Fallback> {
        let mut values = HashMap::with_capacity(plan.variables.len());
        for definition in &plan.variables {
            let value = given.get(&definition.name).or(definition.default.as_ref());
            if !fits(&definition.ty, value) {
                return Err(Fallback("a variable does not fit its type"));
            }
            values.insert(definition.name.clone(), value.cloned().unwrap_or(ConstValue::Null));
        }
        Ok(Self(values))
    }
}

/// Whether a variable's value coerces to its type (a single value fits a list type).
fn fits(ty: &async_graphql::parser::types::Type, value: Option<&ConstValue>) -> bool {
    use async_graphql::parser::types::BaseType;
    let value = match value {
        None | Some(ConstValue::Null) => return ty.nullable,
        Some(value) => value,
    };
    match &ty.base {
        BaseType::List(inner) => match value {
            ConstValue::List(items) => items.iter().all(|item| fits(inner, Some(item))),
            single => fits(inner, Some(single)),
        },
        BaseType::Named(name) => {
            let value = Some(value.clone());
            match INPUT_TYPES.iter().position(|known| known == name) {
                Some(0) => i32::parse(value).is_ok(),
                Some(1) => f64::parse(value).is_ok(),
                Some(2) => String::parse(value).is_ok(),
                Some(3) => bool::parse(value).is_ok(),
                Some(4) => ID::parse(value).is_ok(),
                Some(5) => AchievementCategory::parse(value).is_ok(),
                Some(6) => StatisticOrder::parse(value).is_ok(),
                Some(7) => AchievementFilter::parse(value).is_ok(),
                Some(8) => StatisticFilter::parse(value).is_ok(),
                _ => false,
            }
        }
    }
}

/// What a walk ended with.
pub(super) enum Walked {
    /// The whole answer, `{"data":...}`.
    Done(Vec<u8>),
    /// What has to be loaded before the next walk.
    More(Needs),
}

/// Walks the plan once over `data`.
pub(super) fn walk(plan: &Plan, vars: &Vars, data: &Data) -> Result<Walked, Fallback> {
    let mut walker = Walker { vars, data, needs: Needs::default(), out: Vec::with_capacity(1024) };
    walker.out.extend_from_slice(b"{\"data\":");
    walker.obj(&plan.root, At::Root)?;
    walker.out.push(b'}');
    Ok(if walker.needs.is_empty() { Walked::Done(walker.out) } else { Walked::More(walker.needs) })
}

type Step = Result<(), Fallback>;

/// A connection's page, as its fields read it.
struct Window<'v> {
    items: Vec<(String, &'v Node)>,
    has_previous_page: bool,
    has_next_page: bool,
    total: i64,
}

/// The value an object of the plan is written from.
#[derive(Clone, Copy)]
enum At<'v> {
    Root,
    Node(&'v Node),
    Span(&'v Span),
    Stated(&'v str, i64, i64),
    Range(i64, i64),
    Connection(&'v Window<'v>),
    PageInfo(&'v Window<'v>),
    Edge(&'v str, &'v Node),
}

struct Walker<'a> {
    vars: &'a Vars,
    data: &'a Data,
    needs: Needs,
    out: Vec<u8>,
}

fn wrong() -> Fallback {
    Fallback("a field met a value it does not answer")
}

impl<'a> Walker<'a> {
    fn obj(&mut self, obj: &Obj, at: At<'_>) -> Step {
        if obj.fields.is_empty() {
            // Every field was skipped: the engine answers null.
            self.out.extend_from_slice(b"null");
            return Ok(());
        }
        self.out.push(b'{');
        for (i, pf) in obj.fields.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.out.extend_from_slice(pf.key.as_bytes());
            self.field(obj, pf, at, i)?;
        }
        self.out.push(b'}');
        Ok(())
    }

    /// Writes an entity as the field's selection asks.
    fn entity(&mut self, sub: &Sub, node: &Node) -> Step {
        match sub {
            Sub::One(obj) => self.obj(obj, At::Node(node)),
            Sub::Each(each) => {
                let kind = identity(node).kind;
                let (_, obj) = each.iter().find(|(k, _)| *k == kind).ok_or_else(wrong)?;
                self.obj(obj, At::Node(node))
            }
            Sub::Leaf => Err(wrong()),
        }
    }

    fn entities<'n>(&mut self, sub: &Sub, nodes: impl Iterator<Item = &'n Node>) -> Step {
        self.out.push(b'[');
        for (i, node) in nodes.enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.entity(sub, node)?;
        }
        self.out.push(b']');
        Ok(())
    }

    fn object_of(&mut self, sub: &Sub, at: At<'_>) -> Step {
        match sub {
            Sub::One(obj) => self.obj(obj, at),
            _ => Err(wrong()),
        }
    }

    fn null(&mut self) -> Step {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn string(&mut self, text: &str) -> Step {
        serde_json::to_writer(&mut self.out, text).map_err(|_| wrong())
    }

    fn int(&mut self, value: i64) -> Step {
        write!(self.out, "{value}").map_err(|_| wrong())
    }

    fn bool(&mut self, value: bool) -> Step {
        self.out.extend_from_slice(if value { b"true" } else { b"false" });
        Ok(())
    }

    fn optional(&mut self, text: Option<&str>) -> Step {
        match text {
            Some(text) => self.string(text),
            None => self.null(),
        }
    }

    /// Reads an argument as the engine's resolver would, with variables in place.
    fn arg<T: InputType>(&self, pf: &Pf, name: &str) -> Result<T, Fallback> {
        let value = pf.args.iter().find(|(arg, _)| arg.as_str() == name).map(|(_, value)| {
            value.clone().into_const_with(|var| Ok::<_, std::convert::Infallible>(self.var(&var))).unwrap_or_default()
        });
        T::parse(value).map_err(|_| Fallback("an argument does not parse"))
    }

    fn var(&self, name: &Name) -> ConstValue {
        self.vars.0.get(name).cloned().unwrap_or(ConstValue::Null)
    }

    fn page_args(&self, pf: &Pf) -> Result<PageArgs, Fallback> {
        Ok(PageArgs {
            first: self.arg(pf, "first")?,
            after: self.arg(pf, "after")?,
            last: self.arg(pf, "last")?,
            before: self.arg(pf, "before")?,
        })
    }

    /// Looks an entity up, noting it as needed when it is not loaded yet; `Ok(None)`
    /// when it is still to be loaded (a `null` is written meanwhile).
    fn lookup(&mut self, kind: EntityKind, slug: &str) -> Option<Option<&'a Node>> {
        let data = self.data;
        match data.nodes.get(&(kind, slug.to_owned())) {
            Some(found) => Some(found.as_ref()),
            None => {
                self.needs.nodes.insert((kind, slug.to_owned()));
                None
            }
        }
    }

    /// Writes the entity a field refers to; one that does not exist is null, or makes
    /// the plan give way when the field promises it (`required`: the engine's error).
    fn reference(&mut self, sub: &Sub, kind: EntityKind, slug: &str, required: bool) -> Step {
        match self.lookup(kind, slug) {
            None => self.null(),
            Some(None) if required => Err(Fallback("a reference dangles")),
            Some(None) => self.null(),
            Some(Some(target)) => self.entity(sub, target),
        }
    }

    /// Looks a node's targets through a relation up, noting them as needed when they
    /// are not loaded yet (`None`: a `null` is written meanwhile).
    fn related(&mut self, rel: &'static dyn DynRel, node: &Node) -> Option<&'a [Node]> {
        let data = self.data;
        let parent = identity(node).slug;
        let found = data.rels.get(&(rel.name(), parent.to_owned())).map(Vec::as_slice);
        if found.is_none() {
            self.needs.rel(rel, parent);
        }
        found
    }

    fn field(&mut self, obj: &Obj, pf: &Pf, at: At<'_>, index: usize) -> Step {
        let data = self.data;
        match (pf.fx, at) {
            (Fx::Typename, _) => {
                self.out.extend_from_slice(obj.typename.as_bytes());
                Ok(())
            }
            (Fx::Ref { kind, of, required }, At::Node(node)) => match of(node) {
                None => self.null(),
                Some(slug) => self.reference(&pf.sub, kind, slug, required),
            },
            (Fx::Rel(rel), At::Node(node)) => match self.related(rel, node) {
                None => self.null(),
                Some(targets) => self.entities(&pf.sub, targets.iter()),
            },
            (Fx::FirstOf(rel), At::Node(node)) => match self.related(rel, node).map(|targets| targets.first()) {
                None | Some(None) => self.null(),
                Some(Some(target)) => self.entity(&pf.sub, target),
            },
            (Fx::ConnectionOf(rel), At::Node(node)) => match self.related(rel, node) {
                None => self.null(),
                Some(targets) => {
                    let total = targets.len();
                    let (from, to) = self.page_args(pf)?.window(total).map_err(|_| Fallback("a page is refused"))?;
                    let window = Window {
                        items: (from..to).map(|i| (encode_offset(i), &targets[i])).collect(),
                        has_previous_page: from > 0,
                        has_next_page: to < total,
                        total: total as i64,
                    };
                    self.object_of(&pf.sub, At::Connection(&window))
                }
            },
            (Fx::Subject, At::Node(Node::Statistic(statistic))) => {
                if !statistic.subject_type.is_subject() {
                    return Err(Fallback("a statistic's subject is not a subject"));
                }
                self.reference(&pf.sub, statistic.subject_type, &statistic.subject_id, true)
            }
            (Fx::Source, At::Node(node)) => match source_of(node)? {
                Some(span) => self.object_of(&pf.sub, At::Span(span)),
                None => self.null(),
            },
            (Fx::Stated, At::Node(Node::Statistic(statistic))) => match data.excerpts.get(&statistic.source) {
                None => {
                    self.needs.excerpts.insert(statistic.source.clone());
                    self.null()
                }
                Some(excerpt) => match number::stated(statistic.value, &statistic.unit, excerpt) {
                    None => self.null(),
                    Some(stated) => {
                        self.object_of(&pf.sub, At::Stated(excerpt, stated.start as i64, stated.end as i64))
                    }
                },
            },
            (Fx::SpanDocument, At::Span(span)) => self.reference(&pf.sub, EntityKind::Document, &span.document, true),
            (Fx::SpanStart, At::Span(span)) => self.int(span.start),
            (Fx::SpanEnd, At::Span(span)) => self.int(span.end),
            (Fx::SpanExcerpt, At::Span(span)) => match data.excerpts.get(span) {
                None => {
                    self.needs.excerpts.insert(span.clone());
                    self.null()
                }
                Some(excerpt) => self.string(excerpt),
            },
            (Fx::StatedText, At::Stated(excerpt, start, end)) => {
                let text: String = excerpt.chars().skip(start as usize).take((end - start) as usize).collect();
                self.string(&text)
            }
            (Fx::StatedRange, At::Stated(_, start, end)) => self.object_of(&pf.sub, At::Range(start, end)),
            (Fx::RangeStart, At::Range(start, _)) => self.int(start),
            (Fx::RangeEnd, At::Range(_, end)) => self.int(end),
            (Fx::PageInfo, At::Connection(window)) => self.object_of(&pf.sub, At::PageInfo(window)),
            (Fx::Edges, At::Connection(window)) => {
                self.out.push(b'[');
                for (i, (cursor, node)) in window.items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(b',');
                    }
                    self.object_of(&pf.sub, At::Edge(cursor, node))?;
                }
                self.out.push(b']');
                Ok(())
            }
            (Fx::Nodes, At::Connection(window)) => self.entities(&pf.sub, window.items.iter().map(|(_, node)| *node)),
            (Fx::TotalCount, At::Connection(window)) => self.int(window.total),
            (Fx::HasNextPage, At::PageInfo(window)) => self.bool(window.has_next_page),
            (Fx::HasPreviousPage, At::PageInfo(window)) => self.bool(window.has_previous_page),
            (Fx::StartCursor, At::PageInfo(window)) => self.optional(window.items.first().map(|(c, _)| c.as_str())),
            (Fx::EndCursor, At::PageInfo(window)) => self.optional(window.items.last().map(|(c, _)| c.as_str())),
            (Fx::EdgeNode, At::Edge(_, node)) => self.entity(&pf.sub, node),
            (Fx::EdgeCursor, At::Edge(cursor, _)) => self.string(cursor),
            (Fx::RootNode, At::Root) => {
                let id: ID = self.arg(pf, "id")?;
                let (kind, slug) = decode(&id, "id").map_err(|_| Fallback("an id does not decode"))?;
                self.reference(&pf.sub, kind, &slug, false)
            }
            (Fx::RootNodes, At::Root) => {
                let ids: Vec<ID> = self.arg(pf, "ids")?;
                if ids.len() > MAX_PAGE {
                    return Err(Fallback("too many ids"));
                }
                let mut found = Vec::with_capacity(ids.len());
                for id in &ids {
                    let (kind, slug) = decode(id, "ids").map_err(|_| Fallback("an id does not decode"))?;
                    found.push(self.lookup(kind, &slug).flatten());
                }
                self.out.push(b'[');
                for (i, node) in found.into_iter().enumerate() {
                    if i > 0 {
                        self.out.push(b',');
                    }
                    match node {
                        Some(node) => self.entity(&pf.sub, node)?,
                        None => self.null()?,
                    }
                }
                self.out.push(b']');
                Ok(())
            }
            (Fx::RootOne(kind), At::Root) => {
                let slug: String = self.arg(pf, "slug")?;
                self.reference(&pf.sub, kind, &slug, false)
            }
            (Fx::RootAll(kind), At::Root) => match data.alls.get(&kind) {
                None => {
                    self.needs.alls.insert(kind);
                    self.null()
                }
                Some(nodes) => self.entities(&pf.sub, nodes.iter()),
            },
            (Fx::RootPage(kind), At::Root) => match data.pages.get(&index) {
                None => {
                    let need = self.page_need(pf, kind, index)?;
                    self.needs.pages.push(need);
                    self.null()
                }
                Some(paged) => {
                    let window = Window {
                        items: paged.items.iter().map(|(cursor, node)| (cursor.clone(), node)).collect(),
                        has_previous_page: paged.has_previous_page,
                        has_next_page: paged.has_next_page,
                        total: paged.total,
                    };
                    self.object_of(&pf.sub, At::Connection(&window))
                }
            },
            (fx, At::Node(node)) => self.leaf(fx, node),
            _ => Err(wrong()),
        }
    }

    /// The page a top-level list field reads, from its arguments.
    fn page_need(&self, pf: &Pf, kind: EntityKind, at: usize) -> Result<PageNeed, Fallback> {
        let refused = |_| Fallback("a list's arguments are refused");
        let (filter, order) = match kind {
            EntityKind::Achievement => {
                (achievement_conditions(self.arg(pf, "filter")?).map_err(refused)?, SortOrder::Added)
            }
            EntityKind::Statistic => {
                statistic_conditions(self.arg(pf, "filter")?, self.arg(pf, "orderBy")?).map_err(refused)?
            }
            _ => (Filter::default(), SortOrder::Added),
        };
        let request = self.page_args(pf)?.to_request(order).map_err(refused)?;
        let counted = match &pf.sub {
            Sub::One(connection) => connection.fields.iter().any(|field| matches!(field.fx, Fx::TotalCount)),
            _ => false,
        };
        Ok(PageNeed { at, kind, filter, order, request, counted })
    }

    /// Writes one of an entity's own columns.
    fn leaf(&mut self, fx: Fx, node: &Node) -> Step {
        use Node as N;
        match (fx, node) {
            (Fx::Id, node) => self.string(&encode(identity(node).kind, identity(node).slug)),
            (Fx::Slug, node) => self.string(identity(node).slug),
            (Fx::Version, node) => self.int(identity(node).version),
            (Fx::Title, N::Document(d)) => self.string(&d.title),
            (Fx::Title, N::AchievementList(l)) => self.string(&l.title),
            (Fx::Title, N::Achievement(a)) => self.string(&a.title),
            (Fx::Name, N::Country(c)) => self.string(&c.name),
            (Fx::Name, N::City(c)) => self.string(&c.name),
            (Fx::Name, N::Organization(o)) => self.string(&o.name),
            (Fx::Name, N::Event(e)) => self.string(&e.name),
            (Fx::Publisher, N::Document(d)) => self.optional(d.publisher.as_deref()),
            (Fx::PublishedOn, N::Document(d)) => self.optional(d.published_on.as_ref().map(|d| d.as_str())),
            (Fx::Text, N::Document(d)) => self.string(&d.text),
            (Fx::Length, N::Document(d)) => self.int(d.text.chars().count() as i64),
            (Fx::AnnouncedOn, N::AchievementList(l)) => self.optional(l.announced_on.as_ref().map(|d| d.as_str())),
            (Fx::Stages, N::AchievementList(l)) => {
                self.out.push(b'[');
                for (i, stage) in l.stages.iter().enumerate() {
                    if i > 0 {
                        self.out.push(b',');
                    }
                    self.string(stage)?;
                }
                self.out.push(b']');
                Ok(())
            }
            (Fx::Rank, N::Achievement(a)) => self.int(a.rank),
            (Fx::Category, N::Achievement(a)) => self.enumeration(AchievementCategory::from(a.category).to_value()),
            (Fx::Summary, N::Achievement(a)) => self.string(&a.summary),
            (Fx::Kind, N::Organization(o)) => self.enumeration(OrganizationKind::from(o.kind).to_value()),
            (Fx::FoundedOn, N::Organization(o)) => self.optional(o.founded_on.as_ref().map(|d| d.as_str())),
            (Fx::StartDate, N::Event(e)) => self.optional(e.start_date.as_ref().map(|d| d.as_str())),
            (Fx::EndDate, N::Event(e)) => self.optional(e.end_date.as_ref().map(|d| d.as_str())),
            (Fx::Label, N::Statistic(s)) => self.string(&s.label),
            (Fx::Value, N::Statistic(s)) if s.value.is_finite() => {
                serde_json::to_writer(&mut self.out, &s.value).map_err(|_| wrong())
            }
            (Fx::Unit, N::Statistic(s)) => self.string(&s.unit),
            (Fx::Qualifier, N::Statistic(s)) => self.enumeration(StatisticQualifier::from(s.qualifier).to_value()),
            (Fx::Period, N::Statistic(s)) => self.optional(s.period.as_deref()),
            _ => Err(wrong()),
        }
    }

    fn enumeration(&mut self, value: ConstValue) -> Step {
        match value {
            ConstValue::Enum(name) => self.string(name.as_str()),
            _ => Err(wrong()),
        }
    }
}

/// The span an entity was read from; `Err` for a kind without `source`.
fn source_of(node: &Node) -> Result<Option<&Span>, Fallback> {
    Ok(match node {
        Node::AchievementList(list) => Some(&list.source),
        Node::Achievement(achievement) => Some(&achievement.source),
        Node::Statistic(statistic) => Some(&statistic.source),
        Node::Organization(organization) => organization.source.as_ref(),
        Node::Event(event) => event.source.as_ref(),
        _ => return Err(wrong()),
    })
}
