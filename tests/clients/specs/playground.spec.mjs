// The GraphiQL playground in headless Chromium, with nothing reachable but the server:
// it renders from the binary's own assets, its docs explorer lists Query's fields, a
// query typed into it returns data, a subscription started from it receives a write
// made elsewhere, and no request goes to another host.
import { test, expect } from '@playwright/test';
import { edit, serverForFile } from '../support/server.mjs';
import { watchOffline } from '../support/offline.mjs';

const server = serverForFile();

/** Replaces the active tab's query with `text`, as a paste would (no bracket auto-closing). */
async function setQuery(page, text) {
  const editor = page.locator('.graphiql-query-editor .CodeMirror');
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
  // GraphiQL reads the operation's name from the editor after a short debounce.
  await page.waitForTimeout(500);
}

function result(page) {
  return page.locator('.result-window .CodeMirror');
}

test('GraphiQL opens on the example, its docs list Query, and a typed query returns data', async ({ page }) => {
  const watch = await watchOffline(page, server);
  await page.goto(server.graphql);
  await expect(page.locator('.graphiql-container')).toBeVisible();
  await expect(page.locator('.graphiql-query-editor')).toContainText('query TopTen');

  // The docs explorer: the schema's description, then Query's fields.
  await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
  const docs = page.locator('.graphiql-doc-explorer');
  await expect(docs).toContainText('a fact graph with full-text search');
  await docs.getByRole('link', { name: 'Query' }).first().click();
  for (const field of ['achievements', 'search', 'statistics', 'city', 'node']) {
    await expect(docs.locator('.graphiql-doc-explorer-field-name', { hasText: new RegExp(`^${field}$`) })).toBeVisible();
  }
  await page.screenshot({ path: 'test-results/playground-docs.png' });

  await setQuery(page, 'query Figures { achievement(slug: "reunion-of-asian-sports-families-the-6th-asian-winter-games-in-changchun-city") { title statistics { label value } } }');
  await page.getByRole('button', { name: 'Execute query (Ctrl-Enter)' }).click();
  await expect(result(page)).toContainText('registered participants');
  await expect(result(page)).toContainText('3071');
  await page.screenshot({ path: 'test-results/playground-result.png' });

  const seen = await watch.collect();
  expect(seen).toEqual({ offHost: [], violations: [], errors: [] });
});

test('a subscription run from the playground receives a write made elsewhere', async ({ page }) => {
  const watch = await watchOffline(page, server);
  const sockets = [];
  page.on('websocket', (socket) => sockets.push(socket.url()));
  await page.goto(server.graphql);
  await page.getByRole('button', { name: 'Changes' }).click();
  await expect(page.locator('.graphiql-query-editor')).toContainText('subscription Changes');
  await page.waitForTimeout(500); // GraphiQL takes the tab's operation name after a debounce
  await page.getByRole('button', { name: 'Execute query (Ctrl-Enter)' }).click();
  // The subscription is live once the socket is open; then write with a token.
  await expect.poll(() => sockets.length).toBeGreaterThan(0);
  expect(sockets[0]).toBe(server.ws);
  const id = (await edit(server, '{ city(slug: "masterton") { id } }')).data.city.id;
  await expect(async () => {
    const written = await edit(server, `mutation { updateCity(id: "${id}", patch: { name: "Masterton (Wairarapa)" }) { version } }`);
    expect(written.errors).toBeUndefined();
    await expect(result(page)).toContainText('UPDATED', { timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
  await expect(result(page)).toContainText('"type": "CITY"');
  await page.screenshot({ path: 'test-results/playground-subscription.png' });
  expect(await watch.collect()).toEqual({ offHost: [], violations: [], errors: [] });
});

test('a token in the headers tab lets the playground write', async ({ page }) => {
  await page.goto(server.graphql);
  await page.getByRole('button', { name: 'Headers' }).click();
  const headers = page.locator('.graphiql-editor-tool .CodeMirror').last();
  await headers.click();
  await page.keyboard.insertText('{"Authorization": "Bearer editor-secret-for-client-tests"}');
  const id = (await edit(server, '{ city(slug: "warrnambool") { id } }')).data.city.id;
  await setQuery(page, `mutation Rename { updateCity(id: "${id}", patch: { name: "Warrnambool (Victoria)" }) { name version } }`);
  await page.getByRole('button', { name: 'Execute query (Ctrl-Enter)' }).click();
  await expect(result(page)).toContainText('Warrnambool (Victoria)');
});
