// The dependency graph: D3 force layout, status colours, required (solid) vs optional (dashed)
// vs reference (dotted) edges, zoom/pan, blast-radius highlight on hover or focus, click or
// Enter to open a service. Labels are set with .text() only. With a trace file (`--traces`),
// declared dependencies the traces never show are drawn faded, and the graph page adds the
// observed calls no dependency declares as dashed "observed, undeclared" edges.
//
// `drawGraph` is the one graph panel: the graph page, the neighbourhood on a service's detail
// page and the owner page all draw through it.
import { h, api, svcHref, onMount, sourceFailuresBanner } from './dom.js';

// The global graph (`/api/graph`) as nodes, resolved links and a blast-radius function
// (breadth-first over reverse required dependency edges, like the server's blast radius).
// `observed` holds the drawable undeclared calls (both ends are nodes); they never count for
// the blast radius or the neighbourhoods.
export function graphModel(g) {
  const nodes = g.nodes.map((n) => ({ ...n }));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const links = [];
  for (const n of nodes) {
    for (const e of n.edges) {
      if (byId.has(e.targetId)) links.push({ source: n.id, target: e.targetId, required: e.required, type: e.type, observed: e.observed, calls: e.observedCalls });
    }
  }
  const observed = (g.undeclared || []).filter((u) => byId.has(u.callerId) && byId.has(u.calleeId))
    .map((u) => ({ source: u.callerId, target: u.calleeId, required: false, type: 'undeclared', calls: u.calls }));
  const dependents = new Map();
  for (const l of links) {
    if (l.type === 'dependency' && l.required) {
      if (!dependents.has(l.target)) dependents.set(l.target, []);
      dependents.get(l.target).push(l.source);
    }
  }
  function blast(id) {
    const seen = new Set([id]);
    const queue = [id];
    while (queue.length) {
      for (const d of dependents.get(queue.shift()) || []) if (!seen.has(d)) { seen.add(d); queue.push(d); }
    }
    return seen;
  }
  return { nodes, byId, links, observed, traffic: g.traffic || null, undeclared: g.undeclared || [], blast };
}

const callsText = (n) => (n === 1 ? '1 call' : `${n} calls`);

function edgeClass(d) {
  if (d.type === 'undeclared') return 'edge undeclared';
  const kind = d.type === 'reference' ? 'reference' : (d.required ? 'required' : 'optional');
  return `edge ${kind}${d.observed === false ? ' unobserved' : ''}`;
}

function edgeTitle(d) {
  const ends = `${d.source.serviceName} → ${d.target.serviceName}`;
  if (d.type === 'undeclared') return `${ends}: observed, undeclared (${callsText(d.calls)})`;
  const kind = d.type === 'reference' ? 'reference' : `${d.required ? 'required' : 'optional'} dependency`;
  if (d.observed === true) return `${ends}: ${kind}, observed (${callsText(d.calls)})`;
  if (d.observed === false) return `${ends}: ${kind}, declared, not observed`;
  return `${ends}: ${kind}`;
}

// The part of the graph within `depth` hops of `roots`: what they depend on (following edges)
// and what depends on them (against edges), nearest first, at most `maxNodes` nodes. Returns
// fresh copies (D3 mutates what it draws) plus the untruncated total.
export function neighbourhood(m, roots, depth, maxNodes) {
  const out = new Map();
  const inn = new Map();
  for (const l of m.links) {
    if (!out.has(l.source)) out.set(l.source, []);
    out.get(l.source).push(l.target);
    if (!inn.has(l.target)) inn.set(l.target, []);
    inn.get(l.target).push(l.source);
  }
  const order = roots.filter((id) => m.byId.has(id));
  const level = new Map(order.map((id) => [id, 0]));
  // Each direction keeps its own visited set (a cycle must not cut the other walk short).
  const walks = [[out, new Set(order), [...order]], [inn, new Set(order), [...order]]];
  for (let d = 1; d <= depth; d++) {
    for (const w of walks) {
      const [adj, seen, frontier] = w;
      const next = [];
      for (const id of frontier) {
        for (const t of adj.get(id) || []) {
          if (seen.has(t)) continue;
          seen.add(t);
          next.push(t);
          if (!level.has(t)) { level.set(t, d); order.push(t); }
        }
      }
      w[2] = next;
    }
  }
  const kept = new Set(order.slice(0, maxNodes));
  return {
    nodes: order.slice(0, maxNodes).map((id) => ({ ...m.byId.get(id), depth: level.get(id) })),
    links: m.links.filter((l) => kept.has(l.source) && kept.has(l.target)).map((l) => ({ ...l })),
    total: order.length,
  };
}

// Draw `nodes`/`links` into `wrap` (which must be in the document). Options:
//   id       the svg's id                  label   its accessible name
//   status   an element for hover messages blast   id -> Set of ids hit when it fails
//   center   an id to pin in the middle    outside ids drawn muted (context, not the subject)
export function drawGraph(wrap, nodes, links, opts) {
  const d3 = window.d3;
  const o = opts || {};
  const width = wrap.clientWidth || 900;
  const height = wrap.clientHeight || 600;
  const big = nodes.length > 300;
  const svg = d3.select(wrap).append('svg').attr('id', o.id || null).attr('class', 'graph').attr('role', 'group')
    .attr('aria-label', o.label || `Dependency graph of ${nodes.length} nodes and ${links.length} edges`)
    .attr('viewBox', [0, 0, width, height]);
  const marker = `arrow-${o.id || 'g'}`;
  svg.append('defs').append('marker').attr('id', marker).attr('viewBox', '0 -5 10 10').attr('refX', 10).attr('refY', 0)
    .attr('markerWidth', 6).attr('markerHeight', 6).attr('orient', 'auto')
    .append('path').attr('d', 'M0,-5L10,0L0,5').attr('fill', 'currentColor').attr('opacity', 0.6);
  const layer = svg.append('g');
  // A large graph shows its labels and arrowheads only once zoomed in enough to see them: a
  // thousand overlapping labels and arrowheads cost every repaint and show nothing.
  if (big) svg.classed('big', true);
  let detailed = !big;
  let linkSel = null;
  const arrow = `url(#${marker})`;
  const zoom = d3.zoom().scaleExtent([0.05, 8]).on('zoom', (ev) => {
    layer.attr('transform', ev.transform);
    const on = ev.transform.k >= 1.2;
    if (big && on !== detailed) {
      detailed = on;
      svg.classed('labels', on);
      if (linkSel) linkSel.attr('marker-end', on ? arrow : null);
    }
  });
  svg.call(zoom);

  const center = o.center ? nodes.find((n) => n.id === o.center) : null;
  if (center) { center.fx = width / 2; center.fy = height / 2; }
  // A layout computed before for the same nodes and edges (this tab, this size) is reused:
  // coming back to the graph costs no simulation at all.
  const key = o.cacheKey ? `pacto-layout:${width}x${height}:${o.cacheKey}` : null;
  const cached = key ? readLayout(key, nodes) : false;
  const sim = d3.forceSimulation(nodes)
    .force('link', d3.forceLink(links).id((d) => d.id).distance(big ? 40 : 110).strength(0.4))
    .force('charge', d3.forceManyBody().strength(big ? -40 : -450).theta(0.9))
    .force('center', d3.forceCenter(width / 2, height / 2))
    .force('x', d3.forceX(width / 2).strength(0.04))
    .force('y', d3.forceY(height / 2).strength(0.04))
    .stop();
  // Settle off-screen for a bounded time, then draw. A large graph is never animated (moving a
  // thousand nodes would cost every frame, and every keystroke in the search): it is drawn
  // after a short layout and redrawn once when it has settled in the background.
  let ticks = 0;
  let settling = false; // a large graph still settling in the background (see below)
  if (cached) {
    ticks = 300;
  } else {
    if (big) sim.alphaDecay(0.05); // about 135 ticks to settle instead of 300
    const budget = performance.now() + (big ? 120 : 400);
    while (ticks < 300 && sim.alpha() > sim.alphaMin() && performance.now() < budget) { sim.tick(); ticks++; }
    if (sim.alpha() <= sim.alphaMin()) ticks = 300;
    else if (big) { settling = true; ticks = 300; }
    if (key && !settling && ticks >= 300) writeLayout(key, nodes);
  }
  const outside = o.outside || new Set();
  const link = layer.append('g').attr('class', 'edges').selectAll('line').data(links).join('line')
    .attr('class', edgeClass)
    .attr('marker-end', detailed ? arrow : null);
  linkSel = link;
  // A large graph's edge titles are made when first hovered (thousands of them cost the first
  // paint and are read one at a time).
  if (big) link.on('mouseenter', function (ev, d) { if (!this.querySelector('title')) d3.select(this).append('title').text(edgeTitle(d)); });
  else link.append('title').text(edgeTitle);
  const edgeLabel = layer.append('g').selectAll('text').data(links.filter((l) => l.type === 'undeclared')).join('text')
    .attr('class', 'edge-label').attr('text-anchor', 'middle').text('observed, undeclared');
  const node = layer.append('g').attr('class', 'nodes').selectAll('g').data(nodes).join('g')
    .attr('class', (d) => `node s-${d.status === 'external' ? 'external' : d.health}${d.id === o.center ? ' center' : ''}${outside.has(d.id) ? ' outside' : ''}`)
    .attr('data-id', (d) => d.id)
    .attr('tabindex', 0).attr('role', 'link')
    .attr('aria-label', (d) => `${d.serviceName} ${d.version || ''} ${d.status}, blast radius ${d.blastRadius}`);
  const radius = (d) => 6 + Math.min(10, Math.sqrt(d.blastRadius || 0) * 3);
  node.append('circle').attr('r', radius);
  node.append('title').text((d) => `${d.serviceName} ${d.version || ''}\n${d.status}${d.reason ? ` (${d.reason})` : ''}\nblast radius ${d.blastRadius}`);
  node.append('text').attr('x', 10).attr('y', 4).text((d) => d.serviceName);

  const open = (d) => { if (d.status !== 'external') location.hash = svcHref(d.serviceName); };
  node.on('click', (ev, d) => open(d)).on('keydown', (ev, d) => { if (ev.key === 'Enter') open(d); });
  const blast = o.blast || ((id) => new Set([id]));
  // Highlighting touches only the elements whose state changes: the svg's `dimming` class dims
  // everything else through CSS instead of a class on each of thousands of elements.
  const nodeEl = new Map();
  node.each(function (d) { nodeEl.set(d.id, this); });
  const linkEls = link.nodes();
  let lit = null; // { nodes: Set of ids, links: Set of link indexes }
  const toggle = (els, cls, on) => { for (const el of els) el.classList.toggle(cls, on); };
  const clear = () => {
    if (!lit) return;
    toggle(lit.nodes.map((id) => nodeEl.get(id)), 'hot', false);
    for (const i of lit.links) linkEls[i].classList.remove('in', 'hot');
    svg.node().classList.remove('dimming');
    lit = null;
  };
  const highlight = (d) => {
    const hit = blast(d.id);
    clear();
    const inLinks = new Set();
    links.forEach((l, i) => { if (hit.has(l.source.id) && hit.has(l.target.id)) inLinks.add(i); });
    svg.node().classList.add('dimming');
    const shown = [...hit].filter((id) => nodeEl.has(id)); // the blast radius may reach beyond this panel
    toggle(shown.map((id) => nodeEl.get(id)), 'hot', true);
    for (const i of inLinks) { linkEls[i].classList.add('in'); if (links[i].required) linkEls[i].classList.add('hot'); }
    lit = { nodes: shown, links: inLinks };
    if (o.status) o.status.textContent = `${d.serviceName}: ${hit.size - 1} services affected if it fails`;
  };
  node.on('mouseenter focus', (ev, d) => highlight(d)).on('mouseleave blur', clear);
  node.call(d3.drag()
    .on('start', (ev, d) => { if (!ev.active) sim.alphaTarget(0.2).restart(); d.fx = d.x; d.fy = d.y; })
    .on('drag', (ev, d) => { d.fx = ev.x; d.fy = ev.y; })
    .on('end', (ev, d) => { if (!ev.active) sim.alphaTarget(0); if (d !== center) { d.fx = null; d.fy = null; } }));

  // Edges stop at the target's rim, so the arrowhead shows.
  const rim = (d, axis) => {
    const dx = d.target.x - d.source.x; const dy = d.target.y - d.source.y;
    const len = Math.hypot(dx, dy) || 1;
    const r = radius(d.target) + 2;
    return axis === 'x' ? d.target.x - (dx / len) * r : d.target.y - (dy / len) * r;
  };
  const draw = () => {
    link.attr('x1', (d) => d.source.x).attr('y1', (d) => d.source.y).attr('x2', (d) => rim(d, 'x')).attr('y2', (d) => rim(d, 'y'));
    edgeLabel.attr('x', (d) => (d.source.x + d.target.x) / 2).attr('y', (d) => (d.source.y + d.target.y) / 2 - 4);
    node.attr('transform', (d) => `translate(${d.x},${d.y})`);
  };
  draw();
  // Fit the settled layout into the view (until the user zooms or pans).
  let userMoved = false;
  const fit = () => {
    if (!nodes.length || userMoved) return;
    const xs = nodes.map((d) => d.x); const ys = nodes.map((d) => d.y);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const k = Math.min(2, 0.85 * Math.min(width / Math.max(1, x1 - x0 + 120), height / Math.max(1, y1 - y0 + 60)));
    svg.call(zoom.transform, d3.zoomIdentity.translate(width / 2, height / 2).scale(k).translate(-(x0 + x1) / 2, -(y0 + y1) / 2));
  };
  fit();
  zoom.on('start.user', (ev) => { if (ev.sourceEvent) userMoved = true; });
  sim.on('tick', draw);
  // Keep settling (small graphs only) when the budget ran out before the layout did.
  if (ticks < 300) { sim.restart(); setTimeout(() => sim.stop(), 4000); }
  // A large graph is drawn after a short layout and then settles in the background, in slices
  // of a few milliseconds (a keystroke waits at most one slice), and is redrawn once at the end.
  if (settling) {
    const svgEl = svg.node();
    const slice = () => {
      if (!svgEl.isConnected) return;
      const until = performance.now() + 6;
      while (sim.alpha() > sim.alphaMin() && performance.now() < until) sim.tick();
      if (sim.alpha() > sim.alphaMin()) { setTimeout(slice, 0); return; }
      draw();
      fit();
      if (key) writeLayout(key, nodes);
      svgEl.dataset.settled = 'true';
    };
    setTimeout(slice, 0);
  } else {
    svg.node().dataset.settled = 'true';
  }
  return { svg, node, link, highlight, clear, open, nodeEls: node.nodes() };
}

// Layout cache (sessionStorage, per tab): positions by node id, for the same graph and size.
function readLayout(key, nodes) {
  let pos;
  try { pos = JSON.parse(sessionStorage.getItem(key) || 'null'); } catch (e) { return false; }
  if (!pos || typeof pos !== 'object') return false;
  if (!nodes.every((n) => Array.isArray(pos[n.id]))) return false;
  for (const n of nodes) { [n.x, n.y] = pos[n.id]; n.vx = 0; n.vy = 0; }
  return true;
}

function writeLayout(key, nodes) {
  const pos = {};
  for (const n of nodes) pos[n.id] = [Math.round(n.x * 10) / 10, Math.round(n.y * 10) / 10];
  try {
    for (let i = sessionStorage.length - 1; i >= 0; i--) {
      const k = sessionStorage.key(i);
      if (k && k.startsWith('pacto-layout:') && k !== key) sessionStorage.removeItem(k);
    }
    sessionStorage.setItem(key, JSON.stringify(pos));
  } catch (e) { /* storage full or off: no cache */ }
}

function legend(traffic, undeclared) {
  return h('div', { class: 'legend' },
    h('span', {}, h('span', { class: 'sw sw-error' }), 'needs attention'),
    h('span', {}, h('span', { class: 'sw sw-warning' }), 'warning'), h('span', {}, h('span', { class: 'sw sw-ok' }), 'ok'),
    h('span', {}, h('span', { class: 'sw sw-unknown' }), 'unknown'),
    h('span', {}, h('span', { class: 'sw sw-external' }), 'external / unresolved'),
    h('span', {}, '── required'), h('span', {}, '- - optional'), h('span', {}, '··· reference'),
    traffic && traffic.available ? [h('span', { class: 'lg-unobserved' }, '── faded: declared, not observed'),
      undeclared ? h('span', { class: 'lg-undeclared' }, '- - observed, undeclared') : null] : null,
    h('span', {}, 'hover or focus a node: its blast radius'));
}

// One line on what the trace file (`--traces`) shows, or why it shows nothing.
function trafficLine(m) {
  const t = m.traffic;
  if (!t) return null;
  if (!t.available) return h('p', { class: 'banner warn', id: 'traffic-summary' }, `Observed traffic unavailable: ${t.reason}`);
  const hidden = m.undeclared.length - m.observed.length;
  return h('p', { class: 'muted', id: 'traffic-summary' },
    `Observed traffic (${t.file}): ${t.declaredObserved} of ${t.declaredObserved + t.declaredUnobserved} declared dependencies seen, `,
    `${t.undeclaredCount} undeclared call edge(s)`, hidden > 0 ? ` (${hidden} to or from unknown services, not drawn)` : '',
    t.truncated ? `; capped at ${t.edgeCount} edges` : '', '.');
}

// A graph panel for part of the fleet (detail and owner pages): `pick(model)` chooses the
// nodes and links; loaded once the panel is in the document.
export function subgraphPanel(id, title, pick) {
  const status = h('span', { class: 'muted', 'aria-live': 'polite', id: `${id}-status` });
  const wrap = h('div', { class: 'graph-wrap small' });
  const lg = h('div', {});
  const panel = h('div', { class: 'subgraph', id }, h('div', { class: 'row' }, title, status), wrap, lg);
  return onMount(panel, async () => {
    if (!window.d3) { wrap.append(h('p', { class: 'banner err' }, 'D3 did not load.')); return; }
    let m;
    try { m = graphModel(await api('/api/graph')); } catch (e) {
      wrap.append(h('p', { class: 'banner err' }, `Could not load the graph: ${e.message}`));
      return;
    }
    if (!wrap.isConnected) return;
    lg.append(legend(m.traffic, false));
    const sel = pick(m);
    status.textContent = sel.total > sel.nodes.length
      ? `${sel.nodes.length} of ${sel.total} services shown (nearest first), ${sel.links.length} edges`
      : `${sel.nodes.length} services, ${sel.links.length} edges`;
    const g = drawGraph(wrap, sel.nodes, sel.links, { id: `${id}-svg`, label: sel.label, status, blast: m.blast, center: sel.center, outside: sel.outside });
    g.svg.attr('data-ready', 'true');
  });
}

export async function graphPage(query) {
  // A failed source is named in a banner; the graph of what the other sources hold is drawn.
  const [g, failures] = await Promise.all([api('/api/graph'), sourceFailuresBanner()]);
  const m = graphModel(g);
  const { nodes, links } = m;
  const drawn = links.concat(m.observed);
  const status = h('span', { class: 'muted', 'aria-live': 'polite', id: 'graph-status' });
  const search = h('input', { type: 'search', id: 'graph-search', placeholder: 'Find a service', 'aria-label': 'Find a service in the graph', value: query.get('focus') || '' });
  const wrap = h('div', { class: 'graph-wrap' });
  const root = h('div', {}, h('h1', {}, 'Dependency graph'), failures, h('div', { class: 'row' }, search, status), legend(m.traffic, m.observed.length > 0), trafficLine(m), wrap);
  root.dataset.title = 'Graph';
  // What auto-reload compares: the graph's content, not the (not yet drawn) page.
  root.dataset.sig = JSON.stringify([g.nodes.map((n) => [n.id, n.status, n.health, n.version, n.blastRadius, n.edges.map((e) => [e.targetId, e.required, e.type, e.observed, e.observedCalls])]), g.traffic || null, g.undeclared || null]);
  if (!window.d3) {
    wrap.append(h('p', { class: 'banner err' }, 'D3 did not load.'));
    return root;
  }
  onMount(root, () => {
    const gr = drawGraph(wrap, nodes, drawn, { id: 'graph', status, blast: m.blast, cacheKey: layoutKey(nodes, drawn) });
    // Search: a lowercase index built once; each keystroke narrows the previous matches when
    // the query grows, and only the nodes whose match state changes are touched.
    const names = nodes.map((d) => d.serviceName.toLowerCase());
    const els = gr.nodeEls;
    let lastQ = '';
    let matched = [];
    let matchedSet = new Set();
    let searchLit = false;
    const idle = `${nodes.length} nodes, ${links.length} edges`;
    const find = () => {
      const q = search.value.trim().toLowerCase();
      if (q === lastQ && matched.length) return;
      let hits = [];
      if (q) {
        const pool = lastQ && q.includes(lastQ) ? matched : null;
        if (pool) { for (const i of pool) if (names[i].includes(q)) hits.push(i); } else {
          for (let i = 0; i < names.length; i++) if (names[i].includes(q)) hits.push(i);
        }
      }
      const next = new Set(hits);
      for (const i of matched) if (!next.has(i)) els[i].classList.remove('match');
      for (const i of hits) if (!matchedSet.has(i)) els[i].classList.add('match');
      matched = hits; matchedSet = next; lastQ = q;
      // While a search has matches the other nodes fade (one class on the svg; edges are left
      // alone: fading three thousand lines costs every keystroke).
      gr.svg.node().classList.toggle('searching', hits.length > 0);
      if (hits.length === 1) { gr.highlight(nodes[hits[0]]); searchLit = true; } else if (searchLit) { gr.clear(); searchLit = false; }
      status.textContent = q ? `${hits.length} match(es)` : idle;
    };
    let hashTimer = 0;
    search.addEventListener('input', () => {
      find();
      // The hash (deep link) follows once typing pauses; it is not needed for the answer.
      clearTimeout(hashTimer);
      hashTimer = setTimeout(() => {
        const q = search.value.trim();
        if (location.hash.startsWith('#/graph')) history.replaceState(null, '', q ? `#/graph?focus=${encodeURIComponent(q)}` : '#/graph');
      }, 250);
    });
    search.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        const q = search.value.trim().toLowerCase();
        const hit = nodes.find((d) => d.serviceName.toLowerCase() === q) || nodes.find((d) => d.serviceName.toLowerCase().includes(q));
        if (hit) gr.open(hit);
      }
    });
    find();
    if (!search.value.trim()) status.textContent = idle;
    gr.svg.attr('data-ready', 'true');
  });
  return root;
}

// What the layout depends on: the node ids and the drawn edges (FNV-1a over their text).
function layoutKey(nodes, links) {
  let x = 0x811c9dc5;
  const eat = (s) => { for (let i = 0; i < s.length; i++) { x ^= s.charCodeAt(i); x = Math.imul(x, 0x01000193) >>> 0; } };
  for (const n of nodes) eat(`${n.id}\n`);
  for (const l of links) eat(`${l.source}>${l.target}:${l.type}\n`);
  return `${nodes.length}:${links.length}:${x.toString(16)}`;
}
