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

use async_graphql::parser::types::ExecutableDocument;

use super::cache::{self, Key};
use super::{error_response, AppState};
use crate::auth::Caller;
use crate::graphql::limits::{self, Checked};
use crate::graphql::{batched_loaders, Batched};
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
    answer(&state, &headers, Method::Post, body).await
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
    let caller = caller(state, headers);
    for request in requests {
        match run(state, &caller, request, Method::Post).await {
            Ok((response, _)) => answers.push(serde_json::to_value(&response).unwrap_or_default()),
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
    answer(&state, &headers, Method::Get, Bytes::from(query)).await
}

/// Answers one request: from the response cache when the same request was answered at
/// the current data generation, else by running it (and keeping a cacheable answer).
async fn answer(state: &AppState, headers: &HeaderMap, method: Method, raw: Bytes) -> Response {
    let started = std::time::Instant::now();
    let caller = caller(state, headers);
    // Credentials that match no token are never served from (or kept in) the cache.
    let key = match &caller {
        Caller::Anonymous => Some(Key::new(method, raw.clone(), None)),
        Caller::Writer(name) => Some(Key::new(method, raw.clone(), Some(name))),
        Caller::Rejected => None,
    };
    // Read before running: the answer then holds at least everything up to it.
    let generation = state.index.applied();
    if let Some(hit) = key.as_ref().and_then(|key| state.cache.get(key, generation)) {
        metrics::get().request(hit.operation.as_deref(), "ok", started.elapsed());
        return hit.response();
    }
    let request = match method {
        Method::Post => serde_json::from_slice::<async_graphql::Request>(&raw)
            .map_err(|error| format!("the body is not a GraphQL request: {error}")),
        Method::Get => std::str::from_utf8(&raw)
            .map_err(|error| error.to_string())
            .and_then(|query| async_graphql::http::parse_query_string(query).map_err(|error| error.to_string()))
            .map_err(|error| format!("the query string is not a GraphQL request: {error}")),
    };
    let request = match request {
        Ok(request) => request,
        Err(message) => return refuse(StatusCode::BAD_REQUEST, "BAD_REQUEST", &message),
    };
    let (response, checked) = match run(state, &caller, request, method).await {
        Ok(ran) => ran,
        Err(refused) => return refused,
    };
    let cacheable = !checked.writes && response.errors.is_empty() && response.http_headers.is_empty();
    match key {
        Some(key) if cacheable && state.cache.enabled() => {
            let body = Bytes::from(serde_json::to_vec(&response).unwrap_or_default());
            state.cache.put(key, generation, body.clone(), checked.name.as_deref());
            cache::Entry::fresh(body).response()
        }
        _ => GraphQLResponse::from(response).into_response(),
    }
}

/// Identifies the caller by the `authorization` header.
fn caller(state: &AppState, headers: &HeaderMap) -> Caller {
    let authorization = headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok());
    Caller::from_header(&state.tokens, authorization)
}

/// How a request arrived: over GET only queries run.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub(super) enum Method {
    Get,
    Post,
}

/// Checks the limits and the caller's right to write, then runs the request.
async fn run(
    state: &AppState,
    caller: &Caller,
    mut request: async_graphql::Request,
    method: Method,
) -> Result<(async_graphql::Response, Checked), Response> {
    if request.query.trim().is_empty() {
        return Err(refuse(StatusCode::BAD_REQUEST, "BAD_REQUEST", "the request has no `query`"));
    }
    let checked = state
        .documents
        .get_or_parse(&request.query, |query| limits::parse(query, &state.limits.document))
        .and_then(|document| {
            let checked = limits::measure(
                &document,
                &request.variables,
                request.operation_name.as_deref(),
                &state.limits.document,
                &state.limits.shape,
            )?;
            // The engine runs the document already parsed.
            request.set_parsed_query(ExecutableDocument::clone(&document));
            Ok(checked)
        });
    let checked = match checked {
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
    // A mutation without a valid token is refused as a whole, before any of its
    // arguments is looked at.
    if checked.mutation {
        if let Err(error) = caller.writer() {
            let mut response = refuse(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", &error.to_string());
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return Err(response);
        }
    }
    let (loaders, queued) = batched_loaders(state.store.clone());
    let request = request.data(loaders).data(caller.clone());
    let started = std::time::Instant::now();
    let mut response = Batched::new(state.schema.execute(request), queued).await;
    let outcome = if response.is_ok() { "ok" } else { "error" };
    metrics::get().request(checked.name.as_deref(), outcome, started.elapsed());
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
    Ok((response, checked))
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
