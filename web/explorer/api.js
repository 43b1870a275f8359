// The explorer's only door to the server: the public GraphQL API, over POST /graphql,
// and /graphql/ws for live changes. A write token, once entered, is kept for this tab's
// session only (sessionStorage) and leaves the browser only in the `Authorization`
// header and in the WebSocket's `connection_init`.
import { createClient } from 'graphql-ws';

const TOKEN_KEY = 'achievement-graph.token';
const tokenListeners = new Set();

/** Returns the write token entered in this session, or ''. */
export function token() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** Keeps (or, with '', forgets) the write token for this session. */
export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
  // A new socket, so the next connection_init carries the new token.
  restartSocket();
  for (const listener of tokenListeners) listener(value);
}

export function onTokenChange(listener) {
  tokenListeners.add(listener);
  return () => tokenListeners.delete(listener);
}

/** A request the server refused or answered with errors; `errors` are GraphQL errors. */
export class GraphQLRequestError extends Error {
  constructor(errors, status, data) {
    super(errors.map((error) => error.message).join('; '));
    this.errors = errors;
    this.status = status;
    this.data = data;
  }

  /** Returns the first error's `extensions.code`. */
  get code() {
    return this.errors[0]?.extensions?.code;
  }
}

/**
 * Runs a query or mutation; resolves to `data`, rejects with a GraphQLRequestError (or
 * an AbortError when `signal` aborts). Reports how long the round trip took.
 */
export async function request(query, variables = {}, { signal } = {}) {
  const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
  const secret = token();
  if (secret) headers.authorization = `Bearer ${secret}`;
  const started = performance.now();
  const response = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }), signal });
  let body;
  try {
    body = await response.json();
  } catch {
    throw new GraphQLRequestError([{ message: `the server answered ${response.status} without a GraphQL body` }], response.status);
  }
  if (body.errors?.length) throw new GraphQLRequestError(body.errors, response.status, body.data);
  lastTook = performance.now() - started;
  return body.data;
}

let lastTook = 0;

/** Returns the time the last successful request took, in milliseconds. */
export function took() {
  return lastTook;
}

let socket = null;
const changeListeners = new Set();
let unsubscribe = null;

function restartSocket() {
  unsubscribe?.();
  unsubscribe = null;
  socket?.dispose();
  socket = null;
  if (changeListeners.size) listenForChanges();
}

function listenForChanges() {
  if (!socket) {
    const url = new URL('/graphql/ws', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = createClient({
      url: url.href,
      retryAttempts: Infinity,
      connectionParams: () => (token() ? { authorization: `Bearer ${token()}` } : {}),
    });
  }
  unsubscribe = socket.subscribe(
    { query: 'subscription ExplorerChanges { changes { kind type id generation } }' },
    {
      next: (result) => {
        if (!result.data) return;
        for (const listener of changeListeners) listener(result.data.changes);
      },
      error: () => {},
      complete: () => {},
    },
  );
}

/** Calls `listener(change)` for every change made to the graph from now on. */
export function onChange(listener) {
  changeListeners.add(listener);
  if (!unsubscribe) listenForChanges();
  return () => changeListeners.delete(listener);
}

/** Ids of every entity in a GraphQL answer (any `id` field, at any depth). */
export function idsIn(data, into = new Set()) {
  if (Array.isArray(data)) {
    for (const item of data) idsIn(item, into);
  } else if (data && typeof data === 'object') {
    for (const [key, value] of Object.entries(data)) {
      if (key === 'id' && typeof value === 'string') into.add(value);
      else idsIn(value, into);
    }
  }
  return into;
}

const enumCache = new Map();

/** Returns the values of a GraphQL enum, read from the schema (introspection). */
export async function enumValues(name) {
  if (!enumCache.has(name)) {
    enumCache.set(
      name,
      request('query EnumValues($name: String!) { __type(name: $name) { enumValues { name description } } }', { name }).then(
        (data) => data.__type.enumValues,
      ),
    );
  }
  return enumCache.get(name);
}
