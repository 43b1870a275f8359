//! Which media type a GraphQL answer is sent in, chosen from the request's `Accept`
//! header as the GraphQL-over-HTTP spec says: `application/graphql-response+json` when
//! the client names it at least as high as `application/json`, `application/json` when
//! the client asks for it, for `*/*`, or says nothing; neither, `406`.

use axum::http::{header, HeaderMap, HeaderValue};

/// The two media types a GraphQL answer can be sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaType {
    /// `application/json`: a request error is still a 200 (older clients read only 200s).
    Json,
    /// `application/graphql-response+json`: the status says whether anything ran.
    GraphqlResponse,
}

impl MediaType {
    /// Returns the `content-type` to answer with (always UTF-8).
    pub fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::Json => "application/json; charset=utf-8",
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
        })
    }

    /// Chooses the media type for `headers`' `Accept`; `None` when the client accepts
    /// neither.
    pub fn negotiate(headers: &HeaderMap) -> Option<Self> {
        let accept: Vec<&str> = headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .filter(|range| !range.is_empty())
            .collect();
        if accept.is_empty() {
            return Some(Self::Json);
        }
        // Each media type takes the quality of the most specific range that matches it.
        let (mut graphql_response, mut json) = (None::<(u8, f32)>, None::<(u8, f32)>);
        for range in accept {
            let Ok(mime) = range.parse::<mime::Mime>() else { continue };
            let quality = mime.get_param("q").and_then(|q| q.as_str().parse::<f32>().ok()).unwrap_or(1.0);
            let suffix = mime.suffix().map(|s| s.as_str());
            match (mime.type_().as_str(), mime.subtype().as_str(), suffix) {
                ("application", "graphql-response", Some("json")) => {
                    graphql_response = better(graphql_response, (2, quality))
                }
                ("application", "json", None) => json = better(json, (2, quality)),
                ("application", "*", _) | ("*", "*", _) => {
                    let specificity = u8::from(mime.type_() == mime::APPLICATION);
                    graphql_response = better(graphql_response, (specificity, quality));
                    json = better(json, (specificity, quality));
                }
                _ => {}
            }
        }
        let acceptable = |found: Option<(u8, f32)>| found.filter(|(_, q)| *q > 0.0);
        match (acceptable(graphql_response), acceptable(json)) {
            // Named at least as high as JSON: the newer type. A wildcard alone means JSON.
            (Some((named, g)), Some((_, j))) if g > j || (g == j && named == 2) => Some(Self::GraphqlResponse),
            (_, Some(_)) => Some(Self::Json),
            (Some(_), None) => Some(Self::GraphqlResponse),
            (None, None) => None,
        }
    }
}

/// Keeps the more specific of two matches (the first of equals).
fn better(current: Option<(u8, f32)>, found: (u8, f32)) -> Option<(u8, f32)> {
    match current {
        Some(current) if current.0 >= found.0 => Some(current),
        _ => Some(found),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn negotiate(accept: Option<&str>) -> Option<MediaType> {
        let mut headers = HeaderMap::new();
        if let Some(accept) = accept {
            headers.insert(header::ACCEPT, HeaderValue::from_str(accept).unwrap());
        }
        MediaType::negotiate(&headers)
    }

    #[test]
    fn the_clients_accept_headers_get_what_they_prefer() {
        use MediaType::*;
        assert_eq!(negotiate(None), Some(Json));
        assert_eq!(negotiate(Some("*/*")), Some(Json));
        assert_eq!(negotiate(Some("application/json")), Some(Json));
        assert_eq!(negotiate(Some("application/graphql-response+json")), Some(GraphqlResponse));
        // Apollo Client
        assert_eq!(negotiate(Some("application/graphql-response+json,application/json;q=0.9")), Some(GraphqlResponse));
        // urql
        assert_eq!(
            negotiate(Some(
                "application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed"
            )),
            Some(GraphqlResponse)
        );
        // A browser's navigation
        assert_eq!(negotiate(Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")), Some(Json));
        assert_eq!(negotiate(Some("application/graphql-response+json;q=0.5, application/json")), Some(Json));
        assert_eq!(
            negotiate(Some("application/json;q=0, */*")),
            Some(GraphqlResponse),
            "the most specific range decides"
        );
        assert_eq!(negotiate(Some("application/json;q=0, application/graphql-response+json")), Some(GraphqlResponse));
        assert_eq!(negotiate(Some("text/html")), None);
        assert_eq!(negotiate(Some("application/json;q=0")), None);
    }
}
