//! What protects the endpoint as a whole: GET runs queries but not mutations, bodies a
//! cross-site form could send are refused, CORS answers only allowed origins, load
//! beyond the concurrency limit is shed at once, slow requests time out, and a panic
//! fails only its own request. Every refusal is GraphQL-shaped.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{spawn_app, start_with, Storage, TestApp};

async fn code_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    (status, body["errors"][0]["extensions"]["code"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn get_runs_queries_and_refuses_mutations() {
    let app = spawn_app().await;
    let url = format!("{}/graphql", app.address);
    let response = app.client.get(&url).query(&[("query", "{ countries { name } }")]).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["countries"].as_array().unwrap().len(), 6);
    let mutation = r#"mutation { createCountry(input: { name: "Atlantis" }) { id } }"#;
    let response = app.client.get(&url).query(&[("query", mutation)]).send().await.unwrap();
    assert_eq!(response.headers()["allow"], "POST");
    assert_eq!(code_of(response).await, (405, "METHOD_NOT_ALLOWED".to_owned()));
}

#[tokio::test]
async fn bodies_a_cross_site_form_could_send_are_refused() {
    let app = spawn_app().await;
    let url = format!("{}/graphql", app.address);
    for content_type in ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"] {
        let response = app
            .client
            .post(&url)
            .header("content-type", content_type)
            .body(json!({ "query": "{ countries { name } }" }).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(code_of(response).await, (415, "UNSUPPORTED_MEDIA_TYPE".to_owned()), "{content_type}");
    }
}

#[tokio::test]
async fn cors_answers_only_the_configured_origins() {
    let storage = Storage::fresh().await;
    let app = start_with(storage, |config| config.limits.cors_origins = vec!["https://pages.example".to_owned()]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight("https://pages.example").await.unwrap();
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://pages.example");
    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

/// Opens a request whose body never finishes: it holds its place until dropped.
async fn hold_a_request(app: &TestApp) -> TcpStream {
    let address = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{{\"query\""
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

#[tokio::test]
async fn load_beyond_the_concurrency_limit_is_shed_at_once() {
    let storage = Storage::fresh().await;
    let app = start_with(storage, |config| config.limits.max_concurrent_requests = 2).await;
    let _first = hold_a_request(&app).await;
    let _second = hold_a_request(&app).await;
    // The held requests take their places as soon as the server reads their heads.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let started = Instant::now();
        let response = app
            .client
            .post(format!("{}/graphql", app.address))
            .json(&json!({ "query": "{ countries { name } }" }))
            .send()
            .await
            .unwrap();
        if response.status() == 503 {
            assert_eq!(code_of(response).await, (503, "OVERLOADED".to_owned()));
            assert!(started.elapsed() < Duration::from_secs(2), "shed, not queued");
            break;
        }
        assert!(Instant::now() < deadline, "never shed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop((_first, _second));
    // Recovery is immediate once the load is gone.
    let mut recovered = false;
    for _ in 0..50 {
        let body = app.graphql("{ countries { name } }", json!({})).await;
        if body["data"]["countries"].is_array() {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(recovered);
}

#[tokio::test]
async fn a_request_that_takes_too_long_is_answered_with_503() {
    let storage = Storage::fresh().await;
    let app = start_with(storage, |config| config.limits.request_timeout_ms = 300).await;
    let mut stream = hold_a_request(&app).await;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await.unwrap().unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\"TIMEOUT\""), "{answer}");
}

#[tokio::test]
async fn a_panicking_resolver_fails_only_its_own_request() {
    use achievement_graph::http::{protect, TrafficLimits};
    let limits = TrafficLimits {
        max_concurrent: 8,
        timeout: Duration::from_secs(5),
        cors_origins: Vec::new(),
        header_read_timeout: Duration::from_secs(5),
    };
    // A GraphQL schema whose resolver panics, served like ours: the panic happens
    // inside `execute`, deep in the request's future.
    struct Root;
    #[async_graphql::Object]
    impl Root {
        async fn boom(&self) -> i32 {
            panic!("a resolver bug")
        }
        async fn fine(&self) -> &str {
            "fine"
        }
    }
    let schema = async_graphql::Schema::new(Root, async_graphql::EmptyMutation, async_graphql::EmptySubscription);
    let execute = move |query: &'static str| {
        let schema = schema.clone();
        async move { axum::Json(schema.execute(query).await) }
    };
    let (boom, fine) = (execute.clone(), execute);
    let router = axum::Router::new()
        .route("/panic", axum::routing::get(move || boom("{ boom }")))
        .route("/fine", axum::routing::get(move || fine("{ fine }")));
    let router = protect(router, &limits);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let client = reqwest::Client::new();
    let response = client.get(format!("http://{address}/panic")).send().await.unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!((status, body["errors"][0]["extensions"]["code"].as_str()), (500, Some("INTERNAL_SERVER_ERROR")));
    assert_eq!(body["errors"][0]["message"], "internal server error", "no panic text leaks");
    // The same server answers the next request, and the one after the next panic.
    let response = client.get(format!("http://{address}/fine")).send().await.unwrap();
    assert_eq!(response.json::<Value>().await.unwrap()["data"]["fine"], "fine");
    assert_eq!(client.get(format!("http://{address}/panic")).send().await.unwrap().status(), 500);
    let response = client.get(format!("http://{address}/fine")).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_client_that_trickles_its_headers_is_cut_off() {
    let storage = Storage::fresh().await;
    let app = start_with(storage, |config| config.limits.header_read_timeout_ms = 300).await;
    let address = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(b"POST /graphql HTTP/1.1\r\nhost: x\r\n").await.unwrap();
    // No more header lines: the server must close (after answering 408 or not at all).
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the connection was not closed");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
}
