//! The web files (`web/`), embedded in the binary: the explorer's page at `GET /` (and
//! at each of its own URLs), the GraphiQL playground's at `GET /graphql`, and every
//! asset at `/assets/<path>.<hash>.<ext>`.
//!
//! Asset names carry their content's hash, so they are cached for a year (`immutable`)
//! and a new build can never be served an old file; pages are revalidated (`no-cache`
//! with an ETag). The explorer is plain ES modules: at start, each module's import
//! specifiers (relative, or bare ones named in `web/imports.json`, an import map
//! applied here rather than inline, which the CSP would refuse) become the hashed URLs
//! of what they import, leaves first, so a module's hash covers everything it loads.
//! Assets are gzipped once, on first request. Pages run under a Content-Security-Policy
//! that allows nothing but this server. These routes sit outside the GraphQL limits:
//! they read no store and run no query.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;
use std::sync::{LazyLock, OnceLock};
use std::time::Duration;

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use headers::{CacheControl, ETag, HeaderMapExt};
use rust_embed::RustEmbed;

use super::caching::not_modified;
use crate::error::{Code, Error};

/// The files under `web/`.
#[derive(RustEmbed)]
#[folder = "web/"]
struct Files;

/// What the playground may load and connect to: this server only. GraphiQL sets inline
/// styles (CodeMirror positions its cursors and gutters with them) and embeds its fonts
/// as `data:` URLs.
const PLAYGROUND_POLICY: HeaderValue = HeaderValue::from_static(
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
     font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
);

/// What the explorer may load and connect to: this server only, no inline script or
/// style at all (it holds a write token).
const EXPLORER_POLICY: HeaderValue = HeaderValue::from_static(
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
);

/// How long an asset may be reused: its name changes with its content.
const ASSET_MAX_AGE: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// One embedded file, under its hashed name.
struct Asset {
    bytes: Cow<'static, [u8]>,
    content_type: &'static str,
    etag: ETag,
    /// Compressed on first request, then kept.
    gzipped: OnceLock<Option<Vec<u8>>>,
}

/// Every asset, by hashed path, and the hashed path of each file.
struct Web {
    assets: HashMap<String, Asset>,
    urls: HashMap<String, String>,
    /// The URLs of the ES modules pages load.
    modules: Vec<String>,
}

static WEB: LazyLock<Web> = LazyLock::new(Web::load);

/// An ES module's import specifier: `from "x"`, `import "x"`, `import("x")`.
static SPECIFIER: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r#"(?:\bfrom|\bimport)\s*\(?\s*(?:"([^"\n]+)"|'([^'\n]+)')"#).expect("a valid pattern")
});

/// A page's module scripts: `<script type="module" src="{{asset:PATH}}">`.
static MODULE_ENTRY: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r#"<script type="module" src="\{\{asset:([^}]+)\}\}""#).expect("a valid pattern")
});

impl Web {
    fn load() -> Self {
        let mut web = Web { assets: HashMap::new(), urls: HashMap::new(), modules: Vec::new() };
        let aliases = aliases();
        let mut modules = Vec::new();
        for path in Files::iter().filter(|path| path.ends_with(".html")) {
            let Some(file) = Files::get(&path) else { continue };
            let html = String::from_utf8_lossy(&file.data).into_owned();
            modules.extend(MODULE_ENTRY.captures_iter(&html).map(|found| found[1].to_owned()));
        }
        for module in modules {
            web.module(&module, &aliases, &mut Vec::new());
        }
        for path in Files::iter() {
            if web.urls.contains_key(path.as_ref()) {
                continue;
            }
            let Some(file) = Files::get(&path) else { continue };
            web.add(&path, file.data);
        }
        web
    }

    /// Adds one file under its hashed name.
    fn add(&mut self, path: &str, bytes: Cow<'static, [u8]>) -> String {
        let hash = hex::encode(&crate::auth::digest(&bytes)[..5]);
        let hashed = match path.rsplit_once('.') {
            Some((stem, extension)) if !stem.ends_with('/') => format!("{stem}.{hash}.{extension}"),
            _ => format!("{path}.{hash}"),
        };
        let etag = format!("\"{hash}\"").parse().expect("a hex ETag parses");
        let url = format!("/assets/{hashed}");
        self.urls.insert(path.to_owned(), url.clone());
        self.assets.insert(hashed, Asset { bytes, content_type: content_type(path), etag, gzipped: OnceLock::new() });
        url
    }

    /// Adds an ES module after the modules it imports, with its specifiers made their
    /// hashed URLs; returns its own URL. A cycle, or a relative import of a file that is
    /// not there, is a bug of `web/` and stops the server at its first page.
    fn module(&mut self, path: &str, aliases: &HashMap<String, String>, stack: &mut Vec<String>) -> String {
        if let Some(url) = self.urls.get(path) {
            return url.clone();
        }
        assert!(!stack.iter().any(|p| p == path), "web/: modules import each other in a cycle: {stack:?} -> {path}");
        let file = Files::get(path).unwrap_or_else(|| panic!("web/: a module imports web/{path}, which is missing"));
        let text = String::from_utf8_lossy(&file.data).into_owned();
        stack.push(path.to_owned());
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for found in SPECIFIER.captures_iter(&text) {
            let specifier = found.get(1).or_else(|| found.get(2)).expect("one of the two quotes");
            let target = if specifier.as_str().starts_with("./") || specifier.as_str().starts_with("../") {
                Some(join(path, specifier.as_str()))
            } else {
                aliases.get(specifier.as_str()).cloned()
            };
            // A bare name that no alias maps (`ws` in a message text) is not an import of ours.
            let Some(target) = target else { continue };
            let url = self.module(&target, aliases, stack);
            out.push_str(&text[last..specifier.start()]);
            out.push_str(&url);
            last = specifier.end();
        }
        out.push_str(&text[last..]);
        stack.pop();
        let url = self.add(path, Cow::Owned(out.into_bytes()));
        self.modules.push(url.clone());
        url
    }
}

/// The bare specifiers of `web/imports.json`, as paths under `web/`.
fn aliases() -> HashMap<String, String> {
    #[derive(serde::Deserialize)]
    struct ImportMap {
        imports: HashMap<String, String>,
    }
    let Some(file) = Files::get("imports.json") else { return HashMap::new() };
    let map: ImportMap = serde_json::from_slice(&file.data).expect("web/imports.json is an import map");
    map.imports.into_iter().map(|(name, path)| (name, join("imports.json", &path))).collect()
}

/// Resolves `relative` against the folder of `from` (both paths under `web/`).
fn join(from: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for part in relative.split('/') {
        match part {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    parts.join("/")
}

/// A page rendered from its template, with every `{{asset:PATH}}` made a hashed URL.
struct Page {
    html: String,
    etag: ETag,
}

static PLAYGROUND: LazyLock<Page> = LazyLock::new(|| render("playground/index.html"));
static EXPLORER: LazyLock<Page> = LazyLock::new(|| render("explorer/index.html"));

fn render(template: &str) -> Page {
    let file = Files::get(template).unwrap_or_else(|| panic!("web/{template} is embedded"));
    let mut html = String::from_utf8_lossy(&file.data).into_owned();
    // Every module a page loads is preloaded at once, not found import by import.
    if let Some(start) = html.find("{{modulepreloads}}") {
        let mut links: Vec<&String> = WEB.modules.iter().collect();
        links.sort();
        let links: String =
            links.iter().map(|url| format!("<link rel=\"modulepreload\" href=\"{url}\">\n  ")).collect();
        html.replace_range(start..start + "{{modulepreloads}}".len(), links.trim_end());
    }
    while let Some(start) = html.find("{{asset:") {
        let end = start + html[start..].find("}}").expect("a closed {{asset:...}}");
        let path = &html[start + 8..end];
        let url = WEB.urls.get(path).unwrap_or_else(|| panic!("web/{template} links web/{path}, which is missing"));
        html.replace_range(start..end + 2, url);
    }
    let etag = format!("\"{}\"", &crate::http::persisted::sha256_hex(&html)[..16]).parse().expect("an ETag");
    Page { html, etag }
}

/// Serves the GraphiQL playground.
pub fn playground(request: &HeaderMap) -> Response {
    page(&PLAYGROUND, PLAYGROUND_POLICY, request)
}

/// Serves the explorer, at `/` and at each of its own URLs (the page routes itself).
pub fn explorer(request: &HeaderMap) -> Response {
    page(&EXPLORER, EXPLORER_POLICY, request)
}

fn page(page: &Page, policy: HeaderValue, request: &HeaderMap) -> Response {
    let mut response = if not_modified(request, &page.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (StatusCode::OK, page.html.clone()).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.typed_insert(CacheControl::new().with_no_cache());
    headers.typed_insert(page.etag.clone());
    response
}

/// GET /assets/{*path}: one embedded file by its hashed name.
pub async fn asset(Path(path): Path<String>, request: HeaderMap) -> Response {
    let Some(asset) = WEB.assets.get(&path) else {
        return Error::refused(Code::NotFound, format!("no asset `{path}`: asset names change with each build"))
            .into_response();
    };
    let gzip = accepts_gzip(&request).then(|| asset.gzipped()).flatten();
    let mut response = if not_modified(&request, &asset.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        match gzip {
            Some(bytes) => (StatusCode::OK, bytes.to_vec()).into_response(),
            None => (StatusCode::OK, asset.bytes.to_vec()).into_response(),
        }
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    if gzip.is_some() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.typed_insert(CacheControl::new().with_public().with_max_age(ASSET_MAX_AGE).with_immutable());
    headers.typed_insert(asset.etag.clone());
    response
}

impl Asset {
    /// Returns the gzipped bytes, when compressing pays.
    fn gzipped(&self) -> Option<&[u8]> {
        self.gzipped
            .get_or_init(|| {
                if !self.content_type.starts_with("text/") && !self.content_type.contains("javascript") {
                    return None;
                }
                let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(&self.bytes).ok()?;
                let compressed = encoder.finish().ok()?;
                (compressed.len() < self.bytes.len()).then_some(compressed)
            })
            .as_deref()
    }
}

/// Returns whether `Accept-Encoding` allows gzip.
fn accepts_gzip(request: &HeaderMap) -> bool {
    request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")).and_then(|q| q.trim().parse::<f32>().ok())
                    == Some(0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, extension)| extension) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        Some("md") => "text/markdown; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_link_of_the_playground_is_an_embedded_hashed_asset() {
        let page = &*PLAYGROUND;
        assert!(!page.html.contains("{{"), "{}", page.html);
        let links: Vec<&str> =
            page.html.split("\"/assets/").skip(1).map(|rest| &rest[..rest.find('"').unwrap()]).collect();
        assert!(links.len() >= 5, "{links:?}");
        for link in links {
            assert!(WEB.assets.contains_key(link), "{link}");
        }
        assert!(
            !page.html.contains("http://") && !page.html.contains("https://"),
            "the page loads nothing from elsewhere"
        );
    }

    #[test]
    fn gzip_is_used_unless_refused() {
        let headers = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
            headers
        };
        assert!(accepts_gzip(&headers("gzip, deflate, br, zstd")));
        assert!(accepts_gzip(&headers("br;q=1.0, gzip;q=0.8")));
        assert!(!accepts_gzip(&headers("gzip;q=0")));
        assert!(!accepts_gzip(&headers("gzip; q=0.000, br")));
        assert!(!accepts_gzip(&headers("identity")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
