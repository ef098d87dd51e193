// test_editor_a11y.mjs - the applicant's editor as a screen-reader user
// meets it, keyboard only (no pointer event at all), against the real server:
// the live region says, once per check, the change, where the footprint lies
// (the report's location sentence) and every reason in full, never degrees;
// arrow keys are said in metres and a direction; plurals ("1 Problem
// verhindert", "2 Probleme verhindern"); a width above the service's limit
// is set to the limit and said so; the map, its zoom buttons and every field
// have names in both languages (aria snapshot); the map's focus ring is
// drawn; legend and attribution in the page's language. axe-core finds no
// WCAG 2.1 AA violation in German and English, on the desktop and at
// 390 x 844 (sheet folded and unfolded).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SLOW, axeBuilder, findHydrantSpot, futurePeriod, launchBrowser, skipReason, startServer,
} from './support.mjs';

const reason = skipReason();
if (reason) console.log(`# SKIP browser editor a11y tests: ${reason}`);
const T = 30000 * SLOW;

describe('applicant editor with a screen reader', { skip: reason || false, timeout: 900000 }, () => {
  let srv, browser, key, spot;
  const period = futurePeriod();

  before(async () => {
    srv = await startServer('editor-a11y');
    key = srv.addClient('a11y', ['http://127.0.0.1:9']);
    spot = await findHydrantSpot(srv.base, period);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
    assert.doesNotMatch(srv?.log() || '', /AddressSanitizer|LeakSanitizer|runtime error:/);
  });

  async function openEditor(locale, { viewport = { width: 1280, height: 900 }, mobile = false } = {}) {
    const draft = await (await fetch(`${srv.base}/v1/drafts`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ service: 'skip-container', reference: `A11Y-${locale}-${Date.now()}`, locale, period }),
    })).json();
    const ctx = await browser.newContext({ viewport, ...(mobile ? { isMobile: true, hasTouch: true } : {}) });
    const page = await ctx.newPage();
    page.setDefaultTimeout(T);
    await page.goto(draft.editor_url);
    await page.waitForSelector('body[data-ready="1"]');
    return { page, token: draft.editor_url.split('/').pop() };
  }

  async function tabTo(page, id, keyName = 'Tab', max = 80) {
    for (let i = 0; i < max; i++) {
      if (await page.evaluate((x) => document.activeElement?.id === x, id)) return;
      await page.keyboard.press(keyName);
    }
    throw new Error(`${keyName} never reached #${id}`);
  }

  const announcer = (page) => page.textContent('#announcer');

  // The next announcement matching re (the region is emptied before each).
  async function heard(page, re) {
    await page.waitForFunction((src) => new RegExp(src).test(document.getElementById('announcer').textContent), re.source, { timeout: T });
    return announcer(page);
  }

  // The saved drawing's report as the server makes it.
  async function savedReport(page, token) {
    await page.waitForSelector('body[data-saved="1"]');
    return (await fetch(`${srv.base}/v1/edit/${token}/validate`, { method: 'POST' })).json();
  }

  const count = (text, part) => text.split(part).length - 1;

  function noDegrees(text) {
    assert.doesNotMatch(text, /°/);
    assert.doesNotMatch(text, /\d+,\d{4,}/, `raw coordinates in: ${text}`);
    assert.doesNotMatch(text, /Breite \d|Länge \d|latitude|longitude/i, `coordinates in: ${text}`);
  }

  test('(1) keyboard only: address, Enter places, arrows, pick up and move; every check said once, in full', async () => {
    const { page, token } = await openEditor('de');
    assert.equal(await page.getAttribute('#status', 'aria-live'), null, 'the status is said through the announcer only');
    await page.focus('body');
    await tabTo(page, 'address');
    await page.keyboard.type('Lindenallee 9');
    await page.waitForFunction(() => [...document.querySelectorAll('#address-list [role=option]')].some((o) => o.firstChild?.textContent === 'Lindenallee 9'));
    const at = await page.$$eval('#address-list [role=option]', (os) => os.findIndex((o) => o.firstChild.textContent === 'Lindenallee 9'));
    for (let i = 0; i <= at; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.body.dataset.proposals === 'shown');
    // to the map (it comes before the panel): back from the first proposal
    await page.keyboard.press('Tab');
    await tabTo(page, 'map', 'Shift+Tab');
    assert.ok(await page.evaluate(() => document.body.classList.contains('map-focused')));
    const ring = await page.evaluate(() => getComputedStyle(document.querySelector('.map-wrap'), '::after').boxShadow);
    assert.notEqual(ring, 'none', 'the map shows a focus ring');

    // Enter places a skip at the crosshair; one announcement after its check.
    await page.keyboard.press('Enter');
    let said = await heard(page, /^Rechteck 1 gesetzt\. .*(Probleme? verhinder|Alles in Ordnung)/);
    let report = await savedReport(page, token);
    const where = report.measures.find((m) => m.feature === 0).location.de;
    assert.ok(said.includes(`${where}.`), `the location sentence "${where}" in: ${said}`);
    const errors = report.violations.filter((v) => v.severity === 'error');
    assert.ok(errors.length >= 2, `the address point lies on a building: ${JSON.stringify(report.violations)}`);
    assert.ok(said.includes(`${errors.length} Probleme verhindern die Übergabe:`), said);
    for (const v of report.violations) assert.equal(count(said, v.message.de), 1, `"${v.message.de}" said once in: ${said}`);
    noDegrees(said);
    assert.equal(await page.textContent('#status'), `${errors.length} Probleme verhindern die Übergabe:`);

    // Arrow keys without a footprint in hand: the crosshair's move, in metres.
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowUp');
    said = await heard(page, /^Fadenkreuz 3 m nach Norden bewegt\.$/);
    noDegrees(said);
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    await heard(page, /^Fadenkreuz 3 m nach Süden bewegt\.$/);

    // Enter on the skip picks it up; arrows carry it; the check says where.
    await page.keyboard.press('Enter');
    await heard(page, /aufgenommen/);
    for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowRight');
    said = await heard(page, /^Rechteck 1 2 m nach Osten verschoben\. .*verhinder/);
    noDegrees(said);
    await page.keyboard.press('Enter');
    await heard(page, /^Rechteck 1 abgelegt\.$/);
    report = await savedReport(page, token);
    assert.ok(said.includes(report.measures.find((m) => m.feature === 0).location.de), said);

    // The coordinate fields move it onto the hydrant's clearance: one problem.
    await tabTo(page, 'lat');
    await page.keyboard.type(String(spot.bad[1]));
    await page.keyboard.press('Tab');
    await page.keyboard.type(String(spot.bad[0]));
    await page.keyboard.press('Enter');
    said = await heard(page, /^Rechteck 1 verschoben\. .*1 Problem verhindert die Übergabe: .*Hydrant/);
    report = await savedReport(page, token);
    assert.equal(report.violations.filter((v) => v.severity === 'error').length, 1);
    for (const v of report.violations) assert.equal(count(said, v.message.de), 1, `"${v.message.de}" said once in: ${said}`);
    assert.ok(said.includes(report.measures.find((m) => m.feature === 0).location.de), said);
    noDegrees(said);
    assert.equal(await page.textContent('#status'), '1 Problem verhindert die Übergabe:');
    // ... outlined red with its measured distance beside it
    const label = await page.evaluate(() => {
      const layer = window.geoeditor.map.getAllLayers().find((l) => l.getZIndex() === 10);
      const f = layer.getSource().getFeatures()[0];
      return layer.getStyleFunction()(f, 0.3).map((s) => s.getText()?.getText()).filter(Boolean);
    });
    assert.ok(label.some((x) => /^\d,\d m$/.test(x)), `the measured distance on the map: ${label}`);

    // A width above the limit is set to the limit, visibly and aloud.
    await tabTo(page, 'width', 'Shift+Tab');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('5');
    await page.keyboard.press('Tab');
    assert.equal(await page.textContent('#size-note'), 'Breite auf 3 m gesetzt: erlaubt sind 1 bis 3 m.');
    await heard(page, /Breite auf 3 m gesetzt: erlaubt sind 1 bis 3 m\./);
    assert.equal(await page.inputValue('#width'), '3');

    // Names: the map, its zoom buttons, the fields (width is not latitude).
    const snap = await page.locator('body').ariaSnapshot();
    for (const want of ['application "Karte zum Einzeichnen"', 'button "Karte vergrößern"', 'button "Karte verkleinern"',
      '"Breite der Stellfläche (m)"', '"Geografische Breite (Grad, z. B. 51,5392)"', '"Geografische Länge (Grad, z. B. 9,9250)"',
      'button "Fertig – an das Formular übergeben"'])
      assert.ok(snap.includes(want), `aria snapshot names ${want}:\n${snap}`);
    assert.doesNotMatch(snap, /- button(?: "")?\s*$/m, 'every button has a name');
    assert.match(await page.getAttribute('#map', 'aria-describedby'), /map-help/);
    assert.match(await page.textContent('#legend'), /Baum \(1,5 m\)/);
    assert.match(await page.textContent('#attribution'), /^Kartendaten: Demodaten: erfunden/);
    await page.context().close();
  });

  test('(2) English: names, plurals, legend and attribution in the page\'s language', async () => {
    const { page } = await openEditor('en');
    await page.fill('#lat', String(spot.bad[1]));
    await page.fill('#lon', String(spot.bad[0]));
    await page.press('#lon', 'Enter');
    const said = await heard(page, /^Rectangle 1 placed\. .*1 problem blocks handing over: /);
    noDegrees(said);
    const snap = await page.locator('body').ariaSnapshot();
    for (const want of ['application "Map for drawing"', 'button "Zoom in"', 'button "Zoom out"',
      '"Width of the footprint (m)"', '"Latitude (degrees, e.g. 51.5392)"'])
      assert.ok(snap.includes(want), `aria snapshot names ${want}:\n${snap}`);
    assert.match(await page.textContent('#legend'), /Tree \(1\.5 m\)/);
    assert.match(await page.textContent('#attribution'), /^Map data: Demo data: fictional/);
    await page.context().close();
  });

  test('(3) axe-core: no WCAG 2.1 AA violations, both languages, desktop and phone', async () => {
    const AxeBuilder = axeBuilder();
    for (const locale of ['de', 'en'])
      for (const layout of ['desktop', 'phone']) {
        const phone = layout === 'phone';
        const { page } = await openEditor(locale, phone ? { viewport: { width: 390, height: 844 }, mobile: true } : {});
        // on a phone the coordinate fields are in the folded part of the sheet
        if (phone) await page.click('#sheet-toggle');
        await page.fill('#lat', String(spot.bad[1]));
        await page.fill('#lon', String(spot.bad[0]));
        await page.press('#lon', 'Enter');
        await page.waitForSelector('body[data-state="invalid"]');
        await page.waitForFunction(() => /Hydrant/i.test(document.getElementById('violations').textContent));
        for (const st of phone ? ['unfolded', 'folded'] : ['panel']) {
          if (st === 'folded') await page.click('#sheet-toggle');
          if (phone) assert.equal(await page.getAttribute('#sheet-toggle', 'aria-expanded'), String(st === 'unfolded'));
          if (phone) {
            const snap = await page.locator('body').ariaSnapshot();
            assert.ok(snap.includes(`button "${locale === 'de' ? 'Hier platzieren' : 'Place here'}"`), snap);
          }
          const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
          assert.deepEqual(
            result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
            [],
            `axe violations (${locale}, ${layout}, ${st})`,
          );
        }
        await page.context().close();
      }
  });
});
