//! The crate's `Error` as an HTTP response, mapped once for every route: a GraphQL-shaped
//! body (`errors[0].extensions.code`, and `field` where one is at fault), the status
//! of its code, and the refusal counted in the metrics.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::media::MediaType;
use crate::error::{Code, Error};

impl Error {
    /// Answers with this error in `media`: a GraphQL request error (parse, validation,
    /// limits, persisted documents) is a 200 under `application/json` and a 4xx under
    /// `application/graphql-response+json`, as the GraphQL-over-HTTP spec says; every
    /// other code keeps its status.
    pub fn respond(&self, media: MediaType) -> Response {
        let code = self.code();
        let status = match media {
            MediaType::Json if code.is_request_error() => StatusCode::OK,
            _ => StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        };
        self.build(status, media)
    }

    fn build(&self, status: StatusCode, media: MediaType) -> Response {
        let code = self.code();
        if matches!(self, Error::Refused { .. } | Error::Unauthenticated(_)) && code != Code::Unavailable {
            crate::metrics::get().rejected(code.as_str());
        }
        let mut extensions = json!({ "code": code.as_str() });
        if let Some(field) = self.field() {
            extensions["field"] = json!(field);
        }
        let body = json!({ "errors": [{ "message": self.public_message(), "extensions": extensions }] });
        let mut response = (status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, media.content_type());
        if code == Code::Unauthenticated {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Outside GraphQL requests (health, unknown routes, the traffic layers) an error is
/// plain `application/json` with its code's status.
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        self.build(status, MediaType::Json)
    }
}
