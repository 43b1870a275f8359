// Relay: relay-compiler's persisted output (compiled by the global setup from relay/src)
// is the server's manifest, the server runs with --only-trusted-documents, and Relay's
// network layer sends document ids alone. Anything else is refused.
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import RelayRuntime from 'relay-runtime';
import AchievementsPageQuery from '../relay/__generated__/AchievementsPageQuery.graphql.js';
import SearchBoxQuery from '../relay/__generated__/SearchBoxQuery.graphql.js';
import { repository, serverForFile } from '../support/server.mjs';

const { Environment, Network, RecordSource, Store, fetchQuery } = RelayRuntime;
const manifest = join(repository, 'tests', 'clients', 'relay', 'persisted-documents.json');

const server = serverForFile(['--trusted-documents', manifest, '--only-trusted-documents', 'true']);
let environment;
const sent = [];
test.beforeAll(async () => {
  const network = Network.create(async (operation, variables) => {
    const body = { documentId: operation.id, variables };
    sent.push(body);
    const response = await fetch(server.graphql, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify(body),
    });
    return response.json();
  });
  environment = new Environment({ network, store: new Store(new RecordSource()) });
});

test('the compiled queries run by id alone: pages, search and nested relations', async () => {
  expect(AchievementsPageQuery.params.text).toBeNull();
  const first = await fetchQuery(environment, AchievementsPageQuery, { first: 5 }).toPromise();
  expect(first.achievements.totalCount).toBe(10);
  const second = await fetchQuery(environment, AchievementsPageQuery, {
    first: 5,
    after: first.achievements.pageInfo.endCursor,
  }).toPromise();
  const ranks = [...first.achievements.edges, ...second.achievements.edges].map((edge) => edge.node.rank);
  expect(ranks).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  expect(second.achievements.pageInfo.hasNextPage).toBe(false);
  const two = second.achievements.edges.length && first.achievements.edges.find((edge) => edge.node.rank === 2);
  expect(two.node.statistics.map((statistic) => statistic.value)).toContain(8900);
  expect(two.node.cities[0].country.name).toBe('China');

  const search = await fetchQuery(environment, SearchBoxQuery, { text: 'skiing festival' }).toPromise();
  expect(search.search.totalCount).toBeGreaterThan(0);
  expect(sent.every((body) => !('query' in body))).toBe(true);
});

test('any other document is refused with a code', async () => {
  for (const body of [
    { query: '{ cities { totalCount } }' },
    { query: '{ __schema { types { name } } }' },
    { documentId: 'not-in-the-manifest' },
  ]) {
    const response = await fetch(server.graphql, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    expect([403, 404]).toContain(response.status);
    expect(['TRUSTED_DOCUMENT_REQUIRED', 'TRUSTED_DOCUMENT_NOT_FOUND']).toContain(answer.errors[0].extensions.code);
  }
});
