// The pages' interface language: Finnish, Swedish or English, chosen by
// the switch in the header, else the address (?lang=), else the last
// choice (localStorage), else the browser's languages, else English. The
// API gets it as Accept-Language, so names follow the page; enum values
// are shown through the API's `labels`, and the page text comes from the
// message table below.
export const LANGS = ['fi', 'sv', 'en'];
const NAMES = { fi: 'Suomi', sv: 'Svenska', en: 'English' };
const KEY = 'hub.lang';

function pick() {
  const fromURL = new URLSearchParams(location.search).get('lang');
  if (LANGS.includes(fromURL)) return fromURL;
  let stored = null;
  try { stored = localStorage.getItem(KEY); } catch { /* storage off */ }
  if (LANGS.includes(stored)) return stored;
  for (const l of navigator.languages || [navigator.language || '']) {
    const base = String(l).toLowerCase().split('-')[0];
    if (LANGS.includes(base)) return base;
  }
  return 'en';
}

export const lang = pick();

const M = {
  en: {
    'nav.pages': 'Pages', 'nav.playground': 'Playground', 'nav.map': 'Network map', 'nav.dashboard': 'Dashboard', 'nav.examples': 'Examples as JSON',
    'lang.label': 'Language', loading: 'Loading…',
    'map.title': 'OTE network hub · network map', 'map.h1': 'OTE network map',
    'map.find': 'Find a node', 'map.searchLabel': 'Search by name, abbreviation or alias', 'map.searchPlaceholder': 'e.g. Kela',
    'map.suggestions': 'Suggestions', 'map.controls': 'Map controls', 'map.filtersForm': 'Map filters',
    'map.kinds': 'Kinds', 'map.kindsNote': '(colour = kind)', 'map.showAll': 'show all', 'map.defaults': 'defaults', 'map.legend': 'Legend',
    'map.filter': 'Filter', 'map.region': 'Region', 'map.allRegions': 'All regions', 'map.theme': 'Theme', 'map.allThemes': 'All themes', 'map.asOf': 'As of',
    'map.types': 'Relationship types', 'map.layoutBox': 'Layout and sizing', 'map.layout': 'Layout', 'map.cose': 'Force-directed',
    'map.concentric': 'Concentric (by degree)', 'map.circle': 'Circle', 'map.grid': 'Grid', 'map.sizeBy': 'Size by', 'map.degree': 'Degree',
    'map.betweenness': 'Betweenness', 'map.closeness': 'Closeness', 'map.eigenvector': 'Eigenvector centrality', 'map.colourBy': 'Colour by',
    'map.kind': 'Kind', 'map.community': 'Community', 'map.exportBox': 'Export and share', 'map.exportJSON': 'JSON (view)', 'map.reset': 'Reset view',
    'map.share': 'The address bar holds this view: copy it to share it.',
    'map.aria': 'Network map. Arrow keys step through the nodes, Enter shows details, Escape clears the selection.',
    'map.openHub': 'Open in the hub', 'map.details': 'Details',
    'map.kindsHidden': (h, n) => `${h} of ${n} kinds hidden —`, 'map.kindsAllShown': (n) => `All ${n} kinds shown.`,
    'map.typesShown': (s, n) => `(${s} of ${n} shown)`,
    'map.status': (n, m, cut) => `${n} nodes, ${m} relationships${cut ? ' (cut at the limit)' : ''}`,
    'map.loadFailed': (s, t) => `Could not load the network (${s}): ${t}`, 'map.filtersFailed': (m) => `Could not load the filters: ${m}`,
    'map.searchFailed': (m) => `Search failed: ${m}`, 'map.nothing': (t) => `Nothing matches "${t}"`,
    'map.notInView': (n) => `${n} is not in this view: its relationships are filtered out.`,
    'map.close': 'Close details', 'map.sources': 'Sources', 'map.type': 'Type', 'map.key': 'Key', 'map.period': 'Period',
    'map.abbreviations': 'Abbreviations', 'map.from': 'From', 'map.to': 'To', 'map.role': 'Role', 'map.amount': 'Amount',
    'match.name': 'name', 'match.abbreviation': 'abbreviation', 'match.alias': 'alias', 'match.description': 'description', 'match.goal': 'goal',
    'dash.title': 'OTE network hub · dashboard', 'dash.h1': 'OTE dashboard', 'dash.filters': 'Filters', 'dash.region': 'Region',
    'dash.allRegions': 'All regions', 'dash.theme': 'Theme', 'dash.allThemes': 'All themes', 'dash.programme': 'Programme',
    'dash.allProgrammes': 'All programmes', 'dash.from': 'From year', 'dash.to': 'To year', 'dash.any': 'any', 'dash.apply': 'Apply', 'dash.clear': 'Clear',
    'dash.filtersRule': 'Filters select pilots: in the region, with the theme, in the programme (or one of its sub-projects), active in the years (a pilot without a known period always counts, as the API\'s period conditions do). Services × regions takes the region, theme and programme only. The address holds the filters: copy it to share the view.',
    'dash.funding': 'Funding by region', 'dash.rule': 'Rule:',
    'dash.fundingRule': 'a pilot in several regions has its funding split equally among them, so the bars add up to the pilots\' funding. Where sources disagree on a figure, the highest is counted once.',
    'dash.partners': 'Partners per pilot', 'dash.years': 'Pilots active per year', 'dash.coverage': 'Services × regions',
    'dash.noRegion': 'No region', 'dash.onMap': (n) => `${n} on the network map`, 'dash.fundingCaption': 'Funding by region (a pilot in several regions split equally among them)',
    'dash.fundingUnit': 'Funding (EUR)', 'dash.total': (b, p) => `The bars add up to ${b}; the pilots' funding is ${p} in all.`,
    'dash.partnersUnit': 'Partners', 'dash.undated': 'Undated', 'dash.forYear': (y) => `The dashboard for ${y}`, 'dash.pilotsUnit': 'Pilots',
    'dash.csv': 'Download CSV', 'dash.nothing': 'Nothing matches the filters.', 'dash.asTable': 'Show as a table',
    'dash.matrixCaption': 'Services × regions: providers per service and region', 'dash.service': 'Service',
    'dash.filteredBy': (p) => `Filtered by ${p}.`, 'dash.noFilter': 'All pilots, no filter.', 'dash.period': 'period',
    'dash.status': 'Data from the hub\'s GraphQL API (aggregates).', 'dash.failed': (m) => `Could not load the aggregates: ${m}`,
    'pg.title': 'OTE network hub · GraphQL playground', 'pg.h1': 'OTE network hub · GraphQL playground',
  },
  fi: {
    'nav.pages': 'Sivut', 'nav.playground': 'Kyselyeditori', 'nav.map': 'Verkostokartta', 'nav.dashboard': 'Koontinäkymä', 'nav.examples': 'Esimerkit JSONina',
    'lang.label': 'Kieli', loading: 'Ladataan…',
    'map.title': 'OTE-verkostohubi · verkostokartta', 'map.h1': 'OTE-verkostokartta',
    'map.find': 'Etsi solmu', 'map.searchLabel': 'Hae nimellä, lyhenteellä tai muulla nimellä', 'map.searchPlaceholder': 'esim. Kela',
    'map.suggestions': 'Ehdotukset', 'map.controls': 'Kartan asetukset', 'map.filtersForm': 'Kartan rajaukset',
    'map.kinds': 'Lajit', 'map.kindsNote': '(väri = laji)', 'map.showAll': 'näytä kaikki', 'map.defaults': 'oletukset', 'map.legend': 'Selite',
    'map.filter': 'Rajaa', 'map.region': 'Maakunta', 'map.allRegions': 'Kaikki maakunnat', 'map.theme': 'Teema', 'map.allThemes': 'Kaikki teemat', 'map.asOf': 'Ajankohta',
    'map.types': 'Suhteiden tyypit', 'map.layoutBox': 'Asettelu ja koko', 'map.layout': 'Asettelu', 'map.cose': 'Voimiin perustuva',
    'map.concentric': 'Samankeskinen (asteen mukaan)', 'map.circle': 'Ympyrä', 'map.grid': 'Ruudukko', 'map.sizeBy': 'Koko', 'map.degree': 'Aste',
    'map.betweenness': 'Välillisyys', 'map.closeness': 'Läheisyys', 'map.eigenvector': 'Ominaisvektorikeskeisyys', 'map.colourBy': 'Väri',
    'map.kind': 'Laji', 'map.community': 'Yhteisö', 'map.exportBox': 'Vie ja jaa', 'map.exportJSON': 'JSON (näkymä)', 'map.reset': 'Palauta näkymä',
    'map.share': 'Osoiterivi sisältää tämän näkymän: kopioi se jakaaksesi näkymän.',
    'map.aria': 'Verkostokartta. Nuolinäppäimet siirtyvät solmusta toiseen, Enter näyttää tiedot, Escape poistaa valinnan.',
    'map.openHub': 'Avaa hubissa', 'map.details': 'Tiedot',
    'map.kindsHidden': (h, n) => `${h}/${n} lajia piilotettu —`, 'map.kindsAllShown': (n) => `Kaikki ${n} lajia näkyvissä.`,
    'map.typesShown': (s, n) => `(${s}/${n} näkyvissä)`,
    'map.status': (n, m, cut) => `${n} solmua, ${m} suhdetta${cut ? ' (katkaistu rajaan)' : ''}`,
    'map.loadFailed': (s, t) => `Verkostoa ei voitu ladata (${s}): ${t}`, 'map.filtersFailed': (m) => `Rajauksia ei voitu ladata: ${m}`,
    'map.searchFailed': (m) => `Haku epäonnistui: ${m}`, 'map.nothing': (t) => `Mikään ei vastaa hakua "${t}"`,
    'map.notInView': (n) => `${n} ei ole tässä näkymässä: sen suhteet on rajattu pois.`,
    'map.close': 'Sulje tiedot', 'map.sources': 'Lähteet', 'map.type': 'Tyyppi', 'map.key': 'Tunniste', 'map.period': 'Aika',
    'map.abbreviations': 'Lyhenteet', 'map.from': 'Mistä', 'map.to': 'Mihin', 'map.role': 'Rooli', 'map.amount': 'Summa',
    'match.name': 'nimi', 'match.abbreviation': 'lyhenne', 'match.alias': 'muu nimi', 'match.description': 'kuvaus', 'match.goal': 'tavoite',
    'dash.title': 'OTE-verkostohubi · koontinäkymä', 'dash.h1': 'OTE-koontinäkymä', 'dash.filters': 'Rajaukset', 'dash.region': 'Maakunta',
    'dash.allRegions': 'Kaikki maakunnat', 'dash.theme': 'Teema', 'dash.allThemes': 'Kaikki teemat', 'dash.programme': 'Ohjelma',
    'dash.allProgrammes': 'Kaikki ohjelmat', 'dash.from': 'Alkaen vuodesta', 'dash.to': 'Vuoteen', 'dash.any': 'mikä tahansa', 'dash.apply': 'Käytä', 'dash.clear': 'Tyhjennä',
    'dash.filtersRule': 'Rajaukset valitsevat pilotit: maakunnassa, teemalla, ohjelmassa (tai sen osahankkeessa), käynnissä vuosina (pilotti, jonka ajankohtaa ei tiedetä, lasketaan aina mukaan, kuten API:n aikaehdoissa). Palvelut × maakunnat käyttää vain maakuntaa, teemaa ja ohjelmaa. Osoite sisältää rajaukset: kopioi se jakaaksesi näkymän.',
    'dash.funding': 'Rahoitus maakunnittain', 'dash.rule': 'Sääntö:',
    'dash.fundingRule': 'usean maakunnan pilotin rahoitus jaetaan tasan maakuntien kesken, joten palkit summautuvat pilottien rahoitukseen. Jos lähteet ilmoittavat eri summan, suurin lasketaan kerran.',
    'dash.partners': 'Kumppanit piloteittain', 'dash.years': 'Käynnissä olevat pilotit vuosittain', 'dash.coverage': 'Palvelut × maakunnat',
    'dash.noRegion': 'Ei maakuntaa', 'dash.onMap': (n) => `${n} verkostokartalla`, 'dash.fundingCaption': 'Rahoitus maakunnittain (usean maakunnan pilotti jaettu tasan)',
    'dash.fundingUnit': 'Rahoitus (EUR)', 'dash.total': (b, p) => `Palkit summautuvat ${b}; pilottien rahoitus on yhteensä ${p}.`,
    'dash.partnersUnit': 'Kumppanit', 'dash.undated': 'Ajankohta ei tiedossa', 'dash.forYear': (y) => `Koontinäkymä vuodelta ${y}`, 'dash.pilotsUnit': 'Pilotit',
    'dash.csv': 'Lataa CSV', 'dash.nothing': 'Mikään ei vastaa rajauksia.', 'dash.asTable': 'Näytä taulukkona',
    'dash.matrixCaption': 'Palvelut × maakunnat: tuottajat palveluittain ja maakunnittain', 'dash.service': 'Palvelu',
    'dash.filteredBy': (p) => `Rajattu: ${p}.`, 'dash.noFilter': 'Kaikki pilotit, ei rajauksia.', 'dash.period': 'aika',
    'dash.status': 'Tiedot hubin GraphQL-rajapinnasta (aggregates).', 'dash.failed': (m) => `Koontitietoja ei voitu ladata: ${m}`,
    'pg.title': 'OTE-verkostohubi · GraphQL-kyselyeditori', 'pg.h1': 'OTE-verkostohubi · GraphQL-kyselyeditori',
  },
  sv: {
    'nav.pages': 'Sidor', 'nav.playground': 'Frågeeditor', 'nav.map': 'Nätverkskarta', 'nav.dashboard': 'Översikt', 'nav.examples': 'Exempel som JSON',
    'lang.label': 'Språk', loading: 'Laddar…',
    'map.title': 'OTE-nätverkshubben · nätverkskarta', 'map.h1': 'OTE-nätverkskarta',
    'map.find': 'Hitta en nod', 'map.searchLabel': 'Sök på namn, förkortning eller alias', 'map.searchPlaceholder': 't.ex. FPA',
    'map.suggestions': 'Förslag', 'map.controls': 'Kartans inställningar', 'map.filtersForm': 'Kartans filter',
    'map.kinds': 'Slag', 'map.kindsNote': '(färg = slag)', 'map.showAll': 'visa alla', 'map.defaults': 'standard', 'map.legend': 'Teckenförklaring',
    'map.filter': 'Filter', 'map.region': 'Landskap', 'map.allRegions': 'Alla landskap', 'map.theme': 'Tema', 'map.allThemes': 'Alla teman', 'map.asOf': 'Per dag',
    'map.types': 'Relationstyper', 'map.layoutBox': 'Layout och storlek', 'map.layout': 'Layout', 'map.cose': 'Kraftbaserad',
    'map.concentric': 'Koncentrisk (efter grad)', 'map.circle': 'Cirkel', 'map.grid': 'Rutnät', 'map.sizeBy': 'Storlek efter', 'map.degree': 'Grad',
    'map.betweenness': 'Mellanliggande', 'map.closeness': 'Närhet', 'map.eigenvector': 'Egenvektorcentralitet', 'map.colourBy': 'Färg efter',
    'map.kind': 'Slag', 'map.community': 'Gemenskap', 'map.exportBox': 'Exportera och dela', 'map.exportJSON': 'JSON (vy)', 'map.reset': 'Återställ vyn',
    'map.share': 'Adressfältet innehåller vyn: kopiera det för att dela vyn.',
    'map.aria': 'Nätverkskarta. Piltangenterna stegar genom noderna, Enter visar detaljer, Escape tar bort markeringen.',
    'map.openHub': 'Öppna i hubben', 'map.details': 'Detaljer',
    'map.kindsHidden': (h, n) => `${h} av ${n} slag dolda —`, 'map.kindsAllShown': (n) => `Alla ${n} slag visas.`,
    'map.typesShown': (s, n) => `(${s} av ${n} visas)`,
    'map.status': (n, m, cut) => `${n} noder, ${m} relationer${cut ? ' (avskuret vid gränsen)' : ''}`,
    'map.loadFailed': (s, t) => `Nätverket kunde inte laddas (${s}): ${t}`, 'map.filtersFailed': (m) => `Filtren kunde inte laddas: ${m}`,
    'map.searchFailed': (m) => `Sökningen misslyckades: ${m}`, 'map.nothing': (t) => `Inget matchar "${t}"`,
    'map.notInView': (n) => `${n} finns inte i den här vyn: dess relationer är bortfiltrerade.`,
    'map.close': 'Stäng detaljer', 'map.sources': 'Källor', 'map.type': 'Typ', 'map.key': 'Nyckel', 'map.period': 'Period',
    'map.abbreviations': 'Förkortningar', 'map.from': 'Från', 'map.to': 'Till', 'map.role': 'Roll', 'map.amount': 'Belopp',
    'match.name': 'namn', 'match.abbreviation': 'förkortning', 'match.alias': 'alias', 'match.description': 'beskrivning', 'match.goal': 'mål',
    'dash.title': 'OTE-nätverkshubben · översikt', 'dash.h1': 'OTE-översikt', 'dash.filters': 'Filter', 'dash.region': 'Landskap',
    'dash.allRegions': 'Alla landskap', 'dash.theme': 'Tema', 'dash.allThemes': 'Alla teman', 'dash.programme': 'Program',
    'dash.allProgrammes': 'Alla program', 'dash.from': 'Från år', 'dash.to': 'Till år', 'dash.any': 'valfritt', 'dash.apply': 'Tillämpa', 'dash.clear': 'Rensa',
    'dash.filtersRule': 'Filtren väljer piloter: i landskapet, med temat, i programmet (eller ett av dess delprojekt), aktiva under åren (en pilot utan känd period räknas alltid, som i API:ets periodvillkor). Tjänster × landskap använder bara landskap, tema och program. Adressen innehåller filtren: kopiera den för att dela vyn.',
    'dash.funding': 'Finansiering per landskap', 'dash.rule': 'Regel:',
    'dash.fundingRule': 'en pilot i flera landskap får sin finansiering delad lika mellan dem, så staplarna summeras till piloternas finansiering. Där källorna anger olika belopp räknas det högsta en gång.',
    'dash.partners': 'Partner per pilot', 'dash.years': 'Aktiva piloter per år', 'dash.coverage': 'Tjänster × landskap',
    'dash.noRegion': 'Inget landskap', 'dash.onMap': (n) => `${n} på nätverkskartan`, 'dash.fundingCaption': 'Finansiering per landskap (en pilot i flera landskap delad lika)',
    'dash.fundingUnit': 'Finansiering (EUR)', 'dash.total': (b, p) => `Staplarna summeras till ${b}; piloternas finansiering är totalt ${p}.`,
    'dash.partnersUnit': 'Partner', 'dash.undated': 'Odaterad', 'dash.forYear': (y) => `Översikten för ${y}`, 'dash.pilotsUnit': 'Piloter',
    'dash.csv': 'Ladda ner CSV', 'dash.nothing': 'Inget matchar filtren.', 'dash.asTable': 'Visa som tabell',
    'dash.matrixCaption': 'Tjänster × landskap: producenter per tjänst och landskap', 'dash.service': 'Tjänst',
    'dash.filteredBy': (p) => `Filtrerat på ${p}.`, 'dash.noFilter': 'Alla piloter, inget filter.', 'dash.period': 'period',
    'dash.status': 'Data från hubbens GraphQL-API (aggregates).', 'dash.failed': (m) => `Översiktsdata kunde inte laddas: ${m}`,
    'pg.title': 'OTE-nätverkshubben · GraphQL-frågeeditor', 'pg.h1': 'OTE-nätverkshubben · GraphQL-frågeeditor',
  },
};

// t is the message key in the page's language (English when missing);
// messages with arguments are functions.
export function t(key, ...args) {
  const m = M[lang][key] ?? M.en[key] ?? key;
  return typeof m === 'function' ? m(...args) : m;
}

// messages lists the keys of a language's table, for the tests.
export const messageKeys = (l) => Object.keys(M[l]);

// translate fills the page's static text: data-i18n sets an element's
// text, data-i18n-attr "attr:key;attr:key" its attributes.
export function translate(root = document) {
  document.documentElement.lang = lang;
  for (const e of root.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of e.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      e.setAttribute(attr.trim(), t(key.trim()));
    }
  }
  const title = document.querySelector('title[data-i18n]');
  if (title) document.title = t(title.dataset.i18n);
}

// withLang is an address with lang= set to l.
export function withLang(href, l = lang) {
  const u = new URL(href, location.href);
  u.searchParams.set('lang', l);
  return u.pathname + u.search + u.hash;
}

// languageSwitch adds the switch to the header: choosing a language
// remembers it and reloads the page in it, keeping the view's address.
// Links between the pages carry the language.
export function languageSwitch(header = document.querySelector('header')) {
  const id = 'lang-switch';
  const select = document.createElement('select');
  select.id = id;
  select.dataset.testid = 'lang';
  for (const l of LANGS) {
    const o = document.createElement('option');
    o.value = l;
    o.lang = l;
    o.textContent = NAMES[l];
    select.append(o);
  }
  select.value = lang;
  const label = document.createElement('label');
  label.className = 'lang';
  label.htmlFor = id;
  label.append(t('lang.label'), ' ', select);
  header.append(label);
  select.addEventListener('change', () => {
    try { localStorage.setItem(KEY, select.value); } catch { /* storage off */ }
    location.assign(withLang(location.href, select.value));
  });
  for (const a of header.querySelectorAll('nav a')) {
    if (a.getAttribute('href').startsWith('/') && !a.getAttribute('href').endsWith('.json')) a.href = withLang(a.getAttribute('href'));
  }
}

// labels asks the API for the labels of enums in the page's language:
// { NodeKind: { Pilot: 'Pilotti', … }, … }. On failure the raw values
// are better than no page, so it answers {}.
export async function labels(graphql, enums) {
  const out = {};
  try {
    const { data } = await graphql('query($e: [LabelledEnum!]) { labels(enums: $e) { enum value label } }', { e: enums });
    for (const l of data.labels) (out[l.enum] ||= {})[l.value] = l.label;
  } catch { /* raw values then */ }
  return out;
}
