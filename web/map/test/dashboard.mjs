// The dashboard as people use it, driven in Chromium: the funding bars add
// up to the pilot funding the API reports, filters go into the URL and a
// link reproduces them, every chart's CSV holds the chart's rows, the page
// reads on a phone, bars link to the map, and axe-core finds no serious
// or critical violation. Called from browser.mjs; runs alone as
// node dashboard.mjs <hub URL> <artefact dir>.
import { chromium } from 'playwright-core';
import { mkdir, readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';
import { seriousViolations } from './axe.mjs';


// api asks the hub's GraphQL API directly: the oracle of the page's
// figures.
async function api(base, query, variables = {}) {
  const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

// parseCSV reads RFC 4180 CSV (quoted fields, doubled quotes, CRLF).
export function parseCSV(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; } else field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}

// barRows are a chart's bars as drawn: id, label text, value, link.
const barRows = (page, id) => page.$$eval(`[data-testid=${id}] ol.bars li`, (lis) => lis.map((li) => ({
  id: li.dataset.id, value: Number(li.dataset.value), label: li.querySelector('.label').textContent,
  href: li.querySelector('a.label')?.getAttribute('href') || null,
})));

export async function dashboardChecks({ browser, base, artefacts, check }) {
  async function open(path, viewport = { width: 1280, height: 900 }) {
    const page = await browser.newPage({ viewport, locale: 'fi-FI', acceptDownloads: true });
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(base + path);
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 30000 });
    return { page, errors };
  }
  const regions = (await api(base, '{ regions(first: 100) { nodes { id name } } }')).regions.nodes;
  const regionID = (name) => regions.find((r) => r.name === name).id;

  await check('dashboard: the funding bars add up to the pilot funding the API reports', async () => {
    const { page, errors } = await open('/dashboard');
    const bars = await barRows(page, 'funding');
    assert.ok(bars.length > 1, `${bars.length} funding bars`);
    const cents = bars.reduce((s, b) => s + Math.round(b.value * 100), 0);
    const byPilot = (await api(base, '{ aggregates { funding(by: PILOT) { total } } }')).aggregates.funding;
    const oracle = byPilot.reduce((s, b) => s + Math.round(b.total * 100), 0);
    assert.equal(cents, oracle, `bars ${cents / 100}, pilot funding ${oracle / 100}`);
    // Kymenlaakso shares Yhdessä hyvä OTE with Etelä-Karjala: half of it.
    const kymi = bars.find((b) => b.id === regionID('Kymenlaakso'));
    const yho = (await api(base, '{ aggregates { funding(by: PILOT, where: { keyIn: ["yhdessa-hyva-ote"] }) { total } } }')).aggregates.funding[0].total;
    assert.equal(kymi.value, yho / 2);
    assert.match(await page.textContent('#funding-title + .rule'), /split equally|jaetaan tasan/);
    assert.equal(Number(await page.getAttribute('[data-testid=funding-total]', 'data-bars')) * 100, oracle);
    await page.screenshot({ path: `${artefacts}/dashboard.png`, fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  await check('dashboard: filters reach the API, go into the URL, and a link reproduces them', async () => {
    const region = regionID('Kymenlaakso');
    const { page, errors } = await open('/dashboard');
    await page.evaluate(() => { document.body.dataset.loaded = 'false'; });
    await page.selectOption('select[name=region]', region);
    await page.waitForSelector('body[data-loaded="true"]');
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('region'), region);
    const pilots = (await barRows(page, 'partners')).map((b) => b.id).sort();
    const oracle = (await api(base, 'query($r: [ID!]) { pilots(first: 100, where: { regionIn: $r }) { nodes { id } } }', { r: [region] }))
      .pilots.nodes.map((n) => n.id).sort();
    assert.ok(oracle.length > 0);
    assert.deepEqual(pilots, oracle);
    // The shared link, opened afresh, shows the same filter and rows.
    const again = await open(url.pathname + url.search);
    assert.equal(await again.page.inputValue('select[name=region]'), region);
    assert.deepEqual((await barRows(again.page, 'partners')).map((b) => b.id).sort(), oracle);
    assert.deepEqual(await barRows(again.page, 'funding'), await barRows(page, 'funding'));
    // A theme narrows to the pilots with it (the API says which).
    const theme = (await api(base, '{ themes(first: 1) { nodes { id } } }')).themes.nodes[0].id;
    await again.page.evaluate(() => { document.body.dataset.loaded = 'false'; });
    await again.page.selectOption('select[name=theme]', theme);
    await again.page.waitForSelector('body[data-loaded="true"]');
    assert.equal(new URL(again.page.url()).searchParams.get('theme'), theme);
    const themed = (await api(base, `query($r: [ID!], $t: [ID!]) { pilots(first: 100, where: { regionIn: $r,
      relationships: [{ types: [HAS_THEME], direction: OUT, where: { idIn: $t } }] }) { nodes { id } } }`, { r: [region], t: [theme] }))
      .pilots.nodes.map((n) => n.id).sort();
    assert.deepEqual((await barRows(again.page, 'partners')).map((b) => b.id).sort(), themed);
    assert.deepEqual([...errors, ...again.errors], []);
    await again.page.close();
    await page.close();
  });

  await check('dashboard: every chart downloads its rows as UTF-8 CSV', async () => {
    const { page, errors } = await open('/dashboard');
    const download = async (name) => {
      const [d] = await Promise.all([page.waitForEvent('download'), page.click(`[data-testid=csv-${name}]`)]);
      assert.equal(d.suggestedFilename(), `${name}.csv`);
      const bytes = await readFile(await d.path());
      assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], `${name}: no UTF-8 byte order mark`);
      return parseCSV(bytes.toString('utf8').slice(1));
    };
    for (const [chart, name, header] of [
      ['funding', 'funding-by-region', ['region_id', 'region', 'funding_eur']],
      ['partners', 'partners-per-pilot', ['pilot_id', 'pilot', 'partners']],
      ['years', 'pilots-per-year', ['year', 'year_label', 'pilots']],
    ]) {
      const [head, ...rows] = await download(name);
      assert.deepEqual(head, header);
      const bars = await barRows(page, chart);
      assert.deepEqual(rows.map((r) => [r[0], r[1], Number(r[2])]), bars.map((b) => [b.id, b.label, b.value]), name);
    }
    const [head, ...cells] = await download('services-by-region');
    assert.deepEqual(head, ['service_id', 'service', 'region_id', 'region', 'providers', 'provider_names']);
    const shown = await page.$$eval('[data-testid=coverage] td.covered', (tds) => tds.map((td) => Number(td.textContent)).sort((a, b) => a - b));
    assert.deepEqual(cells.map((c) => Number(c[4])).sort((a, b) => a - b), shown);
    assert.ok(cells.every((c) => c[5].split('; ').length === Number(c[4])), 'provider names and counts disagree');
    assert.deepEqual(errors, []);
    await page.close();
  });

  await check('dashboard: readable on a phone (390×844): text at least 12 px, nothing wider than the screen', async () => {
    const { page, errors } = await open('/dashboard', { width: 390, height: 844 });
    const report = await page.evaluate(() => {
      const small = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const e = n.parentElement;
        if (!n.textContent.trim() || !e.getClientRects().length || e.closest('details:not([open])')) continue;
        const size = parseFloat(getComputedStyle(e).fontSize);
        if (size < 12) small.push(`${e.tagName} "${n.textContent.trim().slice(0, 30)}" ${size}px`);
      }
      const wide = [...document.querySelectorAll('section.card, ol.bars, .matrix-wrap, form')]
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map((e) => `${e.className || e.tagName} ends at ${e.getBoundingClientRect().right}`);
      return { small, wide, scroll: document.documentElement.scrollWidth, bars: document.querySelectorAll('ol.bars li').length };
    });
    assert.ok(report.bars > 0);
    assert.deepEqual(report.small, []);
    assert.deepEqual(report.wide, []);
    assert.ok(report.scroll <= 390, `the page scrolls sideways: ${report.scroll} px wide`);
    await page.screenshot({ path: `${artefacts}/dashboard-phone.png`, fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  await check('dashboard: each bar links to the matching map view', async () => {
    const { page, errors } = await open('/dashboard');
    for (const [chart, param] of [['funding', 'region'], ['partners', 'node']]) {
      const bars = await barRows(page, chart);
      for (const b of bars) {
        const u = new URL(b.href, base);
        assert.equal(u.pathname, '/map', `${chart}: ${b.href}`);
        assert.equal(u.searchParams.get(param), b.id, `${chart}: ${b.href}`);
      }
    }
    const first = (await barRows(page, 'partners'))[0];
    await page.click(`[data-testid=partners] li[data-id="${first.id}"] a`);
    await page.waitForURL((u) => u.pathname === '/map');
    assert.equal(new URL(page.url()).searchParams.get('node'), first.id);
    // The map opens that pilot's details.
    await page.waitForSelector('[data-testid=details]:not([hidden])');
    assert.equal(await page.textContent('[data-testid=details] h2'), first.label);
    assert.deepEqual(errors, []);
    await page.close();
  });

  await check('dashboard: axe-core finds no serious or critical violations (desktop and phone)', async () => {
    for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
      const { page, errors } = await open('/dashboard', viewport);
      assert.deepEqual(await seriousViolations(page), [], `${viewport.width}px`);
      assert.deepEqual(errors, []);
      await page.close();
    }
  });
}

// Alone: node dashboard.mjs <hub URL> <artefact dir>.
if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [base, artefacts] = process.argv.slice(2);
  await mkdir(artefacts, { recursive: true });
  const browser = await chromium.launch({ executablePath: process.env.HUB_CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  let failed = 0;
  const check = async (name, fn) => {
    try { await fn(); console.log(`ok - ${name}`); } catch (e) { failed++; console.log(`not ok - ${name}\n  ${String(e.stack || e).split('\n').join('\n  ')}`); }
  };
  await dashboardChecks({ browser, base, artefacts, check });
  await browser.close();
  process.exit(failed ? 1 : 0);
}
