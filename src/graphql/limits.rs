//! Request limits, checked before anything runs: the query's size and token count on
//! the raw text, then depth, aliases, root fields, directives per field, selections
//! with fragments expanded, and complexity on the parsed document.
//!
//! Every measure is computed in one pass per fragment (memoized), so a "fragment bomb"
//! that would expand to billions of fields costs no more to measure than its text.
//! Complexity follows the schema: a field costs 1 plus its children, times the page it
//! asks for (`first`/`last`, or the default page) when it returns a connection, or times
//! a fixed estimate when it returns a plain list.
//!
//! Introspection (`__schema`, `__type`) is measured apart: the standard query every
//! tool sends (graphql-js's `getIntrospectionQuery()`) nests `ofType` about 15 levels
//! deep, which says nothing about its cost, so its levels do not count towards the depth
//! limit. What makes introspection expensive is listing `fields`, `inputFields`,
//! `interfaces` or `possibleTypes` inside one another, and that is refused at three
//! deep, as graphql-js's `MaxIntrospectionDepthRule` does.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::parse_query;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::{Name, Value, Variables};
use async_graphql_value::Value as RawValue;

use super::connection::{DEFAULT_PAGE, MAX_PAGE};
use super::shape::SchemaShape;
use crate::error::{Code, Error};

/// How many items a plain (unpaged) list field is assumed to return.
const LIST_ESTIMATE: u64 = 10;

/// The limits one request must stay within; `Default` gives the documented defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_query_bytes: usize,
    pub max_tokens: usize,
    pub max_depth: u64,
    pub max_aliases: u64,
    pub max_root_fields: u64,
    pub max_directives: usize,
    pub max_selections: u64,
    pub max_complexity: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_query_bytes: 16 * 1024,
            max_tokens: 2_000,
            max_depth: 10,
            max_aliases: 30,
            max_root_fields: 20,
            max_directives: 5,
            max_selections: 2_000,
            max_complexity: 50_000,
        }
    }
}

/// How deep introspection may nest its list fields (`fields` in `fields` is 2), as in
/// graphql-js's `MaxIntrospectionDepthRule`.
const MAX_INTROSPECTION_LISTS: u32 = 3;

/// The introspection fields whose nesting is limited.
const INTROSPECTION_LISTS: [&str; 4] = ["fields", "inputFields", "interfaces", "possibleTypes"];

/// What a checked request will run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The operation's name, when it has one (for metrics).
    pub name: Option<String>,
    /// Whether it is a mutation (which needs a token).
    pub mutation: bool,
    /// Whether it may change something or stream: the operation to run is a mutation or
    /// a subscription or, when several are given and none is chosen, any of them is.
    pub writes: bool,
    /// Whether it reads `__schema` (introspection of the whole schema).
    pub introspects: bool,
}

/// Checks one request against the limits; `Err` is a refusal whose code says which
/// limit and whose message says why.
pub fn check(
    query: &str,
    variables: &Variables,
    operation_name: Option<&str>,
    limits: &Limits,
    shape: &SchemaShape,
) -> Result<Checked, Error> {
    let document = parse(query, limits)?;
    measure(&document, variables, operation_name, limits, shape)
}

/// The limits on the query text, then parsing: what depends on the text alone, so a
/// parsed document can be kept and measured again with other variables.
pub fn parse(query: &str, limits: &Limits) -> Result<ExecutableDocument, Error> {
    if query.len() > limits.max_query_bytes {
        return Err(Error::refused(
            Code::QueryTooLarge,
            format!("the query has {} bytes; at most {} are allowed", query.len(), limits.max_query_bytes),
        ));
    }
    let scan = scan(query, limits.max_tokens + 1);
    if scan.tokens > limits.max_tokens {
        return Err(Error::refused(
            Code::TooManyTokens,
            format!("the query has more than {} tokens", limits.max_tokens),
        ));
    }
    // Brackets nested deeper than any allowed query needs are refused before the parser,
    // whose recursion they would otherwise drive.
    let max_nesting = (limits.max_depth as usize).saturating_mul(2).max(32);
    if scan.nesting > max_nesting {
        return Err(Error::refused(
            Code::TooDeep,
            format!("the query nests brackets {} deep; at most {max_nesting} are allowed", scan.nesting),
        ));
    }
    parse_query(query).map_err(|error| Error::refused(Code::GraphqlParseFailed, error.to_string()))
}

/// The limits on the operation to run, measured on the parsed document with the
/// request's variables (a page size can be a variable).
pub fn measure(
    document: &ExecutableDocument,
    variables: &Variables,
    operation_name: Option<&str>,
    limits: &Limits,
    shape: &SchemaShape,
) -> Result<Checked, Error> {
    let Some((name, root, operation)) = operation(document, operation_name, shape) else {
        Measure::new(document, variables, shape).bound_the_rest(limits, None)?;
        let writes = document.operations.iter().any(|(_, operation)| operation.node.ty != OperationType::Query);
        return Ok(Checked { name: None, mutation: false, writes, introspects: false });
    };
    let mutation = root == shape.roots[1];
    let writes = root != shape.roots[0];
    check_required_variables(operation, variables)?;
    let selection_set = &operation.selection_set.node;
    let mut measure = Measure::new(document, variables, shape);
    let totals = measure.set(selection_set, &root)?;
    within(&totals, limits, "the query")?;
    let directives = max_directives(selection_set, document);
    if directives > limits.max_directives {
        return Err(Error::refused(
            Code::TooManyDirectives,
            format!("a field carries {directives} directives; at most {} are allowed", limits.max_directives),
        ));
    }
    // Whether the operation to run introspects, not another one of the document.
    let introspects = measure.introspects;
    measure.bound_the_rest(limits, Some(operation))?;
    Ok(Checked { name, mutation, writes, introspects })
}

/// Refuses `totals` over a limit, naming `what` (the query, or one of its fragments).
fn within(totals: &Totals, limits: &Limits, what: &str) -> Result<(), Error> {
    let checks = [
        (totals.depth, limits.max_depth, Code::TooDeep, "{what} nests {} levels deep; at most {} are allowed"),
        (totals.aliases, limits.max_aliases, Code::TooManyAliases, "{what} uses {} aliases; at most {} are allowed"),
        (totals.root_fields, limits.max_root_fields, Code::TooManyRootFields, "{what} asks for {} root fields; at most {} are allowed"),
        (totals.selections, limits.max_selections, Code::TooManySelections, "{what} selects {} fields once its fragments are expanded; at most {} are allowed"),
        (totals.complexity, limits.max_complexity, Code::TooComplex, "{what}'s complexity is {} (each list field counts its page size times its children); at most {} is allowed"),
    ];
    for (found, limit, code, template) in checks {
        if found > limit {
            let message = template.replacen("{what}", what, 1).replacen("{}", &found.to_string(), 1).replacen(
                "{}",
                &limit.to_string(),
                1,
            );
            return Err(Error::refused(code, message));
        }
    }
    Ok(())
}

/// Finds the operation to run and its root type.
fn operation<'d>(
    document: &'d ExecutableDocument,
    name: Option<&str>,
    shape: &SchemaShape,
) -> Option<(Option<String>, String, &'d OperationDefinition)> {
    let (name, operation) = match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => (None, operation),
        (DocumentOperations::Multiple(operations), Some(name)) => (Some(name.to_owned()), operations.get(name)?),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            let (name, operation) = operations.iter().next()?;
            (Some(name.to_string()), operation)
        }
        _ => return None,
    };
    Some((name, root_of(operation.node.ty, shape).to_owned(), &operation.node))
}

/// The root type an operation of type `ty` starts from.
fn root_of(ty: OperationType, shape: &SchemaShape) -> &str {
    let slot = match ty {
        OperationType::Query => 0,
        OperationType::Mutation => 1,
        OperationType::Subscription => 2,
    };
    &shape.roots[slot]
}

/// Refuses a request that leaves a non-null variable without a value (the engine would
/// notice only once a field using it runs, after others have).
fn check_required_variables(operation: &OperationDefinition, variables: &Variables) -> Result<(), Error> {
    for definition in &operation.variable_definitions {
        let definition = &definition.node;
        let name = &definition.name.node;
        let given = variables.get(name).filter(|value| !matches!(value, Value::Null));
        if !definition.var_type.node.nullable && definition.default_value.is_none() && given.is_none() {
            return Err(Error::refused_at(
                Code::GraphqlValidationFailed,
                format!("variables.{name}"),
                format!("the variable `${name}` of type `{}` needs a value that is not null", definition.var_type.node),
            ));
        }
    }
    Ok(())
}

/// The measures of one selection set, fragments expanded.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    depth: u64,
    aliases: u64,
    root_fields: u64,
    selections: u64,
    complexity: u64,
}

impl Totals {
    fn add(&mut self, other: Totals) {
        self.depth = self.depth.max(other.depth);
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.root_fields = self.root_fields.saturating_add(other.root_fields);
        self.selections = self.selections.saturating_add(other.selections);
        self.complexity = self.complexity.saturating_add(other.complexity);
    }
}

struct Measure<'a> {
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    shape: &'a SchemaShape,
    /// Each fragment measured once, on the type it applies to.
    memo: HashMap<Name, Totals>,
    visiting: HashSet<Name>,
    /// Whether a fragment, entered at a depth of introspection lists, goes too deep.
    introspection_memo: HashMap<(Name, u32), bool>,
    introspects: bool,
}

impl<'a> Measure<'a> {
    fn new(document: &'a ExecutableDocument, variables: &'a Variables, shape: &'a SchemaShape) -> Self {
        Self {
            document,
            variables,
            shape,
            memo: HashMap::new(),
            visiting: HashSet::new(),
            introspection_memo: HashMap::new(),
            introspects: false,
        }
    }

    /// Bounds everything in the document besides the operation to run (`run`, measured
    /// already): the engine's validation walks every fragment and every operation,
    /// expanding spreads as it goes, so a fragment no operation reaches (or one behind a
    /// spread of a fragment that does not exist) could otherwise make it expand a bomb
    /// (found by the `request` fuzz target). Spreads of unknown fragments and cycles are
    /// refused here too. Fragments measured for `run` are not measured again.
    fn bound_the_rest(&mut self, limits: &Limits, run: Option<&OperationDefinition>) -> Result<(), Error> {
        let mut names: Vec<&Name> = self.document.fragments.keys().collect();
        names.sort();
        // Unknown fragments and cycles first, wherever they are; then each fragment's size
        // once expanded (its depth and root fields count only where it is spread).
        let mut expanded = Vec::with_capacity(names.len());
        for name in names {
            expanded.push((name, self.fragment(name)?));
        }
        for (name, totals) in expanded {
            let size = Totals { selections: totals.selections, complexity: totals.complexity, ..Totals::default() };
            within(&size, limits, &format!("the fragment `{name}`"))?;
        }
        for (_, operation) in self.document.operations.iter() {
            if run.is_some_and(|run| std::ptr::eq(run, &operation.node)) {
                continue;
            }
            let totals = self.set(&operation.node.selection_set.node, root_of(operation.node.ty, self.shape))?;
            within(&totals, limits, "an operation of the query")?;
        }
        Ok(())
    }

    fn set(&mut self, set: &SelectionSet, parent: &str) -> Result<Totals, Error> {
        let mut totals = Totals::default();
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let name = field.name.node.as_str();
                    if name == "__schema" || name == "__type" {
                        totals.add(self.introspection(field)?);
                        continue;
                    }
                    let shape = self.shape.field(parent, name).cloned();
                    let child_type = shape.as_ref().map(|s| s.type_name.as_str()).unwrap_or("");
                    let children = self.set(&field.selection_set.node, child_type)?;
                    let times = match &shape {
                        Some(s) if s.paged => self.page(&field.arguments),
                        // A connection's `edges` and `nodes` are its page, already counted.
                        Some(s) if s.list && !parent.ends_with("Connection") => LIST_ESTIMATE,
                        _ => 1,
                    };
                    totals.add(Totals {
                        depth: 1 + children.depth,
                        aliases: u64::from(field.alias.is_some()).saturating_add(children.aliases),
                        root_fields: 1,
                        selections: 1u64.saturating_add(children.selections),
                        complexity: 1u64.saturating_add(times.saturating_mul(children.complexity)),
                    });
                }
                Selection::FragmentSpread(spread) => {
                    let spread = &spread.node;
                    totals.add(self.fragment(&spread.fragment_name.node)?);
                }
                Selection::InlineFragment(inline) => {
                    let inline = &inline.node;
                    let on = inline.type_condition.as_ref().map(|c| c.node.on.node.to_string());
                    totals.add(self.set(&inline.selection_set.node, on.as_deref().unwrap_or(parent))?);
                }
            }
        }
        Ok(totals)
    }

    /// Measures an introspection field: its levels count once towards the depth, its
    /// list fields may nest only so deep, and everything else counts as usual.
    fn introspection(&mut self, field: &async_graphql::parser::types::Field) -> Result<Totals, Error> {
        self.introspects |= field.name.node == "__schema";
        if self.introspection_too_deep(&field.selection_set.node, 0) {
            return Err(Error::refused(
                Code::IntrospectionTooDeep,
                format!(
                    "the introspection nests `fields`, `inputFields`, `interfaces` or `possibleTypes` \
                     {MAX_INTROSPECTION_LISTS} deep; at most {} are allowed",
                    MAX_INTROSPECTION_LISTS - 1
                ),
            ));
        }
        // The introspection types are not in the shape: every field there costs 1.
        let children = self.set(&field.selection_set.node, "")?;
        Ok(Totals {
            depth: 1,
            aliases: u64::from(field.alias.is_some()).saturating_add(children.aliases),
            root_fields: 1,
            selections: 1u64.saturating_add(children.selections),
            complexity: 1u64.saturating_add(children.complexity),
        })
    }

    /// Returns whether `set`, entered `depth` introspection lists deep, nests them
    /// `MAX_INTROSPECTION_LISTS` deep; each fragment is walked once per entry depth.
    fn introspection_too_deep(&mut self, set: &SelectionSet, depth: u32) -> bool {
        for selection in &set.items {
            let too_deep = match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let depth = depth + u32::from(INTROSPECTION_LISTS.contains(&field.name.node.as_str()));
                    depth >= MAX_INTROSPECTION_LISTS || self.introspection_too_deep(&field.selection_set.node, depth)
                }
                Selection::InlineFragment(inline) => {
                    self.introspection_too_deep(&inline.node.selection_set.node, depth)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.clone();
                    let key = (name.clone(), depth);
                    match self.introspection_memo.get(&key) {
                        Some(found) => *found,
                        None => {
                            // A cycle is refused elsewhere; entered again, it adds nothing.
                            self.introspection_memo.insert(key.clone(), false);
                            let document = self.document;
                            let found = document
                                .fragments
                                .get(&name)
                                .is_some_and(|f| self.introspection_too_deep(&f.node.selection_set.node, depth));
                            self.introspection_memo.insert(key, found);
                            found
                        }
                    }
                }
            };
            if too_deep {
                return true;
            }
        }
        false
    }

    fn fragment(&mut self, name: &Name) -> Result<Totals, Error> {
        if let Some(totals) = self.memo.get(name) {
            return Ok(*totals);
        }
        let Some(fragment) = self.document.fragments.get(name) else {
            return Err(Error::refused(Code::GraphqlValidationFailed, format!("Unknown fragment \"{name}\".")));
        };
        if !self.visiting.insert(name.clone()) {
            return Err(Error::refused(Code::GraphqlValidationFailed, format!("fragment `{name}` spreads itself")));
        }
        let on = fragment.node.type_condition.node.on.node.to_string();
        let totals = self.set(&fragment.node.selection_set.node, &on)?;
        self.visiting.remove(name);
        self.memo.insert(name.clone(), totals);
        Ok(totals)
    }

    /// Returns the page a connection field asks for, as the resolver will read it.
    fn page(&self, arguments: &[(async_graphql::Positioned<Name>, async_graphql::Positioned<RawValue>)]) -> u64 {
        let mut page = None;
        for (name, value) in arguments {
            if name.node == "first" || name.node == "last" {
                let number = match &value.node {
                    RawValue::Number(n) => n.as_u64(),
                    RawValue::Variable(variable) => match self.variables.get(variable) {
                        Some(Value::Number(n)) => n.as_u64(),
                        _ => None,
                    },
                    _ => None,
                };
                page = page.max(number);
            }
        }
        page.unwrap_or(DEFAULT_PAGE as u64).min(MAX_PAGE as u64)
    }
}

/// Returns the most directives on one field, spread or fragment, in the operation and in
/// every fragment (those no operation spreads count too). Counted without expansion:
/// a fragment's directives are the same wherever it is spread.
fn max_directives(operation: &SelectionSet, document: &ExecutableDocument) -> usize {
    fn walk(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|selection| match &selection.node {
                Selection::Field(f) => f.node.directives.len().max(walk(&f.node.selection_set.node)),
                Selection::FragmentSpread(s) => s.node.directives.len(),
                Selection::InlineFragment(i) => i.node.directives.len().max(walk(&i.node.selection_set.node)),
            })
            .max()
            .unwrap_or(0)
    }
    let fragments = document.fragments.values().map(|f| f.node.directives.len().max(walk(&f.node.selection_set.node)));
    fragments.max().unwrap_or(0).max(walk(operation))
}

/// What a scan of the raw text finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scan {
    pub tokens: usize,
    /// The deepest nesting of `{`, `[` and `(`.
    pub nesting: usize,
}

/// Counts GraphQL tokens (names, numbers, strings, punctuators) and bracket nesting,
/// stopping at `stop` tokens; linear in the text and allocation-free, so it can run
/// before the parser.
pub fn scan(text: &str, stop: usize) -> Scan {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut count = 0;
    let (mut depth, mut nesting) = (0usize, 0usize);
    while i < bytes.len() && count < stop {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            0xEF if bytes[i..].starts_with("\u{feff}".as_bytes()) => i += 3,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                count += 1;
                if bytes[i..].starts_with(b"\"\"\"") {
                    i += 3;
                    while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 3;
                } else {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
            }
            b'.' if bytes[i..].starts_with(b"...") => {
                count += 1;
                i += 3;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' => {
                count += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'.' | b'-' | b'+'))
                {
                    i += 1;
                }
            }
            c => {
                match c {
                    b'{' | b'[' | b'(' => {
                        depth += 1;
                        nesting = nesting.max(depth);
                    }
                    b'}' | b']' | b')' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                count += 1;
                i += 1;
            }
        }
    }
    Scan { tokens: count, nesting }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape() -> SchemaShape {
        SchemaShape::from_sdl(&crate::graphql::engine_sdl()).unwrap()
    }

    fn refusal(query: &str) -> Option<&'static str> {
        check(query, &Variables::default(), None, &Limits::default(), &shape()).err().map(|r| r.code().as_str())
    }

    #[test]
    fn ordinary_queries_pass() {
        assert_eq!(
            refusal(
                r#"{ events(first: 50) { nodes { city { achievements { nodes { cities { name } } } } statistics { value } } } }"#
            ),
            None
        );
        assert_eq!(
            refusal(
                r#"{ search(query: "skiing") { edges { node { ... on Event { name } } highlights { snippet } } } }"#
            ),
            None
        );
    }

    #[test]
    fn a_fragment_bomb_is_measured_without_expanding_it() {
        let mut query = String::from("query { countries { ...f39 } }\nfragment f0 on Country { name }\n");
        for i in 1..40 {
            query.push_str(&format!("fragment f{i} on Country {{ ...f{} ...f{} }}\n", i - 1, i - 1));
        }
        let started = std::time::Instant::now();
        assert_eq!(refusal(&query), Some("TOO_MANY_SELECTIONS"));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    /// Found by the `request` fuzz target (it kept a core busy for good): a fragment bomb
    /// whose chain breaks at a fragment that does not exist, with a cycle among the rest.
    /// The operation reaches little of it; the engine's validation walked all of it.
    #[test]
    fn a_fragment_bomb_the_operation_does_not_reach_is_refused_before_the_engine_sees_it() {
        let body = include_str!("../../fuzz/regressions/request/fragment-bomb-60");
        let request: async_graphql::Request = serde_json::from_str(&body[1..]).unwrap();
        assert_eq!(refusal(&request.query), Some("GRAPHQL_VALIDATION_FAILED"));

        let mut unused = String::from("{ countries { name } }\nfragment f0 on Country { name }\n");
        for i in 1..40 {
            unused.push_str(&format!("fragment f{i} on Country {{ ...f{} ...f{} }}\n", i - 1, i - 1));
        }
        assert_eq!(refusal(&unused), Some("TOO_MANY_SELECTIONS"));
        assert_eq!(refusal("{ countries { ...nowhere } }"), Some("GRAPHQL_VALIDATION_FAILED"));
        let other_operation =
            format!("query a {{ countries {{ name }} }} query b {{ countries {{ ...f39 }} }}\n{}", &unused[23..]);
        assert_eq!(refusal(&other_operation), Some("TOO_MANY_SELECTIONS"));
    }

    #[test]
    fn each_limit_has_its_own_code() {
        assert_eq!(refusal(&format!("{{ {} name {} }}", "countries { ".repeat(12), "}".repeat(12))), Some("TOO_DEEP"));
        let aliases: String = (0..31).map(|i| format!("a{i}: countries {{ name }} ")).collect();
        assert_eq!(refusal(&format!("{{ {aliases} }}")), Some("TOO_MANY_ALIASES"));
        assert_eq!(refusal("{ countries { name @skip(if: false) @skip(if: false) @skip(if: false) @skip(if: false) @skip(if: false) @skip(if: false) } }"), Some("TOO_MANY_DIRECTIVES"));
        assert_eq!(refusal(&"x".repeat(20_000)), Some("QUERY_TOO_LARGE"));
        assert_eq!(refusal(&format!("{{ {} }}", "a ".repeat(3_000))), Some("TOO_MANY_TOKENS"));
        assert_eq!(
            refusal("fragment a on Query { ...b } fragment b on Query { ...a } { ...a }"),
            Some("GRAPHQL_VALIDATION_FAILED")
        );
        let deep =
            r#"{ events(first: 100) { nodes { achievements { events { achievements { events { name } } } } } } }"#;
        assert_eq!(refusal(deep), Some("TOO_COMPLEX"));
    }

    #[test]
    fn introspection_may_chain_of_type_but_not_nest_its_lists_three_deep() {
        let type_ref = format!("{}kind name{}", "ofType { kind name ".repeat(14), " }".repeat(14));
        let tooling = format!(
            "query IntrospectionQuery {{ __schema {{ description queryType {{ name }} types {{ ...FullType }} }} }}
             fragment FullType on __Type {{ kind name fields(includeDeprecated: true) {{ name args {{ name type {{ ...TypeRef }} }} type {{ ...TypeRef }} }} interfaces {{ ...TypeRef }} possibleTypes {{ ...TypeRef }} }}
             fragment TypeRef on __Type {{ {type_ref} }}"
        );
        assert_eq!(refusal(&tooling), None);
        let checked = check(&tooling, &Variables::default(), None, &Limits::default(), &shape()).unwrap();
        assert!(checked.introspects);
        // graphql-js's own example of a recursive introspection.
        let recursive = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
        assert_eq!(refusal(recursive), Some("INTROSPECTION_TOO_DEEP"));
        assert_eq!(
            refusal("{ __type(name: \"Query\") { fields { type { interfaces { possibleTypes { name } } } } } }"),
            Some("INTROSPECTION_TOO_DEEP")
        );
        // Through fragments, and through fragments spread many times (walked once each).
        let mut spread = String::from("{ __schema { types { ...F0 } } }\n");
        for i in 0..30 {
            spread.push_str(&format!("fragment F{i} on __Type {{ ofType {{ ...F{} ...F{} }} }}\n", i + 1, i + 1));
        }
        spread.push_str("fragment F30 on __Type { fields { type { fields { type { possibleTypes { name } } } } } }\n");
        let started = std::time::Instant::now();
        assert_eq!(refusal(&spread), Some("INTROSPECTION_TOO_DEEP"));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        // Two lists deep is fine, as in graphql-js.
        assert_eq!(refusal("{ __schema { types { fields { type { fields { name } } } } } }"), None);
    }

    #[test]
    fn unparsable_and_bracket_bombs_are_refused_before_the_parser() {
        assert_eq!(refusal("{ countries { name }"), Some("GRAPHQL_PARSE_FAILED"));
        let brackets =
            format!("{{ search(query: \"x\", types: {}{}) {{ totalCount }} }}", "[".repeat(40), "]".repeat(40));
        assert_eq!(refusal(&brackets), Some("TOO_DEEP"));
        assert_eq!(refusal(&format!("{}{}", "{".repeat(500), "}".repeat(500))), Some("TOO_DEEP"));
    }

    #[test]
    fn tokens_are_counted_like_the_grammar_reads_them() {
        assert_eq!(
            scan(
                r#"{ a(b: "x, y") # comment
            ...F }"#,
                100
            )
            .tokens,
            10
        );
        assert_eq!(scan(r#""""block "quoted" text""" 1.5e3"#, 100).tokens, 2);
    }
}
