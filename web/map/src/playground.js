// The GraphQL playground: GraphiQL with React, bundled into the hub so
// that the page needs no other host. The hub writes the endpoint and the
// example tabs into the page as JSON (#playground-config).
import { createElement as h, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import 'graphiql/style.css';
import './playground.css';
import { translate, languageSwitch } from './i18n.js';

// The header follows the interface language; GraphiQL itself is English.
translate();
languageSwitch(document.querySelector('.hub-header'));

const config = JSON.parse(document.getElementById('playground-config').textContent);
const endpoint = new URL(config.endpoint, window.location.href).toString();
// Subscriptions go over a WebSocket to the same endpoint.
const http = createGraphiQLFetcher({ url: endpoint, subscriptionUrl: endpoint.replace(/^http/, 'ws') });

// A mutation's tab comes with the header its key goes in.
const keyHeader = '{\n  "Authorization": "Bearer <your API key>"\n}';
const tabs = config.tabs.map((e) => (e.mutation ? { query: e.query, headers: keyHeader } : { query: e.query }));

// refusal is why the hub did not answer GraphiQL's introspection query,
// in words, or '' when it did.
function refusal(result) {
  if (result && result.data && result.data.__schema) return '';
  const errors = (result && result.errors) || [];
  const message = errors.map((e) => e.message).join('; ') || 'no schema in the answer';
  if (/introspection is disabled/i.test(message)) {
    return 'This hub does not answer introspection queries (it runs with HUB_INTROSPECTION=false, as production hubs may), so the playground cannot show the schema or complete fields as you type. Queries still run.';
  }
  return `The hub did not send its schema: ${message}`;
}

// The docs pane in place of GraphiQL's explorer when the hub refuses
// introspection, which otherwise says only "Error fetching schema".
function unavailableDocs(why) {
  return {
    title: 'Documentation Explorer',
    icon: () => h('svg', { viewBox: '0 0 24 24', 'aria-hidden': 'true', width: 20, height: 20 },
      h('path', { d: 'M4 4h11l5 5v11H4z M14 4v6h6', fill: 'none', stroke: 'currentColor', strokeWidth: 1.5 })),
    content: () => h('div', { className: 'hub-docs-unavailable', role: 'status' },
      h('h2', null, 'Schema documentation unavailable'),
      h('p', null, why),
      h('p', null, 'The schema is also in the hub\'s source (graph/schema.graphqls) and the ',
        h('a', { href: '/examples.json' }, 'example queries'), ' show its main fields.')),
  };
}

function Playground() {
  const [why, setWhy] = useState('');
  // The fetcher notes whether the introspection query was answered.
  const fetcher = useMemo(() => (params, opts) => {
    if (params.operationName !== 'IntrospectionQuery') return http(params, opts);
    return Promise.resolve(http(params, opts)).then((result) => {
      setWhy(refusal(result));
      return result;
    });
  }, []);
  const props = {
    fetcher,
    defaultTabs: tabs,
    // On a phone the variables and headers wait to be opened.
    defaultEditorToolsVisibility: !window.matchMedia('(max-width: 700px)').matches,
    shouldPersistHeaders: false,
  };
  if (why) props.referencePlugin = unavailableDocs(why);
  return h(GraphiQL, props);
}

// GraphiQL's markup, mended for keyboard and screen-reader users where
// axe-core finds it wanting: its editors' text areas have no names, its
// tabs are buttons inside elements that are tabs themselves, and a
// scrolling editor cannot take the focus.
const editorNames = [
  ['.graphiql-query-editor', 'Query editor'],
  ['.graphiql-response', 'Response'],
];
function mend(root) {
  for (const ta of root.querySelectorAll('.CodeMirror textarea:not([aria-label])')) {
    const named = editorNames.find(([sel]) => ta.closest(sel));
    const section = ta.closest('section[aria-label]');
    ta.setAttribute('aria-label', named ? named[1] : `${section ? section.getAttribute('aria-label') : 'Text'} editor`);
  }
  for (const el of root.querySelectorAll('.CodeMirror-scroll[tabindex="-1"]')) el.setAttribute('tabindex', '0');
  for (const list of root.querySelectorAll('ul.graphiql-tabs[role="tablist"]')) {
    list.setAttribute('role', 'list');
    list.setAttribute('aria-label', 'Open tabs');
  }
  for (const tab of root.querySelectorAll('li.graphiql-tab[role="tab"], li.graphiql-tab[aria-selected]')) {
    tab.setAttribute('role', 'listitem');
    tab.removeAttribute('aria-selected');
  }
  for (const b of root.querySelectorAll('.graphiql-tab-button')) {
    const active = b.closest('.graphiql-tab-active') !== null;
    if ((b.getAttribute('aria-current') === 'true') !== active) {
      if (active) b.setAttribute('aria-current', 'true'); else b.removeAttribute('aria-current');
    }
  }
}

const root = document.getElementById('graphiql');
new MutationObserver(() => mend(root)).observe(root, {
  subtree: true, childList: true, attributes: true, attributeFilter: ['role', 'aria-selected', 'class', 'tabindex'],
});
root.textContent = '';
createRoot(root).render(h(Playground));
document.body.dataset.loaded = 'true';
