//! Who may write: API tokens, configured as `name=secret` pairs or as a file of
//! `name:sha256-hex` lines, checked in constant time. Only SHA-256 digests are kept
//! in memory and nothing here ever logs or prints a secret.

use std::fmt;
use std::path::Path;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::Error;

/// The configured tokens, as (name, SHA-256 of the secret).
#[derive(Clone, Default)]
pub struct Tokens {
    entries: Vec<(String, [u8; 32])>,
}

impl fmt::Debug for Tokens {
    /// Shows the token names only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.entries.iter().map(|(name, _)| name)).finish()
    }
}

impl Tokens {
    /// Parses `name=secret,name=secret` (the `--tokens` / `AG_TOKENS` form).
    pub fn parse_pairs(text: &str) -> Result<Self, Error> {
        let mut tokens = Self::default();
        for (i, pair) in text.split(',').map(str::trim).filter(|pair| !pair.is_empty()).enumerate() {
            let Some((name, secret)) = pair.split_once('=') else {
                return Err(Error::InvalidInput(format!("token {}: expected `name=secret`", i + 1)));
            };
            if secret.is_empty() {
                return Err(Error::InvalidInput(format!("token `{}`: the secret is empty", name.trim())));
            }
            tokens.add(name.trim(), digest(secret.as_bytes()))?;
        }
        Ok(tokens)
    }

    /// Parses a tokens file: one `name:sha256-hex` per line; blank lines and `#` comments are skipped.
    pub fn parse_file_text(text: &str, source: &Path) -> Result<Self, Error> {
        let mut tokens = Self::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = format!("{}:{}", source.display(), i + 1);
            let Some((name, hash)) = line.split_once(':') else {
                return Err(Error::InvalidInput(format!("{at}: expected `name:sha256-hex`")));
            };
            let mut sha = [0u8; 32];
            hex::decode_to_slice(hash.trim(), &mut sha)
                .map_err(|_| Error::InvalidInput(format!("{at}: the hash must be 64 hex digits (sha256)")))?;
            tokens.add(name.trim(), sha).map_err(|error| Error::InvalidInput(format!("{at}: {error}")))?;
        }
        Ok(tokens)
    }

    /// Reads a tokens file.
    pub fn read_file(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| Error::InvalidInput(format!("cannot read {}: {error}", path.display())))?;
        Self::parse_file_text(&text, path)
    }

    /// Adds the tokens of `other`; a name may appear once.
    pub fn merge(mut self, other: Tokens) -> Result<Self, Error> {
        for (name, sha) in other.entries {
            self.add(&name, sha)?;
        }
        Ok(self)
    }

    fn add(&mut self, name: &str, sha: [u8; 32]) -> Result<(), Error> {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c)) {
            return Err(Error::InvalidInput(format!("`{name}` is not a token name (letters, digits, - _ . @)")));
        }
        if self.entries.iter().any(|(existing, _)| existing == name) {
            return Err(Error::InvalidInput(format!("token `{name}` is configured twice")));
        }
        self.entries.push((name.to_owned(), sha));
        Ok(())
    }

    /// Returns the name of the token whose secret this is. Every entry is compared, in
    /// constant time, so the answer's timing says nothing about which one matched.
    pub fn verify(&self, secret: &str) -> Option<&str> {
        let presented = digest(secret.as_bytes());
        let mut found = None;
        for (name, sha) in &self.entries {
            if bool::from(sha.ct_eq(&presented)) {
                found = Some(name.as_str());
            }
        }
        found
    }

    /// Reads a `Bearer` token from an `Authorization` header value and verifies it.
    pub fn verify_header(&self, header: &str) -> Option<&str> {
        let (scheme, secret) = header.trim().split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        self.verify(secret.trim())
    }
}

/// Who is calling, as established once per request (HTTP) or connection (WebSocket).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No credentials: may read.
    Anonymous,
    /// Credentials that match no configured token.
    Rejected,
    /// A configured token, by name.
    Writer(String),
}

impl Caller {
    /// Identifies the caller from an `Authorization` header value, if any.
    pub fn from_header(tokens: &Tokens, header: Option<&str>) -> Self {
        match header {
            None => Self::Anonymous,
            Some(value) => match tokens.verify_header(value) {
                Some(name) => Self::Writer(name.to_owned()),
                None => Self::Rejected,
            },
        }
    }

    /// Returns the token name, or an `UNAUTHENTICATED` error saying what is wrong.
    pub fn writer(&self) -> Result<&str, Error> {
        match self {
            Self::Writer(name) => Ok(name),
            Self::Anonymous => {
                Err(Error::Unauthenticated("this needs a token: send `Authorization: Bearer <token>`".to_owned()))
            }
            Self::Rejected => Err(Error::Unauthenticated("the token is not valid".to_owned())),
        }
    }
}

/// Returns the SHA-256 of `bytes`.
pub fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_verify_by_secret_and_name_the_caller() {
        let tokens = Tokens::parse_pairs("alice=s3cret, bob=hunter2").unwrap();
        assert_eq!(tokens.verify("s3cret"), Some("alice"));
        assert_eq!(tokens.verify("hunter2"), Some("bob"));
        assert_eq!(tokens.verify("hunter"), None);
        assert_eq!(tokens.verify(""), None);
        assert_eq!(tokens.verify_header("Bearer s3cret"), Some("alice"));
        assert_eq!(tokens.verify_header("bearer  hunter2 "), Some("bob"));
        assert_eq!(tokens.verify_header("Basic s3cret"), None);
        assert_eq!(tokens.verify_header("s3cret"), None);
    }

    #[test]
    fn a_file_holds_hashes_not_secrets() {
        let hash = hex::encode(digest(b"s3cret"));
        let text = format!("# editors\nalice:{hash}\n\n");
        let tokens = Tokens::parse_file_text(&text, Path::new("tokens")).unwrap();
        assert_eq!(tokens.verify("s3cret"), Some("alice"));
        assert!(!text.contains("s3cret"));
    }

    #[test]
    fn bad_configuration_is_refused_with_its_place() {
        for bad in ["alice", "alice=", "=x", "a b=x", "alice=x,alice=y"] {
            assert!(Tokens::parse_pairs(bad).is_err(), "{bad}");
        }
        let error = Tokens::parse_file_text("alice:nothex\n", Path::new("tokens")).unwrap_err();
        assert!(error.to_string().starts_with("tokens:1:"), "{error}");
        let error = Tokens::parse_file_text("\nalice\n", Path::new("tokens")).unwrap_err();
        assert!(error.to_string().starts_with("tokens:2:"), "{error}");
    }

    #[test]
    fn debug_output_shows_names_only() {
        let tokens = Tokens::parse_pairs("alice=s3cret").unwrap();
        let shown = format!("{tokens:?}");
        assert_eq!(shown, r#"["alice"]"#);
    }
}
