// test_editor_reasons.mjs - with several shapes drawn, every reason the
// applicant hears or reads says which shape it is about, in Debian's
// chromium against the real server, keyboard only. The list of reasons
// numbers them ("2: ...") beside the numbered shapes on the map; the live
// region and the text under "Fertig" are read without the map, so there a
// reason about one shape starts with its name: "Rechteck 2: Die Stellfläche
// ..." / "Rectangle 2: The footprint ...". Two skips on buildings near
// Lindenallee 9 break the same rules, so without the names the two
// reasons would be word for word the same.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SLOW, futurePeriod, launchBrowser, skipReason, startServer } from './support.mjs';

const reason = skipReason();
if (reason) console.log(`# SKIP browser editor reasons tests: ${reason}`);
const T = 30000 * SLOW;

describe('applicant editor: reasons name their shape', { skip: reason || false, timeout: 300000 }, () => {
  let srv, browser, key;
  const period = futurePeriod();

  before(async () => {
    srv = await startServer('editor-reasons');
    key = srv.addClient('reasons', ['http://127.0.0.1:9']);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  for (const [locale, name, placed] of [['de', 'Rechteck', 'gesetzt'], ['en', 'Rectangle', 'placed']]) {
    test(`${locale}: two skips, each reason in the live region and under "Fertig" names its rectangle`, async () => {
      const draft = await (await fetch(`${srv.base}/v1/drafts`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ service: 'skip-container', reference: `REASONS-${locale}`, locale, period }),
      })).json();
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await ctx.newPage();
      page.setDefaultTimeout(T);
      await page.goto(draft.editor_url);
      await page.waitForSelector('body[data-ready="1"]');
      const token = draft.editor_url.split('/').pop();

      await page.focus('#address');
      await page.keyboard.type('Lindenallee 9');
      await page.waitForFunction(() => [...document.querySelectorAll('#address-list [role=option]')].some((o) => o.firstChild?.textContent === 'Lindenallee 9'));
      const at = await page.$$eval('#address-list [role=option]', (os) => os.findIndex((o) => o.firstChild.textContent === 'Lindenallee 9'));
      for (let i = 0; i <= at; i++) await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await page.focus('#map');
      await page.keyboard.press('Enter');
      await page.waitForFunction((re) => new RegExp(re).test(document.getElementById('announcer').textContent), `^${name} 1 ${placed}`);
      // 10 m east: on the next building, a second skip breaking the same rules
      await page.keyboard.press('Shift+ArrowRight');
      await page.keyboard.press('Enter');
      await page.waitForFunction((re) => new RegExp(re).test(document.getElementById('announcer').textContent), `^${name} 2 ${placed}`);
      const said = await page.textContent('#announcer');
      await page.waitForSelector('body[data-saved="1"]');
      const report = await (await fetch(`${srv.base}/v1/edit/${token}/validate`, { method: 'POST' })).json();
      const own = report.violations.filter((v) => typeof v.feature === 'number' && v.feature >= 0);
      assert.ok(own.some((v) => v.feature === 0) && own.some((v) => v.feature === 1),
        `both skips break a rule: ${JSON.stringify(report.violations)}`);
      for (const v of own)
        assert.ok(said.includes(`${name} ${v.feature + 1}: ${v.message[locale]}`), `"${name} ${v.feature + 1}: ${v.message[locale]}" in: ${said}`);

      // "Fertig": refused, and the reasons under it name their rectangle too.
      await page.focus('#finish');
      await page.keyboard.press('Enter');
      await page.waitForFunction((m) => document.getElementById('finish-why').textContent.includes(m), report.violations[0].message[locale]);
      const why = await page.textContent('#finish-why');
      for (const v of own.filter((x) => x.severity === 'error'))
        assert.ok(why.includes(`${name} ${v.feature + 1}: ${v.message[locale]}`), `"${name} ${v.feature + 1}: ..." in: ${why}`);
      await ctx.close();
    });
  }
});
