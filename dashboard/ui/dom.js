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

// A banner naming each source that failed (`failed`, with its `error`) or partly failed
// (`degraded`, with its problems); the pages still show what the other sources returned.
// `null` when every source is fine.
export function sourceFailures(sources) {
  const bad = (sources || []).filter((s) => s.enabled !== false && (s.failed || (s.state !== 'ok' && s.state !== 'disabled')));
  if (!bad.length) return null;
  const failed = bad.filter((s) => s.failed).length;
  return h('div', { class: 'banner warn', role: 'alert', id: 'source-failures' },
    h('strong', {}, failed === bad.length ? `${bad.length === 1 ? 'A source' : `${bad.length} sources`} failed. ` : `${bad.length} of the sources failed or are incomplete. `),
    'Services from the other sources are shown; what the failed ones hold is missing.',
    h('ul', {}, bad.map((s) => {
      const why = s.error || s.reason || s.state;
      const more = (s.problems || []).filter((p) => p !== why);
      return h('li', { 'data-source': s.type, class: 'wrap' },
        h('strong', {}, s.type), s.location ? h('span', { class: 'mono' }, ` ${s.location}`) : '', s.failed ? ' failed: ' : ' is incomplete: ', why,
        more.length ? h('ul', {}, more.slice(0, 5).map((p) => h('li', {}, p))) : null);
    })));
}

// The failed sources, for pages that do not load the overview: never fails the page itself.
export async function sourceFailuresBanner() {
  try { return sourceFailures((await api('/api/sources')).sources); } catch (e) {
    return h('div', { class: 'banner warn', role: 'alert', id: 'source-failures' }, `Could not read the sources' state: ${e.message}`);
  }
}
