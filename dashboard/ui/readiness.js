// Readiness: the fleet page (#/readiness), the block on a service's detail page and the
// overview tile, all built from the `readiness` evaluation the API puts on a service
// (absent when its contract declares none): score, minScore, passing, expired, expires,
// daysRemaining, per-status counts, revisions[] (review history) and checks[].
import { h, api, badge, table, svcHref } from './dom.js';

// passing | expired | below minScore, as text and a badge kind.
export function gate(r) {
  if (r.passing) return { key: 'passing', text: 'passing', kind: 'ok' };
  if (r.expired) return { key: 'expired', text: 'expired', kind: 'error' };
  return { key: 'below', text: `below minScore ${r.minScore}`, kind: 'warning' };
}

function pct(n, d) {
  return d > 0 ? Math.max(0, Math.min(100, Math.round((n / d) * 100))) : 0;
}

// A horizontal bar: `value` of `max`, with its text for screen readers.
export function bar(value, max, label, kind) {
  const fill = h('span', { class: `fill ${kind || ''}` });
  fill.style.width = `${pct(value, max)}%`;
  return h('span', { class: 'bar', role: 'img', 'aria-label': label }, fill);
}

const statusKind = { done: 'ok', partial: 'warning', 'not-done': 'error', deferred: 'x' };

function expiry(r) {
  if (r.expired) return `expired (expires ${r.expires || 'unreadable'})`;
  return `expires ${r.expires}${r.daysRemaining != null ? ` (${r.daysRemaining} days left)` : ''}`;
}

// ---------------------------------------------------------------- detail block
// `openDoc(path)`: show a bundle document (evidence that is one, `docPath`), when there is a viewer.
export function readinessView(r, openDoc, docPaths) {
  if (!r) return h('p', { class: 'muted', id: 'readiness-state' }, 'This contract declares no readiness assessment.');
  const g = gate(r);
  // The checks that miss the most weight first; excluded (deferred) ones last.
  const missing = (c) => (c.excluded ? -1 : c.weight - c.earnedWeight);
  const checks = [...(r.checks || [])].sort((a, b) => missing(b) - missing(a) || String(a.id).localeCompare(String(b.id)));
  return [
    h('div', { class: 'row', id: 'readiness-state' },
      h('span', { class: 'score' }, String(r.score)), h('span', { class: 'muted' }, ` / 100 · minScore ${r.minScore}`),
      badge(g.text, g.kind), bar(r.score, 100, `score ${r.score} of 100`, g.kind)),
    h('p', { class: 'muted' }, `${expiry(r)} · ${r.earnedWeight} of ${r.totalWeight} weight earned · ${r.doneCount} done, ${r.partialCount} partial, ${r.notDoneCount} not done, ${r.deferredCount} deferred · a partial check earns ${Math.round((r.partialCredit || 0) * 100)}% of its weight`),
    checks.length ? table([r.declaredAs === 'claims' ? 'Claim' : 'Check', 'Category', 'Status', 'Weight earned', 'Evidence'], checks.map((c) => [
      [h('code', {}, c.id), c.description ? h('div', { class: 'muted' }, c.description) : null],
      [c.category || '', c.type ? h('div', { class: 'muted' }, c.type) : null],
      badge(c.excluded ? `${c.status} (excluded)` : c.status, statusKind[c.status] || 'error'),
      c.excluded ? h('span', { class: 'muted' }, 'not counted') : [bar(c.earnedWeight, c.weight, `${c.earnedWeight} of ${c.weight}`, statusKind[c.status]), ` ${c.earnedWeight} / ${c.weight}`],
      [h('code', {}, c.evidence || ''), c.docPath && openDoc && docPaths && docPaths.has(c.docPath)
        ? [' ', h('button', { type: 'button', class: 'link', 'data-doc': c.docPath, onclick: () => openDoc(c.docPath) }, 'open')] : null],
    ]), { id: 'readiness-checks' }) : null,
    h('h3', {}, 'History'),
    (r.revisions || []).length
      ? table(['Date', 'Version', 'Author', 'What changed'], [...r.revisions].sort((a, b) => String(b.date).localeCompare(String(a.date)))
        .map((v) => [v.date, v.version, v.author, v.description]), { id: 'readiness-history' })
      : h('p', { class: 'muted', id: 'readiness-history' }, 'No review history.'),
  ];
}

// ---------------------------------------------------------------- fleet summary
export function fleetReadiness(list) {
  const rated = list.filter((s) => s.readiness);
  const gates = { passing: 0, below: 0, expired: 0 };
  for (const s of rated) gates[gate(s.readiness).key]++;
  const average = rated.length ? Math.round(rated.reduce((a, s) => a + s.readiness.score, 0) / rated.length) : null;
  return { rated, gates, average, belowGate: gates.below + gates.expired, undeclared: list.length - rated.length };
}

// The overview tile: average score and how many services are below their gate.
export function readinessTile(list) {
  const f = fleetReadiness(list);
  return h('a', { class: 'tile', href: '#/readiness', id: 'readiness-tile' },
    h('div', { class: 'n' }, f.average === null ? '–' : String(f.average)),
    h('div', { class: 'l' }, f.rated.length
      ? `readiness average, ${f.belowGate} of ${f.rated.length} below gate`
      : 'readiness: none declared'));
}

// A donut of the gates (plus services that declare nothing), drawn with DOM SVG calls.
function donut(parts) {
  const NS = 'http://www.w3.org/2000/svg';
  const el = (tag, attrs) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    return e;
  };
  const total = parts.reduce((a, p) => a + p.n, 0);
  const svg = el('svg', { viewBox: '-60 -60 120 120', class: 'donut', role: 'img',
    'aria-label': parts.map((p) => `${p.n} ${p.label}`).join(', ') });
  const r = 45;
  const c = 2 * Math.PI * r;
  let offset = 0;
  for (const p of parts) {
    if (!p.n) continue;
    const len = (p.n / total) * c;
    const arc = el('circle', { r, cx: 0, cy: 0, class: `arc ${p.kind}`, 'stroke-dasharray': `${len} ${c - len}`, 'stroke-dashoffset': -offset, 'data-gate': p.key });
    const title = el('title', {});
    title.textContent = `${p.n} ${p.label}`;
    arc.append(title);
    svg.append(arc);
    offset += len;
  }
  const label = el('text', { x: 0, y: 6, 'text-anchor': 'middle', class: 'donut-n' });
  label.textContent = String(total);
  svg.append(label);
  return svg;
}

function heatClass(p) {
  if (p === null) return 'heat-none';
  return `heat-${Math.min(4, Math.floor(p / 25))}`;
}

export async function readinessPage() {
  const list = await api('/api/services');
  const f = fleetReadiness(list);
  const root = h('div', {}, h('h1', {}, 'Readiness'));
  root.dataset.title = 'Readiness';
  if (!f.rated.length) {
    root.append(h('p', { class: 'banner warn', id: 'readiness-empty' },
      `None of the ${list.length} services declares a readiness assessment (pactoVersion 1.2 readiness.checks or 2.0 readiness.claims).`));
    return root;
  }
  const parts = [
    { key: 'passing', label: 'passing', kind: 'ok', n: f.gates.passing },
    { key: 'below', label: 'below minScore', kind: 'warning', n: f.gates.below },
    { key: 'expired', label: 'expired', kind: 'error', n: f.gates.expired },
    { key: 'none', label: 'not declared', kind: 'x', n: f.undeclared },
  ];
  const rated = [...f.rated].sort((a, b) => a.readiness.score - b.readiness.score || a.name.localeCompare(b.name));
  // Heatmap: each service's earned share of weight per check category.
  const cats = [...new Set(rated.flatMap((s) => (s.readiness.checks || []).map((c) => c.category || 'other')))].sort();
  const heat = h('table', { id: 'readiness-heatmap', class: 'heatmap' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Service'), cats.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rated.map((s) => h('tr', { 'data-service': s.name }, h('th', { scope: 'row' }, h('a', { href: svcHref(s.name) }, s.name)),
      cats.map((cat) => {
        const cs = (s.readiness.checks || []).filter((c) => (c.category || 'other') === cat && !c.excluded);
        const w = cs.reduce((a, c) => a + c.weight, 0);
        const p = cs.length && w > 0 ? pct(cs.reduce((a, c) => a + c.earnedWeight, 0), w) : null;
        return h('td', { class: heatClass(p), title: p === null ? `${s.name} ${cat}: no counted checks` : `${s.name} ${cat}: ${p}%` }, p === null ? '–' : `${p}%`);
      })))));
  // Gaps: checks that still miss weight, the heaviest first.
  const gaps = rated.flatMap((s) => (s.readiness.checks || []).filter((c) => !c.excluded && c.earnedWeight < c.weight)
    .map((c) => ({ s, c, missing: c.weight - c.earnedWeight })))
    .sort((a, b) => b.missing - a.missing || a.s.name.localeCompare(b.s.name) || String(a.c.id).localeCompare(String(b.c.id)));
  root.append(
    h('div', { class: 'tiles' },
      h('div', { class: 'tile' }, h('div', { class: 'n', id: 'readiness-average' }, String(f.average)), h('div', { class: 'l' }, `average score of ${f.rated.length} services`)),
      h('div', { class: 'tile' }, h('div', { class: 'n' }, String(f.gates.passing)), h('div', { class: 'l' }, 'passing their gate')),
      h('div', { class: 'tile' }, h('div', { class: 'n' }, String(f.belowGate)), h('div', { class: 'l' }, `below gate (${f.gates.expired} expired)`)),
      h('div', { class: 'tile' }, h('div', { class: 'n' }, String(f.undeclared)), h('div', { class: 'l' }, 'declare no readiness'))),
    h('div', { class: 'grid2' },
      h('div', { class: 'panel' }, h('h2', {}, 'Gates'), h('div', { class: 'row' }, donut(parts),
        h('ul', { class: 'donut-legend' }, parts.map((p) => h('li', {}, h('span', { class: `sw sw-${p.kind}` }), `${p.n} ${p.label}`))))),
      h('div', { class: 'panel' }, h('h2', {}, 'By category'), heat)),
    h('h2', {}, 'Services'),
    table(['Service', 'Score', 'Gate', 'Expiry', 'Checks'], rated.map((s) => {
      const r = s.readiness;
      const g = gate(r);
      return [h('a', { href: svcHref(s.name) }, s.name), [bar(r.score, 100, `score ${r.score}`, g.kind), ` ${r.score} / ${r.minScore}`],
        badge(g.text, g.kind), expiry(r), `${r.doneCount} done, ${r.partialCount} partial, ${r.notDoneCount} not done, ${r.deferredCount} deferred`];
    }), { id: 'readiness-services' }),
    h('h2', {}, `Gaps (${gaps.length})`),
    gaps.length ? table(['Service', 'Check', 'Category', 'Status', 'Missing weight', 'Evidence'], gaps.map(({ s, c, missing }) => [
      h('a', { href: `${svcHref(s.name)}` }, s.name), [h('code', {}, c.id), c.description ? h('div', { class: 'muted' }, c.description) : null],
      c.category || '', badge(c.status, statusKind[c.status] || 'error'), String(missing), h('code', {}, c.evidence || '')]), { id: 'readiness-gaps' })
      : h('p', { class: 'muted', id: 'readiness-gaps' }, 'No gaps: every counted check is done.'));
  return root;
}
