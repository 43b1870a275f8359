//! The HTTP edge: routes, the GraphQL handler, the WebSocket endpoint, the playground
//! and health checks. Every error body is GraphQL-shaped JSON with `extensions.code`.

mod ws;

use std::sync::Arc;

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::GraphQLResponse;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tower_http::trace::TraceLayer;

pub use ws::WsLimits;

use crate::auth::{Caller, Tokens};
use crate::graphql::limits::{self, SchemaShape};
use crate::graphql::{loaders_for_request, AppSchema};
use crate::search::SearchIndex;
use crate::store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub store: Store,
    pub index: Arc<SearchIndex>,
    pub tokens: Arc<Tokens>,
    pub ws_limits: WsLimits,
    pub limits: Limits,
}

/// What a request may ask for.
#[derive(Clone)]
pub struct Limits {
    pub document: crate::graphql::limits::Limits,
    pub shape: Arc<SchemaShape>,
    pub max_body_bytes: usize,
}

/// Builds the router.
pub fn router(state: AppState) -> Router {
    let body_limit = DefaultBodyLimit::max(state.limits.max_body_bytes);
    Router::new()
        .route("/graphql", get(playground).post(graphql))
        .route("/graphql/ws", get(ws::upgrade))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .layer(body_limit)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Returns a GraphQL-shaped error body.
pub fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }))).into_response()
}

async fn graphql(State(state): State<AppState>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let message = format!("the body is larger than {} bytes", state.limits.max_body_bytes);
            return error_response(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", &message);
        }
        Err(_) => return error_response(StatusCode::BAD_REQUEST, "BAD_REQUEST", "the body could not be read"),
    };
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            let message = format!("the body is not a GraphQL request: {error}");
            return error_response(StatusCode::BAD_REQUEST, "BAD_REQUEST", &message);
        }
    };
    if let Err(refusal) = limits::check(
        &request.query,
        &request.variables,
        request.operation_name.as_deref(),
        &state.limits.document,
        &state.limits.shape,
    ) {
        tracing::info!(code = refusal.code, "request refused by a limit");
        return error_response(StatusCode::BAD_REQUEST, refusal.code, &refusal.message);
    }
    let authorization = headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok());
    let caller = Caller::from_header(&state.tokens, authorization);
    let request = request.data(loaders_for_request(state.store.clone())).data(caller);
    GraphQLResponse::from(state.schema.execute(request).await).into_response()
}

async fn playground() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").title("achievement-graph").finish())
}

/// Answers 200 when the store can be queried and the index searched.
async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => Json(json!({ "status": "ok", "indexedDocuments": state.index.len() })).into_response(),
        Err(error) => {
            tracing::error!(%error, "health check failed");
            error_response(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", "the store is not usable")
        }
    }
}

async fn not_found() -> Response {
    error_response(StatusCode::NOT_FOUND, "NOT_FOUND", "no such route: use POST /graphql")
}
