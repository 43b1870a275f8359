//! What protects every route: a request timeout, a concurrency limit that sheds load
//! with a quick 503 instead of queueing, panics turned into a 500, and CORS for the
//! origins the configuration allows. Every refusal is a GraphQL-shaped body.

use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::error_handling::HandleErrorLayer;
use axum::http::{HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use axum::{BoxError, Router};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestId, RequestId};

use crate::error::{Code, Error};

/// Limits on the traffic as a whole, from the configuration.
#[derive(Debug, Clone)]
pub struct TrafficLimits {
    /// Requests handled at once; more are refused with 503 at once.
    pub max_concurrent: usize,
    /// How long one request may take before it is answered with 503.
    pub timeout: Duration,
    /// Origins allowed to call from a browser (exact `scheme://host[:port]`).
    pub cors_origins: Vec<String>,
    /// How long a client may take to send a request's head.
    pub header_read_timeout: Duration,
}

/// Wraps `router` in the protective layers.
pub fn protect(router: Router, limits: &TrafficLimits) -> Router {
    let traffic = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(refused))
        .load_shed()
        .concurrency_limit(limits.max_concurrent.max(1))
        .timeout(limits.timeout);
    let origins: Vec<HeaderValue> = limits.cors_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([axum::http::header::CONTENT_TYPE, axum::http::header::AUTHORIZATION])
        .max_age(Duration::from_secs(600));
    router.layer(traffic).layer(CatchPanicLayer::custom(panicked)).layer(cors)
}

/// Turns what the traffic layers refuse into GraphQL-shaped answers.
async fn refused(error: BoxError) -> Response {
    if error.is::<tower::load_shed::error::Overloaded>() {
        return Error::refused(Code::Overloaded, "the server is busy: retry shortly").into_response();
    }
    if error.is::<tower::timeout::error::Elapsed>() {
        return Error::refused(Code::Timeout, "the request took too long").into_response();
    }
    Error::Internal(anyhow::anyhow!("request failed in the traffic layers: {error}")).into_response()
}

/// A panicking handler fails its own request only; the message goes to the log.
fn panicked(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a handler panicked");
    Error::Internal(anyhow::anyhow!("a request handler panicked: {message}")).into_response()
}

/// Request ids for requests that bring none: this process's prefix and a counter
/// (`6f1c2a9e-42`). A UUID would cost a `getrandom` system call per request; these need
/// only be unique, to tie a request's log lines together.
#[derive(Clone)]
pub struct RequestIds {
    prefix: u32,
    next: std::sync::Arc<AtomicU64>,
}

impl RequestIds {
    pub fn new() -> Self {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_nanos());
        // Distinct across the processes of one machine and across restarts.
        let prefix = (nanos as u32) ^ std::process::id().rotate_left(16);
        Self { prefix, next: std::sync::Arc::new(AtomicU64::new(1)) }
    }
}

impl Default for RequestIds {
    fn default() -> Self {
        Self::new()
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{:08x}-{n}", self.prefix)).ok().map(RequestId::new)
    }
}
