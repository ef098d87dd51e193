// test_review_session.mjs - the review app across page loads and users, in
// Debian's chromium against the real server (demo quarter; two skip
// containers and an information stand made through the form-server API; a
// caseworker of skip containers and an admin made by "geoeditor user add").
//
// (1) Logged in, the page reloaded and the page opened in a new tab of the
//     same browser: both revalidate /review/ (If-None-Match, 304 from the
//     server, as its access log shows) and show the case list, with no
//     Content-Security-Policy violation and no script error. The 304 once
//     carried "default-src 'none'", which Chromium put in place of the
//     page's own policy, and the app stayed blank.
// (2) The caseworker sets filters (her service, all statuses, a text, to
//     before from), selects a case, meets the list's error and an export
//     refusal (the server's 400 naming to and from), logs out; an admin logs
//     in in the same tab: every service in the filter, the default filters,
//     no old message, no selected case, the list and the map show every
//     open case (also those the caseworker's cached case tiles lacked).
// (3) A session that ended under the caseworker (logged out elsewhere) leads
//     to the login; the admin logs in there: a fresh start at the list, not
//     the caseworker's case, filters or messages.
// Screenshots go to the test's scratch folder (looked at), not compared.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  SLOW, findHydrantSpot, futurePeriod, launchBrowser, reviewSkipReason, startServer, waitMapDrawn as waitMapDrawnIn,
} from './support.mjs';

const SRC = process.env.GE_SOURCE_DIR || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.GE_BINARY || path.join(SRC, 'build/geoeditor');
const reason = reviewSkipReason();
if (reason) console.log(`# SKIP browser review session tests: ${reason}`);
const T = 30000 * SLOW;
const PASSWORDS = { erika: 'Lindenblatt-Mosaik-31!', ada: 'Kupfer-Gans-Nebel-44' };

function rect(lon, lat, w = 2, l = 3.5) {
  const mLat = 111320, mLon = 111320 * Math.cos((lat * Math.PI) / 180);
  const dx = l / 2 / mLon, dy = w / 2 / mLat;
  return { type: 'Polygon', coordinates: [[[lon - dx, lat - dy], [lon + dx, lat - dy], [lon + dx, lat + dy], [lon - dx, lat + dy], [lon - dx, lat - dy]]] };
}
const fc = (...geoms) => ({ type: 'FeatureCollection', features: geoms.map((g) => ({ type: 'Feature', properties: {}, geometry: g })) });

describe('review app across page loads and users', { skip: reason || false, timeout: 900000 }, () => {
  let srv, browser, key;
  const cases = {};
  const services = [];
  const period = futurePeriod(10, 4);
  const oneDay = futurePeriod(11, 0);

  const cli = (args, input) => execFileSync(BIN, [...args, '--db', srv.db], {
    encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'],
  });

  async function formApi(method, p, body, headers = {}) {
    const r = await fetch(srv.base + p, {
      method,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: r.status, body: await r.json().catch(() => null) };
  }

  async function makeCase(service, reference, features, per) {
    const d = await formApi('POST', '/v1/drafts', { service, reference, locale: 'de', period: per, features });
    assert.equal(d.status, 201, JSON.stringify(d.body));
    const s = await formApi('POST', `/v1/drafts/${d.body.id}/submit`, { applicant: { name: `Antrag ${reference}` } },
      { 'Idempotency-Key': `session-${reference}` });
    assert.equal(s.status, 201, JSON.stringify(s.body));
    return s.body.case_id;
  }

  async function valid(service, features, per) {
    const r = await fetch(`${srv.base}/v1/validate`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ service, period: per, features }),
    });
    return (await r.json()).valid;
  }

  before(async () => {
    srv = await startServer('review-session');
    key = cli(['client', 'add', '--name', 'session-form', '--origin', 'http://127.0.0.1:9']).match(/api_key: (\S+)/)[1];
    cli(['user', 'add', '--name', 'erika', '--role', 'caseworker', '--service', 'skip-container'], `${PASSWORDS.erika}\n`);
    cli(['user', 'add', '--name', 'ada', '--role', 'admin'], `${PASSWORDS.ada}\n`);
    const spot = await findHydrantSpot(srv.base, period);
    const [lon, lat] = spot.good;
    const mLon = 111320 * Math.cos((lat * Math.PI) / 180);
    cases.a = await makeCase('skip-container', 'AZ-2026-0201', fc(rect(lon, lat)), period);
    cases.b = await makeCase('skip-container', 'AZ-2026-0202', fc(rect(lon, lat)), futurePeriod(30, 2));
    let stand = null;
    for (const dxM of [30, -30, 60, -60, 90, -90]) {
      const g = fc(rect(lon + dxM / mLon, lat, 1.5, 2));
      if (await valid('info-stand', g, oneDay)) {
        stand = g;
        break;
      }
    }
    assert.ok(stand, 'a valid place for an information stand in the demo quarter');
    cases.c = await makeCase('info-stand', 'AZ-2026-0203', stand, oneDay);
    for (const s of (await (await fetch(`${srv.base}/v1/services`)).json()).services) services.push(s.id);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
    assert.doesNotMatch(srv?.log() || '', /AddressSanitizer|LeakSanitizer|runtime error:/);
  });

  // A page that records script errors and what the console says about the
  // Content-Security-Policy, and CSP violation events (the listener is in
  // place before any script of the page runs). Answers such as the 401 of
  // the first session check are console errors too, and expected.
  async function watch(page) {
    page.setDefaultTimeout(T);
    page.problems = [];
    page.on('pageerror', (e) => page.problems.push(`pageerror: ${e}`));
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/.test(m.text())) page.problems.push(`console: ${m.text()}`);
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window.cspViolations ||= []).push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    return page;
  }

  async function newContext(locale = 'de-DE') {
    return browser.newContext({ viewport: { width: 1400, height: 900 }, locale });
  }

  async function login(page, name) {
    await page.fill('#login-name', name);
    await page.fill('#login-password', PASSWORDS[name]);
    await page.click('#login-submit');
  }

  async function waitList(page, ids) {
    await page.waitForFunction((want) => {
      if (document.body.dataset.listLoading) return false;
      const got = [...document.querySelectorAll('#case-list > li')].map((li) => li.dataset.caseId).sort();
      return JSON.stringify(got) === JSON.stringify([...want].sort());
    }, ids, { timeout: T });
  }

  const waitMapDrawn = (page, ids) => waitMapDrawnIn(page, ids, T);

  // The list is there and visible, with her two cases, and nothing blocked.
  async function assertListShown(page, what) {
    assert.deepEqual(await page.evaluate(() => window.cspViolations || []), [], `${what}: CSP violations`);
    await page.waitForSelector('body[data-view="list"]', { timeout: T });
    await waitList(page, [cases.a, cases.b]);
    assert.equal(await page.isVisible('#case-list'), true, `${what}: the case list is not visible`);
    assert.equal(await page.isVisible(`#case-list > li[data-case-id="${cases.a}"]`), true, `${what}: case A not visible`);
    assert.deepEqual(await page.evaluate(() => window.cspViolations || []), [], `${what}: CSP violations`);
    assert.deepEqual(page.problems, [], `${what}: script errors or CSP messages`);
  }

  // The app has started, or a CSP violation says why it never will.
  async function waitStarted(page) {
    await page.waitForFunction(() => document.body.dataset.ready === '1' || (window.cspViolations || []).length > 0,
      null, { timeout: T });
  }

  // How many requests for /review/ the server answered with this status.
  const reviewAnswers = (status) => srv.log().split('\n')
    .filter((l) => l.includes('"path":"/review/"') && l.includes(`"status":${status}`)).length;

  test('(1) reload and a new tab: the 304 keeps the page\'s policy, the case list shows', async () => {
    const ctx = await newContext();
    const page = await watch(await ctx.newPage());
    const first = await page.goto(`${srv.base}/review/`);
    assert.equal(first.status(), 200);
    const csp = first.headers()['content-security-policy'];
    assert.match(csp, /script-src 'self'/);
    await page.waitForSelector('body[data-ready="1"]');
    await login(page, 'erika');
    await assertListShown(page, 'after login');

    const before304 = reviewAnswers(304);
    await page.reload();
    await waitStarted(page);
    await assertListShown(page, 'after a reload');
    assert.ok(reviewAnswers(304) > before304, 'the reload revalidated /review/ (304)');
    await page.screenshot({ path: path.join(srv.dir, 'review-session-reloaded.png') });

    const tab = await watch(await ctx.newPage());
    const again = reviewAnswers(304);
    await tab.goto(`${srv.base}/review/`);
    await waitStarted(tab);
    await assertListShown(tab, 'in a new tab');
    assert.ok(reviewAnswers(304) > again, 'the new tab revalidated /review/ (304)');
    assert.deepEqual(page.problems, []);
    assert.deepEqual(tab.problems, []);
    await ctx.close();
  });

  // The caseworker's traces: filters, a selected case, the list's error
  // and the export's refusal.
  async function leaveTraces(page) {
    await page.selectOption('#f-service', 'skip-container');
    await page.selectOption('#f-status', '');
    await waitList(page, [cases.a, cases.b]);
    await page.click(`#case-list > li[data-case-id="${cases.a}"] .case-meta`);
    assert.equal(await page.getAttribute(`#case-list > li[data-case-id="${cases.a}"]`, 'aria-current'), 'true');
    await page.fill('#f-q', 'AZ-2026');
    await page.fill('#f-from', period.end);
    await page.fill('#f-to', period.start);
    await page.dispatchEvent('#f-to', 'change');
    await page.waitForFunction(() => document.getElementById('filter-error').textContent.length > 0);
    await page.click('#export-button');
    await page.waitForFunction(() => /liegt vor/.test(document.getElementById('export-message').textContent));
  }

  // What an admin who just logged in must find: nothing of the caseworker.
  async function assertFresh(page, what) {
    await page.waitForSelector('body[data-view="list"]', { timeout: T });
    assert.match(await page.textContent('#who'), /ada/);
    assert.deepEqual(await page.$$eval('#f-service option', (o) => o.map((x) => x.value)), ['', ...services],
      `${what}: every service in the filter`);
    assert.equal(await page.$eval('#f-service option', (o) => o.textContent), 'Alle Leistungen', what);
    assert.equal(await page.inputValue('#f-service'), '', what);
    assert.equal(await page.inputValue('#f-status'), 'open', what);
    for (const id of ['#f-q', '#f-from', '#f-to']) assert.equal(await page.inputValue(id), '', `${what}: ${id}`);
    assert.equal(await page.isChecked('#f-bbox'), false, what);
    await waitList(page, [cases.a, cases.b, cases.c]);
    await waitMapDrawn(page, [cases.a, cases.b, cases.c]);
    assert.equal(await page.textContent('#filter-error'), '', `${what}: the list's old error`);
    assert.equal(await page.textContent('#export-message'), '', `${what}: the old export message`);
    assert.equal(await page.$$eval('#case-list > li.selected, #case-list > li[aria-current]', (l) => l.length), 0,
      `${what}: a case is still selected`);
    assert.equal(new URL(page.url()).hash || '#/', '#/', what);
    assert.deepEqual(page.problems, [], what);
  }

  test('(2) log out, log in as the admin in the same tab: nothing of the caseworker remains', async () => {
    const ctx = await newContext();
    const page = await watch(await ctx.newPage());
    await page.goto(`${srv.base}/review/`);
    await page.waitForSelector('body[data-ready="1"]');
    await login(page, 'erika');
    await page.waitForSelector('body[data-view="list"]');
    assert.deepEqual(await page.$$eval('#f-service option', (o) => o.map((x) => x.value)), ['', 'skip-container']);
    // Her map has drawn (and cached) the tiles with her cases only.
    await waitMapDrawn(page, [cases.a, cases.b]);
    await leaveTraces(page);

    await page.click('#logout');
    await page.waitForSelector('body[data-view="login"]', { timeout: T });
    assert.match(await page.textContent('#login-message'), /abgemeldet/);
    assert.equal(await page.evaluate(async () => (await fetch('/v1/session')).status), 401);
    await login(page, 'ada');
    await assertFresh(page, 'after logout and login');
    await page.screenshot({ path: path.join(srv.dir, 'review-session-admin.png') });
    await ctx.close();
  });

  test('(3) a session ended under the caseworker; the admin logs in there and starts afresh', async () => {
    const ctx = await newContext();
    const page = await watch(await ctx.newPage());
    await page.goto(`${srv.base}/review/`);
    await page.waitForSelector('body[data-ready="1"]');
    await login(page, 'erika');
    await page.waitForSelector('body[data-view="list"]');
    await waitMapDrawn(page, [cases.a, cases.b]);
    await leaveTraces(page);
    await page.evaluate((id) => { location.hash = `#/case/${id}`; }, cases.a);
    await page.waitForSelector(`body[data-case-loaded="${cases.a}"]`);
    // The server forgets her session (as after the idle timeout).
    const csrf = await page.evaluate(async () => (await (await fetch('/v1/session')).json()).csrf_token);
    await page.evaluate(async (tok) => fetch('/v1/logout', { method: 'POST', headers: { 'X-CSRF-Token': tok } }), csrf);
    // The click's mousedown takes the focus from the date filter that
    // leaveTraces left focused; its change reloads the list, whose 401 may
    // show the login before the click lands: either request must lead there
    // (force: no waiting for the button to stay visible). When the login
    // wins the race, the button is hidden before the click can land; that
    // is the outcome the click is for, so only another failure counts.
    try {
      await page.click('#decide-buttons button[data-status="in_review"]', { force: true, timeout: 5000 });
    } catch (e) {
      if (!(await page.$('body[data-view="login"]'))) throw e;
    }
    await page.waitForSelector('body[data-view="login"]');
    assert.match(await page.textContent('#login-message'), /Sitzung ist abgelaufen/);
    await login(page, 'ada');
    await assertFresh(page, 'after the ended session');
    assert.equal((await formApi('GET', `/v1/cases/${cases.a}`)).body.status, 'received');
    await ctx.close();
  });
});
