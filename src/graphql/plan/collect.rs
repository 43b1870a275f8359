//! CollectFields (the spec's §6.3.2) as the engine runs it: which fields an object of a
//! given type answers, merged by response key, in the order of their first occurrence,
//! with `@skip` and `@include` decided as the pinned async-graphql decides them (from
//! the variables the request gives, not their defaults). The plans and the document
//! order of the engine's answers both read fields through it, so they cannot disagree.

use async_graphql::parser::types::{Directive, ExecutableDocument, Field, Selection, SelectionSet};
use async_graphql::{Name, Positioned, Variables};
use async_graphql_value::Value;

use crate::graphql::shape::SchemaShape;

/// The fields one response key stands for, in document order (all with the same name
/// and arguments: validation saw to that).
pub(crate) struct Collected<'a> {
    pub key: &'a str,
    pub fields: Vec<&'a Field>,
}

/// Decides `@skip(if:)` and `@include(if:)`.
pub(crate) trait Conditions {
    /// The value of a Boolean variable the request gave (false when it gave another value or none).
    fn flag(&self, name: &str) -> bool;

    /// Returns whether a selection with these directives is left out.
    fn skipped(&self, directives: &[Positioned<Directive>]) -> bool {
        directives.iter().any(|directive| {
            let include = match directive.node.name.node.as_str() {
                "skip" => false,
                "include" => true,
                _ => return false,
            };
            let value = match directive.node.get_argument("if").map(|value| &value.node) {
                None => return false,
                Some(Value::Boolean(value)) => *value,
                Some(Value::Variable(name)) => self.flag(name),
                Some(_) => false,
            };
            include != value
        })
    }
}

impl Conditions for Variables {
    fn flag(&self, name: &str) -> bool {
        matches!(self.get(&Name::new(name)), Some(async_graphql::Value::Boolean(true)))
    }
}

/// Collects the fields that an object of type `concrete` answers from `sets` (several
/// when a response key's fields are merged).
pub(crate) fn collect<'a>(
    document: &'a ExecutableDocument,
    sets: &[&'a SelectionSet],
    concrete: &str,
    shape: &SchemaShape,
    conditions: &dyn Conditions,
) -> Vec<Collected<'a>> {
    let mut out: Vec<Collected<'a>> = Vec::new();
    for set in sets {
        walk(document, set, concrete, shape, conditions, &mut out);
    }
    out
}

fn walk<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    concrete: &str,
    shape: &SchemaShape,
    conditions: &dyn Conditions,
    out: &mut Vec<Collected<'a>>,
) {
    for selection in &set.items {
        if conditions.skipped(selection.node.directives()) {
            continue;
        }
        let (condition, inner) = match &selection.node {
            Selection::Field(field) => {
                let field = &field.node;
                let key = field.response_key().node.as_str();
                match out.iter_mut().find(|collected| collected.key == key) {
                    Some(collected) => collected.fields.push(field),
                    None => out.push(Collected { key, fields: vec![field] }),
                }
                continue;
            }
            Selection::FragmentSpread(spread) => {
                let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) else { continue };
                (Some(fragment.node.type_condition.node.on.node.as_str()), &fragment.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => (
                fragment.node.type_condition.as_ref().map(|condition| condition.node.on.node.as_str()),
                &fragment.node.selection_set.node,
            ),
        };
        if condition.is_none_or(|condition| shape.applies(condition, concrete)) {
            walk(document, inner, concrete, shape, conditions, out);
        }
    }
}

/// Returns the selection sets of a response key's fields, to collect their sub-fields.
pub(crate) fn sub_sets<'a>(fields: &[&'a Field]) -> Vec<&'a SelectionSet> {
    fields.iter().map(|field| &field.selection_set.node).collect()
}
