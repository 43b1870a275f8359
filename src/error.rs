//! The crate's one error type and the codes clients see. `Error::code()` drives the
//! GraphQL `extensions.code`; `Code::status()` the HTTP status when an error ends a
//! request at the edge (`http::errors` maps it to a response once, for every route).

use std::fmt;

use async_graphql::ErrorExtensions;

/// Defines the codes with their wire names and statuses.
macro_rules! codes {
    ($($(#[$meta:meta])* $variant:ident => $text:literal, $status:literal;)+) => {
        /// Every `extensions.code` the server sends.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($(#[$meta])* $variant),+
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// Returns the wire name, e.g. `TOO_DEEP`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text),+ }
            }

            /// Returns the HTTP status of a request that ends with this code, as the
            /// GraphQL-over-HTTP spec has it for `application/graphql-response+json`.
            pub fn status(self) -> u16 {
                match self { $(Code::$variant => $status),+ }
            }
        }
    };
}

codes! {
    // Raised while a request runs (field errors, answered with 200 beside the data).
    NotFound => "NOT_FOUND", 404;
    BadUserInput => "BAD_USER_INPUT", 400;
    Conflict => "CONFLICT", 409;
    Referenced => "REFERENCED", 409;
    Unauthenticated => "UNAUTHENTICATED", 401;
    InternalServerError => "INTERNAL_SERVER_ERROR", 500;
    /// `--fast-path verify` only: the compiled plan and the engine answered differently.
    FastPathMismatch => "FAST_PATH_MISMATCH", 500;
    // Refusals before anything runs.
    /// The request is not a GraphQL request (malformed JSON, no `query`, wrong types).
    BadRequest => "BAD_REQUEST", 400;
    GraphqlParseFailed => "GRAPHQL_PARSE_FAILED", 400;
    GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED", 400;
    QueryTooLarge => "QUERY_TOO_LARGE", 400;
    TooManyTokens => "TOO_MANY_TOKENS", 400;
    TooDeep => "TOO_DEEP", 400;
    /// `fields`, `inputFields`, `interfaces` or `possibleTypes` nested too deep in introspection.
    IntrospectionTooDeep => "INTROSPECTION_TOO_DEEP", 400;
    TooManyAliases => "TOO_MANY_ALIASES", 400;
    TooManyRootFields => "TOO_MANY_ROOT_FIELDS", 400;
    TooManyDirectives => "TOO_MANY_DIRECTIVES", 400;
    TooManySelections => "TOO_MANY_SELECTIONS", 400;
    TooComplex => "TOO_COMPLEX", 400;
    PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND", 404;
    PersistedQueryHashMismatch => "PERSISTED_QUERY_HASH_MISMATCH", 400;
    PersistedQueryNotSupported => "PERSISTED_QUERY_NOT_SUPPORTED", 400;
    TrustedDocumentNotFound => "TRUSTED_DOCUMENT_NOT_FOUND", 404;
    TrustedDocumentRequired => "TRUSTED_DOCUMENT_REQUIRED", 403;
    // Refusals of the HTTP request itself.
    PayloadTooLarge => "PAYLOAD_TOO_LARGE", 413;
    UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE", 415;
    NotAcceptable => "NOT_ACCEPTABLE", 406;
    MethodNotAllowed => "METHOD_NOT_ALLOWED", 405;
    BatchingDisabled => "BATCHING_DISABLED", 400;
    BatchTooLarge => "BATCH_TOO_LARGE", 400;
    TooManySubscriptions => "TOO_MANY_SUBSCRIPTIONS", 400;
    /// A subscriber fell too far behind: an item of its stream, never a response.
    ChangesMissed => "CHANGES_MISSED", 503;
    Overloaded => "OVERLOADED", 503;
    Timeout => "TIMEOUT", 503;
    /// The store or the index is not usable (readiness).
    Unavailable => "UNAVAILABLE", 503;
    /// No space left on the device that holds the store (or, on `/readyz`, the index):
    /// the write was not made.
    InsufficientStorage => "INSUFFICIENT_STORAGE", 507;
    /// `/readyz` only: the index on disk was damaged or removed; it is being rebuilt
    /// from the store while the server answers from what it has.
    IndexDamaged => "INDEX_DAMAGED", 503;
}

impl Code {
    /// Returns whether the code is a GraphQL request error (the document could not be
    /// parsed, validated or found): the spec answers those with 200 under
    /// `application/json`, and with 4xx under `application/graphql-response+json`.
    pub fn is_request_error(self) -> bool {
        matches!(
            self,
            Self::GraphqlParseFailed
                | Self::GraphqlValidationFailed
                | Self::QueryTooLarge
                | Self::TooManyTokens
                | Self::TooDeep
                | Self::IntrospectionTooDeep
                | Self::TooManyAliases
                | Self::TooManyRootFields
                | Self::TooManyDirectives
                | Self::TooManySelections
                | Self::TooComplex
                | Self::PersistedQueryNotFound
                | Self::PersistedQueryHashMismatch
                | Self::PersistedQueryNotSupported
                | Self::TrustedDocumentNotFound
                | Self::TrustedDocumentRequired
        )
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `ENOSPC` on Linux and the BSDs.
const ENOSPC: i32 = 28;

/// Everything that can go wrong in a request or a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A referenced entity does not exist.
    #[error("no {kind} has the id `{id}`")]
    NotFound { kind: &'static str, id: String },
    /// The caller sent something invalid; `field` names the argument or input field at fault.
    #[error("{message}")]
    BadInput { field: String, message: String },
    /// Input that is invalid as a whole (a dataset file, a url).
    #[error("{0}")]
    InvalidInput(String),
    /// The write lost a race: the stored version is not the one the caller read.
    #[error("{0}")]
    Conflict(String),
    /// A delete that would leave references dangling; `referrers` names them.
    #[error("{message}")]
    Referenced { message: String, referrers: Vec<String> },
    /// No token, or not a token this server knows.
    #[error("{0}")]
    Unauthenticated(String),
    /// A request refused before it ran: a limit, a malformed or unsupported request, a
    /// protocol rule, or a server that cannot answer now. `code` says which;
    /// `field` names the request parameter at fault, when one is.
    #[error("{message}")]
    Refused { code: Code, message: String, field: Option<String> },
    #[error("database error")]
    Store(#[source] sqlx::Error),
    #[error("search index error")]
    Search(#[source] tantivy::TantivyError),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl Error {
    /// Returns a `BAD_USER_INPUT` error about `field`.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput { field: field.into(), message: message.into() }
    }

    /// Returns a refusal with `code`.
    pub fn refused(code: Code, message: impl Into<String>) -> Self {
        Self::Refused { code, message: message.into(), field: None }
    }

    /// Returns a refusal with `code` that names the request parameter at fault
    /// (`extensions.field`), e.g. `extensions.persistedQuery.sha256Hash`.
    pub fn refused_at(code: Code, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Refused { code, message: message.into(), field: Some(field.into()) }
    }

    /// Returns the machine-readable code clients see in `extensions.code`.
    pub fn code(&self) -> Code {
        match self {
            Self::NotFound { .. } => Code::NotFound,
            Self::BadInput { .. } | Self::InvalidInput(_) => Code::BadUserInput,
            Self::Conflict(_) => Code::Conflict,
            Self::Referenced { .. } => Code::Referenced,
            Self::Unauthenticated(_) => Code::Unauthenticated,
            Self::Refused { code, .. } => *code,
            Self::Store(_) | Self::Search(_) | Self::Internal(_) if self.is_no_space() => Code::InsufficientStorage,
            Self::Store(_) | Self::Search(_) | Self::Internal(_) => Code::InternalServerError,
        }
    }

    /// Returns whether the error comes from a full disk: `ENOSPC` anywhere in its source
    /// chain, SQLite's `SQLITE_FULL` or PostgreSQL's `disk_full` (53100).
    pub fn is_no_space(&self) -> bool {
        if let Self::Store(sqlx::Error::Database(database)) = self {
            if matches!(database.code().as_deref(), Some("13" | "53100")) {
                return true;
            }
        }
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(error) = source {
            if let Some(io) = error.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::StorageFull || io.raw_os_error() == Some(ENOSPC) {
                    return true;
                }
            }
            // Tantivy keeps some I/O errors only as text.
            let text = error.to_string();
            if text.contains("No space left on device") || text.contains("database or disk is full") {
                return true;
            }
            source = error.source();
        }
        false
    }

    /// Returns whether the error is the server's fault (logged, never shown).
    pub fn is_internal(&self) -> bool {
        self.code() == Code::InternalServerError
    }

    /// Returns what the client is told: internal errors are logged with their source
    /// chain and shown only as "internal server error".
    pub fn public_message(&self) -> String {
        if self.code() == Code::InsufficientStorage && !matches!(self, Self::Refused { .. }) {
            tracing::error!(error = %self.chain(), "a write was refused: no space left");
            return "no space left on the device that holds the data: nothing was written".to_owned();
        }
        if self.is_internal() {
            tracing::error!(error = %self.chain(), "request failed");
            return "internal server error".to_owned();
        }
        self.to_string()
    }

    /// Returns the argument, input field or request parameter at fault, when one is.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::BadInput { field, .. } => Some(field),
            Self::Refused { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// Returns the message with every source's message after it, for logs and the command line.
    pub fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }
}

impl From<tantivy::TantivyError> for Error {
    fn from(error: tantivy::TantivyError) -> Self {
        Self::Search(error)
    }
}

impl ErrorExtensions for Error {
    fn extend(&self) -> async_graphql::Error {
        async_graphql::Error::new(self.public_message()).extend_with(|_, e| {
            e.set("code", self.code().as_str());
            if let Some(field) = self.field() {
                e.set("field", field);
            }
            if let Self::Referenced { referrers, .. } = self {
                e.set("referencedBy", referrers.clone());
            }
        })
    }
}
