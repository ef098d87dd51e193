// test_review.mjs - the caseworkers' review app (/review/) in Debian's
// chromium against the real server. Seeded through the real interfaces:
// two caseworkers by "geoeditor user add" (skip containers; information
// stands), a form-server client with a webhook URL and secret pointing at an
// http server inside this test, and through the form-server API two
// overlapping skip-container cases with overlapping periods plus one
// information-stand case.
//
// Then: log in (after a wrong password, said in words), filter to open
// skip-container cases, list and map agree, the list map fits the listed
// cases (in view, clear of its key and button, not much wider than they
// are, at most zoom 19) or with none the whole city, and refits when the
// filter changes, but not after the caseworker dragged it or moved it by
// the arrow keys until "Auf die Fälle zoomen" asks; select on the map and
// in the list, open the case with the conflict and see both cases drawn (the
// map's features and the text list of what is drawn), start the review,
// try to reject without a comment, approve with a comment (asked first in a
// dialog naming the conflicting case: cancelled, then approved anyway); the
// history shows it with the conflict it was made over, the form server sees it, and the webhook receiver gets a call
// whose X-GeoEditor-Signature verifies. Each case says where it is in words
// (its first feature's location sentence) on its card and in its detail,
// in German and, for the admin, in English. The other service's caseworker does
// not see the case. An ended session leads back to the login with a
// message; repeated wrong passwords show the lockout in words; the export
// button downloads the listed cases under the server's file name (export
// refusals: test_review_export.mjs); the keyboard alone logs in, opens a
// case and decides; a decision on a case someone else changed meanwhile is
// refused in words (412 on the case's ETag), the case reloaded, and the
// next decision goes through. axe-core finds no WCAG 2.1 AA violation in
// login, list and detail, German and English. Screenshots go to
// build/test-screenshots and are compared with the reviewed references
// tests/screenshots/review-list.png, review-detail.png, review-purged.png
// (screenshots.mjs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  SLOW, axeBuilder, findHydrantSpot, futurePeriod, launchBrowser, newReviewPage, skipReason, startServer,
  waitMapDrawn as waitMapDrawnIn,
} from './support.mjs';
import { checkScreenshot } from './screenshots.mjs';

const SRC = process.env.GE_SOURCE_DIR || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.GE_BINARY || path.join(SRC, 'build/geoeditor');
const reason = skipReason() || (
  // support.mjs checks the editor's page; this test needs the review app's
  (await import('node:fs')).existsSync(path.join(SRC, 'web/dist/review/index.html'))
    ? null : 'web/dist/review/index.html is missing (scripts/setup builds the front end)');
if (reason) console.log(`# SKIP browser review tests: ${reason}`);
const T = 30000 * SLOW;

const PASSWORDS = { erika: 'stands-secret-2026!', otto: 'skips-secret-2026!!', ada: 'overseer-secret-2026' };

// The scale bar's text against its box, WCAG contrast ratio, the box's
// translucency taken at its worst (over white and over black map).
function scaleContrast(page, mapId) {
  return page.evaluate((id) => {
    const inner = document.querySelector(`#${id} .ol-scale-line-inner`);
    const box = document.querySelector(`#${id} .ol-scale-line`);
    if (!inner || !box) return 0;
    const parse = (x) => x.match(/[\d.]+/g).map(Number);
    const [r, g, b, ta = 1] = parse(getComputedStyle(inner).color);
    const [br, bg, bb, ba = 1] = parse(getComputedStyle(box).backgroundColor);
    const lin = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    const lum = ([x, y, z]) => 0.2126 * lin(x) + 0.7152 * lin(y) + 0.0722 * lin(z);
    const ratio = (p, q) => {
      const [hi, lo] = [lum(p), lum(q)].sort((m, n) => n - m);
      return (hi + 0.05) / (lo + 0.05);
    };
    let worst = Infinity;
    for (const under of [255, 0]) {
      const back = [br, bg, bb].map((c) => c * ba + under * (1 - ba));
      const text = [r, g, b].map((c, i) => c * ta + back[i] * (1 - ta));
      worst = Math.min(worst, ratio(text, back));
    }
    return worst;
  }, mapId);
}

// A webhook receiver: records every request with its raw body.
function startReceiver() {
  const calls = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    calls.push({ method: req.method, url: req.url, headers: req.headers, body });
    res.writeHead(204);
    res.end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}/hooks/geoeditor`,
    calls,
    close: () => new Promise((r) => server.close(r)),
  })));
}

// A rectangle of w x l metres centred on lon/lat (east-west length).
function rect(lon, lat, w = 2, l = 3.5) {
  const mLat = 111320, mLon = 111320 * Math.cos((lat * Math.PI) / 180);
  const dx = l / 2 / mLon, dy = w / 2 / mLat;
  return { type: 'Polygon', coordinates: [[[lon - dx, lat - dy], [lon + dx, lat - dy], [lon + dx, lat + dy], [lon - dx, lat + dy], [lon - dx, lat - dy]]] };
}
const fc = (...geoms) => ({ type: 'FeatureCollection', features: geoms.map((g) => ({ type: 'Feature', properties: {}, geometry: g })) });
// Web Mercator metres (EPSG:3857, the maps' view projection) of a lon/lat box.
const R = 6378137;
const merc = (lon, lat) => [(R * lon * Math.PI) / 180, R * Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360))];
const mercBox = (b) => [...merc(b[0], b[1]), ...merc(b[2], b[3])];
const inside = (a, b) => a[0] >= b[0] && a[1] >= b[1] && a[2] <= b[2] && a[3] <= b[3];
const overlaps = (a, b) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
// How much of the view a box fills, in its fuller direction (1: edge to edge).
const share = (box, view) => Math.max((box[2] - box[0]) / (view[2] - view[0]), (box[3] - box[1]) / (view[3] - view[1]));

describe('review app', { skip: reason || false, timeout: 900000 }, () => {
  let srv, browser, hooks, client;
  const cases = {}; // name -> {id, reference}
  const period = futurePeriod(10, 4);
  const period2 = futurePeriod(12, 4); // overlaps period
  const oneDay = futurePeriod(11, 0); // one day, within period
  cases.oneDay = oneDay;

  const cli = (args, input) => execFileSync(BIN, [...args, '--db', srv.db], {
    encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'],
  });

  async function formApi(method, p, body, headers = {}) {
    const r = await fetch(srv.base + p, {
      method,
      headers: { Authorization: `Bearer ${client.key}`, 'Content-Type': 'application/json', ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: r.status, body: await r.json().catch(() => null) };
  }

  // A case through the form server's API: draft with features, then submit.
  async function makeCase(service, reference, features, per, applicant) {
    const d = await formApi('POST', '/v1/drafts', { service, reference, locale: 'de', period: per, features });
    assert.equal(d.status, 201, JSON.stringify(d.body));
    const s = await formApi('POST', `/v1/drafts/${d.body.id}/submit`, { applicant },
      { 'Idempotency-Key': `seed-${reference}` });
    assert.equal(s.status, 201, JSON.stringify(s.body));
    return { id: s.body.case_id, reference };
  }

  async function validate(service, features, per) {
    const r = await fetch(`${srv.base}/v1/validate`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ service, period: per, features }),
    });
    return r.json();
  }

  before(async () => {
    srv = await startServer('review');
    hooks = await startReceiver();
    const out = cli(['client', 'add', '--name', 'review-form', '--origin', 'http://127.0.0.1:9', '--webhook', hooks.url]);
    client = { key: out.match(/api_key: (\S+)/)[1], secret: out.match(/webhook_secret: (\S+)/)[1] };
    cli(['user', 'add', '--name', 'erika', '--role', 'caseworker', '--service', 'skip-container'], `${PASSWORDS.erika}\n`);
    cli(['user', 'add', '--name', 'otto', '--role', 'caseworker', '--service', 'info-stand'], `${PASSWORDS.otto}\n`);

    // Two skips on the same valid spot at overlapping times: each is the
    // other's conflict. A third case of another service elsewhere.
    const spot = await findHydrantSpot(srv.base, period);
    const [lon, lat] = spot.good;
    cases.spot = spot.good;
    cases.a = await makeCase('skip-container', 'AZ-2026-0101', fc(rect(lon, lat)), period,
      { name: 'Erika Mustermann', email: 'erika@example.org', phone: '+49 30 1234567' });
    // B stands a little further from the hydrant, 1 m beside A where the
    // rules allow it (else overlapping A): within the 2 m of a conflict.
    const mLon = 111320 * Math.cos((lat * Math.PI) / 180);
    let bGeom = fc(rect(lon + Math.sign(spot.dxM) / mLon, lat));
    for (const along of [4.5, 3])
      if ((await validate('skip-container', fc(rect(lon + (Math.sign(spot.dxM) * along) / mLon, lat)), period2)).valid) {
        bGeom = fc(rect(lon + (Math.sign(spot.dxM) * along) / mLon, lat));
        break;
      }
    cases.b = await makeCase('skip-container', 'AZ-2026-0102', bGeom, period2,
      { name: 'Max Muster', organisation: 'Muster Bau GmbH', email: 'bau@example.org' });
    // An information stand some way along the street, where the rules
    // accept it (asked of the server, never assumed).
    let stand = null;
    for (const dxM of [30, -30, 60, -60, 90, -90]) {
      const g = fc(rect(lon + dxM / (111320 * Math.cos((lat * Math.PI) / 180)), lat, 1.5, 2));
      if ((await validate('info-stand', g, oneDay)).valid) {
        stand = g;
        break;
      }
    }
    assert.ok(stand, 'a valid place for an information stand in the demo quarter');
    cases.c = await makeCase('info-stand', 'AZ-2026-0103', stand, oneDay, { name: 'Verein Beispiel e.V.' });
    // A second stand on the very same place and day: the two overlap.
    cases.d = await makeCase('info-stand', 'AZ-2026-0104', stand, oneDay, { name: 'Initiative Gegenüber' });
    cli(['user', 'add', '--name', 'ada', '--role', 'admin'], `${PASSWORDS.ada}\n`);

    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await hooks?.close();
    await srv?.stop();
    assert.doesNotMatch(srv?.log() || '', /AddressSanitizer|LeakSanitizer|runtime error:/);
  });

  const newPage = (locale) => newReviewPage(browser, T, locale);

  async function login(page, name, password) {
    await page.fill('#login-name', name);
    await page.fill('#login-password', password);
    await page.click('#login-submit');
  }

  async function waitList(page, ids) {
    await page.waitForFunction((want) => {
      const got = [...document.querySelectorAll('#case-list > li')].map((li) => li.dataset.caseId).sort();
      return JSON.stringify(got) === JSON.stringify([...want].sort());
    }, ids, { timeout: T });
  }

  const waitMapDrawn = (page, ids) => waitMapDrawnIn(page, ids, T);

  // What the list map shows once list and map are in step: the view
  // (EPSG:3857) and its zoom, each listed case's box, on the map and on the
  // page, and where on the page the key and the button lie over the map.
  async function listView(page) {
    await page.waitForFunction(() => !document.body.dataset.listLoading
      && !window.reviewApp.listMap.getView().getAnimating(), null, { timeout: T });
    return page.evaluate(() => {
      const R = 6378137;
      const merc = (lon, lat) => [(R * lon * Math.PI) / 180, R * Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360))];
      const rect = (id) => {
        const r = document.getElementById(id).getBoundingClientRect();
        return [r.left, r.top, r.right, r.bottom];
      };
      const map = window.reviewApp.listMap;
      map.renderSync(); // pixels of the view as it is now, not of the last frame
      const view = map.getView();
      const m = rect('list-map');
      const cases = [...document.querySelectorAll('#case-list > li')].filter((li) => li.dataset.bbox).map((li) => {
        const b = JSON.parse(li.dataset.bbox);
        const [x0, y0] = merc(b[0], b[1]), [x1, y1] = merc(b[2], b[3]);
        const p0 = map.getPixelFromCoordinate([x0, y1]), p1 = map.getPixelFromCoordinate([x1, y0]);
        return { id: li.dataset.caseId, box: [x0, y0, x1, y1], px: [m[0] + p0[0], m[1] + p0[1], m[0] + p1[0], m[1] + p1[1]] };
      });
      return { extent: view.calculateExtent(map.getSize()), zoom: view.getZoom(), center: view.getCenter(),
        cases, key: rect('list-legend'), tools: rect('list-map-tools') };
    });
  }

  // The list map fits the listed cases: each one in view, between the
  // button above and the key below (the bands the fit keeps free, so that
  // no case hides behind them, wherever it lies), the view at most twice as
  // wide (or high) as all of them together, except where they lie so close
  // that the map shows them at its closest zoom for cases (19), and never
  // closer than that.
  async function assertFitsCases(page, what) {
    const v = await listView(page);
    assert.ok(v.cases.length > 0, `${what}: no case listed`);
    const all = [Infinity, Infinity, -Infinity, -Infinity];
    for (const c of v.cases) {
      assert.ok(inside(c.box, v.extent), `${what}: case ${c.id} ${c.box} outside the view ${v.extent}`);
      assert.ok(c.px[3] <= v.key[1] && !overlaps(c.px, v.key), `${what}: case ${c.id} at ${c.px} not above the map's key ${v.key}`);
      assert.ok(c.px[1] >= v.tools[3], `${what}: case ${c.id} at ${c.px} not below the button ${v.tools}`);
      for (let i = 0; i < 4; i++) all[i] = (i < 2 ? Math.min : Math.max)(all[i], c.box[i]);
    }
    assert.ok(v.zoom <= 19 + 1e-6, `${what}: zoom ${v.zoom} closer than 19`);
    const s = share(all, v.extent);
    assert.ok(s >= 0.5 || v.zoom >= 19 - 1e-6,
      `${what}: the view is ${(1 / s).toFixed(1)} times as wide as the cases, at zoom ${v.zoom.toFixed(2)}`);
    return v;
  }

  // With no case listed the list map shows the city: the base map's bounds,
  // filling at least half the view.
  async function assertFitsCity(page, what) {
    const tj = await (await fetch(`${srv.base}/tiles/basemap/WebMercatorQuad`, { headers: { Accept: 'application/json' } })).json();
    const city = mercBox(tj.bounds);
    const v = await listView(page);
    assert.ok(inside(city, v.extent), `${what}: the city ${city} is not all in the view ${v.extent}`);
    assert.ok(share(city, v.extent) >= 0.5, `${what}: the city fills only ${share(city, v.extent).toFixed(2)} of the view`);
  }

  async function rendered(page, which) {
    await page.evaluate((w) => new Promise((resolve) => {
      const map = window.reviewApp[w];
      map.once('rendercomplete', () => resolve());
      map.render();
    }), which);
    await page.waitForTimeout(300);
  }

  test('(1) log in, filter, list and map in sync, open the conflict, decide; history, form server and signed webhook', async () => {
    const page = await newPage();
    // Served as a static page: /review without the slash too; no other
    // origin may frame it (its buttons decide cases).
    const bare = await fetch(`${srv.base}/review`);
    assert.equal(bare.status, 200);
    assert.match(await bare.text(), /src\/review|assets\/review-/);
    const res = await page.goto(`${srv.base}/review/`);
    assert.match(res.headers()['content-security-policy'], /frame-ancestors 'self'/);
    await page.waitForSelector('body[data-ready="1"]');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'de');
    assert.equal(await page.isVisible('#view-login'), true);

    // A wrong password is said in words, and the password field is emptied.
    await login(page, 'erika', 'not-the-password');
    await page.waitForFunction(() => /falsch/.test(document.getElementById('login-error').textContent));
    assert.equal(await page.inputValue('#login-password'), '');

    await login(page, 'erika', PASSWORDS.erika);
    await page.waitForSelector('body[data-view="list"]');
    assert.match(await page.textContent('#who'), /erika/);
    // Only her service is offered; the default status is "open".
    assert.deepEqual(await page.$$eval('#f-service option', (o) => o.map((x) => x.value)), ['', 'skip-container']);
    assert.equal(await page.$eval('#f-service option', (o) => o.textContent), 'Alle meine Leistungen');
    assert.equal(await page.inputValue('#f-status'), 'open');
    // The map opens on her cases (not on the city or the country).
    await waitList(page, [cases.a.id, cases.b.id]);
    await assertFitsCases(page, 'after login');

    await page.selectOption('#f-service', 'skip-container');
    await waitList(page, [cases.a.id, cases.b.id]);
    await waitMapDrawn(page, [cases.a.id, cases.b.id]);
    // The map draws the authorised case tiles, not a copy of the list.
    assert.equal(await page.evaluate(() => window.reviewApp.listLayer.mode), 'tiles');
    const listText = await page.textContent('#case-list');
    for (const s of ['AZ-2026-0101', 'AZ-2026-0102', 'Eingegangen', '1 Hinweis'])
      assert.ok(listText.includes(s), `the list shows ${s}: ${listText}`);
    assert.ok(!listText.includes('AZ-2026-0103'), 'the information stand is not hers');
    // Each case says where it is in words: its first feature's location
    // sentence, the one the form server reads too, in German.
    for (const c of [cases.a, cases.b]) {
      c.where = (await formApi('GET', `/v1/cases/${c.id}`)).body.location;
      assert.ok(c.where && /\S/.test(c.where.de) && /\S/.test(c.where.en), `case ${c.reference} has a location sentence`);
      const line = page.locator(`#case-list > li[data-case-id="${c.id}"] .case-where`);
      assert.equal(await line.isVisible(), true);
      // the label is for screen readers; the eye reads the sentence
      assert.equal(await line.textContent(), `Ort: ${c.where.de}`);
      assert.equal(await line.locator('.visually-hidden').textContent(), 'Ort: ');
    }
    // Each of the two skips names its conflict with the other at once,
    // although A's report at submission found nothing.
    for (const id of [cases.a.id, cases.b.id])
      assert.match(await page.textContent(`#case-list > li[data-case-id="${id}"] .case-conflicts`), /^1 Überschneidung$/);

    // The export button downloads the same cases (GeoJSON here, read back)
    // under the server's file name, fetched with the list's filters.
    await page.selectOption('#export-format', 'geojson');
    const [exportReq, download] = await Promise.all([
      page.waitForRequest((q) => new URL(q.url()).pathname === '/v1/export'),
      page.waitForEvent('download'),
      page.click('#export-button'),
    ]);
    const exportUrl = new URL(exportReq.url());
    assert.equal(exportUrl.searchParams.get('service'), 'skip-container');
    assert.equal(exportUrl.searchParams.get('status'), 'open');
    assert.equal(exportUrl.searchParams.get('f'), 'geojson');
    assert.ok(!exportUrl.searchParams.has('limit') && !exportUrl.searchParams.has('offset'), exportUrl.search);
    assert.equal(exportReq.headers()['accept-language'], 'de');
    const today = new Date().toISOString().slice(0, 10);
    assert.equal(download.suggestedFilename(), `cases-${today}.geojson`);
    const exported = JSON.parse(readFileSync(await download.path(), 'utf8'));
    assert.deepEqual([...new Set(exported.features.map((f) => f.properties.case_id))].sort(),
      [cases.a.id, cases.b.id].sort());
    await page.waitForSelector('body[data-export-done="1"]');
    assert.equal(await page.textContent('#export-message'), `Heruntergeladen: cases-${today}.geojson`);
    assert.equal(await page.getAttribute('#export-button', 'aria-busy'), 'false');
    assert.equal(await page.isDisabled('#export-button'), false);

    // Filters narrow list and map together: free text, then closed cases.
    await page.fill('#f-q', 'muster bau');
    await waitList(page, [cases.b.id]);
    await waitMapDrawn(page, [cases.b.id]);
    await page.fill('#f-q', '');
    await waitList(page, [cases.a.id, cases.b.id]);
    await page.selectOption('#f-status', 'closed');
    await waitList(page, []);
    await waitMapDrawn(page, []);
    assert.match(await page.textContent('#list-count'), /Keine Fälle/);
    // No case: the map shows the whole city and says why it is empty.
    await assertFitsCity(page, 'no case listed');
    assert.equal(await page.isVisible('#list-map-empty'), true);
    assert.equal(await page.textContent('#list-fit'), 'Ganzes Stadtgebiet zeigen');
    await page.selectOption('#f-status', 'open');
    await waitList(page, [cases.a.id, cases.b.id]);
    await waitMapDrawn(page, [cases.a.id, cases.b.id]);
    const fitted = await assertFitsCases(page, 'the filter changed back');
    assert.equal(await page.isVisible('#list-map-empty'), false);
    assert.equal(await page.textContent('#list-fit'), 'Auf die Fälle zoomen');

    // Once she drags the map herself, a filter change leaves it where she
    // put it ...
    const mb = await (await page.$('#list-map')).boundingBox();
    const [mx, my] = [mb.x + mb.width / 2, mb.y + mb.height / 2];
    await page.mouse.move(mx, my);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(mx - 40 * i, my - 20 * i);
    await page.mouse.up();
    const dragged = await listView(page);
    assert.ok(dragged.center[0] - fitted.center[0] > 50, `the drag moved the map east: ${fitted.center} -> ${dragged.center}`);
    await page.fill('#f-q', 'muster bau');
    await waitList(page, [cases.b.id]);
    const kept = await listView(page);
    assert.deepEqual([kept.center, kept.zoom], [dragged.center, dragged.zoom], 'the filter change did not move the map');
    // ... until she asks: "Auf die Fälle zoomen", by keyboard, fits the
    // listed case and says so.
    await page.focus('#list-fit');
    await page.keyboard.press('Enter');
    const refitted = await assertFitsCases(page, 'the button after a drag');
    await page.waitForFunction(() => document.getElementById('announcer').textContent === 'Die Karte zeigt den Fall der Liste.');
    // The arrow keys move the focused map just as well, and it stays there.
    await page.focus('#list-map');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    const keyed = await listView(page);
    assert.ok(keyed.center[0] - refitted.center[0] > 10, `the arrow keys moved the map east: ${refitted.center} -> ${keyed.center}`);
    await page.fill('#f-q', '');
    await waitList(page, [cases.a.id, cases.b.id]);
    const kept2 = await listView(page);
    assert.deepEqual([kept2.center, kept2.zoom], [keyed.center, keyed.zoom], 'the filter change did not move the map');
    await page.click('#list-fit');
    await assertFitsCases(page, 'the button after the arrow keys');

    // "Only this map area": away from the cases the list and map are empty,
    // back over them both cases return.
    const centreOn = (dxM) => page.evaluate(([id, dx]) => {
      const app = window.reviewApp;
      const li = [...document.querySelectorAll('#case-list > li')].find((x) => x.dataset.caseId === id);
      const b = JSON.parse(li?.dataset.bbox || app.lastBbox);
      app.lastBbox = JSON.stringify(b);
      const R = 6378137, lon = (b[0] + b[2]) / 2, lat = (b[1] + b[3]) / 2;
      const x = (R * lon * Math.PI) / 180 + dx, y = R * Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
      app.listMap.getView().setCenter([x, y]);
      app.listMap.getView().setZoom(18);
    }, [cases.a.id, dxM]);
    await centreOn(0);
    await page.check('#f-bbox');
    await waitList(page, [cases.a.id, cases.b.id]);
    await centreOn(3000);
    await waitList(page, []);
    await waitMapDrawn(page, []);
    await centreOn(0);
    await waitList(page, [cases.a.id, cases.b.id]);
    await page.uncheck('#f-bbox');
    await waitList(page, [cases.a.id, cases.b.id]);

    // Map -> list: a click on case A's place selects a case there in the list.
    const px = await page.evaluate((id) => {
      const app = window.reviewApp;
      const c = [...document.querySelectorAll('#case-list > li')].find((li) => li.dataset.caseId === id);
      const b = JSON.parse(c.dataset.bbox);
      const R = 6378137, lon = (b[0] + b[2]) / 2, lat = (b[1] + b[3]) / 2;
      const x = (R * lon * Math.PI) / 180, y = R * Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
      app.listMap.getView().setCenter([x, y]);
      app.listMap.getView().setZoom(19);
      app.listMap.renderSync();
      return app.listMap.getPixelFromCoordinate([x, y]);
    }, cases.a.id);
    await rendered(page, 'listMap');
    const box = await (await page.$('#list-map')).boundingBox();
    await page.mouse.click(box.x + px[0], box.y + px[1]);
    await page.waitForSelector('#case-list > li[aria-current="true"]');
    const picked = await page.$eval('#case-list > li[aria-current="true"]', (li) => li.dataset.caseId);
    assert.ok([cases.a.id, cases.b.id].includes(picked));
    // List -> map: focusing a case's link highlights it on the map.
    await page.focus(`#case-list > li[data-case-id="${cases.b.id}"] a`);
    assert.equal(await page.evaluate(() => window.reviewApp.listLayer.selected()), cases.b.id);
    await page.focus(`#case-list > li[data-case-id="${cases.a.id}"] a`);
    assert.equal(await page.evaluate(() => window.reviewApp.listLayer.selected()), cases.a.id);

    // The button brings back the cases after the views made above by hand.
    await page.click('#list-fit');
    await assertFitsCases(page, 'the button before the screenshot');
    await rendered(page, 'listMap');
    // the periods and days of receipt move with today's date
    await checkScreenshot(page, 'review-list', { ignore: ['.case-meta', '#summary-soon .small'] });
    assert.match(await page.textContent('#list-legend'), /Eingegangen.*Radweg, Radfahrstreifen/);
    const listScale = await scaleContrast(page, 'list-map');
    assert.ok(listScale >= 4.5, `the list map's scale bar text contrast ${listScale.toFixed(2)} < 4.5`);

    // Open case A: its conflict B is listed and drawn.
    await page.click(`#case-list > li[data-case-id="${cases.a.id}"] a`);
    await page.waitForSelector(`body[data-case-loaded="${cases.a.id}"]`);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'case-heading');
    assert.match(await page.textContent('#case-heading'), /AZ-2026-0101/);
    const drawn = await page.$$eval('#drawn > li', (lis) => lis.map((li) => ({ cls: li.className, id: li.dataset.caseId, text: li.textContent })));
    assert.deepEqual(drawn.filter((d) => d.cls === 'drawn-own').map((d) => d.id), [cases.a.id]);
    assert.deepEqual(drawn.filter((d) => d.cls === 'drawn-conflict').map((d) => d.id), [cases.b.id]);
    assert.match(drawn.find((d) => d.cls === 'drawn-conflict').text, /AZ-2026-0102.*Eingegangen.*1 Fläche/);
    const onMap = await page.evaluate(() => ({
      own: window.reviewApp.detailLayers.own.getFeatures().length,
      others: [...new Set(window.reviewApp.detailLayers.others.getFeatures().map((f) => f.get('case_id')))],
    }));
    assert.equal(onMap.own, 1);
    assert.deepEqual(onMap.others, [cases.b.id]);
    const conflictText = await page.textContent('#conflicts');
    assert.match(conflictText, /AZ-2026-0102/);
    // A was submitted before B existed: its report as submitted found no
    // conflict, the fresh re-check does and says so in words.
    assert.equal(await page.isVisible('#revalidation'), true);
    assert.match(await page.textContent('#reval'), /Hinweis: .*AZ-2026-0102/);
    assert.match(await page.textContent('#measures'), /2 m × 3,5 m/);
    // where it is, under the heading and beside the shape's measures
    assert.equal(await page.isVisible('#case-where'), true);
    assert.equal(await page.textContent('#case-where'), `Ort: ${cases.a.where.de}`);
    assert.ok((await page.textContent('#measures')).includes(` · ${cases.a.where.de}`),
      await page.textContent('#measures'));
    assert.match(await page.textContent('#applicant'), /Erika Mustermann.*erika@example\.org/s);
    assert.deepEqual(await page.$$eval('#decide-buttons button', (b) => b.map((x) => x.dataset.status)), ['in_review']);
    await rendered(page, 'detailMap');
    await checkScreenshot(page, 'review-detail', { ignore: ['.case-meta', '#case-summary'] });
    const detailScale = await scaleContrast(page, 'detail-map');
    assert.ok(detailScale >= 4.5, `the case map's scale bar text contrast ${detailScale.toFixed(2)} < 4.5`);
    // The case map's key names what its colours are, reference layers too.
    assert.equal(await page.isVisible('#detail-legend'), true);
    const key = await page.$$eval('#detail-legend li', (lis) => lis.map((li) => li.textContent));
    for (const s of ['Dieser Fall', 'Überschneidender Fall', 'Hydrant', 'Baum', 'Radweg, Radfahrstreifen', 'Straßenraum'])
      assert.ok(key.includes(s), `the case map's key names ${s}: ${key}`);

    // received -> in review
    await page.click('#decide-buttons button[data-status="in_review"]');
    await page.waitForFunction(() => /In Prüfung/.test(document.getElementById('decide-result').textContent));
    assert.deepEqual(await page.$$eval('#decide-buttons button', (b) => b.map((x) => x.dataset.status).sort()),
      ['approved', 'changes_requested', 'rejected']);
    // Rejecting needs a comment: said at the field, nothing sent.
    await page.click('#decide-buttons button[data-status="rejected"]');
    await page.waitForFunction(() => /Kommentar/.test(document.getElementById('comment-error').textContent));
    assert.equal(await page.getAttribute('#comment', 'aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'comment');
    // Approve with a comment: B is in the way, so the app asks first, in a
    // modal dialog naming B (reference, where, status, distance); the focus
    // starts on "Abbrechen", which changes nothing.
    const comment = 'Genehmigt: beide Mulden haben nebeneinander Platz (geprüft vor Ort).';
    await page.fill('#comment', comment);
    await page.click('#decide-buttons button[data-status="approved"]');
    await page.waitForSelector('#confirm-approve[open]');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'confirm-cancel');
    assert.equal(await page.textContent('#confirm-heading'), 'Trotz Überschneidung genehmigen?');
    const asked = await page.$$eval('#confirm-list li', (lis) => lis.map((li) => [li.dataset.caseId, li.textContent]));
    assert.deepEqual(asked.map((x) => x[0]), [cases.b.id]);
    assert.match(asked[0][1], /^AZ-2026-0102 – .*Eingegangen/);
    await page.click('#confirm-cancel');
    await page.waitForFunction(() => !document.getElementById('confirm-approve').open);
    await page.waitForFunction(() => /Nicht genehmigt/.test(document.getElementById('decide-result').textContent));
    assert.equal((await formApi('GET', `/v1/cases/${cases.a.id}`)).body.status, 'in_review');
    // Escape cancels too; then "Trotzdem genehmigen".
    await page.click('#decide-buttons button[data-status="approved"]');
    await page.waitForSelector('#confirm-approve[open]');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.getElementById('confirm-approve').open);
    assert.equal((await formApi('GET', `/v1/cases/${cases.a.id}`)).body.status, 'in_review');
    await page.click('#decide-buttons button[data-status="approved"]');
    await page.waitForSelector('#confirm-approve[open]');
    await page.click('#confirm-ok');
    await page.waitForFunction(() => /Genehmigt/.test(document.getElementById('decide-result').textContent));
    assert.equal(await page.$$eval('#decide-buttons button', (b) => b.length), 0);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'decide-heading');
    // who, from, to in the event's row; the comment in the row under it
    const history = await page.$$eval('#history tbody tr.event', (trs) => trs.map((tr) => [
      ...[...tr.cells].map((c) => c.textContent),
      tr.nextElementSibling?.classList.contains('event-comment') ? tr.nextElementSibling.textContent : '']));
    const last = history[history.length - 1];
    assert.equal(last[1], 'erika');
    assert.equal(last[2], 'In Prüfung');
    assert.equal(last[3], 'Genehmigt');
    assert.equal(last[4], `Kommentar: ${comment}`);
    // ... and under it the conflict the approval was made over
    assert.equal(await page.textContent('#history tbody tr.event-overrode'), 'Genehmigt trotz Konflikt mit AZ-2026-0102');
    assert.equal(await page.isVisible('#comment'), false);
    assert.equal(await page.isVisible('#decide-none'), true);
    assert.equal(history.length, 3, JSON.stringify(history)); // submitted, in review, approved
    assert.equal(history[0][1], 'Formularserver review-form'); // the client's name, not its id

    // The form server learns it by GET ...
    const fs = await formApi('GET', `/v1/cases/${cases.a.id}`);
    assert.equal(fs.status, 200);
    assert.equal(fs.body.status, 'approved');
    // ... and by a webhook signed with its secret.
    const deadline = Date.now() + 60000 * SLOW;
    let call = null;
    while (!call && Date.now() < deadline) {
      call = hooks.calls.find((c) => {
        try {
          const b = JSON.parse(c.body);
          return b.case_id === cases.a.id && b.status === 'approved';
        } catch {
          return false;
        }
      });
      if (!call) await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(call, `a webhook for the approval arrived (got ${hooks.calls.length} calls)`);
    assert.equal(call.method, 'POST');
    assert.equal(call.headers['x-geoeditor-event'], 'case.status_changed');
    const ts = call.headers['x-geoeditor-timestamp'];
    assert.match(ts, /^\d+$/);
    const want = `sha256=${createHmac('sha256', client.secret).update(`${ts}.${call.body}`).digest('hex')}`;
    assert.equal(call.headers['x-geoeditor-signature'], want, 'the signature verifies with the client secret');
    const wrong = `sha256=${createHmac('sha256', 'whsec_wrong').update(`${ts}.${call.body}`).digest('hex')}`;
    assert.notEqual(call.headers['x-geoeditor-signature'], wrong);
    const body = JSON.parse(call.body);
    assert.equal(body.previous_status, 'in_review');
    assert.equal(body.comment, comment);
    assert.equal(body.reference, 'AZ-2026-0101');
    // which other case was in the way is for caseworkers only
    assert.ok(!call.body.includes(cases.b.id) && !call.body.includes('AZ-2026-0102'), call.body);

    // Back to the list: A is no longer open, B still is.
    await page.click('#back');
    await waitList(page, [cases.b.id]);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('(2) the other service\'s caseworker does not see the skip cases; logout', async () => {
    const page = await newPage();
    await page.goto(`${srv.base}/review/`);
    await page.waitForSelector('body[data-ready="1"]');
    await login(page, 'otto', PASSWORDS.otto);
    await page.waitForSelector('body[data-view="list"]');
    await page.selectOption('#f-status', '');
    await waitList(page, [cases.c.id, cases.d.id]);
    await waitMapDrawn(page, [cases.c.id, cases.d.id]);
    await assertFitsCases(page, 'two stands on one place');
    // A one-day period is one date; the two stands on one place overlap.
    const cItem = `#case-list > li[data-case-id="${cases.c.id}"]`;
    const [y, m, d] = cases.oneDay.start.split('-');
    const meta = await page.textContent(`${cItem} .case-meta`);
    assert.ok(meta.includes(`${d}.${m}.${y}`) && !meta.includes('–'), `one date: ${meta}`);
    assert.equal(await page.textContent(`${cItem} .case-conflicts`), '1 Überschneidung');
    await page.click(`${cItem} a`);
    await page.waitForSelector(`body[data-case-loaded="${cases.c.id}"]`);
    const overlap = await page.textContent(`#conflicts li[data-case-id="${cases.d.id}"]`);
    assert.match(overlap, /überschneidet sich/);
    assert.doesNotMatch(overlap, /0 m entfernt/);
    // D's report as its form server reads it warns that the place is taken,
    // without naming C: no id, no reference, no shape beyond D's own.
    const dDoc = (await formApi('GET', `/v1/cases/${cases.d.id}`)).body;
    const dConflicts = dDoc.validation.violations.filter((v) => v.rule === 'conflict');
    assert.equal(dConflicts.length, 1);
    assert.match(dConflicts[0].message.de, /höchstens 10 m/);
    assert.match(dConflicts[0].message.en, /within 10 m/);
    assert.equal(dConflicts[0].ref, undefined);
    assert.ok(!JSON.stringify(dDoc).includes(cases.c.id) && !JSON.stringify(dDoc).includes('AZ-2026-0103'));
    // Asked directly, the case does not exist for him.
    await page.goto(`${srv.base}/review/#/case/${cases.a.id}`);
    await page.waitForSelector('body[data-view="detail"]');
    await page.waitForFunction(() => /gibt es nicht/.test(document.getElementById('detail-error').textContent));
    const status = await page.evaluate(async (id) => (await fetch(`/v1/cases/${id}`)).status, cases.a.id);
    assert.equal(status, 404);
    const tiles = await page.evaluate(() => window.reviewApp.listLayer.drawnIds());
    assert.ok(!tiles.includes(cases.a.id));
    // Logging out ends the session on the server, and says so.
    await page.click('#logout');
    await page.waitForSelector('body[data-view="login"]');
    assert.match(await page.textContent('#login-message'), /abgemeldet/);
    assert.equal(await page.evaluate(async () => (await fetch('/v1/session')).status), 401);
    await page.context().close();
  });

  test('(3) an ended session leads back to the login with a message, then to the same place', async () => {
    const page = await newPage('en-GB');
    await page.goto(`${srv.base}/review/`);
    await page.waitForSelector('body[data-ready="1"]');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    // The language switch changes every text at once, and back.
    await page.click('#lang-switch');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'de');
    assert.equal(await page.textContent('#login-heading'), 'Anmelden');
    await page.click('#lang-switch');
    assert.equal(await page.textContent('#login-heading'), 'Log in');
    await login(page, 'erika', PASSWORDS.erika);
    await page.waitForSelector('body[data-view="list"]');
    await page.click(`#case-list > li[data-case-id="${cases.b.id}"] a`);
    await page.waitForSelector(`body[data-case-loaded="${cases.b.id}"]`);
    // The server forgets the session (as after the idle timeout).
    const csrf = await page.evaluate(async () => (await (await fetch('/v1/session')).json()).csrf_token);
    const out = await page.evaluate(async (tok) => (await fetch('/v1/logout', { method: 'POST', headers: { 'X-CSRF-Token': tok } })).status, csrf);
    assert.ok(out === 200 || out === 204, `logout answered ${out}`);
    // The next decision meets the ended session: login with a message,
    // nothing changed, and after logging in the same case again.
    await page.click('#decide-buttons button[data-status="in_review"]');
    await page.waitForSelector('body[data-view="login"]');
    assert.match(await page.textContent('#login-message'), /session has ended/);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'login-name');
    await login(page, 'erika', PASSWORDS.erika);
    await page.waitForSelector('body[data-view="detail"]');
    await page.waitForSelector(`body[data-case-loaded="${cases.b.id}"]`);
    assert.equal(new URL(page.url()).hash, `#/case/${cases.b.id}`);
    assert.equal((await formApi('GET', `/v1/cases/${cases.b.id}`)).body.status, 'received');
    assert.deepEqual(await page.$$eval('#decide-buttons button', (b) => b.map((x) => x.dataset.status)), ['in_review']);
    await page.context().close();
  });

  test('(4) repeated wrong passwords: the lockout is said in words', async () => {
    const page = await newPage('en-GB');
    await page.goto(`${srv.base}/review/`);
    await page.waitForSelector('body[data-ready="1"]');
    let text = '';
    for (let i = 0; i < 8 && !/locked/.test(text); i++) {
      await login(page, 'mallory', `wrong-password-${i}`);
      await page.waitForFunction((n) => document.getElementById('login-error').textContent && !document.getElementById('login-submit').disabled, i);
      text = await page.textContent('#login-error');
      if (!/locked/.test(text)) assert.match(text, /wrong/);
      await page.evaluate(() => { document.getElementById('login-error').textContent = ''; });
    }
    assert.match(text, /locked.*try again in \d+ minutes/);
    await page.context().close();
  });

  test('(5) the keyboard alone: log in, open a case from the list, start its review, back to the list', async () => {
    const page = await newPage();
    await page.goto(`${srv.base}/review/`);
    await page.waitForSelector('body[data-ready="1"]');
    // The login form has the focus from the start.
    assert.equal(await page.evaluate(() => document.activeElement.id), 'login-name');
    await page.keyboard.type('erika');
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORDS.erika);
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-view="list"]');
    await waitList(page, [cases.b.id]);
    const tabTo = async (pred, what, max = 40) => {
      for (let i = 0; i < max; i++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate(pred)) return;
      }
      throw new Error(`Tab never reached ${what}`);
    };
    // Focus order: header, filters, then the cases.
    await tabTo(() => document.activeElement.id === 'f-service', 'the service filter');
    await tabTo(() => document.activeElement.classList.contains('case-ref'), 'a case link');
    // Focusing a case selects it on the map too.
    assert.equal(await page.evaluate(() => window.reviewApp.listLayer.selected()), cases.b.id);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`body[data-case-loaded="${cases.b.id}"]`);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'case-heading');
    await tabTo(() => document.activeElement.dataset?.status === 'in_review', 'the decision button');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /In Prüfung/.test(document.getElementById('decide-result').textContent));
    assert.equal(await page.getAttribute('#decide-result', 'role'), 'status');
    // Focus stays in the decision block, on the next step.
    assert.ok(await page.evaluate(() => !!document.activeElement.closest('#decide-buttons')));
    // Back to the list with the keyboard: the case keeps the focus there.
    await page.focus('#back');
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-view="list"]');
    await page.waitForFunction((id) => document.activeElement?.closest('li')?.dataset.caseId === id, cases.b.id);
    assert.match(await page.textContent(`#case-list > li[data-case-id="${cases.b.id}"]`), /In Prüfung/);
    await page.context().close();
  });

  test('(5b) a case changed by someone else meanwhile: the decision is refused in words, the case reloaded, the next one goes through', async () => {
    // B is in review (5). The app opens it and keeps its ETag.
    const page = await newPage();
    await page.goto(`${srv.base}/review/`);
    await page.waitForSelector('body[data-ready="1"]');
    await login(page, 'erika', PASSWORDS.erika);
    await page.waitForSelector('body[data-view="list"]');
    await page.goto(`${srv.base}/review/#/case/${cases.b.id}`);
    await page.waitForSelector(`body[data-case-loaded="${cases.b.id}"]`);
    // Behind the app's back the admin asks for changes, with the ETag of
    // her own GET as If-Match.
    const lr = await fetch(`${srv.base}/v1/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'ada', password: PASSWORDS.ada }),
    });
    assert.equal(lr.status, 200);
    const cookie = lr.headers.get('set-cookie').split(';')[0];
    const { csrf_token: csrf } = await lr.json();
    const g = await fetch(`${srv.base}/v1/cases/${cases.b.id}`, { headers: { Cookie: cookie } });
    const before = g.headers.get('etag');
    assert.match(before, /^"v\d+"$/);
    const pr = await fetch(`${srv.base}/v1/cases/${cases.b.id}`, {
      method: 'PATCH',
      headers: { Cookie: cookie, 'X-CSRF-Token': csrf, 'If-Match': before, 'Content-Type': 'application/json' },
      body: JSON.stringify({ status: 'changes_requested', comment: 'Bitte 1 m weiter nach Norden.' }),
    });
    assert.equal(pr.status, 200);
    const changed = pr.headers.get('etag');
    assert.notEqual(changed, before);
    // The app still shows "in review" and tries to approve (over its
    // conflict with A, asked first): 412, said in words, and the case as it
    // is now.
    await page.click('#decide-buttons button[data-status="approved"]');
    await page.waitForSelector('#confirm-approve[open]');
    await page.click('#confirm-ok');
    await page.waitForFunction(() => /inzwischen geändert/.test(document.getElementById('comment-error').textContent));
    await page.waitForFunction(() => [...document.querySelectorAll('#decide-buttons button')].map((b) => b.dataset.status).join() === 'in_review');
    assert.equal((await formApi('GET', `/v1/cases/${cases.b.id}`)).body.status, 'changes_requested');
    // The next decision carries the reloaded ETag and goes through.
    await page.click('#decide-buttons button[data-status="in_review"]');
    await page.waitForFunction(() => /In Prüfung/.test(document.getElementById('decide-result').textContent));
    const now = await fetch(`${srv.base}/v1/cases/${cases.b.id}`, { headers: { Authorization: `Bearer ${client.key}` } });
    assert.equal((await now.json()).status, 'in_review');
    assert.notEqual(now.headers.get('etag'), changed);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('(6) axe-core: no WCAG 2.1 AA violations in login, list and detail, German and English', async () => {
    const AxeBuilder = axeBuilder();
    const check = async (page, what) => {
      const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
      assert.deepEqual(
        result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
        [], `axe violations (${what})`);
    };
    for (const [locale, lang] of [['de-DE', 'de'], ['en-GB', 'en']]) {
      const page = await newPage(locale);
      await page.goto(`${srv.base}/review/`);
      await page.waitForSelector('body[data-ready="1"]');
      assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
      // with an error shown
      await login(page, 'erika', 'wrong-but-long-enough');
      await page.waitForFunction(() => document.getElementById('login-error').textContent);
      await check(page, `${lang} login`);
      await login(page, 'erika', PASSWORDS.erika);
      await page.waitForSelector('body[data-view="list"]');
      await page.selectOption('#f-status', '');
      await waitList(page, [cases.a.id, cases.b.id]);
      await page.focus(`#case-list > li[data-case-id="${cases.a.id}"] a`);
      await check(page, `${lang} list`);
      await page.click(`#case-list > li[data-case-id="${cases.b.id}"] a`);
      await page.waitForSelector(`body[data-case-loaded="${cases.b.id}"]`);
      await rendered(page, 'detailMap');
      await check(page, `${lang} detail`);
      await page.context().close();
    }
  });

  test('(7) content hash: a purged case says why it no longer verifies, a changed one warns', async () => {
    const sqlite = (q) => execFileSync('sqlite3', [srv.db, q], { encoding: 'utf8' });
    // A (approved in (1)) past its retention: the real purge empties what the hash covers.
    sqlite(`UPDATE cases SET closed_at = '2000-01-01T00:00:00Z' WHERE id = '${cases.a.id}'`);
    assert.match(cli(['purge']), /purged 1 case/);
    // B changed behind the application's back.
    sqlite(`UPDATE case_features SET props = '{"changed":1}' WHERE case_id = '${cases.b.id}'`);
    for (const [locale, purged, broken] of [
      ['de-DE', /Personenbezogene Daten wurden am .* nach der Löschfrist entfernt/, /Achtung/],
      ['en-GB', /Personal data was removed under the retention rule on \d{4}-\d\d-\d\d/, /Warning/]]) {
      const page = await newPage(locale);
      await page.goto(`${srv.base}/review/`);
      await page.waitForSelector('body[data-ready="1"]');
      await login(page, 'erika', PASSWORDS.erika);
      await page.waitForSelector('body[data-view="list"]');
      await page.goto(`${srv.base}/review/#/case/${cases.a.id}`);
      await page.waitForSelector(`body[data-case-loaded="${cases.a.id}"]`);
      const a = await page.$eval('#case-integrity', (p) => ({ text: p.textContent, cls: p.className, shown: p.offsetHeight > 0 }));
      assert.match(a.text, purged);
      assert.ok(a.shown && !/integrity-broken/.test(a.cls), JSON.stringify(a));
      // also the day of the purge and the case id (random) of a case without a reference
      if (locale === 'de-DE')
        await checkScreenshot(page, 'review-purged', { ignore: ['.case-meta', '#case-summary', '#case-integrity', '.drawn-own'] });
      await page.goto(`${srv.base}/review/#/case/${cases.b.id}`);
      await page.waitForSelector(`body[data-case-loaded="${cases.b.id}"]`);
      const b = await page.$eval('#case-integrity', (p) => ({ text: p.textContent, cls: p.className }));
      assert.match(b.text, broken);
      assert.match(b.cls, /integrity-broken/);
      assert.deepEqual(page.errors, []);
      await page.context().close();
    }
  });

  test('(8) an admin: "All services"; the case map\'s key and an overlap in English', async () => {
    // A construction-site access on a street some 150-300 m north, where
    // the rules accept it: only the admin sees it, and her open cases then
    // lie far apart from north to south.
    const [lon, lat] = cases.spot;
    const accessPeriod = futurePeriod(20, 30);
    let access = null;
    for (let dy = 150; dy <= 300 && !access; dy += 6)
      for (const dir of [1, -1]) {
        const g = fc({ type: 'LineString', coordinates: [[lon, lat + dy / 111320], [lon, lat + (dy + dir * 10) / 111320]] });
        if ((await validate('construction-access', g, accessPeriod)).valid) {
          access = g;
          break;
        }
      }
    assert.ok(access, 'a valid construction-site access north of the skips');
    cases.e = await makeCase('construction-access', 'AZ-2026-0105', access, accessPeriod, { name: 'Hoch & Tief GmbH' });
    const page = await newPage('en-GB');
    await page.goto(`${srv.base}/review/`);
    await page.waitForSelector('body[data-ready="1"]');
    await login(page, 'ada', PASSWORDS.ada);
    await page.waitForSelector('body[data-view="list"]');
    assert.equal(await page.$eval('#f-service option', (o) => o.textContent), 'All services');
    // Her open cases of all services, some way apart, all in view; the
    // button in English.
    await page.waitForSelector(`#case-list > li[data-case-id="${cases.e.id}"]`);
    const spread = await assertFitsCases(page, 'an admin\'s open cases');
    const ids = spread.cases.map((c) => c.id);
    assert.ok([cases.c.id, cases.d.id, cases.e.id].every((id) => ids.includes(id)), JSON.stringify(spread.cases));
    assert.equal(await page.textContent('#list-fit'), 'Zoom to the cases');
    await page.selectOption('#f-service', 'info-stand');
    await waitList(page, [cases.c.id, cases.d.id]);
    await assertFitsCases(page, 'the service filter changed');
    assert.equal(await page.textContent(`#case-list > li[data-case-id="${cases.d.id}"] .case-conflicts`), '1 conflict');
    // where it is, in English
    const whereD = (await formApi('GET', `/v1/cases/${cases.d.id}`)).body.location;
    assert.ok(whereD && /\S/.test(whereD.en), 'the stand has a location sentence');
    const lineD = page.locator(`#case-list > li[data-case-id="${cases.d.id}"] .case-where`);
    assert.equal(await lineD.isVisible(), true);
    assert.equal(await lineD.textContent(), `Location: ${whereD.en}`);
    await page.click(`#case-list > li[data-case-id="${cases.d.id}"] a`);
    await page.waitForSelector(`body[data-case-loaded="${cases.d.id}"]`);
    assert.equal(await page.textContent('#case-where'), `Location: ${whereD.en}`);
    assert.ok((await page.textContent('#measures')).includes(whereD.en), await page.textContent('#measures'));
    assert.match(await page.textContent(`#conflicts li[data-case-id="${cases.c.id}"]`), /overlaps/);
    // the info stand's conflict rule looks 10 m around, and the page says so
    assert.match(await page.textContent('#conflicts-intro'), /at most 10 m/);
    const key = await page.$$eval('#detail-legend li', (lis) => lis.map((li) => li.textContent));
    for (const s of ['This case', 'Conflicting case', 'Hydrant', 'Tree', 'Cycle path or lane', 'Street space'])
      assert.ok(key.includes(s), `the case map's key names ${s}: ${key}`);
    await page.click('#lang-switch');
    await page.click('#back');
    await page.waitForSelector('body[data-view="list"]');
    assert.equal(await page.$eval('#f-service option', (o) => o.textContent), 'Alle Leistungen');
    assert.equal(await page.textContent('#list-fit'), 'Auf die Fälle zoomen');
    // the sentence follows the page's language
    assert.equal(await lineD.textContent(), `Ort: ${whereD.de}`);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
