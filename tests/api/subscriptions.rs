//! Live updates over the graphql-ws protocol at `/graphql/ws`: changes arrive filtered by
//! type, a silent client is closed, a connection runs a bounded number of operations,
//! and tokens guard what is not public.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::{node_id, spawn_app, start_with, Storage, TestApp, EDITOR_SECRET};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens a graphql-transport-ws connection (without sending `connection_init`).
async fn connect(app: &TestApp) -> Socket {
    let url = format!("{}/graphql/ws", app.address.replacen("http", "ws", 1));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (socket, response) = tokio_tungstenite::connect_async(request).await.expect("the upgrade succeeds");
    assert_eq!(response.headers()["sec-websocket-protocol"], "graphql-transport-ws");
    socket
}

async fn send(socket: &mut Socket, message: Value) {
    socket.send(Message::Text(message.to_string().into())).await.unwrap();
}

/// Returns the next JSON message, skipping pings; panics after 10 s.
async fn next(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s")
            .expect("the connection is open")
            .unwrap();
        match message {
            Message::Text(text) => {
                let value: Value = serde_json::from_str(&text).unwrap();
                if value["type"] != "ping" && value["type"] != "pong" {
                    return value;
                }
            }
            Message::Close(frame) => panic!("closed: {frame:?}"),
            _ => {}
        }
    }
}

/// Opens a connection and completes `connection_init` with `payload`.
async fn initialized(app: &TestApp, payload: Value) -> Socket {
    let mut socket = connect(app).await;
    send(&mut socket, json!({ "type": "connection_init", "payload": payload })).await;
    assert_eq!(next(&mut socket).await["type"], "connection_ack");
    socket
}

/// Makes sure the operations sent so far run: sends a query that has to wait for the
/// store, which async-graphql polls only after starting every earlier operation, and
/// reads up to its completion.
async fn settle(socket: &mut Socket) {
    send(socket, json!({ "id": "probe", "type": "subscribe", "payload": { "query": "{ countries { id } }" } })).await;
    loop {
        let message = next(socket).await;
        if message["id"] == "probe" && message["type"] == "complete" {
            return;
        }
        assert_eq!(message["id"], "probe", "only the probe answers here: {message}");
    }
}

async fn rename_city(app: &TestApp, slug: &str, name: &str) {
    let id = app.id_of("city", slug).await;
    app.edit_ok(
        r#"mutation($id: ID!, $n: String!) { updateCity(id: $id, patch: { name: $n }) { id } }"#,
        json!({ "id": id, "n": name }),
    )
    .await;
}

#[tokio::test]
async fn a_subscriber_gets_the_changes_of_the_types_it_asked_for() {
    let app = spawn_app().await;
    let mut socket = initialized(&app, json!({})).await;
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query":
            "subscription { changes(types: [COUNTRY]) { kind type id generation node { ... on Country { name version } } } }" } }),
    )
    .await;
    settle(&mut socket).await;
    rename_city(&app, "sendai", "Sendai-shi").await; // a city: filtered out
    let country = app.id_of("country", "japan").await;
    app.edit_ok(
        r#"mutation($id: ID!) { updateCountry(id: $id, patch: { name: "Nippon" }) { id } }"#,
        json!({ "id": country }),
    )
    .await;
    let message = next(&mut socket).await;
    assert_eq!(message["type"], "next", "{message}");
    assert_eq!(message["id"], "1");
    let change = &message["payload"]["data"]["changes"];
    assert_eq!(change["kind"], "UPDATED");
    assert_eq!(change["type"], "COUNTRY");
    assert_eq!(change["id"], country);
    assert_eq!(change["node"], json!({ "name": "Nippon", "version": 2 }));

    // Deletions arrive with a null node.
    let created = app.edit_ok(r#"mutation { createCountry(input: { name: "Atlantis" }) { id } }"#, json!({})).await;
    let atlantis = created["createCountry"]["id"].as_str().unwrap().to_owned();
    assert_eq!(next(&mut socket).await["payload"]["data"]["changes"]["kind"], "CREATED");
    app.edit_ok(r#"mutation($id: ID!) { deleteCountry(id: $id) }"#, json!({ "id": atlantis })).await;
    let deleted = next(&mut socket).await;
    assert_eq!(deleted["payload"]["data"]["changes"]["kind"], "DELETED");
    assert!(deleted["payload"]["data"]["changes"]["node"].is_null());
}

#[tokio::test]
async fn a_change_is_searchable_by_the_time_it_is_delivered() {
    let app = spawn_app().await;
    let mut socket = initialized(&app, json!({})).await;
    send(
        &mut socket,
        json!({ "id": "s", "type": "subscribe", "payload": { "query": "subscription { changes { type id } }" } }),
    )
    .await;
    settle(&mut socket).await;
    // Written by another client: the subscriber searches as soon as it hears.
    let writer = app.client.clone();
    let address = app.address.clone();
    let city = app.id_of("city", "masterton").await;
    tokio::spawn(async move {
        writer
            .post(format!("{address}/graphql"))
            .bearer_auth(EDITOR_SECRET)
            .json(&json!({ "query": r#"mutation($id: ID!) { updateCity(id: $id, patch: { name: "Masterton Wairarapa" }) { id } }"#, "variables": { "id": city } }))
            .send()
            .await
            .unwrap();
    });
    let message = next(&mut socket).await;
    assert_eq!(message["payload"]["data"]["changes"]["type"], "CITY");
    assert!(app.search_slugs("wairarapa", json!(["CITY"])).await.contains(&"masterton".to_owned()));
}

#[tokio::test]
async fn a_client_that_never_initializes_is_closed() {
    let storage = Storage::fresh().await;
    let app = start_with(storage, |config| config.ws_init_timeout_ms = 300).await;
    let mut socket = connect(&app).await;
    let message = tokio::time::timeout(Duration::from_secs(10), socket.next()).await.expect("closed in time");
    match message {
        Some(Ok(Message::Close(Some(frame)))) => {
            assert_eq!(u16::from(frame.code), 4408);
            assert!(frame.reason.contains("initialisation timeout"));
        }
        other => panic!("expected a 4408 close, got {other:?}"),
    }
}

#[tokio::test]
async fn a_connection_runs_a_bounded_number_of_subscriptions() {
    let storage = Storage::fresh().await;
    let app = start_with(storage, |config| config.ws_max_subscriptions = 2).await;
    let mut socket = initialized(&app, json!({})).await;
    for id in ["a", "b", "c"] {
        send(
            &mut socket,
            json!({ "id": id, "type": "subscribe", "payload": { "query": "subscription { changes { id } }" } }),
        )
        .await;
    }
    let refused = next(&mut socket).await;
    assert_eq!(refused["type"], "error");
    assert_eq!(refused["id"], "c");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "TOO_MANY_SUBSCRIPTIONS");
    // Completing one frees a place.
    send(&mut socket, json!({ "id": "a", "type": "complete" })).await;
    assert_eq!(next(&mut socket).await, json!({ "type": "complete", "id": "a" }));
    send(
        &mut socket,
        json!({ "id": "d", "type": "subscribe", "payload": { "query": "subscription { changes { id } }" } }),
    )
    .await;
    send(&mut socket, json!({ "id": "b", "type": "complete" })).await;
    assert_eq!(next(&mut socket).await, json!({ "type": "complete", "id": "b" }));
    settle(&mut socket).await; // the probe takes the second place
    rename_city(&app, "warrnambool", "Warrnambool Victoria").await;
    let delivered = next(&mut socket).await;
    assert_eq!((delivered["type"].as_str(), delivered["id"].as_str()), (Some("next"), Some("d")), "{delivered}");
}

#[tokio::test]
async fn tokens_guard_what_is_not_public_over_websocket_too() {
    let app = spawn_app().await;
    let history = json!({ "query": r#"{ city(slug: "changchun") { history(first: 1) { actor } } }"# });
    // Anonymous: reads work, history does not.
    let mut socket = initialized(&app, json!({})).await;
    send(&mut socket, json!({ "id": "h", "type": "subscribe", "payload": history })).await;
    let message = next(&mut socket).await;
    assert_eq!(message["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{message}");
    // With the token in the connection_init payload, it does.
    let mut socket = initialized(&app, json!({ "Authorization": format!("Bearer {EDITOR_SECRET}") })).await;
    send(&mut socket, json!({ "id": "h", "type": "subscribe", "payload": history })).await;
    let message = next(&mut socket).await;
    assert_eq!(message["payload"]["data"]["city"]["history"][0]["actor"], "bundled", "{message}");
    // A wrong token is refused at connection_init.
    let mut socket = connect(&app).await;
    send(&mut socket, json!({ "type": "connection_init", "payload": { "authorization": "Bearer wrong" } })).await;
    let closed = tokio::time::timeout(Duration::from_secs(10), socket.next()).await.unwrap();
    assert!(matches!(closed, Some(Ok(Message::Close(Some(ref frame)))) if u16::from(frame.code) == 4403), "{closed:?}");
}

#[tokio::test]
async fn an_operation_over_websocket_is_held_to_the_request_limits() {
    let app = spawn_app().await;
    let mut socket = initialized(&app, json!({})).await;
    let deep = format!("{{ {} name {} }}", "countries { ".repeat(11), "}".repeat(11));
    send(&mut socket, json!({ "id": "deep", "type": "subscribe", "payload": { "query": deep } })).await;
    let refused = next(&mut socket).await;
    assert_eq!((refused["type"].as_str(), refused["id"].as_str()), (Some("error"), Some("deep")), "{refused}");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "TOO_DEEP");
    let recursive = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
    send(&mut socket, json!({ "id": "intro", "type": "subscribe", "payload": { "query": recursive } })).await;
    assert_eq!(next(&mut socket).await["payload"][0]["extensions"]["code"], "INTROSPECTION_TOO_DEEP");
    // A refused operation takes no place: the connection still runs others.
    settle(&mut socket).await;
}

#[tokio::test]
async fn with_only_trusted_documents_the_websocket_runs_only_those() {
    let storage = Storage::fresh().await;
    let manifest = storage.dir.path().join("manifest.json");
    let subscription = "subscription Cities { changes(types: [CITY]) { id } }";
    let rename = "mutation Rename($id: ID!, $n: String!) { updateCity(id: $id, patch: { name: $n }) { id } }";
    let documents = json!({ "cities": subscription, "countries": "{ countries { id } }", "rename": rename });
    std::fs::write(&manifest, documents.to_string()).unwrap();
    let app = start_with(storage, |config| {
        config.clients.trusted_documents = Some(manifest);
        config.clients.only_trusted_documents = true;
    })
    .await;
    let mut socket = initialized(&app, json!({})).await;
    let other = json!({ "query": "subscription { changes { id } }" });
    send(&mut socket, json!({ "id": "other", "type": "subscribe", "payload": other })).await;
    let refused = next(&mut socket).await;
    assert_eq!(refused["payload"][0]["extensions"]["code"], "TRUSTED_DOCUMENT_REQUIRED", "{refused}");
    send(&mut socket, json!({ "id": "c", "type": "subscribe", "payload": { "documentId": "cities" } })).await;
    // The trusted query runs by id too (it must wait for the store, so the subscription started first).
    send(&mut socket, json!({ "id": "probe", "type": "subscribe", "payload": { "documentId": "countries" } })).await;
    loop {
        let message = next(&mut socket).await;
        if message["id"] == "probe" && message["type"] == "complete" {
            break;
        }
    }
    // Writes, too, run only as trusted documents.
    let written = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(EDITOR_SECRET)
        .json(
            &json!({ "documentId": "rename", "variables": { "id": node_id("City", "sendai"), "n": "Sendai Miyagi" } }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(written.status(), 200);
    let delivered = next(&mut socket).await;
    assert_eq!((delivered["type"].as_str(), delivered["id"].as_str()), (Some("next"), Some("c")), "{delivered}");
}
