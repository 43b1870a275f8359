//! Persisted documents: a request can name its query instead of sending it.
//!
//! - *Automatic persisted queries* (Apollo's protocol): `extensions.persistedQuery`
//!   carries the query's SHA-256. A hash the server has not seen gets
//!   `PERSISTED_QUERY_NOT_FOUND`; the client sends it again with the query, and once
//!   that query has validated it is kept (bounded by bytes, in memory, per replica).
//! - *Trusted documents*: a manifest of id -> document loaded at start (relay-compiler's
//!   `--persist` output, graphql-codegen's `persisted-documents.json`, or Apollo's
//!   persisted query manifest), named by `documentId` or by the APQ hash. With
//!   `only_trusted`, nothing else runs.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use quick_cache::sync::Cache;
use quick_cache::Weighter;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{Code, Error};

/// How a request names its document, besides (or instead of) sending it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Named {
    /// `documentId`, as the GraphQL-over-HTTP persisted documents appendix has it.
    pub document_id: Option<String>,
    /// `extensions.persistedQuery.sha256Hash`, lowercase hex.
    pub sha256: Option<String>,
}

impl Named {
    /// Reads the APQ extension out of a request's `extensions`; an unsupported version
    /// or a malformed hash is refused.
    pub fn from_extensions(document_id: Option<String>, extensions: Option<&Value>) -> Result<Self, Error> {
        let Some(persisted) = extensions.and_then(|e| e.get("persistedQuery")) else {
            return Ok(Self { document_id, sha256: None });
        };
        if persisted.get("version").and_then(Value::as_i64) != Some(1) {
            return Err(Error::refused_at(
                Code::PersistedQueryNotSupported,
                "extensions.persistedQuery.version",
                "only version 1 of persisted queries is supported",
            ));
        }
        let hash = persisted.get("sha256Hash").and_then(Value::as_str).unwrap_or_default();
        // graphql-codegen writes its hashes as `sha256:<hex>`.
        let hash = hash.strip_prefix("sha256:").unwrap_or(hash);
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::refused_at(
                Code::BadRequest,
                "extensions.persistedQuery.sha256Hash",
                "`sha256Hash` must be the query's SHA-256 as 64 hex digits",
            ));
        }
        Ok(Self { document_id, sha256: Some(hash.to_ascii_lowercase()) })
    }

    pub fn is_empty(&self) -> bool {
        self.document_id.is_none() && self.sha256.is_none()
    }
}

/// What to do with a document once it has run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Run it; nothing to keep.
    Run(Arc<str>),
    /// Run it, and keep it under this hash if it validates.
    Register(Arc<str>, String),
}

impl Resolved {
    pub fn query(&self) -> &Arc<str> {
        match self {
            Self::Run(query) | Self::Register(query, _) => query,
        }
    }
}

#[derive(Clone)]
struct ByLength;

impl Weighter<String, Arc<str>> for ByLength {
    fn weight(&self, hash: &String, query: &Arc<str>) -> u64 {
        (hash.len() + query.len() + 64) as u64
    }
}

/// The documents this server can run by name.
#[derive(Clone)]
pub struct PersistedDocuments {
    /// Registered by clients (APQ); `None` when APQ is off.
    registered: Option<Arc<Cache<String, Arc<str>, ByLength>>>,
    /// The manifest's documents by id, and by their SHA-256.
    trusted: Arc<HashMap<String, Arc<str>>>,
    trusted_by_hash: Arc<HashMap<String, Arc<str>>>,
    only_trusted: bool,
}

impl PersistedDocuments {
    /// APQ keeping up to `apq_bytes` of queries (0 turns it off), and the trusted
    /// documents of `manifest`.
    pub fn new(apq_bytes: u64, manifest: HashMap<String, String>, only_trusted: bool) -> Self {
        let registered = (apq_bytes > 0 && !only_trusted).then(|| {
            let estimated = (apq_bytes / 1024).clamp(16, 1 << 16) as usize;
            Arc::new(Cache::with_weighter(estimated, apq_bytes, ByLength))
        });
        let mut trusted = HashMap::with_capacity(manifest.len());
        let mut trusted_by_hash = HashMap::with_capacity(manifest.len());
        for (id, document) in manifest {
            let document: Arc<str> = Arc::from(document);
            trusted_by_hash.insert(sha256_hex(&document), document.clone());
            trusted.insert(id, document);
        }
        Self { registered, trusted: Arc::new(trusted), trusted_by_hash: Arc::new(trusted_by_hash), only_trusted }
    }

    /// Returns how many trusted documents were loaded.
    pub fn trusted_len(&self) -> usize {
        self.trusted.len()
    }

    /// Finds the document a request runs: the one it names, or the one it sends.
    pub fn resolve(&self, query: Option<&str>, named: &Named) -> Result<Resolved, Error> {
        if let Some(id) = &named.document_id {
            if query.is_some_and(|q| !q.trim().is_empty()) {
                return Err(Error::refused_at(
                    Code::BadRequest,
                    "documentId",
                    "send either `documentId` or `query`, not both",
                ));
            }
            let bare = id.strip_prefix("sha256:").unwrap_or(id);
            let found = self.trusted.get(id.as_str()).or_else(|| self.trusted_by_hash.get(&bare.to_ascii_lowercase()));
            return found.cloned().map(Resolved::Run).ok_or_else(|| {
                Error::refused_at(
                    Code::TrustedDocumentNotFound,
                    "documentId",
                    format!("no trusted document has the id `{id}`"),
                )
            });
        }
        let query = query.filter(|q| !q.trim().is_empty());
        match (&named.sha256, query) {
            (Some(hash), None) => {
                if let Some(document) = self.trusted.get(hash).or_else(|| self.trusted_by_hash.get(hash)) {
                    return Ok(Resolved::Run(document.clone()));
                }
                let Some(registered) = &self.registered else {
                    if self.only_trusted {
                        return Err(not_found());
                    }
                    return Err(Error::refused(
                        Code::PersistedQueryNotSupported,
                        "this server does not keep persisted queries: send the query",
                    ));
                };
                registered.get(hash).map(Resolved::Run).ok_or_else(not_found)
            }
            (Some(hash), Some(query)) => {
                if sha256_hex(query) != *hash {
                    return Err(Error::refused_at(
                        Code::PersistedQueryHashMismatch,
                        "extensions.persistedQuery.sha256Hash",
                        "`sha256Hash` is not the SHA-256 of the query",
                    ));
                }
                let query: Arc<str> = Arc::from(query);
                if self.only_trusted {
                    return self.trusted_only(query);
                }
                Ok(match self.registered.as_ref().is_some_and(|r| r.get(hash).is_none()) {
                    true => Resolved::Register(query, hash.clone()),
                    false => Resolved::Run(query),
                })
            }
            (None, Some(query)) if self.only_trusted => self.trusted_only(Arc::from(query)),
            (None, Some(query)) => Ok(Resolved::Run(Arc::from(query))),
            (None, None) => Err(Error::refused_at(Code::BadRequest, "query", "the request has no `query`")),
        }
    }

    /// Keeps a query that validated, under its hash.
    pub fn register(&self, hash: String, query: Arc<str>) {
        if let Some(registered) = &self.registered {
            registered.insert(hash, query);
        }
    }

    /// With only trusted documents, a query sent in full runs when it is one of them.
    fn trusted_only(&self, query: Arc<str>) -> Result<Resolved, Error> {
        match self.trusted_by_hash.get(&sha256_hex(&query)) {
            Some(document) => Ok(Resolved::Run(document.clone())),
            None => Err(Error::refused(
                Code::TrustedDocumentRequired,
                "this server runs only its trusted documents: send a `documentId` from its manifest",
            )),
        }
    }
}

fn not_found() -> Error {
    // Clients match this message as well as the code (Apollo Client, urql).
    Error::refused(Code::PersistedQueryNotFound, "PersistedQueryNotFound")
}

/// Returns the SHA-256 of `text` as lowercase hex, as APQ hashes are written.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(crate::auth::digest(text.as_bytes()))
}

/// The manifest formats: a flat `{ id: document }` object (relay-compiler, graphql-codegen)
/// or Apollo's persisted query manifest.
#[derive(Deserialize)]
#[serde(untagged)]
enum Manifest {
    Apollo { format: String, operations: Vec<ApolloOperation> },
    Flat(HashMap<String, String>),
}

#[derive(Deserialize)]
struct ApolloOperation {
    id: String,
    body: String,
}

/// Reads a trusted documents manifest; every document must parse.
pub fn read_manifest(path: &Path) -> Result<HashMap<String, String>, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| Error::InvalidInput(format!("cannot read {}: {error}", path.display())))?;
    parse_manifest(&text).map_err(|message| Error::InvalidInput(format!("{}: {message}", path.display())))
}

fn parse_manifest(text: &str) -> Result<HashMap<String, String>, String> {
    let manifest: Manifest = serde_json::from_str(text).map_err(|_| {
        "not a trusted documents manifest: expected a JSON object of id -> document (relay-compiler, \
         graphql-codegen) or an Apollo persisted query manifest"
            .to_owned()
    })?;
    let documents = match manifest {
        Manifest::Flat(documents) => documents,
        Manifest::Apollo { format, operations } if format == "apollo-persisted-query-manifest" => {
            operations.into_iter().map(|operation| (operation.id, operation.body)).collect()
        }
        Manifest::Apollo { format, .. } => return Err(format!("unknown manifest format `{format}`")),
    };
    for (id, document) in &documents {
        async_graphql::parser::parse_query(document)
            .map_err(|error| format!("document `{id}` does not parse: {error}"))?;
    }
    Ok(documents)
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUERY: &str = "{ countries { name } }";

    fn json_extension(hash: &str) -> Value {
        serde_json::json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
    }

    fn named(hash: &str) -> Named {
        Named { document_id: None, sha256: Some(hash.to_owned()) }
    }

    #[test]
    fn a_hash_is_unknown_until_its_query_is_sent_and_kept() {
        let documents = PersistedDocuments::new(1 << 20, HashMap::new(), false);
        let hash = sha256_hex(QUERY);
        assert_eq!(documents.resolve(None, &named(&hash)).unwrap_err().code(), Code::PersistedQueryNotFound);
        let resolved = documents.resolve(Some(QUERY), &named(&hash)).unwrap();
        assert_eq!(resolved, Resolved::Register(Arc::from(QUERY), hash.clone()));
        documents.register(hash.clone(), Arc::from(QUERY));
        assert_eq!(documents.resolve(None, &named(&hash)).unwrap(), Resolved::Run(Arc::from(QUERY)));
        let prefixed = json_extension(&format!("sha256:{hash}"));
        assert_eq!(Named::from_extensions(None, Some(&prefixed)).unwrap(), named(&hash), "codegen's prefix is read");
        let wrong = sha256_hex("{ cities { name } }");
        assert_eq!(
            documents.resolve(Some(QUERY), &named(&wrong)).unwrap_err().code(),
            Code::PersistedQueryHashMismatch
        );
    }

    #[test]
    fn the_store_is_bounded_by_bytes() {
        let documents = PersistedDocuments::new(4096, HashMap::new(), false);
        for i in 0..1000 {
            let query = format!("{{ countries {{ name }} }} # {i:0>200}");
            documents.register(sha256_hex(&query), Arc::from(query));
        }
        let kept = documents.registered.as_ref().unwrap();
        assert!(kept.weight() <= 4096, "{} bytes kept", kept.weight());
    }

    #[test]
    fn only_trusted_documents_run_when_asked() {
        let manifest = HashMap::from([("abc123".to_owned(), QUERY.to_owned())]);
        let documents = PersistedDocuments::new(1 << 20, manifest, true);
        let by_id = Named { document_id: Some("abc123".to_owned()), sha256: None };
        assert_eq!(documents.resolve(None, &by_id).unwrap(), Resolved::Run(Arc::from(QUERY)));
        assert_eq!(documents.resolve(None, &named(&sha256_hex(QUERY))).unwrap(), Resolved::Run(Arc::from(QUERY)));
        assert_eq!(documents.resolve(Some(QUERY), &Named::default()).unwrap(), Resolved::Run(Arc::from(QUERY)));
        let other = "{ cities { name } }";
        assert_eq!(
            documents.resolve(Some(other), &Named::default()).unwrap_err().code(),
            Code::TrustedDocumentRequired
        );
        assert_eq!(
            documents.resolve(Some(other), &named(&sha256_hex(other))).unwrap_err().code(),
            Code::TrustedDocumentRequired
        );
        assert_eq!(
            documents.resolve(None, &named(&sha256_hex(other))).unwrap_err().code(),
            Code::PersistedQueryNotFound
        );
        let unknown = Named { document_id: Some("nope".to_owned()), sha256: None };
        assert_eq!(documents.resolve(None, &unknown).unwrap_err().code(), Code::TrustedDocumentNotFound);
    }

    #[test]
    fn manifests_of_relay_codegen_and_apollo_are_read() {
        let flat = parse_manifest(r#"{"5f4c": "query A { countries { name } }"}"#).unwrap();
        assert_eq!(flat["5f4c"], "query A { countries { name } }");
        let apollo = parse_manifest(
            r#"{"format": "apollo-persisted-query-manifest", "version": 1,
                "operations": [{"id": "aa", "name": "A", "type": "query", "body": "query A { countries { name } }"}]}"#,
        )
        .unwrap();
        assert_eq!(apollo["aa"], "query A { countries { name } }");
        assert!(parse_manifest(r#"{"x": "query {"}"#).unwrap_err().contains("`x` does not parse"));
        assert!(parse_manifest("[1, 2]").is_err());
    }
}
