// test_editor_phone.mjs - the applicant's editor on phones (390 x 844 and
// 360 x 740, touch, device emulation) against the real server: the address
// search sits above a map that fills the screen, the page itself never
// scrolls and the bottom sheet's status and "Fertig" stay in view from the
// address to the finished drawing; "Hier platzieren" before an address
// places nothing (city-wide zoom), after it a footprint at street level; a
// tap beside the footprint moves it and never adds one; a footprint that
// breaks a rule is outlined red with its measured value; after "Fertig" the
// drawing is locked, "Ändern" reopens it and the form (demo form, iframe)
// hears geoeditorResult and then geoeditorResultWithdrawn. The draft's
// period is shown in the sheet. Screenshots are
// compared with tests/screenshots/editor-phone-*.png (screenshots.mjs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SLOW, futurePeriod, launchBrowser, skipReason, startDemoForm, startServer } from './support.mjs';
import { checkScreenshot } from './screenshots.mjs';

const reason = skipReason();
if (reason) console.log(`# SKIP browser editor phone tests: ${reason}`);
const T = 30000 * SLOW;

describe('applicant editor on phones', { skip: reason || false, timeout: 900000 }, () => {
  let srv, form, browser, key;
  const period = futurePeriod();

  before(async () => {
    srv = await startServer('editor-phone');
    form = await startDemoForm({ apiBase: srv.base, period });
    key = srv.addClient('demo-form', [form.origin]);
    form.setKey(key);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await form?.close();
    await srv?.stop();
    assert.doesNotMatch(srv?.log() || '', /AddressSanitizer|LeakSanitizer|runtime error:/);
  });

  async function openEditor(locale, viewport) {
    const draft = await (await fetch(`${srv.base}/v1/drafts`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ service: 'skip-container', reference: `PHONE-${Date.now()}`, locale, period }),
    })).json();
    const ctx = await browser.newContext({ viewport, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
    const page = await ctx.newPage();
    page.setDefaultTimeout(T);
    await page.goto(draft.editor_url);
    await page.waitForSelector('body[data-ready="1"]');
    return { page, draft, token: draft.editor_url.split('/').pop() };
  }

  // The page does not scroll, and the sheet's status and buttons are on screen.
  async function sheetInView(page, viewport, what) {
    const scroll = await page.evaluate(() => [document.documentElement.scrollHeight, window.innerHeight, window.scrollY]);
    assert.ok(scroll[0] <= scroll[1] + 1 && scroll[2] === 0, `${what}: the page scrolls (${scroll})`);
    for (const sel of ['#status', '#finish:visible, #edit-again:visible', '#address', '#map']) {
      const b = await page.locator(sel).first().boundingBox();
      assert.ok(b, `${what}: ${sel} is shown`);
      assert.ok(b.y >= 0 && b.y + Math.min(b.height, 40) <= viewport.height, `${what}: ${sel} at y ${b.y} is off screen`);
    }
  }

  const features = (page) => page.evaluate(() => window.geoeditor.map.getAllLayers().find((l) => l.getZIndex() === 10).getSource().getFeatures().length);
  const zoom = (page) => page.evaluate(() => window.geoeditor.map.getView().getZoom());

  async function pickAddress(page, text) {
    await page.tap('#address');
    await page.keyboard.type(text);
    await page.waitForFunction((t) => [...document.querySelectorAll('#address-list [role=option]')].some((o) => o.firstChild?.textContent === t), text);
    for (const o of await page.$$('#address-list [role=option]'))
      if ((await o.evaluate((el) => el.firstChild.textContent)) === text) return o.tap();
    throw new Error(`no suggestion ${text}`);
  }

  for (const viewport of [{ width: 390, height: 844 }, { width: 360, height: 740 }]) {
    const size = `${viewport.width}x${viewport.height}`;
    test(`(1) ${size}, touch: address -> placed -> finished, the sheet always in view`, async () => {
      const { page, token } = await openEditor('de', viewport);
      await sheetInView(page, viewport, 'opened');
      // the draft's period, as the form server set it
      const dmy = (x) => x.split('-').reverse().join('.');
      assert.equal(await page.textContent('#period'), `Zeitraum: ${dmy(period.start)} bis ${dmy(period.end)}`);
      const mapBox = await page.locator('#map').boundingBox();
      assert.ok(mapBox.height >= viewport.height * 0.3, `the map fills the screen: ${mapBox.height} px`);
      const addrBox = await page.locator('#address').boundingBox();
      assert.ok(addrBox.y < mapBox.y, 'the address search sits above the map');

      // At the city-wide start nothing is placed: the address comes first.
      assert.ok((await zoom(page)) < 17);
      await page.tap('#place-here');
      assert.equal(await features(page), 0);
      assert.equal(await page.evaluate(() => document.activeElement.id), 'address');
      assert.match(await page.textContent('#measures'), /heranzoomen oder eine Adresse suchen/);
      // A tap on the map at that zoom places nothing either.
      await page.touchscreen.tap(mapBox.x + mapBox.width / 2, mapBox.y + mapBox.height / 2);
      assert.equal(await features(page), 0);

      await pickAddress(page, 'Lindenallee 9');
      await page.waitForFunction(() => document.body.dataset.proposals === 'shown');
      assert.ok((await zoom(page)) >= 18, 'street level after the address');
      await sheetInView(page, viewport, 'address chosen');
      await checkScreenshot(page, `editor-phone-${size}-1-address`, { ignore: ['#period'] });

      // "Hier platzieren": a new footprint in the map centre, at street level.
      await page.tap('#place-here');
      assert.equal(await features(page), 1);
      await page.waitForFunction(() => ['valid', 'invalid'].includes(document.body.dataset.state));
      await sheetInView(page, viewport, 'placed');
      // A tap beside it moves it; it never adds a second one.
      const centreOf = () => page.evaluate(() => {
        const f = window.geoeditor.map.getAllLayers().find((l) => l.getZIndex() === 10).getSource().getFeatures()[0];
        return f.get('rect') ? [f.get('rect').cx, f.get('rect').cy] : null;
      });
      const was = await centreOf();
      const m = await page.locator('#map').boundingBox();
      await page.touchscreen.tap(m.x + m.width / 2 + 40, m.y + m.height / 2 + 10);
      await page.waitForFunction((w) => {
        const f = window.geoeditor.map.getAllLayers().find((l) => l.getZIndex() === 10).getSource().getFeatures()[0];
        return f.get('rect').cx !== w[0];
      }, was);
      await page.waitForFunction(() => document.body.dataset.state !== 'checking');
      assert.equal(await features(page), 1, 'a tap never adds a footprint');
      assert.ok((await centreOf())[0] > was[0], 'moved towards the tap');

      // Where it breaks a rule it is outlined red with its measured value;
      // "Nächster gültiger Platz" puts it where it is valid.
      if ((await page.evaluate(() => document.body.dataset.state)) === 'invalid') {
        // the offer for the moved footprint (a change drops the old one)
        await page.waitForSelector('body[data-fix="offer"]');
        await page.waitForSelector('#fix-take:visible');
        await checkScreenshot(page, `editor-phone-${size}-2-invalid`, { ignore: ['#period', '#save-state'] });
        await page.tap('#fix-take');
      }
      await page.waitForSelector('body[data-state="valid"]');
      await page.waitForSelector('body[data-saved="1"]');
      await sheetInView(page, viewport, 'valid');
      // one status line: "Alles in Ordnung" once, not again beside "Fertig"
      const fine = await page.evaluate(() => [...document.querySelectorAll('body *')]
        .filter((e) => e.id !== 'announcer' && e.checkVisibility() && [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.includes('Alles in Ordnung')))
        .map((e) => e.id || e.className));
      assert.equal(fine.length, 1, `"Alles in Ordnung" shown in ${fine.join(', ')}`);
      assert.equal(await page.textContent('#finish-why'), '');

      await page.tap('#finish');
      await page.waitForSelector('#edit-again:visible');
      assert.match(await page.textContent('#finish-why'), /gesperrt/);
      await sheetInView(page, viewport, 'finished');
      await checkScreenshot(page, `editor-phone-${size}-3-finished`, { ignore: ['#period', '#save-state'] });
      // Locked: a tap and "Hier platzieren" change nothing.
      const before = await (await fetch(`${srv.base}/v1/edit/${token}/features`)).json();
      const box = await page.locator('#map').boundingBox();
      await page.touchscreen.tap(box.x + 30, box.y + 30);
      assert.equal(await page.isVisible('#place-here'), false);
      await page.waitForTimeout(1500 * SLOW);
      const afterTap = await (await fetch(`${srv.base}/v1/edit/${token}/features`)).json();
      assert.deepEqual(afterTap.features, before.features);
      await page.context().close();
    });
  }

  test('(2) the form hears the result, then that "Ändern" withdrew it', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    page.setDefaultTimeout(T);
    await page.goto(`${form.origin}/?mode=iframe`);
    await page.waitForSelector('body[data-ready="1"]');
    const frame = await (await page.waitForSelector('#editor')).contentFrame();
    await frame.waitForSelector('body[data-ready="1"]');
    await page.waitForFunction(() => window.received.some((m) => m.action === 'munimapReady'));
    // a valid place: the first proposal at an address
    await frame.fill('#address', 'Lindenallee 9');
    await frame.waitForSelector('#address-list [role=option]');
    await frame.press('#address', 'ArrowDown');
    await frame.press('#address', 'Enter');
    await frame.waitForSelector('#proposals-list button[data-i="0"]');
    await frame.click('#proposals-list button[data-i="0"]');
    await frame.waitForSelector('body[data-state="valid"]');

    await frame.click('#finish');
    await page.waitForFunction(() => window.received.some((m) => m.action === 'geoeditorResult'));
    assert.equal(await frame.isVisible('#finish'), false);
    assert.equal(await frame.isVisible('#edit-again'), true);
    assert.equal(await frame.isDisabled('#width'), true, 'the size fields are locked');

    await frame.click('#edit-again');
    await page.waitForFunction(() => window.received.some((m) => m.action === 'geoeditorResultWithdrawn'));
    const actions = await page.evaluate(() => window.received.map((m) => m.action));
    assert.ok(actions.indexOf('geoeditorResult') < actions.indexOf('geoeditorResultWithdrawn'), actions.join());
    const w = await page.evaluate(() => window.received.find((m) => m.action === 'geoeditorResultWithdrawn'));
    assert.equal(w.value.draftId, await page.evaluate(() => window.draft.id));
    assert.equal(await frame.isVisible('#finish'), true);
    assert.match(await frame.textContent('#finish-why'), /nicht mehr gilt/);
    assert.equal(await frame.isDisabled('#width'), false);
    // Open again: finishing again gives the form a new result.
    await frame.click('#finish');
    await page.waitForFunction(() => window.received.filter((m) => m.action === 'geoeditorResult').length === 2);
    await ctx.close();
  });
});
