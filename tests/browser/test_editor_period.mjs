// test_editor_period.mjs - the draft's period in the applicant's editor,
// against the real server: a draft whose form server set
// options.period_editable shows two labelled date fields (German and
// English names in the aria snapshot, on the desktop and at 390 x 844);
// a period that starts too soon is listed and said as the reason, and
// changed with the keyboard alone (no pointer event) the reason goes away,
// the live region says the change and the new check, and the form server
// reads the new period. Without the option the period is shown read-only and
// no date field is there - unless the form server set no period at all: the
// rules ask for one, so the fields are there (German and English) and the
// applicant gives it and can finish. axe-core finds no WCAG 2.1 AA violation with the
// fields shown, in both layouts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SLOW, axeBuilder, findHydrantSpot, futurePeriod, launchBrowser, skipReason, startServer,
} from './support.mjs';

const reason = skipReason();
if (reason) console.log(`# SKIP browser editor period tests: ${reason}`);
const T = 30000 * SLOW;
const iso = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);

describe('the period in the applicant editor', { skip: reason || false, timeout: 900000 }, () => {
  let srv, browser, key, spot;

  before(async () => {
    srv = await startServer('editor-period');
    key = srv.addClient('period', ['http://127.0.0.1:9']);
    spot = await findHydrantSpot(srv.base, futurePeriod());
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
    assert.doesNotMatch(srv?.log() || '', /AddressSanitizer|LeakSanitizer|runtime error:/);
  });

  // A skip at the good spot, valid but for the period (from today + lead days).
  async function openEditor({ locale = 'de', lead = 1, noPeriod = false, options, viewport = { width: 1280, height: 900 }, mobile = false } = {}) {
    const [lon, lat] = spot.good;
    const mLat = 111320, mLon = 111320 * Math.cos((lat * Math.PI) / 180);
    const dx = 1.75 / mLon, dy = 1 / mLat;
    const ring = [[lon - dx, lat - dy], [lon + dx, lat - dy], [lon + dx, lat + dy], [lon - dx, lat + dy], [lon - dx, lat - dy]];
    const res = await fetch(`${srv.base}/v1/drafts`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        service: 'skip-container', reference: `PERIOD-${Date.now()}`, locale,
        ...(noPeriod ? {} : { period: { start: iso(lead), end: iso(lead + 2) } }),
        ...(options ? { options } : {}),
        features: { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } },
      }),
    });
    assert.equal(res.status, 201);
    const draft = await res.json();
    const ctx = await browser.newContext({
      viewport, locale: locale === 'en' ? 'en-GB' : 'de-DE', ...(mobile ? { isMobile: true, hasTouch: true } : {}),
    });
    const page = await ctx.newPage();
    page.setDefaultTimeout(T);
    await page.goto(draft.editor_url);
    await page.waitForSelector('body[data-ready="1"]');
    return { page, draft };
  }

  async function tabTo(page, id, max = 80) {
    for (let i = 0; i < max; i++) {
      if (await page.evaluate((x) => document.activeElement?.id === x, id)) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`Tab never reached #${id}`);
  }

  // Types a date into an <input type=date> that Tab has just focused (its
  // first segment), keys only. The order of the segments is the browser's
  // (month first in en-US, day first in de-DE): found by ArrowUp on each
  // segment and ArrowDown back, so the test holds whatever the browser shows.
  async function typeDate(page, isoDay) {
    const id = await page.evaluate(() => document.activeElement.id);
    const value = () => page.inputValue(`#${id}`);
    const order = [];
    for (let i = 0; i < 3; i++) {
      const before = (await value()).split('-');
      await page.keyboard.press('ArrowUp');
      const upped = (await value()).split('-');
      await page.keyboard.press('ArrowDown');
      const k = [0, 1, 2].find((j) => upped[j] !== before[j]);
      assert.notEqual(k, undefined, `segment ${i} of #${id} did not change`);
      order.push(k);
      if (i < 2) await page.keyboard.press('ArrowRight');
    }
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    const parts = isoDay.split('-');
    for (const k of order) await page.keyboard.type(parts[k]);
  }

  test('a start too soon is the reason; changed by keyboard, the reason goes away', async () => {
    const { page, draft } = await openEditor({ options: { period_editable: true } });
    await page.waitForSelector('body[data-state="invalid"]');
    const violations = () => page.textContent('#violations');
    assert.match(await violations(), /zu früh/);
    assert.equal(await page.isVisible('#period'), false, 'the fields show the period');
    assert.equal(await page.inputValue('#period-start'), iso(1));
    const snap = await page.locator('#period-form').ariaSnapshot();
    assert.match(snap, /group "Zeitraum der Nutzung"/, snap);
    assert.match(snap, /textbox "Beginn"|"Beginn"/, snap);
    assert.match(snap, /"Ende"/, snap);
    assert.match(snap, /button "Zeitraum übernehmen"/, snap);

    // keyboard only: Tab to the start, type the date, Tab on, type, Enter
    await page.focus('#address');
    await tabTo(page, 'period-start');
    await typeDate(page, iso(12));
    await tabTo(page, 'period-end');
    await typeDate(page, iso(14));
    assert.equal(await page.inputValue('#period-start'), iso(12));
    assert.equal(await page.inputValue('#period-end'), iso(14));
    await page.keyboard.press('Enter');
    await page.waitForSelector(`body[data-period="${iso(12)}/${iso(14)}"]`);
    await page.waitForSelector('body[data-state="valid"]');
    assert.doesNotMatch(await violations(), /zu früh/);
    await page.waitForFunction(() => /übernommen/.test(document.getElementById('announcer').textContent));
    const said = await page.textContent('#announcer');
    assert.match(said, /Zeitraum \d\d\.\d\d\.\d{4} bis \d\d\.\d\d\.\d{4} übernommen\./, said);
    assert.doesNotMatch(said, /zu früh/, said);

    // the form server reads it
    const got = await (await fetch(`${srv.base}/v1/drafts/${draft.id}`, { headers: { Authorization: `Bearer ${key}` } })).json();
    assert.deepEqual(got.period, { start: iso(12), end: iso(14) });
    assert.equal(got.validation.valid, true);

    // too soon again: listed and said as the reason, not taken silently
    await page.focus('#address');
    await tabTo(page, 'period-start');
    await typeDate(page, iso(0));
    await page.keyboard.press('Enter');
    await page.waitForSelector(`body[data-period="${iso(0)}/${iso(14)}"]`);
    await page.waitForSelector('body[data-state="invalid"]');
    assert.match(await violations(), /zu früh/);
    await page.waitForFunction(() => /zu früh/.test(document.getElementById('announcer').textContent));

    // an end before the start is refused in the page, named at the field
    await page.focus('#address');
    await tabTo(page, 'period-end');
    await typeDate(page, iso(-3));
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /vor dem Beginn/.test(document.getElementById('period-error').textContent));
    assert.equal(await page.getAttribute('#period-end', 'aria-invalid'), 'true');
    await page.context().close();
  });

  test('without the option the period is only shown', async () => {
    const { page } = await openEditor({ lead: 10 });
    await page.waitForSelector('body[data-state="valid"]');
    assert.equal(await page.isVisible('#period-form'), false);
    assert.equal(await page.isVisible('#period-start'), false);
    assert.match(await page.textContent('#period'), /^Zeitraum: \d\d\.\d\d\.\d{4} bis/);
    await page.context().close();
  });

  test('a draft without a period offers the fields; the period given, it finishes', async () => {
    for (const locale of ['de', 'en']) {
      const { page, draft } = await openEditor({ locale, noPeriod: true });
      await page.waitForSelector('body[data-state="invalid"]');
      const missing = locale === 'de' ? /Zeitraum der Nutzung an/ : /period of use/;
      assert.match(await page.textContent('#violations'), missing);
      assert.equal(await page.isVisible('#period-start'), true, `${locale}: no field for the missing period`);
      const snap = await page.locator('#period-form').ariaSnapshot();
      assert.match(snap, locale === 'de' ? /button "Zeitraum übernehmen"/ : /button "Apply period"/, snap);
      await page.fill('#period-start', iso(12));
      await page.fill('#period-end', iso(14));
      await page.click('#period-apply');
      await page.waitForSelector(`body[data-period="${iso(12)}/${iso(14)}"]`);
      await page.waitForSelector('body[data-state="valid"]');
      // still the applicant's to correct
      assert.equal(await page.isVisible('#period-start'), true);
      const got = await (await fetch(`${srv.base}/v1/drafts/${draft.id}`, { headers: { Authorization: `Bearer ${key}` } })).json();
      assert.deepEqual(got.period, { start: iso(12), end: iso(14) });
      const fin = await fetch(draft.editor_url.replace('/edit/', '/v1/edit/') + '/finish', { method: 'POST' });
      assert.equal((await fin.json()).success, true);
      await page.context().close();
    }
  });

  test('named in both languages, usable and axe-clean on the desktop and the phone', async () => {
    const AxeBuilder = axeBuilder();
    for (const locale of ['de', 'en'])
      for (const layout of ['desktop', 'phone']) {
        const phone = layout === 'phone';
        const { page } = await openEditor({
          locale, options: { period_editable: true },
          ...(phone ? { viewport: { width: 390, height: 844 }, mobile: true } : {}),
        });
        await page.waitForSelector('body[data-state="invalid"]');
        const snap = await page.locator('#period-form').ariaSnapshot();
        const names = locale === 'de' ? ['Zeitraum der Nutzung', 'Beginn', 'Ende', 'Zeitraum übernehmen'] : ['Period of use', 'Start', 'End', 'Apply period'];
        for (const n of names) assert.ok(snap.includes(`"${n}"`), `${locale} ${layout}: ${n} in ${snap}`);
        // on a phone the fields are in the bottom sheet, reachable there
        await page.locator('#period-start').scrollIntoViewIfNeeded();
        const box = await page.locator('#period-start').boundingBox();
        assert.ok(box && box.y >= 0 && box.y + box.height <= (phone ? 844 : 900) && box.width >= 80, `${locale} ${layout}: ${JSON.stringify(box)}`);
        const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
        assert.deepEqual(
          result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
          [],
          `axe violations (${locale}, ${layout})`,
        );
        await page.context().close();
      }
  });
});
