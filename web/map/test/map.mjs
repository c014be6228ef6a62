// The network map as people use it, in Chromium: the details panel inside
// the window at desktop widths and as a drawer on a phone, search through
// the API's `search`, a shared link reproducing a view, back and forward,
// filters and legend without scrolling, full names on hover and keyboard
// focus, the embeddable view, and axe-core finding no serious or critical
// violations. Called by browser.mjs with its helpers.
import assert from 'node:assert/strict';
import { seriousViolations } from './axe.mjs';


// searchAPI asks the hub's GraphQL `search` directly: the oracle for the
// suggestions the page shows.
async function searchAPI(page, text) {
  return page.evaluate(async (t) => {
    const res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ query: 'query($t: String!) { search(text: $t, first: 8) { node { id kind name } } }', variables: { t } }),
    });
    return (await res.json()).data.search.map((r) => r.node);
  }, text);
}

// clickNode clicks a node where it is drawn, as a person would.
async function clickNode(page, label) {
  const target = await page.evaluate((l) => {
    const cy = window.hubMap.cy;
    const node = cy.nodes().filter((n) => n.data('label') === l)[0];
    cy.center(node);
    const p = node.renderedPosition();
    const box = document.getElementById('cy').getBoundingClientRect();
    return { x: box.left + p.x, y: box.top + p.y, id: node.id() };
  }, label);
  await page.mouse.click(target.x, target.y);
  await page.waitForSelector('[data-testid=details]:not([hidden])');
  return target.id;
}

// inViewport asserts that an element is entirely inside the window and
// not covered at its centre by anything else.
async function inViewport(page, selector) {
  const r = await page.evaluate((sel) => {
    const e = document.querySelector(sel);
    const b = e.getBoundingClientRect();
    const top = document.elementFromPoint(b.left + b.width / 2, b.top + Math.min(b.height / 2, 20));
    return { left: b.left, top: b.top, right: b.right, bottom: b.bottom, w: innerWidth, h: innerHeight, onTop: e.contains(top) };
  }, selector);
  assert.ok(r.left >= 0 && r.top >= 0 && r.right <= r.w && r.bottom <= r.h,
    `${selector} at ${JSON.stringify(r)} is not inside the ${r.w}×${r.h} window`);
  assert.ok(r.right - r.left > 0 && r.bottom - r.top > 0, `${selector} has no size`);
  assert.ok(r.onTop, `${selector} is covered`);
}

async function axe(page, what) {
  assert.deepEqual(await seriousViolations(page), [], `axe on ${what}`);
}

const checkedValues = (page, sel) => page.$$eval(`${sel} input:checked`, (bs) => bs.map((b) => b.value));
const waitLoaded = (page) => page.waitForSelector('body[data-loaded="true"]');

export async function mapTests({ check, open, artefacts, apiNodes }) {
  for (const viewport of [{ width: 1280, height: 900 }, { width: 1600, height: 900 }, { width: 1920, height: 1080 }, { width: 390, height: 844 }]) {
    await check(`map: clicking a node shows its details inside the window at ${viewport.width}×${viewport.height}`, async () => {
      const { page, errors } = await open('/map', viewport);
      await clickNode(page, 'Kansaneläkelaitos');
      assert.equal(await page.textContent('[data-testid=details] h2'), 'Kansaneläkelaitos');
      await inViewport(page, '[data-testid=details]');
      await inViewport(page, '[data-testid=details] h2');
      // The map moves the node out from under the panel.
      await page.waitForTimeout(400);
      const seen = await page.evaluate(() => {
        const node = window.hubMap.cy.nodes(':selected')[0];
        const p = node.renderedPosition();
        const map = document.getElementById('cy').getBoundingClientRect();
        const x = map.left + p.x;
        const y = map.top + p.y;
        const d = document.getElementById('details').getBoundingClientRect();
        const under = x >= d.left && x <= d.right && y >= d.top && y <= d.bottom;
        return { x, y, under, inside: x >= 0 && y >= 0 && x <= innerWidth && y <= innerHeight };
      });
      assert.ok(seen.inside && !seen.under, `the selected node at ${seen.x},${seen.y} is hidden`);
      if (viewport.width === 1280 || viewport.width === 390) {
        await page.screenshot({ path: `${artefacts}/map-${viewport.width}.png` });
      }
      // The close button hides it and the selection goes from the address.
      await page.click('[data-testid=details] .close');
      assert.equal(await page.isHidden('[data-testid=details]'), true);
      assert.equal(new URL(page.url()).searchParams.get('node'), null);
      assert.deepEqual(errors, []);
      await page.close();
    });
  }

  await check('map: typing "Kela" suggests Kela (Kansaneläkelaitos) first, as the API ranks it, and choosing it focuses it', async () => {
    const { page, errors } = await open('/map');
    const api = await searchAPI(page, 'Kela');
    assert.equal(api[0].name, 'Kansaneläkelaitos');
    await page.click('#search');
    await page.keyboard.type('Kela', { delay: 30 });
    await page.waitForSelector('[data-testid=suggestions] li');
    const names = await page.$$eval('[data-testid=suggestions] li .name', (s) => s.map((e) => e.textContent));
    assert.deepEqual(names, api.filter((n) => n.kind !== 'SourceDocument').map((n) => n.name));
    assert.ok(!names[0].startsWith('Kainuun Työterveys'));
    assert.match(await page.textContent('[data-testid=suggestions] li'), /(abbreviation|lyhenne).*Kela/i);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=details]:not([hidden])');
    assert.equal(await page.textContent('[data-testid=details] h2'), 'Kansaneläkelaitos');
    assert.equal(await page.evaluate(() => window.hubMap.cy.nodes(':selected').id()), api[0].id);
    assert.equal(new URL(page.url()).searchParams.get('node'), api[0].id);
    assert.deepEqual(errors, []);
    await page.close();
  });

  await check('map: search ignores diacritics and shows a hidden kind when its node is chosen', async () => {
    const { page, errors } = await open('/map');
    await page.fill('#search', 'kansanelakelaitos');
    await page.waitForSelector('[data-testid=suggestions] li');
    assert.equal(await page.textContent('[data-testid=suggestions] li .name'), 'Kansaneläkelaitos');
    // Regions are hidden by default; choosing one shows the kind.
    assert.equal(await page.isChecked('#kind-Region'), false);
    const region = (await searchAPI(page, 'Kainuu')).find((n) => n.kind === 'Region');
    assert.ok(region, 'the API finds no region Kainuu');
    await page.fill('#search', 'Kainuu');
    await page.click(`[data-testid=suggestions] li:has(.kind[data-kind=Region]) >> nth=0`);
    await page.waitForSelector('[data-testid=details]:not([hidden])');
    assert.equal(await page.isChecked('#kind-Region'), true);
    assert.equal(await page.evaluate(() => window.hubMap.cy.nodes(':selected').id()), region.id);
    assert.deepEqual(errors, []);
    await page.close();
  });

  await check('map: a shared link reproduces the filters, layout and selection; back and forward step through views', async () => {
    const { page, errors } = await open('/map');
    await page.uncheck('#kind-Service');
    await waitLoaded(page);
    await page.check('#kind-Region');
    await waitLoaded(page);
    await page.click('#types-box summary');
    await page.uncheck('#type-FUNDS');
    await waitLoaded(page);
    await page.click('#show-box summary');
    await page.selectOption('#layout', 'concentric');
    await page.selectOption('#colour-by', 'community');
    const id = await clickNode(page, 'Kansaneläkelaitos');
    const url = page.url();
    const want = {
      kinds: await checkedValues(page, '#kinds'), types: await checkedValues(page, '#types'),
      nodes: await page.evaluate(() => window.hubMap.cy.nodes().length),
    };
    assert.ok(!want.kinds.includes('Service') && want.kinds.includes('Region') && !want.types.includes('FUNDS'));

    const fresh = await open(url.slice(url.indexOf('/map')));
    await fresh.page.waitForSelector('[data-testid=details]:not([hidden])');
    assert.deepEqual(await checkedValues(fresh.page, '#kinds'), want.kinds);
    assert.deepEqual(await checkedValues(fresh.page, '#types'), want.types);
    assert.equal(await fresh.page.inputValue('#layout'), 'concentric');
    assert.equal(await fresh.page.inputValue('#colour-by'), 'community');
    assert.equal(await fresh.page.evaluate(() => window.hubMap.cy.nodes().length), want.nodes);
    assert.equal(await fresh.page.evaluate(() => window.hubMap.cy.nodes().length), await apiNodes(fresh.page));
    assert.equal(await fresh.page.evaluate(() => window.hubMap.cy.nodes(':selected').id()), id);
    assert.equal(await fresh.page.textContent('[data-testid=details] h2'), 'Kansaneläkelaitos');
    assert.deepEqual(fresh.errors, []);
    await fresh.page.close();

    // Back: the view before the selection, then before the colouring.
    await page.goBack();
    await page.waitForSelector('[data-testid=details][hidden]', { state: 'attached' });
    assert.equal(await page.evaluate(() => window.hubMap.cy.nodes(':selected').length), 0);
    await page.goBack();
    await page.waitForFunction(() => document.getElementById('colour-by').value === 'kind');
    await page.goForward();
    await page.waitForFunction(() => document.getElementById('colour-by').value === 'community');
    await page.goForward();
    await page.waitForSelector('[data-testid=details]:not([hidden])');
    assert.equal(await page.evaluate(() => window.hubMap.cy.nodes(':selected').id()), id);
    assert.deepEqual(errors, []);
    await page.close();
  });

  await check('map: kinds, legend and filters are in the window without scrolling, and hidden kinds are named', async () => {
    const { page, errors } = await open('/map', { width: 1280, height: 900 });
    for (const sel of ['#search', '#kinds-note', '#kind-Organisation', '#kind-Contact', 'label[for=kind-Contact] .swatch',
      '#region', '#theme', '#as-of', '#types-box summary', '#show-box summary', '#export-box summary']) {
      await inViewport(page, sel);
    }
    assert.match(await page.textContent('[data-testid=kinds-note]'), /6 of 12 kinds hidden|6\/12 lajia piilotettu/);
    await page.click('#kinds-all');
    await page.waitForFunction(() => document.querySelectorAll('#kinds input:checked').length === 12);
    await waitLoaded(page);
    assert.match(await page.textContent('[data-testid=kinds-note]'), /All 12 kinds shown|Kaikki 12 lajia näkyvissä/);
    assert.equal(await page.evaluate(() => window.hubMap.cy.nodes().length), await apiNodes(page));
    assert.deepEqual(errors, []);
    await page.close();
  });

  await check('map: on a phone the map gets most of the screen', async () => {
    const { page, errors } = await open('/map', { width: 390, height: 844 });
    const box = await page.evaluate(() => {
      const b = document.getElementById('cy').getBoundingClientRect();
      return { top: b.top, bottom: b.bottom, width: b.width, height: b.height };
    });
    assert.ok(box.width >= 380, `map ${box.width} px wide`);
    assert.ok(box.height >= 0.6 * 844, `map ${box.height} px high`);
    assert.ok(box.bottom <= 844, `map ends at ${box.bottom}, below the screen`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  await check('map: full names on hover and on keyboard focus', async () => {
    const { page, errors } = await open('/map');
    const longest = await page.evaluate(() => window.hubMap.cy.nodes().map((n) => n.data('label')).sort((a, b) => b.length - a.length)[0]);
    assert.ok(longest.length > 25, `longest label "${longest}"`);
    const at = await page.evaluate((l) => {
      const cy = window.hubMap.cy;
      const node = cy.nodes().filter((n) => n.data('label') === l)[0];
      cy.center(node);
      const p = node.renderedPosition();
      const box = document.getElementById('cy').getBoundingClientRect();
      return { x: box.left + p.x, y: box.top + p.y };
    }, longest);
    await page.mouse.move(at.x, at.y);
    await page.waitForSelector('[data-testid=tooltip]:not([hidden])');
    assert.ok((await page.textContent('[data-testid=tooltip]')).startsWith(longest));
    await page.mouse.move(1, 1);

    // Keyboard: Tab reaches the map; arrows step through nodes by name.
    const first = await page.evaluate(() => window.hubMap.cy.nodes().map((n) => n.data('label')).sort((a, b) => a.localeCompare(b, 'fi'))[0]);
    await page.focus('#cy');
    await page.keyboard.press('ArrowRight');
    assert.ok((await page.textContent('[data-testid=tooltip]')).startsWith(first));
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=details]:not([hidden])');
    assert.equal(await page.textContent('[data-testid=details] h2'), first);
    // Escape in the panel closes it and gives the focus back to the map.
    await page.focus('[data-testid=details] .close');
    await page.keyboard.press('Escape');
    assert.equal(await page.isHidden('[data-testid=details]'), true);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'cy');
    assert.deepEqual(errors, []);
    await page.close();
  });

  await check('map: /map?embed=1 is the bare map with a link to the same view in the hub', async () => {
    const { page, errors } = await open('/map?embed=1&kinds=Programme,Pilot', { width: 600, height: 400 });
    assert.equal(await page.isVisible('header'), false);
    assert.equal(await page.isVisible('aside'), false);
    assert.equal(await page.isVisible('#search'), false);
    const link = await page.getAttribute('#open-hub', 'href');
    assert.equal(link, '/map?kinds=Programme%2CPilot');
    await inViewport(page, '#open-hub');
    const box = await page.evaluate(() => document.getElementById('cy').getBoundingClientRect().toJSON());
    assert.ok(box.width >= 590 && box.height >= 390, `map ${box.width}×${box.height} in a 600×400 frame`);
    assert.deepEqual(await page.evaluate(() => [...new Set(window.hubMap.cy.nodes().map((n) => n.data('kind')))].sort()), ['Pilot', 'Programme']);
    await clickNode(page, await page.evaluate(() => window.hubMap.cy.nodes()[0].data('label')));
    await inViewport(page, '[data-testid=details]');
    await page.screenshot({ path: `${artefacts}/map-embed.png` });
    assert.deepEqual(errors, []);
    await page.close();
  });

  for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
    await check(`map: axe-core finds no serious or critical violations at ${viewport.width}×${viewport.height}`, async () => {
      const { page, errors } = await open('/map', viewport);
      await axe(page, 'the map');
      await page.click('#types-box summary');
      await page.click('#show-box summary');
      await page.fill('#search', 'Kela');
      await page.waitForSelector('[data-testid=suggestions] li');
      await axe(page, 'the map with suggestions open');
      await page.keyboard.press('Escape');
      await clickNode(page, 'Kansaneläkelaitos');
      await axe(page, 'the map with details open');
      assert.deepEqual(errors, []);
      await page.close();
    });
  }
}
