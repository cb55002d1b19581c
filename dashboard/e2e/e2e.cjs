// End-to-end checks of the dashboard in headless Chromium, driven by playwright-core.
// Run by pacto-cli/tests/dashboard.rs. Environment:
//   PLAYWRIGHT_CORE  path of the playwright-core package     CHROMIUM  the browser binary
//   DASHBOARD_URL    the running dashboard (http://127.0.0.1:PORT/)
//   MODE             demo | hostile | load
//   SHOTS            directory for screenshots (optional)
// Prints one JSON object with the measured facts; exits 1 with a message when a check fails.
'use strict';
const { chromium } = require(process.env.PLAYWRIGHT_CORE);
const path = require('path');

const base = process.env.DASHBOARD_URL.replace(/\/$/, '');
const mode = process.env.MODE || 'demo';
const shots = process.env.SHOTS || '';
const facts = { mode };

function check(cond, msg) {
  if (!cond) throw new Error(`check failed: ${msg}`);
}

async function getJson(p) {
  const r = await fetch(base + p);
  check(r.ok, `${p} answered ${r.status}`);
  return r.json();
}

async function shot(page, name) {
  if (shots) await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

async function graphReady(page) {
  const t0 = Date.now();
  await page.goto(`${base}/#/graph`);
  await page.waitForSelector('svg#graph[data-ready="true"]', { timeout: 20000 });
  const ms = Date.now() - t0;
  const nodes = await page.locator('svg#graph g.node').count();
  const edges = await page.locator('svg#graph line.edge').count();
  return { ms, nodes, edges };
}

function expectedGraph(g) {
  const ids = new Set(g.nodes.map((n) => n.id));
  let edges = 0;
  let deps = 0;
  for (const n of g.nodes) {
    for (const e of n.edges) {
      if (ids.has(e.targetId)) edges++;
      if (e.type === 'dependency') deps++;
    }
  }
  return { nodes: g.nodes.length, edges, deps };
}

async function demo(page) {
  const services = await getJson('/api/services');
  const graph = await getJson('/api/graph');

  // Overview: services counted, attention first.
  await page.goto(`${base}/#/`);
  await page.waitForSelector('#attention');
  const tileText = await page.locator('.tiles').innerText();
  check(tileText.includes(String(services.length)), 'overview shows the service count');
  const attention = await page.locator('#attention').innerText();
  check(attention.includes('api-gateway'), 'the invalid api-gateway needs attention');
  const banner = await page.locator('#snapshot-state').innerText();
  check(!/all contracts check out/i.test(banner), 'no all-clear with an invalid service');
  facts.overviewBanner = banner.split('\n')[0];
  await shot(page, 'overview');

  // Service list: every service, sortable, filterable.
  await page.goto(`${base}/#/services`);
  await page.waitForSelector('#services tbody tr');
  const rows = await page.locator('#services tbody tr').count();
  check(rows === services.length, `service list shows ${rows} of ${services.length}`);
  const listed = await page.locator('#services tbody tr').evaluateAll((trs) => trs.map((t) => t.dataset.service));
  for (const s of services) check(listed.includes(s.name), `service list shows ${s.name}`);
  await page.locator('#services th button', { hasText: 'Blast radius' }).click();
  const first = await page.locator('#services tbody tr').first().getAttribute('data-service');
  const maxBlast = services.reduce((a, b) => (b.blastRadius > a.blastRadius ? b : a));
  check(services.find((s) => s.name === first).blastRadius === maxBlast.blastRadius, 'sorting by blast radius puts the widest first');
  await page.fill('#service-filter', 'bill');
  check(await page.locator('#services tbody tr').count() === 1, 'filtering narrows the list');
  facts.listRows = rows;
  await shot(page, 'services');

  // Graph: one node per service (plus unresolved targets), one line per resolved edge.
  const want = expectedGraph(graph);
  const got = await graphReady(page);
  check(got.nodes === want.nodes, `graph nodes ${got.nodes} = ${want.nodes}`);
  check(got.edges === want.edges, `graph edges ${got.edges} = ${want.edges}`);
  const dashed = await page.locator('svg#graph line.edge.optional').count();
  check(dashed > 0, 'optional edges are drawn dashed');
  // Hovering the session store highlights its blast radius.
  await page.locator('svg#graph g.node[data-id="session-store"] circle').hover();
  const status = await page.locator('#graph-status').innerText();
  const ss = services.find((s) => s.name === 'session-store');
  check(status.includes(`${ss.blastRadius} services affected`), `hover shows the blast radius (${status})`);
  check(await page.locator('svg#graph g.node.hot').count() === ss.blastRadius + 1, 'hover highlights the blast radius');
  facts.graph = { ...got, expectedEdges: want.edges };
  await shot(page, 'graph');
  // Click through to the detail page.
  await page.locator('svg#graph g.node[data-id="billing"] circle').click();
  await page.waitForSelector('#service-name');
  check(page.url().endsWith('#/services/billing'), 'clicking a node opens its service');

  // Detail: interfaces with OpenAPI operations, configuration as a table.
  const iface = await page.locator('#interfaces').innerText();
  check(iface.includes('/payment-intents/{id}/confirm') && iface.includes('POST'), 'detail lists OpenAPI operations');
  const config = await page.locator('#configuration table.config').innerText();
  check(config.includes('GATEWAY_SECRET_KEY') && config.includes('REFUND_WINDOW_DAYS'), 'detail shows the configuration table');
  check((await page.locator('#sbom').innerText()).includes('gateway-sdk'), 'detail shows SBOM packages');
  check((await page.locator('#dependencies').innerText()).includes('fraud-check'), 'detail shows dependencies');
  check((await page.locator('#runtime-state').innerText()).includes('Definition only'), 'no runtime: definition only');
  await shot(page, 'detail');

  // Version diff: billing 1.1.0 -> 2.0.0 is BREAKING.
  await page.goto(`${base}/#/services/billing/diff?from=1.1.0&to=2.0.0`);
  await page.waitForSelector('#diff-result[data-key="billing@1.1.0..billing@2.0.0"] #classification');
  const cls = await page.locator('#classification').innerText();
  check(cls.trim() === 'BREAKING', `billing 1.1.0 -> 2.0.0 is ${cls}`);
  const changes = await page.locator('#changes').innerText();
  check(changes.includes('openapi.paths[/charges]') && changes.includes('removed'), 'the removed route is listed');
  facts.diffClassification = cls.trim();
  await shot(page, 'diff');
  await page.goto(`${base}/#/services/shipments/diff?from=1.0.0&to=1.1.0`);
  await page.waitForSelector('#diff-result[data-key="shipments@1.0.0..shipments@1.1.0"] #classification');
  facts.shipmentsDiff = (await page.locator('#classification').innerText()).trim();
  check(facts.shipmentsDiff === 'NON_BREAKING', `shipments 1.0.0 -> 1.1.0 is ${facts.shipmentsDiff}`);

  // Cross-service compare and owners render.
  await page.goto(`${base}/#/diff?from_name=ledger-db&to_name=tracking-db`);
  await page.waitForSelector('#diff-result[data-key^="ledger-db@"]');
  await page.goto(`${base}/#/owners`);
  await page.waitForSelector('#owners');
  check((await page.locator('#owners').innerText()).includes('finance'), 'owners lists teams');

  // Keyboard: "/" focuses the search; Enter on a graph node opens it.
  await page.goto(`${base}/#/`);
  await page.waitForSelector('#attention');
  await page.keyboard.press('/');
  check(await page.evaluate(() => document.activeElement.id) === 'global-search', '"/" focuses search');
  await page.goto(`${base}/#/graph`);
  await page.waitForSelector('svg#graph[data-ready="true"]');
  await page.locator('svg#graph g.node[data-id="identity"]').focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector('#service-name');
  check(page.url().endsWith('#/services/identity'), 'Enter on a focused node opens it');

  // Dark theme toggles and persists.
  await page.click('#theme');
  const t1 = await page.evaluate(() => document.documentElement.dataset.theme);
  await page.reload();
  await page.waitForSelector('#service-name');
  check(await page.evaluate(() => document.documentElement.dataset.theme) === t1, 'theme persists');
}

async function hostile(page) {
  const services = await getJson('/api/services');
  const evil = services.find((s) => s.name.includes('<script>'));
  check(evil, 'the hostile service is listed');
  const visit = async (hash, selector) => {
    await page.goto(`${base}/${hash}`);
    await page.waitForSelector(selector);
    await page.waitForTimeout(300);
  };
  await visit('#/', '#attention');
  await visit('#/services', '#services tbody tr');
  const listText = await page.locator('#services').innerText();
  check(listText.includes("<script>window.__pwned='name'"), 'the hostile name is shown as text');
  await visit(`#/services/${encodeURIComponent(evil.name)}`, '#service-name');
  const title = await page.locator('#service-name').innerText();
  check(title.includes('<script>'), 'the detail title shows the name as text');
  check((await page.locator('#interfaces').innerText()).includes("onerror"), 'operation summaries are text');
  // The docs frame is sandboxed and served with a script-free CSP.
  await page.waitForSelector('iframe.docframe');
  await page.waitForTimeout(500);
  const sandbox = await page.locator('iframe.docframe').getAttribute('sandbox');
  check(sandbox === '', 'the docs frame is fully sandboxed');
  await visit('#/graph', 'svg#graph[data-ready="true"]');
  await visit('#/owners', '#owners');
  const jsLinks = await page.evaluate(() => [...document.querySelectorAll('a[href], iframe[src]')]
    .map((a) => a.getAttribute('href') || a.getAttribute('src')).filter((h) => !/^(#\/|#main$|\/api\/|about:blank)/.test(h)));
  check(jsLinks.length === 0, `no link leaves the app: ${JSON.stringify(jsLinks)}`);
  const pwned = await page.evaluate(() => window.__pwned);
  check(pwned === undefined, `a hostile script ran: ${pwned}`);
  for (const f of page.frames()) {
    const p = await f.evaluate(() => window.__pwned).catch(() => undefined);
    check(p === undefined, `a hostile script ran in a frame: ${p}`);
  }
  await shot(page, 'hostile');
}

async function runtime(page) {
  // billing: contract from the directory, status from the (fake) cluster.
  await page.goto(`${base}/#/services/billing`);
  await page.waitForSelector('#runtime-state');
  const rt = await page.locator('#runtime-state').innerText();
  check(rt.includes('Kubernetes shop/billing') && rt.includes('Warning'), `runtime state shown: ${rt}`);
  check(rt.includes('UpgradeStrategyMatch'), 'conditions listed');
  check((await page.locator('#interfaces').innerText()).includes('/payment-intents'), 'contract content still local');
  // A service only the cluster knows renders without contract content.
  await page.goto(`${base}/#/services/legacy-batch`);
  await page.waitForSelector('#service-name');
  check((await page.locator('#validation-s').innerText()).includes('No contract content'), 'runtime-only service');
  await page.goto(`${base}/#/`);
  await page.waitForSelector('#sources');
  const sources = await page.locator('#sources').innerText();
  check(/k8s\s+ok/.test(sources), `k8s source ok: ${sources}`);
  facts.runtime = 'ok';
  await shot(page, 'runtime');
}

async function load(page) {
  const graph = await getJson('/api/graph');
  const want = expectedGraph(graph);
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const got = await graphReady(page);
    check(got.nodes === want.nodes, `graph nodes ${got.nodes} = ${want.nodes}`);
    runs.push(got.ms);
  }
  // Interactive: hovering a node answers.
  await page.locator('svg#graph g.node circle').first().hover();
  check((await page.locator('#graph-status').innerText()).includes('affected'), 'hover answers on the large graph');
  facts.graphReadyMs = runs;
  facts.nodes = want.nodes;
  facts.edges = want.edges;
  await page.goto(`${base}/#/services`);
  const t0 = Date.now();
  await page.waitForSelector('#services tbody tr');
  facts.listMs = Date.now() - t0;
  await shot(page, 'load-graph');
}

(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, headless: true });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const dialogs = [];
  const errors = [];
  page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  page.on('pageerror', (e) => errors.push(String(e)));
  let failure = null;
  try {
    if (mode === 'demo') await demo(page);
    else if (mode === 'hostile') await hostile(page);
    else if (mode === 'runtime') await runtime(page);
    else await load(page);
    check(dialogs.length === 0, `dialogs opened: ${JSON.stringify(dialogs)}`);
    check(errors.length === 0, `page errors: ${JSON.stringify(errors)}`);
  } catch (e) {
    failure = e.message;
    await shot(page, `failure-${mode}`).catch(() => {});
  }
  await browser.close();
  facts.dialogs = dialogs.length;
  facts.pageErrors = errors;
  console.log(JSON.stringify(facts));
  if (failure) {
    console.error(failure);
    process.exit(1);
  }
})();
