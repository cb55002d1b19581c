// Change analysis (#/change?service=X&from=A&to=B): the diff of two revisions of a service and
// who that change affects in the fleet (POST /api/fleet/impact, the engine of `pacto impact`),
// on one screen. Entered from a service's versions; the pair is in the URL.
import { h, api, post, badge, table, svcHref, enc, sourceFailuresBanner } from './dom.js';
import { changesView, versionSelect } from './pages.js';

const verdictKind = { compatible: 'ok', incompatible: 'error', unknown: 'warning' };

function impactView(r) {
  const res = r.result || {};
  const consumers = r.consumers || [];
  const incompatible = consumers.filter((c) => c.compatibilityVerdict === 'incompatible').length;
  const lims = res.limitations || [];
  return h('div', { id: 'impact-result', 'data-consumers': String(consumers.length) },
    h('p', {}, h('span', { id: 'impact-summary' },
      `${consumers.length} affected consumer${consumers.length === 1 ? '' : 's'}, ${incompatible} incompatible, `,
      `${(r.activeTargets || []).length} active target${(r.activeTargets || []).length === 1 ? '' : 's'}`),
      ' ', badge(res.completeness || 'unknown', res.completeness === 'complete' ? 'ok' : 'warning')),
    consumers.length ? table(['Consumer', 'Path', 'Range', 'Verdict', 'Confidence'], consumers.map((c, i) => {
      const raw = (res.consumers || [])[i] || {};
      return [[h('a', { href: c.service.route }, c.service.label),
        h('div', { class: 'muted' }, `${c.direct ? 'direct' : `depth ${c.depth}`}, ${raw.required ? 'required' : 'optional'}`)],
        c.path.map((p, j) => [j ? ' → ' : '', h('a', { href: p.route }, p.label)]),
        h('code', {}, raw.compatibility || ''),
        badge(c.compatibilityVerdict, verdictKind[c.compatibilityVerdict] || 'warning'), c.confidence];
    }), { id: 'impact-consumers' }) : h('p', { id: 'impact-none' }, 'No consumer in the fleet depends on this service.'),
    (r.owners || []).length ? h('p', {}, 'Owners to notify: ', (r.owners || []).map((o, i) => [i ? ', ' : '', h('a', { href: `#/owners/${enc(o.key)}` }, o.label)])) : null,
    lims.length ? h('ul', { class: 'muted', id: 'impact-limitations' }, lims.map((l) => h('li', {}, `${l.code}: ${l.message}`))) : null);
}

export async function changePage(query) {
  const [list, failures] = await Promise.all([api('/api/services'), sourceFailuresBanner()]);
  const service = query.get('service') || (list[0] || {}).name;
  if (!service) return h('p', {}, 'No services.');
  const versions = await api(`/api/services/${enc(service)}/versions`);
  const from = query.get('from') || (versions[1] || versions[0] || {}).version;
  const to = query.get('to') || (versions[0] || {}).version;
  const go = (q) => {
    const p = Object.assign({ service, from, to }, q);
    location.hash = `#/change?${new URLSearchParams(p)}`;
  };
  const [diff, impact] = await Promise.all([
    api(`/api/diff?from_name=${enc(service)}&from_version=${enc(from)}&to_name=${enc(service)}&to_version=${enc(to)}`)
      .then(changesView, (e) => h('div', { class: 'banner err', role: 'alert' }, `Cannot diff: ${e.message}`)),
    post('/api/fleet/impact', { fromRevisionKey: `${service}@${from}`, toRevisionKey: `${service}@${to}` })
      .then(impactView, (e) => h('div', { class: 'banner err', role: 'alert', id: 'impact-error' }, `Cannot analyse the impact: ${e.message}`)),
  ]);
  const el = h('div', { id: 'change-analysis' },
    h('p', { class: 'muted' }, h('a', { href: svcHref(service) }, service), ' / change analysis'),
    h('h1', {}, `Change analysis: ${service} ${from} → ${to}`), failures,
    h('div', { class: 'row' },
      h('label', {}, 'Service ', h('select', { id: 'change-service', onchange: (e) => go({ service: e.target.value, from: '', to: '' }) },
        list.map((s) => h('option', { value: s.name, selected: s.name === service }, s.name)))),
      versionSelect('From', versions, from, (v) => go({ from: v })), versionSelect('To', versions, to, (v) => go({ to: v }))),
    h('div', { class: 'change-grid' },
      h('section', { 'aria-labelledby': 'change-diff-h' }, h('h2', { id: 'change-diff-h' }, 'What changed'), diff),
      h('section', { 'aria-labelledby': 'change-impact-h' }, h('h2', { id: 'change-impact-h' }, 'Who it affects'), impact)));
  el.dataset.title = `${service} change analysis`;
  return el;
}
