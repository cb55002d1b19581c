// The dashboard graph's responsiveness at 1,000 services in headless Chromium: time-to-ready
// of the graph page (cold: a fresh tab; warm: the layout cached in the tab) and the search's
// per-keystroke latency (input event to the second animation frame after it, and to the match
// count's update), as median and p95.
//
//   node dashboard/e2e/bench.cjs            generate a 1,000-service fleet, start
//                                           `pacto dashboard` on it, measure, print
// Environment: PLAYWRIGHT_CORE, CHROMIUM (see scripts/test-infra), PACTO (the binary; default
// the newer of target/release/pacto and target/debug/pacto), SERVICES (default 1000), DASHBOARD_URL (measure
// a running dashboard instead), UI_DIR (serve the app's files from this directory instead of
// the binary's: compares UI revisions against one server). `scripts/bench-dashboard` sets
// them up.
//
// Also used by e2e.cjs (MODE=load), through `measureGraph`.
'use strict';
const path = require('path');
const fs = require('fs');
const os = require('os');
const { spawn } = require('child_process');

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(s.length * p) - 1))];
  const r = (x) => Math.round(x * 10) / 10;
  return { n: s.length, median: r(at(0.5)), p95: r(at(0.95)), max: r(s[s.length - 1]) };
}

// From a fresh load of the graph page to a drawn, interactive graph (ms).
async function timeToReady(page, base) {
  await page.goto('about:blank');
  const t0 = Date.now();
  await page.goto(`${base}/#/graph`);
  await page.waitForSelector('svg#graph[data-ready="true"]', { timeout: 30000 });
  return Date.now() - t0;
}

// Per keystroke in the graph search: from the input event's timestamp to the second animation
// frame after it (the frame showing the result has been produced), and to the match count's
// change. Typed by Playwright's keyboard, like a person, with a pause between keys.
async function keystrokes(page, queries) {
  await page.evaluate(() => {
    window.__bench = { frames: [], status: [] };
    if (window.__benchProbe) return; // installed by an earlier round on this page
    window.__benchProbe = true;
    const input = document.getElementById('graph-search');
    const status = document.getElementById('graph-status');
    let pending = null;
    new MutationObserver(() => {
      if (pending !== null) { window.__bench.status.push(performance.now() - pending); pending = null; }
    }).observe(status, { childList: true, characterData: true, subtree: true });
    // Capture phase on the window: runs before the page's own listener on the field.
    window.addEventListener('input', (e) => {
      if (e.target !== input) return;
      const t0 = e.timeStamp;
      pending = t0;
      requestAnimationFrame(() => requestAnimationFrame(() => window.__bench.frames.push(performance.now() - t0)));
    }, true);
  });
  const search = page.locator('#graph-search');
  for (const q of queries) {
    await search.click();
    await page.keyboard.type(q, { delay: 80 });
    await page.waitForTimeout(150);
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await page.waitForTimeout(150);
  }
  const b = await page.evaluate(() => window.__bench);
  return { frame: stats(b.frames), status: stats(b.status) };
}

const QUERIES = ['svc-0', 'svc-05', '12', 'svc-0999', 'zz'];

// Cold (fresh tab each time) and warm time-to-ready, then the keystrokes on the warm page.
async function measureGraph(browser, base, runs) {
  const cold = [];
  const warm = [];
  let page = null;
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    if (process.env.UI_DIR) {
      await context.route(/\/ui\/[a-z0-9.]+\.(js|css)$/, (route) => {
        const file = path.join(process.env.UI_DIR, path.basename(new URL(route.request().url()).pathname));
        if (!fs.existsSync(file)) return route.continue();
        return route.fulfill({ body: fs.readFileSync(file), contentType: file.endsWith('.css') ? 'text/css' : 'text/javascript' });
      });
    }
    const p = await context.newPage();
    cold.push(await timeToReady(p, base));
    warm.push(await timeToReady(p, base));
    if (i < runs - 1) await context.close(); else page = p;
  }
  const keys = await keystrokes(page, QUERIES);
  const nodes = await page.locator('svg#graph g.node').count();
  await page.context().close();
  return { nodes, readyColdMs: stats(cold), readyWarmMs: stats(warm), keystrokeMs: keys.frame, matchCountMs: keys.status };
}

// The same fleet as pacto-cli/tests/dashboard.rs `generate_fleet`: services in layers, each
// depending on up to three services of lower index, one OpenAPI interface each.
function generateFleet(dir, n) {
  for (let i = 0; i < n; i++) {
    const name = `svc-${String(i).padStart(4, '0')}`;
    const d = path.join(dir, name);
    fs.mkdirSync(path.join(d, 'interfaces'), { recursive: true });
    let y = `pactoVersion: "1.0"\nservice:\n  name: ${name}\n  version: 1.${i % 7}.0\n  owner: team/t${i % 23}\ninterfaces:\n  - name: api\n    type: http\n    port: 8080\n    contract: interfaces/openapi.json\n`;
    const deps = i === 0 ? [] : [...new Set([(i * 7 + 3) % i, (i * 13 + 5) % i, Math.floor(i / 2)])].sort((a, b) => a - b);
    if (deps.length) {
      y += 'dependencies:\n';
      deps.forEach((t, k) => {
        y += `  - ref: oci://reg.example/fleet/svc-${String(t).padStart(4, '0')}\n    required: ${k % 2 === 0}\n    compatibility: "^1.0.0"\n`;
      });
    }
    y += 'runtime:\n  workload: service\n  state:\n    type: stateless\n    persistence:\n      scope: local\n      durability: ephemeral\n    dataCriticality: low\n';
    fs.writeFileSync(path.join(d, 'pacto.yaml'), y);
    const paths = [0, 1, 2, 3, 4].map((p) => `"/r${p}/{id}": {"get": {"summary": "Read ${p}", "responses": {"200": {"description": "ok"}}}}`);
    fs.writeFileSync(path.join(d, 'interfaces/openapi.json'), `{"openapi": "3.0.3", "info": {"title": "${name}", "version": "1.0.0"}, "paths": {${paths.join(', ')}}}`);
  }
}

// `pacto dashboard DIR --port 0`: resolves with the URL it prints, and the child to stop.
function startDashboard(bin, dir) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pacto-bench-home-'));
  const child = spawn(bin, ['dashboard', dir, '--port', '0', '--no-kubernetes', '--refresh', '3600'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HOME: home, XDG_CACHE_HOME: path.join(home, 'cache'), XDG_CONFIG_HOME: path.join(home, 'config'), KUBECONFIG: '' },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (b) => { err += b; });
    child.stdout.on('data', (b) => {
      out += b;
      const m = out.match(/running at (\S+)/);
      if (m) resolve({ url: m[1].replace(/\/$/, ''), child, home });
    });
    child.on('exit', (code) => reject(new Error(`pacto dashboard exited (${code}) before serving:\n${err}`)));
  });
}

// The dashboard to measure: $DASHBOARD_URL as it is, or `pacto dashboard` ($PACTO, else the most
// recently built of the release and debug binaries: the app is embedded in it) on a generated
// fleet of $SERVICES (default 1000). stop() ends the server and removes what was generated.
async function dashboardUnderTest() {
  const n = Number(process.env.SERVICES || 1000);
  const given = (process.env.DASHBOARD_URL || '').replace(/\/$/, '');
  if (given) return { base: given, n, stop: () => {} };
  const root = path.join(__dirname, '..', '..');
  const built = ['release', 'debug'].map((p) => path.join(root, 'target', p, 'pacto')).filter((p) => fs.existsSync(p))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  const bin = process.env.PACTO || built[0];
  if (!bin) throw new Error('no pacto binary: build it (cargo build --release -p pacto-cli) or set PACTO');
  const fleet = fs.mkdtempSync(path.join(os.tmpdir(), 'pacto-bench-fleet-'));
  let server;
  try {
    generateFleet(fleet, n);
    server = await startDashboard(bin, fleet);
  } catch (e) {
    fs.rmSync(fleet, { recursive: true, force: true });
    throw e;
  }
  console.error(`bench: ${n} services from ${fleet}, ${bin} at ${server.url}`);
  return {
    base: server.url,
    n,
    stop: () => {
      server.child.kill();
      fs.rmSync(server.home, { recursive: true, force: true });
      fs.rmSync(fleet, { recursive: true, force: true });
    },
  };
}

async function main() {
  const { chromium } = require(process.env.PLAYWRIGHT_CORE);
  const { base, stop } = await dashboardUnderTest();
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, headless: true });
  try {
    const r = await measureGraph(browser, base, Number(process.env.RUNS || 3));
    const f = (s) => `median ${s.median} ms, p95 ${s.p95} ms, max ${s.max} ms (${s.n} samples)`;
    console.log(`graph of ${r.nodes} nodes in headless Chromium`);
    console.log(`  time-to-ready, cold (fresh tab):    ${f(r.readyColdMs)}`);
    console.log(`  time-to-ready, warm (layout cached): ${f(r.readyWarmMs)}`);
    console.log(`  per keystroke, to 2nd frame:        ${f(r.keystrokeMs)}`);
    console.log(`  per keystroke, to match count:      ${f(r.matchCountMs)}`);
    console.log(JSON.stringify(r));
  } finally {
    await browser.close();
    stop();
  }
}

module.exports = { measureGraph, timeToReady, keystrokes, stats, generateFleet, startDashboard, dashboardUnderTest };

if (require.main === module) {
  main().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
}
