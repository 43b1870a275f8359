//! The GraphQL schema: roots split by domain, loaders, connections and global IDs, the
//! compiled plans of the fast path (`plan`) and the document order of answers (`order`).
//! The SDL it generates is checked in as `schema.graphql`.

mod changes;
mod connection;
mod ids;
pub mod limits;
mod loaders;
mod mutation;
mod order;
pub mod plan;
mod query;
mod search;
pub mod shape;
mod types;

use std::sync::{Arc, OnceLock};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo};
use async_graphql::{MergedObject, Schema, ServerResult, Value};

pub use loaders::{batched as batched_loaders, for_request as loaders_for_request, Batched, Loaders, Queued};
pub use order::{annotate, reorder};

use crate::indexing::Indexer;
use crate::store::Store;

/// Every read field of the API.
#[derive(MergedObject, Default)]
pub struct Query(query::ReadQuery, search::SearchQuery);

pub use changes::ChangeSubscription as Subscription;
pub use mutation::MutationRoot as Mutation;

/// The schema type served over HTTP and WebSocket.
pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// What the schema says of itself: `__schema.description`, and the description of the
/// SDL's `schema` block.
pub const DESCRIPTION: &str = "achievement-graph: a fact graph with full-text search. Every figure keeps the \
sentence that states it (`Statistic.source`); `search` finds any entity by keyword, with highlights, facets and \
typo tolerance.";

/// How a schema is built.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub introspection: bool,
    pub suggestions: bool,
    /// Answer `__schema.description` with `DESCRIPTION` (async-graphql answers a text of
    /// its own). It costs every field a resolver hook, so only a schema kept for
    /// introspection requests turns it on.
    pub describe: bool,
}

/// Builds the schema over a store and the search index with what feeds it.
pub fn build(store: Store, indexer: Arc<Indexer>, options: Options) -> AppSchema {
    let mut builder = Schema::build(Query::default(), Mutation, Subscription).data(store).data(indexer);
    if !options.introspection {
        builder = builder.disable_introspection();
    }
    if !options.suggestions {
        builder = builder.disable_suggestions();
    }
    if options.describe {
        builder = builder.extension(Describe);
    }
    builder.finish()
}

/// The schema built with `describe`, for whole-schema introspection only: built on the
/// first such request, so a start (which builds the main schema) does not pay for two.
#[derive(Clone)]
pub struct IntrospectionSchema(Arc<(OnceLock<AppSchema>, Store, Arc<Indexer>, Options)>);

impl IntrospectionSchema {
    pub fn new(store: Store, indexer: Arc<Indexer>, options: Options) -> Self {
        Self(Arc::new((OnceLock::new(), store, indexer, Options { describe: true, ..options })))
    }

    /// Returns the schema, building it the first time.
    pub fn get(&self) -> &AppSchema {
        let (schema, store, indexer, options) = &*self.0;
        schema.get_or_init(|| build(store.clone(), indexer.clone(), *options))
    }
}

/// Returns the SDL of the schema, as checked in to `schema.graphql`: async-graphql's,
/// with the schema's description on its `schema` block.
pub fn sdl() -> String {
    describe_sdl(&engine_sdl())
}

/// Returns the SDL as async-graphql prints it, without the schema's description (which
/// its own parser does not read): what `SchemaShape::from_sdl` reads.
pub fn engine_sdl() -> String {
    Schema::build(Query::default(), Mutation, Subscription).finish().sdl()
}

/// Puts `DESCRIPTION` on the SDL's `schema` block.
pub fn describe_sdl(sdl: &str) -> String {
    let description = format!("\"\"\"\n{DESCRIPTION}\n\"\"\"\nschema {{");
    match sdl.find("\nschema {") {
        Some(at) => format!("{}\n{description}{}", &sdl[..at], &sdl[at + "\nschema {".len()..]),
        None => {
            format!("{sdl}\n{description}\n\tquery: Query\n\tmutation: Mutation\n\tsubscription: Subscription\n}}\n")
        }
    }
}

/// Answers `__schema.description` with the schema's own description.
struct Describe;

impl ExtensionFactory for Describe {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Describe)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for Describe {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if info.parent_type == "__Schema" && info.name == "description" {
            return Ok(Some(Value::from(DESCRIPTION)));
        }
        next.run(ctx, info).await
    }
}
