//! What changed: each entity's `history` (the audit table, for token holders) and the
//! `changes` subscription (every write, as soon as this server can search it).

use std::sync::Arc;

use async_graphql::futures_util::{stream, Stream, StreamExt};
use async_graphql::{Context, Enum, ErrorExtensions, Json, Object, SimpleObject, Subscription, ID};
use tokio::sync::broadcast::error::RecvError;

use super::ids::encode_ref;
use super::loaders::GqlResult;
use super::query::load_node;
use super::search::SearchType;
use super::types::Node;
use crate::auth::Caller;
use crate::error::{Code, Error};
use crate::indexing::{ChangeEvent, Indexer};
use crate::model::edit;
use crate::model::EntityRef;
use crate::store::{HistoryEntry, Store};

/// The most history entries one request may ask for.
const MAX_HISTORY: i32 = 100;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::model::edit::ChangeKind")]
pub enum ChangeKind {
    Created,
    Updated,
    Deleted,
}

/// One change to one entity, sent once this server can search it.
pub struct Change(pub ChangeEvent);

#[Object]
impl Change {
    async fn kind(&self) -> ChangeKind {
        self.0.kind.into()
    }

    #[graphql(name = "type")]
    async fn kind_of_entity(&self) -> SearchType {
        self.0.target.kind.into()
    }

    async fn id(&self) -> ID {
        encode_ref(&self.0.target)
    }

    /// The data generation the write took: changes arrive in this order.
    async fn generation(&self) -> i64 {
        self.0.generation
    }

    /// Null when deleted.
    async fn node(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Node>> {
        if self.0.kind == edit::ChangeKind::Deleted {
            return Ok(None);
        }
        load_node(ctx, self.0.target.kind, &self.0.target.id).await
    }
}

/// One recorded change of an entity: who, when, which write, and the entity before and
/// after it (as in the dataset file format).
#[derive(SimpleObject)]
pub struct ChangeRecord {
    pub kind: ChangeKind,
    /// The version after the change (the last version, for a deletion).
    pub version: i64,
    /// The name of the token that wrote it (`bundled` or `cli` for imports).
    pub actor: String,
    /// The mutation or command that wrote it.
    pub operation: String,
    /// RFC 3339, UTC.
    pub changed_at: String,
    pub generation: i64,
    pub before: Option<Json<serde_json::Value>>,
    pub after: Option<Json<serde_json::Value>>,
}

impl From<HistoryEntry> for ChangeRecord {
    fn from(entry: HistoryEntry) -> Self {
        Self {
            kind: entry.kind.into(),
            version: entry.version,
            actor: entry.actor,
            operation: entry.operation,
            changed_at: entry.changed_at,
            generation: entry.generation,
            before: entry.before.map(Json),
            after: entry.after.map(Json),
        }
    }
}

/// Returns an entity's history, newest first; token holders only, as it names them.
pub async fn history(ctx: &Context<'_>, target: EntityRef, first: i32) -> async_graphql::Result<Vec<ChangeRecord>> {
    ctx.data_opt::<Caller>().unwrap_or(&Caller::Anonymous).writer().gql()?;
    if !(1..=MAX_HISTORY).contains(&first) {
        return Err(Error::bad_input("first", format!("`first` must be between 1 and {MAX_HISTORY}, got {first}")))
            .gql();
    }
    let entries = ctx.data_unchecked::<Store>().history(&target, i64::from(first)).await.gql()?;
    Ok(entries.into_iter().map(ChangeRecord::from).collect())
}

#[derive(Default)]
pub struct ChangeSubscription;

#[Subscription(name = "Subscription")]
impl ChangeSubscription {
    /// Every change to the graph from now on, optionally only of some types. A change is
    /// sent once this server's search shows it. A subscriber that falls too far behind
    /// gets a `CHANGES_MISSED` error item and should refetch what it shows.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        types: Option<Vec<SearchType>>,
    ) -> impl Stream<Item = async_graphql::Result<Change>> {
        let receiver = ctx.data_unchecked::<Arc<Indexer>>().subscribe();
        let types = types.unwrap_or_default();
        stream::unfold(receiver, |mut receiver| async move {
            let item = match receiver.recv().await {
                Ok(event) => Ok(event),
                Err(RecvError::Lagged(missed)) => Err(missed),
                Err(RecvError::Closed) => return None,
            };
            Some((item, receiver))
        })
        .filter_map(move |item| {
            let keep = match &item {
                Ok(event) => types.is_empty() || types.contains(&event.target.kind.into()),
                Err(_) => true,
            };
            async move {
                keep.then(|| {
                    item.map(Change).map_err(|missed| {
                        let message = format!("{missed} changes were missed: refetch what you show");
                        Error::refused(Code::ChangesMissed, message).extend()
                    })
                })
            }
        })
    }
}
