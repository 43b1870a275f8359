// The explorer's search in headless Chromium, nothing reachable but the server: results
// as you type (debounced, superseded requests cancelled), highlights as <mark> built
// from text, facets and chips, did-you-mean, warnings, the count and time, load more,
// the empty screen, the URL with back/forward, and the keyboard.
import { test, expect } from '@playwright/test';
import { serverForFile } from '../support/server.mjs';
import { watchOffline } from '../support/offline.mjs';

const server = serverForFile();

/**
 * Records the page's search requests in the order the page sends them, and those it
 * cancelled (aborted signals). Recorded in the page, not from the network: a request held
 * by a route reaches the network when the route lets it go, out of the page's order.
 */
async function watchSearches(page) {
  await page.addInitScript(() => {
    window.__sent = [];
    window.__aborted = [];
    const fetch = window.fetch;
    window.fetch = (url, init = {}) => {
      const body = String(init.body ?? '');
      if (body.includes('ExplorerSearch')) {
        const { q } = JSON.parse(body).variables;
        window.__sent.push(q);
        init.signal?.addEventListener('abort', () => window.__aborted.push(q));
      }
      return fetch(url, init);
    };
  });
  return {
    sent: () => page.evaluate(() => window.__sent),
    aborted: () => page.evaluate(() => window.__aborted),
  };
}

const results = (page) => page.locator('.result');

test('results follow the typing: debounced, and a superseded search is cancelled', async ({ page }) => {
  const watch = await watchOffline(page, server);
  // Searches answer slowly here, so a search is still running when the next one starts.
  await page.route('**/graphql', async (route) => {
    if ((route.request().postData() ?? '').includes('ExplorerSearch')) await new Promise((done) => setTimeout(done, 400));
    await route.continue();
  });
  const searches = await watchSearches(page);
  await page.goto(server.url);
  await expect(page.locator('.browse')).toContainText('FAW-Volkswagen');
  const box = page.getByLabel('Search achievements, cities, events, figures…');
  await box.pressSequentially('skiing', { delay: 30 });
  await page.waitForTimeout(250); // past the debounce: the search for "skiing" is under way
  await box.pressSequentially(' festival', { delay: 30 });
  await expect(page.locator('.summary')).toContainText('for “skiing festival”');
  const sent = await searches.sent();
  expect(sent.length).toBeLessThan('skiing festival'.length / 2);
  expect(sent.at(-1)).toBe('skiing festival');
  // The search for "skiing" was still out when "skiing festival" went: it was cancelled.
  expect(await searches.aborted()).toContain('skiing');
  await expect(results(page).first()).toContainText('Skiing Festival');
  expect(await watch.collect()).toEqual({ offHost: [], violations: [], errors: [] });
});

test('keys typed while the URL catches up with the box are kept', async ({ page }) => {
  await page.goto(server.url);
  await expect(page.locator('.browse')).toBeVisible();
  // A slow machine: the URL's echo of each pause lands while the next key is typed.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 8 });
  const box = page.getByLabel('Search achievements, cities, events, figures…');
  for (const query of ['sculpture', 'skiing festival']) {
    await box.fill('');
    // Each pause is about the debounce, so the URL follows nearly every key.
    await box.pressSequentially(query, { delay: 125 });
    await expect(box).toHaveValue(query);
    await expect(page.locator('.summary')).toContainText(`for “${query}”`);
  }
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
});

test('highlights are <mark> elements and what the user typed is never HTML', async ({ page }) => {
  await page.goto(`${server.url}/search?q=sculpture%20park`);
  const first = results(page).first();
  await expect(first.locator('mark').first()).toBeVisible();
  const marks = await first.locator('mark').allTextContents();
  expect(marks.map((text) => text.toLowerCase())).toEqual(expect.arrayContaining(['sculpture', 'park']));
  // A query that is markup shows as text.
  await page.goto(`${server.url}/search?q=${encodeURIComponent('<img src=x onerror=alert(1)> zzqqxx')}`);
  await expect(page.locator('.empty h2')).toContainText('<img src=x onerror=alert(1)> zzqqxx');
  expect(await page.locator('main img').count()).toBe(0);
});

test('an achievement is numbered once, whether its title is highlighted or not', async ({ page }) => {
  await page.goto(`${server.url}/search?q=gold%20medals%20snow`);
  const achievement = results(page).filter({ has: page.locator('.type-Achievement') }).first();
  await expect(achievement.locator('.result-title')).toHaveText('4. Reunion of Asian Sports Families—The 6th Asian Winter Games in Changchun City');
  await page.goto(`${server.url}/search?q=asian%20winter%20games`);
  await expect(results(page).filter({ has: page.locator('.type-Achievement') }).first().locator('.result-title'))
    .toHaveText(/^4\. Reunion of Asian Sports Families/);
});

test('facets refine, chips show and clear them, and the URL keeps them for back and forward', async ({ page }) => {
  await page.goto(`${server.url}/search?q=gold%20medals`);
  await expect(page.locator('.summary')).toContainText('results for “gold medals”');
  const total = Number(await page.locator('.summary strong').textContent());
  await page.locator('.facets').getByLabel(/figures/).check();
  await expect(page).toHaveURL(/type=STATISTIC/);
  await expect(page.getByRole('button', { name: 'Remove filter type: figures' })).toBeVisible();
  await expect(page.locator('.result .type').first()).toHaveText('figure');
  const figures = Number(await page.locator('.summary strong').textContent());
  expect(figures).toBeLessThan(total);
  expect(await page.locator('.result .type').allTextContents()).toEqual(Array(Math.min(figures, 10)).fill('figure'));

  await page.goBack();
  await expect(page).not.toHaveURL(/type=/);
  await expect(page.locator('.summary strong')).toHaveText(String(total));
  await page.goForward();
  await expect(page.locator('.summary strong')).toHaveText(String(figures));
  await page.getByRole('button', { name: 'Remove filter type: figures' }).click();
  await expect(page.locator('.summary strong')).toHaveText(String(total));

  // Category and city, from a shared link.
  await page.goto(`${server.url}/search?q=changchun&category=SPORTS&city=changchun`);
  await expect(page.getByRole('button', { name: 'Remove filter category: sports' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Remove filter city: Changchun' })).toBeVisible();
  await expect(results(page).first()).toBeVisible();
  await page.getByRole('button', { name: 'Clear all filters' }).click();
  await expect(page).toHaveURL(/\/search\?q=changchun$/);
});

test('did-you-mean can be clicked, warnings are in words, counts, time and load more', async ({ page }) => {
  await page.goto(`${server.url}/search?q=${encodeURIComponent('fiml (festival')}`);
  await expect(page.locator('.warnings')).toContainText('these characters have no meaning in a search');
  await page.locator('.suggestions').getByRole('link', { name: 'film festival', exact: true }).click();
  await expect(page.getByLabel('Search achievements, cities, events, figures…')).toHaveValue('film festival');
  await expect(page.locator('.summary')).toContainText(/results? for “film festival” in \d+ ms/);

  await page.goto(`${server.url}/search?q=changchun`);
  await expect(results(page)).toHaveCount(10);
  const more = page.getByRole('button', { name: /Load more/ });
  await more.click();
  await expect(results(page)).toHaveCount(20);
});

test('an empty result gets a helpful screen', async ({ page }) => {
  await page.goto(`${server.url}/search?q=qqzzxxyy&type=CITY`);
  const empty = page.locator('.empty');
  await expect(empty).toContainText('Nothing matches “qqzzxxyy”');
  await expect(empty.getByRole('button', { name: 'Search without the filters' })).toBeVisible();
  await expect(empty.getByRole('link', { name: /Browse the Top Ten/ })).toBeVisible();
});

test('the keyboard: / focuses the box, arrows move through results, Enter opens one', async ({ page }) => {
  await page.goto(`${server.url}/search?q=asian%20winter%20games`);
  await expect(results(page).first()).toBeVisible();
  await page.locator('body').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('/');
  await expect(page.getByLabel('Search achievements, cities, events, figures…')).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('.result-link').first()).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('.result-link').nth(1)).toBeFocused();
  const href = await page.locator('.result-link').nth(1).getAttribute('href');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`${href.replace(/[.?*+^$()|[\]\\]/g, '\\$&')}$`));
  await expect(page.locator('h1')).toBeVisible();
});

test('from the last keystroke to rendered results (measured, bundled graph)', async ({ page }) => {
  await page.goto(server.url);
  await expect(page.locator('.browse')).toBeVisible();
  await page.evaluate(() => {
    document.addEventListener('keydown', () => (window.__lastKey = performance.now()), true);
  });
  const times = [];
  for (const query of ['gold medals', 'skiing festival', 'sculpture', 'film', 'friendship cities']) {
    const box = page.getByLabel('Search achievements, cities, events, figures…');
    await box.fill('');
    await box.pressSequentially(query, { delay: 20 });
    await expect(page.locator('.summary')).toContainText(`for “${query}”`);
    const took = () =>
      page.evaluate((q) => {
        const marks = performance.getEntriesByName('explorer:results-rendered').filter((mark) => mark.detail === q);
        return marks.length ? marks.at(-1).startTime - window.__lastKey : null;
      }, query);
    await expect.poll(took).not.toBeNull();
    times.push(await took());
  }
  times.sort((a, b) => a - b);
  // Includes the 120 ms debounce by design; printed for the record, not asserted tightly.
  console.log(`last keystroke to rendered results: median ${times[2].toFixed(0)} ms, worst ${times[4].toFixed(0)} ms`);
  expect(times[4]).toBeLessThan(2000);
});
