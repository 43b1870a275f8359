// Apollo Client 4 with its persisted-queries link (APQ over GET), paging through the
// achievements, searching and reading nested relations; an HTTP cache in front makes
// repeated GETs revalidate with the server's ETags, and a write changes them.
import { createHash } from 'node:crypto';
import { test, expect } from '@playwright/test';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { cachingFetch } from '../support/http-cache.mjs';
import { EDITOR_SECRET, metric, serverForFile } from '../support/server.mjs';

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

const server = serverForFile();
let http;
let client;
test.beforeAll(async () => {
  http = cachingFetch();
  const link = new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
    new HttpLink({ uri: server.graphql, fetch: http.fetch }),
  );
  client = new ApolloClient({ link, cache: new InMemoryCache() });
});
test.afterAll(async () => {
  await http?.close();
});

const PAGE = gql`
  query AchievementsPage($first: Int!, $after: String) {
    achievements(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { rank title cities { name } statistics { label value unit } }
    }
  }
`;

test('pages through the achievements with persisted queries over GET', async () => {
  const ranks = [];
  let after = null;
  let pages = 0;
  for (;;) {
    const { data, error } = await client.query({ query: PAGE, variables: { first: 4, after } });
    expect(error).toBeUndefined();
    ranks.push(...data.achievements.nodes.map((node) => node.rank));
    pages += 1;
    if (!data.achievements.pageInfo.hasNextPage) break;
    after = data.achievements.pageInfo.endCursor;
  }
  expect(pages).toBe(3);
  expect(ranks).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  // The first hashed GET was unknown; the client sent the query once (POST), then hashes alone.
  expect(http.requests[0]).toMatchObject({ method: 'GET', status: 404 });
  expect(http.requests[1]).toMatchObject({ method: 'POST', status: 200 });
  expect(http.requests.slice(2).every((request) => request.method === 'GET' && request.status === 200)).toBe(true);
  expect(http.requests.slice(2).every((request) => !new URL(request.url).searchParams.has('query'))).toBe(true);
  expect(await metric(server, 'achievement_graph_persisted_queries_total', { result: 'registered' })).toBe(1);
  const { data } = await client.query({ query: PAGE, variables: { first: 10, after: null } });
  const four = data.achievements.nodes.find((node) => node.rank === 4);
  expect(four.statistics.map((statistic) => statistic.value)).toContain(3071);
});

test('searches and reads nested relations', async () => {
  const { data } = await client.query({
    query: gql`
      query Search($text: String!) {
        search(query: $text, first: 3) {
          totalCount
          edges {
            node { __typename ... on Event { name city { name friendshipCities { name } } organizers { name } } }
            highlights { field snippet ranges { start end } }
          }
        }
      }
    `,
    variables: { text: 'asian winter games' },
  });
  const event = data.search.edges.find((edge) => edge.node.__typename === 'Event').node;
  expect(event.name).toBe('The 6th Asian Winter Games');
  expect(event.city.friendshipCities.map((city) => city.name)).toContain('Sendai');
  const highlight = data.search.edges[0].highlights[0];
  expect(highlight.ranges.length).toBeGreaterThan(0);
});

test('repeated GETs are revalidated with the ETag (304), and a write changes it', async () => {
  const CITY = gql`query Wolfsburg { city(slug: "wolfsburg") { id name } }`;
  // The first answer registers the hash (a POST); the second is a GET the cache stores.
  const first = await client.query({ query: CITY, fetchPolicy: 'network-only' });
  expect(first.data.city.name).toBe('Wolfsburg');
  await client.query({ query: CITY, fetchPolicy: 'network-only' });
  const notModified = await metric(server, 'achievement_graph_http_not_modified_total');
  const again = await client.query({ query: CITY, fetchPolicy: 'network-only' });
  expect(again.data.city.name).toBe('Wolfsburg');
  expect(await metric(server, 'achievement_graph_http_not_modified_total')).toBe(notModified + 1);

  const write = await client.mutate({
    mutation: gql`mutation Rename($id: ID!) { updateCity(id: $id, patch: { name: "Wolfsburg (Lower Saxony)" }) { id name } }`,
    variables: { id: first.data.city.id },
    context: { headers: { authorization: `Bearer ${EDITOR_SECRET}` } },
  });
  expect(write.error).toBeUndefined();
  const after = await client.query({ query: CITY, fetchPolicy: 'network-only' });
  expect(after.data.city.name).toBe('Wolfsburg (Lower Saxony)');
  expect(await metric(server, 'achievement_graph_http_not_modified_total')).toBe(notModified + 1);
});
