//! The GraphQL schema: roots split by domain, loaders, connections and global IDs.
//! The SDL it generates is checked in as `schema.graphql`.

mod changes;
mod connection;
mod ids;
pub mod limits;
mod loaders;
mod mutation;
mod query;
mod search;
mod types;

use std::sync::Arc;

use async_graphql::{MergedObject, Schema};

pub use loaders::{batched as batched_loaders, for_request as loaders_for_request, Batched, Loaders, Queued};

use crate::search::SearchIndex;
use crate::store::Store;

/// Every read field of the API.
#[derive(MergedObject, Default)]
pub struct Query(query::ReadQuery, search::SearchQuery);

pub use changes::ChangeSubscription as Subscription;
pub use mutation::MutationRoot as Mutation;

/// The schema type served over HTTP and WebSocket.
pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// Builds the schema over a store and a search index; introspection and field
/// suggestions can be turned off.
pub fn build(store: Store, index: Arc<SearchIndex>, introspection: bool, suggestions: bool) -> AppSchema {
    let mut builder = Schema::build(Query::default(), Mutation, Subscription).data(store).data(index);
    if !introspection {
        builder = builder.disable_introspection();
    }
    if !suggestions {
        builder = builder.disable_suggestions();
    }
    builder.finish()
}

/// Returns the SDL of the schema, as checked in to `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation, Subscription).finish().sdl()
}
