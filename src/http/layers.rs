//! What protects every route: a request timeout, a concurrency limit that sheds load
//! with a quick 503 instead of queueing, panics turned into a 500, and CORS for the
//! origins the configuration allows. Every refusal is a GraphQL-shaped body.

use std::any::Any;
use std::time::Duration;

use axum::error_handling::HandleErrorLayer;
use axum::http::{HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use axum::{BoxError, Router};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};

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
