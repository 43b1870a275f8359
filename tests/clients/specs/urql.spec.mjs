// urql with its persisted exchange (hashes over GET, as urql prefers), paging through
// the achievements, searching and reading nested relations, behind an HTTP cache that
// revalidates with the server's ETags.
import { test, expect } from '@playwright/test';
import { Client, cacheExchange, fetchExchange, gql } from '@urql/core';
import { persistedExchange } from '@urql/exchange-persisted';
import { cachingFetch } from '../support/http-cache.mjs';
import { EDITOR_SECRET, metric, serverForFile } from '../support/server.mjs';

const server = serverForFile();
let http;
let client;
test.beforeAll(async () => {
  http = cachingFetch();
  client = new Client({
    url: server.graphql,
    fetch: http.fetch,
    exchanges: [cacheExchange, persistedExchange({ preferGetForPersistedQueries: true }), fetchExchange],
  });
});
test.afterAll(async () => {
  await http?.close();
});

const PAGE = gql`
  query Page($first: Int!, $after: String) {
    achievements(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { cursor node { rank title organizations { name } events { name } } }
    }
  }
`;

test('pages through the achievements with persisted queries', async () => {
  const titles = [];
  let after = null;
  do {
    const result = await client.query(PAGE, { first: 3, after }).toPromise();
    expect(result.error).toBeUndefined();
    titles.push(...result.data.achievements.edges.map((edge) => edge.node.title));
    after = result.data.achievements.pageInfo.hasNextPage ? result.data.achievements.pageInfo.endCursor : null;
  } while (after);
  expect(titles).toHaveLength(10);
  expect(titles[0]).toBe('FAW-Volkswagen, Pioneer of China’s Industrial Opening up');
  expect(http.requests[0]).toMatchObject({ method: 'GET' });
  expect(http.requests[0].status).toBe(404);
  expect(await metric(server, 'achievement_graph_persisted_queries_total', { result: 'hit' })).toBeGreaterThanOrEqual(3);
});

test('searches and reads nested relations', async () => {
  const result = await client
    .query(
      gql`
        query Figures($text: String!) {
          search(query: $text, types: [STATISTIC], first: 5) {
            totalCount
            edges { node { ... on Statistic { label value unit achievement { rank title } subject { __typename } } } }
          }
        }
      `,
      { text: 'gold medals' },
    )
    .toPromise();
  expect(result.error).toBeUndefined();
  const figures = result.data.search.edges.map((edge) => edge.node);
  expect(figures.length).toBeGreaterThan(0);
  expect(figures.every((figure) => figure.achievement.rank === 4)).toBe(true);
});

test('a repeated GET is revalidated (304) until a write changes the ETag', async () => {
  const CITY = gql`query Sendai { city(slug: "sendai") { id name country { name } } }`;
  const run = () => client.query(CITY, {}, { requestPolicy: 'network-only' }).toPromise();
  const first = await run();
  await run();
  const before = await metric(server, 'achievement_graph_http_not_modified_total');
  expect((await run()).data.city.name).toBe('Sendai');
  expect(await metric(server, 'achievement_graph_http_not_modified_total')).toBe(before + 1);
  const written = await client
    .mutation(
      gql`mutation Rename($id: ID!) { updateCity(id: $id, patch: { name: "Sendai (Miyagi)" }) { id name } }`,
      { id: first.data.city.id },
      { fetchOptions: { headers: { authorization: `Bearer ${EDITOR_SECRET}` } } },
    )
    .toPromise();
  expect(written.error).toBeUndefined();
  expect((await run()).data.city.name).toBe('Sendai (Miyagi)');
  expect(await metric(server, 'achievement_graph_http_not_modified_total')).toBe(before + 1);
});
