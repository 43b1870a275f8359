//! The write side of the schema. Every mutation is one write: check the token, read
//! the part of the graph around the write under the writer lock, edit it, validate
//! what changed with the dataset rules, commit the difference with its audit and
//! outbox rows, and answer once this server's search shows the change
//! (read-your-writes).

mod fields;
mod inputs;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::Context;

pub use fields::MutationRoot;

use crate::auth::Caller;
use crate::error::Error;
use crate::indexing::Indexer;
use crate::model::dataset::{Dataset, Problem};
use crate::model::edit::{citing_changed_text, diff, reads, ChangeKind};
use crate::model::validate::{validate, validate_only};
use crate::model::{is_slug, EntityKind, EntityRef};
use crate::store::{Committed, Part, Store};

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

/// What a write reads of the graph before it edits it.
pub(crate) enum Reads {
    /// The part around the entity whose version is checked and these: what references
    /// them, what they reference, and more as the edit shows it needs it.
    Around(Vec<EntityRef>),
    /// The whole graph (an import).
    All,
}

/// After this many rounds of reading around a write, it reads the whole graph instead.
const MAX_ROUNDS: usize = 8;

/// Runs one write. `expected` names the entity whose version the caller read (it must
/// exist, and match when given); `edit` changes the graph and says where to point
/// validation problems. It may run more than once, on more of the graph each time, and
/// only its last run counts. Returns `None` when the edit changed nothing.
pub(crate) async fn write(
    ctx: &Context<'_>,
    operation: &'static str,
    expected: Option<(&EntityRef, Option<i64>)>,
    reads: Reads,
    mut edit: impl FnMut(&mut Dataset) -> Result<Focus, Error>,
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
    let seeds = match reads {
        Reads::Around(mut seeds) => {
            seeds.extend(expected.map(|(target, _)| target.clone()));
            Some(seeds.into_iter().collect())
        }
        Reads::All => None,
    };
    let (before, after, focus, scope) = match seeds {
        Some(seeds) => match around(store, &seeds, &mut edit).await? {
            Some(edited) => edited,
            None => whole(store, &mut edit).await?,
        },
        None => whole(store, &mut edit).await?,
    };
    let problems = match &scope {
        Some(scope) => validate_only(&after, scope),
        None => validate(&after),
    };
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
        let indexer = ctx.data_unchecked::<Arc<Indexer>>();
        indexer.wake();
        if !indexer.wait_for(committed.generation, SEARCHABLE_WAIT).await {
            tracing::warn!(generation = committed.generation, "a write is stored but not yet searchable");
        }
    }
    Ok(committed)
}

/// The graph before and after an edit, where to point its problems, and the entities
/// to validate (all when `None`).
type Edited = (Dataset, Dataset, Focus, Option<BTreeSet<EntityRef>>);

/// Edits the whole graph.
async fn whole(store: &Store, edit: &mut impl FnMut(&mut Dataset) -> Result<Focus, Error>) -> Result<Edited, Error> {
    let before = store.export().await?;
    let mut after = before.clone();
    let focus = edit(&mut after)?;
    Ok((before, after, focus, None))
}

/// Edits the part of the graph around `seeds`, so that a write costs what it touches,
/// not what the graph holds. Each round reads what the last run of the edit showed it
/// needs (the referrers and references of what it changed, the other achievements of
/// a list, the document a span cites, an entity that has a slug it was about to take)
/// and runs the edit again, until a run needs nothing new. Returns `None` when that
/// takes more than `MAX_ROUNDS`.
async fn around(
    store: &Store,
    seeds: &BTreeSet<EntityRef>,
    edit: &mut impl FnMut(&mut Dataset) -> Result<Focus, Error>,
) -> Result<Option<Edited>, Error> {
    let mut before = Dataset::empty();
    let mut asked = BTreeSet::new();
    let mut expanded = BTreeSet::new();
    let mut edited: Option<(Dataset, Focus)> = None;
    for _ in 0..MAX_ROUNDS {
        let changes = edited.as_ref().map(|(after, _)| diff(&before, after)).unwrap_or_default();
        let after = edited.as_ref().map_or(&before, |(after, _)| after);
        let (core, mut wanted) = reads(&before, after, &changes, seeds);
        let fresh: BTreeSet<EntityRef> = core.difference(&expanded).cloned().collect();
        if !fresh.is_empty() {
            wanted.extend(store.referrers(&fresh).await?);
            expanded.extend(fresh);
        }
        let missing: BTreeSet<EntityRef> = wanted.difference(&asked).cloned().collect();
        if missing.is_empty() {
            if let Some((after, focus)) = edited {
                // What changed is checked, and what cites a changed text: its spans must
                // still match it.
                let mut scope = citing_changed_text(&before, &after, &changes);
                scope.extend(changes.into_iter().filter(|c| c.kind != ChangeKind::Deleted).map(|c| c.target));
                return Ok(Some((before, after, focus, Some(scope))));
            }
        } else {
            before.absorb(store.read(Part::Only(&missing)).await?);
            asked.extend(missing);
        }
        let mut after = before.clone();
        let focus = edit(&mut after)?;
        edited = Some((after, focus));
    }
    Ok(None)
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

/// Lowercase ASCII words of `name` joined by hyphens, at most about 60 chars; Chinese
/// words become their pinyin (长春电影制片厂 is `changchun-dianying-zhipianchang`).
fn slugify(name: &str) -> String {
    let words = crate::search::analysis::pinyin::slug_words(name);
    let mut slug = String::new();
    for word in words.iter().flat_map(|word| word.split(|c: char| !c.is_ascii_alphanumeric())).filter(|w| !w.is_empty())
    {
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
        assert_eq!(slugify("长春"), "changchun");
        assert_eq!(slugify("中国第一汽车集团有限公司"), "zhongguo-diyi-qichejituan-youxiangongsi");
        assert_eq!(slugify("一汽-大众 FAW-Volkswagen"), "yiqi-dazhong-faw-volkswagen");
        assert_eq!(slugify("重庆 & 厦门"), "chongqing-xiamen");
        assert_eq!(slugify("カメラ"), "", "Kana has no romanization here");
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
