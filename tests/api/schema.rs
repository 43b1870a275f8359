//! The checked-in SDL is the generated one, holds the contract, and is what the server serves.

use serde_json::json;

use crate::helpers::spawn_app;

#[test]
fn schema_graphql_equals_the_generated_sdl() {
    let checked_in = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    let generated = achievement_graph::graphql::sdl();
    assert!(
        checked_in == generated,
        "schema.graphql is out of date; regenerate it with:\n\n    cargo run -- schema > schema.graphql\n"
    );
}

#[tokio::test]
async fn the_server_serves_the_checked_in_schema() {
    let app = spawn_app().await;
    let data = app.data("{ __schema { types { name } } }", json!({})).await;
    let names: Vec<&str> =
        data["__schema"]["types"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    let sdl = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    for name in names.iter().filter(|name| !name.starts_with("__")) {
        let declared = ["type", "interface", "union", "enum", "input", "scalar"]
            .iter()
            .any(|kind| sdl.contains(&format!("{kind} {name} ")) || sdl.contains(&format!("{kind} {name}\n")));
        let builtin = ["String", "Int", "Float", "Boolean", "ID"].contains(name);
        assert!(declared || builtin, "{name} is served but not in schema.graphql");
    }
    assert!(names.contains(&"SearchConnection"));
}

// ------------------------------------------------------------------ contract

use std::collections::BTreeMap;

use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

/// Everything a schema declares, flattened to comparable strings:
/// `Type` -> kind, `Type.field` -> type, `Type.field(arg:)` -> type, `Type=VALUE`, `Type|Member`, `Type&Interface`.
fn declarations(sdl: &str) -> BTreeMap<String, String> {
    // async-graphql's parser predates descriptions on the `schema` block.
    let described = format!("\"\"\"\n{}\n\"\"\"\nschema {{", achievement_graph::graphql::DESCRIPTION);
    let sdl = sdl.replace(&described, "schema {");
    let document = async_graphql::parser::parse_schema(&sdl).expect("the SDL parses");
    let mut out = BTreeMap::new();
    for definition in document.definitions {
        let TypeSystemDefinition::Type(definition) = definition else { continue };
        let definition = definition.node;
        let name = definition.name.node.to_string();
        let mut fields = Vec::new();
        let kind = match definition.kind {
            TypeKind::Scalar => "scalar",
            TypeKind::Object(object) => {
                out.extend(object.implements.iter().map(|i| (format!("{name}&{}", i.node), String::new())));
                fields = object.fields;
                "type"
            }
            TypeKind::Interface(interface) => {
                fields = interface.fields;
                "interface"
            }
            TypeKind::Union(union) => {
                out.extend(union.members.iter().map(|m| (format!("{name}|{}", m.node), String::new())));
                "union"
            }
            TypeKind::Enum(enumeration) => {
                out.extend(enumeration.values.iter().map(|v| (format!("{name}={}", v.node.value.node), String::new())));
                "enum"
            }
            TypeKind::InputObject(input) => {
                out.extend(
                    input.fields.iter().map(|f| (format!("{name}.{}", f.node.name.node), f.node.ty.node.to_string())),
                );
                "input"
            }
        };
        for field in fields {
            let field = field.node;
            out.insert(format!("{name}.{}", field.name.node), field.ty.node.to_string());
            for argument in field.arguments {
                out.insert(
                    format!("{name}.{}({}:)", field.name.node, argument.node.name.node),
                    argument.node.ty.node.to_string(),
                );
            }
        }
        if !definition.extend {
            out.insert(name, kind.to_owned());
        }
    }
    out
}

#[test]
fn schema_graphql_contains_the_public_contract() {
    let schema =
        declarations(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap());
    // The mutation contract extends the main one, so the two are read as one document.
    let contract = declarations(
        &[include_str!("../contract/contract.graphql"), include_str!("../contract/contract-mutations.graphql")]
            .join("\n"),
    );
    let mut problems = Vec::new();
    for (key, wanted) in &contract {
        match schema.get(key) {
            None => problems.push(format!("{key} is missing")),
            Some(found) if found != wanted => {
                problems.push(format!("{key} is `{found}`, the contract says `{wanted}`"))
            }
            Some(_) => {}
        }
    }
    assert!(problems.is_empty(), "schema.graphql breaks the contract:\n{}", problems.join("\n"));
    assert!(contract.len() > 150, "the contract was read ({} declarations)", contract.len());
    assert!(contract.contains_key("Mutation.updateAchievement(expectedVersion:)"), "the mutation contract was read");
}
