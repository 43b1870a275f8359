//! The ceiling for the HTTP benchmarks: a bare axum server that answers every
//! `POST /graphql` with the same bytes, read once at start from a file. It does no
//! GraphQL work at all, so its requests per second bound what any GraphQL server on
//! the same stack (axum, hyper, tokio) can reach for that response.
//!
//! ```sh
//! cargo build --release --example ceiling
//! target/release/examples/ceiling --body response.json --listen 127.0.0.1:8100
//! ```
//!
//! `scripts/bench/run.py` captures a real response of the server under test and serves
//! it here, so both answer the same bytes. Prints `listening on ADDR` once bound.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;

struct Args {
    body: PathBuf,
    listen: SocketAddr,
}

fn parse_args() -> Result<Args, String> {
    let mut body = None;
    let mut listen: SocketAddr = ([127, 0, 0, 1], 8100).into();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--body" => body = Some(PathBuf::from(value("--body")?)),
            "--listen" => {
                let text = value("--listen")?;
                listen = text.parse().map_err(|error| format!("--listen {text}: {error}"))?;
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let body = body.ok_or("--body FILE is required")?;
    Ok(Args { body, listen })
}

#[tokio::main]
async fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("error: {message}");
            }
            eprintln!("usage: ceiling --body FILE [--listen 127.0.0.1:8100]");
            std::process::exit(2);
        }
    };
    let bytes = match std::fs::read(&args.body) {
        Ok(bytes) => Bytes::from(bytes),
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", args.body.display());
            std::process::exit(1);
        }
    };
    let app = Router::new().route(
        "/graphql",
        post(move |request: Bytes| {
            let bytes = bytes.clone();
            async move {
                // The request body is read (as the server under test must) and ignored.
                drop(request);
                ([(CONTENT_TYPE, "application/json")], bytes).into_response()
            }
        }),
    );
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("error: cannot listen on {}: {error}", args.listen);
            std::process::exit(1);
        }
    };
    let addr = listener.local_addr().expect("a bound listener has an address");
    println!("listening on {addr}");
    let _ = std::io::stdout().flush();
    if let Err(error) = axum::serve(listener, app).await {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
