//! The engine's answers in document order. The pinned async-graphql puts an object's
//! fields in the order their resolvers finish (a field that waits on the store comes
//! after the plain ones that follow it), where the spec wants the order of the
//! selection set. The engine runs a copy of the document in which every selection set
//! also asks for `__typename` under a hidden alias; the answer's objects are then put in
//! the order CollectFields gives for their type, and the hidden key is removed. The
//! compiled plans write that same order, so an answer's bytes do not depend on which
//! path ran it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::{indexmap::IndexMap, Name, Positioned, Value, Variables};

use super::plan::collect::{collect, sub_sets, Collected};
use super::shape::SchemaShape;

/// The alias under which the engine's copy of a document asks for each object's type.
const HIDDEN: &str = "__agOrderType";

/// Returns the copy of `document` the engine runs: each selection set (of the
/// operations and the fragments) also asks for `__typename` as `HIDDEN`.
pub fn annotate(document: &ExecutableDocument) -> ExecutableDocument {
    let mut copy = document.clone();
    match &mut copy.operations {
        DocumentOperations::Single(operation) => mark(&mut operation.node.selection_set.node),
        DocumentOperations::Multiple(operations) => {
            operations.values_mut().for_each(|operation| mark(&mut operation.node.selection_set.node))
        }
    }
    for fragment in copy.fragments.values_mut() {
        mark(&mut fragment.node.selection_set.node);
    }
    copy
}

fn mark(set: &mut SelectionSet) {
    for selection in &mut set.items {
        match &mut selection.node {
            Selection::Field(field) if !field.node.selection_set.node.items.is_empty() => {
                mark(&mut field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => mark(&mut fragment.node.selection_set.node),
            Selection::Field(_) | Selection::FragmentSpread(_) => {}
        }
    }
    let hidden = Field {
        alias: Some(Positioned::new(Name::new(HIDDEN), Default::default())),
        name: Positioned::new(Name::new("__typename"), Default::default()),
        arguments: Vec::new(),
        directives: Vec::new(),
        selection_set: Positioned::new(SelectionSet::default(), Default::default()),
    };
    set.items.push(Positioned::new(Selection::Field(Positioned::new(hidden, Default::default())), Default::default()));
}

/// Puts the engine's answer to the operation `name` of `document` (the original, not
/// the annotated copy) in document order and removes the hidden keys.
pub fn reorder(
    data: &mut Value,
    document: &ExecutableDocument,
    name: Option<&str>,
    variables: &Variables,
    shape: &SchemaShape,
) {
    let Some(operation) = operation(document, name) else { return strip(data) };
    let root = match operation.ty {
        OperationType::Query => &shape.roots[0],
        OperationType::Mutation => &shape.roots[1],
        OperationType::Subscription => &shape.roots[2],
    };
    let context = Context { document, variables, shape, collected: RefCell::default() };
    context.object(data, &[&operation.selection_set.node], Some(root));
}

/// Returns the operation the engine runs for `name`.
pub(crate) fn operation<'a>(document: &'a ExecutableDocument, name: Option<&str>) -> Option<&'a OperationDefinition> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), None) => Some(&operation.node),
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next().map(|op| &op.node)
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

struct Context<'a> {
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    shape: &'a SchemaShape,
    /// The fields collected for each (selection sets, concrete type) met so far: every
    /// item of a list is an object of the same few types, collected once.
    collected: RefCell<Collections<'a>>,
}

type Collections<'a> = HashMap<(Vec<*const SelectionSet>, String), Rc<Vec<Collected<'a>>>>;

impl<'a> Context<'a> {
    /// Returns the fields an object of type `concrete` answers for `sets`.
    fn fields(&self, sets: &[&'a SelectionSet], concrete: &str) -> Rc<Vec<Collected<'a>>> {
        let key = (sets.iter().map(|set| *set as *const SelectionSet).collect(), concrete.to_owned());
        if let Some(found) = self.collected.borrow().get(&key) {
            return found.clone();
        }
        let found = Rc::new(collect(self.document, sets, concrete, self.shape, self.variables));
        self.collected.borrow_mut().insert(key, found.clone());
        found
    }

    /// Orders an object (or each object of a list) answered for `sets`; `known` is the
    /// object's type when the hidden key is not needed to tell it (the root).
    fn object(&self, value: &mut Value, sets: &[&'a SelectionSet], known: Option<&str>) {
        match value {
            Value::List(items) => items.iter_mut().for_each(|item| self.object(item, sets, known)),
            Value::Object(map) => {
                let hidden = map.shift_remove(HIDDEN);
                let concrete = match (&hidden, known) {
                    (Some(Value::String(name)), _) => name.as_str(),
                    (_, Some(name)) => name,
                    _ => return,
                };
                let collected = self.fields(sets, concrete);
                let mut ordered = IndexMap::with_capacity(map.len());
                for field in collected.iter() {
                    if let Some((key, mut inner)) = map.shift_remove_entry(field.key) {
                        if field.fields.iter().any(|f| !f.selection_set.node.items.is_empty()) {
                            self.object(&mut inner, &sub_sets(&field.fields), None);
                        }
                        ordered.insert(key, inner);
                    }
                }
                // Nothing should be left; whatever is keeps its place at the end.
                ordered.extend(std::mem::take(map));
                if ordered.is_empty() {
                    // Every field was skipped: the engine answers null for such an object.
                    *value = Value::Null;
                } else {
                    *map = ordered;
                }
            }
            _ => {}
        }
    }
}

/// Removes the hidden keys where the operation cannot be found (the engine refused it).
fn strip(value: &mut Value) {
    match value {
        Value::List(items) => items.iter_mut().for_each(strip),
        Value::Object(map) => {
            map.shift_remove(HIDDEN);
            map.values_mut().for_each(strip);
        }
        _ => {}
    }
}
