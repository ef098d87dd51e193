// test_review_export.mjs - the review app's export button against refusals
// of the real server, in Debian's chromium. The server runs with
// export_concurrency = 1 (GEOEDITOR_EXPORT_CONCURRENCY) and holds well over
// a thousand cases (one made through the form-server API, the rest copies
// of it written into the store file with sqlite3 and SpatiaLite, each with
// a polygon of 401 vertices), so that one GeoJSON export is several times
// what the kernel buffers between the server and a client. A client on a
// raw socket that sends the export request with a session cookie and never
// reads holds the only export slot, as in tests/api/test_api_export_limit.c.
//
// Then, in German: the export button is refused with 503, and the page says
// the server's own German detail (the same words a direct request with
// Accept-Language: de gets) in the live region under the button, with when
// to try again (Retry-After), and the button is usable again. Once the
// slow client goes away the next click downloads the whole file under the
// server's name (cases-<UTC date>.geojson, every case in it) while the
// button said it was busy (disabled, aria-busy, its label); the object URL
// is revoked afterwards. An ended session (401) leads to the login with its
// message; with the server gone the page says so in its own words.
// axe-core finds no WCAG 2.1 AA violation in the export's error state.
// Screenshot compared with the reviewed reference
// tests/screenshots/review-export-refused.png (screenshots.mjs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SLOW, axeBuilder, findHydrantSpot, futurePeriod, launchBrowser, skipReason, startServer } from './support.mjs';
import { checkScreenshot } from './screenshots.mjs';

const SRC = process.env.GE_SOURCE_DIR || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.GE_BINARY || path.join(SRC, 'build/geoeditor');
const hasSqlite = (() => {
  try {
    execFileSync('sqlite3', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const reason = skipReason()
  || ((await import('node:fs')).existsSync(path.join(SRC, 'web/dist/review/index.html'))
    ? null : 'web/dist/review/index.html is missing (scripts/setup builds the front end)')
  || (hasSqlite ? null : 'the sqlite3 command is missing (Debian package sqlite3)');
if (reason) console.log(`# SKIP browser review export tests: ${reason}`);
const T = 30000 * SLOW;
const PASSWORD = 'overseer-secret-2026';
// export.js REVOKE_AFTER_MS
const REVOKE_AFTER_MS = 4000;

function rect(lon, lat, w = 2, l = 3.5) {
  const mLat = 111320, mLon = 111320 * Math.cos((lat * Math.PI) / 180);
  const dx = l / 2 / mLon, dy = w / 2 / mLat;
  return { type: 'Polygon', coordinates: [[[lon - dx, lat - dy], [lon + dx, lat - dy], [lon + dx, lat + dy], [lon - dx, lat + dy], [lon - dx, lat - dy]]] };
}

// The largest send buffer the kernel may give the server's socket, and the
// receive buffer a socket starts with (it grows only as its owner reads).
function tcpMem(which, field) {
  try {
    return Number(readFileSync(`/proc/sys/net/ipv4/${which}`, 'utf8').trim().split(/\s+/)[field]);
  } catch {
    return which === 'tcp_wmem' ? 4 << 20 : 131072;
  }
}

describe('review app export', { skip: reason || false, timeout: 900000 }, () => {
  let srv, browser, key, cookie;
  let nCases = 0;
  let minFile = 0;
  const period = futurePeriod(10, 4);

  const cli = (args, input) => execFileSync(BIN, [...args, '--db', srv.db], {
    encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'],
  });

  // Cases l<i> for i in (from, to], copies of the seed case with a 2 m
  // circle of 401 vertices around its place (SpatiaLite's spatial index
  // triggers need the extension loaded). Values go in as parameters.
  function addCases(seed, from, to) {
    const sql = `.load mod_spatialite
.timeout 30000
.parameter init
.parameter set @seed '${seed.replace(/[^0-9a-z]/g, '')}'
.parameter set @from ${from + 1}
.parameter set @to ${to}
WITH RECURSIVE n(i) AS (SELECT @from UNION ALL SELECT i + 1 FROM n WHERE i < @to)
 INSERT INTO cases (id, client_id, service, reference, applicant, period_start, period_end, status,
  report, content_hash, created_at, updated_at)
 SELECT printf('l%031x', i), client_id, service, 'LOAD-' || i, '{}', period_start, period_end,
  'received', report, content_hash, created_at, updated_at FROM cases, n WHERE cases.id = @seed;
INSERT INTO case_features (case_id, idx, props, geometry)
 SELECT c.id, 0, '{}', (SELECT ST_Buffer(geometry, 2.0, 100) FROM case_features WHERE case_id = @seed AND idx = 0)
 FROM cases c WHERE substr(c.id, 1, 1) = 'l'
  AND NOT EXISTS (SELECT 1 FROM case_features f WHERE f.case_id = c.id);
SELECT count(*) FROM cases;
`;
    const out = execFileSync('sqlite3', [srv.db], { encoding: 'utf8', input: sql, stdio: ['pipe', 'pipe', 'pipe'] });
    return Number(out.trim().split('\n').pop());
  }

  async function exportDirect(lang) {
    return fetch(`${srv.base}/v1/export?f=geojson`, { headers: { Cookie: cookie, 'Accept-Language': lang } });
  }

  async function metric(series) {
    const text = await (await fetch(`${srv.base}/metrics`)).text();
    const m = text.match(new RegExp(`^${series} (\\S+)$`, 'm'));
    return m ? Number(m[1]) : -1;
  }
  async function metricWait(series, want) {
    const t0 = Date.now();
    for (;;) {
      const v = await metric(series);
      if (v === want) return;
      if (Date.now() - t0 > T) assert.fail(`${series} is ${v}, not ${want}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  // The client of a slow download: sends the export request with the
  // session cookie and never reads (a paused socket does not start
  // reading, so its receive buffer stays at its first size).
  function slowExport() {
    const u = new URL(srv.base);
    const sock = net.connect({ host: u.hostname, port: Number(u.port) });
    sock.pause();
    sock.on('error', () => {});
    sock.write(`GET /v1/export?f=geojson HTTP/1.1\r\nHost: ${u.host}\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`);
    return sock;
  }

  before(async () => {
    srv = await startServer('review-export', { env: { GEOEDITOR_EXPORT_CONCURRENCY: '1' } });
    const out = cli(['client', 'add', '--name', 'export-form', '--origin', 'http://127.0.0.1:9']);
    key = out.match(/api_key: (\S+)/)[1];
    cli(['user', 'add', '--name', 'ada', '--role', 'admin'], `${PASSWORD}\n`);
    const spot = await findHydrantSpot(srv.base, period);
    const api = async (method, p, body, headers = {}) => {
      const r = await fetch(srv.base + p, {
        method,
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return { status: r.status, body: await r.json() };
    };
    const d = await api('POST', '/v1/drafts', {
      service: 'skip-container', reference: 'AZ-2026-0900', locale: 'de', period,
      features: { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: rect(...spot.good) }] },
    });
    assert.equal(d.status, 201, JSON.stringify(d.body));
    const s = await api('POST', `/v1/drafts/${d.body.id}/submit`, { applicant: { name: 'Erika Mustermann' } },
      { 'Idempotency-Key': 'seed-export' });
    assert.equal(s.status, 201, JSON.stringify(s.body));
    const seed = s.body.case_id;

    const login = await fetch(`${srv.base}/v1/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'ada', password: PASSWORD }),
    });
    assert.equal(login.status, 200);
    cookie = login.headers.get('set-cookie').match(/ge_session=[^;]+/)[0];

    // The file must be several times what the kernel may hold between the
    // server and the slow client: the server's send buffer at its largest,
    // the client's receive buffer (doubled by the kernel), and slack.
    minFile = tcpMem('tcp_wmem', 2) + 2 * tcpMem('tcp_rmem', 1) + (1 << 20);
    assert.equal(addCases(seed, 0, 20), 21);
    const small = await exportDirect('de');
    assert.equal(small.status, 200);
    const perCase = (await small.arrayBuffer()).byteLength / 21;
    const want = Math.min(9000, Math.ceil((3 * minFile) / perCase) + 1);
    nCases = addCases(seed, 20, want);
    assert.equal(nCases, want + 1);
    console.log(`# ${nCases} cases, about ${Math.round(perCase)} bytes each in GeoJSON; the kernel may buffer ${minFile} bytes`);

    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
    assert.doesNotMatch(srv?.log() || '', /AddressSanitizer|LeakSanitizer|runtime error:/);
  });

  test('refused while another export runs: the server\'s German words and when to retry; then the download', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'de-DE' });
    const page = await ctx.newPage();
    page.setDefaultTimeout(T);
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${srv.base}/review/`);
    await page.waitForSelector('body[data-ready="1"]');
    await page.fill('#login-name', 'ada');
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-submit');
    await page.waitForSelector('body[data-view="list"]');
    await page.waitForSelector('#case-list > li');
    await page.selectOption('#export-format', 'geojson');
    await page.selectOption('#f-status', '');
    await page.waitForFunction(() => !document.body.dataset.listLoading);

    // The slow client takes the only slot and keeps it.
    const slow = slowExport();
    await metricWait('geoeditor_exports_in_flight', 1);
    const direct = await exportDirect('de');
    assert.equal(direct.status, 503);
    assert.equal(direct.headers.get('Retry-After'), '5');
    const problem = await direct.json();
    assert.match(problem.detail, /^Es laufen zu viele Exporte: dieser Server erstellt höchstens 1 gleichzeitig/);

    // Every state the button goes through, however short.
    await page.evaluate(() => {
      const b = document.getElementById('export-button');
      window.exportSeen = [];
      const note = () => window.exportSeen.push({ disabled: b.disabled, busy: b.getAttribute('aria-busy'), label: b.textContent });
      new MutationObserver(note).observe(b, { attributes: true, childList: true, subtree: true, characterData: true });
    });
    await page.click('#export-button');
    await page.waitForSelector('body[data-export-done="1"]');
    assert.equal(await metric('geoeditor_exports_in_flight'), 1, 'the slow client still holds its slot');
    const region = page.locator('#export-message');
    assert.equal(await region.getAttribute('role'), 'status');
    assert.equal(await region.getAttribute('aria-live'), 'polite');
    assert.equal(await page.textContent('#export-message .export-text'), problem.detail);
    assert.match(await page.textContent('#export-message .export-hint'), /^ ?Ein neuer Versuch ist ab \d{2}:\d{2}:\d{2} Uhr möglich\.$/);
    assert.match(await region.getAttribute('class'), /\berror\b/);
    assert.equal(await page.isDisabled('#export-button'), false);
    assert.equal(await page.getAttribute('#export-button', 'aria-busy'), 'false');
    assert.equal(await page.textContent('#export-button'), 'Gefilterte Fälle herunterladen');
    // the button names the message it describes
    assert.equal(await page.getAttribute('#export-button', 'aria-describedby'), 'export-message');
    await page.locator('.export').scrollIntoViewIfNeeded();
    // the cards' numbers depend on how many cases the kernel's buffers needed,
    // their dates on today, the retry time on the clock
    await checkScreenshot(page, 'review-export-refused', { ignore: ['#case-list', '.export-hint'] });
    const AxeBuilder = axeBuilder();
    const axe = await new AxeBuilder({ page }).include('.export')
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    assert.deepEqual(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`), []);

    // The slow client goes away: its slot is free, the next click downloads.
    slow.destroy();
    await metricWait('geoeditor_exports_in_flight', 0);
    await page.evaluate(() => {
      window.exportSeen = [];
    });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-button')]);
    const today = new Date().toISOString().slice(0, 10);
    assert.equal(download.suggestedFilename(), `cases-${today}.geojson`);
    const doc = JSON.parse(readFileSync(await download.path(), 'utf8'));
    assert.equal(doc.features.length, nCases);
    assert.equal(new Set(doc.features.map((f) => f.properties.case_id)).size, nCases);
    await page.waitForSelector('body[data-export-done="2"]');
    assert.equal(await page.textContent('#export-message'), `Heruntergeladen: cases-${today}.geojson`);
    assert.doesNotMatch(await region.getAttribute('class'), /\berror\b/);
    const seen = await page.evaluate(() => window.exportSeen);
    assert.ok(seen.some((s) => s.disabled && s.busy === 'true' && s.label === 'Export wird erstellt …'),
      `busy while running: ${JSON.stringify(seen.slice(0, 6))}`);
    const last = seen[seen.length - 1];
    assert.deepEqual(last, { disabled: false, busy: 'false', label: 'Gefilterte Fälle herunterladen' });
    // The object URL is given back once the download has it.
    const url = await page.evaluate(() => window.reviewApp.exportState.lastUrl);
    assert.match(url, /^blob:/);
    await page.waitForTimeout(REVOKE_AFTER_MS + 1000);
    assert.equal(await page.evaluate(async (u) => fetch(u).then(() => 'readable', () => 'revoked'), url), 'revoked');

    // "CSV (Excel)": the byte order mark and semicolons a German Excel needs
    assert.equal(await page.textContent('#export-format option[value="csv-excel"]'), 'CSV (Excel)');
    await page.selectOption('#export-format', 'csv-excel');
    const [xl] = await Promise.all([page.waitForEvent('download'), page.click('#export-button')]);
    assert.equal(xl.suggestedFilename(), `cases-${today}.csv`);
    const xlBytes = readFileSync(await xl.path());
    assert.deepEqual([...xlBytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.match(xlBytes.toString('utf8').split('\r\n')[0], /^\uFEFFWKT;case_id;service;/);
    await page.waitForSelector('body[data-export-done="3"]');

    // The session ends elsewhere: the export leads to the login with its message.
    const csrf = await page.evaluate(async () => (await (await fetch('/v1/session')).json()).csrf_token);
    await page.evaluate(async (tok) => fetch('/v1/logout', { method: 'POST', headers: { 'X-CSRF-Token': tok } }), csrf);
    await page.click('#export-button');
    await page.waitForSelector('body[data-view="login"]');
    assert.match(await page.textContent('#login-message'), /Sitzung ist abgelaufen/);

    // Back in, the server gone: the page says so in its own words.
    await page.fill('#login-name', 'ada');
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-submit');
    await page.waitForSelector('body[data-view="list"]');
    await page.waitForFunction(() => !document.body.dataset.listLoading);
    await srv.stop();
    const done = Number(await page.evaluate(() => document.body.dataset.exportDone));
    await page.click('#export-button');
    await page.waitForSelector(`body[data-export-done="${done + 1}"]`);
    assert.equal(await page.textContent('#export-message'),
      'Der Export konnte nicht geladen werden: Der Server ist nicht erreichbar. Bitte prüfen Sie die Verbindung und versuchen Sie es erneut.');
    assert.deepEqual(errors, []);
    await ctx.close();
  });
});
