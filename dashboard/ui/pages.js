// Pages other than the graph. Every value from the API is inserted as text.
import { h, add, api, post, badge, table, fmt, section, svcHref, enc, runMounts, onMount, sourceFailuresBanner } from './dom.js';
import { subgraphPanel, neighbourhood } from './graph.js';
import { readinessView, readinessTile } from './readiness.js';

const healthLabel = { error: 'Needs attention', warning: 'Warning', ok: 'OK', unknown: 'Unknown' };
// One definition of "needs attention" (the server's health): errors and warnings. A service
// whose runtime verdict is Unknown is shown as unknown: not listed as needing attention, and
// never as OK.
const needsAttention = (s) => s.health === 'error' || s.health === 'warning';

function statusBadges(s) {
  const health = badge(healthLabel[s.health] || s.health, s.health);
  // The contract status in Go's wording and colours; one badge when both say Unknown.
  if (s.health === 'unknown' && s.contractStatus === 'Unknown') return [health];
  return [health, ' ', verdictBadge(s.contractStatus)];
}

function page(title, ...content) {
  const el = h('div', {}, content);
  el.dataset.title = title;
  return el;
}

// ---------------------------------------------------------------- overview
export async function overview() {
  const [o, list] = await Promise.all([api('/api/overview'), api('/api/services')]);
  const c = o.counts;
  let banner;
  if (c.services === 0) {
    banner = h('div', { class: 'banner err', role: 'alert', id: 'snapshot-state' },
      h('strong', {}, 'No services found. '), 'This is not an all-clear: no source returned any contract.',
      h('ul', {}, o.limitations.map((l) => h('li', {}, l))));
  } else if (!o.complete) {
    banner = h('div', { class: 'banner warn', role: 'status', id: 'snapshot-state' },
      h('strong', {}, 'Incomplete picture. '), 'Some sources are degraded; what follows may be missing services. ',
      c.attention ? `${c.attention} of ${c.services} services need attention.` : '',
      h('ul', {}, o.limitations.map((l) => h('li', {}, l))));
  } else if (o.allClear) {
    banner = h('div', { class: 'banner ok', id: 'snapshot-state' }, h('strong', {}, 'All contracts check out. '),
      o.limitations.length ? h('ul', {}, o.limitations.map((l) => h('li', {}, l))) : null);
  } else {
    banner = h('div', { class: 'banner warn', id: 'snapshot-state' },
      `${c.attention ?? c.error + c.warning} of ${c.services} services need attention.`,
      o.limitations.length ? h('ul', {}, o.limitations.map((l) => h('li', {}, l))) : null);
  }
  const tile = (n, l, href, id) => h('a', { class: 'tile', href, id }, h('div', { class: 'n' }, n), h('div', { class: 'l' }, l));
  // One definition of "needs attention" (the server's status: invalid, warnings, drift,
  // readiness below its gate...): the tile, the banner, this list and the services list's
  // "Needs attention" filter all count the same services. Healthy services are never listed.
  const need = attentionOrder(list.filter(needsAttention));
  const total = need.length;
  const all = '#/services?health=problem&sort=health';
  const attention = total
    ? attentionTable(need)
    : h('p', { class: 'muted', id: 'attention' }, c.services ? 'Nothing needs attention.' : 'No services.');
  return page('Overview',
    h('h1', {}, 'Overview'), banner,
    h('div', { class: 'tiles' },
      tile(c.services, 'services', '#/services'),
      tile(total, 'need attention', all, 'attention-tile'),
      tile(c.highImpact, 'high impact (blast radius ≥ 3)', '#/graph'),
      tile(c.versions, `versions (${c.versionsNotFetched} not fetched)`, '#/services'),
      tile(c.runtimeEvaluated, 'evaluated at runtime', '#/services'),
      c.unknown ? tile(c.unknown, 'unknown at runtime (not OK)', '#/services?health=unknown', 'unknown-tile') : null,
      tile(c.external, 'unresolved dependencies', '#/graph'),
      readinessTile(list),
      // A fleet with Pacto 2.0 contracts: how far it has moved (1.x ones still to migrate).
      c.pactoV2 ? tile(c.pactoV2, `on Pacto 2.0 (${c.pactoV1 || 0} on 1.x)`, '#/services?sort=pactoVersion&desc=1', 'generations-tile') : null),
    h('h2', { id: 'attention-h' }, `Needs attention (${total})`), attention,
    total ? h('p', {}, h('a', { href: all, id: 'attention-all' }, `All ${total} in the services list`)) : null,
    h('h2', {}, 'Sources'),
    table(['Source', 'State', 'Where', 'Why'], o.sources.map((s) => [s.type, badge(s.state, s.state === 'ok' ? 'ok' : 'degraded'), s.location, [s.reason, s.problems.length ? h('ul', {}, s.problems.slice(0, 5).map((p) => h('li', {}, p))) : null]]), { id: 'sources' }));
}

// Errors first, then the widest blast radius, then by name (the server's order).
function attentionOrder(list) {
  const r = (s) => (s.health === 'error' ? 0 : 1);
  return list.sort((a, b) => r(a) - r(b) || b.blastRadius - a.blastRadius || a.name.localeCompare(b.name));
}

// The services that need attention, a page at a time ("Show more", "Show all").
const ATTENTION_PAGE = 10;
function attentionTable(need) {
  const tbody = h('tbody', {});
  const more = h('div', { class: 'row' });
  let shown = 0;
  const why = (s) => {
    const rs = s.attention || [];
    if (!rs.length) return s.topInsight ? `${s.topInsight.title}: ${s.topInsight.description}` : '';
    return [h('span', {}, rs[0].title, rs[0].description ? `: ${rs[0].description}` : ''),
      rs.length > 1 ? h('span', { class: 'muted' }, ` (+${rs.length - 1} more)`) : null];
  };
  const grow = (n) => {
    const next = need.slice(shown, shown + n);
    add(tbody, next.map((s) => h('tr', { 'data-service': s.name },
      h('td', {}, h('a', { href: svcHref(s.name) }, s.name)), h('td', {}, statusBadges(s)),
      h('td', {}, String(s.blastRadius)), h('td', { class: 'wrap' }, why(s)))));
    shown += next.length;
    const left = need.length - shown;
    more.replaceChildren();
    add(more, [h('span', { class: 'muted', id: 'attention-shown' }, `${shown} of ${need.length} shown`),
      left > 0 ? h('button', { type: 'button', id: 'attention-more', onclick: () => grow(ATTENTION_PAGE) }, `Show ${Math.min(ATTENTION_PAGE, left)} more`) : null,
      left > 0 ? h('button', { type: 'button', id: 'attention-show-all', onclick: () => grow(left) }, `Show all ${need.length}`) : null]);
  };
  grow(ATTENTION_PAGE);
  return h('div', {}, h('table', { id: 'attention' },
    h('thead', {}, h('tr', {}, ['Service', 'Status', 'Blast radius', 'Why'].map((x) => h('th', { scope: 'col' }, x)))), tbody), more);
}

// ---------------------------------------------------------------- service list
const columns = [
  ['name', 'Name'], ['version', 'Version'], ['owner', 'Owner'], ['health', 'Status'],
  ['blastRadius', 'Blast radius'], ['dependencyCount', 'Deps'], ['dependentCount', 'Dependents'], ['versionCount', 'Versions'],
  ['pactoVersion', 'Pacto'],
];
const rank = { error: 0, warning: 1, unknown: 2, ok: 3 };

export async function serviceList(query) {
  const list = await api('/api/services');
  const state = { q: query.get('q') || '', sort: query.get('sort') || 'name', desc: query.get('desc') === '1', health: query.get('health') || '' };
  const tbody = h('tbody', {});
  const count = h('span', { class: 'muted', 'aria-live': 'polite' });
  const head = h('tr', {});
  // The filters live in the hash (deep links, back navigation and auto-reload keep them),
  // written only on user changes so a view still loading never rewrites another page's hash.
  const remember = () => {
    const p = new URLSearchParams();
    if (state.q) p.set('q', state.q);
    if (state.sort !== 'name') p.set('sort', state.sort);
    if (state.desc) p.set('desc', '1');
    if (state.health) p.set('health', state.health);
    const qs = p.toString();
    history.replaceState(null, '', qs ? `#/services?${qs}` : '#/services');
  };
  function draw() {
    const q = state.q.toLowerCase();
    let rows = list.filter((s) => (!q || s.name.toLowerCase().includes(q) || (s.owner || '').toLowerCase().includes(q)) &&
      (!state.health || (state.health === 'problem' ? needsAttention(s) : s.health === state.health)));
    rows.sort((a, b) => {
      const k = state.sort;
      const av = k === 'health' ? rank[a.health] : a[k]; const bv = k === 'health' ? rank[b.health] : b[k];
      const r = typeof av === 'number' ? av - bv : String(av || '').localeCompare(String(bv || ''));
      return (state.desc ? -r : r) || a.name.localeCompare(b.name);
    });
    tbody.replaceChildren(...rows.map((s) => h('tr', { 'data-service': s.name },
      h('td', {}, h('a', { href: svcHref(s.name) }, s.name)),
      h('td', {}, s.version, s.updateAvailable ? h('span', { title: `newer: ${s.latestAvailable}` }, ' ↑') : null),
      h('td', {}, s.owner || ''), h('td', {}, statusBadges(s)),
      h('td', {}, String(s.blastRadius)), h('td', {}, String(s.dependencyCount)), h('td', {}, String(s.dependentCount)),
      h('td', {}, String(s.versionCount)), h('td', { class: 'mono' }, s.pactoVersion || ''))));
    count.textContent = `${rows.length} of ${list.length} services`;
    head.replaceChildren(...columns.map(([k, label]) => h('th', { scope: 'col', 'aria-sort': state.sort === k ? (state.desc ? 'descending' : 'ascending') : 'none' },
      h('button', { type: 'button', onclick: () => { state.desc = state.sort === k ? !state.desc : k === 'blastRadius'; state.sort = k; remember(); draw(); } },
        label, state.sort === k ? (state.desc ? ' ▼' : ' ▲') : ''))));
  }
  const input = h('input', { type: 'search', id: 'service-filter', placeholder: 'Filter by name or owner', value: state.q, 'aria-label': 'Filter services',
    oninput: (e) => { state.q = e.target.value; remember(); draw(); } });
  const sel = h('select', { id: 'status-filter', 'aria-label': 'Filter by status', onchange: (e) => { state.health = e.target.value; remember(); draw(); } },
    [['', 'All statuses'], ['problem', 'Needs attention'], ['error', 'Errors'], ['warning', 'Warnings'], ['unknown', 'Unknown'], ['ok', 'OK']]
      .map(([v, l]) => h('option', { value: v, selected: state.health === v }, l)));
  draw();
  return page('Services', h('h1', {}, 'Services'), h('div', { class: 'row' }, input, sel, count),
    h('table', { id: 'services' }, h('thead', {}, head), tbody));
}

// ---------------------------------------------------------------- service detail
function ownerView(o) {
  if (!o) return h('span', { class: 'muted' }, 'no owner');
  if (typeof o === 'string') return o;
  return h('span', {}, [o.team, o.dri ? ` (DRI ${o.dri})` : '',
    (o.contacts || []).map((c) => h('div', { class: 'muted' }, `${c.type}: ${c.value}${c.purpose ? ` (${c.purpose})` : ''}`))]);
}

function interfacesView(d) {
  if (!d.interfaces || !d.interfaces.length) return h('p', { class: 'muted' }, 'No interfaces declared.');
  return d.interfaces.map((i) => h('div', { class: 'iface' },
    h('h3', {}, i.name, ' ', badge(i.type, 'x'), i.port ? ` port ${i.port}` : '', i.visibility ? ` · ${i.visibility}` : ''),
    i.contractFile ? h('div', { class: 'muted mono' }, i.contractFile, i.hasContractFile ? '' : ' (missing)') : null,
    i.endpoints.length ? table(['Method', 'Path', 'Summary'], i.endpoints.map((e) => [h('code', {}, e.method), h('code', {}, e.path), e.summary]), { class: 'ops' }) : null,
    i.channels && i.channels.length ? table(['Channel', 'Address', 'Operations'], i.channels.map((c) => [h('code', {}, c.channel), c.address ? h('code', {}, c.address) : '', c.operations.join(', ')]), { class: 'channels' }) : null,
    i.rpcs && i.rpcs.length ? table(['Service', 'RPC', 'Signature'], i.rpcs.map((r) => [h('code', {}, r.service), h('code', {}, r.rpc), h('code', {}, r.signature)]), { class: 'rpcs' }) : null));
}

// Pacto 2.0 capabilities: health/metrics with the interface and path that serve them, or an
// extension's ref; a binding to an interface the contract does not declare is flagged.
function capabilitiesView(d) {
  const caps = d.capabilities || [];
  const binding = (c) => {
    const b = c.binding;
    if (!b) return h('span', { class: 'muted' }, 'no binding');
    return [b.type ? badge(b.type, 'x') : null, ' ', b.interface ? h('code', {}, b.interface) : null, b.path ? [' ', h('code', {}, b.path)] : null,
      c.bindingResolved === false ? [' ', badge('interface not declared', 'error')] : null];
  };
  return [
    caps.length ? table(['Capability', 'Binding', 'Ref'], caps.map((c) => [h('strong', {}, c.type), binding(c), c.ref ? h('code', {}, c.ref) : '']), { id: 'capabilities-table' })
      : h('p', { class: 'muted', id: 'capabilities-table' }, 'No capabilities declared.'),
    d.extensions && Object.keys(d.extensions).length ? [h('h3', {}, 'Extensions'),
      table(['Extension', 'Settings'], Object.entries(d.extensions).map(([k, v]) => [h('code', {}, k), h('code', { class: 'val' }, fmt(v))]), { id: 'extensions' })] : null,
  ];
}

// Workload and state, top-level in Pacto 2.0.
function workloadView(d) {
  if (!d.workload && !d.state) return null;
  const st = d.state || {};
  return h('div', { id: 'workload-state' }, h('strong', {}, 'Workload: '), h('code', {}, fmt(d.workload)),
    ' · ', h('strong', {}, 'State: '), h('code', {}, fmt(st.type)),
    st.persistenceScope || st.persistenceDurability ? ` (${[st.persistenceScope, st.persistenceDurability].filter(Boolean).join(', ')})` : '',
    st.dataCriticality ? [' · data criticality ', h('code', {}, st.dataCriticality)] : '');
}

function configView(d) {
  if (!d.configurations || !d.configurations.length) return h('p', { class: 'muted' }, 'No configuration.');
  return d.configurations.map((c) => h('div', {},
    h('h3', {}, c.name || c.path, c.schema ? h('span', { class: 'muted mono' }, ` ${c.schema}`) : '', c.ref ? h('span', { class: 'muted mono' }, ` ref ${c.ref}`) : ''),
    c.properties.length
      ? table(['Key', 'Type', 'Required', 'Value', 'Description'], c.properties.map((p) => [h('code', {}, p.key), p.type, p.required ? 'yes' : '', p.secret ? '(secret)' : fmt(p.value), p.description || '']), { class: 'config' })
      : h('pre', { class: 'mono' }, fmt(c.values))));
}

function depsView(d) {
  const deps = d.dependencies.filter((e) => e.type === 'dependency');
  const refs = d.dependencies.filter((e) => e.type === 'reference');
  return [
    deps.length ? table(['Service', 'Ref', 'Required', 'Compatibility', 'Resolves to', 'Problem'], deps.map((e) => [
      [e.resolved ? h('a', { href: svcHref(e.targetName) }, e.targetName) : h('span', {}, e.targetName, ' ', badge('external', 'external')),
        e.name && e.name !== e.targetName ? h('span', { class: 'muted' }, ` as ${e.name}`) : null],
      h('code', {}, e.ref), e.required ? 'required' : 'optional', h('code', {}, e.compatibility), e.resolvedVersion || '', e.problem || '']), { id: 'dependencies' })
      : h('p', { class: 'muted', id: 'dependencies' }, 'No dependencies.'),
    refs.length ? [h('h3', {}, 'References'), table(['Service', 'Ref'], refs.map((e) => [h('a', { href: svcHref(e.targetName) }, e.targetName), h('code', {}, e.ref)]))] : null,
    h('h3', {}, `Dependents (${d.dependents.length})`),
    d.dependents.length ? table(['Service', 'Required', 'Compatibility'], d.dependents.map((x) => [h('a', { href: svcHref(x.name) }, x.name), x.required ? 'required' : 'optional', h('code', {}, x.compatibility)]), { id: 'dependents' })
      : h('p', { class: 'muted', id: 'dependents' }, 'Nothing depends on this service.'),
    neighbourhoodView(d.name),
  ];
}

// "Expected dependencies / Observed traffic / Differences" (`--traces`): the declared
// dependencies with what the traces show of each, the calls made and received, and the two
// differences. Every name is text; links only go to this app's service pages.
function trafficView(t) {
  if (!t.available) return h('p', { class: 'banner warn', id: 'traffic-view' }, `Observed traffic unavailable: ${t.reason}`);
  const calls = (n) => (n === 1 ? '1 call' : `${n} calls`);
  const svc = (name, known) => (known ? h('a', { href: svcHref(name) }, name) : h('span', {}, name, ' ', badge('unknown service', 'external')));
  const diff = t.differences;
  return h('div', { id: 'traffic-view' },
    h('h3', {}, 'Expected dependencies'),
    t.expected.length
      ? table(['Service', 'Required', 'Observed traffic'], t.expected.map((e) => [svc(e.name, !e.targetId.startsWith('external:')), e.required ? 'required' : 'optional',
        e.observed ? calls(e.calls) : badge('not observed', 'warning')]), { id: 'traffic-expected' })
      : h('p', { class: 'muted', id: 'traffic-expected' }, 'No declared dependencies.'),
    h('h3', {}, 'Observed traffic'),
    t.observed.length
      ? table(['Calls to', 'Calls', 'Declared'], t.observed.map((o) => [svc(o.name, o.known), String(o.calls), o.declared ? 'yes' : badge('undeclared', 'warning')]), { id: 'traffic-observed' })
      : h('p', { class: 'muted', id: 'traffic-observed' }, 'The traces show no calls from this service.'),
    t.callers.length
      ? table(['Called by', 'Calls', 'Declared by the caller'], t.callers.map((o) => [svc(o.name, o.known), String(o.calls), o.declared ? 'yes' : badge('undeclared', 'warning')]), { id: 'traffic-callers' })
      : h('p', { class: 'muted', id: 'traffic-callers' }, 'The traces show no calls to this service.'),
    h('h3', {}, 'Differences'),
    diff.undeclared.length || diff.unobserved.length
      ? h('ul', { id: 'traffic-differences' },
        diff.undeclared.map((u) => h('li', {}, badge('observed, undeclared', 'warning'), ' ', svc(u.name, u.known), ` is called (${calls(u.calls)}) but not declared`)),
        diff.unobserved.map((u) => h('li', {}, badge('declared, not observed', 'x'), ' ', u.name, ` (${u.required ? 'required' : 'optional'}) is declared but never called in the traces`)))
      : h('p', { class: 'muted', id: 'traffic-differences' }, 'None: the traces match the declared dependencies.'));
}

// The service's neighbourhood: what it depends on and what depends on it, 1 or 2 hops out,
// drawn by the graph page's panel once the page is attached.
let neighbourhoodDepth = 1;
const SUBGRAPH_MAX = 150;
function neighbourhoodView(name) {
  const slot = h('div', {});
  const panel = () => subgraphPanel('neighbourhood', h('strong', {}, 'Neighbourhood'), (m) => ({
    ...neighbourhood(m, [name], neighbourhoodDepth, SUBGRAPH_MAX), center: name,
    label: `Neighbourhood of ${name}, depth ${neighbourhoodDepth}`,
  }));
  const depth = h('select', { id: 'neighbourhood-depth', 'aria-label': 'Neighbourhood depth', onchange: (e) => {
    neighbourhoodDepth = Number(e.target.value) === 2 ? 2 : 1;
    slot.replaceChildren(panel());
    runMounts(slot);
  } }, [1, 2].map((n) => h('option', { value: n, selected: n === neighbourhoodDepth }, n === 1 ? 'Direct (depth 1)' : 'Two hops (depth 2)')));
  slot.append(panel());
  return [h('h3', {}, 'Neighbourhood graph ', depth), slot];
}

// Where the service comes from (`/api/services/{name}/sources`: every source's view of it and
// the merged one) and its config/policy cross-references (`/refs`), loaded once attached.
function scalar(v) {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

function sourcesTable(agg) {
  const rows = agg.sources || [];
  if (!rows.length) return h('p', { class: 'muted' }, 'No source reports this service.');
  const merged = agg.merged || {};
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.service || {}).filter((k) => scalar(r.service[k]))))].sort();
  const cols = rows.map((r) => r.sourceType);
  return table(['Field', ...cols.map((c) => [c, merged.source === c ? ' (used)' : '']), 'Merged'], keys.map((k) => {
    const vals = rows.map((r) => fmt((r.service || {})[k]));
    const differs = new Set(vals).size > 1;
    return [differs ? h('strong', { class: 'differs', title: 'The sources disagree' }, k, ' ≠') : k, ...vals.map((v) => h('code', {}, v)), h('code', {}, fmt(merged[k]))];
  }), { id: 'source-breakdown' });
}

function refsTable(refs) {
  const row = (x) => [h('a', { href: svcHref(x.name) }, x.name), x.refType, h('code', {}, x.ref || ''), x.contractStatus ? badge(x.contractStatus, x.contractStatus) : ''];
  const refsOut = refs.references || [];
  const refsIn = refs.referencedBy || [];
  return [
    h('h3', {}, `References (${refsOut.length})`),
    refsOut.length ? table(['Service', 'Kind', 'Ref', 'Status'], refsOut.map(row), { id: 'refs-out' }) : h('p', { class: 'muted', id: 'refs-out' }, 'No configuration or policy refers to another service.'),
    h('h3', {}, `Referenced by (${refsIn.length})`),
    refsIn.length ? table(['Service', 'Kind', 'Ref', 'Status'], refsIn.map(row), { id: 'refs-in' }) : h('p', { class: 'muted', id: 'refs-in' }, 'No other service refers to this one.'),
  ];
}

function sourcesView(name) {
  const slot = h('div', { id: 'sources-view' }, h('p', { class: 'muted' }, 'Loading…'));
  return onMount(slot, async () => {
    const [agg, refs] = await Promise.all([`/api/services/${enc(name)}/sources`, `/api/services/${enc(name)}/refs`]
      .map((p) => api(p).catch((e) => ({ failed: e.message }))));
    slot.replaceChildren();
    add(slot, [
      agg.failed ? h('p', { class: 'muted' }, `Per-source breakdown unavailable: ${agg.failed}`) : sourcesTable(agg),
      refs.failed ? h('p', { class: 'muted' }, `Cross-references unavailable: ${refs.failed}`) : refsTable(refs)]);
    slot.dataset.ready = 'true';
  });
}

function validationView(v) {
  if (v.valid && !v.warnings.length) return h('p', {}, badge('valid', 'ok'), ' No errors or warnings.');
  const rows = v.errors.map((e) => [badge('error', 'error'), h('code', {}, e.code), h('code', {}, e.path), e.message])
    .concat(v.warnings.map((e) => [badge('warning', 'warning'), h('code', {}, e.code), h('code', {}, e.path), e.message]));
  return table(['', 'Code', 'Path', 'Message'], rows, { id: 'validation' });
}

// The bundle's documents, one shown at a time in a sandboxed frame; `open(path)` shows another.
function docsView(d) {
  if (!d.docs || !d.docs.length) return { view: h('p', { class: 'muted' }, 'No documentation in the bundle.'), open: null };
  const frame = h('div', {});
  const q = d.isCurrent ? '' : `&version=${enc(d.version)}`;
  const open = (doc) => frame.replaceChildren(h('iframe', { class: 'docframe', sandbox: '', title: doc.title, referrerpolicy: 'no-referrer',
    src: `/api/services/${enc(d.name)}/docs?path=${enc(doc.path)}${q}` }));
  const list = h('ul', {}, d.docs.map((doc) => h('li', {}, h('button', { type: 'button', onclick: () => open(doc) }, doc.title), ' ', h('span', { class: 'muted mono' }, doc.path))));
  open(d.docs[0]);
  return { view: [list, frame], open: (path) => {
    const doc = d.docs.find((x) => x.path === path);
    if (!doc) return false;
    open(doc);
    document.getElementById('docs').scrollIntoView();
    return true;
  } };
}

// The bundle's skills/*.md (what `pacto mcp BUNDLE` serves as pacto_skill), as plain text.
function skillsView(skills) {
  return h('div', { id: 'skills-list' }, h('p', { class: 'muted' }, 'Domain skills an assistant reads through pacto_skill.'),
    skills.map((s) => h('details', {}, h('summary', {}, h('code', {}, s.name), s.truncated ? ' (truncated)' : ''),
      h('pre', { class: 'mono' }, s.content))));
}

function sbomView(s) {
  if (!s) return h('p', { class: 'muted' }, 'No SBOM in the bundle.');
  if (s.error) return h('p', {}, badge('error', 'error'), ` ${s.file}: ${s.error}`);
  return [h('p', { class: 'muted' }, `${s.file} (${s.format}), ${s.packages.length} packages`),
    table(['Package', 'Version', 'License', 'Supplier'], s.packages.map((p) => [p.name, p.version, p.license, p.supplier]), { id: 'sbom' })];
}

function runtimeView(d) {
  const declared = d.runtime ? table(['Workload', 'State', 'Scope', 'Durability', 'Criticality'],
    [[d.runtime.workloadType, d.runtime.stateType, d.runtime.scope, d.runtime.durability, d.runtime.dataCriticality]]) : h('p', { class: 'muted' }, d.capabilities != null ? 'No workload or state declared.' : 'No runtime section.');
  // 2.0 has no lifecycle: only the health binding is shown, not the 1.x upgrade/shutdown fields.
  const v2 = d.capabilities != null;
  const lc = d.lifecycle ? h('p', {}, v2 ? '' : `Upgrade: ${d.lifecycle.upgradeStrategy || '-'} · graceful shutdown: ${fmt(d.lifecycle.gracefulShutdownSeconds)}s`,
    d.lifecycle.health ? `${v2 ? '' : ' · '}health: ${d.lifecycle.health.interface || ''} ${d.lifecycle.health.path || ''}` : '') : null;
  const sc = d.scaling ? h('p', {}, `Scaling: ${d.scaling.replicas != null ? `${d.scaling.replicas} replicas` : `${fmt(d.scaling.min)}–${fmt(d.scaling.max)} replicas`}`) : null;
  let observed;
  if (!d.runtimeEvaluated) {
    observed = h('p', { class: 'muted', id: 'runtime-state' }, 'Definition only: no runtime source reports this service, so the deployment is not evaluated.');
  } else {
    const r = d.runtimeState;
    observed = h('div', { id: 'runtime-state' },
      h('p', {}, `Kubernetes ${r.namespace}/${r.resource}: `, badge(r.contractStatus, r.contractStatus), ` version ${r.version} ${r.versionPolicy ? `(${r.versionPolicy})` : ''}`),
      d.runtimeDiff.length ? table(['Field', 'Declared', 'Observed', 'Status'], d.runtimeDiff.map((x) => [x.field, x.declaredValue, x.observedValue, badge(x.status, x.status === 'mismatch' ? 'error' : 'ok')])) : null,
      r.conditions.length ? table(['Condition', 'Status', 'Reason', 'Message'], r.conditions.map((c) => [fmt(c.type), fmt(c.status), fmt(c.reason), fmt(c.message)])) : null,
      r.endpoints.length ? table(['Endpoint', 'URL', 'Healthy', 'Error'], r.endpoints.map((e) => [fmt(e.type), fmt(e.url), e.healthy ? 'yes' : 'no', fmt(e.error)])) : null);
  }
  return [h('h3', {}, 'Declared'), declared, lc, sc, h('h3', {}, 'Observed'), observed];
}

// Go's wording and colours for the operator's verdict (contractStatus): Compliant green,
// Warning amber, NonCompliant and Invalid red, Unknown and the rest neutral (never green).
const verdictLabel = { Compliant: 'Compliant', Warning: 'Warning', NonCompliant: 'Non-compliant', Invalid: 'Invalid',
  Unknown: 'Unknown', Reference: 'Reference', NotEvaluated: 'Not evaluated' };
const verdictClass = { Compliant: 'ok', Warning: 'warning', NonCompliant: 'error', Invalid: 'error' };
const verdictWhy = {
  Compliant: 'every required assertion was observed and nothing contradicts the contract',
  Warning: 'nothing contradicts the contract, but there are warnings',
  NonCompliant: 'the runtime contradicts the contract',
  Invalid: 'the contract does not parse or validate',
  Unknown: 'the operator could not observe everything it needs: this is not a pass',
  Reference: 'a reference-only Pacto: nothing runs to evaluate',
  NotEvaluated: 'nothing was evaluated',
};
function verdictBadge(st) {
  return h('span', { class: `badge verdict b-${verdictClass[st] || 'neutral'}`, 'data-verdict': st }, verdictLabel[st] || st);
}

// HH:MM (UTC) of an RFC 3339 time, as the operator wrote it.
function hhmm(t) {
  const m = /T(\d\d):(\d\d)/.exec(t || '');
  return m ? `${m[1]}:${m[2]} UTC` : (t || '?');
}

// The operator's Pacto 2.0 evaluation: verdict, coverage, findings by severity, observation
// windows still waiting, and the three conditions.
// The share of required assertions evaluated (the width is set on the element: the CSP
// refuses inline style attributes).
function coverageBar(cov, complete, label) {
  const fill = h('span', { class: `fill ${complete ? 'ok' : 'partial'}` });
  fill.style.width = `${Math.max(0, Math.min(100, Math.round(100 * cov.evaluated / cov.required)))}%`;
  return h('span', { class: 'bar cov', role: 'img', 'aria-label': label, title: label }, fill);
}

const findingGroups = [['error', 'Errors'], ['warning', 'Warnings'], ['unknown', 'Unknown (could not be evaluated)'], ['info', 'Info']];
function evaluationView(d) {
  const e = d.evaluation;
  const cov = e.coverage;
  const covText = cov ? `${cov.evaluated} of ${cov.required} required assertions evaluated` : 'coverage not reported';
  const complete = cov && cov.evaluated >= cov.required;
  const groups = findingGroups.filter(([k]) => e.findings[k].length).map(([k, label]) => h('div', { class: `findings findings-${k}`, 'data-severity': k },
    h('h3', {}, `${label} (${e.findings[k].length})`),
    table(['Severity', 'Code', 'Category', 'Subject', 'Message'], e.findings[k].map((f) => [badge(f.severity, f.severity === 'unknown' ? 'unknown' : f.severity),
      h('code', {}, f.code), f.category, h('code', {}, f.subject), [f.message, f.contractPath ? h('div', { class: 'muted mono' }, f.contractPath) : null]]), { class: 'finding-table' })));
  const pending = e.observationWindows.filter((w) => w.pending);
  const windows = e.observationWindows.length ? h('div', { id: 'observation-windows' }, h('h3', {}, 'Observation windows'),
    h('ul', {}, e.observationWindows.map((w) => h('li', { 'data-pending': String(!!w.pending) },
      w.pending ? `Waiting until ${hhmm(w.waitingUntil)} for ${w.kind}/${w.subject}: negative since ${hhmm(w.firstObservedNegativeAt)}; it counts only if it lasts the ${Math.round(e.stabilizationWindowSeconds / 60 * 10) / 10}m stabilization window.`
        : `${w.kind}/${w.subject}: negative since ${hhmm(w.firstObservedNegativeAt)}, past the stabilization window (since ${hhmm(w.waitingUntil)}).`)))) : null;
  return h('div', { id: 'evaluation-body' },
    h('p', { id: 'verdict' }, h('strong', {}, 'Runtime verdict: '), verdictBadge(e.verdict), ' ', h('span', { class: 'muted' }, verdictWhy[e.verdict] || '')),
    h('p', { id: 'coverage' }, h('strong', {}, 'Coverage: '), h('span', { class: complete ? '' : 'cov-partial' }, covText),
      cov && cov.required ? coverageBar(cov, complete, covText) : null,
      pending.length ? h('span', { class: 'muted' }, ` · ${pending.length} observation(s) still inside the stabilization window`) : null),
    groups.length ? groups : h('p', { class: 'muted', id: 'no-findings' }, 'No findings.'),
    windows,
    e.conditions.length ? [h('h3', {}, 'Conditions'), table(['Condition', 'Status', 'Reason', 'Message'], e.conditions.map((c) => [fmt(c.type),
      badge(fmt(c.status), c.status === 'True' ? 'ok' : c.status === 'False' ? 'error' : 'unknown'), fmt(c.reason), fmt(c.message)]), { id: 'evaluation-conditions' })] : null);
}

function versionsView(d) {
  const notFetched = d.versions.filter((v) => !v.fetched).length;
  const status = h('span', { class: 'muted', 'aria-live': 'polite' });
  const fetchAll = notFetched ? h('button', { type: 'button', onclick: async (ev) => {
    ev.target.disabled = true; status.textContent = 'Fetching…';
    try { const r = await post('/api/versions', { name: d.name }); status.textContent = `Fetched ${r.fetched} versions.`; window.dispatchEvent(new HashChangeEvent('hashchange')); }
    catch (e) { status.textContent = `Failed: ${e.message}`; ev.target.disabled = false; }
  } }, `Fetch all versions (${notFetched} not fetched)`) : null;
  return [h('div', { class: 'row' }, fetchAll, status),
    table(['Version', 'Change from previous', 'Source', 'Hash', ''], d.versions.map((v) => [
      h('a', { href: `${svcHref(d.name)}/versions/${enc(v.version)}` }, v.version), v.classification ? badge(v.classification, v.classification) : (v.fetched ? '' : h('span', { class: 'muted' }, 'not fetched')),
      v.source, h('code', {}, (v.contractHash || '').slice(0, 12)),
      [v.isCurrent ? badge('current', 'ok') : [h('a', { href: `${svcHref(d.name)}/diff?from=${enc(v.version)}&to=${enc(d.currentVersion)}` }, 'diff with current'), ' · ',
        h('a', { class: 'change-link', href: `#/change?${new URLSearchParams({ service: d.name, from: v.version, to: d.currentVersion })}` }, 'change analysis')]]]), { id: 'versions' })];
}

// A section's `sectionMeta`: present, empty, not applicable or unavailable, why, and from where.
const metaLabel = { present: 'present', empty: 'empty', not_applicable: 'not applicable', unavailable: 'unavailable' };
function metaLine(m) {
  if (!m) return null;
  return h('p', { class: 'meta muted', 'data-state': m.state },
    badge(metaLabel[m.state] || m.state, m.state === 'unavailable' ? 'warning' : 'x'),
    m.source ? ` from ${m.source}` : '', m.overriddenBy ? ` (overridden by ${m.overriddenBy})` : '', m.reason ? ` · ${m.reason}` : '');
}

export async function serviceDetail(name, version) {
  const path = version ? `/api/services/${enc(name)}/versions/${enc(version)}` : `/api/services/${enc(name)}`;
  const d = await api(path);
  const noContract = !d.interfaces;
  d.interfaces = d.interfaces || []; d.configurations = d.configurations || []; d.policies = d.policies || [];
  d.docs = d.docs || []; d.dependencies = d.dependencies || []; d.dependents = d.dependents || [];
  const toc = [['sources-s', 'Sources'], ['interfaces', 'Interfaces'], ['configuration', 'Configuration'], ['policies', 'Policies'], ['deps', 'Dependencies'],
    ['readiness', 'Readiness'], ['validation-s', 'Validation'], ['docs', 'Documentation'], ['sbom-s', 'SBOM'], ['runtime', 'Contract vs runtime'], ['versions-s', 'Versions']];
  if (d.traffic) toc.splice(5, 0, ['traffic', 'Observed traffic']);
  // Pacto 2.0 contracts (capabilities is an array, null for 1.x) get a Capabilities section.
  const v2 = Array.isArray(d.capabilities);
  if (v2) toc.splice(2, 0, ['capabilities', 'Capabilities']);
  if (d.skills && d.skills.length) toc.splice(toc.findIndex(([id]) => id === 'docs') + 1, 0, ['skills', 'Skills']);
  if (d.evaluation) toc.unshift(['evaluation', 'Runtime evaluation']);
  const docs = docsView(d);
  const meta = d.sectionMeta || {};
  const docPaths = new Set(d.docs.map((x) => x.path));
  return page(d.name,
    h('p', { class: 'muted' }, h('a', { href: '#/services' }, 'Services'), ' / ', d.name),
    !d.isCurrent ? h('div', { class: 'banner warn' }, `Historical version ${d.version}. `, h('a', { href: svcHref(d.name) }, 'Back to current'), ' · ',
      h('a', { href: `${svcHref(d.name)}/diff?from=${enc(d.version)}&to=${enc(d.currentVersion)}` }, 'Compare with current')) : null,
    h('h1', { id: 'service-name' }, d.name, ' ', h('span', { class: 'muted' }, d.version)),
    h('div', { class: 'row' }, statusBadges(d), badge(`blast radius ${d.blastRadius}`, d.blastRadius >= 3 ? 'warning' : 'x'),
      d.runtimeEvaluated ? null : badge('Definition only', 'x'), ...d.sources.map((s) => badge(s, 'x')),
      d.updateAvailable ? badge(`update available: ${d.latestAvailable}`, 'warning') : null),
    h('nav', { class: 'row', 'aria-label': 'Sections' }, toc.map(([id, l]) => h('a', { href: `#/services/${enc(d.name)}`, onclick: (e) => { e.preventDefault(); document.getElementById(id).scrollIntoView(); } }, l)),
      h('a', { href: `#/graph?focus=${enc(d.name)}` }, 'Show in graph')),
    d.insights.length ? h('div', { class: 'panel', id: 'insights' }, h('h2', {}, 'Insights'), h('ul', {}, d.insights.map((i) => h('li', {}, badge(i.severity, i.severity), ` ${i.title}: ${i.description}`)))) : null,
    h('div', { class: 'panel' }, h('h2', {}, 'Overview'), h('div', { class: 'grid2' },
      h('div', {}, h('strong', {}, 'Owner: '), ownerView(d.owner), workloadView(d)),
      h('div', {}, d.pactoVersion ? h('div', {}, h('strong', {}, 'pactoVersion: '), h('code', { id: 'pacto-version' }, d.pactoVersion)) : null, d.imageRef ? [h('strong', {}, 'Image: '), h('code', {}, d.imageRef)] : null, h('div', { class: 'muted mono' }, d.ref))),
      d.metadata ? table(['Metadata', 'Value'], Object.entries(d.metadata).map(([k, v]) => [k, fmt(v)])) : null),
    d.evaluation ? section('Runtime evaluation', 'evaluation', evaluationView(d)) : null,
    section('Sources', 'sources-s', sourcesView(d.name)),
    section('Interfaces', 'interfaces', metaLine(meta.interfaces), interfacesView(d)),
    v2 ? section('Capabilities', 'capabilities', metaLine(meta.capabilities), capabilitiesView(d)) : null,
    section('Configuration', 'configuration', metaLine(meta.configurations), configView(d)),
    section('Policies', 'policies', metaLine(meta.policies), d.policies.length ? d.policies.map((p) => h('div', {}, h('strong', {}, p.title || p.name || p.path), ' ', p.description || '', p.schema ? h('span', { class: 'muted mono' }, ` ${p.schema}`) : '', p.ref ? h('span', { class: 'mono' }, ` ref ${p.ref}`) : '')) : h('p', { class: 'muted' }, 'No policies.')),
    section('Dependencies', 'deps', metaLine(meta.dependencies), depsView(d)),
    d.traffic ? section('Observed traffic', 'traffic', trafficView(d.traffic)) : null,
    section('Readiness', 'readiness', metaLine(meta.readiness), readinessView(d.readiness, docs.open ? (path) => docPaths.has(path) && docs.open(path) : null, docPaths)),
    section('Validation', 'validation-s', metaLine(meta.validation), noContract ? h('p', { class: 'muted' }, 'No contract content: only Kubernetes knows this service.') : validationView(d.validation)),
    section('Documentation', 'docs', metaLine(meta.docs), docs.view),
    d.skills && d.skills.length ? section('Skills', 'skills', skillsView(d.skills)) : null,
    section('SBOM', 'sbom-s', metaLine(meta.sbom), sbomView(d.sbom)),
    section('Contract vs runtime', 'runtime', metaLine(meta.runtimeDiff), runtimeView(d)),
    section('Versions', 'versions-s', versionsView(d)));
}

// ---------------------------------------------------------------- diffs
export function changesView(r) {
  return h('div', { id: 'diff-result', 'data-key': `${r.from.name}@${r.from.version}..${r.to.name}@${r.to.version}` },
    h('p', {}, `${r.from.name} ${r.from.version} → ${r.to.name} ${r.to.version}: `, h('span', { id: 'classification' }, badge(r.classification, r.classification)), ` ${r.changes.length} changes`),
    r.warnings && r.warnings.length ? h('ul', { class: 'muted', id: 'diff-warnings' }, r.warnings.map((w) => h('li', {}, w))) : null,
    r.changes.length ? table(['Path', 'Change', 'Old', 'New', 'Classification', 'Reason'], r.changes.map((c) => [
      h('code', {}, c.path), h('span', { class: `chg-${c.type}` }, c.type), h('code', { class: 'val' }, fmt(c.oldValue)), h('code', { class: 'val' }, fmt(c.newValue)),
      badge(c.classification, c.classification), c.explanation ? [c.reason, h('div', { class: 'muted' }, c.explanation)] : c.reason]), { id: 'changes', class: 'changes' }) : h('p', {}, 'No changes.'),
    r.sbomDiff && r.sbomDiff.changes.length ? [h('h3', {}, 'SBOM changes'), table(['Package', 'Change', 'Field', 'Old', 'New'], r.sbomDiff.changes.map((c) => [c.package, c.type, c.field || '', h('span', { class: 'val' }, c.oldValue || ''), h('span', { class: 'val' }, c.newValue || '')]), { class: 'changes sbom-changes' })] : null);
}

export function versionSelect(label, versions, value, onchange) {
  return h('label', {}, `${label} `, h('select', { onchange: (e) => onchange(e.target.value) }, versions.map((v) => h('option', { value: v.version, selected: v.version === value }, v.version))));
}

export async function diffPage(name, query) {
  const [versions, failures] = await Promise.all([api(`/api/services/${enc(name)}/versions`), sourceFailuresBanner()]);
  const from = query.get('from') || (versions[1] || versions[0] || {}).version;
  const to = query.get('to') || (versions[0] || {}).version;
  const go = (f, t) => { location.hash = `${svcHref(name)}/diff?from=${enc(f)}&to=${enc(t)}`; };
  let result;
  try {
    result = changesView(await api(`/api/diff?from_name=${enc(name)}&from_version=${enc(from)}&to_name=${enc(name)}&to_version=${enc(to)}`));
  } catch (e) { result = h('div', { class: 'banner err', role: 'alert' }, `Cannot diff: ${e.message}`); }
  return page(`${name} diff`, h('p', { class: 'muted' }, h('a', { href: svcHref(name) }, name), ' / diff'),
    h('h1', {}, `${name}: version diff`), failures,
    h('div', { class: 'row' }, versionSelect('From', versions, from, (v) => go(v, to)), versionSelect('To', versions, to, (v) => go(from, v)),
      h('a', { id: 'to-change-analysis', href: `#/change?${new URLSearchParams({ service: name, from: from || '', to: to || '' })}` }, 'Who does this affect? Change analysis')),
    result);
}

export async function comparePage(query) {
  // A failed source is named in a banner; the services of the others stay comparable.
  const [list, failures] = await Promise.all([api('/api/services'), sourceFailuresBanner()]);
  const fromName = query.get('from_name') || (list[0] || {}).name;
  const toName = query.get('to_name') || (list[1] || list[0] || {}).name;
  const fromVer = query.get('from_ver') || ''; const toVer = query.get('to_ver') || '';
  const go = (p) => {
    const q = Object.assign({ from_name: fromName, from_ver: fromVer, to_name: toName, to_ver: toVer }, p);
    location.hash = `#/diff?${new URLSearchParams(q)}`;
  };
  const svcSel = (label, value, key) => h('label', {}, `${label} `, h('select', { onchange: (e) => go({ [key]: e.target.value, [key === 'from_name' ? 'from_ver' : 'to_ver']: '' }) },
    list.map((s) => h('option', { value: s.name, selected: s.name === value }, s.name))));
  // A service whose versions cannot be listed (its source failed) still leaves the page usable.
  const missing = [];
  const [fv, tv] = await Promise.all([fromName, toName].map((n) => (n ? api(`/api/services/${enc(n)}/versions`).catch((e) => {
    missing.push(`${n}: ${e.message}`);
    return [];
  }) : [])));
  let result = null;
  if (fromName && toName) {
    try { result = changesView(await api(`/api/diff?from_name=${enc(fromName)}&from_version=${enc(fromVer)}&to_name=${enc(toName)}&to_version=${enc(toVer)}`)); }
    catch (e) { result = h('div', { class: 'banner err', role: 'alert' }, `Cannot compare: ${e.message}`); }
  }
  return page('Compare', h('h1', {}, 'Compare two services or versions'), failures,
    missing.length ? h('div', { class: 'banner warn', role: 'alert' }, `Versions unavailable: ${missing.join('; ')}`) : null,
    h('div', { class: 'row' }, svcSel('From', fromName, 'from_name'), versionSelect('version', fv, fromVer || (fv[0] || {}).version, (v) => go({ from_ver: v })),
      svcSel('To', toName, 'to_name'), versionSelect('version', tv, toVer || (tv[0] || {}).version, (v) => go({ to_ver: v }))), result);
}

// ---------------------------------------------------------------- owners
export async function ownersPage(owner) {
  const owners = await api('/api/owners');
  const shown = owner ? owners.filter((o) => o.owner === owner) : owners;
  const max = Math.max(1, ...owners.map((o) => o.services.length));
  return page('Owners', h('h1', {}, owner ? `Owner ${owner}` : 'Owners'),
    owner ? h('p', {}, h('a', { href: '#/owners' }, 'All owners')) : null,
    table(['Owner', 'Services', ''], shown.map((o) => [
      h('a', { href: `#/owners/${enc(o.owner)}` }, o.owner),
      h('div', {}, o.services.map((s) => h('div', {}, h('a', { href: svcHref(s.name) }, s.name), ' ', badge(healthLabel[s.health] || s.health, s.health)))),
      h('div', { style: null, class: 'bar', 'aria-label': `${o.services.length} services` }, '█'.repeat(Math.round((o.services.length / max) * 20)), ` ${o.services.length}`),
    ]), { id: 'owners' }),
    owner && shown[0] && shown[0].details && typeof shown[0].details === 'object' ? h('div', { class: 'panel' }, h('h2', {}, 'Contacts'), ownerView(shown[0].details)) : null,
    owner && shown[0] ? h('div', { class: 'panel' }, h('h2', {}, 'Services and their edges'), ownerGraph(shown[0])) : null);
}

// The owner's services, the edges between them, and (muted) the services they touch directly.
function ownerGraph(o) {
  const mine = o.services.map((s) => s.name);
  return subgraphPanel('owner-graph', h('span', { class: 'muted' }, 'Muted nodes belong to other owners.'), (m) => {
    const own = new Set(mine.filter((id) => m.byId.has(id)));
    const near = neighbourhood(m, [...own], 1, SUBGRAPH_MAX);
    return { ...near, outside: new Set(near.nodes.map((n) => n.id).filter((id) => !own.has(id))), label: `Services of ${o.owner} and their edges` };
  });
}
