// The explorer's entity pages in headless Chromium: one page per entity of every type,
// with every field and both directions of each relation as links; figures as the article
// writes them beside the sentence with the figure marked; the article view; charts with
// text and a table; the neighbourhood graph; live updates; editing with a validation
// error at its field and a version conflict; and the history.
import { test, expect } from '@playwright/test';
import { EDITOR_SECRET, edit, serverForFile } from '../support/server.mjs';
import { watchOffline } from '../support/offline.mjs';

const server = serverForFile();
const GAMES = '/achievement/reunion-of-asian-sports-families-the-6th-asian-winter-games-in-changchun-city';

const pages = [
  ['/achievement/quality-products-serving-the-whole-world-high-speed-trains-of-changchun-railway-vehicles', 'Quality Products Serving the Whole World', ['Changchun', 'CRRC Changchun Railway Vehicles Co., Ltd.']],
  ['/list/changchun-opening-up-top-ten', 'Top Ten Achievements', ['Changchun Foreign Affairs Office (CCFAO)', '1. FAW-Volkswagen, Pioneer of China’s Industrial Opening up']],
  ['/city/changchun', 'Changchun', ['China', 'Sendai', 'Changchun Film Festival']],
  ['/country/japan', 'Japan', ['Sendai']],
  ['/organization/nordic-ways', 'Nordic Ways', ['China Changchun Jingyue Lake Vasaloppet International Skiing Festival']],
  ['/event/6th-asian-winter-games', 'The 6th Asian Winter Games', ['Changchun', '4. Reunion of Asian Sports Families—The 6th Asian Winter Games in Changchun City']],
  ['/statistic/asian-winter-games-registered-participants', '3,071 registered participants', ['The 6th Asian Winter Games']],
  ['/document/changchun-top-ten-2019', 'Top Ten Achievements Unveiled', []],
];

test('every type has a page with its fields, and every relation is a link both ways', async ({ page }) => {
  const watch = await watchOffline(page, server);
  for (const [path, title, links] of pages) {
    await page.goto(`${server.url}${path}`);
    await expect(page.locator('h1')).toContainText(title);
    await expect(page).toHaveTitle(new RegExp(title.slice(0, 12).replace(/[.?*+^$()|[\]\\]/g, '\\$&')));
    await expect(page.locator('.fields')).toContainText('Version');
    for (const link of links) await expect(page.locator('.relations').getByRole('link', { name: link, exact: true }).first()).toBeVisible();
  }
  // Both directions: a city links its friendship city, which links back.
  await page.goto(`${server.url}/city/changchun`);
  await page.locator('.relations').getByRole('link', { name: 'Sendai', exact: true }).click();
  await expect(page.locator('h1')).toHaveText('Sendai');
  await expect(page.locator('.relations').getByRole('link', { name: 'Changchun', exact: true }).first()).toBeVisible();
  await page.locator('.relations').getByRole('link', { name: 'Japan', exact: true }).click();
  await expect(page.locator('.relations').getByRole('link', { name: 'Sendai', exact: true })).toBeVisible();
  expect(await watch.collect()).toEqual({ offHost: [], violations: [], errors: [] });
});

test('figures read as the article writes them, with the qualifier in words and the figure marked', async ({ page }) => {
  await page.goto(`${server.url}${GAMES}`);
  const table = page.locator('table.figures');
  const row = (text) => table.locator('tbody tr').filter({ hasText: text }).first();
  await expect(row('registered participants').locator('td.figure')).toHaveText('3,071');
  await expect(row('registered participants').locator('td.sentence mark')).toHaveText('3,071');
  await expect(row('Team China share of ice-game gold medals').locator('td.figure')).toHaveText('42%');
  await expect(row('audience').locator('td').nth(3)).toHaveText('more than');
  await page.goto(`${server.url}/achievement/role-model-in-local-china-japan-friendly-exchanges-cooperation-of-changchun-city`);
  await expect(page.locator('td.figure', { hasText: 'RMB640 million' })).toBeVisible();
  await page.goto(`${server.url}/achievement/international-skiing-event-china-changchun-jingyue-lake-vasaloppet-international-skiing-festival`);
  await expect(page.locator('tbody tr').filter({ has: page.locator('td.figure', { hasText: '600,000' }) })).toContainText('over the past 17 years');
});

test('"read in the article" shows the document with the span highlighted and in view', async ({ page }) => {
  await page.goto(`${server.url}${GAMES}`);
  await page.locator('tbody tr').filter({ hasText: 'registered participants' }).getByRole('link', { name: /in the article/ }).click();
  await expect(page).toHaveURL(/\/article\/changchun-top-ten-2019\?start=\d+&end=\d+/);
  const span = page.locator('mark.span').first();
  await expect(span).toContainText('a total registered number of 3,071 people');
  await expect(span).toBeInViewport();
  await expect(page.locator('h1')).toContainText('Top Ten Achievements Unveiled');
  await page.screenshot({ path: 'test-results/explorer-article.png' });
});

test('figures that share a unit and a subject are a chart, with text and a table', async ({ page }) => {
  await page.goto(`${server.url}${GAMES}`);
  const chart = page.locator('figure.chart').filter({ hasText: 'gold medals' });
  await expect(chart.locator('figcaption')).toHaveText('The 6th Asian Winter Games (gold medals)');
  const image = chart.getByRole('img');
  const description = await chart.locator('desc').textContent();
  expect(description).toContain('Team China gold medals on ice games: 11');
  expect(description).toContain('Team China gold medals on snow games: 8');
  await expect(image).toHaveAttribute('aria-labelledby', /desc/);
  await chart.getByText('Show as a table').click();
  await expect(chart.locator('table tbody tr').filter({ hasText: 'on ice games' }).first()).toContainText('11');
  await chart.screenshot({ path: 'test-results/explorer-chart.png' });
});

test('the neighbourhood is a graph whose nodes link to their pages', async ({ page }) => {
  await page.goto(`${server.url}/city/changchun`);
  const graph = page.locator('figure.neighbourhood');
  await expect(graph.locator('svg a')).not.toHaveCount(0);
  await graph.getByRole('link', { name: /^city Wolfsburg/ }).click();
  await expect(page.locator('h1')).toHaveText('Wolfsburg');
});

test('an edit made elsewhere appears without a reload', async ({ page }) => {
  await page.goto(`${server.url}/city/masterton`);
  await expect(page.locator('h1')).toHaveText('Masterton');
  await page.evaluate(() => (window.__sameDocument = true));
  const { data } = await edit(server, '{ city(slug: "masterton") { id } }');
  await expect(async () => {
    await edit(server, `mutation { updateCity(id: "${data.city.id}", patch: { name: "Masterton (Wairarapa)" }) { version } }`);
    await expect(page.locator('h1')).toHaveText('Masterton (Wairarapa)', { timeout: 3000 });
  }).toPass({ timeout: 20_000 });
  expect(await page.evaluate(() => window.__sameDocument)).toBe(true);
  await expect(page.locator('.notice')).toContainText('Updated');
});

test('a token holder edits: an error shows at its field, a conflict is explained, and the history is read', async ({ page }) => {
  const requests = [];
  page.on('request', (request) => requests.push(request));
  const frames = [];
  page.on('websocket', (socket) => socket.on('framesent', (frame) => frames.push(String(frame.payload))));
  await page.goto(`${server.url}/statistic/team-china-athletes`);
  await expect(page.locator('h1')).toContainText('Team China athletes');
  await page.getByRole('button', { name: 'Edit with a token' }).click();
  await page.getByLabel('Write token').fill('not-the-token');
  await page.getByRole('button', { name: 'Use it' }).click();
  await expect(page.getByRole('alert')).toHaveText('That token is not valid.');
  await page.getByLabel('Write token').fill(EDITOR_SECRET);
  await page.getByRole('button', { name: 'Use it' }).click();
  await expect(page.getByText('Editing enabled')).toBeVisible();

  // A value its sentence does not state is refused, at the field.
  await page.getByRole('button', { name: 'Edit', exact: true }).click();
  await page.getByLabel('Value').fill('999');
  await page.getByRole('button', { name: 'Save' }).click();
  const error = page.locator('.field.invalid').filter({ has: page.getByLabel('Value') }).locator('.field-error');
  await expect(error).toBeVisible();
  await expect(page.getByLabel('Value')).toHaveAttribute('aria-invalid', 'true');

  // A change made elsewhere meanwhile: the conflict is explained, current values offered.
  await page.getByLabel('Value').fill('160');
  await page.getByLabel('Label').fill('athletes of Team China');
  const { data } = await edit(server, '{ statistic(slug: "team-china-athletes") { id } }');
  await edit(server, `mutation { updateStatistic(id: "${data.statistic.id}", patch: { label: "Team China's athletes" }) { version } }`);
  await page.getByRole('button', { name: 'Save' }).click();
  const conflict = page.locator('.conflict');
  await expect(conflict).toContainText('Someone else changed this');
  await expect(conflict).toContainText('Team China\'s athletes');
  await conflict.getByRole('button', { name: 'Start again from the current values' }).click();
  await expect(page.getByLabel('Label')).toHaveValue('Team China\'s athletes');
  await page.getByLabel('Label').fill('athletes of Team China');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('h1')).toContainText('athletes of Team China');

  await page.getByRole('button', { name: 'Show the history' }).click();
  const history = page.locator('.history');
  await expect(history.locator('li').first()).toContainText('version 3, by editor');
  await expect(history).toContainText('athletes of Team China');

  // The token left the browser only in the Authorization header and in connection_init.
  for (const request of requests) {
    expect(request.url()).not.toContain(EDITOR_SECRET);
    expect(request.postData() ?? '').not.toContain(EDITOR_SECRET);
  }
  expect(requests.some((request) => request.headers().authorization === `Bearer ${EDITOR_SECRET}`)).toBe(true);
  const carrying = frames.filter((frame) => frame.includes(EDITOR_SECRET));
  expect(carrying.length).toBeGreaterThan(0);
  expect(carrying.every((frame) => JSON.parse(frame).type === 'connection_init')).toBe(true);
  expect(await page.evaluate(() => Object.values(localStorage).join())).not.toContain(EDITOR_SECRET);
});
