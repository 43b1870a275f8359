//! The integration suite: one binary, real HTTP on port 0, a temporary database and
//! index per test.

mod auth;
mod batching;
mod cache;
mod chinese;
mod crash;
mod dataset;
mod etags;
mod fuzzing;
mod graph;
mod helpers;
mod hostile;
mod http;
mod index;
mod limits;
mod media;
mod mutations;
mod pages;
mod pagination;
mod persisted;
mod plan;
mod postgres;
mod process;
mod readings;
mod replicas;
mod schema;
mod search;
mod storage;
mod subscriptions;
mod traffic;
