//! The pages the binary serves: the explorer at `/` (and its own URLs) and the GraphiQL
//! playground at `/graphql`. Their assets come from the binary, with content-hashed
//! names, long cache lifetimes, gzip, and a policy that lets a page load nothing from
//! another host.

use crate::helpers::{spawn_app, start_with, Storage};

#[tokio::test]
async fn the_playground_loads_only_hashed_assets_of_this_server() {
    let app = spawn_app().await;
    let page = app.client.get(format!("{}/graphql", app.address)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("default-src 'none'") && policy.contains("script-src 'self'"), "{policy}");
    assert_eq!(headers["cache-control"], "no-cache");
    let html = page.text().await.unwrap();
    assert!(!html.contains("unpkg") && !html.contains("https://"), "nothing from a CDN");
    let assets: Vec<&str> = html.split("\"/assets/").skip(1).map(|rest| &rest[..rest.find('"').unwrap()]).collect();
    assert!(assets.iter().any(|a| a.starts_with("vendor/graphiql-4.1.2/graphiql.min.")), "{assets:?}");
    for asset in &assets {
        let response = app.client.get(format!("{}/assets/{asset}", app.address)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{asset}");
        assert_eq!(response.headers()["cache-control"], "public, immutable, max-age=31536000", "{asset}");
        assert!(response.headers().contains_key("etag"));
    }
    // The ETag answers a revalidation with 304.
    let graphiql = assets.iter().find(|a| a.ends_with(".js") && a.contains("graphiql")).unwrap();
    let url = format!("{}/assets/{graphiql}", app.address);
    let first = app.client.get(&url).send().await.unwrap();
    let etag = first.headers()["etag"].clone();
    let plain = first.bytes().await.unwrap().len();
    assert!(plain > 1_000_000, "GraphiQL's UMD build is about 1 MB, not {plain}");
    let again = app.client.get(&url).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    // Gzip when the browser takes it: a third of the size.
    let zipped = app.client.get(&url).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let compressed = zipped.bytes().await.unwrap().len();
    assert!(compressed * 3 < plain, "{compressed} of {plain} bytes");
}

#[tokio::test]
async fn an_unknown_or_stale_asset_is_a_404_and_the_playground_can_be_turned_off() {
    let app = spawn_app().await;
    let stale = app.client.get(format!("{}/assets/vendor/graphiql-4.1.2/graphiql.min.0000000000.js", app.address));
    let stale = stale.send().await.unwrap();
    assert_eq!(stale.status(), 404);
    let body: serde_json::Value = stale.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");

    let off = start_with(Storage::fresh().await, |config| config.clients.playground = false).await;
    let page = off.client.get(format!("{}/graphql", off.address)).send().await.unwrap();
    assert_eq!(page.status(), 400);
}

/// Returns the asset paths a page links (`/assets/...`).
fn linked_assets(html: &str) -> Vec<String> {
    html.split("\"/assets/").skip(1).map(|rest| rest[..rest.find('"').unwrap()].to_owned()).collect()
}

#[tokio::test]
async fn the_explorer_is_served_at_each_of_its_urls_under_a_strict_policy() {
    let app = spawn_app().await;
    for path in
        ["/", "/search?q=skiing", "/city/changchun", "/achievement/x", "/article/changchun-top-ten-2019?start=1&end=5"]
    {
        let page = app.client.get(format!("{}{path}", app.address)).send().await.unwrap();
        assert_eq!(page.status(), 200, "{path}");
        let policy = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(policy.contains(directive), "{path}: {policy}");
        }
        assert!(!policy.contains("unsafe-inline"), "no inline script or style: {policy}");
        assert_eq!(page.headers()["x-content-type-options"], "nosniff");
        assert_eq!(page.headers()["referrer-policy"], "no-referrer");
        let html = page.text().await.unwrap();
        assert!(html.contains("<html lang=\"en\">") && html.contains("<title>"), "{path}");
        assert!(!html.contains("<script>") && !html.contains("style="), "no inline script or style");
    }
    let unknown = app.client.get(format!("{}/planet/mars", app.address)).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn the_explorers_modules_import_each_other_by_hashed_url() {
    let app = spawn_app().await;
    let html = app.client.get(format!("{}/", app.address)).send().await.unwrap().text().await.unwrap();
    let preloads = html.matches("rel=\"modulepreload\"").count();
    assert!(preloads >= 10, "every module is preloaded: {preloads}");
    let modules: Vec<String> = linked_assets(&html).into_iter().filter(|asset| asset.ends_with(".js")).collect();
    let mut fetched = 0;
    for module in &modules {
        let text =
            app.client.get(format!("{}/assets/{module}", app.address)).send().await.unwrap().text().await.unwrap();
        fetched += 1;
        // No bare or relative specifier is left: each import is a hashed asset URL that exists.
        for quote in ['"', '\''] {
            for piece in text.split(&format!("from{quote}")).skip(1).chain(text.split(&format!("from {quote}")).skip(1))
            {
                let target = &piece[..piece.find(quote).unwrap()];
                // graphql-ws's error text advises `import WebSocket from 'ws'` for Node.
                if module.starts_with("vendor/graphql-ws-") && target == "ws" {
                    continue;
                }
                assert!(target.starts_with("/assets/"), "{module} imports `{target}`");
                let found = app.client.get(format!("{}{target}", app.address)).send().await.unwrap();
                assert_eq!(found.status(), 200, "{module} imports {target}");
            }
        }
    }
    assert!(fetched >= 10, "{fetched} modules");
    assert!(modules.iter().any(|m| m.starts_with("vendor/preact-10.29.8/preact.module.")));
}

#[tokio::test]
async fn the_explorer_can_be_turned_off() {
    let off = start_with(Storage::fresh().await, |config| config.clients.explorer = false).await;
    let page = off.client.get(format!("{}/", off.address)).send().await.unwrap();
    assert_eq!(page.status(), 404);
    let page = off.client.get(format!("{}/city/changchun", off.address)).send().await.unwrap();
    assert_eq!(page.status(), 404);
}
