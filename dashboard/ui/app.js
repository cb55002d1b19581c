// The shell: hash router, navigation, theme, global search, source pills, refresh, auto-reload.
import { h, add, api, post, badge, runMounts } from './dom.js';
import * as pages from './pages.js';
import { graphPage } from './graph.js';
import { readinessPage } from './readiness.js';
import { changePage } from './change.js';
import './palette.js';

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
  [['change'], (p, q) => changePage(q), 'diff'],
  [['graph'], (p, q) => graphPage(q), 'graph'],
  [['readiness'], () => readinessPage(), 'readiness'],
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

// What a view shows, for auto-reload to tell whether anything changed: its own signature
// (the graph page, drawn only once attached) or its text.
function signature(view) {
  return (view.dataset && view.dataset.sig) || view.textContent;
}

function attach(view) {
  main.replaceChildren(view);
  document.title = `${(view.dataset && view.dataset.title) || 'Overview'} · Pacto dashboard`;
  runMounts(main);
}

let generation = 0;
let shown = null;
let shownPath = null;
// `soft`: an auto-reload. It keeps the current view when loading fails or nothing changed,
// gives up when the user navigated meanwhile, and puts focus, caret and scroll back.
async function render(soft) {
  const hash = location.hash;
  const { parts, query } = parseHash();
  const m = match(parts);
  const gen = soft ? generation : ++generation;
  if (!soft) {
    document.querySelectorAll('nav a').forEach((a) => a.removeAttribute('aria-current'));
    if (m) {
      const cur = document.querySelector(`nav a[data-nav="${m.nav}"]`);
      if (cur) cur.setAttribute('aria-current', 'page');
    }
  }
  let view;
  try {
    view = m ? await m.render(m.params, query) : h('p', {}, 'No such page. ', h('a', { href: '#/' }, 'Back to the overview'));
  } catch (e) {
    if (soft) return false;
    view = h('div', { class: 'banner err', role: 'alert' }, `Could not load this view: ${e.message}`);
  }
  if (gen !== generation || (soft && location.hash !== hash)) return false;
  const sig = signature(view);
  if (soft) {
    if (sig === shown) return false;
    const active = document.activeElement;
    if (active && main.contains(active) && active.tagName === 'SELECT') return false; // an open list
    const keep = active && main.contains(active) && active.id ? active.id : null;
    const caret = keep && typeof active.selectionStart === 'number' ? [active.selectionStart, active.selectionEnd] : null;
    const y = window.scrollY;
    attach(view);
    window.scrollTo(window.scrollX, y);
    const again = keep ? document.getElementById(keep) : null;
    if (again) {
      again.focus({ preventScroll: true });
      if (caret) try { again.setSelectionRange(caret[0], caret[1]); } catch (e) { /* not a text field */ }
    }
  } else {
    attach(view);
    // A different page starts at its top (not at the scroll position of the page left).
    const path = hash.split('?')[0];
    if (path !== shownPath) window.scrollTo(0, 0);
    shownPath = path;
  }
  shown = sig;
  return true;
}

// Auto-reload (on by default, remembered in localStorage): re-read the current view every
// 10 s while the tab is visible; the view is replaced only when what it shows changed.
const RELOAD_MS = 10000;
const reloadBtn = document.getElementById('auto-reload');
function autoReloadOn() { return localStorage.getItem('pacto-autoreload') !== 'off'; }
function showAutoReload() {
  const on = autoReloadOn();
  reloadBtn.setAttribute('aria-pressed', String(on));
  reloadBtn.textContent = on ? 'Auto-reload: on' : 'Auto-reload: off';
}
reloadBtn.addEventListener('click', () => {
  localStorage.setItem('pacto-autoreload', autoReloadOn() ? 'off' : 'on');
  showAutoReload();
});
let reloading = false;
async function tick() {
  if (!autoReloadOn() || document.hidden || reloading) return;
  reloading = true;
  try {
    await pills();
    if (await render(true)) {
      main.dataset.reloads = String(Number(main.dataset.reloads || 0) + 1);
    }
  } finally { reloading = false; }
}
showAutoReload();
setInterval(tick, RELOAD_MS);

async function pills() {
  const el = document.getElementById('source-pills');
  try {
    const s = await api('/api/sources');
    el.replaceChildren(...s.sources.map((src) =>
      add(badge(`${src.type}: ${src.failed ? 'failed' : src.state}`, src.state === 'ok' && !src.failed ? 'ok' : 'degraded'), []))
    );
    el.querySelectorAll('.badge').forEach((b, i) => { b.classList.add('pill'); b.title = s.sources[i].error || s.sources[i].reason; });
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
