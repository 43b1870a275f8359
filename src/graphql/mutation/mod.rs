//! The write side of the schema. Every mutation is one write: check the token, read
//! the graph under the writer lock, edit it, validate the result with the dataset
//! rules, commit the difference with its audit and outbox rows, and answer once this
//! server's search shows the change (read-your-writes).

mod fields;
mod inputs;

use std::sync::Arc;
use std::time::Duration;

use async_graphql::Context;

pub use fields::MutationRoot;

use crate::auth::Caller;
use crate::error::Error;
use crate::model::dataset::{Dataset, Problem};
use crate::model::validate::validate;
use crate::model::{is_slug, EntityKind, EntityRef};
use crate::search::SearchIndex;
use crate::store::{Committed, Store};

/// How long a mutation waits for its change to become searchable before answering anyway.
const SEARCHABLE_WAIT: Duration = Duration::from_secs(5);

/// How problems in the edited graph map back to the request: problems inside `target`
/// are named after the argument `arg` (`input.rank`); others by their JSON path.
pub(crate) struct Focus {
    pub target: Option<EntityRef>,
    pub arg: &'static str,
}

impl Focus {
    pub fn on(target: EntityRef, arg: &'static str) -> Self {
        Self { target: Some(target), arg }
    }
}

/// Runs one write. `expected` names the entity whose version the caller read (it must
/// exist, and match when given); `edit` changes the graph and says where to point
/// validation problems. Returns `None` when the edit changed nothing.
pub(crate) async fn write(
    ctx: &Context<'_>,
    operation: &'static str,
    expected: Option<(&EntityRef, Option<i64>)>,
    edit: impl FnOnce(&mut Dataset) -> Result<Focus, Error>,
) -> Result<Option<Committed>, Error> {
    let actor = ctx.data_opt::<Caller>().unwrap_or(&Caller::Anonymous).writer()?.to_owned();
    let store = ctx.data_unchecked::<Store>();
    let mut write = store.begin_write(&actor, operation).await?;
    if let Some((target, expected)) = expected {
        let Some(stored) = write.version(target).await? else {
            return Err(Error::NotFound { kind: target.kind.noun(), id: target.id.clone() });
        };
        if let Some(expected) = expected {
            if stored != expected {
                return Err(Error::Conflict(format!(
                    "{target} is at version {stored}, not {expected}: someone else changed it; read it again"
                )));
            }
        }
    }
    // Read under the writer lock: no other write can commit until this one ends.
    let before = store.export().await?;
    let mut after = before.clone();
    let focus = edit(&mut after)?;
    let problems = validate(&after);
    if let Some(first) = problems.first() {
        let field = field_of(first, &focus, &after);
        let more = match problems.len() {
            1 => String::new(),
            n => format!(" (and {} more problem{})", n - 1, if n == 2 { "" } else { "s" }),
        };
        return Err(Error::bad_input(field, format!("{}{more}", first.message)));
    }
    let committed = write.apply(&before, &after).await?;
    if let Some(committed) = &committed {
        let index = ctx.data_unchecked::<Arc<SearchIndex>>();
        index.wake();
        if !index.wait_for(committed.generation, SEARCHABLE_WAIT).await {
            tracing::warn!(generation = committed.generation, "a write is stored but not yet searchable");
        }
    }
    Ok(committed)
}

/// Names the request field a validation problem is about.
fn field_of(problem: &Problem, focus: &Focus, after: &Dataset) -> String {
    match after.locate(&problem.path) {
        Some((entity, rest)) if Some(&entity) == focus.target.as_ref() => {
            let rest = input_path(rest);
            if rest.is_empty() {
                focus.arg.to_owned()
            } else {
                format!("{}.{rest}", focus.arg)
            }
        }
        _ => problem.path.clone(),
    }
}

/// Translates a record path (`cities[1]`, `source.document`) to the input's names.
fn input_path(rest: &str) -> String {
    let split = rest.find(['.', '[']).unwrap_or(rest.len());
    let (head, tail) = rest.split_at(split);
    let head = match head {
        "id" => "slug",
        "list" => "listId",
        "city" => "cityId",
        "country" => "countryId",
        "cities" => "cityIds",
        "organizations" => "organizationIds",
        "events" => "eventIds",
        "organizers" => "organizerIds",
        "subject" => return "subjectId".to_owned(),
        "source" => {
            return match tail {
                ".document" => "source.documentId".to_owned(),
                ".excerpt" | "" => "source".to_owned(),
                other => format!("source{other}"),
            }
        }
        other => other,
    };
    format!("{head}{tail}")
}

/// Returns the slug for a new entity: the one asked for, or one made from its name,
/// made unique among the entities of its kind.
pub(crate) fn new_slug(
    data: &Dataset,
    kind: EntityKind,
    requested: Option<String>,
    (name, name_field): (&str, &str),
    field: &str,
) -> Result<String, Error> {
    if let Some(slug) = requested {
        if !is_slug(&slug) {
            return Err(Error::bad_input(
                field,
                format!("`{slug}` is not a slug (lowercase ascii words joined by hyphens)"),
            ));
        }
        if data.contains(&EntityRef::new(kind, slug.clone())) {
            return Err(Error::bad_input(field, format!("a {} with the slug `{slug}` already exists", kind.noun())));
        }
        return Ok(slug);
    }
    if name.trim().is_empty() {
        return Err(Error::bad_input(name_field, "must not be empty"));
    }
    let base = slugify(name);
    if base.is_empty() {
        return Err(Error::bad_input(field, "no slug can be made from the name: give one"));
    }
    let mut slug = base.clone();
    let mut n = 2;
    while data.contains(&EntityRef::new(kind, slug.clone())) {
        slug = format!("{base}-{n}");
        n += 1;
    }
    Ok(slug)
}

/// Lowercase ASCII words of `name` joined by hyphens, at most about 60 chars.
fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for word in name.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if slug.len() + word.len() > 60 && !slug.is_empty() {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word.to_ascii_lowercase());
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_made_from_names() {
        assert_eq!(slugify("Changchun’s 2nd Film Festival!"), "changchun-s-2nd-film-festival");
        assert_eq!(slugify("长春"), "");
    }

    #[test]
    fn record_paths_become_input_names() {
        assert_eq!(input_path("cities[1]"), "cityIds[1]");
        assert_eq!(input_path("source.document"), "source.documentId");
        assert_eq!(input_path("source.excerpt"), "source");
        assert_eq!(input_path("subject.id"), "subjectId");
        assert_eq!(input_path("rank"), "rank");
    }
}
