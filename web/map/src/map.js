// The network map: the OTE network drawn with Cytoscape.js from the hub's
// own export endpoint (/export/network.json), with filters, search through
// the API's `search`, details with sources, sizing by a metric, colouring
// by kind or community, and PNG / GraphML / JSON export of the view. The
// view (filters, layout, selection) lives in the address, so a link
// reproduces it; /map?embed=1 is the bare map for partners' pages.
import cytoscape from 'cytoscape';
import { kindColour, communityColour, graphql, el, download } from './common.js';
import { lang, t, translate, languageSwitch, labels } from './i18n.js';

const $ = (id) => document.getElementById(id);
const ui = {
  form: $('filters'),
  region: $('region'),
  theme: $('theme'),
  kinds: $('kinds-list'),
  kindsHidden: $('kinds-hidden'),
  kindsAll: $('kinds-all'),
  kindsDefault: $('kinds-default'),
  types: $('types'),
  typesCount: $('types-count'),
  asOf: $('as-of'),
  layout: $('layout'),
  sizeBy: $('size-by'),
  colourBy: $('colour-by'),
  search: $('search'),
  suggestions: $('suggestions'),
  reset: $('reset'),
  details: $('details'),
  legend: $('legend'),
  status: $('status'),
  map: $('cy'),
  tip: $('node-tip'),
  openHub: $('open-hub'),
  png: $('export-png'),
  graphml: $('export-graphml'),
  json: $('export-json'),
};

const KINDS = ['Organisation', 'Employer', 'Programme', 'Pilot', 'Service', 'Region', 'TargetGroup', 'Theme', 'Agreement', 'Event', 'Training', 'Contact'];
const TYPES = ['ADMINISTERS', 'PARTNER_IN', 'PROSPECTIVE_PARTNER_IN', 'FUNDS', 'PROVIDES', 'SERVES', 'REFERS_TO', 'COORDINATES', 'EXPERT_FOR', 'MEMBER_OF', 'PART_OF', 'EMPLOYS', 'SIGNATORY_OF', 'LEADS', 'ORGANISES', 'PARTICIPATES_IN', 'HAS_THEME', 'CONTACT_FOR', 'LOCATED_IN'];
const DEFAULT_KINDS = ['Organisation', 'Employer', 'Programme', 'Pilot', 'Service', 'TargetGroup'];
const DEFAULTS = { layout: 'cose', size: 'degree', colour: 'kind' };
const embed = new URLSearchParams(location.search).get('embed') === '1';

// Enum values are shown by the API's labels in the page's language
// (filled in init); the node types' enum depends on the kind.
let L = {};
const TYPE_ENUM = { Organisation: 'OrganisationType', Employer: 'OrganisationType', Programme: 'ProgrammeType', Service: 'ServiceType', Region: 'RegionLevel', Event: 'EventType' };
const kindLabel = (k) => (L.NodeKind && L.NodeKind[k]) || k;
const typeLabel = (ty) => (L.RelationshipType && L.RelationshipType[ty]) || ty;
const nodeTypeLabel = (kind, ty) => (L[TYPE_ENUM[kind]] && L[TYPE_ENUM[kind]][ty]) || ty;

let cy;
let ready;
let loaded = '';      // the export query of the network on screen
let loading = 0;      // sequence number of the latest load
let cursor = -1;      // keyboard position among the nodes, by name
const readyPromise = new Promise((resolve) => { ready = resolve; });
window.hubMap = { get cy() { return cy; }, ready: readyPromise, reload: () => load() };

function checkboxes(container, values, name, swatch, label) {
  for (const v of values) {
    const id = `${name}-${v}`;
    const box = el('input', { type: 'checkbox', id, name, value: v });
    const mark = swatch ? el('span', { class: 'swatch', style: `background:${kindColour(v)}`, 'aria-hidden': 'true' }) : null;
    container.append(el('label', { for: id }, box, ' ', mark, mark ? ' ' : null, label(v)));
  }
}

const checked = (container) => [...container.querySelectorAll('input:checked')].map((b) => b.value);
const setChecked = (container, values) => {
  for (const b of container.querySelectorAll('input')) b.checked = values.includes(b.value);
};

// params turns the filter form into the export endpoint's query string.
function params() {
  const p = new URLSearchParams();
  for (const k of checked(ui.kinds)) p.append('kind', k);
  for (const t of checked(ui.types)) p.append('type', t);
  if (ui.region.value) p.set('region', ui.region.value);
  if (ui.theme.value) p.set('theme', ui.theme.value);
  if (ui.asOf.value) p.set('asOf', ui.asOf.value);
  p.set('metrics', 'degree,betweenness,closeness,eigenvector,community');
  p.set('limit', '1000');
  p.set('lang', lang);
  return p;
}

// viewState is the view as the page's own query string: only what
// differs from the defaults, so plain links stay short.
function viewState() {
  const s = new URLSearchParams();
  if (embed) s.set('embed', '1');
  // A partner's embed keeps the language its address names; the hub's
  // own map always says it, so a shared link opens in it.
  if (!embed || new URLSearchParams(location.search).has('lang')) s.set('lang', lang);
  const kinds = checked(ui.kinds);
  if (kinds.join() !== DEFAULT_KINDS.join()) s.set('kinds', kinds.join(','));
  const types = checked(ui.types);
  if (types.length !== TYPES.length) s.set('types', types.join(','));
  if (ui.region.value) s.set('region', ui.region.value);
  if (ui.theme.value) s.set('theme', ui.theme.value);
  if (ui.asOf.value) s.set('asOf', ui.asOf.value);
  if (ui.layout.value !== DEFAULTS.layout) s.set('layout', ui.layout.value);
  if (ui.sizeBy.value !== DEFAULTS.size) s.set('size', ui.sizeBy.value);
  if (ui.colourBy.value !== DEFAULTS.colour) s.set('colour', ui.colourBy.value);
  const sel = cy && cy.nodes(':selected')[0];
  if (sel) s.set('node', sel.id());
  return s;
}

// applyState sets the form from a query string; unknown values are
// ignored rather than breaking the page.
function applyState(s) {
  const list = (name, all, fallback) => (s.has(name) ? s.get(name).split(',').filter((v) => all.includes(v)) : fallback);
  setChecked(ui.kinds, list('kinds', KINDS, DEFAULT_KINDS));
  setChecked(ui.types, list('types', TYPES, TYPES));
  const pick = (select, value, fallback) => {
    select.value = [...select.options].some((o) => o.value === value) ? value : fallback;
  };
  pick(ui.region, s.get('region') || '', '');
  pick(ui.theme, s.get('theme') || '', '');
  ui.asOf.value = /^\d{4}-\d{2}-\d{2}$/.test(s.get('asOf') || '') ? s.get('asOf') : '';
  pick(ui.layout, s.get('layout'), DEFAULTS.layout);
  pick(ui.sizeBy, s.get('size'), DEFAULTS.size);
  pick(ui.colourBy, s.get('colour'), DEFAULTS.colour);
  summarise();
}

// remember writes the view into the address: a new history entry for
// the person's own changes, so back and forward step through views.
function remember(push = true) {
  const q = viewState().toString();
  const url = `${location.pathname}${q ? `?${q}` : ''}`;
  if (url !== location.pathname + location.search) history[push ? 'pushState' : 'replaceState'](null, '', url);
  const open = new URLSearchParams(q);
  open.delete('embed');
  open.delete('lang');
  ui.openHub.href = `/map${open.toString() ? `?${open}` : ''}`;
}

// summarise says what the kind and type filters hide.
function summarise() {
  const hidden = KINDS.length - checked(ui.kinds).length;
  ui.kindsHidden.textContent = hidden ? t('map.kindsHidden', hidden, KINDS.length) : t('map.kindsAllShown', KINDS.length);
  ui.kindsAll.hidden = hidden === 0;
  const isDefault = checked(ui.kinds).join() === DEFAULT_KINDS.join();
  ui.kindsDefault.hidden = isDefault;
  const types = checked(ui.types).length;
  ui.typesCount.textContent = t('map.typesShown', types, TYPES.length);
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

// Labels are whole names, wrapped; a label is drawn only once the zoom
// makes it readable (min-zoomed-font-size), and bigger nodes have bigger
// labels, so the important names show first and the rest appear as one
// zooms in instead of overlapping. Hovered, selected and keyboard-focused
// nodes always show theirs.
function style() {
  return [
    { selector: 'node', style: {
      'background-color': (n) => colour(n), width: (n) => size(n), height: (n) => size(n),
      label: 'data(label)', 'font-size': (n) => Math.round(8 + size(n) / 6), 'text-wrap': 'wrap', 'text-max-width': 140,
      'min-zoomed-font-size': 9, 'text-valign': 'bottom', 'text-margin-y': 3, color: '#1d2733',
      'text-background-color': '#ffffff', 'text-background-opacity': 0.8, 'text-background-padding': 1,
    } },
    { selector: 'edge', style: {
      width: 1.2, 'line-color': '#9aa7b4', 'target-arrow-color': '#9aa7b4', 'target-arrow-shape': 'triangle',
      'curve-style': 'bezier', 'arrow-scale': 0.7,
    } },
    { selector: '.faded', style: { opacity: 0.12 } },
    { selector: 'node.faded', style: { 'text-opacity': 0 } },
    { selector: 'node.hover, node:selected, node.cursor', style: { 'min-zoomed-font-size': 0, 'text-opacity': 1, 'z-index': 10, 'font-weight': 'bold' } },
    { selector: 'node.cursor', style: { 'border-width': 3, 'border-color': '#ffbf47' } },
    { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#d9480f' } },
    { selector: 'edge:selected', style: { width: 3, 'line-color': '#d9480f', 'target-arrow-color': '#d9480f' } },
  ];
}

// The kind checkboxes carry their colours and are the legend when
// colouring by kind; colouring by community gets its own list.
function legend() {
  const byCommunity = ui.colourBy.value === 'community';
  ui.legend.hidden = !byCommunity;
  ui.kinds.classList.toggle('plain', byCommunity);
  if (!byCommunity) return;
  const communities = [...new Set(cy.nodes().map((n) => n.data('community')))].sort((a, b) => a - b);
  ui.legend.replaceChildren(...communities.map((c) => el('li', {},
    el('span', { class: 'swatch', style: `background:${communityColour(c)}`, 'aria-hidden': 'true' }), ` ${t('map.community')} ${c}`)));
}

function layoutOptions() {
  switch (ui.layout.value) {
    case 'concentric': return { name: 'concentric', concentric: (n) => n.degree(), levelWidth: () => 2, minNodeSpacing: 12 };
    case 'circle': return { name: 'circle' };
    case 'grid': return { name: 'grid', avoidOverlap: true };
    default: return { name: 'cose', animate: false, randomize: false, nodeRepulsion: () => 9000, idealEdgeLength: () => 80, numIter: 1500 };
  }
}

function showDetails(ele) {
  const d = ele.data();
  const rows = ele.isNode()
    ? [[t('map.kind'), kindLabel(d.kind)], [t('map.type'), d.type ? nodeTypeLabel(d.kind, d.type) : d.type], [t('map.key'), d.key],
       [t('map.period'), [d.start, d.end].filter(Boolean).join(' – ')], [t('map.abbreviations'), d.abbreviations],
       [t('map.degree'), d.degree], [t('map.betweenness'), fmt(d.betweenness)], [t('map.community'), d.community]]
    : [[t('map.type'), typeLabel(d.type)], [t('map.from'), cy.getElementById(d.source).data('label')], [t('map.to'), cy.getElementById(d.target).data('label')],
       [t('map.role'), d.role], [t('map.amount'), d.amount ? `${Number(d.amount).toLocaleString(`${lang}-FI`)} ${d.currency}` : ''],
       [t('map.period'), [d.start, d.end].filter(Boolean).join(' – ')]];
  const sources = String(d.sources || '').split(' | ').filter(Boolean);
  const close = el('button', { type: 'button', class: 'close', 'aria-label': t('map.close') }, '×');
  close.addEventListener('click', () => { clearSelection(); ui.map.focus(); });
  ui.details.replaceChildren(
    close,
    el('h2', {}, ele.isNode() ? d.label : typeLabel(d.type)),
    el('dl', {}, ...rows.filter(([, v]) => v !== undefined && v !== '' && v !== null).flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, String(v))])),
    el('h3', {}, t('map.sources')),
    el('ul', { class: 'sources', 'data-testid': 'sources' }, ...sources.map((s) => el('li', {}, s))),
  );
  ui.details.hidden = false;
  document.body.classList.add('with-details');
}

function fmt(v) {
  return v === undefined || v === null || v === '' ? '' : Number(v).toFixed(4);
}

function clearSelection(push = true) {
  cy.elements().removeClass('faded').unselect();
  ui.details.hidden = true;
  document.body.classList.remove('with-details');
  if (push) remember();
}

function focusOn(node, { push = true, animate = true } = {}) {
  const hood = node.closedNeighborhood();
  cy.elements().unselect().addClass('faded');
  hood.removeClass('faded');
  node.select();
  showDetails(node);
  fitVisible(hood, animate);
  if (push) remember();
}

// fitVisible fits elements into the part of the map the details panel
// leaves uncovered: its left on a desktop, its top above a phone's drawer.
function fitVisible(eles, animate) {
  const map = ui.map.getBoundingClientRect();
  let w = map.width;
  let h = map.height;
  if (!ui.details.hidden) {
    const d = ui.details.getBoundingClientRect();
    if (d.top > map.top + map.height / 3) h = Math.max(80, Math.min(h, d.top - map.top));
    else w = Math.max(120, Math.min(w, d.left - map.left));
  }
  const bb = eles.boundingBox();
  const pad = 30;
  const zoom = Math.max(cy.minZoom(), Math.min(cy.maxZoom(), 2, (w - 2 * pad) / Math.max(bb.w, 1), (h - 2 * pad) / Math.max(bb.h, 1)));
  const pan = { x: w / 2 - zoom * (bb.x1 + bb.w / 2), y: h / 2 - zoom * (bb.y1 + bb.h / 2) };
  if (animate) cy.animate({ zoom, pan }, { duration: 300 });
  else cy.viewport({ zoom, pan });
}

async function load() {
  const seq = ++loading;
  document.body.dataset.loaded = 'false';
  ui.status.textContent = t('loading');
  summarise();
  const p = params();
  ui.graphml.href = `/export/network.graphml?${p}`;
  const res = await fetch(`/export/network.json?${p}`);
  if (seq !== loading) return;
  if (!res.ok) {
    ui.status.textContent = t('map.loadFailed', res.status, await res.text());
    return;
  }
  const data = await res.json();
  if (seq !== loading) return;
  hideTip();
  cursor = -1;
  cy.elements().remove();
  cy.add([...data.elements.nodes, ...data.elements.edges]);
  cy.style(style());
  cy.layout(layoutOptions()).run();
  legend();
  loaded = p.toString();
  const n = cy.nodes().length;
  const m = cy.edges().length;
  ui.status.textContent = t('map.status', n, m, data.data && data.data.truncated);
  ui.status.dataset.nodes = String(n);
  ui.status.dataset.edges = String(m);
  ui.details.hidden = true;
  document.body.classList.remove('with-details');
  document.body.dataset.loaded = 'true';
  ready();
}

// restore shows the view a query string describes: the filters, then
// the selected node once the network is there.
async function restore(s, push = false) {
  applyState(s);
  if (params().toString() !== loaded) await load();
  else { cy.style(style()); legend(); cy.layout(layoutOptions()).run(); }
  const node = s.get('node') ? cy.getElementById(s.get('node')) : null;
  if (node && node.nonempty() && node.isNode()) focusOn(node, { push: false, animate: false });
  else clearSelection(false);
  remember(push);
}

// --- search: the API's `search`, ranked, as one types ---------------

let suggestions = [];
let active = -1;
let searchSeq = 0;
let pending = null;   // the latest suggestions request, for pendingText
let pendingText = '';
let timer;

async function suggest(text) {
  const seq = ++searchSeq;
  if (!text.trim()) { showSuggestions([]); return []; }
  try {
    const { data } = await graphql(`query($text: String!, $kinds: [NodeKind!]) {
      search(text: $text, kinds: $kinds, first: 8) { match matchedText matchedField node { id kind name } } }`,
    { text: text.trim().slice(0, 200), kinds: KINDS });
    if (seq !== searchSeq) return null;
    showSuggestions(data.search);
    return data.search;
  } catch (e) {
    if (seq === searchSeq) { ui.status.textContent = t('map.searchFailed', e.message); showSuggestions([]); }
    return [];
  }
}

// A description or goal that matched is shown by its start only.
function excerpt(text, max = 60) {
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

function showSuggestions(list) {
  suggestions = list;
  active = -1;
  ui.search.removeAttribute('aria-activedescendant');
  ui.suggestions.replaceChildren(...list.map((r, i) => {
    const how = r.matchedField !== 'name' ? el('span', { class: 'how' }, `${t(`match.${r.matchedField}`)}: ${excerpt(r.matchedText)}`) : null;
    const li = el('li', { role: 'option', id: `suggestion-${i}`, 'aria-selected': 'false' },
      el('span', { class: 'name' }, r.node.name), ' ', el('span', { class: 'kind', 'data-kind': r.node.kind }, kindLabel(r.node.kind)), how ? ' ' : null, how);
    li.addEventListener('mousedown', (ev) => ev.preventDefault());
    li.addEventListener('click', () => choose(r));
    return li;
  }));
  const open = list.length > 0 && document.activeElement === ui.search;
  ui.suggestions.hidden = !open;
  ui.search.setAttribute('aria-expanded', String(open));
}

function move(delta) {
  if (!suggestions.length) return;
  active = (active + delta + suggestions.length) % suggestions.length;
  [...ui.suggestions.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === active)));
  ui.search.setAttribute('aria-activedescendant', `suggestion-${active}`);
  ui.suggestions.children[active].scrollIntoView({ block: 'nearest' });
}

function closeSuggestions() {
  ui.suggestions.hidden = true;
  ui.search.setAttribute('aria-expanded', 'false');
  ui.search.removeAttribute('aria-activedescendant');
}

// choose focuses a search result, first showing its kind if the filters
// hide it.
async function choose(r) {
  clearTimeout(timer);
  searchSeq++;
  closeSuggestions();
  ui.search.value = r.node.name;
  let node = cy.getElementById(r.node.id);
  if (node.empty() && KINDS.includes(r.node.kind) && !checked(ui.kinds).includes(r.node.kind)) {
    ui.kinds.querySelector(`input[value="${r.node.kind}"]`).checked = true;
    await load();
    node = cy.getElementById(r.node.id);
  }
  if (node.nonempty()) focusOn(node);
  else ui.status.textContent = t('map.notInView', r.node.name);
}

// --- the map by keyboard and pointer ------------------------------

function showTip(node) {
  const p = node.renderedPosition();
  ui.tip.textContent = `${node.data('label')} (${kindLabel(node.data('kind'))})`;
  ui.tip.hidden = false;
  const w = ui.map.clientWidth;
  ui.tip.style.left = `${Math.max(4, Math.min(p.x + 12, w - ui.tip.offsetWidth - 4))}px`;
  ui.tip.style.top = `${Math.max(4, p.y - ui.tip.offsetHeight - 12)}px`;
}

function hideTip() {
  ui.tip.hidden = true;
}

function byName() {
  return cy.nodes().sort((a, b) => String(a.data('label')).localeCompare(String(b.data('label')), 'fi'));
}

function step(delta) {
  const nodes = byName();
  if (!nodes.length) return;
  cursor = cursor < 0 ? (delta > 0 ? 0 : nodes.length - 1) : (cursor + delta + nodes.length) % nodes.length;
  cy.nodes().removeClass('cursor');
  const node = nodes[cursor];
  node.addClass('cursor');
  const p = node.renderedPosition();
  if (p.x < 0 || p.y < 0 || p.x > ui.map.clientWidth || p.y > ui.map.clientHeight) cy.center(node);
  showTip(node);
}

function mapKeys(ev) {
  const keys = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
  if (ev.key in keys) { ev.preventDefault(); step(keys[ev.key]); return; }
  if (ev.key === 'Enter' && cursor >= 0) { ev.preventDefault(); focusOn(byName()[cursor]); return; }
  if (ev.key === 'Escape') { cy.nodes().removeClass('cursor'); cursor = -1; hideTip(); clearSelection(); }
}

async function init() {
  if (embed) document.body.classList.add('embed');
  ui.openHub.hidden = !embed;
  translate();
  if (!embed) languageSwitch();
  L = await labels(graphql, ['NodeKind', 'RelationshipType', 'OrganisationType', 'ProgrammeType', 'ServiceType', 'RegionLevel', 'EventType']);
  checkboxes(ui.kinds, KINDS, 'kind', true, kindLabel);
  checkboxes(ui.types, TYPES, 'type', false, typeLabel);
  try {
    const { data } = await graphql(`{ regions(first: 100, where: { levelIn: [REGION] }) { nodes { id name code } }
      themes(first: 100) { nodes { id name } } }`);
    for (const r of data.regions.nodes) ui.region.append(el('option', { value: r.id }, `${r.name} (${r.code})`));
    for (const t of data.themes.nodes) ui.theme.append(el('option', { value: t.id }, t.name));
  } catch (e) {
    ui.status.textContent = t('map.filtersFailed', e.message);
  }
  cy = cytoscape({ container: ui.map, wheelSensitivity: 0.3, minZoom: 0.1, maxZoom: 4 });
  cy.on('tap', 'node', (ev) => focusOn(ev.target));
  cy.on('tap', 'edge', (ev) => showDetails(ev.target));
  cy.on('tap', (ev) => { if (ev.target === cy) clearSelection(); });
  cy.on('mouseover', 'node', (ev) => { ev.target.addClass('hover'); showTip(ev.target); });
  cy.on('mouseout', 'node', (ev) => { ev.target.removeClass('hover'); hideTip(); });
  cy.on('viewport', hideTip);
  ui.map.addEventListener('keydown', mapKeys);
  ui.details.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') { clearSelection(); ui.map.focus(); } });
  ui.map.addEventListener('blur', hideTip);

  ui.form.addEventListener('change', async (ev) => {
    if (ev.target === ui.sizeBy || ev.target === ui.colourBy) {
      cy.style(style());
      legend();
    } else if (ev.target === ui.layout) {
      cy.layout(layoutOptions()).run();
    } else {
      await load();
    }
    remember();
  });
  ui.form.addEventListener('submit', (ev) => ev.preventDefault());
  const setKinds = async (kinds) => { setChecked(ui.kinds, kinds); await load(); remember(); };
  ui.kindsAll.addEventListener('click', () => setKinds(KINDS));
  ui.kindsDefault.addEventListener('click', () => setKinds(DEFAULT_KINDS));

  ui.search.addEventListener('input', () => {
    clearTimeout(timer);
    const text = ui.search.value;
    timer = setTimeout(() => { pendingText = text; pending = suggest(text); }, 200);
  });
  ui.search.addEventListener('keydown', async (ev) => {
    if (ev.key === 'ArrowDown') { ev.preventDefault(); move(1); } else if (ev.key === 'ArrowUp') { ev.preventDefault(); move(-1); } else if (ev.key === 'Escape') {
      closeSuggestions();
    } else if (ev.key === 'Enter') {
      ev.preventDefault();
      if (active >= 0) { choose(suggestions[active]); return; }
      // Enter before the suggestions arrived: search now, take the best.
      clearTimeout(timer);
      const text = ui.search.value;
      const list = await (pending && pendingText === text ? pending : suggest(text));
      if (list && list.length) choose(list[0]);
      else if (list) ui.status.textContent = t('map.nothing', ui.search.value);
    }
  });
  ui.search.addEventListener('blur', () => setTimeout(closeSuggestions, 150));
  ui.search.addEventListener('focus', () => { if (suggestions.length) { ui.suggestions.hidden = false; ui.search.setAttribute('aria-expanded', 'true'); } });

  ui.reset.addEventListener('click', () => { restore(new URLSearchParams(embed ? 'embed=1' : ''), true).then(() => cy.fit(undefined, 30)); });
  ui.png.addEventListener('click', () => download('ote-network.png', cy.png({ full: true, scale: 2, bg: '#ffffff', output: 'blob' })));
  ui.json.addEventListener('click', () => {
    const visible = cy.elements().not('.faded');
    const elements = { nodes: visible.nodes().map((n) => ({ data: n.data() })), edges: visible.edges().map((e) => ({ data: e.data() })) };
    download('ote-network.json', new Blob([JSON.stringify({ elements }, null, 2)], { type: 'application/json' }));
  });
  window.addEventListener('popstate', () => restore(new URLSearchParams(location.search)));
  await restore(new URLSearchParams(location.search));
}

init();
