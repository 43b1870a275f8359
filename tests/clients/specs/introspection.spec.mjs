// Introspection as tooling sends it: graphql-js 16's full introspection query (what
// GraphiQL, Apollo's tooling, graphql-codegen, Postman and Insomnia send) is answered
// under the default limits, and the schema built from the answer is schema.graphql.
// A recursive introspection is refused with a code, as graphql-js's own
// MaxIntrospectionDepthRule refuses it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  lexicographicSortSchema,
  MaxIntrospectionDepthRule,
  parse,
  printSchema,
  validate,
} from 'graphql';
import { repository, serverForFile } from '../support/server.mjs';

const sdl = readFileSync(join(repository, 'schema.graphql'), 'utf8');
const server = serverForFile();

async function post(query, operationName) {
  const started = performance.now();
  const response = await fetch(server.graphql, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, operationName }),
  });
  const body = await response.json();
  return { status: response.status, body, took: performance.now() - started };
}

test('the full graphql-js introspection query is answered and equals schema.graphql', async () => {
  const query = getIntrospectionQuery({
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
    oneOf: true,
  });
  const { status, body } = await post(query, 'IntrospectionQuery');
  expect(body.errors).toBeUndefined();
  expect(status).toBe(200);
  const served = printSchema(lexicographicSortSchema(buildClientSchema(body.data)));
  const checkedIn = printSchema(lexicographicSortSchema(buildSchema(sdl)));
  expect(served).toBe(checkedIn);
  expect(body.data.__schema.description).toContain('achievement-graph');
});

test('a recursive introspection is refused at once with a code, as graphql-js refuses it', async () => {
  const query = '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }';
  const rule = validate(buildSchema(sdl), parse(query), [MaxIntrospectionDepthRule]);
  expect(rule.map((error) => error.message)).toEqual(['Maximum introspection depth exceeded']);

  const times = [];
  for (let i = 0; i < 20; i += 1) {
    const { status, body, took } = await post(query);
    expect(status).toBe(400);
    expect(body.errors[0].extensions.code).toBe('INTROSPECTION_TOO_DEEP');
    expect(body.data).toBeUndefined();
    times.push(took);
  }
  times.sort((a, b) => a - b);
  // The round trip on loopback, debug build: an upper bound on the server's time.
  console.log(`recursive introspection refused: median ${times[10].toFixed(2)} ms, slowest ${times[19].toFixed(2)} ms`);
  // Two lists deep is what graphql-js allows, and so does the server.
  const allowed = '{ __schema { types { fields { type { fields { name } } } } } }';
  expect(validate(buildSchema(sdl), parse(allowed), [MaxIntrospectionDepthRule])).toEqual([]);
  expect((await post(allowed)).status).toBe(200);
});
