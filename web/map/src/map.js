// The network map: the OTE network drawn with Cytoscape.js from the hub's
// own export endpoint (/export/network.json), with filters, search and
// focus, details with sources, sizing by a metric, colouring by kind or
// community, a legend, and PNG / GraphML / JSON export of the view.
import cytoscape from 'cytoscape';
import { kindColour, communityColour, graphql, el, download } from './common.js';

const ui = {
  form: document.getElementById('filters'),
  region: document.getElementById('region'),
  theme: document.getElementById('theme'),
  kinds: document.getElementById('kinds'),
  types: document.getElementById('types'),
  asOf: document.getElementById('as-of'),
  sizeBy: document.getElementById('size-by'),
  colourBy: document.getElementById('colour-by'),
  search: document.getElementById('search'),
  searchList: document.getElementById('search-list'),
  focus: document.getElementById('focus'),
  reset: document.getElementById('reset'),
  details: document.getElementById('details'),
  legend: document.getElementById('legend'),
  status: document.getElementById('status'),
  png: document.getElementById('export-png'),
  graphml: document.getElementById('export-graphml'),
  json: document.getElementById('export-json'),
};

const KINDS = ['Organisation', 'Employer', 'Programme', 'Pilot', 'Service', 'Region', 'TargetGroup', 'Theme', 'Agreement', 'Event', 'Training', 'Contact'];
const TYPES = ['ADMINISTERS', 'PARTNER_IN', 'PROSPECTIVE_PARTNER_IN', 'FUNDS', 'PROVIDES', 'SERVES', 'REFERS_TO', 'COORDINATES', 'EXPERT_FOR', 'MEMBER_OF', 'PART_OF', 'EMPLOYS', 'SIGNATORY_OF', 'LEADS', 'ORGANISES', 'PARTICIPATES_IN', 'HAS_THEME', 'CONTACT_FOR', 'LOCATED_IN'];
const DEFAULT_KINDS = new Set(['Organisation', 'Employer', 'Programme', 'Pilot', 'Service', 'TargetGroup']);

let cy;
let ready;
const readyPromise = new Promise((resolve) => { ready = resolve; });
window.hubMap = { get cy() { return cy; }, ready: readyPromise, reload: () => load() };

function checkboxes(container, values, checked, name) {
  for (const v of values) {
    const id = `${name}-${v}`;
    const box = el('input', { type: 'checkbox', id, name, value: v });
    box.checked = checked(v);
    container.append(el('label', { for: id }, box, ' ', v));
  }
}

// params turns the filter form into the export endpoint's query string.
function params() {
  const p = new URLSearchParams();
  for (const box of ui.kinds.querySelectorAll('input:checked')) p.append('kind', box.value);
  for (const box of ui.types.querySelectorAll('input:checked')) p.append('type', box.value);
  if (ui.region.value) p.set('region', ui.region.value);
  if (ui.theme.value) p.set('theme', ui.theme.value);
  if (ui.asOf.value) p.set('asOf', ui.asOf.value);
  p.set('metrics', 'degree,betweenness,closeness,eigenvector,community');
  p.set('limit', '1000');
  return p;
}

function size(node) {
  const metric = ui.sizeBy.value;
  const values = cy.nodes().map((n) => Number(n.data(metric) || 0));
  const max = Math.max(...values, 1e-9);
  return 18 + 42 * (Number(node.data(metric) || 0) / max);
}

function colour(node) {
  return ui.colourBy.value === 'community' ? communityColour(node.data('community')) : kindColour(node.data('kind'));
}

function style() {
  return [
    { selector: 'node', style: {
      'background-color': (n) => colour(n), width: (n) => size(n), height: (n) => size(n),
      label: 'data(label)', 'font-size': 10, 'text-wrap': 'ellipsis', 'text-max-width': 120,
      'text-valign': 'bottom', 'text-margin-y': 3, color: '#1d2733',
      'text-background-color': '#ffffff', 'text-background-opacity': 0.7, 'text-background-padding': 1,
    } },
    { selector: 'edge', style: {
      width: 1.2, 'line-color': '#9aa7b4', 'target-arrow-color': '#9aa7b4', 'target-arrow-shape': 'triangle',
      'curve-style': 'bezier', 'arrow-scale': 0.7,
    } },
    { selector: '.faded', style: { opacity: 0.12 } },
    { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#d9480f' } },
    { selector: 'edge:selected', style: { width: 3, 'line-color': '#d9480f', 'target-arrow-color': '#d9480f' } },
  ];
}

function legend() {
  ui.legend.replaceChildren();
  const entries = ui.colourBy.value === 'community'
    ? [...new Set(cy.nodes().map((n) => n.data('community')))].sort((a, b) => a - b).map((c) => [`Community ${c}`, communityColour(c)])
    : [...new Set(cy.nodes().map((n) => n.data('kind')))].sort().map((k) => [k, kindColour(k)]);
  for (const [label, c] of entries) {
    ui.legend.append(el('li', {}, el('span', { class: 'swatch', style: `background:${c}` }), ' ', label));
  }
}

function showDetails(ele) {
  const d = ele.data();
  const rows = ele.isNode()
    ? [['Kind', d.kind], ['Type', d.type], ['Key', d.key], ['Period', [d.start, d.end].filter(Boolean).join(' – ')],
       ['Abbreviations', d.abbreviations], ['Degree', d.degree], ['Betweenness', fmt(d.betweenness)], ['Community', d.community]]
    : [['Type', d.type], ['From', cy.getElementById(d.source).data('label')], ['To', cy.getElementById(d.target).data('label')],
       ['Role', d.role], ['Amount', d.amount ? `${Number(d.amount).toLocaleString('fi-FI')} ${d.currency}` : ''],
       ['Period', [d.start, d.end].filter(Boolean).join(' – ')]];
  const sources = String(d.sources || '').split(' | ').filter(Boolean);
  ui.details.replaceChildren(
    el('h2', {}, ele.isNode() ? d.label : `${d.type}`),
    el('dl', {}, ...rows.filter(([, v]) => v !== undefined && v !== '' && v !== null).flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, String(v))])),
    el('h3', {}, 'Sources'),
    el('ul', { class: 'sources', 'data-testid': 'sources' }, ...sources.map((s) => el('li', {}, s))),
  );
  ui.details.hidden = false;
}

function fmt(v) {
  return v === undefined || v === null || v === '' ? '' : Number(v).toFixed(4);
}

function focusOn(node) {
  const hood = node.closedNeighborhood();
  cy.elements().addClass('faded');
  hood.removeClass('faded');
  cy.animate({ fit: { eles: hood, padding: 40 } }, { duration: 300 });
  node.select();
  showDetails(node);
}

async function load() {
  ui.status.textContent = 'Loading…';
  const p = params();
  ui.graphml.href = `/export/network.graphml?${p}`;
  const res = await fetch(`/export/network.json?${p}`);
  if (!res.ok) {
    ui.status.textContent = `Could not load the network (${res.status}): ${await res.text()}`;
    return;
  }
  const data = await res.json();
  cy.elements().remove();
  cy.add([...data.elements.nodes, ...data.elements.edges]);
  cy.style(style());
  cy.layout({ name: 'cose', animate: false, randomize: false, nodeRepulsion: () => 9000, idealEdgeLength: () => 80, numIter: 1500 }).run();
  legend();
  ui.searchList.replaceChildren(...cy.nodes().map((n) => el('option', { value: n.data('label') })));
  const n = cy.nodes().length;
  const m = cy.edges().length;
  ui.status.textContent = `${n} nodes, ${m} relationships${data.data && data.data.truncated ? ' (cut at the limit)' : ''}`;
  ui.status.dataset.nodes = String(n);
  ui.status.dataset.edges = String(m);
  document.body.dataset.loaded = 'true';
  ready();
}

async function init() {
  checkboxes(ui.kinds, KINDS, (k) => DEFAULT_KINDS.has(k), 'kind');
  checkboxes(ui.types, TYPES, () => true, 'type');
  try {
    const { data } = await graphql(`{ regions(first: 100, where: { levelIn: [REGION] }) { nodes { id name code } }
      themes(first: 100) { nodes { id name } } }`);
    for (const r of data.regions.nodes) ui.region.append(el('option', { value: r.id }, `${r.name} (${r.code})`));
    for (const t of data.themes.nodes) ui.theme.append(el('option', { value: t.id }, t.name));
  } catch (e) {
    ui.status.textContent = `Could not load the filters: ${e.message}`;
  }
  cy = cytoscape({ container: document.getElementById('cy'), wheelSensitivity: 0.3, minZoom: 0.1, maxZoom: 4 });
  cy.on('tap', 'node, edge', (ev) => showDetails(ev.target));
  cy.on('tap', (ev) => { if (ev.target === cy) { cy.elements().removeClass('faded'); } });
  ui.form.addEventListener('change', (ev) => {
    if (ev.target === ui.sizeBy || ev.target === ui.colourBy) {
      cy.style(style());
      legend();
      return;
    }
    if (ev.target !== ui.search) load();
  });
  ui.form.addEventListener('submit', (ev) => ev.preventDefault());
  ui.focus.addEventListener('click', () => {
    const wanted = ui.search.value.trim().toLowerCase();
    const node = cy.nodes().filter((n) => String(n.data('label')).toLowerCase() === wanted)[0]
      || cy.nodes().filter((n) => String(n.data('label')).toLowerCase().includes(wanted))[0];
    if (node) focusOn(node); else ui.status.textContent = `No node matches "${ui.search.value}"`;
  });
  ui.search.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); ui.focus.click(); } });
  ui.reset.addEventListener('click', () => { cy.elements().removeClass('faded'); cy.fit(undefined, 30); ui.details.hidden = true; });
  ui.png.addEventListener('click', () => download('ote-network.png', cy.png({ full: true, scale: 2, bg: '#ffffff', output: 'blob' })));
  ui.json.addEventListener('click', () => {
    const visible = cy.elements().not('.faded');
    const elements = { nodes: visible.nodes().map((n) => ({ data: n.data() })), edges: visible.edges().map((e) => ({ data: e.data() })) };
    download('ote-network.json', new Blob([JSON.stringify({ elements }, null, 2)], { type: 'application/json' }));
  });
  await load();
}

init();
