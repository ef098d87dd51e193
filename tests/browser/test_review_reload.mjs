// test_review_reload.mjs - the review app (/review/) survives the browser's
// reload and back button, in Debian's chromium on the demo cases (a scratch
// store with the demo quarter, filled by data/demo/seed_demo.py as
// scripts/demo fills it).
//
// As demo-sachbearbeitung: the list's filters are in the URL (#/?status=...),
// so a reload of a filtered list shows the same filter and the same cases;
// opening a case and reloading shows that case; the back button and "Zurück
// zur Liste" lead to the filtered list, not to the default one; after a
// decision a reload shows the case's new status. A plain "#/" keeps the
// filters the page has. Nothing goes blank on the way.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SLOW, launchBrowser, reviewSkipReason, seedDemo, startServer } from './support.mjs';

const reason = reviewSkipReason();
if (reason) console.log(`# SKIP browser review reload tests: ${reason}`);
const T = 30000 * SLOW;

describe('review app: reload and back keep the place and the filters', { skip: reason || false, timeout: 600000 }, () => {
  let srv, browser, password;

  before(async () => {
    srv = await startServer('review-reload');
    // The demo cases, as scripts/demo seeds them.
    password = seedDemo(srv);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  const refsOf = (page) => page.$$eval('#case-list > li .case-ref', (as) => as.map((a) => a.textContent));
  async function waitRefs(page, refs) {
    await page.waitForFunction((want) => document.body.dataset.view === 'list' && !document.body.dataset.listLoading
      && JSON.stringify([...document.querySelectorAll('#case-list > li .case-ref')].map((a) => a.textContent)) === JSON.stringify(want),
    refs, { timeout: T }).catch(async (e) => {
      throw new Error(`the list shows ${JSON.stringify(await refsOf(page))} (${page.url()}), expected ${JSON.stringify(refs)}: ${e.message}`);
    });
  }
  async function reload(page) {
    await page.reload();
    await page.waitForSelector('body[data-ready="1"]');
  }
  async function waitCase(page, ref) {
    await page.waitForFunction((r) => document.body.dataset.view === 'detail'
      && document.getElementById('case-heading').textContent.includes(r), ref, { timeout: T });
  }

  test('a filtered list, a case, a decision: each reloaded, then back', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'de-DE' });
    const page = await ctx.newPage();
    page.setDefaultTimeout(T);
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));

    await page.goto(`${srv.base}/review/`);
    await page.waitForSelector('body[data-ready="1"]');
    await page.fill('#login-name', 'demo-sachbearbeitung');
    await page.fill('#login-password', password);
    await page.click('#login-submit');
    const open = ['MS-2026-0105', 'MS-2026-0101', 'MS-2026-0102', 'MS-2026-0103'];
    await waitRefs(page, open);
    await reload(page);
    await waitRefs(page, open);

    // Filtered: the received cases by reference; the URL says so.
    await page.selectOption('#f-status', 'received');
    await page.selectOption('#f-sort', 'reference');
    const received = await (async () => {
      await page.waitForFunction(() => /status=received/.test(location.hash) && /sort=reference/.test(location.hash));
      await page.waitForFunction(() => !document.body.dataset.listLoading
        && document.querySelectorAll('#case-list > li').length === 3);
      return refsOf(page);
    })();
    assert.deepEqual([...received].sort(), ['MS-2026-0101', 'MS-2026-0102', 'MS-2026-0103']);
    const filtered = page.url();
    await reload(page);
    await waitRefs(page, received);
    assert.equal(await page.inputValue('#f-status'), 'received');
    assert.equal(await page.inputValue('#f-sort'), 'reference');
    assert.equal(page.url(), filtered);

    // A case: reloaded it is still that case; back leads to the filtered list.
    await page.click(`#case-list > li:has(.case-ref:text-is("MS-2026-0103")) a`);
    await waitCase(page, 'MS-2026-0103');
    await reload(page);
    await waitCase(page, 'MS-2026-0103');
    await page.goBack();
    await waitRefs(page, received);
    assert.equal(await page.inputValue('#f-status'), 'received');
    assert.equal(page.url(), filtered);

    // "Zurück zur Liste" too.
    await page.click(`#case-list > li:has(.case-ref:text-is("MS-2026-0103")) a`);
    await waitCase(page, 'MS-2026-0103');
    await page.click('#back');
    await waitRefs(page, received);
    assert.equal(page.url(), filtered);

    // A decision (the review begins), then a reload: the case says so;
    // back to the list of received cases, which no longer holds it.
    await page.click(`#case-list > li:has(.case-ref:text-is("MS-2026-0103")) a`);
    await waitCase(page, 'MS-2026-0103');
    await page.fill('#comment', 'Wird geprüft.');
    await page.click('#decide-buttons button.decide-in_review');
    await page.waitForFunction(() => document.getElementById('decide-result').textContent.trim() !== '');
    await reload(page);
    await waitCase(page, 'MS-2026-0103');
    await page.waitForFunction(() => document.getElementById('case-summary').textContent.includes('In Prüfung'));
    await page.click('#back');
    await waitRefs(page, received.filter((r) => r !== 'MS-2026-0103'));
    assert.equal(await page.inputValue('#f-status'), 'received');

    // A plain "#/" (a bookmark of the list) keeps the page's filters.
    await page.evaluate(() => {
      location.hash = '#/';
    });
    await waitRefs(page, received.filter((r) => r !== 'MS-2026-0103'));
    assert.equal(await page.inputValue('#f-status'), 'received');
    assert.deepEqual(errors, []);
    await ctx.close();
  });
});
