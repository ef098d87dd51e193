// test_review_morning.mjs - the caseworker's morning in the review app
// (/review/) in Debian's chromium, on the demo cases: a scratch store with
// the demo quarter, filled by the real data/demo/seed_demo.py through the
// server's API as scripts/demo fills it (six cases: two skips in the same
// place and time, a construction-site access, an information stand only
// the admin sees, one case in review and one approved; periods from 6 to 20
// days ahead).
//
// Then, as demo-sachbearbeitung: the overview above the filters counts the
// cases per status (3 received, 1 in review, 1 approved) and the open ones
// starting in the next 7 days (1: MS-2026-0105, in 6 days), each count a
// button that filters the list by its status; the list is sorted by the
// period's start among the open cases (0105, 0101, 0102, 0103), and by the
// other orders when chosen; each card says in how many days its case starts
// ("beginnt in 6 Tagen", in English "starts in 6 days"), and the two skips
// carry a conflict badge. On the map each case is a symbol labelled with
// its reference, clustered when zoomed out, in a layer above the base
// map's; Enter on the focused map opens the cluster nearest its centre.
// Approving MS-2026-0101 (which MS-2026-0102 is in the way of) asks
// first in a dialog naming 0102 and where it is; cancelled nothing changes,
// confirmed the history says "Genehmigt trotz Konflikt mit MS-2026-0102".
// axe-core finds no WCAG 2.1 AA violation in the list and in the open
// dialog, German and English. Screenshots: review-morning (the list page),
// review-morning-cards (the cards) and review-approve-conflict (the dialog
// over the case), compared with the references in tests/screenshots.
// A case's detail links its site plan ("Lageplan (PDF)", "Site plan (PDF)")
// and map image; followed with the session they are a PDF and a PNG,
// without it a 401. The app names the favicon as the OGC API pages do.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SLOW, axeBuilder, checkFavicon, launchBrowser, newReviewPage, skipReason, startServer } from './support.mjs';
import { checkScreenshot } from './screenshots.mjs';

const SRC = process.env.GE_SOURCE_DIR || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.GE_BINARY || path.join(SRC, 'build/geoeditor');
const reason = skipReason() || (existsSync(path.join(SRC, 'web/dist/review/index.html'))
  ? null : 'web/dist/review/index.html is missing (scripts/setup builds the front end)');
if (reason) console.log(`# SKIP browser review morning tests: ${reason}`);
const T = 30000 * SLOW;

describe('review app: the morning view and deciding safely', { skip: reason || false, timeout: 600000 }, () => {
  let srv, browser, password;

  before(async () => {
    srv = await startServer('review-morning');
    // The demo seeding, as scripts/demo runs it against its server.
    const port = new URL(srv.base).port;
    const out = execFileSync('python3', [path.join(SRC, 'data/demo/seed_demo.py'), '--binary', BIN,
      '--db', srv.db, '--port', port, '--wait', String(60 * SLOW)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    password = out.match(/demo-sachbearbeitung\s+password: (\S+)/)[1];
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
    assert.doesNotMatch(srv?.log() || '', /AddressSanitizer|LeakSanitizer|runtime error:/);
  });

  const newPage = (locale) => newReviewPage(browser, T, locale);

  async function login(page) {
    await page.goto(`${srv.base}/review/`);
    await page.waitForSelector('body[data-ready="1"]');
    await page.fill('#login-name', 'demo-sachbearbeitung');
    await page.fill('#login-password', password);
    await page.click('#login-submit');
    await page.waitForSelector('body[data-view="list"]');
  }

  // The references of the list, top to bottom, once it is in step.
  async function listed(page) {
    await page.waitForFunction(() => !document.body.dataset.listLoading && document.body.dataset.listSeq);
    return page.$$eval('#case-list > li .case-ref', (as) => as.map((a) => a.textContent));
  }
  async function waitRefs(page, refs) {
    await page.waitForFunction((want) => !document.body.dataset.listLoading
      && JSON.stringify([...document.querySelectorAll('#case-list > li .case-ref')].map((a) => a.textContent)) === JSON.stringify(want),
    refs, { timeout: T });
  }
  const card = (ref) => `#case-list > li:has(.case-ref:text-is("${ref}"))`;

  // Every reference above a symbol of the list map lies inside the map: a
  // cluster's names ("MS-2026-0101, MS-2026-0102") are centred on it and
  // are wider than the fit's old 80 px padding at the edge.
  async function labelsInside(page, what) {
    const r = await page.evaluate(() => {
      const m = document.getElementById('list-map').getBoundingClientRect();
      const ctx = document.createElement('canvas').getContext('2d');
      ctx.font = '600 12px system-ui, sans-serif';
      return {
        w: m.width,
        shown: window.reviewApp.listLayer.symbolsShown().map((x) => ({ names: x.names, x: x.pixel[0], half: ctx.measureText(x.names).width / 2 })),
      };
    });
    assert.ok(r.shown.some((x) => x.names.includes(', ')), `${what}: a cluster with names: ${JSON.stringify(r.shown)}`);
    for (const x of r.shown)
      assert.ok(x.x - x.half >= 0 && x.x + x.half <= r.w, `${what}: "${x.names}" from ${(x.x - x.half).toFixed(0)} to ${(x.x + x.half).toFixed(0)} px, the map 0 to ${r.w}`);
  }

  async function rendered(page, which = 'listMap') {
    await page.evaluate((w) => new Promise((resolve) => {
      const map = window.reviewApp[w];
      map.once('rendercomplete', () => resolve());
      map.render();
    }), which);
    await page.waitForTimeout(300);
  }

  const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
  async function axeClean(page, what) {
    const AxeBuilder = axeBuilder();
    const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
    assert.deepEqual(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [],
      `axe violations (${what})`);
  }

  test('(1) the overview counts, the default order by start, days to start, conflict badges, labelled and clustered symbols', async () => {
    const page = await newPage();
    await login(page);
    // Open cases by the period's start: 0105 (in 6 days, in review), 0101
    // (8), 0102 (12), 0103 (20); the info stand is not hers.
    await waitRefs(page, ['MS-2026-0105', 'MS-2026-0101', 'MS-2026-0102', 'MS-2026-0103']);
    assert.equal(await page.inputValue('#f-sort'), 'start');
    assert.equal(await page.inputValue('#f-status'), 'open');
    const counts = await page.$$eval('#summary-statuses button', (bs) => bs.map((b) => [b.dataset.status, b.querySelector('.n').textContent]));
    assert.deepEqual(Object.fromEntries(counts),
      { received: '3', in_review: '1', changes_requested: '0', approved: '1', rejected: '0' });
    assert.match(await page.textContent('#summary-soon'), /^1 Beginnt in den nächsten 7 Tagen \(offene Fälle mit Beginn bis \d\d\.\d\d\.\d{4}\)$/);
    // Days to the start, counted with the plural rules of the language.
    assert.equal(await page.textContent(`${card('MS-2026-0105')} .case-days`), 'beginnt in 6 Tagen');
    assert.equal(await page.getAttribute(`${card('MS-2026-0105')} .case-days`, 'class'), 'case-days soon');
    assert.equal(await page.textContent(`${card('MS-2026-0103')} .case-days`), 'beginnt in 20 Tagen');
    // The two skips in one place and time carry the conflict badge, the others none.
    for (const ref of ['MS-2026-0101', 'MS-2026-0102'])
      assert.equal(await page.textContent(`${card(ref)} .case-head .badge.case-conflicts`), '1 Überschneidung');
    for (const ref of ['MS-2026-0103', 'MS-2026-0105'])
      assert.equal(await page.locator(`${card(ref)} .case-conflicts`).count(), 0);

    // The other orders: newest received first (the seed submits 0101 first).
    await page.selectOption('#f-sort', 'newest');
    await waitRefs(page, ['MS-2026-0105', 'MS-2026-0103', 'MS-2026-0102', 'MS-2026-0101']);
    await page.selectOption('#f-sort', 'reference');
    await waitRefs(page, ['MS-2026-0101', 'MS-2026-0102', 'MS-2026-0103', 'MS-2026-0105']);
    await page.selectOption('#f-sort', 'start');
    // A count filters by its status; all statuses: the closed case last.
    await page.click('#summary-statuses button[data-status="approved"]');
    await waitRefs(page, ['MS-2026-0106']);
    assert.equal(await page.getAttribute('#summary-statuses button[data-status="approved"]', 'aria-pressed'), 'true');
    assert.equal(await page.locator(`${card('MS-2026-0106')} .case-days`).count(), 0, 'a decided case counts no days');
    await page.selectOption('#f-status', '');
    await waitRefs(page, ['MS-2026-0105', 'MS-2026-0101', 'MS-2026-0102', 'MS-2026-0103', 'MS-2026-0106']);
    // the overview stays what it was: it counts whatever status is listed
    assert.equal(await page.textContent('#summary-statuses button[data-status="received"] .n'), '3');
    await page.selectOption('#f-status', 'open');
    await waitRefs(page, ['MS-2026-0105', 'MS-2026-0101', 'MS-2026-0102', 'MS-2026-0103']);

    // At the fit every label is inside the map: the open cases, and in a
    // narrower window the received ones (the skips' cluster then at the
    // left edge of the fitted box).
    await rendered(page);
    await labelsInside(page, 'open');
    const viewport = page.viewportSize();
    await page.setViewportSize({ width: 1000, height: viewport.height });
    await page.click('#summary-statuses button[data-status="received"]');
    await waitRefs(page, ['MS-2026-0101', 'MS-2026-0102', 'MS-2026-0103']);
    await page.waitForFunction(() => !window.reviewApp.listMap.getView().getAnimating());
    await rendered(page);
    await labelsInside(page, 'received');
    await page.setViewportSize(viewport);
    await page.selectOption('#f-status', 'open');
    await waitRefs(page, ['MS-2026-0105', 'MS-2026-0101', 'MS-2026-0102', 'MS-2026-0103']);
    await rendered(page);

    // The market square (a pedestrian area) is in the base map's tiles and
    // style, not blank.
    const tilejson = await (await fetch(`${srv.base}/tiles/basemap/WebMercatorQuad`)).json();
    assert.ok(tilejson.vector_layers.some((l) => l.id === 'pedestrian_areas'), JSON.stringify(tilejson.vector_layers.map((l) => l.id)));
    const style = await (await fetch(`${srv.base}/styles/basemap`)).json();
    assert.ok(style.layers.some((l) => l['source-layer'] === 'pedestrian_areas'), 'a style layer draws the pedestrian areas');

    // The map: one symbol per case, labelled with its reference, in a layer
    // above the base map's; zoomed out, the two skips (2 m apart) make one
    // cluster of 2.
    const layers = await page.evaluate(() => {
      const map = window.reviewApp.listMap;
      const sym = window.reviewApp.listLayer.symbols;
      const others = map.getAllLayers().filter((l) => l !== sym && l !== window.reviewApp.listLayer.layer);
      const groups = new Set(others.map((l) => l.getDeclutter?.()).filter(Boolean).map(String));
      return { sym: sym.getZIndex(), declutter: String(sym.getDeclutter()), groups: [...groups], base: Math.max(...others.map((l) => l.getZIndex() ?? 0)) };
    });
    assert.ok(layers.sym > layers.base, `the symbols (z ${layers.sym}) lie above the base map (z ${layers.base})`);
    assert.ok(layers.groups.includes(layers.declutter),
      `decluttered together with the base map's labels (${layers.groups}), which give way: ${layers.declutter}`);
    await page.evaluate(() => {
      const v = window.reviewApp.listMap.getView();
      v.setZoom(15);
    });
    await rendered(page);
    const zoomedOut = await page.evaluate(() => window.reviewApp.listLayer.symbolsShown());
    const pair = zoomedOut.find((s) => s.size === 2);
    assert.ok(pair, `a cluster of the two skips: ${JSON.stringify(zoomedOut)}`);
    assert.equal(pair.label, '2');
    const singles = zoomedOut.filter((s) => s.size === 1).map((s) => s.label).sort();
    assert.deepEqual(singles, ['MS-2026-0103', 'MS-2026-0105']);
    // A click on the cluster zooms in until the two stand apart.
    const at = await page.evaluate(() => {
      const map = window.reviewApp.listMap;
      const f = window.reviewApp.listLayer.symbols.getSource().getFeatures().find((x) => x.get('features').length === 2);
      return map.getPixelFromCoordinate(f.getGeometry().getCoordinates());
    });
    const mb = await (await page.$('#list-map')).boundingBox();
    await page.mouse.click(mb.x + at[0], mb.y + at[1]);
    await page.waitForFunction(() => window.reviewApp.listMap.getView().getZoom() > 17 && !window.reviewApp.listMap.getView().getAnimating());
    // Back to the cases, and the screenshot of the morning.
    await page.click('#list-fit');
    await page.waitForFunction(() => !window.reviewApp.listMap.getView().getAnimating());
    await rendered(page);
    // at the fit the two skips, 2 m apart, are still one cluster
    const near = await page.evaluate(() => window.reviewApp.listLayer.symbolsShown());
    assert.deepEqual(near.map((x) => x.size).sort(), [1, 1, 2], JSON.stringify(near));
    await checkScreenshot(page, 'review-morning', { ignore: ['.case-meta', '#summary-soon .small'] });
    // the cards themselves (scrolled into view): badges, where, days to start
    await checkScreenshot(page.locator('#case-list'), 'review-morning-cards', { ignore: ['.case-meta', '.case-item > .case-meta:last-child'] });
    await axeClean(page, 'morning list, de');
    // By keyboard: Enter on the focused map opens the cluster nearest its
    // centre as a click does, said aloud; with no cluster in view, said so.
    await page.focus('#list-map');
    const zoomBefore = await page.evaluate(() => window.reviewApp.listMap.getView().getZoom());
    await page.keyboard.press('Enter');
    await page.waitForFunction((z) => window.reviewApp.listMap.getView().getZoom() > z + 0.5 && !window.reviewApp.listMap.getView().getAnimating(), zoomBefore);
    await page.waitForFunction(() => document.getElementById('announcer').textContent === '2 Fälle');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'list-map');
    await rendered(page);
    const opened = await page.evaluate(() => window.reviewApp.listLayer.symbolsShown());
    assert.ok(!opened.some((x) => x.size > 1), `the two skips stand apart: ${JSON.stringify(opened)}`);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /^Keine Gruppe von Fällen in der Karte/.test(document.getElementById('announcer').textContent));
    assert.match(await page.textContent('#list-map-help'), /Eingabetaste zoomt auf die Gruppe von Fällen/);
    await page.click('#list-fit');
    await page.waitForFunction(() => !window.reviewApp.listMap.getView().getAnimating());

    // In English: the same counts, days in English plurals.
    await page.click('#lang-switch');
    assert.equal(await page.textContent(`${card('MS-2026-0105')} .case-days`), 'starts in 6 days');
    assert.match(await page.textContent('#summary-soon'), /^1 Starting in the next 7 days/);
    assert.equal(await page.textContent(`${card('MS-2026-0101')} .case-conflicts`), '1 conflict');
    await axeClean(page, 'morning list, en');
    await page.click('#lang-switch');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('(2) approving a case with a conflict asks first, naming it, and the history records it', async () => {
    const page = await newPage();
    await login(page);
    await waitRefs(page, ['MS-2026-0105', 'MS-2026-0101', 'MS-2026-0102', 'MS-2026-0103']);
    await page.click(`${card('MS-2026-0101')} a`);
    await page.waitForSelector('body[data-case-loaded]');
    await page.click('#decide-buttons button[data-status="in_review"]');
    await page.waitForFunction(() => /In Prüfung/.test(document.getElementById('decide-result').textContent));
    await page.click('#decide-buttons button[data-status="approved"]');
    await page.waitForSelector('#confirm-approve[open]');
    // A modal dialog in the page's language, the focus on Cancel, naming
    // the other case and where it is.
    assert.equal(await page.evaluate(() => document.activeElement.id), 'confirm-cancel');
    assert.equal(await page.textContent('#confirm-intro'), 'Dieser Fall überschneidet sich in Ort und Zeitraum mit einem anderen Fall:');
    const item = await page.textContent('#confirm-list li');
    assert.match(item, /^MS-2026-0102 – .+ · Eingegangen · .+ · (überschneidet sich|\d+(,\d)? m entfernt)$/);
    assert.match(item, /Lindenallee/, 'where the other case is, in words');
    assert.equal(await page.textContent('#confirm-ok'), 'Trotzdem genehmigen');
    await rendered(page, 'detailMap');
    await checkScreenshot(page, 'review-approve-conflict', { ignore: ['.case-meta', '#case-summary', '#confirm-list', '#history'] });
    await axeClean(page, 'approval dialog, de');
    // Cancel: nothing changes.
    await page.click('#confirm-cancel');
    await page.waitForFunction(() => !document.getElementById('confirm-approve').open);
    await page.waitForFunction(() => document.getElementById('decide-result').textContent === 'Nicht genehmigt; der Fall ist unverändert.');
    assert.deepEqual(await page.$$eval('#decide-buttons button', (b) => b.map((x) => x.dataset.status).sort()),
      ['approved', 'changes_requested', 'rejected']);
    // Approve anyway: done, and the history names the conflict.
    await page.fill('#comment', 'Beide Mulden passen hintereinander (vor Ort geprüft).');
    await page.click('#decide-buttons button[data-status="approved"]');
    await page.waitForSelector('#confirm-approve[open]');
    await page.click('#confirm-ok');
    await page.waitForFunction(() => /Genehmigt/.test(document.getElementById('decide-result').textContent));
    assert.equal(await page.textContent('#history tbody tr.event-overrode'), 'Genehmigt trotz Konflikt mit MS-2026-0102');
    // In English too.
    await page.click('#lang-switch');
    assert.equal(await page.textContent('#history tbody tr.event-overrode'), 'Approved despite the conflict with MS-2026-0102');
    await page.click('#lang-switch');
    // The server has it: the event names the other case.
    const id = await page.evaluate(() => location.hash.split('/').pop());
    const h = await page.evaluate(async (cid) => (await (await fetch(`/v1/cases/${cid}/history`)).json()), id);
    const last = h.events[h.events.length - 1];
    assert.equal(last.to, 'approved');
    assert.deepEqual(last.overridden_conflicts.map((x) => x.reference), ['MS-2026-0102']);
    // An API client cannot skip the question: approving 0102 over 0101
    // without naming it is a 409 that names it.
    await page.click('#back');
    await waitRefs(page, ['MS-2026-0105', 'MS-2026-0102', 'MS-2026-0103']);
    const other = await page.getAttribute(`${card('MS-2026-0102')}`, 'data-case-id');
    const r = await page.evaluate(async (cid) => {
      const s = await (await fetch('/v1/session')).json();
      const patch = (body) => fetch(`/v1/cases/${cid}`, {
        method: 'PATCH', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token, 'Accept-Language': 'de' }, body: JSON.stringify(body),
      });
      await patch({ status: 'in_review' });
      const res = await patch({ status: 'approved' });
      return { status: res.status, body: await res.json() };
    }, other);
    assert.equal(r.status, 409);
    assert.equal(r.body.member, 'override_conflicts');
    assert.deepEqual(r.body.conflicts.map((x) => x.reference), ['MS-2026-0101']);
    assert.match(r.body.detail, /MS-2026-0101/);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('(3) the case links its site plan (PDF) and map image (PNG), read through the session', async () => {
    const page = await newPage();
    await login(page);
    await checkFavicon(page);
    await page.click(`${card('MS-2026-0105')} a`);
    await page.waitForSelector('body[data-case-loaded]');
    const id = await page.evaluate(() => location.hash.split('/').pop());
    const pdf = page.getByRole('link', { name: 'Lageplan (PDF)', exact: true });
    const png = page.getByRole('link', { name: 'Kartenbild (PNG)', exact: true });
    assert.equal(await pdf.getAttribute('href'), `/v1/cases/${id}/map.pdf`);
    assert.equal(await png.getAttribute('href'), `/v1/cases/${id}/map.png`);
    await page.click('#lang-switch');
    assert.equal(await page.textContent('#case-pdf'), 'Site plan (PDF)');
    assert.equal(await page.textContent('#case-png'), 'Map image (PNG)');
    await page.click('#lang-switch');
    // What the link opens, with the caseworker's session cookie: the PDF.
    const res = await page.context().request.get(new URL(await pdf.getAttribute('href'), srv.base).href);
    assert.equal(res.status(), 200);
    assert.equal(res.headers()['content-type'], 'application/pdf');
    assert.equal((await res.body()).subarray(0, 5).toString('latin1'), '%PDF-');
    const img = await page.context().request.get(new URL(await png.getAttribute('href'), srv.base).href);
    assert.equal(img.status(), 200);
    assert.equal(img.headers()['content-type'], 'image/png');
    // The link itself, followed: a tab of its own that gets the PDF.
    const followed = new Promise((resolve) => {
      page.context().on('response', (x) => { if (x.url().endsWith(`/${id}/map.pdf`)) resolve(x); });
    });
    await pdf.click();
    const got = await followed;
    assert.equal(got.status(), 200);
    assert.equal(got.headers()['content-type'], 'application/pdf');
    // Without the session there is no site plan.
    const anon = await browser.newContext();
    const none = await anon.request.get(`${srv.base}/v1/cases/${id}/map.pdf`);
    assert.equal(none.status(), 401);
    await anon.close();
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
