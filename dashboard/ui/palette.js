// The command palette (Ctrl+K / ⌘K): jump to any service, owner or page. Services and owners
// come from /api/fleet/entities (the fleet engine's search), pages from this list.
import { h, api } from './dom.js';

const PAGES = [
  ['Overview', '#/'], ['Services', '#/services'], ['Graph', '#/graph'], ['Readiness', '#/readiness'],
  ['Compare', '#/diff'], ['Change analysis', '#/change'], ['Owners', '#/owners'],
];

let dialog = null;

function close() {
  if (dialog) { dialog.close(); dialog.remove(); dialog = null; }
}

export function openPalette() {
  if (dialog) return;
  const input = h('input', { id: 'palette-input', type: 'search', placeholder: 'Jump to a service, owner or page…', autocomplete: 'off',
    role: 'combobox', 'aria-expanded': 'true', 'aria-controls': 'palette-list', 'aria-label': 'Jump to' });
  const list = h('ul', { id: 'palette-list', role: 'listbox', 'aria-label': 'Results' });
  let items = [];
  let active = 0;
  let seq = 0;
  const paint = () => {
    list.replaceChildren(...items.map((it, i) => {
      const li = h('li', { role: 'option', id: `palette-opt-${i}`, 'aria-selected': String(i === active), class: i === active ? 'active' : '' },
        h('span', { class: 'palette-kind' }, it.kind), ' ', it.label);
      li.addEventListener('mousedown', (e) => { e.preventDefault(); go(it); });
      return li;
    }));
    input.setAttribute('aria-activedescendant', items.length ? `palette-opt-${active}` : '');
  };
  const go = (it) => { close(); location.hash = it.route; };
  const update = async () => {
    const text = input.value.trim();
    const mine = ++seq;
    const lower = text.toLowerCase();
    const pages = PAGES.filter(([l]) => l.toLowerCase().includes(lower)).map(([label, route]) => ({ kind: 'page', label, route }));
    let found = [];
    try {
      const r = await api(`/api/fleet/entities?kinds=service,owner&limit=20&text=${encodeURIComponent(text)}`);
      found = r.entities.map((e) => ({ kind: e.kind, label: e.label, route: e.kind === 'owner' ? `#/owners/${encodeURIComponent(e.key)}` : e.route }));
    } catch (e) { /* pages still listed */ }
    if (mine !== seq) return;
    // An exact name first, then services, owners, pages.
    items = found.concat(pages);
    items.sort((a, b) => (b.label.toLowerCase() === lower) - (a.label.toLowerCase() === lower));
    active = 0;
    paint();
  };
  input.addEventListener('input', update);
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown') { ev.preventDefault(); active = Math.min(active + 1, items.length - 1); paint(); }
    else if (ev.key === 'ArrowUp') { ev.preventDefault(); active = Math.max(active - 1, 0); paint(); }
    else if (ev.key === 'Enter') { ev.preventDefault(); if (items[active]) go(items[active]); }
  });
  dialog = h('dialog', { id: 'palette', 'aria-label': 'Command palette' }, input, list);
  dialog.addEventListener('cancel', (ev) => { ev.preventDefault(); close(); });
  dialog.addEventListener('click', (ev) => { if (ev.target === dialog) close(); });
  document.body.append(dialog);
  dialog.showModal();
  input.focus();
  update();
}

document.addEventListener('keydown', (ev) => {
  if ((ev.ctrlKey || ev.metaKey) && (ev.key === 'k' || ev.key === 'K')) {
    ev.preventDefault();
    if (dialog) close(); else openPalette();
  }
});
