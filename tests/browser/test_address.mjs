// test_address.mjs - the editor's address search in Debian's chromium
// against the real server on the demo quarter, with the keyboard alone: Tab
// to the field, type, ArrowDown/ArrowUp through the suggestions (the WAI-ARIA
// combobox states follow), Enter centres the map on the address and the live
// region says so, Escape closes the list; axe-core finds no WCAG 2.1 AA
// violation while the suggestions are open, in German and English.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SLOW, axeBuilder, futurePeriod, launchBrowser, skipReason, startServer } from './support.mjs';

const reason = skipReason();
if (reason) console.log(`# SKIP browser address tests: ${reason}`);
const T = 30000 * SLOW;

// metres between two CRS84 points (equirectangular; fine over a few km)
function metres([lon1, lat1], [lon2, lat2]) {
  const k = Math.PI / 180;
  const x = (lon2 - lon1) * k * Math.cos(((lat1 + lat2) / 2) * k);
  const y = (lat2 - lat1) * k;
  return Math.hypot(x, y) * 6371008.8;
}

describe('editor address search', { skip: reason || false, timeout: 600000 }, () => {
  let srv, browser, key;
  const period = futurePeriod();

  before(async () => {
    srv = await startServer('address');
    key = srv.addClient('address-form', ['http://127.0.0.1:9']);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
    assert.doesNotMatch(srv?.log() || '', /AddressSanitizer|LeakSanitizer|runtime error:/);
  });

  async function openEditor(locale) {
    const draft = await (await fetch(`${srv.base}/v1/drafts`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ service: 'skip-container', reference: `ADDR-${locale}`, locale, period }),
    })).json();
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    page.setDefaultTimeout(T);
    await page.goto(draft.editor_url);
    await page.waitForSelector('body[data-ready="1"]');
    return page;
  }

  const centre = (page) =>
    page.evaluate(() => {
      const [x, y] = window.geoeditor.map.getView().getCenter();
      const lon = (x / 6378137) * (180 / Math.PI);
      const lat = (2 * Math.atan(Math.exp(y / 6378137)) - Math.PI / 2) * (180 / Math.PI);
      return [lon, lat];
    });

  const attr = (page, sel, name) => page.$eval(sel, (el, n) => el.getAttribute(n), name);

  test('keyboard only: type, choose with the arrows, Enter centres the map', async () => {
    const want = await (await fetch(`${srv.base}/v1/addresses?q=Lindenallee%202&limit=1`)).json();
    const target = [want.addresses[0].lon, want.addresses[0].lat];
    assert.equal(want.addresses[0].label, 'Lindenallee 2');

    const page = await openEditor('de');
    const before = await centre(page);
    assert.ok(metres(before, target) > 50, 'the map starts away from the address');

    // Tab to the field, as a keyboard user would
    let found = false;
    for (let i = 0; i < 60 && !found; i++) {
      await page.keyboard.press('Tab');
      found = await page.evaluate(() => document.activeElement?.id === 'address');
    }
    assert.ok(found, 'Tab reaches the address field');
    assert.equal(await attr(page, '#address', 'role'), 'combobox');
    assert.equal(await attr(page, '#address', 'aria-expanded'), 'false');
    assert.equal(await attr(page, '#address', 'aria-controls'), 'address-list');
    assert.equal(await page.textContent('label[for="address"]'), 'Straße und Hausnummer');

    await page.keyboard.type('lindenallee 2');
    await page.waitForSelector('#address[aria-expanded="true"]');
    const options = await page.$$eval('#address-list [role="option"]', (els) => els.map((e) => e.textContent));
    assert.ok(options.length >= 2, `suggestions: ${options}`);
    assert.match(options[0], /^Lindenallee 2 /);
    assert.match(options[1], /^Lindenallee 21 /);
    assert.match(await page.textContent('#address-status'), /^\d+ Adressen gefunden; /);

    // down twice, up once: the first option is active
    await page.keyboard.press('ArrowDown');
    assert.equal(await attr(page, '#address', 'aria-activedescendant'), 'address-list-0');
    await page.keyboard.press('ArrowDown');
    assert.equal(await attr(page, '#address', 'aria-activedescendant'), 'address-list-1');
    assert.equal(await attr(page, '#address-list-1', 'aria-selected'), 'true');
    assert.equal(await attr(page, '#address-list-0', 'aria-selected'), 'false');
    await page.keyboard.press('ArrowUp');
    assert.equal(await attr(page, '#address', 'aria-activedescendant'), 'address-list-0');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'address', 'focus stays in the field');

    await page.keyboard.press('Enter');
    assert.equal(await attr(page, '#address', 'aria-expanded'), 'false');
    assert.equal(await attr(page, '#address', 'aria-activedescendant'), null);
    assert.equal(await page.inputValue('#address'), 'Lindenallee 2');
    const after = await centre(page);
    assert.ok(metres(after, target) < 1, `map centre ${after} is ${metres(after, target)} m from ${target}`);
    await page.waitForFunction(() => document.getElementById('announcer').textContent.includes('Lindenallee 2'));

    // Escape closes an open list and keeps the text; a second Escape clears it
    await page.fill('#address', '');
    await page.keyboard.type('Hauptstr');
    await page.waitForSelector('#address[aria-expanded="true"]');
    await page.keyboard.press('Escape');
    assert.equal(await attr(page, '#address', 'aria-expanded'), 'false');
    assert.ok(await page.$eval('#address-list', (el) => el.hidden));
    assert.equal(await page.inputValue('#address'), 'Hauptstr');
    await page.keyboard.press('Escape');
    assert.equal(await page.inputValue('#address'), '');

    // nothing found is said, not shown as an empty list
    await page.keyboard.type('Zzyzxweg');
    await page.waitForFunction(() => document.getElementById('address-status').textContent.length > 0);
    assert.equal(await page.textContent('#address-status'), 'Keine Adresse gefunden.');
    assert.equal(await attr(page, '#address', 'aria-expanded'), 'false');
    await page.context().close();
  });

  test('axe-core: no WCAG 2.1 AA violations with the suggestions open, German and English', async () => {
    const AxeBuilder = axeBuilder();
    for (const locale of ['de', 'en']) {
      const page = await openEditor(locale);
      await page.focus('#address');
      await page.keyboard.type('Am Ang');
      await page.waitForSelector('#address[aria-expanded="true"]');
      await page.keyboard.press('ArrowDown');
      if (locale === 'en') assert.equal(await page.textContent('label[for="address"]'), 'Street and house number');
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
});
