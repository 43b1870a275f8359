//! The self-hosted playground: GraphiQL's page and its assets come from the binary,
//! with content-hashed names, long cache lifetimes, gzip, and a policy that lets the
//! page load nothing from another host.

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
