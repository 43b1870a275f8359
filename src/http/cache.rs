//! The response cache: finished query answers, keyed by the exact request (method, raw
//! body or query string, and caller) and valid for one data generation.
//!
//! A hit skips parsing, limits, validation and execution: the answer's bytes are sent
//! as they were. Every write moves the generation on, so a write never serves a stale
//! answer on the server that made it: the mutation answers only once this server's
//! index has applied its generation, and entries of older generations are misses.
//! Only error-free queries are kept; mutations and subscriptions never are.
//!
//! Below it, parsed query documents are kept by their text: a query sent again with
//! other variables skips the text limits and the parser.

use std::sync::Arc;

use async_graphql::parser::types::ExecutableDocument;
use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use quick_cache::sync::Cache;
use quick_cache::Weighter;

use super::graphql::Method;
use super::media::MediaType;

/// What identifies an answer.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct Key {
    method: Method,
    /// The raw request: the POST body, or the GET query string.
    request: Bytes,
    /// The token name of the caller, when it has one (some fields answer only callers
    /// with a token).
    caller: Option<Arc<str>>,
}

impl Key {
    pub(super) fn new(method: Method, request: Bytes, caller: Option<&str>) -> Self {
        Self { method, request, caller: caller.map(Arc::from) }
    }
}

/// A cached answer.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The data generation the answer was computed at (or after).
    generation: i64,
    body: Bytes,
    /// The operation's name, for the request metrics.
    pub operation: Option<Arc<str>>,
}

impl Entry {
    /// Answers with the cached bytes in `media`, as a fresh answer would be sent.
    pub fn response(&self, media: MediaType) -> Response {
        let mut response = self.body.clone().into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, media.content_type());
        response
    }
}

#[derive(Clone)]
struct ByBytes;

impl Weighter<Key, Entry> for ByBytes {
    fn weight(&self, key: &Key, entry: &Entry) -> u64 {
        // The bytes held, plus a rough fixed cost per entry.
        (key.request.len() + entry.body.len() + 128) as u64
    }
}

/// Bounded by the bytes it holds; shared by every handler.
#[derive(Clone)]
pub struct ResponseCache {
    entries: Option<Arc<Cache<Key, Entry, ByBytes>>>,
    /// Larger answers are not kept (a few would evict everything else).
    max_entry_bytes: usize,
}

impl ResponseCache {
    /// A cache holding up to `capacity_bytes`; 0 turns caching off.
    pub fn new(capacity_bytes: u64) -> Self {
        let entries = (capacity_bytes > 0).then(|| {
            // The item estimate sizes the hash tables; a typical answer is a few KB.
            let estimated = (capacity_bytes / 4096).clamp(16, 1 << 20) as usize;
            Arc::new(Cache::with_weighter(estimated, capacity_bytes, ByBytes))
        });
        Self { entries, max_entry_bytes: (capacity_bytes / 16) as usize }
    }

    /// Returns whether the cache is on.
    pub fn enabled(&self) -> bool {
        self.entries.is_some()
    }

    /// Returns the answer cached for `key` at `generation`.
    pub fn get(&self, key: &Key, generation: i64) -> Option<Entry> {
        let Some(entry) = self.entries.as_ref()?.get(key) else {
            crate::metrics::get().response_cache("miss");
            return None;
        };
        let fresh = entry.generation == generation;
        crate::metrics::get().response_cache(if fresh { "hit" } else { "stale" });
        fresh.then_some(entry)
    }

    /// Keeps an answer computed at `generation` (read before the request ran, so the
    /// answer holds everything written up to it).
    ///
    /// The request and the answer are copied into allocations of their own size: the
    /// request's bytes are a slice of the connection's read buffer and the answer's may
    /// have spare capacity, and either would keep much more memory alive than the weight
    /// says (the soak run showed memory rising past the cache's bound before this).
    pub fn put(&self, mut key: Key, generation: i64, body: Bytes, operation: Option<&str>) {
        let Some(entries) = &self.entries else { return };
        if body.len() + key.request.len() > self.max_entry_bytes {
            return;
        }
        key.request = Bytes::copy_from_slice(&key.request);
        let body = Bytes::copy_from_slice(&body);
        entries.insert(key, Entry { generation, body, operation: operation.map(Arc::from) });
    }
}

/// How many parsed documents are kept.
const PARSED_DOCUMENTS: usize = 1024;

/// Parsed query documents by their text (only those that passed the text limits).
#[derive(Clone)]
pub struct ParsedDocuments(Arc<Cache<Arc<str>, Arc<ExecutableDocument>>>);

impl ParsedDocuments {
    pub fn new() -> Self {
        Self(Arc::new(Cache::new(PARSED_DOCUMENTS)))
    }

    /// Returns the parsed document for `query`, parsing it when it is not kept; `parse`
    /// applies the limits on the text.
    pub fn get_or_parse<E>(
        &self,
        query: &str,
        parse: impl FnOnce(&str) -> Result<ExecutableDocument, E>,
    ) -> Result<Arc<ExecutableDocument>, E> {
        if let Some(document) = self.0.get(query) {
            return Ok(document);
        }
        let document = Arc::new(parse(query)?);
        self.0.insert(Arc::from(query), document.clone());
        Ok(document)
    }
}

impl Default for ParsedDocuments {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(body: &str) -> Key {
        Key::new(Method::Post, Bytes::from(body.to_owned()), None)
    }

    #[test]
    fn an_answer_is_served_only_at_its_generation() {
        let cache = ResponseCache::new(1 << 20);
        cache.put(key("{\"query\":\"{a}\"}"), 7, Bytes::from_static(b"{\"data\":1}"), None);
        assert!(cache.get(&key("{\"query\":\"{a}\"}"), 7).is_some());
        assert!(cache.get(&key("{\"query\":\"{a}\"}"), 8).is_none(), "a later generation misses");
        assert!(cache.get(&key("{\"query\": \"{a}\"}"), 7).is_none(), "another request misses");
    }

    #[test]
    fn callers_do_not_share_answers() {
        let cache = ResponseCache::new(1 << 20);
        let writer = Key::new(Method::Post, Bytes::from_static(b"{}"), Some("editor"));
        cache.put(writer.clone(), 1, Bytes::from_static(b"{\"data\":\"secret\"}"), None);
        assert!(cache.get(&writer, 1).is_some());
        assert!(cache.get(&Key::new(Method::Post, Bytes::from_static(b"{}"), None), 1).is_none());
        assert!(cache.get(&Key::new(Method::Get, Bytes::from_static(b"{}"), Some("editor")), 1).is_none());
    }

    /// Found by the soak run: slices of larger buffers kept whole buffers alive, so the
    /// cache held several times what its weight said.
    #[test]
    fn a_kept_answer_holds_copies_not_slices_of_the_buffers_it_came_in() {
        let cache = ResponseCache::new(1 << 20);
        let buffer = Bytes::from(vec![b'x'; 64 << 10]);
        let (request, answer) = (buffer.slice(0..100), buffer.slice(100..300));
        cache.put(Key::new(Method::Post, request.clone(), None), 1, answer.clone(), None);
        let kept = cache.get(&Key::new(Method::Post, request, None), 1).expect("kept");
        assert_eq!(kept.body, answer);
        let inside = buffer.as_ptr_range();
        assert!(!inside.contains(&kept.body.as_ptr()), "the answer is a slice of the 64 KiB buffer");
        let entries = cache.entries.as_ref().unwrap();
        let (key, _) = entries.iter().next().expect("one entry");
        assert!(!inside.contains(&key.request.as_ptr()), "the request is a slice of the 64 KiB buffer");
    }

    #[test]
    fn off_and_oversized_answers_are_not_kept() {
        let off = ResponseCache::new(0);
        off.put(key("q"), 1, Bytes::from_static(b"{}"), None);
        assert!(!off.enabled() && off.get(&key("q"), 1).is_none());
        let small = ResponseCache::new(1600);
        small.put(key("q"), 1, Bytes::from(vec![b' '; 200]), None);
        assert!(small.get(&key("q"), 1).is_none(), "an answer over 1/16 of the capacity is not kept");
    }
}
