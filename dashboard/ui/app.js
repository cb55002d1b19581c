// The shell: hash router, navigation, theme, global search, source pills, refresh.
import { h, add, api, post, badge } from './dom.js';
import * as pages from './pages.js';
import { graphPage } from './graph.js';

const main = document.getElementById('main');

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, qs] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { parts, query: new URLSearchParams(qs || '') };
}

const routes = [
  [[], (p, q) => pages.overview(q), 'overview'],
  [['services'], (p, q) => pages.serviceList(q), 'services'],
  [['services', ':name'], (p) => pages.serviceDetail(p.name), 'services'],
  [['services', ':name', 'versions', ':version'], (p) => pages.serviceDetail(p.name, p.version), 'services'],
  [['services', ':name', 'diff'], (p, q) => pages.diffPage(p.name, q), 'services'],
  [['diff'], (p, q) => pages.comparePage(q), 'diff'],
  [['graph'], (p, q) => graphPage(q), 'graph'],
  [['owners'], () => pages.ownersPage(), 'owners'],
  [['owners', ':owner'], (p) => pages.ownersPage(p.owner), 'owners'],
];

function match(parts) {
  for (const [pattern, render, nav] of routes) {
    if (pattern.length !== parts.length) continue;
    const params = {};
    let ok = true;
    pattern.forEach((seg, i) => {
      if (seg.startsWith(':')) params[seg.slice(1)] = parts[i];
      else if (seg !== parts[i]) ok = false;
    });
    if (ok) return { render, params, nav };
  }
  return null;
}

let generation = 0;
async function render() {
  const { parts, query } = parseHash();
  const m = match(parts);
  const gen = ++generation;
  document.querySelectorAll('nav a').forEach((a) => a.removeAttribute('aria-current'));
  if (m) {
    const cur = document.querySelector(`nav a[data-nav="${m.nav}"]`);
    if (cur) cur.setAttribute('aria-current', 'page');
  }
  let view;
  try {
    view = m ? await m.render(m.params, query) : h('p', {}, 'No such page. ', h('a', { href: '#/' }, 'Back to the overview'));
  } catch (e) {
    view = h('div', { class: 'banner err', role: 'alert' }, `Could not load this view: ${e.message}`);
  }
  if (gen !== generation) return;
  main.replaceChildren(view);
  document.title = `${(view.dataset && view.dataset.title) || 'Overview'} · Pacto dashboard`;
  if (view.onmounted) view.onmounted();
}

async function pills() {
  const el = document.getElementById('source-pills');
  try {
    const s = await api('/api/sources');
    el.replaceChildren(...s.sources.map((src) =>
      add(badge(`${src.type}: ${src.state}`, src.state === 'ok' ? 'ok' : 'degraded'), []))
    );
    el.querySelectorAll('.badge').forEach((b, i) => { b.classList.add('pill'); b.title = s.sources[i].reason; });
  } catch (e) {
    el.replaceChildren(badge('sources unavailable', 'error'));
  }
}

function theme(next) {
  const t = next || localStorage.getItem('pacto-theme') ||
    (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
  document.documentElement.dataset.theme = t;
  localStorage.setItem('pacto-theme', t);
}

document.getElementById('theme').addEventListener('click', () =>
  theme(document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark'));
document.getElementById('refresh').addEventListener('click', async (ev) => {
  ev.target.disabled = true;
  try { await post('/api/refresh'); } catch (e) { /* shown by the next render */ }
  ev.target.disabled = false;
  await pills();
  await render();
});
const search = document.getElementById('global-search');
search.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter') location.hash = `#/services?q=${encodeURIComponent(search.value)}`;
});
document.addEventListener('keydown', (ev) => {
  const typing = ['INPUT', 'SELECT', 'TEXTAREA'].includes(document.activeElement.tagName);
  if (ev.key === '/' && !typing) { ev.preventDefault(); search.focus(); }
});

document.querySelector('.skip').addEventListener('click', (ev) => { ev.preventDefault(); main.focus(); });
theme();
window.addEventListener('hashchange', () => { render(); main.focus({ preventScroll: true }); });
pills();
render();
