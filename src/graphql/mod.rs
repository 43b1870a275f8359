//! The GraphQL schema: roots split by domain, loaders, connections and global IDs.
//! The SDL it generates is checked in as `schema.graphql`.

mod connection;
mod ids;
mod loaders;
mod query;
mod search;
mod types;

use std::sync::Arc;

use async_graphql::{EmptyMutation, EmptySubscription, MergedObject, Schema};

pub use loaders::{for_request as loaders_for_request, Loaders};

use crate::search::SearchIndex;
use crate::store::Store;

/// Every read field of the API.
#[derive(MergedObject, Default)]
pub struct Query(query::ReadQuery, search::SearchQuery);

/// The schema type served over HTTP.
pub type AppSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Builds the schema over a store and a search index.
pub fn build(store: Store, index: Arc<SearchIndex>) -> AppSchema {
    Schema::build(Query::default(), EmptyMutation, EmptySubscription).data(store).data(index).finish()
}

/// Returns the SDL of the schema, as checked in to `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query::default(), EmptyMutation, EmptySubscription).finish().sdl()
}
