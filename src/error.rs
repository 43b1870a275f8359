//! The crate's one error type; `code()` drives the GraphQL `extensions.code` and HTTP status.

use async_graphql::ErrorExtensions;

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

    /// Returns the machine-readable code clients see in `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "NOT_FOUND",
            Self::BadInput { .. } | Self::InvalidInput(_) => "BAD_USER_INPUT",
            Self::Conflict(_) => "CONFLICT",
            Self::Referenced { .. } => "REFERENCED",
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Store(_) | Self::Search(_) | Self::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    fn is_internal(&self) -> bool {
        self.code() == "INTERNAL_SERVER_ERROR"
    }
}

impl From<tantivy::TantivyError> for Error {
    fn from(error: tantivy::TantivyError) -> Self {
        Self::Search(error)
    }
}

impl ErrorExtensions for Error {
    /// Internal errors are logged with their source chain and shown only as "internal server error".
    fn extend(&self) -> async_graphql::Error {
        if self.is_internal() {
            tracing::error!(error = %self.chain(), "request failed");
            return async_graphql::Error::new("internal server error")
                .extend_with(|_, e| e.set("code", "INTERNAL_SERVER_ERROR"));
        }
        async_graphql::Error::new(self.to_string()).extend_with(|_, e| {
            e.set("code", self.code());
            match self {
                Self::BadInput { field, .. } => e.set("field", field.as_str()),
                Self::Referenced { referrers, .. } => e.set("referencedBy", referrers.clone()),
                _ => {}
            }
        })
    }
}

impl Error {
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
