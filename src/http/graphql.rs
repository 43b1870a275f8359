//! The GraphQL handlers over HTTP, to the GraphQL-over-HTTP spec: POST with a JSON
//! body, GET with query parameters (queries only: a mutation over GET is refused with
//! 405), the answer in the media type the client accepts (`media`), and GraphiQL for a
//! browser that asks for `/graphql` without a query.
//!
//! A request is answered, in order: from its ETag (`304`, GET only), from the response
//! cache, or by resolving its document (sent, or named: persisted and trusted
//! documents), checking it against the limits and the caller's right to write, and
//! running it.

use std::sync::Arc;

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::Variables;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::cache::Key;
use super::caching::{self, CachePolicy};
use super::media::MediaType;
use super::persisted::{Named, Resolved};
use super::{web, AppState};
use crate::auth::Caller;
use crate::error::{Code, Error};
use crate::graphql::limits::{self, Checked};
use crate::graphql::plan::{Lookup, Mode};
use crate::graphql::{annotate, batched_loaders, reorder, Batched};
use crate::metrics;

/// POST /graphql: a JSON body `{ query, variables, operationName, extensions, documentId }`.
pub async fn post(State(state): State<AppState>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    let Some(media) = MediaType::negotiate(&headers) else { return not_acceptable() };
    if state.limits.csrf_protection && !is_json(&headers) {
        // Forms and text/plain are what a browser sends cross-site without a preflight.
        return Error::refused(Code::UnsupportedMediaType, "send the request as `content-type: application/json`")
            .respond(media);
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let message = format!("the body is larger than {} bytes", state.limits.max_body_bytes);
            return Error::refused(Code::PayloadTooLarge, message).respond(media);
        }
        Err(_) => return Error::refused(Code::BadRequest, "the body could not be read").respond(media),
    };
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Error::refused(Code::BadRequest, "the request has no body: send a JSON object with a `query`")
            .respond(media),
        // A JSON array is a batch: refused unless batching is configured, and capped.
        Some(b'[') => batch(&state, &headers, media, &body).await,
        Some(_) => answer(&state, &headers, media, Method::Post, body).await,
    }
}

/// GET /graphql: `?query=...&variables=...&operationName=...&extensions=...` (or
/// `documentId=...`) runs a query; without parameters it serves GraphiQL.
pub async fn get(State(state): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        if state.playground {
            return web::playground(&headers);
        }
        return Error::refused_at(Code::BadRequest, "query", "send a `query` parameter: this server has no playground")
            .respond(MediaType::negotiate(&headers).unwrap_or(MediaType::Json));
    };
    let Some(media) = MediaType::negotiate(&headers) else { return not_acceptable() };
    answer(&state, &headers, media, Method::Get, Bytes::from(query)).await
}

/// Runs a batch of requests, each checked like a single one; the answer is an array.
async fn batch(state: &AppState, headers: &HeaderMap, media: MediaType, body: &[u8]) -> Response {
    let max = state.limits.max_batch;
    if max == 0 {
        return Error::refused(Code::BatchingDisabled, "batched requests are not accepted: send one request per POST")
            .respond(media);
    }
    let envelopes: Vec<Envelope> = match serde_json::from_slice(body) {
        Ok(envelopes) => envelopes,
        Err(error) => {
            return Error::refused(Code::BadRequest, format!("the body is not a GraphQL batch: {error}")).respond(media)
        }
    };
    if envelopes.is_empty() || envelopes.len() > max {
        let message = format!("a batch holds 1 to {max} requests, not {}", envelopes.len());
        return Error::refused(Code::BatchTooLarge, message).respond(media);
    }
    let mut answers = Vec::with_capacity(envelopes.len());
    let caller = caller(state, headers);
    for envelope in envelopes {
        match execute(state, &caller, envelope, Method::Post).await {
            Ok(ran) => answers.push(serde_json::from_slice::<serde_json::Value>(&ran.body).unwrap_or_default()),
            Err(error) => return error.respond(media),
        }
    }
    let mut response = axum::Json(answers).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, media.content_type());
    response
}

/// Answers one request: from its ETag, from the response cache when the same request
/// was answered at the current data generation, else by running it (and keeping a
/// cacheable answer).
async fn answer(state: &AppState, headers: &HeaderMap, media: MediaType, method: Method, raw: Bytes) -> Response {
    let started = std::time::Instant::now();
    let caller = caller(state, headers);
    // Read before running: the answer then holds at least everything up to it.
    let generation = state.indexer.index().applied();
    let etag = match method {
        Method::Get => state.caching.etag(&raw, &caller, media, generation),
        Method::Post => None,
    };
    if let Some(etag) = etag.as_ref().filter(|etag| caching::not_modified(headers, etag)) {
        metrics::get().not_modified();
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        state.caching.reusable(response.headers_mut(), etag, &caller);
        return response;
    }
    // Credentials that match no token are never served from (or kept in) the cache.
    let key = match &caller {
        Caller::Anonymous => Some(Key::new(method, raw.clone(), None)),
        Caller::Writer(name) => Some(Key::new(method, raw.clone(), Some(name))),
        Caller::Rejected => None,
    };
    if let Some(hit) = key.as_ref().and_then(|key| state.cache.get(key, generation)) {
        metrics::get().request(hit.operation.as_deref(), "ok", started.elapsed());
        let mut response = hit.response(media);
        if let Some(etag) = &etag {
            state.caching.reusable(response.headers_mut(), etag, &caller);
        }
        return response;
    }
    let ran = match Envelope::read(method, &raw) {
        Ok(envelope) => execute(state, &caller, envelope, method).await,
        Err(error) => Err(error),
    };
    let ran = match ran {
        Ok(ran) => ran,
        Err(error) => {
            let mut response = error.respond(media);
            if method == Method::Get {
                CachePolicy::not_reusable(response.headers_mut());
            }
            if error.code() == Code::MethodNotAllowed {
                response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
            }
            return response;
        }
    };
    let status = match (ran.request_error, media) {
        (true, MediaType::GraphqlResponse) => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    let mut response = (status, ran.body.clone()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, media.content_type());
    headers.extend(ran.http_headers.clone());
    match (&etag, ran.reusable) {
        (Some(etag), true) => state.caching.reusable(headers, etag, &caller),
        (Some(_), false) => CachePolicy::not_reusable(headers),
        (None, _) => {}
    }
    if let Some(key) = key.filter(|_| ran.reusable && ran.http_headers.is_empty()) {
        state.cache.put(key, generation, ran.body, ran.checked.name.as_deref());
    }
    response
}

/// What a request asks for, before its document is resolved.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Envelope {
    #[serde(default)]
    query: Option<String>,
    #[serde(default, rename = "operationName")]
    operation_name: Option<String>,
    #[serde(default)]
    variables: Option<Variables>,
    #[serde(default)]
    extensions: Option<serde_json::Map<String, serde_json::Value>>,
    /// A trusted document's id (GraphQL-over-HTTP persisted documents).
    #[serde(default, rename = "documentId")]
    document_id: Option<String>,
}

/// The GET parameters: the same fields, with `variables` and `extensions` as JSON text.
#[derive(Debug, Default, Deserialize)]
struct GetParameters {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
    #[serde(rename = "documentId")]
    document_id: Option<String>,
}

impl Envelope {
    /// Reads a POST body or a GET query string.
    fn read(method: Method, raw: &[u8]) -> Result<Self, Error> {
        match method {
            Method::Post => serde_json::from_slice(raw).map_err(|error| {
                Error::refused(Code::BadRequest, format!("the body is not a GraphQL request: {error}"))
            }),
            Method::Get => {
                let parameters: GetParameters = serde_urlencoded::from_bytes(raw).map_err(|error| {
                    Error::refused(Code::BadRequest, format!("the query string is not a GraphQL request: {error}"))
                })?;
                let json = |field: &'static str, text: Option<String>| -> Result<Option<serde_json::Value>, Error> {
                    text.filter(|t| !t.is_empty()).map(|text| serde_json::from_str(&text)).transpose().map_err(
                        |error| Error::refused_at(Code::BadRequest, field, format!("`{field}` is not JSON: {error}")),
                    )
                };
                let variables = json("variables", parameters.variables)?;
                let extensions = json("extensions", parameters.extensions)?;
                let object = |field: &'static str| {
                    Error::refused_at(Code::BadRequest, field, format!("`{field}` must be a JSON object"))
                };
                Ok(Self {
                    query: parameters.query,
                    operation_name: parameters.operation_name.filter(|name| !name.is_empty()),
                    variables: match variables {
                        None | Some(serde_json::Value::Null) => None,
                        Some(value @ serde_json::Value::Object(_)) => Some(Variables::from_json(value)),
                        Some(_) => return Err(object("variables")),
                    },
                    extensions: match extensions {
                        None | Some(serde_json::Value::Null) => None,
                        Some(serde_json::Value::Object(map)) => Some(map),
                        Some(_) => return Err(object("extensions")),
                    },
                    document_id: parameters.document_id,
                })
            }
        }
    }
}

/// A request that ran.
struct Ran {
    /// The answer as sent: without `data` when nothing ran (a request error).
    body: Bytes,
    /// The document could not run: it failed validation or variable coercion.
    request_error: bool,
    /// It has no errors and writes nothing: it can be cached and revalidated.
    reusable: bool,
    http_headers: HeaderMap,
    checked: Checked,
}

/// Resolves a request's document, then checks and runs it.
async fn execute(state: &AppState, caller: &Caller, envelope: Envelope, method: Method) -> Result<Ran, Error> {
    let extensions = envelope.extensions.map(serde_json::Value::Object);
    let named = Named::from_extensions(envelope.document_id, extensions.as_ref())?;
    let resolved = state.persisted.resolve(envelope.query.as_deref(), &named).inspect_err(|error| {
        if error.code() == Code::PersistedQueryNotFound {
            metrics::get().persisted_query("miss");
        }
    })?;
    if !named.is_empty() && envelope.query.as_deref().is_none_or(|q| q.trim().is_empty()) {
        metrics::get().persisted_query("hit");
    }
    let mut request = async_graphql::Request::new(resolved.query().to_string());
    request.operation_name = envelope.operation_name;
    request.variables = envelope.variables.unwrap_or_default();
    if let Some(serde_json::Value::Object(extensions)) = extensions {
        for (name, value) in extensions {
            if let Ok(value) = async_graphql::Value::from_json(value) {
                request.extensions.insert(name, value);
            }
        }
    }
    let (outcome, checked) = run(state, caller, request, method).await?;
    let mut response = match outcome {
        Outcome::Engine(response) => response,
        Outcome::Planned(body) => {
            // A plan answered: the document validated and ran without errors before.
            if let Resolved::Register(query, hash) = resolved {
                state.persisted.register(hash, query);
                metrics::get().persisted_query("registered");
            }
            let body = Bytes::from(body);
            return Ok(Ran { body, request_error: false, reusable: true, http_headers: HeaderMap::new(), checked });
        }
    };
    let reusable = !checked.writes && response.errors.is_empty();
    let http_headers = std::mem::take(&mut response.http_headers);
    let (body, request_error) = body_of(&mut response);
    if let (false, Resolved::Register(query, hash)) = (request_error, resolved) {
        // Only a document that validated is kept.
        state.persisted.register(hash, query);
        metrics::get().persisted_query("registered");
    }
    Ok(Ran { body: Bytes::from(body), request_error, reusable, http_headers, checked })
}

/// Writes the engine's answer; says whether it is a request error (nothing ran), which
/// is sent without `data`.
fn body_of(response: &mut async_graphql::Response) -> (Vec<u8>, bool) {
    let request_error = is_request_error(&response);
    // Every error the project raises has a code; the engine's own (validation, and
    // arguments it coerces only as a field runs) have none.
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", Code::GraphqlValidationFailed.as_str());
        }
    }
    // The engine lists refusals it finds by walking hash maps, and field errors as
    // their resolvers finish: in document order (then by path), the same request gets
    // the same bytes every time.
    response.errors.sort_by_cached_key(|error| {
        let at = error.locations.first().map(|pos| (pos.line, pos.column));
        let path: Vec<(usize, String)> = error
            .path
            .iter()
            .map(|segment| match segment {
                async_graphql::PathSegment::Index(index) => (*index, String::new()),
                async_graphql::PathSegment::Field(name) => (usize::MAX, name.clone()),
            })
            .collect();
        (at, path, error.message.clone())
    });
    let body = match request_error {
        true => serde_json::to_vec(&serde_json::json!({ "errors": response.errors })),
        false => serde_json::to_vec(&*response),
    };
    (body.unwrap_or_default(), request_error)
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

/// What running a request gave: the engine's answer, or the bytes a plan wrote.
enum Outcome {
    Engine(async_graphql::Response),
    Planned(Vec<u8>),
}

/// Checks the limits and the caller's right to write, then runs the request: on its
/// compiled plan when it has one, else on the engine (which a plan that cannot answer
/// gives way to).
async fn run(
    state: &AppState,
    caller: &Caller,
    mut request: async_graphql::Request,
    method: Method,
) -> Result<(Outcome, Checked), Error> {
    if request.query.trim().is_empty() {
        return Err(Error::refused_at(Code::BadRequest, "query", "the request has no `query`"));
    }
    let document: Arc<ExecutableDocument> =
        state.documents.get_or_parse(&request.query, |query| limits::parse(query, &state.limits.document))?;
    let checked = limits::measure(
        &document,
        &request.variables,
        request.operation_name.as_deref(),
        &state.limits.document,
        &state.limits.shape,
    )
    .inspect_err(|refusal| tracing::info!(code = %refusal.code(), "request refused by a limit"))?;
    if method == Method::Get && checked.writes {
        return Err(Error::refused(
            Code::MethodNotAllowed,
            "only queries run over GET: send mutations and subscriptions with POST (or over /graphql/ws)",
        ));
    }
    // A mutation without a valid token is refused as a whole, before any of its
    // arguments is looked at.
    if checked.mutation {
        caller.writer()?;
    }
    let started = std::time::Instant::now();
    let fast = &state.fast_path;
    let plannable = !checked.writes && !checked.introspects;
    let lookup = match plannable {
        true => fast.lookup(&request.query, request.operation_name.as_deref(), &request.variables),
        false => Lookup::Uncovered,
    };
    if let (Lookup::Planned(plan), Mode::On) = (&lookup, fast.mode()) {
        match fast.run(plan, &state.store, &request.variables).await {
            Ok(bytes) => {
                metrics::get().fast_path("planned");
                metrics::get().request(checked.name.as_deref(), "ok", started.elapsed());
                return Ok((Outcome::Planned(bytes), checked));
            }
            Err(fallback) => {
                metrics::get().fast_path("fallback");
                tracing::debug!(reason = fallback.0, "the engine answers instead of the plan");
            }
        }
    } else if plannable {
        metrics::get().fast_path("engine");
    }
    let again = Rerun {
        query: request.query.clone(),
        operation: request.operation_name.clone(),
        variables: request.variables.clone(),
        extensions: request.extensions.clone(),
        document: &document,
    };
    // The engine runs the document already parsed, asking each object for its type so
    // that its answer can be put in document order.
    request.set_parsed_query(annotate(&document));
    let mut response = engine(state, caller, request, &checked).await;
    if is_request_error(&response) {
        // Refused before running: the refusal is the original document's, word for word.
        response = engine(state, caller, again.request(ExecutableDocument::clone(&document)), &checked).await;
    } else {
        again.reorder(&mut response, state);
        if response.errors.is_empty() && matches!(lookup, Lookup::Unseen) {
            fast.learn(&document, &again.query, again.operation.as_deref(), &again.variables);
        }
    }
    if fast.mode() == Mode::Verify && plannable && !is_request_error(&response) {
        verify(state, caller, &checked, &again, &mut response).await?;
    }
    let outcome = if response.is_ok() { "ok" } else { "error" };
    metrics::get().request(checked.name.as_deref(), outcome, started.elapsed());
    Ok((Outcome::Engine(response), checked))
}

/// What it takes to run a request on the engine again.
struct Rerun<'a> {
    query: String,
    operation: Option<String>,
    variables: async_graphql::Variables,
    extensions: async_graphql::Extensions,
    document: &'a ExecutableDocument,
}

impl Rerun<'_> {
    fn request(&self, document: ExecutableDocument) -> async_graphql::Request {
        let mut request = async_graphql::Request::new(self.query.clone());
        request.operation_name = self.operation.clone();
        request.variables = self.variables.clone();
        request.extensions = self.extensions.clone();
        request.set_parsed_query(document);
        request
    }

    /// Puts the engine's answer in document order.
    fn reorder(&self, response: &mut async_graphql::Response, state: &AppState) {
        let shape = &state.limits.shape;
        reorder(&mut response.data, self.document, self.operation.as_deref(), &self.variables, shape);
    }
}

/// `--fast-path verify`: runs the request's plan (compiled now if it was not) and
/// compares its answer with the engine's. A difference is checked twice more, with
/// the engine run again, in case a write landed in between; a plan that gives way is
/// no difference.
async fn verify(
    state: &AppState,
    caller: &Caller,
    checked: &Checked,
    again: &Rerun<'_>,
    response: &mut async_graphql::Response,
) -> Result<(), Error> {
    let fast = &state.fast_path;
    let Lookup::Planned(plan) = fast.lookup(&again.query, again.operation.as_deref(), &again.variables) else {
        return Ok(());
    };
    for attempt in 0..3 {
        let planned = match fast.run(&plan, &state.store, &again.variables).await {
            Ok(planned) => planned,
            Err(_) => return Ok(()),
        };
        let (engine_body, _) = body_of(response);
        if planned == engine_body {
            return Ok(());
        }
        if attempt == 2 {
            tracing::error!(
                plan = %String::from_utf8_lossy(&planned),
                engine = %String::from_utf8_lossy(&engine_body),
                "the fast path's answer differs from the engine's"
            );
            return Err(Error::refused(Code::FastPathMismatch, "the compiled plan's answer differs from the engine's"));
        }
        *response = engine(state, caller, again.request(annotate(again.document)), checked).await;
        again.reorder(response, state);
    }
    Ok(())
}

/// Runs a request on the engine.
async fn engine(
    state: &AppState,
    caller: &Caller,
    request: async_graphql::Request,
    checked: &Checked,
) -> async_graphql::Response {
    let (loaders, queued) = batched_loaders(state.store.clone());
    let request = request.data(loaders).data(caller.clone());
    // Only whole-schema introspection needs the schema that answers `__schema.description`.
    let schema = if checked.introspects { state.introspection_schema.get() } else { &state.schema };
    Batched::new(schema.execute(request), queued).await
}

/// Whether nothing ran: the engine's own refusals (unknown fields, wrong variable
/// types...) have no data and carry no path.
fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// A client that accepts neither JSON media type.
fn not_acceptable() -> Response {
    Error::refused(
        Code::NotAcceptable,
        "this endpoint answers `application/graphql-response+json` or `application/json`: accept one of them",
    )
    .respond(MediaType::Json)
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
