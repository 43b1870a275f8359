//! Compiling an operation into a plan: fields merged by response key and collected per
//! concrete type (fragments inlined, `@skip`/`@include` decided by the flags the plan
//! is for), each field resolved to what it reads, keys escaped once. Arguments stay as
//! written (with their variables): they are read at run time.

use async_graphql::parser::types::{BaseType, ExecutableDocument, OperationType, Type};
use async_graphql::{Name, Positioned, Value as ConstValue};
use async_graphql_value::Value;

use super::collect::{collect, sub_sets, Conditions};
use super::fields::{lookup, Fx};
use crate::graphql::order::operation;
use crate::graphql::shape::SchemaShape;
use crate::model::EntityKind;

/// An operation compiled for one setting of its `@skip`/`@include` variables.
pub struct Plan {
    pub(super) root: Obj,
    pub(super) variables: Vec<VariableDef>,
}

/// A declared variable: its type is checked at run time as the engine checks it.
pub(super) struct VariableDef {
    pub name: Name,
    pub ty: Type,
    /// The declared default, or null for a nullable variable without one.
    pub default: Option<ConstValue>,
}

/// The fields an object of one type answers.
pub(super) struct Obj {
    /// `"TypeName"`, as JSON.
    pub typename: Box<str>,
    pub fields: Vec<Pf>,
}

/// One response key.
pub(super) struct Pf {
    /// `"key":`, as JSON.
    pub key: Box<str>,
    pub fx: Fx,
    pub args: Vec<(Name, Value)>,
    pub sub: Sub,
}

/// What a field's value is made of.
pub(super) enum Sub {
    Leaf,
    /// An object of one type.
    One(Box<Obj>),
    /// An interface or union: the fields for each concrete entity type.
    Each(Vec<(EntityKind, Obj)>),
}

/// The named input types whose variables a plan checks itself.
pub(super) const INPUT_TYPES: [&str; 9] = [
    "Int",
    "Float",
    "String",
    "Boolean",
    "ID",
    "AchievementCategory",
    "StatisticOrder",
    "AchievementFilter",
    "StatisticFilter",
];

/// The flags a plan is compiled for: the Boolean variables `@skip`/`@include` read.
pub(super) struct Flags<'a>(pub &'a [(Name, bool)]);

impl Conditions for Flags<'_> {
    fn flag(&self, name: &str) -> bool {
        self.0.iter().any(|(flag, on)| *on && flag.as_str() == name)
    }
}

/// Compiles the operation `name` of a validated document; `None` when some of it is
/// not covered (it is not a query, or reads a field plans do not answer).
pub(super) fn compile(
    document: &ExecutableDocument,
    name: Option<&str>,
    shape: &SchemaShape,
    flags: &Flags<'_>,
) -> Option<Plan> {
    let operation = operation(document, name)?;
    if operation.ty != OperationType::Query || !operation.directives.is_empty() {
        return None;
    }
    let mut variables = Vec::with_capacity(operation.variable_definitions.len());
    for definition in &operation.variable_definitions {
        let definition = &definition.node;
        if !definition.directives.is_empty() || !supported(&definition.var_type.node) {
            return None;
        }
        variables.push(VariableDef {
            name: definition.name.node.clone(),
            ty: definition.var_type.node.clone(),
            default: definition.default_value().cloned(),
        });
    }
    let compiler = Compiler { document, shape, flags };
    let root = compiler.object(shape.query_root(), &[&operation.selection_set.node])?;
    Some(Plan { root, variables })
}

fn supported(ty: &Type) -> bool {
    match &ty.base {
        BaseType::Named(name) => INPUT_TYPES.contains(&name.as_str()),
        BaseType::List(inner) => supported(inner),
    }
}

struct Compiler<'a> {
    document: &'a ExecutableDocument,
    shape: &'a SchemaShape,
    flags: &'a Flags<'a>,
}

impl Compiler<'_> {
    fn object(&self, type_name: &str, sets: &[&async_graphql::parser::types::SelectionSet]) -> Option<Obj> {
        let collected = collect(self.document, sets, type_name, self.shape, self.flags);
        let mut fields = Vec::with_capacity(collected.len());
        for entry in collected {
            let first = entry.fields[0];
            // `@skip` and `@include` were decided when collecting; any other directive is not planned.
            let other_directive = entry
                .fields
                .iter()
                .any(|field| field.directives.iter().any(|d| !matches!(d.node.name.node.as_str(), "skip" | "include")));
            if other_directive {
                return None;
            }
            let name = first.name.node.as_str();
            // Fields merged under one key must agree (the spec's FieldsInSetCanMerge); the
            // pinned validator misses some pairs met through fragments, and the engine then
            // resolves each field with its own arguments. Such a document is left to it.
            let same = |field: &&async_graphql::parser::types::Field| {
                field.name.node == first.name.node && same_arguments(&field.arguments, &first.arguments)
            };
            if !entry.fields.iter().all(same) {
                return None;
            }
            let fx = lookup(type_name, name)?;
            let sub = match name {
                "__typename" => Sub::Leaf,
                _ => {
                    let child = &self.shape.field(type_name, name)?.type_name;
                    if !self.shape.is_composite(child) {
                        Sub::Leaf
                    } else {
                        let sets = sub_sets(&entry.fields);
                        let possible = self.shape.possible_types(child);
                        if possible.is_empty() {
                            Sub::One(Box::new(self.object(child, &sets)?))
                        } else {
                            let mut each = Vec::with_capacity(possible.len());
                            for concrete in possible {
                                let kind = EntityKind::from_type_name(concrete)?;
                                each.push((kind, self.object(concrete, &sets)?));
                            }
                            Sub::Each(each)
                        }
                    }
                }
            };
            let args = first.arguments.iter().map(|(name, value)| (name.node.clone(), value.node.clone())).collect();
            fields.push(Pf { key: format!("{}:", json(entry.key)).into(), fx, args, sub });
        }
        Some(Obj { typename: json(type_name).into(), fields })
    }
}

fn same_arguments(a: &[(Positioned<Name>, Positioned<Value>)], b: &[(Positioned<Name>, Positioned<Value>)]) -> bool {
    a.len() == b.len()
        && a.iter().all(|(name, value)| b.iter().any(|(n, v)| n.node == name.node && v.node == value.node))
}

/// Returns a string as JSON.
fn json(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}
