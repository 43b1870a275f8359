//! Per-request DataLoaders: every entity-by-id and every relation is batched into one
//! store query per nesting level, and cached only for the request.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, ErrorExtensions};

use crate::error::Error;
use crate::model::Span;
use crate::store::{Entity, Rel, Store};

/// Loads entities and relations from the store in batches.
pub struct StoreLoader {
    store: Store,
}

/// The loader type attached to each request.
pub type Loaders = DataLoader<StoreLoader>;

/// Returns a fresh loader for one request.
pub fn for_request(store: Store) -> Loaders {
    DataLoader::new(StoreLoader { store }, tokio::spawn)
}

/// Key: the entity of type `T` with this slug.
pub struct ById<T>(pub String, PhantomData<fn() -> T>);

impl<T> ById<T> {
    pub fn new(slug: impl Into<String>) -> Self {
        Self(slug.into(), PhantomData)
    }
}

/// Key: the entities of type `T` related to `parent` through `rel`.
pub struct Related<T> {
    pub rel: Rel<T>,
    pub parent: String,
}

macro_rules! key_traits {
    ($name:ident, $($field:tt),+) => {
        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                Self { $($field: self.$field.clone()),+ }
            }
        }
        impl<T> PartialEq for $name<T> {
            fn eq(&self, other: &Self) -> bool {
                true $(&& self.$field == other.$field)+
            }
        }
        impl<T> Eq for $name<T> {}
        impl<T> Hash for $name<T> {
            fn hash<H: Hasher>(&self, state: &mut H) {
                $(self.$field.hash(state);)+
            }
        }
    };
}
key_traits!(ById, 0, 1);
key_traits!(Related, rel, parent);

impl<T: Entity> Loader<ById<T>> for StoreLoader {
    type Value = T;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[ById<T>]) -> Result<HashMap<ById<T>, T>, Self::Error> {
        let ids: Vec<String> = keys.iter().map(|key| key.0.clone()).collect();
        let found = self.store.by_ids::<T>(&ids).await.map_err(Arc::new)?;
        Ok(found.into_iter().map(|entity| (ById::new(Entity::id(&entity)), entity)).collect())
    }
}

impl<T: Entity> Loader<Related<T>> for StoreLoader {
    type Value = Vec<T>;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[Related<T>]) -> Result<HashMap<Related<T>, Vec<T>>, Self::Error> {
        let mut by_rel: HashMap<Rel<T>, Vec<String>> = HashMap::new();
        for key in keys {
            by_rel.entry(key.rel).or_default().push(key.parent.clone());
        }
        let mut out: HashMap<Related<T>, Vec<T>> = HashMap::new();
        for (rel, parents) in by_rel {
            for parent in &parents {
                out.insert(Related { rel, parent: parent.clone() }, Vec::new());
            }
            for (parent, entity) in self.store.related(rel, &parents).await.map_err(Arc::new)? {
                out.entry(Related { rel, parent }).or_default().push(entity);
            }
        }
        Ok(out)
    }
}

/// Key: the text of a span, cut by the store.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Excerpt(pub Span);

impl Loader<Excerpt> for StoreLoader {
    type Value = String;
    type Error = Arc<Error>;

    async fn load(&self, keys: &[Excerpt]) -> Result<HashMap<Excerpt, String>, Self::Error> {
        let spans: Vec<Span> = keys.iter().map(|key| key.0.clone()).collect();
        let found = self.store.excerpts(&spans).await.map_err(Arc::new)?;
        Ok(found.into_iter().map(|(span, text)| (Excerpt(span), text)).collect())
    }
}

/// Returns the text a span covers (empty when its document is gone).
pub async fn excerpt(ctx: &Context<'_>, span: &Span) -> async_graphql::Result<String> {
    Ok(ctx.data_unchecked::<Loaders>().load_one(Excerpt(span.clone())).await.gql()?.unwrap_or_default())
}

/// Turns the project's errors into GraphQL errors with `extensions.code`.
pub trait GqlResult<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> GqlResult<T> for Result<T, Error> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|error| error.extend())
    }
}

impl<T> GqlResult<T> for Result<T, Arc<Error>> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|error| error.extend())
    }
}

/// Loads one entity by slug; `None` when it does not exist.
pub async fn one<T: Entity>(ctx: &Context<'_>, slug: &str) -> async_graphql::Result<Option<T>> {
    ctx.data_unchecked::<Loaders>().load_one(ById::<T>::new(slug)).await.gql()
}

/// Loads an entity that must exist (a reference the store guarantees).
pub async fn required<T: Entity>(ctx: &Context<'_>, slug: &str) -> async_graphql::Result<T> {
    one(ctx, slug)
        .await?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("dangling reference to `{slug}` in {}", T::TABLE)).extend())
}

/// Loads the entities related to `parent` through `rel`.
pub async fn related<T: Entity>(ctx: &Context<'_>, rel: Rel<T>, parent: &str) -> async_graphql::Result<Vec<T>> {
    let key = Related { rel, parent: parent.to_owned() };
    Ok(ctx.data_unchecked::<Loaders>().load_one(key).await.gql()?.unwrap_or_default())
}

/// Loads several entities by slug in one batch, keyed by slug.
pub async fn many<T: Entity>(ctx: &Context<'_>, slugs: Vec<String>) -> async_graphql::Result<HashMap<String, T>> {
    if slugs.is_empty() {
        return Ok(HashMap::new());
    }
    let found = ctx.data_unchecked::<Loaders>().load_many(slugs.into_iter().map(ById::<T>::new)).await.gql()?;
    Ok(found.into_iter().map(|(key, entity)| (key.0, entity)).collect())
}
