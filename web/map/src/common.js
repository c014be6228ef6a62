// Helpers shared by the pages.
import { lang } from './i18n.js';

// Colours per node kind, chosen to stay distinguishable for common
// colour-vision deficiencies.
const KIND_COLOURS = {
  Organisation: '#1f77b4', Employer: '#17becf', Programme: '#7f3c8d', Pilot: '#d62728',
  Service: '#2ca02c', Region: '#8c564b', TargetGroup: '#ff7f0e', Theme: '#bcbd22',
  Agreement: '#e377c2', Event: '#9467bd', Training: '#7f7f7f', Contact: '#aec7e8',
};
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export function kindColour(kind) {
  return KIND_COLOURS[kind] || '#555555';
}

export function communityColour(c) {
  return PALETTE[Math.abs(Number(c) || 0) % PALETTE.length];
}

// graphql posts a query to the hub's public API, as a partner's page
// would, in the page's language: names and labels follow it.
export async function graphql(query, variables = {}) {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Accept-Language': lang },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors && body.errors.length) {
    throw new Error(body.errors.map((e) => e.message).join('; '));
  }
  return body;
}

// el creates an element with attributes and children.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  e.append(...children.filter((c) => c !== undefined && c !== null));
  return e;
}

export function download(name, blob) {
  const a = el('a', { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
