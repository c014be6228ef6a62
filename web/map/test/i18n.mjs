// The interface language: the switch on the map, the dashboard and the
// playground header; the page text, the kind labels and the names follow
// it, the choice is remembered and in the address, and no raw enum value
// (WELLBEING_DISTRICT) shows. The oracles are the API itself, asked
// directly with a language argument, and a few words written out here.
import assert from 'node:assert/strict';
import { seriousViolations } from './axe.mjs';

async function api(base, query, lang) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Accept-Language': lang },
    body: JSON.stringify({ query }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

// Headings and words as a Finnish or Swedish reader expects them.
const WORDS = {
  sv: { map: 'OTE-nätverkskarta', dashboard: 'OTE-översikt', funding: 'Finansiering per landskap', employer: 'Arbetsgivare', region: 'Kymmenedalen', wellbeing: 'Välfärdsområde' },
  fi: { map: 'OTE-verkostokartta', dashboard: 'OTE-koontinäkymä', funding: 'Rahoitus maakunnittain', employer: 'Työnantaja', region: 'Kymenlaakso', wellbeing: 'Hyvinvointialue' },
};

// RAW matches an enum value as the API writes it (WELLBEING_DISTRICT,
// PARTNER_IN); node kinds are words and are checked by their labels.
const RAW = /\b[A-Z]{2,}_[A-Z_]+\b/;

export async function i18nChecks({ browser, base, artefacts, check }) {
  await check('i18n: every language has a message for every key', async () => {
    // The module reads the page's address, storage and languages when
    // loaded: give it empty ones here, in Node.
    globalThis.location ??= { search: '' };
    globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
    globalThis.navigator ??= { languages: ['en'] };
    const { LANGS, messageKeys } = await import('../src/i18n.js');
    const all = new Set(LANGS.flatMap((l) => messageKeys(l)));
    for (const l of LANGS) {
      const missing = [...all].filter((k) => !messageKeys(l).includes(k));
      assert.deepEqual(missing, [], `${l} lacks messages`);
    }
    assert.ok(all.size > 50, `${all.size} message keys`);
  });

  async function waitLoaded(page) {
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 30000 });
  }

  // visibleText is the page's text with every disclosure open, so that
  // the relationship types and tables count too.
  const visibleText = (page) => page.evaluate(() => {
    for (const d of document.querySelectorAll('details')) d.open = true;
    return document.body.innerText;
  });

  async function mapIn(page, lang) {
    const w = WORDS[lang];
    assert.equal(await page.textContent('h1'), w.map);
    assert.equal(await page.getAttribute('html', 'lang'), lang);
    assert.equal(new URL(page.url()).searchParams.get('lang'), lang);
    const labels = (await api(base, `{ labels(enums: [NodeKind, RelationshipType], language: ${lang.toUpperCase()}) { enum value label } }`, 'en')).labels;
    const employer = labels.find((l) => l.enum === 'NodeKind' && l.value === 'Employer').label;
    assert.equal(employer, w.employer);
    assert.equal((await page.textContent('label[for=kind-Employer]')).trim(), employer);
    const partnerIn = labels.find((l) => l.value === 'PARTNER_IN').label;
    assert.equal((await page.textContent('label[for=type-PARTNER_IN]')).trim(), partnerIn);
    // A region's name in the page's language, as the API gives it.
    const regions = (await api(base, '{ regions(first: 100) { nodes { id names { fi sv } } } }', 'en')).regions.nodes;
    const kymi = regions.find((r) => r.names.fi === 'Kymenlaakso');
    assert.equal(kymi.names[lang], w.region);
    assert.equal(await page.evaluate((id) => window.hubMap.cy.getElementById(id).data('label'), kymi.id), w.region);
    // A wellbeing services county's details: its type by its label.
    const orgs = (await api(base, '{ organisations(first: 100, where: { typeIn: [WELLBEING_DISTRICT] }) { nodes { id } } }', 'en')).organisations.nodes;
    const id = await page.evaluate((ids) => ids.find((i) => window.hubMap.cy.getElementById(i).nonempty()), orgs.map((o) => o.id));
    assert.ok(id, 'no wellbeing services county on the map');
    await page.evaluate((i) => window.hubMap.cy.getElementById(i).emit('tap'), id);
    await page.waitForSelector('[data-testid=details]:not([hidden])');
    assert.match(await page.textContent('[data-testid=details] dl'), new RegExp(w.wellbeing));
    const text = await visibleText(page);
    assert.doesNotMatch(text, RAW);
  }

  await check('i18n: the switch puts the map in Swedish, the choice carries to the dashboard, and nothing shows raw enum values', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${base}/map?kinds=Organisation,Employer,Region`);
    await waitLoaded(page);
    assert.equal(await page.textContent('h1'), 'OTE network map');
    await Promise.all([page.waitForURL(/lang=sv/), page.selectOption('[data-testid=lang]', 'sv')]);
    await waitLoaded(page);
    assert.equal(new URL(page.url()).searchParams.get('kinds'), 'Organisation,Employer,Region');
    await mapIn(page, 'sv');
    assert.deepEqual(await seriousViolations(page), [], 'axe on the Swedish map');
    await page.screenshot({ path: `${artefacts}/map-sv.png` });
    // Remembered: the dashboard without lang= opens in Swedish.
    await page.goto(`${base}/dashboard`);
    await waitLoaded(page);
    assert.equal(await page.textContent('h1'), WORDS.sv.dashboard);
    assert.equal(await page.textContent('#funding-title'), WORDS.sv.funding);
    const bars = await page.$$eval('[data-testid=funding] ol.bars .label', (ls) => ls.map((l) => l.textContent));
    assert.ok(bars.includes(WORDS.sv.region), `no ${WORDS.sv.region} among ${bars}`);
    assert.doesNotMatch(await visibleText(page), RAW);
    assert.match(await page.getAttribute('nav a[href^="/map"]', 'href'), /lang=sv/);
    assert.deepEqual(await seriousViolations(page), [], 'axe on the Swedish dashboard');
    await page.screenshot({ path: `${artefacts}/dashboard-sv.png`, fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  });

  await check('i18n: a Finnish browser gets the map, the dashboard and the playground header in Finnish', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fi-FI' });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${base}/map?kinds=Organisation,Employer,Region`);
    await waitLoaded(page);
    await mapIn(page, 'fi');
    await page.goto(`${base}/dashboard`);
    await waitLoaded(page);
    assert.equal(await page.textContent('h1'), WORDS.fi.dashboard);
    assert.equal(await page.textContent('#funding-title'), WORDS.fi.funding);
    assert.doesNotMatch(await visibleText(page), RAW);
    await page.goto(`${base}/`);
    await page.waitForSelector('.hub-header .lang select');
    assert.equal(await page.textContent('.hub-header h1'), 'OTE-verkostohubi · GraphQL-kyselyeditori');
    assert.equal(await page.inputValue('.hub-header .lang select'), 'fi');
    assert.deepEqual(errors, []);
    await context.close();
  });
}
