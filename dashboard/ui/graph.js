// The dependency graph: D3 force layout, status colours, required (solid) vs optional (dashed)
// vs reference (dotted) edges, zoom/pan, search, blast-radius highlight on hover or focus,
// click or Enter to open a service. Labels are set with .text() only.
import { h, api, svcHref } from './dom.js';

export async function graphPage(query) {
  const g = await api('/api/graph');
  const d3 = window.d3;
  const nodes = g.nodes.map((n) => ({ ...n }));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const links = [];
  for (const n of nodes) {
    for (const e of n.edges) {
      if (byId.has(e.targetId)) links.push({ source: n.id, target: e.targetId, required: e.required, type: e.type });
    }
  }
  // Reverse required dependency edges: who is hit when a node fails.
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

  const status = h('span', { class: 'muted', 'aria-live': 'polite', id: 'graph-status' });
  const search = h('input', { type: 'search', id: 'graph-search', placeholder: 'Find a service', 'aria-label': 'Find a service in the graph', value: query.get('focus') || '' });
  const wrap = h('div', { class: 'graph-wrap' });
  const root = h('div', {},
    h('h1', {}, 'Dependency graph'),
    h('div', { class: 'row' }, search, status),
    h('div', { class: 'legend' },
      h('span', {}, h('span', { class: 'sw sw-error' }), 'needs attention'),
      h('span', {}, h('span', { class: 'sw sw-warning' }), 'warning'), h('span', {}, h('span', { class: 'sw sw-ok' }), 'ok'),
      h('span', {}, h('span', { class: 'sw sw-external' }), 'external / unresolved'),
      h('span', {}, '── required'), h('span', {}, '- - optional'), h('span', {}, '··· reference'),
      h('span', {}, 'hover or focus a node: its blast radius')),
    wrap);
  root.dataset.title = 'Graph';
  if (!d3) {
    wrap.append(h('p', { class: 'banner err' }, 'D3 did not load.'));
    return root;
  }

  root.onmounted = () => {
    const width = wrap.clientWidth || 900;
    const height = wrap.clientHeight || 600;
    const svg = d3.select(wrap).append('svg').attr('id', 'graph').attr('role', 'img')
      .attr('aria-label', `Dependency graph of ${nodes.length} nodes and ${links.length} edges`)
      .attr('viewBox', [0, 0, width, height]);
    const defs = svg.append('defs');
    defs.append('marker').attr('id', 'arrow').attr('viewBox', '0 -5 10 10').attr('refX', 18).attr('refY', 0)
      .attr('markerWidth', 6).attr('markerHeight', 6).attr('orient', 'auto')
      .append('path').attr('d', 'M0,-5L10,0L0,5').attr('fill', 'currentColor').attr('opacity', 0.6);
    const layer = svg.append('g');
    const zoom = d3.zoom().scaleExtent([0.05, 8]).on('zoom', (ev) => layer.attr('transform', ev.transform));
    svg.call(zoom);

    const sim = d3.forceSimulation(nodes)
      .force('link', d3.forceLink(links).id((d) => d.id).distance(nodes.length > 300 ? 40 : 120).strength(0.4))
      .force('charge', d3.forceManyBody().strength(nodes.length > 300 ? -40 : -500).theta(0.9))
      .force('center', d3.forceCenter(width / 2, height / 2))
      .force('x', d3.forceX(width / 2).strength(0.04))
      .force('y', d3.forceY(height / 2).strength(0.04))
      .stop();
    // Settle off-screen for a bounded time, then draw and keep animating.
    const budget = performance.now() + (nodes.length > 300 ? 600 : 400);
    let ticks = 0;
    while (ticks < 300 && performance.now() < budget) { sim.tick(); ticks++; }

    const link = layer.append('g').selectAll('line').data(links).join('line')
      .attr('class', (d) => `edge ${d.type === 'reference' ? 'reference' : (d.required ? 'required' : 'optional')}`)
      .attr('marker-end', 'url(#arrow)');
    const node = layer.append('g').selectAll('g').data(nodes).join('g')
      .attr('class', (d) => `node s-${d.status === 'external' ? 'external' : d.health}`)
      .attr('data-id', (d) => d.id)
      .attr('tabindex', 0).attr('role', 'link')
      .attr('aria-label', (d) => `${d.serviceName} ${d.version || ''} ${d.status}, blast radius ${d.blastRadius}`);
    node.append('circle').attr('r', (d) => 6 + Math.min(10, Math.sqrt(d.blastRadius || 0) * 3));
    node.append('title').text((d) => `${d.serviceName} ${d.version || ''}\n${d.status}${d.reason ? ` (${d.reason})` : ''}\nblast radius ${d.blastRadius}`);
    node.append('text').attr('x', 10).attr('y', 4).text((d) => d.serviceName);

    const open = (d) => { if (d.status !== 'external') location.hash = svcHref(d.serviceName); };
    node.on('click', (ev, d) => open(d)).on('keydown', (ev, d) => { if (ev.key === 'Enter') open(d); });
    const highlight = (d) => {
      const hit = blast(d.id);
      node.classed('dim', (n) => !hit.has(n.id)).classed('hot', (n) => hit.has(n.id));
      link.classed('dim', (l) => !(hit.has(l.source.id) && hit.has(l.target.id)))
        .classed('hot', (l) => hit.has(l.source.id) && hit.has(l.target.id) && l.required);
      status.textContent = `${d.serviceName}: ${hit.size - 1} services affected if it fails`;
    };
    const clear = () => { node.classed('dim', false).classed('hot', false); link.classed('dim', false).classed('hot', false); };
    node.on('mouseenter focus', (ev, d) => highlight(d)).on('mouseleave blur', clear);
    node.call(d3.drag()
      .on('start', (ev, d) => { if (!ev.active) sim.alphaTarget(0.2).restart(); d.fx = d.x; d.fy = d.y; })
      .on('drag', (ev, d) => { d.fx = ev.x; d.fy = ev.y; })
      .on('end', (ev, d) => { if (!ev.active) sim.alphaTarget(0); d.fx = null; d.fy = null; }));

    const draw = () => {
      link.attr('x1', (d) => d.source.x).attr('y1', (d) => d.source.y).attr('x2', (d) => d.target.x).attr('y2', (d) => d.target.y);
      node.attr('transform', (d) => `translate(${d.x},${d.y})`);
    };
    draw();
    // Fit the settled layout into the view.
    const xs = nodes.map((d) => d.x); const ys = nodes.map((d) => d.y);
    if (nodes.length) {
      const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
      const k = Math.min(2, 0.85 * Math.min(width / Math.max(1, x1 - x0 + 120), height / Math.max(1, y1 - y0 + 60)));
      svg.call(zoom.transform, d3.zoomIdentity.translate(width / 2, height / 2).scale(k).translate(-(x0 + x1) / 2, -(y0 + y1) / 2));
    }
    sim.on('tick', draw);
    // Keep settling only when the budget ran out before the layout did.
    if (ticks < 300) { sim.restart(); setTimeout(() => sim.stop(), 4000); }

    const find = () => {
      const q = search.value.trim().toLowerCase();
      node.classed('match', (d) => q && d.serviceName.toLowerCase().includes(q));
      const hits = nodes.filter((d) => q && d.serviceName.toLowerCase().includes(q));
      status.textContent = q ? `${hits.length} match(es)` : `${nodes.length} nodes, ${links.length} edges`;
      if (hits.length === 1) highlight(hits[0]);
    };
    search.addEventListener('input', find);
    search.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        const q = search.value.trim().toLowerCase();
        const hit = nodes.find((d) => d.serviceName.toLowerCase() === q) || nodes.find((d) => d.serviceName.toLowerCase().includes(q));
        if (hit) open(hit);
      }
    });
    find();
    svg.attr('data-ready', 'true');
  };
  return root;
}
