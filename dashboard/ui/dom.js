// DOM helpers. Contract text is untrusted: every string becomes a text node or an attribute
// value through the DOM API, never markup. Links only ever point to this app's hash routes.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'href') el.setAttribute('href', route(v));
    else if (k === 'src') el.setAttribute('src', sameOrigin(v));
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  add(el, children);
  return el;
}

export function add(el, children) {
  for (const c of [children].flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// Only in-app hash routes are allowed as link targets (a `javascript:` text from a contract
// can never become a link).
export function route(v) {
  const s = String(v);
  return s.startsWith('#/') ? s : '#/';
}

function sameOrigin(v) {
  const s = String(v);
  return s.startsWith('/api/') ? s : 'about:blank';
}

export const enc = encodeURIComponent;
export const svcHref = (name) => `#/services/${enc(name)}`;

export function badge(text, kind) {
  return h('span', { class: `badge b-${String(kind || text).replace(/[^A-Za-z_]/g, '')}` }, text);
}

export async function api(path, options) {
  const r = await fetch(path, options);
  const ct = r.headers.get('content-type') || '';
  const body = ct.includes('json') ? await r.json() : await r.text();
  if (!r.ok) {
    const detail = body && body.detail ? body.detail : `${r.status}`;
    throw new Error(detail);
  }
  return body;
}

export function post(path, body) {
  return api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body || {}) });
}

export function table(headers, rows, attrs) {
  return h('table', attrs || {},
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))));
}

export function fmt(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// Work that needs the element in the document (sizes, layout): run by the shell right after
// the view is attached.
export function onMount(el, fn) {
  el.dataset.mount = '';
  el.pactoMount = fn;
  return el;
}

export function runMounts(root) {
  for (const el of root.querySelectorAll('[data-mount]')) {
    const fn = el.pactoMount;
    delete el.pactoMount;
    el.removeAttribute('data-mount');
    if (typeof fn === 'function') fn();
  }
}

export function section(title, id, ...content) {
  return h('section', { class: 'panel', id, 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, title), content);
}
