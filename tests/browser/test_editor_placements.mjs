// test_editor_placements.mjs - the placement assistant in the applicant's
// editor, in Debian's chromium against the real server on the demo quarter:
// (1) a whole skip-container application with the keyboard alone - Tab to
// the address search, type, choose with the arrows, Enter; the numbered
// proposals appear as a list and as ghosts, the polite live region reads
// how many and the first one's sentence (never degrees), Enter takes it, the
// drawing is saved and valid, "Fertig" answers success; (2) axe-core finds
// no WCAG 2.1 AA violation with the proposals shown, German and English;
// (3) a skip on a hydrant's clearance is offered "Nächster gültiger Platz:
// N m nach X – übernehmen", with the distance and direction the footprints
// really differ by, and taking it makes the drawing valid; (4) where nothing
// fits, "Keine Vorschläge" with the server's reasons; (5) a phone (390 x 844,
// touch): a tap on a ghost on the map takes it. Screenshots go to
// build/test-tmp/editor-placements/ (looked at, never compared).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { SLOW, axeBuilder, findHydrantSpot, futurePeriod, launchBrowser, skipReason, startServer } from './support.mjs';

const reason = skipReason();
if (reason) console.log(`# SKIP browser placement tests: ${reason}`);
const T = 30000 * SLOW;

const DIRS = {
  de: ['Norden', 'Nordosten', 'Osten', 'Südosten', 'Süden', 'Südwesten', 'Westen', 'Nordwesten'],
  en: ['north', 'north-east', 'east', 'south-east', 'south', 'south-west', 'west', 'north-west'],
};

// metres east and north from a to b, both CRS84 (equirectangular; fine over
// a few hundred metres)
function offset([lon1, lat1], [lon2, lat2]) {
  const k = Math.PI / 180, R = 6371008.8;
  return [(lon2 - lon1) * k * Math.cos(((lat1 + lat2) / 2) * k) * R, (lat2 - lat1) * k * R];
}

describe('editor placement assistant', { skip: reason || false, timeout: 900000 }, () => {
  let srv, browser, key, spot, shots;
  const period = futurePeriod();

  before(async () => {
    srv = await startServer('placements');
    key = srv.addClient('placements-form', ['http://127.0.0.1:9']);
    spot = await findHydrantSpot(srv.base, period);
    browser = await launchBrowser();
    shots = path.join(path.dirname(srv.dir), 'editor-placements');
    mkdirSync(shots, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
    assert.doesNotMatch(srv?.log() || '', /AddressSanitizer|LeakSanitizer|runtime error:/);
  });

  const apiGet = async (p) => {
    const r = await fetch(srv.base + p, { headers: { Authorization: `Bearer ${key}` } });
    return { status: r.status, body: await r.json() };
  };

  // A skip-container draft as a form server opens it.
  const newDraft = async (locale) =>
    (await fetch(`${srv.base}/v1/drafts`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ service: 'skip-container', reference: `PLACE-${locale}-${Date.now()}`, locale, period }),
    })).json();

  // ... and its editor page.
  async function openEditor(locale, { query = '', viewport = { width: 1280, height: 900 }, mobile = false } = {}) {
    const draft = await newDraft(locale);
    const ctx = await browser.newContext({ viewport, ...(mobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}) });
    const page = await ctx.newPage();
    page.setDefaultTimeout(T);
    await page.goto(draft.editor_url + query);
    await page.waitForSelector('body[data-ready="1"]');
    return { page, draft, token: draft.editor_url.split('/').pop() };
  }

  async function tabTo(page, id, key = 'Tab', max = 80) {
    for (let i = 0; i < max; i++) {
      if (await page.evaluate((x) => document.activeElement?.id === x, id)) return;
      await page.keyboard.press(key);
    }
    throw new Error(`${key} never reached #${id}`);
  }

  // Type an address into the search and take the suggestion that is exactly
  // it, with the arrow keys and Enter.
  async function chooseAddress(page, text) {
    await page.keyboard.type(text);
    await page.waitForFunction(
      (t) => [...document.querySelectorAll('#address-list [role=option]')].some((o) => o.firstChild?.textContent === t),
      text,
    );
    const at = await page.$$eval('#address-list [role=option]', (os, t) => os.findIndex((o) => o.firstChild.textContent === t), text);
    for (let i = 0; i <= at; i++) await page.keyboard.press('ArrowDown');
    assert.equal(await page.getAttribute('#address', 'aria-activedescendant'), `address-list-${at}`);
    await page.keyboard.press('Enter');
  }

  const proposalsState = (page) =>
    page.waitForFunction(() => ['shown', 'none', 'error'].includes(document.body.dataset.proposals)).then(() =>
      page.evaluate(() => document.body.dataset.proposals));

  const ghosts = (page) =>
    page.evaluate(() => window.geoeditor.map.getAllLayers().find((l) => l.getZIndex() === 9).getSource().getFeatures().length);

  async function axeClean(page, label) {
    const AxeBuilder = axeBuilder();
    const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    assert.deepEqual(
      result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
      [],
      `axe violations (${label})`,
    );
  }

  test('(1) keyboard only: address, hear the first proposal, Enter takes it, saved and valid, Fertig', async () => {
    const { page, draft, token } = await openEditor('de');
    // What the server proposes there, asked the way the editor asks.
    const addr = (await (await fetch(`${srv.base}/v1/addresses?q=Lindenallee%209&limit=1`)).json()).addresses[0];
    assert.equal(addr.label, 'Lindenallee 9');
    const direct = await (await fetch(`${srv.base}/v1/edit/${token}/placements`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ near: { point: [addr.lon, addr.lat] }, limit: 3, size: { width_m: 2, length_m: 3.5 } }),
    })).json();
    assert.equal(direct.placements.length, 3, JSON.stringify(direct.reasons));

    await page.focus('body');
    await tabTo(page, 'address');
    await chooseAddress(page, 'Lindenallee 9');
    assert.equal(await proposalsState(page), 'shown');

    // A list of three buttons, numbered, with accessible names; three ghosts.
    const items = await page.$$eval('#proposals-list > li > button', (bs) => bs.map((b) => b.textContent));
    assert.equal(items.length, 3);
    items.forEach((text, i) => assert.match(text, new RegExp(`^Vorschlag ${i + 1}:`)));
    assert.equal(await page.getByRole('button', { name: /^Vorschlag 1:/ }).count(), 1);
    assert.equal(await ghosts(page), 3);

    // The first one's words: its location sentence, else its distance.
    const p0 = direct.placements[0];
    const first = await page.textContent('#proposals-list button[data-i="0"] .text');
    const sentence = p0.location?.de || p0.report.measures.find((m) => m.feature === 0)?.location?.de;
    if (sentence) assert.equal(first.trim(), sentence);
    else assert.match(first, new RegExp(`^ ${String(p0.distance_m < 1 ? p0.distance_m : Math.round(p0.distance_m)).replace('.', ',')} m (nördlich|nordöstlich|östlich|südöstlich|südlich|südwestlich|westlich|nordwestlich) von Lindenallee 9$`));
    const live = await page.textContent('#proposals-status');
    assert.equal(await page.getAttribute('#proposals-status', 'aria-live'), 'polite');
    assert.match(live, /^3 Vorschläge bei Lindenallee 9\. Vorschlag 1: /);
    assert.ok(live.includes(first.trim()), `the live region reads the first proposal: ${live}`);
    assert.doesNotMatch(live, /°/);
    await page.screenshot({ path: path.join(shots, '1-proposals-de.png') });

    // Tab from the address field leads to the first proposal; Enter takes it.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.i), '0');
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-state="valid"]');
    await page.waitForSelector('body[data-saved="1"]');
    assert.match(await page.textContent('#proposals-status'), /^Vorschlag 1 übernommen: /);
    assert.ok((await page.textContent('#proposals-status')).includes(first.trim()));
    assert.equal(await page.evaluate(() => document.activeElement.dataset.i), '0', 'the focus stays on the item');
    assert.match(await page.textContent('#status'), /Alles in Ordnung/);
    assert.match(await page.textContent('#measures'), /^Rechteck 1: 2 × 3,5 m, 7 m²/);
    assert.equal(await ghosts(page), 2, 'the taken one is the drawing now, not a ghost');

    // Saved as the server proposed it, and valid.
    const saved = await (await fetch(`${srv.base}/v1/edit/${token}/features`)).json();
    assert.equal(saved.features.length, 1);
    const want = p0.features.features[0].geometry.coordinates[0];
    const got = saved.features[0].geometry.coordinates[0];
    assert.equal(got.length, want.length);
    got.forEach((c, i) => {
      const [dx, dy] = offset(c, want[i]);
      assert.ok(Math.hypot(dx, dy) < 0.01, `corner ${i} ${c} is the proposal's ${want[i]}`);
    });
    assert.equal(saved.features[0].properties.shape, 'rectangle');
    const d = await apiGet(`/v1/drafts/${draft.id}`);
    assert.equal(d.status, 200);
    assert.equal(d.body.validation.valid, true, JSON.stringify(d.body.validation.violations));

    // Fertig with the keyboard: the finish answer is success.
    await tabTo(page, 'finish');
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/v1/edit/${token}/finish`)),
      page.keyboard.press('Enter'),
    ]);
    assert.equal(res.status(), 200);
    assert.equal((await res.json()).success, true);
    await page.waitForFunction(() => /Übergeben/.test(document.getElementById('finish-why').textContent));
    await page.screenshot({ path: path.join(shots, '2-taken-finished-de.png') });
    await page.context().close();
  });

  test('(2) axe-core: no WCAG 2.1 AA violations with the proposals shown, German and English', async () => {
    for (const locale of ['de', 'en']) {
      const { page } = await openEditor(locale);
      await page.focus('#address');
      await chooseAddress(page, 'Lindenallee 9');
      assert.equal(await proposalsState(page), 'shown');
      const live = await page.textContent('#proposals-status');
      if (locale === 'en') {
        assert.match(live, /^3 proposals near Lindenallee 9\. Proposal 1: /);
        assert.equal(await page.textContent('#proposals-heading'), 'Proposals');
        assert.match(await page.textContent('#proposals-list button[data-i="0"]'), /^Proposal 1:/);
      } else {
        assert.match(live, /^3 Vorschläge bei Lindenallee 9\. /);
      }
      assert.doesNotMatch(live, /°/);
      await page.focus('#proposals-list button[data-i="1"]'); // a ghost highlighted, too
      await axeClean(page, locale);
      await page.screenshot({ path: path.join(shots, `3-axe-${locale}.png`) });
      await page.context().close();
    }
  });

  test('(3) a skip on the hydrant clearance: "Nächster gültiger Platz" offered, taken, valid', async () => {
    const { page, draft, token } = await openEditor('de');
    await page.focus('body');
    await tabTo(page, 'lat');
    await page.keyboard.type(String(spot.bad[1]));
    await page.keyboard.press('Tab');
    await page.keyboard.type(String(spot.bad[0]));
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /Hydrant/.test(document.getElementById('violations').textContent));
    await page.waitForSelector('body[data-fix="offer"]');

    const offer = await page.textContent('#fix-take');
    const m = offer.match(/^Nächster gültiger Platz: ([\d,]+) m nach (\S+) – übernehmen$/);
    assert.ok(m, `the offer: ${offer}`);
    // The distance and direction are those between the two footprints' centroids.
    const to = await page.evaluate(() => window.geoeditor.ghostCentre('fix'));
    const [east, north] = offset(spot.bad, to);
    const metres = Math.hypot(east, north);
    assert.ok(Math.abs(Number(m[1].replace(',', '.')) - metres) <= 0.6, `${m[1]} m said, ${metres.toFixed(2)} m measured`);
    const bearing = ((Math.atan2(east, north) * 180) / Math.PI + 360) % 360;
    assert.equal(m[2], DIRS.de[Math.round(bearing / 45) % 8], `bearing ${bearing.toFixed(1)}°`);
    assert.equal(await ghosts(page), 1);
    assert.equal(await page.getAttribute('#fix', 'aria-live'), 'polite');
    await axeClean(page, 'fix offer');
    await page.screenshot({ path: path.join(shots, '4-fix-offer-de.png') });

    // Back to it with Shift+Tab (it sits with the problems), Enter takes it.
    await tabTo(page, 'fix-take', 'Shift+Tab');
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-fix="taken"]');
    await page.waitForSelector('body[data-state="valid"]');
    await page.waitForSelector('body[data-saved="1"]');
    assert.match(await page.textContent('#fix-done'), new RegExp(`^Rechteck 1 auf den nächsten gültigen Platz verschoben: ${m[1]} m nach ${m[2]}\\.`));
    assert.equal(await page.evaluate(() => document.activeElement.id), 'fix-done', 'the focus is on what happened');
    assert.equal(await page.textContent('#violations'), '');
    assert.equal(await ghosts(page), 0);
    const saved = await (await fetch(`${srv.base}/v1/edit/${token}/features`)).json();
    assert.equal(saved.features.length, 1);
    const d = await apiGet(`/v1/drafts/${draft.id}`);
    assert.equal(d.body.validation.valid, true, JSON.stringify(d.body.validation.violations));
    await page.screenshot({ path: path.join(shots, '5-fix-taken-de.png') });

    // Undo brings the broken skip back, and with it the offer.
    await page.focus('#undo');
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-fix="offer"]');
    await page.context().close();
  });

  test('(4) where nothing fits: "Keine Vorschläge" and the server\'s reasons', async () => {
    // A place in the quarter without a street near: asked of the server.
    const token = (await newDraft('de')).editor_url.split('/').pop();
    const b = await (await fetch(`${srv.base}/collections/boundary/items`)).json();
    const ring = b.features[0].geometry.type === 'Polygon' ? b.features[0].geometry.coordinates[0] : b.features[0].geometry.coordinates[0][0];
    const xs = ring.map((c) => c[0]), ys = ring.map((c) => c[1]);
    let empty = null;
    for (let i = 1; i < 10 && !empty; i++)
      for (let j = 1; j < 10 && !empty; j++) {
        const pt = [Math.min(...xs) + ((Math.max(...xs) - Math.min(...xs)) * i) / 10, Math.min(...ys) + ((Math.max(...ys) - Math.min(...ys)) * j) / 10];
        const r = await fetch(`${srv.base}/v1/edit/${token}/placements`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ near: { point: pt }, limit: 3, size: { width_m: 2, length_m: 3.5 } }),
        });
        const a = await r.json();
        if (r.status === 200 && a.placements.length === 0 && a.reasons?.length) empty = { pt, reasons: a.reasons };
      }
    assert.ok(empty, 'a place in the demo quarter where nothing fits');

    const { page } = await openEditor('de', { query: `?lon=${empty.pt[0]}&lat=${empty.pt[1]}` });
    await page.focus('body');
    await tabTo(page, 'proposals-ask');
    await page.keyboard.press('Enter');
    assert.equal(await proposalsState(page), 'none');
    const live = await page.textContent('#proposals-status');
    assert.match(live, /^Keine Vorschläge an der Kartenmitte\. /);
    for (const r of empty.reasons) assert.ok(live.includes(r.de), `${live} names ${r.de}`);
    assert.deepEqual(await page.$$eval('#proposals-reasons li', (ls) => ls.map((l) => l.textContent)), empty.reasons.map((r) => r.de));
    assert.ok(await page.$eval('#proposals-list', (el) => el.hidden));
    assert.equal(await ghosts(page), 0);
    assert.doesNotMatch(live, /°/);
    await page.screenshot({ path: path.join(shots, '6-none-de.png') });
    await page.context().close();
  });

  test('(5) phone, 390 x 844, touch: a tap on a ghost takes it', async () => {
    const { page, token } = await openEditor('en', { viewport: { width: 390, height: 844 }, mobile: true });
    await page.tap('#address');
    await page.keyboard.type('Lindenallee 9');
    await page.waitForFunction(() => [...document.querySelectorAll('#address-list [role=option]')].some((o) => o.firstChild?.textContent === 'Lindenallee 9'));
    const opt = await page.$$('#address-list [role=option]');
    let tapped = false;
    for (const o of opt)
      if ((await o.evaluate((el) => el.firstChild.textContent)) === 'Lindenallee 9') {
        await o.tap();
        tapped = true;
        break;
      }
    assert.ok(tapped);
    assert.equal(await proposalsState(page), 'shown');
    await page.screenshot({ path: path.join(shots, '7-phone-list-en.png'), fullPage: true });

    await page.$eval('#map', (el) => el.scrollIntoView());
    await page.waitForTimeout(300);
    const [lon, lat] = await page.evaluate(() => window.geoeditor.ghostCentre(1));
    const [px, py] = await page.evaluate(([a, b]) => window.geoeditor.pixelOf(a, b), [lon, lat]);
    const box = await (await page.$('#map')).boundingBox();
    await page.touchscreen.tap(box.x + px, box.y + py);
    await page.waitForSelector('body[data-state="valid"]');
    await page.waitForSelector('body[data-saved="1"]');
    assert.match(await page.textContent('#proposals-status'), /^Proposal 2 taken: /);
    assert.equal(await page.getAttribute('#proposals-list button[data-i="1"]', 'aria-current'), 'true');
    const saved = await (await fetch(`${srv.base}/v1/edit/${token}/features`)).json();
    assert.equal(saved.features.length, 1);
    await page.screenshot({ path: path.join(shots, '8-phone-taken-en.png') });
    await page.context().close();
  });
});
