//! The schema's shape as the request limits and the query plans read it: each object or
//! interface field's type, whether it is a list or a connection, and the object types
//! behind each interface and union. Read
//! once from the schema's SDL at start; an SDL that does not parse, or has no query
//! root, is an error, never an empty shape (which would switch the limits off).

use std::collections::HashMap;

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{BaseType, TypeKind, TypeSystemDefinition};

use crate::error::Error;

/// What the limits need to know of the schema.
#[derive(Debug)]
pub struct SchemaShape {
    fields: HashMap<String, HashMap<String, FieldShape>>,
    /// The object types of each interface and union.
    possible: HashMap<String, Vec<String>>,
    /// The query, mutation and subscription root type names.
    pub(crate) roots: [String; 3],
}

/// One field's return type, as far as costs go.
#[derive(Debug, Clone)]
pub(crate) struct FieldShape {
    pub type_name: String,
    pub list: bool,
    /// It takes `first` (a connection or a paged list).
    pub paged: bool,
}

impl SchemaShape {
    /// Reads the shape from the schema's SDL.
    pub fn from_sdl(sdl: &str) -> Result<Self, Error> {
        let document = parse_schema(sdl)
            .map_err(|error| Error::Internal(anyhow::anyhow!("the schema's SDL does not parse: {error}")))?;
        let mut shape = Self {
            fields: HashMap::new(),
            possible: HashMap::new(),
            roots: ["Query".to_owned(), "Mutation".to_owned(), "Subscription".to_owned()],
        };
        for definition in document.definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    let schema = schema.node;
                    for (slot, name) in [schema.query, schema.mutation, schema.subscription].into_iter().enumerate() {
                        if let Some(name) = name {
                            shape.roots[slot] = name.node.to_string();
                        }
                    }
                }
                TypeSystemDefinition::Type(definition) => {
                    let definition = definition.node;
                    let name = definition.name.node.to_string();
                    let fields = match definition.kind {
                        TypeKind::Object(object) => {
                            for interface in &object.implements {
                                shape.possible.entry(interface.node.to_string()).or_default().push(name.clone());
                            }
                            object.fields
                        }
                        TypeKind::Interface(interface) => interface.fields,
                        TypeKind::Union(union) => {
                            let members = union.members.iter().map(|member| member.node.to_string()).collect();
                            shape.possible.insert(name, members);
                            continue;
                        }
                        _ => continue,
                    };
                    let entry = shape.fields.entry(definition.name.node.to_string()).or_default();
                    for field in fields {
                        let field = field.node;
                        let mut ty = &field.ty.node;
                        let mut list = false;
                        while let BaseType::List(inner) = &ty.base {
                            list = true;
                            ty = inner;
                        }
                        let BaseType::Named(type_name) = &ty.base else { continue };
                        let paged = field.arguments.iter().any(|a| a.node.name.node == "first");
                        entry.insert(
                            field.name.node.to_string(),
                            FieldShape { type_name: type_name.to_string(), list, paged },
                        );
                    }
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        if shape.fields.get(&shape.roots[0]).is_none_or(HashMap::is_empty) {
            return Err(Error::Internal(anyhow::anyhow!(
                "the schema's SDL has no `{}` type with fields",
                shape.roots[0]
            )));
        }
        Ok(shape)
    }

    pub(crate) fn field(&self, parent: &str, name: &str) -> Option<&FieldShape> {
        self.fields.get(parent).and_then(|fields| fields.get(name))
    }

    /// Returns the object types of an interface or union (none for an object type).
    pub(crate) fn possible_types(&self, abstract_type: &str) -> &[String] {
        self.possible.get(abstract_type).map_or(&[], Vec::as_slice)
    }

    /// Returns whether a fragment on `condition` applies to an object of type `concrete`.
    pub(crate) fn applies(&self, condition: &str, concrete: &str) -> bool {
        condition == concrete || self.possible_types(condition).iter().any(|member| member == concrete)
    }

    /// Returns whether a type is an object, interface or union (it has a selection set).
    pub(crate) fn is_composite(&self, type_name: &str) -> bool {
        self.fields.contains_key(type_name) || self.possible.contains_key(type_name)
    }

    /// Returns the query root's name.
    pub fn query_root(&self) -> &str {
        &self.roots[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_or_empty_sdl_is_an_error_not_an_empty_shape() {
        assert!(SchemaShape::from_sdl("type Query {").is_err());
        assert!(SchemaShape::from_sdl("").is_err());
        assert!(SchemaShape::from_sdl("type Other { a: Int }").is_err());
        let shape = SchemaShape::from_sdl(&crate::graphql::engine_sdl()).unwrap();
        assert!(shape.field("Query", "achievements").is_some_and(|f| f.paged));
        assert!(shape.field("City", "friendshipCities").is_some_and(|f| f.list && !f.paged));
        assert_eq!(shape.possible_types("Node").len(), 8);
        assert!(shape.applies("StatisticSubject", "City") && shape.applies("Node", "City"));
        assert!(!shape.applies("StatisticSubject", "Country") && shape.possible_types("City").is_empty());
    }
}
