// Starts the real server binary on a free loopback port over its own temporary
// database and index, as a user would run it, and stops it after. Every spec file
// gets a server of its own (some need flags: trusted documents, cache lifetimes).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from '@playwright/test';

const here = dirname(fileURLToPath(import.meta.url));
export const repository = resolve(here, '..', '..', '..');
export const binary = process.env.AG_BIN ?? join(repository, 'target', 'debug', 'achievement-graph');

/** The token the tests write with: `Authorization: Bearer <EDITOR_SECRET>`. */
export const EDITOR_SECRET = 'editor-secret-for-client-tests';

/**
 * Starts a server; resolves once it listens. `args` are extra `serve` flags.
 * Returns { url, graphql, ws, stop, logs }.
 */
export async function startServer(args = []) {
  if (!existsSync(binary)) {
    throw new Error(`no server binary at ${binary}: run \`cargo build\` first (the global setup does)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'achievement-graph-clients-'));
  const child = spawn(
    binary,
    [
      'serve',
      '--listen', '127.0.0.1:0',
      '--database-url', `sqlite://${join(dir, 'graph.db')}`,
      '--index-dir', join(dir, 'index'),
      '--tokens', `editor=${EDITOR_SECRET}`,
      '--log-format', 'json',
      ...args,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, RUST_LOG: 'info,tantivy=warn,sqlx=warn' } },
  );
  const logs = [];
  const address = await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${logs.join('\n')}`)), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}:\n${logs.join('\n')}`));
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      logs.push(line);
      try {
        const entry = JSON.parse(line);
        if (entry.fields?.message === 'listening') {
          clearTimeout(timer);
          resolvePromise(entry.fields.addr);
        }
      } catch {
        // not a log line of ours
      }
    });
  });
  const url = `http://${address}`;
  return {
    url,
    graphql: `${url}/graphql`,
    ws: `ws://${address}/graphql/ws`,
    logs,
    async stop() {
      child.removeAllListeners('exit');
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Gives the spec file a server of its own: started before its first test, stopped
 * after its last. Returns the server's handle, filled in once it listens.
 */
export function serverForFile(args = []) {
  const server = {};
  test.beforeAll(async () => {
    Object.assign(server, await startServer(args));
  });
  test.afterAll(async () => {
    await server.stop?.();
  });
  return server;
}

/** Posts a GraphQL request with the editor's token; returns the JSON body. */
export async function edit(server, query, variables = {}) {
  const response = await fetch(server.graphql, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${EDITOR_SECRET}` },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

/** Returns the value of a Prometheus counter (summed over its labels that match). */
export async function metric(server, name, labels = {}) {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = line.match(/^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) total += Number(match[3]);
  }
  return total;
}
