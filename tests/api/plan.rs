//! The fast path answers as the engine does, to the byte: a seeded generator writes
//! thousands of operations over the schema (aliases, fragments on the interface and
//! the union, `@include`/`@skip` on variables, variables with and without defaults,
//! nulls, bad ids and cursors, `__typename`, connections paged both ways), and each is
//! sent to a server running the engine alone and to one running plans, with two sets
//! of variables. The second server answers each document once on the engine (which
//! compiles its plan), then on the plan; every answer must equal the engine's.

use std::collections::HashMap;
use std::fmt::Write;

use achievement_graph::config::FastPath;
use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};

use crate::helpers::{spawn_app_on, TestApp};

/// How many operations the corpus holds.
const OPERATIONS: usize = 2_000;
/// The corpus's seed: a failure names the operation, and the same seed writes it again
/// (`PLAN_SEED=N` writes another corpus).
const SEED: u64 = 13;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_answer_every_generated_operation_as_the_engine_does() {
    let engine = spawn_app_on(FastPath::Off).await;
    let fast = spawn_app_on(FastPath::On).await;
    let known = Known::harvest(&engine).await;
    let schema = Sdl::read();
    let seed = std::env::var("PLAN_SEED").ok().and_then(|seed| seed.parse().ok()).unwrap_or(SEED);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let operations: Vec<Operation> =
        (0..OPERATIONS).map(|n| Generator::new(&schema, &known, &mut rng).operation(n)).collect();
    let mut differences = Vec::new();
    let mut errors = 0;
    for chunk in operations.chunks(8) {
        let checks = chunk.iter().map(|operation| check(&engine, &fast, operation));
        for (difference, with_errors) in futures_util::future::join_all(checks).await {
            differences.extend(difference);
            errors += with_errors;
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {OPERATIONS} operations were answered differently; the first:\n{}",
        differences.len(),
        differences.iter().take(3).cloned().collect::<Vec<_>>().join("\n\n")
    );
    // Each operation's second run with its first variables is planned, unless the
    // plans do not cover it (search, history) or its answer has errors.
    let planned = fast.planned();
    eprintln!(
        "{OPERATIONS} operations, {} requests: {planned} planned, {errors} engine answers with errors",
        OPERATIONS * 3
    );
    assert!(
        planned as usize >= OPERATIONS / 2,
        "plans answered only {planned} of {} requests ({errors} answers had errors)",
        OPERATIONS * 3
    );
    // The corpus reaches errors too: bad ids, cursors, counts and variables.
    assert!(errors >= OPERATIONS / 10, "only {errors} answers had errors: the corpus misses the error paths");
}

/// Sends an operation to both servers; returns the differences found, and how many
/// of the engine's answers had errors.
async fn check(engine: &TestApp, fast: &TestApp, operation: &Operation) -> (Vec<String>, usize) {
    let mut differences = Vec::new();
    let mut errors = 0;
    let expected =
        [post(engine, operation, &operation.variables).await, post(engine, operation, &operation.other).await];
    let runs = [(&operation.variables, 0), (&operation.variables, 0), (&operation.other, 1)];
    for (run, (variables, which)) in runs.into_iter().enumerate() {
        let answer = post(fast, operation, variables).await;
        if answer != expected[which] {
            differences.push(format!(
                "operation {} (run {run}):\n{}\nvariables: {}\nengine: {}\nfast path: {}",
                operation.number,
                operation.text,
                Value::Object(variables.clone()),
                expected[which].1,
                answer.1
            ));
        }
    }
    for (_, body) in &expected {
        errors += usize::from(body.contains("\"errors\""));
    }
    (differences, errors)
}

async fn post(app: &TestApp, operation: &Operation, variables: &Map<String, Value>) -> (u16, String) {
    let body = json!({ "query": operation.text, "variables": variables });
    let response =
        app.client.post(format!("{}/graphql", app.address)).json(&body).send().await.expect("the request is sent");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

/// One generated operation with two sets of variables.
struct Operation {
    number: usize,
    text: String,
    variables: Map<String, Value>,
    other: Map<String, Value>,
}

/// The bundled graph's ids, slugs and cursors, read from the engine.
struct Known {
    /// (global id, slug, type) of every entity.
    entities: Vec<(String, String, String)>,
    /// Cursors of each top-level list (`Query.cities`...), and offset cursors of the
    /// nested connections (`City.achievements`).
    cursors: HashMap<String, Vec<String>>,
}

impl Known {
    async fn harvest(app: &TestApp) -> Self {
        let lists = ["achievements", "cities", "organizations", "events", "statistics"];
        let mut query = String::from("{ documents { id slug } achievementLists { id slug } countries { id slug } ");
        for list in lists {
            write!(query, "{list}(first: 100) {{ edges {{ cursor node {{ id slug }} }} }} ").unwrap();
        }
        query.push_str("byValue: statistics(first: 30, orderBy: VALUE_DESC) { edges { cursor } } }");
        let data = app.data(&query, json!({})).await;
        let mut entities = Vec::new();
        let mut cursors: HashMap<String, Vec<String>> = HashMap::new();
        let entity = |item: &Value| (text(&item["id"]), text(&item["slug"]), type_of(&text(&item["id"])));
        for (field, value) in data.as_object().unwrap() {
            match value {
                Value::Array(items) => entities.extend(items.iter().map(entity)),
                connection => {
                    let list = if field == "byValue" { "statistics" } else { field };
                    for edge in connection["edges"].as_array().unwrap() {
                        cursors.entry(format!("Query.{list}")).or_default().push(text(&edge["cursor"]));
                        if field != "byValue" {
                            entities.push(entity(&edge["node"]));
                        }
                    }
                }
            }
        }
        // Offset cursors of the nested connections: "o1:N", base64url.
        cursors
            .insert("City.achievements".to_owned(), ["bzE6MA", "bzE6MQ", "bzE6Mg", "bzE6NQ"].map(String::from).into());
        Self { entities, cursors }
    }

    /// An entity of one of these types (any type when none is given).
    fn entity(&self, rng: &mut ChaCha8Rng, types: &[&str]) -> &(String, String, String) {
        let fitting: Vec<&(String, String, String)> =
            self.entities.iter().filter(|(_, _, ty)| types.is_empty() || types.contains(&ty.as_str())).collect();
        fitting.choose(rng).expect("an entity of the type")
    }
}

/// The type a global id names (base64url of `Type:slug`).
fn type_of(id: &str) -> String {
    use base64::Engine;
    let plain = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(id).expect("an id");
    String::from_utf8(plain).unwrap().split(':').next().unwrap().to_owned()
}

fn text(value: &Value) -> String {
    value.as_str().expect("a string").to_owned()
}

/// The schema's types as the generator reads them.
struct Sdl {
    types: HashMap<String, Kind>,
}

enum Kind {
    Object(Vec<FieldDef>),
    Interface(Vec<FieldDef>, Vec<String>),
    Union(Vec<String>),
    Enum(Vec<String>),
    Input(Vec<(String, Type)>),
    Scalar,
}

struct FieldDef {
    name: String,
    args: Vec<(String, Type)>,
    ty: Type,
}

impl Sdl {
    fn read() -> Self {
        let document = parse_schema(achievement_graph::graphql::engine_sdl()).expect("the SDL parses");
        let mut types = HashMap::new();
        let mut implementors: HashMap<String, Vec<String>> = HashMap::new();
        for definition in document.definitions {
            let TypeSystemDefinition::Type(definition) = definition else { continue };
            let definition = definition.node;
            let name = definition.name.node.to_string();
            let fields = |fields: Vec<async_graphql::Positioned<async_graphql::parser::types::FieldDefinition>>| {
                fields
                    .into_iter()
                    .map(|field| FieldDef {
                        name: field.node.name.node.to_string(),
                        args: field
                            .node
                            .arguments
                            .iter()
                            .map(|arg| (arg.node.name.node.to_string(), arg.node.ty.node.clone()))
                            .collect(),
                        ty: field.node.ty.node,
                    })
                    .collect()
            };
            let kind = match definition.kind {
                TypeKind::Object(object) => {
                    for interface in &object.implements {
                        implementors.entry(interface.node.to_string()).or_default().push(name.clone());
                    }
                    Kind::Object(fields(object.fields))
                }
                TypeKind::Interface(interface) => Kind::Interface(fields(interface.fields), Vec::new()),
                TypeKind::Union(union) => Kind::Union(union.members.iter().map(|m| m.node.to_string()).collect()),
                TypeKind::Enum(values) => {
                    Kind::Enum(values.values.iter().map(|v| v.node.value.node.to_string()).collect())
                }
                TypeKind::InputObject(input) => Kind::Input(
                    input.fields.iter().map(|f| (f.node.name.node.to_string(), f.node.ty.node.clone())).collect(),
                ),
                TypeKind::Scalar => Kind::Scalar,
            };
            types.insert(name, kind);
        }
        for (interface, members) in implementors {
            if let Some(Kind::Interface(_, possible)) = types.get_mut(&interface) {
                *possible = members;
            }
        }
        Self { types }
    }

    fn is_leaf(&self, name: &str) -> bool {
        !matches!(self.types.get(name), Some(Kind::Object(_) | Kind::Interface(..) | Kind::Union(_)))
    }
}

/// `city` -> `City`, and the types whose fields are named otherwise.
fn upper_first(field: &str) -> String {
    match field {
        "achievementList" => "AchievementList".to_owned(),
        field => field[..1].to_uppercase() + &field[1..],
    }
}

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

/// Writes one operation.
struct Generator<'a> {
    sdl: &'a Sdl,
    known: &'a Known,
    rng: &'a mut ChaCha8Rng,
    declarations: Vec<String>,
    variables: Map<String, Value>,
    other: Map<String, Value>,
    fragments: Vec<String>,
    names: usize,
    /// The arguments each field name was first written with.
    arguments: HashMap<String, String>,
}

impl<'a> Generator<'a> {
    fn new(sdl: &'a Sdl, known: &'a Known, rng: &'a mut ChaCha8Rng) -> Self {
        Self {
            sdl,
            known,
            rng,
            declarations: Vec::new(),
            variables: Map::new(),
            other: Map::new(),
            fragments: Vec::new(),
            names: 0,
            arguments: HashMap::new(),
        }
    }

    fn operation(mut self, number: usize) -> Operation {
        let depth = self.rng.random_range(1..=4);
        let selection = self.selection("Query", depth, true);
        let mut text = String::new();
        let named = self.rng.random_bool(0.3);
        match (named, self.declarations.is_empty()) {
            (false, true) => {}
            (true, true) => write!(text, "query Op{number} ").unwrap(),
            (_, false) => write!(text, "query Op{number}({}) ", self.declarations.join(", ")).unwrap(),
        }
        text.push_str(&selection);
        for fragment in &self.fragments {
            write!(text, "\n{fragment}").unwrap();
        }
        Operation { number, text, variables: self.variables, other: self.other }
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.names += 1;
        format!("{prefix}{}", self.names)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    /// A selection set on `type_name`.
    fn selection(&mut self, type_name: &str, depth: usize, root: bool) -> String {
        let mut items = Vec::new();
        let count = self.rng.random_range(1..=if root { 3 } else { 4 });
        match self.sdl.types.get(type_name) {
            Some(Kind::Object(fields)) => {
                let fields: Vec<&FieldDef> = fields.iter().collect();
                for _ in 0..count {
                    let field = *fields.choose(self.rng).unwrap();
                    if (field.name == "history" || field.name == "search") && !self.chance(0.1) {
                        continue;
                    }
                    if depth == 0 && !self.sdl.is_leaf(named(&field.ty)) {
                        continue;
                    }
                    items.push(self.field(type_name, field, depth));
                }
                if self.chance(0.15) && depth > 0 {
                    // The same fields again through a fragment on the type itself.
                    let inner = self.selection(type_name, depth - 1, false);
                    items.push(self.fragment(type_name, inner));
                }
            }
            Some(Kind::Interface(fields, possible)) => {
                if self.chance(0.5) {
                    let field = fields.iter().find(|f| f.name == "id").unwrap();
                    items.push(self.field(type_name, field, depth));
                }
                items.extend(self.per_type(possible.clone(), depth));
            }
            Some(Kind::Union(members)) => {
                items.extend(self.per_type(members.clone(), depth));
                if self.chance(0.2) {
                    items.push(self.fragment("Node", "{ id }".to_owned()));
                }
            }
            _ => {}
        }
        if items.is_empty() || self.chance(0.15) {
            let typename = self.alias_or_not("__typename");
            items.push(self.maybe_directive(typename));
        }
        format!("{{ {} }}", items.join(" "))
    }

    /// Fragments on some of an abstract type's members.
    fn per_type(&mut self, members: Vec<String>, depth: usize) -> Vec<String> {
        let mut items = Vec::new();
        let count = self.rng.random_range(1..=3).min(members.len());
        let chosen: Vec<String> = members.choose_multiple(self.rng, count).cloned().collect();
        for member in chosen {
            let inner = self.selection(&member, depth.saturating_sub(1), false);
            items.push(self.fragment(&member, inner));
        }
        items
    }

    /// An inline fragment or a spread of a named one, maybe under a directive.
    fn fragment(&mut self, on: &str, inner: String) -> String {
        let fragment = if self.chance(0.5) {
            let name = self.fresh("F");
            self.fragments.push(format!("fragment {name} on {on} {inner}"));
            self.maybe_directive(format!("...{name}"))
        } else {
            // Directives come before the selection set.
            let head = self.maybe_directive(format!("... on {on}"));
            format!("{head} {inner}")
        };
        fragment
    }

    fn alias_or_not(&mut self, name: &str) -> String {
        match self.chance(0.25) {
            true => format!("{}: {name}", self.fresh("a")),
            false => name.to_owned(),
        }
    }

    /// Adds `@include`/`@skip` on a variable or a literal, now and then.
    fn maybe_directive(&mut self, selection: String) -> String {
        if !self.chance(0.15) {
            return selection;
        }
        let directive = *["include", "skip"].choose(self.rng).unwrap();
        let condition = if self.chance(0.7) {
            let name = self.fresh("f");
            let default = if self.chance(0.2) { " = true" } else { "" };
            self.declarations.push(format!("${name}: Boolean{default}"));
            let flag = |rng: &mut ChaCha8Rng| match rng.random_range(0..40) {
                0..=3 => None,
                4 => Some(json!("yes")),
                5..=22 => Some(json!(true)),
                _ => Some(json!(false)),
            };
            if let Some(value) = flag(self.rng) {
                self.variables.insert(name.clone(), value);
            }
            if let Some(value) = flag(self.rng) {
                self.other.insert(name.clone(), value);
            }
            format!("${name}")
        } else {
            self.chance(0.5).to_string()
        };
        format!("{selection} @{directive}(if: {condition})")
    }

    fn field(&mut self, parent: &str, field: &FieldDef, depth: usize) -> String {
        let mut args = Vec::new();
        // `first` and `last` together are refused; now and then both are sent.
        let one_way = if self.chance(0.5) { "last" } else { "first" };
        let both = self.chance(0.05);
        for (name, ty) in &field.args {
            if ty.nullable && self.chance(0.5) || (name == one_way && !both) {
                continue;
            }
            let context = format!("{parent}.{}", field.name);
            args.push(format!("{name}: {}", self.argument(&context, name, ty)));
        }
        // Fields that would merge under one key with different arguments make a
        // document the spec refuses, which the pinned validator does not always see
        // (through fragments), and whose answer the engine then makes up as its
        // resolvers finish: such a field gets an alias of its own.
        let written = if args.is_empty() { String::new() } else { format!("({})", args.join(", ")) };
        let seen = self.arguments.entry(field.name.clone()).or_insert_with(|| written.clone());
        let mut text = match *seen == written {
            true => self.alias_or_not(&field.name),
            false => format!("{}: {}", self.fresh("a"), field.name),
        };
        text.push_str(&written);
        let mut text = self.maybe_directive(text);
        let target = named(&field.ty);
        if !self.sdl.is_leaf(target) {
            let inner = self.selection(target, depth.saturating_sub(1), false);
            write!(text, " {inner}").unwrap();
        }
        text
    }

    /// An argument's value: a literal, or a variable holding one (with its own value
    /// in each set of variables, or none, or a default).
    fn argument(&mut self, field: &str, name: &str, ty: &Type) -> String {
        if !self.chance(0.4) {
            let value = self.value(field, name, ty);
            return literal(self.sdl, &value, ty);
        }
        let var = self.fresh("v");
        let value = self.value(field, name, ty);
        let mut declaration = format!("${var}: {ty}");
        if value != Value::Null && self.chance(0.2) {
            write!(declaration, " = {}", literal(self.sdl, &value, ty)).unwrap();
        } else {
            self.variables.insert(var.clone(), value);
        }
        // The other set leaves a variable out now and then, where that is allowed.
        let may_omit = ty.nullable || declaration.contains('=');
        if !may_omit || !self.chance(0.2) {
            let other = self.value(field, name, ty);
            self.other.insert(var.clone(), other);
        }
        self.declarations.push(declaration);
        format!("${var}")
    }

    fn value(&mut self, field: &str, name: &str, ty: &Type) -> Value {
        if ty.nullable && self.chance(0.1) {
            return Value::Null;
        }
        if let BaseType::List(inner) = &ty.base {
            let count = self.rng.random_range(0..4);
            return Value::Array((0..count).map(|_| self.value(field, name, inner)).collect());
        }
        let type_name = named(ty).to_owned();
        match (type_name.as_str(), name) {
            ("ID", "listId") => json!(self.id(&["AchievementList"])),
            ("ID", "cityId") => json!(self.id(&["City"])),
            ("ID", "subjectId") => json!(self.id(&["AchievementList", "Achievement", "Event", "Organization", "City"])),
            ("ID", _) => json!(self.id(&[])),
            ("String", "slug") => {
                // The slug of an entity of the field's type (`Query.city` reads cities).
                let wanted = field.strip_prefix("Query.").map(upper_first).unwrap_or_default();
                match self.chance(0.9) {
                    true => json!(self.known.entity(self.rng, &[wanted.as_str()]).1),
                    false => json!("no-such-slug"),
                }
            }
            ("String", "after" | "before") => match (self.known.cursors.get(field), self.chance(0.9)) {
                (Some(cursors), true) => json!(cursors.choose(self.rng).unwrap()),
                _ => json!("not-a-cursor"),
            },
            ("String", "unit") => json!(*["people", "percent", "RMB", "vehicles", "none"].choose(self.rng).unwrap()),
            ("String", "query") => json!(*["changchun", "film", "trains", "zzzz"].choose(self.rng).unwrap()),
            ("String", _) => json!("text"),
            ("Int", _) => json!(*[0, 1, 2, 2, 3, 3, 5, 5, 10, 20, 2, 3, 5, 10, -1, 101].choose(self.rng).unwrap()),
            ("Float", _) => json!(*[0.0, 3.5, 10.0, 1000.0, 1e6, -5.0].choose(self.rng).unwrap()),
            ("Boolean", _) => json!(self.chance(0.5)),
            (other, _) => match self.sdl.types.get(other) {
                Some(Kind::Enum(values)) => json!(values.choose(self.rng).unwrap()),
                Some(Kind::Input(fields)) => {
                    let mut object = Map::new();
                    for (field_name, field_ty) in fields {
                        if self.chance(0.5) {
                            object.insert(field_name.clone(), self.value(field, field_name, field_ty));
                        }
                    }
                    Value::Object(object)
                }
                _ => Value::Null,
            },
        }
    }

    /// A global id: mostly of an entity of one of these types, sometimes of any
    /// type, of nothing, or not an id.
    fn id(&mut self, types: &[&str]) -> String {
        match self.rng.random_range(0..40) {
            0 => "!!!".to_owned(),
            1 => "Q2l0eTpub3doZXJl".to_owned(), // City:nowhere
            2 => self.known.entity(self.rng, &[]).0.clone(),
            _ => self.known.entity(self.rng, types).0.clone(),
        }
    }
}

/// A value written as a GraphQL literal of type `ty` (enum values bare).
fn literal(sdl: &Sdl, value: &Value, ty: &Type) -> String {
    let inner = match &ty.base {
        BaseType::List(inner) => Some(inner),
        BaseType::Named(_) => None,
    };
    match (value, inner) {
        (Value::Array(items), Some(inner)) => {
            format!("[{}]", items.iter().map(|item| literal(sdl, item, inner)).collect::<Vec<_>>().join(", "))
        }
        (Value::String(text), None) if matches!(sdl.types.get(named(ty)), Some(Kind::Enum(_))) => text.clone(),
        (Value::Object(map), None) => {
            let Some(Kind::Input(fields)) = sdl.types.get(named(ty)) else { return value.to_string() };
            let written: Vec<String> = map
                .iter()
                .map(|(key, value)| {
                    let field_ty = &fields.iter().find(|(name, _)| name == key).expect("an input field").1;
                    format!("{key}: {}", literal(sdl, value, field_ty))
                })
                .collect();
            format!("{{{}}}", written.join(", "))
        }
        (other, _) => other.to_string(),
    }
}
