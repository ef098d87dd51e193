// test_credits.mjs - the map credit in the page's language, in Debian's
// chromium on the demo quarter (imported with the credit scripts/demo
// gives it, "Demo data: fictional, made by geoEDITOR", as the store keeps
// it). The applicant's editor, the review app and the OGC API's HTML pages
// all show it from the base map's TileJSON: on a German page it reads
// "Demodaten: erfunden, erstellt von geoEDITOR", on an English one as
// stored; the review app's credit follows its language switch.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SLOW, launchBrowser, reviewSkipReason, startServer } from './support.mjs';

const SRC = process.env.GE_SOURCE_DIR || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.GE_BINARY || path.join(SRC, 'build/geoeditor');
const reason = reviewSkipReason();
if (reason) console.log(`# SKIP browser credit tests: ${reason}`);
const T = 30000 * SLOW;
const PASSWORD = 'credits-reader-2026!';
const DE = 'Demodaten: erfunden, erstellt von geoEDITOR';
const EN = 'Demo data: fictional, made by geoEDITOR';

describe('the map credit in the page\'s language', { skip: reason || false, timeout: 300000 }, () => {
  let srv, browser;

  before(async () => {
    srv = await startServer('credits');
    execFileSync(BIN, ['user', 'add', '--db', srv.db, '--name', 'ada', '--role', 'admin'],
      { input: `${PASSWORD}\n`, encoding: 'utf8' });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  async function newPage(locale) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale });
    const page = await ctx.newPage();
    page.setDefaultTimeout(T);
    return page;
  }

  // The footer's credit once the TileJSON has filled it.
  async function credit(page, sel = '#attribution') {
    await page.waitForFunction((s) => document.querySelector(s)?.textContent.trim(), sel);
    return (await page.textContent(sel)).trim();
  }

  test('the review app: German, then English after the switch', async () => {
    const page = await newPage('de-DE');
    await page.goto(`${srv.base}/review/`);
    await page.waitForSelector('body[data-ready="1"]');
    await page.fill('#login-name', 'ada');
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-submit');
    await page.waitForSelector('body[data-view="list"]');
    assert.equal(await credit(page), `Kartendaten: ${DE}`);
    await page.click('#lang-switch');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.equal(await credit(page), `Map data: ${EN}`);
    await page.context().close();
  });

  test('the OGC API pages: German and English', async () => {
    for (const [lang, want] of [['de', DE], ['en', EN]]) {
      const page = await newPage(lang === 'de' ? 'de-DE' : 'en-US');
      await page.goto(`${srv.base}/collections/trees/items?f=html&lang=${lang}`);
      assert.equal(await credit(page), want, lang);
      await page.context().close();
    }
  });
});
