// support.mjs - what the browser tests share: the real geoeditor binary on a
// free loopback port with a scratch store (demo quarter imported), a
// form-server client made with "geoeditor client add", the demo form page
// (a stand-in for a form server) on a second port, and Debian's chromium
// driven by playwright-core from web/node_modules. Missing pieces (chromium,
// node_modules, the built front end) skip the tests with a visible reason.
import { spawn, execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = process.env.GE_SOURCE_DIR || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.GE_BINARY || path.join(SRC, 'build/geoeditor');
const TMP = process.env.GE_TEST_TMP || path.join(SRC, 'build/test-tmp');
const CHROMIUM = '/usr/bin/chromium';

// Under ASan everything is several times slower: generous timeouts.
export const SLOW = /asan|sanitize/i.test(BIN) ? 4 : 1;

export function skipReason() {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is not installed (Debian package chromium)`;
  if (!existsSync(path.join(SRC, 'web/node_modules/playwright-core')))
    return 'web/node_modules is missing (scripts/setup runs npm ci)';
  if (!existsSync(path.join(SRC, 'web/dist/edit.html')))
    return 'web/dist/edit.html is missing (scripts/setup builds the front end)';
  if (!existsSync(BIN)) return `${BIN} is not built`;
  return null;
}

// skipReason() for the review app's tests, which also want its built page.
export function reviewSkipReason() {
  return skipReason() || (existsSync(path.join(SRC, 'web/dist/review/index.html'))
    ? null : 'web/dist/review/index.html is missing (scripts/setup builds the front end)');
}

const requireWeb = createRequire(path.join(SRC, 'web/package.json'));
export function playwright() {
  return requireWeb('playwright-core');
}
export function axeBuilder() {
  return requireWeb('@axe-core/playwright').default;
}

export async function launchBrowser() {
  const { chromium } = playwright();
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run'],
  });
}

function run(args) {
  return execFileSync(BIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// The demo cases in srv's store, seeded through its server as scripts/demo
// seeds them (data/demo/seed_demo.py); demo-sachbearbeitung's password.
export function seedDemo(srv) {
  const port = new URL(srv.base).port;
  const out = execFileSync('python3', [path.join(SRC, 'data/demo/seed_demo.py'), '--binary', BIN,
    '--db', srv.db, '--port', port, '--wait', String(60 * SLOW)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return out.match(/demo-sachbearbeitung\s+password: (\S+)/)[1];
}

// A scratch store with the demo quarter, served on a free port; env: more
// environment for the server (its settings, GEOEDITOR_*).
export async function startServer(name, { env = {} } = {}) {
  const dir = path.join(TMP, `browser-${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const db = path.join(dir, 'store.sqlite');
  // The demo quarter is fictional: credit it as such, as scripts/demo does.
  run(['import', '--db', db, '--attribution', 'Demo data: fictional, made by geoEDITOR',
       process.env.GE_DEMO_OSM]);
  const child = spawn(BIN, ['serve', '--db', db, '--port', '0', '--bind', '127.0.0.1',
    '--data-dir', path.join(SRC, 'data'), '--web-root', path.join(SRC, 'web/dist'), '--log-level', 'info'],
  { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let log = '';
  // The server's log also goes to a file beside its store, and a server that
  // dies under a test says how, so that a crash is never just "connection
  // refused" in the next request.
  const logFile = path.join(dir, 'server.log');
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`# server ${name} exited unexpectedly: code ${code}, signal ${signal}; its log: ${logFile}\n${log.split('\n').slice(-20).join('\n')}`);
  });
  let stopping = false;
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 30000 * SLOW);
    child.stderr.on('data', (d) => {
      log += d;
      appendFileSync(logFile, d);
      const m = log.match(/"listening"[^\n]*"port":(\d+)|"port":(\d+)[^\n]*"listening"/);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1] || m[2]));
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${log}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    db,
    dir,
    log: () => log,
    addClient(clientName, origins) {
      const out = run(['client', 'add', '--db', db, '--name', clientName, ...origins.flatMap((o) => ['--origin', o])]);
      return out.match(/api_key: (\S+)/)[1];
    },
    async stop() {
      stopping = true;
      if (child.exitCode !== null) return;
      const done = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      await done;
    },
  };
}

// A free port's listener for a node http server.
function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

// The demo form: a stand-in for a form server on its own origin. Its page
// is static (demo-form/); its two endpoints talk to geoEDITOR
// server-to-server with the API key, which never reaches the browser.
export async function startDemoForm({ apiBase, apiKey = null, period }) {
  const files = {
    '/': ['demo-form/index.html', 'text/html; charset=utf-8'],
    '/form.js': ['demo-form/form.js', 'text/javascript; charset=utf-8'],
    '/foreign.html': ['demo-form/foreign.html', 'text/html; charset=utf-8'],
    '/foreign.js': ['demo-form/foreign.js', 'text/javascript; charset=utf-8'],
  };
  const here = path.dirname(fileURLToPath(import.meta.url));
  const state = { key: apiKey, submits: [] };
  const api = async (method, p, body, headers = {}) => {
    const res = await fetch(apiBase + p, {
      method,
      headers: { Authorization: `Bearer ${state.key}`, 'Content-Type': 'application/json', ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    let body = '';
    for await (const chunk of req) body += chunk;
    const send = (status, doc, type = 'application/json') => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(typeof doc === 'string' ? doc : JSON.stringify(doc));
    };
    try {
      if (req.method === 'POST' && url.pathname === '/api/draft') {
        const q = JSON.parse(body || '{}');
        const r = await api('POST', '/v1/drafts', {
          service: 'skip-container', reference: `DEMO-${Date.now()}`, locale: q.locale || 'de', period,
        });
        return send(r.status, r.body);
      }
      if (req.method === 'POST' && url.pathname === '/api/submit') {
        const q = JSON.parse(body);
        const r = await api('POST', `/v1/drafts/${encodeURIComponent(q.draftId)}/submit`,
          { applicant: { name: 'Erika Mustermann', email: 'erika@example.org' } },
          { 'Idempotency-Key': q.key });
        state.submits.push(r);
        return send(r.status, r.body);
      }
      const f = files[url.pathname];
      if (req.method === 'GET' && f) return send(200, readFileSync(path.join(here, f[0]), 'utf8'), f[1]);
      send(404, { error: 'not found' });
    } catch (e) {
      send(502, { error: String(e) });
    }
  });
  const port = await listen(server);
  return {
    origin: `http://127.0.0.1:${port}`,
    state,
    setKey(k) {
      state.key = k;
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

// The draft's period: the skip service wants at least 5 days' notice.
export function futurePeriod(leadDays = 10, days = 3) {
  const d = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
  return { start: d(leadDays), end: d(leadDays + days) };
}

// Searches the demo quarter for a hydrant where a 2 x 3.5 m skip beside it
// fails only on the hydrant clearance and the same skip 10 m along the
// street is valid: asked of the server (POST /v1/validate), never assumed.
export async function findHydrantSpot(base, period) {
  const hyd = await (await fetch(`${base}/collections/hydrants/items?limit=200`)).json();
  const rect = (lon, lat, w = 2, l = 3.5) => {
    const mLat = 111320, mLon = 111320 * Math.cos((lat * Math.PI) / 180);
    const dx = l / 2 / mLon, dy = w / 2 / mLat;
    return { type: 'Polygon', coordinates: [[[lon - dx, lat - dy], [lon + dx, lat - dy], [lon + dx, lat + dy], [lon - dx, lat + dy], [lon - dx, lat - dy]]] };
  };
  const check = async (lon, lat) => {
    const res = await fetch(`${base}/v1/validate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ service: 'skip-container', period, features: { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: rect(lon, lat) }] } }),
    });
    return res.json();
  };
  for (const f of hyd.features) {
    const [hlon, hlat] = f.geometry.coordinates;
    for (const dyM of [-2, 2, -2.5, 2.5]) {
      const lat = hlat + dyM / 111320;
      const a = await check(hlon, lat);
      const rules = (a.violations || []).filter((v) => v.severity === 'error').map((v) => v.rule);
      if (rules.length !== 1 || rules[0] !== 'hydrant-distance') continue;
      for (const dxM of [10, -10]) {
        const lon = hlon + dxM / (111320 * Math.cos((hlat * Math.PI) / 180));
        const b = await check(lon, lat);
        if (b.valid) return { hydrant: [hlon, hlat], bad: [hlon, lat], good: [lon, lat], dxM, dyM };
      }
    }
  }
  throw new Error('no hydrant in the demo quarter with a bad and a good skip position');
}

// The page names the site's icon as the OGC API pages do (the ICO at 32 px
// and the SVG), and both are there: fetched as the page's browser would.
export async function checkFavicon(page) {
  const icons = await page.$$eval('link[rel="icon"]', (ls) => ls.map((l) => [l.getAttribute('href'), l.getAttribute('type') || l.getAttribute('sizes')]));
  if (JSON.stringify(icons) !== JSON.stringify([['/favicon.ico', '32x32'], ['/favicon.svg', 'image/svg+xml']]))
    throw new Error(`the page's icons: ${JSON.stringify(icons)}`);
  for (const [href, type] of [['/favicon.ico', 'image/x-icon'], ['/favicon.svg', 'image/svg+xml']]) {
    const res = await page.context().request.get(new URL(href, page.url()).href);
    if (res.status() !== 200 || res.headers()['content-type'] !== type)
      throw new Error(`${href}: ${res.status()} ${res.headers()['content-type']}`);
  }
}

// A page of the review app's size (1400 x 900) in a new context of browser
// in locale, with timeout (ms) as its default and the page's uncaught
// errors collected in page.errors.
export async function newReviewPage(browser, timeout, locale = 'de-DE') {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale });
  const page = await ctx.newPage();
  page.setDefaultTimeout(timeout);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.errors = errors;
  return page;
}

// Waits until the review app's list map draws exactly the cases ids, once
// its tiles or features are in.
export async function waitMapDrawn(page, ids, timeout) {
  await page.waitForFunction((want) => {
    const got = window.reviewApp.listLayer.drawnIds().sort();
    return JSON.stringify(got) === JSON.stringify([...want].sort());
  }, ids, { timeout, polling: 250 });
}
