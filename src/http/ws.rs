//! GraphQL over WebSocket at `/graphql/ws`: the graphql-ws protocol
//! (`graphql-transport-ws`) and the older `graphql-ws` subprotocol, served by
//! async-graphql, with what it lacks added around it: a deadline for
//! `connection_init`, a cap on operations running at once per connection, the caller's
//! token taken from the upgrade request or the `connection_init` payload, and every
//! operation held to what HTTP holds it to: its document resolved as over HTTP
//! (persisted and trusted documents, and only those with `--only-trusted-documents`)
//! and checked against the request limits before it starts.

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::futures_util::{SinkExt, StreamExt};
use async_graphql::http::{WebSocketProtocols, WsMessage, ALL_WEBSOCKET_PROTOCOLS};
use async_graphql::{Data, Variables};
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{State, WebSocketUpgrade};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::persisted::{Named, PersistedDocuments};
use super::AppState;
use crate::auth::{Caller, Tokens};
use crate::error::{Code, Error};
use crate::graphql::{limits, loaders_for_request};

/// How often the server pings a WebSocket client.
const PING_EVERY: Duration = Duration::from_secs(30);

/// WebSocket limits, from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct WsLimits {
    /// How long a client has to send `connection_init` after connecting.
    pub init_timeout: Duration,
    /// How many operations one connection may run at once.
    pub max_operations: usize,
}

/// Upgrades to a GraphQL WebSocket, or answers 400 with a GraphQL-shaped body.
pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let Ok(upgrade) = upgrade else {
        return Error::refused(Code::BadRequest, "this endpoint speaks GraphQL over WebSocket only").into_response();
    };
    let protocol = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(',').find_map(|p| WebSocketProtocols::from_str(p.trim()).ok()));
    let Some(protocol) = protocol else {
        return Error::refused(Code::BadRequest, "ask for the `graphql-transport-ws` (or `graphql-ws`) subprotocol")
            .into_response();
    };
    let header_caller =
        Caller::from_header(&state.tokens, headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok()));
    upgrade.protocols(ALL_WEBSOCKET_PROTOCOLS).on_upgrade(move |socket| serve(socket, state, protocol, header_caller))
}

/// Tracks the operations a connection runs, to enforce the cap.
#[derive(Default)]
struct Operations {
    active: HashSet<String>,
}

async fn serve(socket: WebSocket, state: AppState, protocol: WebSocketProtocols, header_caller: Caller) {
    let limits = state.ws_limits;
    let (mut sink, source) = socket.split();
    let initialized = Arc::new(AtomicBool::new(false));
    let operations = Arc::new(Mutex::new(Operations::default()));
    let (refusals, mut refused) = mpsc::unbounded_channel::<WsMessage>();

    // Incoming messages pass through the guard before async-graphql sees them.
    let gate = Gate {
        protocol,
        limits,
        tokens: state.tokens.clone(),
        persisted: state.persisted.clone(),
        request_limits: state.limits.clone(),
    };
    let incoming = {
        let initialized = initialized.clone();
        let operations = operations.clone();
        source.take_while(|message| std::future::ready(message.is_ok())).filter_map(move |message| {
            let text = match message {
                Ok(Message::Text(text)) => Some(text.to_string()),
                Ok(Message::Binary(bytes)) => String::from_utf8(bytes.to_vec()).ok(),
                _ => None,
            };
            let text = text.and_then(|text| guard(text, &gate, &initialized, &operations, &refusals));
            std::future::ready(text)
        })
    };
    let tokens = state.tokens.clone();
    let store = state.store.clone();
    let mut stream = async_graphql::http::WebSocket::new(state.schema.clone(), incoming, protocol).on_connection_init(
        move |payload| async move {
            let caller = match token_in(&payload) {
                Some(value) => Caller::from_header(&tokens, Some(&value)),
                None => header_caller,
            };
            if caller == Caller::Rejected {
                return Err(async_graphql::Error::new("the token is not valid"));
            }
            let mut data = Data::default();
            data.insert(caller);
            data.insert(loaders_for_request(store));
            Ok(data)
        },
    );

    let deadline = tokio::time::sleep(limits.init_timeout);
    tokio::pin!(deadline);
    // Idle subscribers are normal (graphql-ws clients send no keep-alive by default), so
    // nothing closes a quiet connection; pings find the ones whose peer is gone.
    let mut pings = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    loop {
        tokio::select! {
            _ = pings.tick() => {
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
            message = stream.next() => match message {
                Some(WsMessage::Text(text)) => {
                    finished(&text, &operations);
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Some(WsMessage::Close(code, reason)) => {
                    let _ = sink.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
                    break;
                }
                None => break,
            },
            Some(message) = refused.recv() => match message {
                WsMessage::Text(text) => {
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                WsMessage::Close(code, reason) => {
                    let _ = sink.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
                    break;
                }
            },
            () = &mut deadline, if !initialized.load(Ordering::Relaxed) => {
                let frame = CloseFrame { code: 4408, reason: "Connection initialisation timeout".into() };
                let _ = sink.send(Message::Close(Some(frame))).await;
                break;
            }
        }
    }
}

/// What the guard checks messages against.
struct Gate {
    protocol: WebSocketProtocols,
    limits: WsLimits,
    tokens: Arc<Tokens>,
    persisted: PersistedDocuments,
    request_limits: super::Limits,
}

impl Gate {
    /// Returns the message that refuses operation `id` with `error`.
    fn refusal(&self, id: &str, error: &Error) -> WsMessage {
        let error = json!({
            "message": error.public_message(),
            "extensions": { "code": error.code().as_str() },
        });
        let payload = match self.protocol {
            WebSocketProtocols::GraphQLWS => json!([error]),
            WebSocketProtocols::SubscriptionsTransportWS => error,
        };
        WsMessage::Text(json!({ "type": "error", "id": id, "payload": payload }).to_string())
    }

    /// Resolves and checks an operation's payload; returns it with its document in
    /// `query` when it may start.
    fn admit(&self, mut payload: Value) -> Result<Value, Error> {
        let document_id = match payload.get("documentId") {
            None | Some(Value::Null) => None,
            Some(Value::String(id)) => Some(id.clone()),
            Some(_) => return Err(Error::refused_at(Code::BadRequest, "documentId", "`documentId` must be a string")),
        };
        let named = Named::from_extensions(document_id, payload.get("extensions"))?;
        let query = payload.get("query").and_then(Value::as_str);
        let resolved = self.persisted.resolve(query, &named)?;
        let variables = match payload.get("variables") {
            None | Some(Value::Null) => Variables::default(),
            Some(value @ Value::Object(_)) => Variables::from_json(value.clone()),
            Some(_) => {
                return Err(Error::refused_at(Code::BadRequest, "variables", "`variables` must be a JSON object"))
            }
        };
        let operation = payload.get("operationName").and_then(Value::as_str);
        let limits = &self.request_limits;
        limits::check(resolved.query(), &variables, operation, &limits.document, &limits.shape)?;
        payload["query"] = Value::String(resolved.query().to_string());
        Ok(payload)
    }
}

/// Inspects one client message: notes `connection_init` (closing with 4403 on a wrong
/// token), counts operations, and drops (answering with an error) an operation over
/// the cap. Returns the text to pass on.
fn guard(
    text: String,
    gate: &Gate,
    initialized: &AtomicBool,
    operations: &Mutex<Operations>,
    refusals: &mpsc::UnboundedSender<WsMessage>,
) -> Option<String> {
    let limits = gate.limits;
    let Ok(message) = serde_json::from_str::<Value>(&text) else {
        return Some(text); // async-graphql answers malformed messages itself
    };
    let id = message["id"].as_str().unwrap_or_default().to_owned();
    match message["type"].as_str() {
        Some("connection_init") => {
            initialized.store(true, Ordering::Relaxed);
            if let Some(value) = token_in(&message["payload"]) {
                if Caller::from_header(&gate.tokens, Some(&value)) == Caller::Rejected {
                    let _ = refusals.send(WsMessage::Close(4403, "Forbidden: the token is not valid".to_owned()));
                    return None;
                }
            }
        }
        Some("subscribe" | "start") => {
            let mut operations = operations.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if !operations.active.contains(&id) && operations.active.len() >= limits.max_operations {
                let message = format!("at most {} operations may run at once on one connection", limits.max_operations);
                let _ = refusals.send(gate.refusal(&id, &Error::refused(Code::TooManySubscriptions, message)));
                return None;
            }
            match gate.admit(message["payload"].clone()) {
                Ok(payload) => {
                    operations.active.insert(id);
                    let mut message = message;
                    message["payload"] = payload;
                    return Some(message.to_string());
                }
                Err(error) => {
                    let _ = refusals.send(gate.refusal(&id, &error));
                    return None;
                }
            }
        }
        Some("complete" | "stop") => {
            operations.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).active.remove(&id);
        }
        _ => {}
    }
    Some(text)
}

/// Forgets an operation the server has ended (completed or failed).
fn finished(text: &str, operations: &Mutex<Operations>) {
    // Most messages are `next` results: skip parsing those that cannot be an ending.
    if !text.contains("\"complete\"") && !text.contains("\"error\"") {
        return;
    }
    let Ok(message) = serde_json::from_str::<Value>(text) else { return };
    if matches!(message["type"].as_str(), Some("complete" | "error")) {
        if let Some(id) = message["id"].as_str() {
            operations.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).active.remove(id);
        }
    }
}

/// Returns the `Authorization` value a client put in its `connection_init` payload.
fn token_in(payload: &Value) -> Option<String> {
    ["authorization", "Authorization"]
        .iter()
        .find_map(|key| payload.get(key).or_else(|| payload.get("headers").and_then(|h| h.get(key))))
        .and_then(Value::as_str)
        .map(str::to_owned)
}
