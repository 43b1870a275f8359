//! The fast path: queries compiled into plans that write their JSON answer directly.
//!
//! A query's document is compiled only after the engine (async-graphql) validated it
//! and ran it once without errors. The plan merges fields by response key, inlines
//! fragments per concrete type, knows what each field reads, and has its keys escaped
//! once; `@skip`/`@include` on variables pick one of a few compiled variants, and
//! arguments are read at run time. A run loads what each nesting level needs in one
//! batch (one store query per entity kind and per relation) and writes bytes, with no
//! value tree and no future per field.
//!
//! Reads are pure, so a plan that meets anything the engine would answer with an
//! error (a bad id or cursor, a variable of the wrong type, a dangling reference, a
//! store failure) stops, and the engine answers the request from the start: errors
//! keep their messages, codes and paths by construction. Mutations, subscriptions,
//! introspection, search and `history` always run on the engine.
//!
//! `--fast-path verify` runs both and refuses an answer on which they differ (the
//! tests run that way); `--fast-path false` turns plans off.

pub(crate) mod collect;
mod compile;
mod fields;
mod load;
mod write;

use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Variables};
use async_graphql_value::Value;

use self::collect::Conditions;
use self::compile::{compile, Flags, Plan};
use self::write::{walk, Vars, Walked};
use crate::graphql::shape::SchemaShape;
use crate::store::Store;

/// Why a plan gave way to the engine.
#[derive(Debug)]
pub struct Fallback(pub &'static str);

/// Plans kept per (document, operation name).
const CAPACITY: usize = 2_000;
/// Variables read by `@skip`/`@include` beyond this many leave the document to the engine.
const MAX_FLAGS: usize = 8;
/// Compiled variants (settings of those variables) kept per document.
const MAX_VARIANTS: usize = 8;
/// Loading passes a run may take (one per nesting level; the depth limit keeps it lower).
const MAX_PASSES: usize = 32;

/// How the fast path runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Off,
    On,
    /// Run the plan and the engine, and refuse an answer on which they differ.
    Verify,
}

/// The compiled plans.
pub struct FastPath {
    mode: Mode,
    shape: Arc<SchemaShape>,
    plans: quick_cache::sync::Cache<u64, Arc<Entry>>,
    hasher: std::collections::hash_map::RandomState,
    /// Answers written by plans (the process-wide metric counts every server's).
    planned: AtomicU64,
}

/// One document and operation's plans.
struct Entry {
    query: Box<str>,
    operation: Option<Box<str>>,
    /// The variables `@skip`/`@include` read, in a fixed order: bit i of a variant's key.
    flags: Box<[Name]>,
    /// Each setting of the flags compiled so far; `None` where the operation is not covered.
    variants: Mutex<Vec<(u64, Option<Arc<Plan>>)>>,
}

/// What the fast path knows of a request.
pub enum Lookup {
    /// A plan answers it.
    Planned(Arc<Plan>),
    /// Plans do not cover it: the engine answers, and nothing is learned.
    Uncovered,
    /// Not seen with these flags yet: the engine answers, and `learn` compiles it if it ran without errors.
    Unseen,
}

impl FastPath {
    pub fn new(mode: Mode, shape: Arc<SchemaShape>) -> Self {
        Self {
            mode,
            shape,
            plans: quick_cache::sync::Cache::new(CAPACITY),
            hasher: Default::default(),
            planned: AtomicU64::new(0),
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Returns how many answers plans wrote.
    pub fn planned(&self) -> u64 {
        self.planned.load(Ordering::Relaxed)
    }

    fn key(&self, query: &str, operation: Option<&str>) -> u64 {
        let mut hasher = self.hasher.build_hasher();
        (query, operation).hash(&mut hasher);
        hasher.finish()
    }

    /// Finds the plan for a query with these variables.
    pub fn lookup(&self, query: &str, operation: Option<&str>, variables: &Variables) -> Lookup {
        if self.mode == Mode::Off {
            return Lookup::Uncovered;
        }
        let Some(entry) = self.plans.get(&self.key(query, operation)) else { return Lookup::Unseen };
        if &*entry.query != query || entry.operation.as_deref() != operation {
            return Lookup::Uncovered;
        }
        let bits = bits(&entry.flags, variables);
        let variants = entry.variants.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match variants.iter().find(|(key, _)| *key == bits) {
            Some((_, Some(plan))) => Lookup::Planned(plan.clone()),
            Some((_, None)) => Lookup::Uncovered,
            None if variants.len() >= MAX_VARIANTS => Lookup::Uncovered,
            None => Lookup::Unseen,
        }
    }

    /// Compiles a query the engine answered without errors, for the flags it ran with.
    pub fn learn(&self, document: &ExecutableDocument, query: &str, operation: Option<&str>, variables: &Variables) {
        if self.mode == Mode::Off {
            return;
        }
        let key = self.key(query, operation);
        let entry = match self.plans.get(&key) {
            Some(entry) if &*entry.query == query && entry.operation.as_deref() == operation => entry,
            Some(_) => return,
            None => {
                let mut flags = Vec::new();
                flag_names(document, &mut flags);
                let entry = Arc::new(Entry {
                    query: query.into(),
                    operation: operation.map(Into::into),
                    flags: flags.into(),
                    variants: Mutex::new(Vec::new()),
                });
                self.plans.insert(key, entry.clone());
                entry
            }
        };
        let bits = bits(&entry.flags, variables);
        let mut variants = entry.variants.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if variants.len() >= MAX_VARIANTS || variants.iter().any(|(k, _)| *k == bits) {
            return;
        }
        let plan = match entry.flags.len() <= MAX_FLAGS {
            true => {
                let flags: Vec<(Name, bool)> =
                    entry.flags.iter().map(|name| (name.clone(), variables.flag(name))).collect();
                compile(document, operation, &self.shape, &Flags(&flags)).map(Arc::new)
            }
            false => None,
        };
        variants.push((bits, plan));
    }

    /// Runs a plan: the answer's bytes, or why the engine must answer instead.
    pub async fn run(&self, plan: &Plan, store: &Store, variables: &Variables) -> Result<Vec<u8>, Fallback> {
        let vars = Vars::new(plan, variables)?;
        let mut data = load::Data::default();
        for _ in 0..MAX_PASSES {
            match walk(plan, &vars, &data)? {
                Walked::Done(bytes) => {
                    self.planned.fetch_add(1, Ordering::Relaxed);
                    return Ok(bytes);
                }
                Walked::More(needs) => {
                    load::load(store, needs, &mut data).await.map_err(|_| Fallback("a load failed"))?
                }
            }
        }
        Err(Fallback("too many loading passes"))
    }
}

/// The key of a setting of the flags: bit i is whether the request gave `true` for flag i.
fn bits(flags: &[Name], variables: &Variables) -> u64 {
    flags.iter().take(64).enumerate().fold(0, |bits, (i, name)| bits | (u64::from(variables.flag(name)) << i))
}

/// Collects the variables the document's `@skip(if:)`/`@include(if:)` read.
fn flag_names(document: &ExecutableDocument, out: &mut Vec<Name>) {
    for (_, operation) in document.operations.iter() {
        set_flags(&operation.node.selection_set.node, out);
    }
    for fragment in document.fragments.values() {
        set_flags(&fragment.node.selection_set.node, out);
    }
}

fn set_flags(set: &SelectionSet, out: &mut Vec<Name>) {
    for selection in &set.items {
        for directive in selection.node.directives() {
            if let Some(Value::Variable(name)) = directive.node.get_argument("if").map(|value| &value.node) {
                if !out.contains(name) {
                    out.push(name.clone());
                }
            }
        }
        match &selection.node {
            Selection::Field(field) => set_flags(&field.node.selection_set.node, out),
            Selection::InlineFragment(fragment) => set_flags(&fragment.node.selection_set.node, out),
            Selection::FragmentSpread(_) => {}
        }
    }
}
