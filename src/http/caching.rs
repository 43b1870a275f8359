//! HTTP caching of GET answers: an ETag derived from the request and the data
//! generation (so `If-None-Match` is answered with `304` before anything is parsed or
//! run), `Cache-Control` from the configuration, and `Vary` on what changes an answer.
//!
//! The ETag covers the server's build and schema, the data generation this replica
//! has applied, the media type, the caller's token name and the raw query string:
//! every write moves the generation on, so an answer's ETag never outlives its data.
//! Answers to callers with a token are `private`, never `public`.

use std::time::Duration;

use axum::http::{header, HeaderMap, HeaderValue};
use headers::{CacheControl, ETag, HeaderMapExt, IfNoneMatch};
use sha2::{Digest, Sha256};

use super::media::MediaType;
use crate::auth::Caller;

/// What varies a GET answer besides its URL.
const VARY: HeaderValue = HeaderValue::from_static("accept, authorization");

/// How GET answers may be cached, from the configuration.
#[derive(Debug, Clone)]
pub struct CachePolicy {
    /// Seconds an anonymous answer may be reused without asking again (`public,
    /// max-age=N`); 0 makes every client revalidate (`no-cache`).
    pub max_age: u64,
    /// Names this build and schema, so a new server never matches an old answer.
    build: [u8; 32],
}

impl CachePolicy {
    pub fn new(max_age: u64, sdl: &str) -> Self {
        let mut build = Sha256::new();
        build.update(env!("CARGO_PKG_VERSION"));
        build.update(sdl);
        Self { max_age, build: build.finalize().into() }
    }

    /// Returns the ETag of a GET answer.
    pub fn etag(&self, raw: &[u8], caller: &Caller, media: MediaType, generation: i64) -> Option<ETag> {
        let caller = match caller {
            Caller::Anonymous => "",
            Caller::Writer(name) => name.as_str(),
            Caller::Rejected => return None,
        };
        let mut hash = Sha256::new();
        hash.update(self.build);
        hash.update(generation.to_be_bytes());
        hash.update([media as u8]);
        hash.update((caller.len() as u64).to_be_bytes());
        hash.update(caller);
        hash.update(raw);
        let digest = hash.finalize();
        format!("\"{}-{}\"", generation, hex::encode(&digest[..12])).parse().ok()
    }

    /// Sets the caching headers of a GET answer that can be reused.
    pub fn reusable(&self, headers: &mut HeaderMap, etag: &ETag, caller: &Caller) {
        let control = match caller {
            Caller::Anonymous if self.max_age > 0 => {
                CacheControl::new().with_public().with_max_age(Duration::from_secs(self.max_age))
            }
            Caller::Anonymous => CacheControl::new().with_no_cache(),
            _ => CacheControl::new().with_private().with_no_cache(),
        };
        headers.typed_insert(control);
        headers.typed_insert(etag.clone());
        headers.insert(header::VARY, VARY);
    }

    /// Sets the caching headers of a GET answer that must not be reused (errors).
    pub fn not_reusable(headers: &mut HeaderMap) {
        headers.typed_insert(CacheControl::new().with_no_store());
        headers.insert(header::VARY, VARY);
    }
}

/// Returns whether the request's `If-None-Match` already holds `etag`.
pub fn not_modified(request: &HeaderMap, etag: &ETag) -> bool {
    request.typed_get::<IfNoneMatch>().is_some_and(|condition| !condition.precondition_passes(etag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_etag_changes_with_the_generation_the_caller_and_the_media_type() {
        let policy = CachePolicy::new(0, "type Query { a: Int }");
        let anonymous = policy.etag(b"query=%7Ba%7D", &Caller::Anonymous, MediaType::Json, 7).unwrap();
        assert_eq!(Some(anonymous.clone()), policy.etag(b"query=%7Ba%7D", &Caller::Anonymous, MediaType::Json, 7));
        for other in [
            policy.etag(b"query=%7Ba%7D", &Caller::Anonymous, MediaType::Json, 8),
            policy.etag(b"query=%7Bb%7D", &Caller::Anonymous, MediaType::Json, 7),
            policy.etag(b"query=%7Ba%7D", &Caller::Writer("editor".into()), MediaType::Json, 7),
            policy.etag(b"query=%7Ba%7D", &Caller::Anonymous, MediaType::GraphqlResponse, 7),
            CachePolicy::new(0, "type Query { b: Int }").etag(b"query=%7Ba%7D", &Caller::Anonymous, MediaType::Json, 7),
        ] {
            assert_ne!(other, Some(anonymous.clone()));
        }
        assert_eq!(policy.etag(b"q", &Caller::Rejected, MediaType::Json, 7), None);
    }

    #[test]
    fn answers_with_a_token_are_never_public() {
        let policy = CachePolicy::new(60, "type Query { a: Int }");
        let etag = policy.etag(b"q", &Caller::Anonymous, MediaType::Json, 1).unwrap();
        let mut headers = HeaderMap::new();
        policy.reusable(&mut headers, &etag, &Caller::Anonymous);
        assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=60");
        policy.reusable(&mut headers, &etag, &Caller::Writer("editor".into()));
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache, private");
        let mut request = HeaderMap::new();
        assert!(!not_modified(&request, &etag));
        request.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&format!("W/\"x\", {}", headers[header::ETAG].to_str().unwrap())).unwrap(),
        );
        assert!(not_modified(&request, &etag));
    }
}
