//! The HTTP edge: routes, the GraphQL handler, the WebSocket endpoint, the playground
//! and its assets, and health checks. Every error is the crate's `Error`, answered as
//! GraphQL-shaped JSON with `extensions.code` (`errors`).

mod cache;
pub mod caching;
mod errors;
mod graphql;
mod layers;
pub mod media;
pub mod persisted;
mod serve;
mod web;
mod ws;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use cache::{ParsedDocuments, ResponseCache};
pub use caching::CachePolicy;
pub use layers::{protect, TrafficLimits};
pub use persisted::PersistedDocuments;
pub use serve::serve;
pub use ws::WsLimits;

use crate::auth::Tokens;
use crate::error::{Code, Error};
use crate::graphql::plan::FastPath;
use crate::graphql::shape::SchemaShape;
use crate::graphql::{AppSchema, IntrospectionSchema};
use crate::indexing::Indexer;
use crate::store::Store;

/// What every handler can reach; cloned for every request, so it is one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The state behind `AppState`.
pub struct Shared {
    pub schema: AppSchema,
    /// The same schema, answering `__schema.description` too (for introspection only:
    /// its extension would cost every other request a hook per field).
    pub introspection_schema: IntrospectionSchema,
    pub store: Store,
    pub indexer: Arc<Indexer>,
    pub tokens: Arc<Tokens>,
    pub ws_limits: WsLimits,
    pub limits: Limits,
    pub cache: ResponseCache,
    pub documents: ParsedDocuments,
    pub persisted: PersistedDocuments,
    /// The compiled query plans.
    pub fast_path: Arc<FastPath>,
    pub caching: CachePolicy,
    /// Whether `GET /graphql` without a query serves GraphiQL.
    pub playground: bool,
    /// Whether `GET /` (and the explorer's other URLs) serves the explorer.
    pub explorer: bool,
}

/// What a request may ask for.
#[derive(Clone)]
pub struct Limits {
    pub document: crate::graphql::limits::Limits,
    pub shape: Arc<SchemaShape>,
    pub max_body_bytes: usize,
    /// Refuse POST bodies that are not JSON (what a cross-site form could send).
    pub csrf_protection: bool,
    /// Requests one batch may hold; 0 turns batching off.
    pub max_batch: usize,
    pub traffic: TrafficLimits,
}

/// Builds the router.
pub fn router(state: AppState) -> Router {
    let body_limit = DefaultBodyLimit::max(state.limits.max_body_bytes);
    let traffic = state.limits.traffic.clone();
    let routes = Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post).fallback(method_not_allowed))
        .route("/graphql/ws", get(ws::upgrade).fallback(method_not_allowed))
        .route("/healthz", get(healthz).fallback(method_not_allowed))
        .route("/readyz", get(readyz).fallback(method_not_allowed))
        .route("/metrics", get(metrics).fallback(method_not_allowed))
        .route("/assets/{*path}", get(web::asset).fallback(method_not_allowed))
        .route("/", get(explorer).fallback(method_not_allowed))
        .route("/search", get(explorer).fallback(method_not_allowed))
        .route("/{kind}/{slug}", get(explorer_entity).fallback(method_not_allowed))
        .fallback(not_found)
        .layer(body_limit)
        .with_state(state);
    layers::protect(routes, &traffic)
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", id = %id, method = %request.method(), path = %request.uri().path())
        }))
        .layer(SetRequestIdLayer::x_request_id(layers::RequestIds::new()))
}

/// Answers 200 while the process serves (liveness); it touches neither store nor index.
async fn healthz(State(state): State<AppState>) -> Response {
    Json(json!({ "status": "ok", "indexedDocuments": state.indexer.index().len(), "generation": state.indexer.index().applied() }))
        .into_response()
}

/// Serves the metrics in the Prometheus text format.
async fn metrics() -> Response {
    let body = crate::metrics::get().encode();
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body).into_response()
}

/// Answers 200 when the store can be queried and has room to write, and the index can be
/// searched and is sound on disk (readiness); else 503 with every problem found, each with
/// the part at fault (`store`, `index`), its code and what is wrong, the first of them
/// also as a GraphQL-shaped error. The server keeps answering what it can meanwhile.
async fn readyz(State(state): State<AppState>) -> Response {
    let mut problems: Vec<(&str, Code, String)> = Vec::new();
    if let Err(error) = state.store.ping().await {
        tracing::error!(error = %error.chain(), "readiness: the store is not usable");
        problems.push(("store", Code::Unavailable, "the store cannot be queried".to_owned()));
    }
    if let Some(message) = state.store.space_problem() {
        problems.push(("store", Code::InsufficientStorage, message));
    }
    let index = state.indexer.index();
    if let Err(error) = index.search(crate::search::SearchRequest { limit: 1, ..Default::default() }).await {
        tracing::error!(error = %error.chain(), "readiness: the index is not usable");
        problems.push(("index", Code::Unavailable, "the search index cannot be searched".to_owned()));
    }
    for problem in state.indexer.problems() {
        problems.push(("index", problem.code, problem.message));
    }
    let Some((_, code, message)) = problems.first() else {
        return Json(json!({ "status": "ready", "indexedDocuments": index.len(), "generation": index.applied() }))
            .into_response();
    };
    let listed: Vec<_> = problems
        .iter()
        .map(|(part, code, message)| json!({ "part": part, "code": code.as_str(), "message": message }))
        .collect();
    let body = json!({
        "status": "unavailable",
        "problems": listed,
        "errors": [{ "message": message, "extensions": { "code": code.as_str() } }],
    });
    (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
}

/// The explorer's pages: the search at `/` and `/search`.
async fn explorer(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    if !state.explorer {
        return Error::refused(Code::NotFound, "the explorer is turned off (by --explorer false, or by --only-trusted-documents, which refuses the documents it sends): use POST /graphql").into_response();
    }
    web::explorer(&headers)
}

/// The URLs the explorer gives its entity pages and its article view: `/city/changchun`,
/// `/article/changchun-top-ten-2019`.
const EXPLORER_KINDS: [&str; 9] =
    ["achievement", "list", "city", "country", "organization", "event", "statistic", "document", "article"];

async fn explorer_entity(
    State(state): State<AppState>,
    axum::extract::Path((kind, _slug)): axum::extract::Path<(String, String)>,
    headers: axum::http::HeaderMap,
) -> Response {
    if !EXPLORER_KINDS.contains(&kind.as_str()) {
        return not_found().await;
    }
    explorer(State(state), headers).await
}

async fn method_not_allowed(uri: axum::http::Uri) -> Response {
    let allow = if uri.path() == "/graphql" { "GET, POST" } else { "GET" };
    let mut response =
        Error::refused(Code::MethodNotAllowed, format!("{} answers {allow}", uri.path())).into_response();
    response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}

async fn not_found() -> Response {
    Error::refused(Code::NotFound, "no such route: use POST /graphql").into_response()
}
