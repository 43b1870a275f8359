//! Per-request DataLoaders: every entity-by-id and every relation is batched into one
//! store query per nesting level, and cached only for the request.
//!
//! A level's loads go out when the request's execution has nothing else to do
//! (`Batched`), not after a timer: under load, a timer fired while the executor was
//! still polling a level a few fields at a time, and one level became many queries.

use std::collections::HashMap;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll, Wake, Waker};
use std::time::Duration;

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

/// Returns a fresh loader for one connection (subscriptions): a level's loads go out
/// after the engine's default 1 ms wait.
pub fn for_request(store: Store) -> Loaders {
    DataLoader::new(StoreLoader { store }, tokio::spawn)
}

/// Returns a fresh loader for one request and the queue of its loads, which `Batched`
/// starts whenever the request's execution is idle.
pub fn batched(store: Store) -> (Loaders, Queued) {
    let queued = Queued::default();
    let queue = queued.clone();
    let loaders = DataLoader::new(StoreLoader { store }, move |load| queue.push(load)).delay(Duration::ZERO);
    (loaders, queued)
}

/// A load the engine hands to its spawner.
type Load = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// The loads a request asked for and that have not started.
#[derive(Clone, Default)]
pub struct Queued(Arc<Mutex<Vec<Load>>>);

impl Queued {
    fn push(&self, load: Load) {
        if let Ok(mut loads) = self.0.lock() {
            loads.push(load);
        }
    }

    fn start(&self) {
        let loads = self.0.lock().map(|mut loads| std::mem::take(&mut *loads)).unwrap_or_default();
        for load in loads {
            tokio::spawn(load);
        }
    }
}

/// How many times in a row `Batched` repolls an execution that asked to be polled again
/// before it lets other tasks run.
const MAX_REPOLLS: usize = 10_000;

/// Runs a request's execution so that each nesting level's loads go out together.
///
/// The engine resolves a list's items with `FuturesUnordered`, which hands control back
/// to the runtime after a couple of items whose fields are waiting (it wakes itself and
/// returns). `Batched` polls again at once while the execution woke itself, and starts
/// the queued loads only when it waits on nothing but them (or the store). Tokio's
/// cooperative budget is lifted inside, so a spent budget cannot make it spin.
pub struct Batched<F> {
    execution: Pin<Box<tokio::task::coop::Unconstrained<F>>>,
    queued: Queued,
}

impl<F: Future> Batched<F> {
    pub fn new(execution: F, queued: Queued) -> Self {
        Self { execution: Box::pin(tokio::task::coop::unconstrained(execution)), queued }
    }
}

impl<F: Future> Future for Batched<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        let signal = Arc::new(SelfWake { woken: AtomicBool::new(false), waker: cx.waker().clone() });
        let waker = Waker::from(signal.clone());
        let mut inner = TaskContext::from_waker(&waker);
        for _ in 0..MAX_REPOLLS {
            signal.woken.store(false, Ordering::Relaxed);
            if let Poll::Ready(output) = self.execution.as_mut().poll(&mut inner) {
                return Poll::Ready(output);
            }
            if !signal.woken.load(Ordering::Relaxed) {
                break;
            }
        }
        self.queued.start();
        Poll::Pending
    }
}

/// A waker that notes a wake and passes it on to the task's own.
struct SelfWake {
    woken: AtomicBool,
    waker: Waker,
}

impl Wake for SelfWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Relaxed);
        self.waker.wake_by_ref();
    }
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
