// Drives the hub's pages in headless Debian Chromium with Playwright, like
// a person would: the map loads without console errors, shows as many
// nodes as the API returns, a filter changes what is shown, clicking a
// node shows its sources; the dashboard draws its charts. Screenshots go
// to the artefact directory. Usage: node browser.mjs <hub URL> <artefact dir>
import { chromium } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import assert from 'node:assert/strict';
import { dashboardChecks } from './dashboard.mjs';
import { mapTests } from './map.mjs';
import { i18nChecks } from './i18n.mjs';

const [base, artefacts] = process.argv.slice(2);
if (!base || !artefacts) {
  console.error('usage: node browser.mjs <hub URL> <artefact dir>');
  process.exit(2);
}
await mkdir(artefacts, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.HUB_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const failures = [];
let checks = 0;
const check = async (name, fn) => {
  checks++;
  try {
    await fn();
    console.log(`ok - ${name}`);
  } catch (e) {
    failures.push(name);
    console.log(`not ok - ${name}\n  ${String(e.stack || e).split('\n').join('\n  ')}`);
  }
};

async function open(path, viewport = { width: 1366, height: 900 }) {
  // Finnish, the language of the sources, as the hub's users read it.
  const page = await browser.newPage({ viewport, locale: 'fi-FI' });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base + path);
  await page.waitForSelector('body[data-loaded="true"]', { timeout: 30000 });
  return { page, errors };
}

// apiNodes asks the export endpoint (the same API the map uses) how many
// nodes match the map's current filters.
async function apiNodes(page) {
  return page.evaluate(async () => {
    const form = document.getElementById('filters');
    const p = new URLSearchParams();
    for (const b of form.querySelectorAll('#kinds input:checked')) p.append('kind', b.value);
    for (const b of form.querySelectorAll('#types input:checked')) p.append('type', b.value);
    p.set('limit', '1000');
    const res = await fetch(`/export/network.json?${p}`);
    return (await res.json()).elements.nodes.length;
  });
}

await check('the map loads with no console errors and shows as many nodes as the API returns', async () => {
  const { page, errors } = await open('/map');
  const shown = await page.evaluate(() => window.hubMap.cy.nodes().length);
  assert.ok(shown > 20, `only ${shown} nodes shown`);
  assert.equal(shown, await apiNodes(page));
  assert.equal(Number(await page.getAttribute('[data-testid=status]', 'data-nodes')), shown);
  await page.screenshot({ path: `${artefacts}/map.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

await check('a filter changes what is shown', async () => {
  const { page, errors } = await open('/map');
  const before = await page.evaluate(() => window.hubMap.cy.nodes().length);
  const services = await page.evaluate(() => window.hubMap.cy.nodes('[kind = "Service"]').length);
  assert.ok(services > 0);
  await page.evaluate(() => { document.body.dataset.loaded = 'false'; });
  await page.uncheck('#kind-Service');
  await page.waitForSelector('body[data-loaded="true"]');
  const after = await page.evaluate(() => window.hubMap.cy.nodes().length);
  assert.equal(await page.evaluate(() => window.hubMap.cy.nodes('[kind = "Service"]').length), 0);
  assert.equal(after, await apiNodes(page));
  assert.ok(after < before, `${after} nodes after hiding services, ${before} before`);
  assert.deepEqual(errors, []);
  await page.close();
});

await check('clicking a node shows its details and sources', async () => {
  const { page, errors } = await open('/map');
  const target = await page.evaluate(() => {
    const cy = window.hubMap.cy;
    const node = cy.nodes('[label = "Kansaneläkelaitos"]')[0] || cy.nodes()[0];
    cy.center(node);
    const p = node.renderedPosition();
    const box = document.getElementById('cy').getBoundingClientRect();
    return { x: box.left + p.x, y: box.top + p.y, label: node.data('label') };
  });
  await page.mouse.click(target.x, target.y);
  await page.waitForSelector('[data-testid=details]:not([hidden])');
  assert.equal(await page.textContent('[data-testid=details] h2'), target.label);
  const sources = await page.$$eval('[data-testid=sources] li', (lis) => lis.map((l) => l.textContent));
  assert.ok(sources.length > 0, 'no sources shown');
  await page.screenshot({ path: `${artefacts}/map-details.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

await check('search focuses a node and its neighbourhood', async () => {
  const { page, errors } = await open('/map');
  await page.fill('#search', 'Yhdessä hyvä OTE');
  await page.press('#search', 'Enter');
  await page.waitForSelector('[data-testid=details]:not([hidden])');
  const faded = await page.evaluate(() => window.hubMap.cy.nodes('.faded').length);
  assert.ok(faded > 0, 'nothing outside the neighbourhood was faded');
  await page.screenshot({ path: `${artefacts}/map-focus.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

await check('the map works on a phone-sized screen', async () => {
  const { page, errors } = await open('/map', { width: 390, height: 844 });
  assert.ok(await page.evaluate(() => window.hubMap.cy.nodes().length) > 0);
  await page.screenshot({ path: `${artefacts}/map-phone.png`, fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

await check('the dashboard draws its charts from the API', async () => {
  const { page, errors } = await open('/dashboard');
  for (const id of ['funding', 'partners', 'years', 'coverage']) {
    const rows = Number(await page.getAttribute(`[data-testid=${id}]`, 'data-rows'));
    assert.ok(rows > 0, `${id} has no rows`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

// The dashboard's own checks (totals, filters, CSV, phone, links, axe).
await dashboardChecks({ browser, base, artefacts, check });
await mapTests({ check, open, artefacts, apiNodes });
await i18nChecks({ browser, base, artefacts, check });

await browser.close();
console.log(`${checks - failures.length} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
