// The README's screenshots (docs/*.png), each of a page a reader would open first, on
// the bundled graph.
import { test, expect } from '@playwright/test';
import { join } from 'node:path';
import { repository, serverForFile } from '../support/server.mjs';

const server = serverForFile();
const docs = (name) => join(repository, 'docs', name);
const GAMES = '/achievement/reunion-of-asian-sports-families-the-6th-asian-winter-games-in-changchun-city';

test.use({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });

test('the explorer: a search with highlights and facets', async ({ page }) => {
  await page.goto(`${server.url}/search?q=gold%20medals%20snow`);
  await expect(page.locator('.result').first()).toBeVisible();
  await page.screenshot({ path: docs('explorer-search.png') });
});

test('the explorer: an entity page with its figures beside their sentences', async ({ page }) => {
  await page.goto(`${server.url}${GAMES}`);
  const figures = page.locator('table.figures');
  await expect(figures).toBeVisible();
  await page.locator('h2', { hasText: /figures/i }).first().evaluate((heading) => heading.scrollIntoView());
  await page.screenshot({ path: docs('explorer-entity.png') });
});

test('the explorer: a chart and the neighbourhood graph', async ({ page }) => {
  await page.goto(`${server.url}${GAMES}`);
  await page.locator('figure.chart').first().evaluate((chart) => chart.scrollIntoView());
  await page.screenshot({ path: docs('explorer-chart.png') });
});

test('the explorer: a figure read in the article', async ({ page }) => {
  await page.goto(`${server.url}${GAMES}`);
  await page.locator('tbody tr').filter({ hasText: 'registered participants' }).getByRole('link', { name: /in the article/ }).click();
  await expect(page.locator('mark.span').first()).toBeInViewport();
  await page.screenshot({ path: docs('explorer-article.png') });
});

test('the playground: a query and its answer', async ({ page }) => {
  await page.goto(server.graphql);
  await expect(page.locator('.graphiql-container')).toBeVisible();
  await page.getByRole('button', { name: 'Execute query (Ctrl-Enter)' }).click();
  await expect(page.locator('.result-window .CodeMirror')).toContainText('"data"');
  await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
  await expect(page.locator('.graphiql-doc-explorer')).toContainText('a fact graph with full-text search');
  await page.screenshot({ path: docs('playground.png') });
});
