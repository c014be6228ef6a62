// The dashboard: charts of the hub's aggregates, built only on the public
// GraphQL API, the way a partner organisation would build its own.
import { graphql, el } from './common.js';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

// barChart draws horizontal bars with their labels and values; it is an
// SVG with a title and a description, readable by screen readers, plus a
// data table for those who prefer numbers.
function barChart(container, title, rows, format = (v) => String(v)) {
  const width = 640;
  const bar = 22;
  const labelW = 260;
  const height = rows.length * (bar + 6) + 10;
  const max = Math.max(...rows.map((r) => r.value), 1);
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title, class: 'chart' });
  rows.forEach((r, i) => {
    const y = 5 + i * (bar + 6);
    const w = Math.max(1, ((width - labelW - 110) * r.value) / max);
    // Long names are shortened to fit; the full name is the tooltip.
    const short = r.label.length > 38 ? `${r.label.slice(0, 36)}…` : r.label;
    chart.append(
      svg('text', { x: labelW - 8, y: y + bar * 0.7, 'text-anchor': 'end', class: 'label' }, svg('title', {}, r.label), short),
      svg('rect', { x: labelW, y, width: w, height: bar, class: 'bar', rx: 3 }),
      svg('text', { x: labelW + w + 6, y: y + bar * 0.7, class: 'value' }, format(r.value)),
    );
  });
  const table = el('table', { class: 'data' },
    el('caption', {}, title),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Group'), el('th', { scope: 'col' }, 'Value'))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, el('th', { scope: 'row' }, r.label), el('td', {}, format(r.value))))));
  container.replaceChildren(chart, el('details', {}, el('summary', {}, 'Show as a table'), table));
  container.dataset.rows = String(rows.length);
}

function matrix(container, cells) {
  const services = [...new Set(cells.map((c) => c.service.name))].sort();
  const regions = [...new Set(cells.map((c) => c.region.name))].sort();
  const at = new Map(cells.map((c) => [`${c.service.name}|${c.region.name}`, c]));
  const table = el('table', { class: 'matrix' },
    el('caption', {}, 'Services × regions: providers per service and region'),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Service'), ...regions.map((r) => el('th', { scope: 'col' }, r)))),
    el('tbody', {}, ...services.map((s) => el('tr', {}, el('th', { scope: 'row' }, s),
      ...regions.map((r) => {
        const c = at.get(`${s}|${r}`);
        return el('td', { class: c ? 'covered' : '', title: c ? c.providers.map((p) => p.name).join(', ') : '' }, c ? String(c.providers.length) : '');
      })))));
  container.replaceChildren(table);
  container.dataset.rows = String(services.length);
}

const euros = (v) => `${Number(v).toLocaleString('fi-FI')} €`;

async function init() {
  const status = document.getElementById('status');
  try {
    const { data } = await graphql(`{
      aggregates {
        funding(by: REGION, policy: HIGHEST) { node { name } total currency figures { amount } }
        partnersPerPilot { node { name } count }
        coverage { service { name } region { name } providers { name } }
        pilotsPerYear { key count }
      }
    }`);
    const a = data.aggregates;
    barChart(document.getElementById('funding'), 'Funding by region (disagreeing figures: the highest counted)',
      a.funding.filter((b) => b.node).map((b) => ({ label: b.node.name, value: b.total })), euros);
    barChart(document.getElementById('partners'), 'Partners per pilot',
      a.partnersPerPilot.map((b) => ({ label: b.node.name, value: b.count })));
    barChart(document.getElementById('years'), 'Pilots active per year',
      a.pilotsPerYear.map((b) => ({ label: b.key || 'undated', value: b.count })));
    matrix(document.getElementById('coverage'), a.coverage);
    status.textContent = 'Data from the hub\'s GraphQL API (aggregates).';
    document.body.dataset.loaded = 'true';
  } catch (e) {
    status.textContent = `Could not load the aggregates: ${e.message}`;
  }
}

init();
