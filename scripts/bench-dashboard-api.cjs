// The dashboard's JSON API at 1,000 services: per-endpoint latency (p50, p99, max) of the pages
// the UI calls and of Go's fleet product endpoints, over keep-alive connections, two clients at
// once (the box has 2 cores), gzip accepted as a browser does. Issue 20's goal: p99 < 10 ms.
// `POST /api/fleet/impact` is measured twice: the root service against itself, the same pair
// each time (the dashboard keeps its last 16 answers per snapshot, so after the first request,
// whose time is printed apart, this is the served-again figure), and every service in turn, a
// new pair each time (the whole analysis on every request).
// Prints figures; asserts nothing about speed (it fails only when an endpoint answers non-200,
// so a figure never measures an error page).
//
//   node scripts/bench-dashboard-api.cjs     (scripts/bench-dashboard-api sets PACTO)
// Environment: PACTO (the binary; default the newer of target/release/pacto and
// target/debug/pacto), SERVICES (default 1000), REQUESTS (per endpoint, default 400),
// DASHBOARD_URL (measure a running dashboard instead).
'use strict';
const http = require('http');
const { dashboardUnderTest } = require('../dashboard/e2e/bench.cjs');

const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });

function request(base, method, p, body) {
  return new Promise((resolve, reject) => {
    const u = new URL(base + p);
    const t0 = process.hrtime.bigint();
    const req = http.request(
      {
        agent, method, hostname: u.hostname, port: u.port, path: u.pathname + u.search,
        headers: { 'accept-encoding': 'gzip', ...(body ? { 'content-type': 'application/json' } : {}) },
        timeout: 30000,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - t0) / 1e6,
          gzip: res.headers['content-encoding'] === 'gzip',
          body: Buffer.concat(chunks),
        }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${p}: no answer in 30 s`)));
    req.on('error', reject);
    if (body) req.write(JSON.stringify(body));
    req.end();
  });
}

async function json(base, p) {
  const r = await request(base, 'GET', p);
  if (r.status !== 200) throw new Error(`GET ${p}: ${r.status}`);
  const text = r.gzip ? require('zlib').gunzipSync(r.body).toString() : r.body.toString();
  return JSON.parse(text);
}

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))];
}

// `body` is a value, or a function of the request's index (a different body each time, so no
// answer is served twice).
async function measure(base, method, p, body, n) {
  const bodyOf = typeof body === 'function' ? body : () => body;
  // Warm-up; the first answer is kept apart (an impact answer is then kept for the same pair).
  const first = (await request(base, method, p, bodyOf(n))).ms;
  for (let i = 1; i < 20; i++) await request(base, method, p, bodyOf(n + i));
  const times = [];
  let bad = null;
  let next = 0;
  const worker = async () => {
    while (times.length < n) {
      const r = await request(base, method, p, bodyOf(next++));
      if (r.status !== 200) bad = r.status;
      times.push(r.ms);
    }
  };
  await Promise.all([worker(), worker()]);
  if (bad !== null) throw new Error(`${method} ${p}: answered ${bad}`);
  times.sort((a, b) => a - b);
  return { first, p50: pct(times, 0.5), p99: pct(times, 0.99), max: times[times.length - 1], n: times.length };
}

async function main() {
  const requests = Number(process.env.REQUESTS || 400);
  const { base, n, stop } = await dashboardUnderTest();
  try {
    // Keys the fleet endpoints take, read from the server itself.
    const mid = `svc-${String(Math.floor(n / 2)).padStart(4, '0')}`;
    const revs = await json(base, `/api/fleet/entities?kinds=revision&text=${mid}&limit=1`);
    const rev = (revs.entities || [])[0];
    if (!rev || !rev.key || !rev.version) throw new Error(`no revision of ${mid} in /api/fleet/entities: ${JSON.stringify(revs).slice(0, 300)}`);
    const revKey = rev.key;
    const roots = await json(base, '/api/fleet/entities?kinds=revision&text=svc-0000&limit=1');
    const rootKey = roots.entities && roots.entities[0] && roots.entities[0].key;
    if (!rootKey) throw new Error('no revision of svc-0000 in /api/fleet/entities');
    // Every revision's key, for impact over many different services (the answer to one pair
    // is the same every time; over many pairs each request does the whole analysis).
    const keys = [];
    for (let off = 0; off < 100000; off += 100) {
      const page = await json(base, `/api/fleet/entities?kinds=revision&limit=100&offset=${off}`);
      const got = (page.entities || []).map((e) => e.key).filter(Boolean);
      keys.push(...got);
      if (got.length < 100) break;
    }
    if (keys.length < 2) throw new Error(`only ${keys.length} revisions in /api/fleet/entities`);
    const cases = [
      ['GET', '/api/services'],
      ['GET', '/api/overview'],
      ['GET', '/api/graph'],
      [`GET`, `/api/services/${mid}`],
      ['GET', '/api/capabilities'],
      ['GET', '/api/fleet/overview'],
      ['GET', '/api/fleet/attention?limit=50'],
      ['GET', '/api/fleet/entities?text=svc-05&limit=50'],
      ['GET', `/api/fleet/entities/service?key=${mid}`],
      ['GET', `/api/fleet/neighborhood?kind=service&key=${mid}&depth=2`],
      ['GET', `/api/fleet/revisions/document?key=${encodeURIComponent(revKey)}`],
      // The root service: every other service consumes it, directly or not.
      ['POST', '/api/fleet/impact', { fromRevisionKey: rootKey, toRevisionKey: rootKey }],
      // Each service against itself, a different one per request.
      ['POST', `/api/fleet/impact (${keys.length} services in turn)`, (i) => ({ fromRevisionKey: keys[i % keys.length], toRevisionKey: keys[i % keys.length] })],
    ];
    console.log(`dashboard API, ${n} services, ${requests} requests per endpoint, 2 clients, keep-alive, gzip`);
    console.log('  endpoint'.padEnd(72) + 'p50 ms   p99 ms   max ms');
    let worst = 0;
    for (const [method, p, body] of cases) {
      const r = await measure(base, method, p.split(' ')[0], body, requests); // the label after a space
      worst = Math.max(worst, r.p99);
      console.log(`  ${method} ${p}`.slice(0, 70).padEnd(72) + `${r.p50.toFixed(2).padStart(6)}   ${r.p99.toFixed(2).padStart(6)}   ${r.max.toFixed(2).padStart(6)}${method === 'POST' ? `   first ${r.first.toFixed(2)} ms` : ''}`);
    }
    console.log(`worst p99 ${worst.toFixed(2)} ms (goal < 10 ms)`);
  } finally {
    agent.destroy();
    stop();
  }
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
