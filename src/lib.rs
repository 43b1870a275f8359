//! achievement-graph: a fact graph with full-text search behind GraphQL.
//!
//! A curated dataset (`data/`) is the source of a graph kept in SQL (`store`), indexed by
//! Tantivy (`search`, fed from the store's outbox by `indexing`) and served by
//! async-graphql (`graphql`) over axum (`http`). Dependencies point one way:
//! `http -> graphql -> {store, indexing -> search} -> model`; `app` wires them together.

pub mod app;
pub mod auth;
pub mod config;
pub mod error;
pub mod graphql;
pub mod http;
pub mod indexing;
pub mod metrics;
pub mod model;
pub mod search;
pub mod store;

pub use app::App;
pub use config::Config;
pub use error::Error;
