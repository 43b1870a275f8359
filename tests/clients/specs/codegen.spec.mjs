// graphql-codegen's client preset: its persisted-documents.json (compiled by the global
// setup from codegen/src) is the server's manifest with --only-trusted-documents, and
// the typed documents' hashes run them, as `documentId` or as the APQ extension.
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { CitiesPageDocument, FestivalSearchDocument } from '../codegen/gql/graphql.ts';
import { repository, serverForFile } from '../support/server.mjs';

const manifest = join(repository, 'tests', 'clients', 'codegen', 'gql', 'persisted-documents.json');
const server = serverForFile(['--trusted-documents', manifest, '--only-trusted-documents', 'true']);

async function post(body) {
  const response = await fetch(server.graphql, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

test('the typed documents run by their hash, paging and searching', async () => {
  const hash = CitiesPageDocument.__meta__.hash;
  expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  const first = await post({ documentId: hash, variables: { first: 4 } });
  expect(first.status).toBe(200);
  expect(first.body.data.cities.totalCount).toBe(6);
  const second = await post({
    extensions: { persistedQuery: { version: 1, sha256Hash: hash.slice('sha256:'.length) } },
    variables: { first: 4, after: first.body.data.cities.pageInfo.endCursor },
  });
  const names = [...first.body.data.cities.nodes, ...second.body.data.cities.nodes].map((city) => city.name);
  expect(names).toEqual(['Changchun', 'Sendai', 'Masterton', 'Little Rock', 'Wolfsburg', 'Warrnambool']);
  expect(first.body.data.cities.nodes[0].friendshipCities).toHaveLength(5);

  const search = await post({ documentId: FestivalSearchDocument.__meta__.hash, variables: { text: 'film festival' } });
  expect(search.body.data.search.edges[0].node.name).toBe('Changchun Film Festival');
});

test('a document codegen did not compile is refused', async () => {
  const { status, body } = await post({ query: '{ cities { totalCount } }' });
  expect(status).toBe(403);
  expect(body.errors[0].extensions.code).toBe('TRUSTED_DOCUMENT_REQUIRED');
});
