// The GraphQL-over-HTTP spec, as graphql-http's audit suite checks a server: every
// MUST and every SHOULD holds (no error, no warning), and the optional MAYs too.
import { test, expect } from '@playwright/test';
import { auditServer } from 'graphql-http';
import { serverForFile } from '../support/server.mjs';

const server = serverForFile();

test('graphql-http audit: no MUST fails, no SHOULD warns, no MAY is left out', async () => {
  const results = await auditServer({ url: server.graphql });
  const failing = results.filter((result) => result.status !== 'ok');
  const counts = { ok: 0, error: 0, warn: 0, notice: 0 };
  for (const result of results) counts[result.status] += 1;
  console.log(`graphql-http ${results.length} audits: ${JSON.stringify(counts)}`);
  const report = await Promise.all(
    failing.map(async (result) => `${result.status} ${result.id} ${result.name}: ${result.reason}`),
  );
  expect(report).toEqual([]);
  expect(results.length).toBeGreaterThan(50);
});
