// test_map_names.mjs - the maps' zoom buttons are named in words in the
// page's language, as a screen reader announces them (the accessibility
// tree's name, not the "+" and "–" they show), and their tooltips say the
// same: in the review app's list and case maps (German, and English after
// the language switch) and on the OGC API pages' map (German and English
// pages). The editor's map does so already (test_editor_a11y.mjs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SLOW, launchBrowser, reviewSkipReason, seedDemo, startServer } from './support.mjs';

const reason = reviewSkipReason();
if (reason) console.log(`# SKIP browser map names tests: ${reason}`);
const T = 30000 * SLOW;

describe('the maps\' zoom buttons are named in the page\'s language', { skip: reason || false, timeout: 300000 }, () => {
  let srv, browser, password;

  before(async () => {
    srv = await startServer('map-names');
    // The demo cases, as scripts/demo seeds them.
    password = seedDemo(srv);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  // The zoom buttons of the map in mapSel: [name, tooltip] each, the name
  // as the accessibility tree has it.
  async function zoomNames(page, mapSel) {
    const out = [];
    for (const cls of ['.ol-zoom-in', '.ol-zoom-out']) {
      const b = page.locator(`${mapSel} ${cls}`);
      await b.waitFor({ state: 'attached' });
      const snap = await b.ariaSnapshot();
      out.push([snap.match(/^- button "([^"]*)"/)?.[1] ?? snap, await b.getAttribute('title')]);
    }
    return out;
  }
  const DE = [['Karte vergrößern', 'Karte vergrößern'], ['Karte verkleinern', 'Karte verkleinern']];
  const EN = [['Zoom in', 'Zoom in'], ['Zoom out', 'Zoom out']];

  test('the review app: list and case maps, German then English', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'de-DE' });
    const page = await ctx.newPage();
    page.setDefaultTimeout(T);
    await page.goto(`${srv.base}/review/`);
    await page.waitForSelector('body[data-ready="1"]');
    await page.fill('#login-name', 'demo-sachbearbeitung');
    await page.fill('#login-password', password);
    await page.click('#login-submit');
    await page.waitForSelector('body[data-view="list"]', { state: 'attached' });
    assert.deepEqual(await zoomNames(page, '#list-map'), DE);
    await page.click('#case-list > li a >> nth=0');
    await page.waitForSelector('body[data-view="detail"]', { state: 'attached' });
    assert.deepEqual(await zoomNames(page, '#detail-map'), DE);
    await page.click('#lang-switch');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.deepEqual(await zoomNames(page, '#detail-map'), EN);
    await page.click('#back');
    await page.waitForSelector('body[data-view="list"]', { state: 'attached' });
    assert.deepEqual(await zoomNames(page, '#list-map'), EN);
    await ctx.close();
  });

  test('the OGC API items page, German and English', async () => {
    for (const [lang, want] of [['de', [['Vergrößern', 'Vergrößern'], ['Verkleinern', 'Verkleinern']]], ['en', EN]]) {
      const ctx = await browser.newContext({ viewport: { width: 1000, height: 800 } });
      const page = await ctx.newPage();
      page.setDefaultTimeout(T);
      await page.goto(`${srv.base}/collections/trees/items?f=html&lang=${lang}`);
      assert.deepEqual(await zoomNames(page, '#map'), want, lang);
      await ctx.close();
    }
  });
});
