// test_editor.mjs - the applicant's editor in Debian's chromium against the
// real server: the demo form opens a skip-container draft, the applicant
// places the skip beside a hydrant, sees why that is wrong (in words and on
// the map), moves it, finishes, and the form submits exactly one case - with
// the mouse, with the keyboard alone, in a popup; a page of another origin
// gets no answer; axe-core finds no WCAG 2.1 AA violation in either
// language; the page names the favicon; printGeoEditing says plainly (German, English) that nothing is
// drawn yet, and its downloadUrl still prints after the form submitted the
// draft: the submitted case's map. Screenshots of flow (1) go to
// build/test-screenshots and are compared with the reviewed references
// tests/screenshots/editor-*.png (screenshots.mjs); flow (6)'s go to the
// server's scratch folder.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import {
  SLOW, axeBuilder, checkFavicon, findHydrantSpot, futurePeriod, launchBrowser, skipReason,
  startDemoForm, startServer,
} from './support.mjs';
import { checkScreenshot } from './screenshots.mjs';

const reason = skipReason();
if (reason) console.log(`# SKIP browser editor tests: ${reason}`);
const T = 30000 * SLOW;

describe('applicant editor', { skip: reason || false, timeout: 900000 }, () => {
  let srv, form, foreign, browser, key, spot;
  const period = futurePeriod();

  before(async () => {
    srv = await startServer('editor');
    form = await startDemoForm({ apiBase: srv.base, period });
    foreign = await startDemoForm({ apiBase: srv.base, period });
    key = srv.addClient('demo-form', [form.origin]);
    form.setKey(key);
    foreign.setKey(key);
    spot = await findHydrantSpot(srv.base, period);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await form?.close();
    await foreign?.close();
    await srv?.stop();
    // Under ASan+UBSan the server's own report is the verdict on memory.
    assert.doesNotMatch(srv?.log() || '', /AddressSanitizer|LeakSanitizer|runtime error:/);
  });

  const apiGet = async (p) => {
    const r = await fetch(srv.base + p, { headers: { Authorization: `Bearer ${key}` } });
    return { status: r.status, body: await r.json() };
  };

  async function newPage(opts = {}) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...opts });
    const page = await ctx.newPage();
    page.setDefaultTimeout(T);
    return page;
  }

  async function openForm(page, query) {
    await page.goto(`${form.origin}/?${query}`);
    await page.waitForSelector('body[data-ready="1"]');
  }

  async function editorFrame(page) {
    const el = await page.waitForSelector('#editor');
    const frame = await el.contentFrame();
    await frame.waitForSelector('body[data-ready="1"]');
    return frame;
  }

  // Where a place is on the page (iframe offset + map offset + map pixel).
  async function screenPoint(page, frame, [lon, lat]) {
    const [px, py] = await frame.evaluate(([a, b]) => window.geoeditor.pixelOf(a, b), [lon, lat]);
    const mapBox = await (await frame.$('#map')).boundingBox();
    return [mapBox.x + px, mapBox.y + py];
  }

  async function waitState(frame, s) {
    await frame.waitForSelector(`body[data-state="${s}"]`, { timeout: T });
  }

  // The list of problems names the hydrant (the empty drawing is invalid too,
  // so the state alone does not tell that the skip was checked).
  async function waitHydrantError(frame) {
    await frame.waitForFunction(() => /hydrant/i.test(document.getElementById('violations').textContent),
      null, { timeout: T });
    await waitState(frame, 'invalid');
  }

  async function tabTo(page, frame, id, max = 60) {
    for (let i = 0; i < max; i++) {
      const doc = frame || page;
      if (await doc.evaluate((x) => document.activeElement?.id === x && document.hasFocus(), id)) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`Tab never reached #${id}`);
  }

  async function shot(page, name) {
    await page.waitForTimeout(400);
    // the draft's period is relative to today and the save time of day:
    // their texts are not compared
    const inFrame = (sel) => `#editor >> internal:control=enter-frame >> ${sel}`;
    await checkScreenshot(page.locator('#editor'), `editor-${name}`, { ignore: [inFrame('#period'), inFrame('#save-state')] });
  }

  test('(1) mouse: hydrant error in words and on the map, move, valid, finish, one case', async () => {
    const page = await newPage();
    await openForm(page, 'mode=iframe');
    const frame = await editorFrame(page);
    await page.waitForFunction(() => window.received.some((m) => m.action === 'munimapReady'));
    const draftId = await page.evaluate(() => window.draft.id);
    await shot(page, '1-open');

    // Zoom in on the spot with the mouse wheel, as a person would.
    let p = await screenPoint(page, frame, spot.bad);
    await page.mouse.move(p[0], p[1]);
    for (let i = 0; i < 12 && (await frame.evaluate(() => window.geoeditor.map.getView().getZoom())) < 19.5; i++) {
      await page.mouse.wheel(0, -400);
      await page.waitForTimeout(350);
    }
    await page.waitForTimeout(800);
    await shot(page, '2-zoomed');

    p = await screenPoint(page, frame, spot.bad);
    await page.mouse.click(p[0], p[1]);
    await waitHydrantError(frame);
    const words = await frame.textContent('#violations');
    assert.match(words, /Hydrant/);
    assert.match(words, /mindestens 5 m/);
    assert.match(await frame.textContent('#finish-why'), /Hydrant/);
    const problems = await frame.evaluate(() =>
      window.geoeditor.map.getAllLayers().find((l) => l.getZIndex() === 11).getSource().getFeatures().length);
    assert.ok(problems >= 1, 'the hydrant clearance is drawn on the map');
    await shot(page, '3-hydrant-error');

    // Drag it along the street to the good place.
    const from = await screenPoint(page, frame, spot.bad);
    const to = await screenPoint(page, frame, spot.good);
    await page.mouse.move(from[0], from[1]);
    await page.mouse.down();
    await page.mouse.move(to[0], to[1], { steps: 12 });
    await page.mouse.up();
    await waitState(frame, 'valid');
    assert.match(await frame.textContent('#status'), /Alles in Ordnung/);
    assert.equal(await frame.textContent('#violations'), '');
    await shot(page, '4-valid');

    // Autosave, then a reload restores the drawing (and its check).
    await frame.waitForSelector('body[data-saved="1"]', { timeout: T });
    assert.match(await frame.textContent('#save-state'), /Gespeichert/);
    await frame.goto(frame.url());
    await frame.waitForSelector('body[data-ready="1"]');
    await waitState(frame, 'valid');
    assert.match(await frame.textContent('#measures'), /Rechteck 1: 2 × 3,5 m, 7 m²/);

    await frame.click('#finish');
    await page.waitForFunction(() => window.result !== null);
    const result = await page.evaluate(() => window.result);
    assert.equal(result.draftId, draftId);
    assert.equal(result.geoJSON.features.length, 1);
    assert.equal(result.geoJSON.features[0].geometry.type, 'Polygon');
    assert.equal(result.report.valid, true);
    await shot(page, '5-finished');

    const d = await apiGet(`/v1/drafts/${draftId}`);
    assert.equal(d.status, 200);
    assert.equal(d.body.features.features.length, 1);

    // Submit, and again with the same Idempotency-Key: one case.
    await page.click('#submit');
    await page.waitForFunction(() => window.submitAnswers.length === 1);
    await page.click('#submit');
    await page.click('#submit');
    await page.waitForFunction(() => window.submitAnswers.length === 3);
    const answers = await page.evaluate(() => window.submitAnswers);
    assert.equal(answers[0].status, 201);
    const ids = new Set(answers.map((a) => a.body.case_id));
    assert.equal(ids.size, 1, `one case, got ${JSON.stringify(answers)}`);
    const c = await apiGet(`/v1/cases/${answers[0].body.case_id}`);
    assert.equal(c.status, 200);

    // The link is used now: the editor page says so (410, both languages).
    const used = await fetch(result && (await page.evaluate(() => window.draft.editor_url)));
    assert.equal(used.status, 410);
    const html = await used.text();
    assert.match(html, /eingereicht/);
    assert.match(html, /submitted/);
    await page.context().close();
  });

  test('(2) keyboard only: coordinates, crosshair, Enter, arrows, finish, submit', async () => {
    const page = await newPage();
    await openForm(page, 'mode=iframe');
    const frame = await editorFrame(page);
    await page.focus('body');
    await tabTo(page, frame, 'lat', 80);
    await page.keyboard.type(String(spot.bad[1]));
    await page.keyboard.press('Tab');
    await page.keyboard.type(String(spot.bad[0]));
    await page.keyboard.press('Enter');
    await waitHydrantError(frame);
    assert.match(await frame.textContent('#violations'), /Hydrant/);

    // Back to the map: Enter picks the skip up, arrows carry it, Enter puts it down.
    for (let i = 0; i < 40 && !(await frame.evaluate(() => document.activeElement?.id === 'map')); i++)
      await page.keyboard.press('Shift+Tab');
    assert.equal(await frame.evaluate(() => document.activeElement?.id), 'map');
    await page.keyboard.press('Enter');
    assert.match(await frame.textContent('#announcer', { timeout: T }).then(async () => {
      await page.waitForTimeout(100);
      return frame.textContent('#announcer');
    }), /aufgenommen/);
    const arrow = spot.dxM > 0 ? 'ArrowRight' : 'ArrowLeft';
    for (let i = 0; i < Math.abs(spot.dxM); i++) await page.keyboard.press(arrow);
    await page.keyboard.press('Enter');
    await waitState(frame, 'valid');
    // R rotates, Shift+R back: the same footprint again.
    await page.keyboard.press('r');
    await page.keyboard.press('Shift+R');
    await waitState(frame, 'valid');

    await tabTo(page, frame, 'finish');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.result !== null);
    for (let i = 0; i < 60 && !(await page.evaluate(() => document.activeElement?.id === 'submit')); i++)
      await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.submitAnswers.length === 1);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.submitAnswers.length === 2);
    const answers = await page.evaluate(() => window.submitAnswers);
    assert.equal(answers[0].status, 201);
    assert.equal(answers[0].body.case_id, answers[1].body.case_id);
    await page.context().close();
  });

  test('(3) popup: munimapReady to the opener, finishGeoEditing answered', async () => {
    const page = await newPage();
    await openForm(page, 'mode=popup');
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#open-popup')]);
    popup.setDefaultTimeout(T);
    await popup.waitForSelector('body[data-ready="1"]');
    await page.waitForFunction(() => window.received.some((m) => m.action === 'munimapReady'));

    // Not ready yet: the form asks and learns what is missing.
    await page.click('#ask-finish');
    await page.waitForFunction(() => window.received.some((m) => m.action === 'finishGeoEditing_response'));
    let r = await page.evaluate(() => window.received.find((m) => m.action === 'finishGeoEditing_response'));
    assert.equal(r.value.success, false);
    assert.ok(r.value.missing.length >= 1);

    await popup.fill('#lat', String(spot.good[1]));
    await popup.fill('#lon', String(spot.good[0]));
    await popup.click('#coord-go');
    await popup.waitForSelector('body[data-state="valid"]');
    await page.click('#ask-finish');
    await page.waitForFunction(() => window.result !== null);
    r = await page.evaluate(() => window.received.filter((m) => m.action === 'finishGeoEditing_response').pop());
    assert.equal(r.value.success, true);
    assert.equal(r.value.geoJSON.features.length, 1);

    // printGeoEditing: with a drawing, a map image URL that answers with a PNG.
    await page.click('#ask-print');
    await page.waitForFunction(() => window.received.some((m) => m.action === 'printGeoEditing_response'));
    const pr = await page.evaluate(() => window.received.find((m) => m.action === 'printGeoEditing_response'));
    assert.equal(pr.value.success, true, JSON.stringify(pr.value));
    const img = await fetch(pr.value.downloadUrl);
    assert.equal(img.status, 200);
    assert.match(img.headers.get('content-type'), /image\/png/);
    // ... and the site plan's URL beside it, answering with a PDF
    assert.equal(pr.value.pdfUrl, pr.value.downloadUrl.replace(/\.png$/, '.pdf'));
    const pdf = await fetch(pr.value.pdfUrl);
    assert.equal(pdf.status, 200);
    assert.match(pdf.headers.get('content-type'), /application\/pdf/);
    assert.equal((await pdf.text()).slice(0, 5), '%PDF-');
    await page.context().close();
  });

  test('(4) a page of another origin gets no answer; CSP frames only the client', async () => {
    const draft = await (await fetch(`${srv.base}/v1/drafts`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ service: 'skip-container', reference: 'FOREIGN-1', period }),
    })).json();
    const res = await fetch(draft.editor_url);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy');
    assert.match(csp, new RegExp(`frame-ancestors ${form.origin.replace(/[.]/g, '\\.')}$`));
    assert.ok(!csp.includes(foreign.origin));

    const page = await newPage();
    await page.goto(`${foreign.origin}/foreign.html`);
    await page.waitForSelector('body[data-ready="1"]');
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      page.evaluate((u) => window.openEditor(u), draft.editor_url),
    ]);
    await popup.waitForSelector('body[data-ready="1"]');
    await page.evaluate(() => window.ask());
    await page.waitForTimeout(3000 * SLOW);
    assert.deepEqual(await page.evaluate(() => window.received), []);

    // Wrong tokens get the HTML 404 page in both languages.
    const bad = await fetch(`${srv.base}/edit/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`);
    assert.equal(bad.status, 404);
    assert.match(bad.headers.get('content-type'), /text\/html/);
    const text = await bad.text();
    assert.match(text, /ungültig/);
    assert.match(text, /not valid/);
    await page.context().close();
  });

  test('(5) axe-core: no WCAG 2.1 AA violations, German and English', async () => {
    const AxeBuilder = axeBuilder();
    for (const locale of ['de', 'en']) {
      const draft = await (await fetch(`${srv.base}/v1/drafts`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ service: 'skip-container', reference: `AXE-${locale}`, locale, period }),
      })).json();
      const page = await newPage();
      await page.goto(draft.editor_url);
      await page.waitForSelector('body[data-ready="1"]');
      assert.equal(await page.evaluate(() => document.documentElement.lang), locale);
      await checkFavicon(page);
      // With a problem listed, so the error texts are checked too.
      await page.fill('#lat', String(spot.bad[1]));
      await page.fill('#lon', String(spot.bad[0]));
      await page.click('#coord-go');
      await waitHydrantError(page);
      const result = await new AxeBuilder({ page })
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
        .analyze();
      assert.deepEqual(
        result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
        [],
        `axe violations (${locale})`,
      );
      await page.context().close();
    }
  });

  // The form's nth printGeoEditing answer (from 1).
  async function askPrint(page, n) {
    await page.click('#ask-print');
    await page.waitForFunction((k) => window.received.filter((m) => m.action === 'printGeoEditing_response').length >= k, n);
    return page.evaluate((k) => window.received.filter((m) => m.action === 'printGeoEditing_response')[k - 1], n);
  }

  test('(6) printGeoEditing: nothing drawn yet, said plainly; after the submission the URL prints the case', async () => {
    for (const [locale, words] of [['en', /^Nothing is drawn yet, so there is no map image to print\./],
      ['de', /^Es ist noch nichts eingezeichnet, daher gibt es noch kein Kartenbild zum Drucken\./]]) {
      const page = await newPage();
      await openForm(page, `locale=${locale}`);
      const frame = await editorFrame(page);
      await page.waitForFunction(() => window.received.some((m) => m.action === 'munimapReady'));
      const none = await askPrint(page, 1);
      assert.equal(none.value.success, false);
      assert.match(none.value.message, words);
      assert.doesNotMatch(none.value.message, /draft|Entwurf/i, 'no talk of drafts');
      assert.equal(none.value.downloadUrl, undefined);
      if (locale === 'en') {
        await page.context().close();
        continue;
      }

      await frame.fill('#lat', String(spot.good[1]));
      await frame.fill('#lon', String(spot.good[0]));
      await frame.click('#coord-go');
      await waitState(frame, 'valid');
      const pr = await askPrint(page, 2);
      assert.equal(pr.value.success, true, JSON.stringify(pr.value));
      const url = pr.value.downloadUrl;
      const token = url.match(/\/v1\/edit\/([^/]+)\/map\.png$/)[1];
      const before = await fetch(url);
      assert.equal(before.status, 200);
      assert.match(before.headers.get('content-type'), /image\/png/);

      // The form takes the drawing and submits it; the applicant is done.
      await page.click('#ask-finish');
      await page.waitForFunction(() => window.result !== null);
      await page.click('#submit');
      await page.waitForFunction(() => window.submitAnswers.length === 1);
      const sub = await page.evaluate(() => window.submitAnswers[0]);
      assert.equal(sub.status, 201, JSON.stringify(sub.body));
      await page.screenshot({ path: path.join(srv.dir, 'editor-print-submitted.png') });

      // The URL the form got still prints: the submitted case's map.
      const after = await fetch(url);
      assert.equal(after.status, 200);
      assert.match(after.headers.get('content-type'), /image\/png/);
      const png = Buffer.from(await after.arrayBuffer());
      writeFileSync(path.join(srv.dir, 'editor-print-submitted-map.png'), png);
      const own = await fetch(`${srv.base}/v1/cases/${sub.body.case_id}/map.png`, { headers: { Authorization: `Bearer ${key}` } });
      assert.equal(own.status, 200);
      assert.equal(after.headers.get('etag'), own.headers.get('etag'), 'the same image as the case\'s own map');
      // Editing is over for the link.
      assert.equal((await fetch(`${srv.base}/v1/edit/${token}/features`)).status, 410);
      await page.context().close();
    }
  });
  test('(7) the reference layers are painted by the server\'s styles (styles/), as in the review app', async () => {
    const draft = await (await fetch(`${srv.base}/v1/drafts`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ service: 'skip-container', reference: 'STYLES', period }),
    })).json();
    const page = await newPage();
    const asked = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    await page.goto(draft.editor_url);
    await page.waitForSelector('body[data-ready="1"]');
    assert.ok(asked.includes('/styles/basemap') && asked.includes('/styles/overlays'), asked.join(' '));
    // the legend's swatches are the styles' colours
    const overlays = await (await fetch(`${srv.base}/styles/overlays`)).json();
    const base = await (await fetch(`${srv.base}/styles/basemap`)).json();
    const paint = (doc, id) => doc.layers.find((l) => l.id === id).paint;
    const rgb = (hex) => {
      const n = parseInt(hex.slice(1), 16);
      return `${n >> 16}, ${(n >> 8) & 255}, ${n & 255}`;
    };
    const swatches = await page.$$eval('#legend li', (lis) => lis.map((li) => {
      const s = getComputedStyle(li.querySelector('.swatch'));
      return { text: li.textContent, bg: s.backgroundColor, line: s.borderTopColor, border: s.borderLeftColor };
    }));
    const row = (re) => swatches.find((x) => re.test(x.text)) || assert.fail(`no legend row ${re}: ${JSON.stringify(swatches)}`);
    assert.ok(row(/Straßenraum/).bg.includes(rgb(paint(overlays, 'street_space')['fill-color'])), JSON.stringify(row(/Straßenraum/)));
    assert.ok(row(/Hydrant/).bg.includes(rgb(paint(overlays, 'hydrants')['circle-color'])), JSON.stringify(row(/Hydrant/)));
    assert.ok(row(/Radweg/).line.includes(rgb(paint(overlays, 'cycleways')['line-color'])), JSON.stringify(row(/Radweg/)));
    assert.ok(row(/Gebäude/).bg.includes(rgb(paint(base, 'buildings')['fill-color'])), JSON.stringify(row(/Gebäude/)));
    await page.context().close();
  });
});
