// The explorer's quality bar in headless Chromium: axe-core (wcag2a, wcag2aa) finds no
// serious or critical violation on the search, entity and article pages; each page has a
// title and the document a language; pages fit 375 px and 1440 px; the console has no
// errors; nothing breaks the Content-Security-Policy; nothing is fetched from another
// host; and the first load of `/` transfers at most 150 KB.
import AxeBuilder from '@axe-core/playwright';
import { test, expect } from '@playwright/test';
import { serverForFile } from '../support/server.mjs';
import { watchOffline } from '../support/offline.mjs';

const server = serverForFile();

const PAGES = [
  ['search', '/search?q=gold%20medals', '.result'],
  ['entity', '/achievement/reunion-of-asian-sports-families-the-6th-asian-winter-games-in-changchun-city', 'table.figures'],
  ['city', '/city/changchun', 'figure.neighbourhood'],
  ['article', '/article/changchun-top-ten-2019?start=4148&end=4269', 'mark.span'],
  ['browse', '/', '.browse'],
];

for (const [name, path, ready] of PAGES) {
  test(`${name}: no serious accessibility violation, a title, a language, no console error`, async ({ page }) => {
    const watch = await watchOffline(page, server);
    const consoleErrors = [];
    page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
    await page.goto(`${server.url}${path}`);
    await expect(page.locator(ready).first()).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    expect((await page.title()).length).toBeGreaterThan(5);
    const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
    expect(axe.passes.length, 'axe ran its rules on the page').toBeGreaterThan(10);
    const serious = axe.violations
      .filter((violation) => ['serious', 'critical'].includes(violation.impact))
      .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).slice(0, 3).join(', ')}`);
    expect(serious).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(await watch.collect()).toEqual({ offHost: [], violations: [], errors: [] });
  });
}

for (const width of [375, 1440]) {
  test(`pages fit ${width} px wide`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    for (const [name, path, ready] of PAGES) {
      await page.goto(`${server.url}${path}`);
      await expect(page.locator(ready).first()).toBeVisible();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${name} scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(0);
      await page.screenshot({ path: `test-results/explorer-${name}-${width}.png`, fullPage: false });
    }
  });
}

test('the first load of / transfers at most 150 KB (gzipped)', async ({ page }) => {
  await page.goto(server.url);
  await expect(page.locator('.browse')).toBeVisible();
  await page.waitForLoadState('networkidle');
  const { total, entries } = await page.evaluate(() => {
    const all = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
    return {
      total: all.reduce((sum, entry) => sum + entry.transferSize, 0),
      entries: all.map((entry) => [entry.name.replace(location.origin, ''), entry.transferSize, entry.decodedBodySize]),
    };
  });
  const decoded = entries.reduce((sum, [, , size]) => sum + size, 0);
  console.log(`first load of /: ${entries.length} requests, ${(total / 1024).toFixed(1)} KB transferred (${(decoded / 1024).toFixed(1)} KB decoded)`);
  expect(total).toBeGreaterThan(10_000); // measured for real, not from a cache
  expect(total).toBeLessThanOrEqual(150 * 1024);
});
