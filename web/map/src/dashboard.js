// The dashboard: charts of the hub's aggregates, built only on the public
// GraphQL API, the way a partner organisation would build its own. The
// filters live in the URL (?region=&theme=&programme=&from=&to=), so a
// link reproduces the view; every chart's rows download as CSV.
import { graphql, el, download } from './common.js';
import { toCSV } from './csv.js';
import { lang, t, translate, languageSwitch } from './i18n.js';
import './dashboard.css';

// fetchData sends the page's one query (bench/loadbench reads it from
// this file, so it stays the only call with a query literal). Funding by region
// splits a pilot's funding equally among its regions (split: EQUAL), so
// the bars add up to the pilot funding, which the total by pilot states.
const fetchData = (vars) => graphql(`query Dashboard($funding: EntityWhere, $pilots: PilotWhere, $provisions: ProvisionWhere) {
  regions(first: 100, where: { levelIn: [REGION] }) { nodes { id name code } }
  themes(first: 100) { nodes { id name } }
  programmes(first: 100) { nodes { id name } }
  aggregates {
    funding(by: REGION, policy: HIGHEST, split: EQUAL, where: $funding) { key node { id name } total currency }
    pilotFunding: funding(by: PILOT, policy: HIGHEST, where: $funding) { total currency }
    partnersPerPilot(where: $pilots) { node { id name } count }
    coverage(where: $provisions) { service { id name } region { id name } providers { name } }
    pilotsPerYear(where: $pilots) { key count }
  }
}`, vars);

const FILTERS = ['region', 'theme', 'programme', 'from', 'to'];

const euros = (v) => `${Number(v).toLocaleString(`${lang}-FI`, { maximumFractionDigits: 2 })} €`;

// filtersFromURL reads the filters of the page's address; bad years are
// dropped rather than sent.
function filtersFromURL() {
  const q = new URLSearchParams(window.location.search);
  const f = {};
  for (const k of FILTERS) {
    const v = (q.get(k) || '').trim();
    if (!v) continue;
    if ((k === 'from' || k === 'to') && !/^\d{4}$/.test(v)) continue;
    f[k] = v;
  }
  return f;
}

// variables turns the filters into the aggregates' conditions: pilots in
// the region, with the theme, in the programme (directly or through a
// sub-project), whose period overlaps the years.
export function variables(f) {
  const pilot = {};
  const rels = [];
  if (f.region) pilot.regionIn = [f.region];
  if (f.theme) rels.push({ types: ['HAS_THEME'], direction: 'OUT', where: { idIn: [f.theme] } });
  if (f.programme) {
    rels.push({ types: ['PART_OF'], direction: 'OUT', where: { or: [{ idIn: [f.programme] },
      { relationships: [{ types: ['PART_OF'], direction: 'OUT', where: { idIn: [f.programme] } }] }] } });
  }
  if (rels.length) pilot.relationships = rels;
  if (f.from || f.to) {
    pilot.period = { overlaps: { start: f.from ? `${f.from}-01-01` : null, end: f.to ? `${f.to}-12-31` : null } };
  }
  const any = Object.keys(pilot).length > 0;
  const provisions = {};
  if (f.region) provisions.regionIn = [f.region];
  if (f.theme) provisions.themeIn = [f.theme];
  if (f.programme) provisions.pilotIn = [f.programme];
  return {
    funding: any ? { kindIn: ['Pilot'], ...pilot } : null,
    pilots: any ? pilot : null,
    provisions: Object.keys(provisions).length ? provisions : null,
  };
}

function csvButton(name, header, rows) {
  const b = el('button', { type: 'button', class: 'csv', 'data-testid': `csv-${name}` }, t('dash.csv'));
  b.addEventListener('click', () => download(`${name}.csv`, new Blob([toCSV(header, rows)], { type: 'text/csv;charset=utf-8' })));
  return b;
}

// barChart draws horizontal bars as a list: each row's label links to
// its view elsewhere, and the bar's width is its share of the largest
// value. HTML rather than a scaled SVG keeps the text its real size on a
// phone. A table of the same rows and a CSV download follow.
function barChart(container, { title, rows, format = (v) => String(v), csv, unit }) {
  const max = Math.max(...rows.map((r) => r.value), 1);
  const list = el('ol', { class: 'bars', 'aria-label': title },
    ...rows.map((r) => el('li', { 'data-id': r.id || '', 'data-value': String(r.value) },
      r.href ? el('a', { class: 'label', href: r.href, title: r.linkTitle || r.label }, r.label) : el('span', { class: 'label' }, r.label),
      el('span', { class: 'track', 'aria-hidden': 'true' }, el('span', { class: 'bar', style: `width:${Math.max(0.5, (100 * r.value) / max)}%` })),
      el('span', { class: 'value' }, format(r.value)))));
  const table = el('table', { class: 'data' },
    el('caption', {}, title),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, csv.header[1]), el('th', { scope: 'col' }, unit))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, el('th', { scope: 'row' }, r.label), el('td', {}, format(r.value))))));
  const empty = rows.length ? null : el('p', { class: 'empty' }, t('dash.nothing'));
  container.replaceChildren(...[empty, list, el('div', { class: 'tools' }, csvButton(csv.name, csv.header, csv.rows)),
    el('details', {}, el('summary', {}, t('dash.asTable')), table)].filter(Boolean));
  container.dataset.rows = String(rows.length);
}

function matrix(container, cells) {
  const services = [...new Map(cells.map((c) => [c.service.id, c.service])).values()].sort((a, b) => a.name.localeCompare(b.name));
  const regions = [...new Map(cells.map((c) => [c.region.id, c.region])).values()].sort((a, b) => a.name.localeCompare(b.name));
  const at = new Map(cells.map((c) => [`${c.service.id}|${c.region.id}`, c]));
  const table = el('table', { class: 'matrix' },
    el('caption', {}, t('dash.matrixCaption')),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('dash.service')), ...regions.map((r) => el('th', { scope: 'col' }, r.name)))),
    el('tbody', {}, ...services.map((s) => el('tr', {},
      el('th', { scope: 'row' }, el('a', { href: mapLink({ node: s.id }) }, s.name)),
      ...regions.map((r) => {
        const c = at.get(`${s.id}|${r.id}`);
        return el('td', { class: c ? 'covered' : '', title: c ? c.providers.map((p) => p.name).join(', ') : '' }, c ? String(c.providers.length) : '');
      })))));
  const rows = cells.map((c) => [c.service.id, c.service.name, c.region.id, c.region.name, c.providers.length,
    c.providers.map((p) => p.name).join('; ')]);
  container.replaceChildren(
    cells.length ? el('div', { class: 'matrix-wrap' }, table) : el('p', { class: 'empty' }, t('dash.nothing')),
    el('div', { class: 'tools' }, csvButton('services-by-region', ['service_id', 'service', 'region_id', 'region', 'providers', 'provider_names'], rows)));
  container.dataset.rows = String(services.length);
}

// mapLink is the network map's address showing a node (node) or a
// region (region).
function mapLink(params) {
  return `/map?${new URLSearchParams({ ...params, lang })}`;
}

function fillSelect(select, nodes, value, label = (n) => n.name) {
  if (select.options.length > 1) return;
  for (const n of [...nodes].sort((a, b) => label(a).localeCompare(label(b)))) {
    select.append(el('option', { value: n.id }, label(n)));
  }
  select.value = value || '';
}

function filterSummary(f, form) {
  const parts = [];
  for (const k of ['region', 'theme', 'programme']) {
    if (f[k]) parts.push(`${t(`dash.${k}`).toLowerCase()}: ${form.elements[k].selectedOptions[0]?.textContent || f[k]}`);
  }
  if (f.from || f.to) parts.push(`${t('dash.period')}: ${f.from || '…'}–${f.to || '…'}`);
  return parts.length ? t('dash.filteredBy', parts.join(', ')) : t('dash.noFilter');
}

async function load() {
  const status = document.getElementById('status');
  const form = document.getElementById('filters');
  const f = filtersFromURL();
  for (const k of FILTERS) form.elements[k].value = f[k] || '';
  document.body.dataset.loaded = 'false';
  try {
    const { data } = await fetchData(variables(f));
    fillSelect(form.elements.region, data.regions.nodes, f.region, (r) => `${r.name} (${r.code})`);
    fillSelect(form.elements.theme, data.themes.nodes, f.theme);
    fillSelect(form.elements.programme, data.programmes.nodes, f.programme);
    const a = data.aggregates;

    const funding = a.funding.map((b) => ({ id: b.node ? b.node.id : '', label: b.node ? b.node.name : t('dash.noRegion'), value: b.total,
      currency: b.currency, href: b.node ? mapLink({ region: b.node.id }) : null, linkTitle: b.node ? t('dash.onMap', b.node.name) : null }));
    const barsTotal = funding.reduce((s, r) => s + Math.round(r.value * 100), 0) / 100;
    const pilotTotal = a.pilotFunding.reduce((s, b) => s + Math.round(b.total * 100), 0) / 100;
    barChart(document.getElementById('funding'), {
      title: t('dash.fundingCaption'), rows: funding, format: euros, unit: t('dash.fundingUnit'),
      csv: { name: 'funding-by-region', header: ['region_id', 'region', 'funding_eur'], rows: funding.map((r) => [r.id, r.label, r.value.toFixed(2)]) },
    });
    const total = document.getElementById('funding-total');
    total.textContent = t('dash.total', euros(barsTotal), euros(pilotTotal));
    total.dataset.bars = String(barsTotal);
    total.dataset.pilots = String(pilotTotal);

    const partners = a.partnersPerPilot.map((b) => ({ id: b.node.id, label: b.node.name, value: b.count,
      href: mapLink({ node: b.node.id }), linkTitle: t('dash.onMap', b.node.name) }));
    barChart(document.getElementById('partners'), {
      title: t('dash.partners'), rows: partners, unit: t('dash.partnersUnit'),
      csv: { name: 'partners-per-pilot', header: ['pilot_id', 'pilot', 'partners'], rows: partners.map((r) => [r.id, r.label, r.value]) },
    });

    const years = a.pilotsPerYear.map((b) => {
      const p = new URLSearchParams(window.location.search);
      if (b.key) { p.set('from', b.key); p.set('to', b.key); }
      return { id: b.key || '', label: b.key || t('dash.undated'), value: b.count, href: b.key ? `/dashboard?${p}` : null, linkTitle: b.key ? t('dash.forYear', b.key) : null };
    });
    barChart(document.getElementById('years'), {
      title: t('dash.years'), rows: years, unit: t('dash.pilotsUnit'),
      csv: { name: 'pilots-per-year', header: ['year', 'year_label', 'pilots'], rows: years.map((r) => [r.id, r.label, r.value]) },
    });
    matrix(document.getElementById('coverage'), a.coverage);
    document.getElementById('summary').textContent = filterSummary(f, form);
    status.textContent = t('dash.status');
    document.body.dataset.loaded = 'true';
  } catch (e) {
    status.textContent = t('dash.failed', e.message);
    document.body.dataset.loaded = 'error';
  }
}

function init() {
  translate();
  languageSwitch();
  const form = document.getElementById('filters');
  // Each change goes into the address (a new history entry, so Back
  // undoes it) and reloads the charts.
  const apply = () => {
    const q = new URLSearchParams({ lang });
    for (const k of FILTERS) {
      const v = form.elements[k].value.trim();
      if (v) q.set(k, v);
    }
    const search = q.toString() ? `?${q}` : '';
    if (search !== window.location.search) window.history.pushState(null, '', `${window.location.pathname}${search}`);
    load();
  };
  form.addEventListener('change', apply);
  form.addEventListener('submit', (e) => { e.preventDefault(); apply(); });
  form.addEventListener('reset', () => setTimeout(apply));
  window.addEventListener('popstate', load);
  load();
}

init();
