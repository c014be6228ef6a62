// Drives the playground in headless Debian Chromium with Playwright, with
// every request to a host other than the hub aborted: the page loads,
// GraphiQL's introspection query is answered and the docs pane shows the
// schema, the editor completes a field, an example tab runs; on a phone
// the editor and the run button are on screen and work; axe-core finds
// no serious or critical violations; a hub that refuses introspection
// gets a docs pane that says why.
// Usage: node playground.mjs <hub URL> <URL of a hub without introspection> <artefact dir>
import { chromium } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import assert from 'node:assert/strict';
import { seriousViolations } from './axe.mjs';

const [base, closed, artefacts] = process.argv.slice(2);
if (!base || !closed || !artefacts) {
  console.error('usage: node playground.mjs <hub URL> <URL of a hub without introspection> <artefact dir>');
  process.exit(2);
}
await mkdir(artefacts, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.HUB_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const failures = [];
const check = async (name, fn) => {
  try {
    await fn();
    console.log(`ok - playground: ${name}`);
  } catch (e) {
    failures.push(name);
    console.log(`not ok - playground: ${name}\n  ${String(e.stack || e).split('\n').join('\n  ')}`);
  }
};

const desktop = { width: 1280, height: 900 };
const phone = { width: 390, height: 844 };

// open loads the playground of hub with requests elsewhere aborted and
// recorded, and every GraphQL exchange recorded.
async function open(hub, viewport) {
  const origin = new URL(hub).origin;
  const context = await browser.newContext({ viewport, locale: 'fi-FI', hasTouch: viewport.width < 600 });
  const elsewhere = [];
  await context.route('**', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin || url.startsWith('data:')) return route.continue();
    elsewhere.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  const exchanges = [];
  page.on('response', async (res) => {
    const req = res.request();
    if (req.method() !== 'POST' || !req.url().endsWith('/graphql')) return;
    try {
      exchanges.push({ request: req.postDataJSON(), status: res.status(), body: await res.json() });
    } catch { /* the page went away */ }
  });
  await page.goto(hub + '/');
  await page.waitForSelector('body[data-loaded="true"] .graphiql-query-editor .CodeMirror', { timeout: 30000 });
  return { context, page, errors, elsewhere, exchanges };
}

// answered waits for the answer to the operation named name.
async function answered(exchanges, name) {
  for (let i = 0; i < 150; i++) {
    const x = exchanges.find((e) => e.request && e.request.operationName === name);
    if (x) return x;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no answer to ${name}`);
}

async function openDocs(page) {
  await page.getByRole('button', { name: /Documentation Explorer/ }).first().click();
  await page.waitForSelector('.graphiql-plugin');
}

const axe = seriousViolations;

// The first example, asked of the API directly: the oracle of the run.
const pilots = await (await fetch(base + '/examples.json')).json().then((es) => es.find((e) => e.name === 'Pilots'));
const direct = await (await fetch(base + '/graphql', {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ query: pilots.query }),
})).json();

await check('loads with no other host, shows the schema in the docs pane, completes a field and runs an example', async () => {
  const { context, page, errors, elsewhere, exchanges } = await open(base, desktop);
  // GraphiQL's own introspection query passes the hub's limits.
  const intro = await answered(exchanges, 'IntrospectionQuery');
  assert.equal(intro.status, 200);
  assert.equal(intro.body.errors, undefined, JSON.stringify(intro.body.errors));
  assert.equal(intro.body.data.__schema.queryType.name, 'Query');

  await openDocs(page);
  const docs = page.locator('.graphiql-doc-explorer');
  await docs.getByRole('link', { name: 'Query', exact: true }).click();
  await docs.locator('.graphiql-doc-explorer-title', { hasText: 'Query' }).waitFor();
  await docs.getByRole('link', { name: 'pilots', exact: true }).first().waitFor();

  // Every example is a tab, the first one open.
  assert.equal(await page.locator('.graphiql-tab').count(), (await (await fetch(base + '/examples.json')).json()).length);
  await page.locator('.graphiql-execute-button').click();
  const run = await answered(exchanges, 'Pilots');
  assert.equal(run.body.errors, undefined);
  assert.deepEqual(run.body.data, direct.data);
  const first = direct.data.pilots.nodes[0].name;
  await page.locator('.graphiql-response').getByText(first, { exact: false }).first().waitFor();
  await page.screenshot({ path: `${artefacts}/playground-desktop.png` });

  // A new tab, where typing the start of a field offers it.
  await page.getByRole('button', { name: 'New tab' }).click();
  await page.locator('.graphiql-query-editor .CodeMirror').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  await page.keyboard.type('{ pil', { delay: 50 });
  const hint = page.locator('.CodeMirror-hints .CodeMirror-hint', { hasText: /^pilots$/ });
  await hint.waitFor({ timeout: 5000 });

  assert.deepEqual(elsewhere, [], 'the page asked another host');
  assert.deepEqual(errors, []);
  await context.close();
});

await check('axe-core finds no serious or critical violations, with the docs pane open', async () => {
  const { context, page } = await open(base, desktop);
  await openDocs(page);
  await page.locator('.graphiql-doc-explorer').getByRole('link', { name: 'Query', exact: true }).waitFor();
  assert.deepEqual(await axe(page), []);
  await context.close();
});

await check('on a phone the editor and the run button are on screen and work, and the docs are reachable', async () => {
  const { context, page, errors, elsewhere, exchanges } = await open(base, phone);
  const inView = async (selector) => {
    const box = await page.locator(selector).first().boundingBox();
    assert.ok(box, `${selector} not shown`);
    assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= phone.width + 1 && box.y + box.height <= phone.height + 1,
      `${selector} at ${JSON.stringify(box)}, off a ${phone.width}×${phone.height} screen`);
    return box;
  };
  await page.screenshot({ path: `${artefacts}/playground-phone.png` });
  const editor = await inView('.graphiql-query-editor');
  assert.ok(editor.width > 300 && editor.height > 150, `editor ${editor.width}×${editor.height}`);
  await inView('.graphiql-execute-button');
  await page.locator('.graphiql-execute-button').tap();
  const run = await answered(exchanges, 'Pilots');
  assert.deepEqual(run.body.data, direct.data);
  const response = await inView('.graphiql-response');
  assert.ok(response.height > 150, `response ${response.height} px high`);
  await page.locator('.graphiql-response').getByText(direct.data.pilots.nodes[0].name, { exact: false }).first().waitFor();
  await page.screenshot({ path: `${artefacts}/playground-phone-response.png` });
  await openDocs(page);
  await page.locator('.graphiql-doc-explorer').getByRole('link', { name: 'Query', exact: true }).click();
  await inView('.graphiql-plugin');
  await inView('.graphiql-doc-explorer-title');
  await page.screenshot({ path: `${artefacts}/playground-phone-docs.png` });
  assert.deepEqual(await axe(page), []);
  assert.deepEqual(elsewhere, []);
  assert.deepEqual(errors, []);
  await context.close();
});

await check('a hub that refuses introspection: the docs pane says why and queries still run', async () => {
  const { context, page, exchanges } = await open(closed, desktop);
  const intro = await answered(exchanges, 'IntrospectionQuery');
  assert.equal(intro.body.errors?.[0]?.extensions?.code, 'FORBIDDEN', JSON.stringify(intro.body));
  await openDocs(page);
  const notice = page.locator('.hub-docs-unavailable');
  await notice.getByText('HUB_INTROSPECTION=false').waitFor();
  assert.equal(await page.getByText('Error fetching schema').count(), 0);
  await page.locator('.graphiql-execute-button').click();
  const run = await answered(exchanges, 'Pilots');
  assert.equal(run.body.errors, undefined);
  await page.screenshot({ path: `${artefacts}/playground-no-introspection.png` });
  assert.deepEqual(await axe(page), []);
  await context.close();
});

await browser.close();
if (failures.length) {
  console.log(`${failures.length} playground check(s) failed`);
  process.exit(1);
}
