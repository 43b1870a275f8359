//! The GraphQL handlers over HTTP: POST with a JSON body, GET with query parameters
//! (queries only: a mutation over GET is refused with 405), and GraphiQL for a browser.
//! Requests are checked against the limits and, for POST, against cross-site request
//! forgery before anything runs.

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::GraphQLResponse;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::{error_response, AppState};
use crate::auth::Caller;
use crate::graphql::limits;
use crate::graphql::loaders_for_request;
use crate::metrics;

/// POST /graphql: a JSON body `{ query, variables, operationName }`.
pub async fn post(State(state): State<AppState>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    if state.limits.csrf_protection && !is_json(&headers) {
        // Forms and text/plain are what a browser sends cross-site without a preflight.
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "send the request as `content-type: application/json`",
        );
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let message = format!("the body is larger than {} bytes", state.limits.max_body_bytes);
            return refuse(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", &message);
        }
        Err(_) => return refuse(StatusCode::BAD_REQUEST, "BAD_REQUEST", "the body could not be read"),
    };
    // A JSON array is a batch: refused unless batching is configured, and capped.
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return batch(&state, &headers, &body).await;
    }
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            let message = format!("the body is not a GraphQL request: {error}");
            return refuse(StatusCode::BAD_REQUEST, "BAD_REQUEST", &message);
        }
    };
    match run(&state, &headers, request, Method::Post).await {
        Ok(response) => GraphQLResponse::from(response).into_response(),
        Err(refused) => refused,
    }
}

/// Runs a batch of requests, each checked like a single one; the answer is an array.
async fn batch(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Response {
    let max = state.limits.max_batch;
    if max == 0 {
        return refuse(
            StatusCode::BAD_REQUEST,
            "BATCHING_DISABLED",
            "batched requests are not accepted: send one request per POST",
        );
    }
    let requests: Vec<async_graphql::Request> = match serde_json::from_slice(body) {
        Ok(requests) => requests,
        Err(error) => {
            return refuse(StatusCode::BAD_REQUEST, "BAD_REQUEST", &format!("the body is not a GraphQL batch: {error}"))
        }
    };
    if requests.is_empty() || requests.len() > max {
        return refuse(
            StatusCode::BAD_REQUEST,
            "BATCH_TOO_LARGE",
            &format!("a batch holds 1 to {max} requests, not {}", requests.len()),
        );
    }
    let mut answers = Vec::with_capacity(requests.len());
    for request in requests {
        match run(state, headers, request, Method::Post).await {
            Ok(response) => answers.push(serde_json::to_value(&response).unwrap_or_default()),
            Err(refused) => return refused,
        }
    }
    axum::Json(answers).into_response()
}

/// GET /graphql: `?query=...&variables=...&operationName=...` runs a query; without a
/// query it serves GraphiQL.
pub async fn get(State(state): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        return Html(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .subscription_endpoint("/graphql/ws")
                .title("achievement-graph")
                .finish(),
        )
        .into_response();
    };
    let request = match async_graphql::http::parse_query_string(&query) {
        Ok(request) => request,
        Err(error) => {
            let message = format!("the query string is not a GraphQL request: {error}");
            return refuse(StatusCode::BAD_REQUEST, "BAD_REQUEST", &message);
        }
    };
    match run(&state, &headers, request, Method::Get).await {
        Ok(response) => GraphQLResponse::from(response).into_response(),
        Err(refused) => refused,
    }
}

/// How a request arrived: over GET only queries run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
}

/// Checks the limits, identifies the caller and runs the request.
async fn run(
    state: &AppState,
    headers: &HeaderMap,
    request: async_graphql::Request,
    method: Method,
) -> Result<async_graphql::Response, Response> {
    if request.query.trim().is_empty() {
        return Err(refuse(StatusCode::BAD_REQUEST, "BAD_REQUEST", "the request has no `query`"));
    }
    let checked = match limits::check(
        &request.query,
        &request.variables,
        request.operation_name.as_deref(),
        &state.limits.document,
        &state.limits.shape,
    ) {
        Ok(checked) => checked,
        Err(refusal) => {
            tracing::info!(code = refusal.code, "request refused by a limit");
            return Err(refuse(StatusCode::BAD_REQUEST, refusal.code, &refusal.message));
        }
    };
    if method == Method::Get && checked.writes {
        let mut response = refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "only queries run over GET: send mutations and subscriptions with POST (or over /graphql/ws)",
        );
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return Err(response);
    }
    let authorization = headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok());
    let caller = Caller::from_header(&state.tokens, authorization);
    // A mutation without a valid token is refused as a whole, before any of its
    // arguments is looked at.
    if checked.mutation {
        if let Err(error) = caller.writer() {
            let mut response = refuse(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", &error.to_string());
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return Err(response);
        }
    }
    let operation = checked.name;
    let request = request.data(loaders_for_request(state.store.clone())).data(caller);
    let started = std::time::Instant::now();
    let mut response = state.schema.execute(request).await;
    let outcome = if response.is_ok() { "ok" } else { "error" };
    metrics::get().request(operation.as_deref(), outcome, started.elapsed());
    // The engine's own refusals (unknown fields, wrong variable types...) carry no code:
    // nothing ran, so they are validation failures.
    if response.data == async_graphql::Value::Null {
        for error in &mut response.errors {
            let extensions = error.extensions.get_or_insert_with(Default::default);
            if extensions.get("code").is_none() {
                extensions.set("code", "GRAPHQL_VALIDATION_FAILED");
            }
        }
    }
    Ok(response)
}

/// Answers a refused request, counting it by its code.
fn refuse(status: StatusCode, code: &'static str, message: &str) -> Response {
    metrics::get().rejected(code);
    error_response(status, code, message)
}

/// Returns whether the request says its body is JSON.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || mime == "application/graphql-response+json"
        })
        .unwrap_or(false)
}
