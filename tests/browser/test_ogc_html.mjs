// test_ogc_html.mjs - the OGC API's HTML pages in Debian's chromium against
// the real server on the demo quarter: the landing page, the collections,
// a page of features and one feature, in German (browser locale de-DE, and
// ?lang=de) and English (en-US, and ?lang=en): <html lang>, headings and
// breadcrumbs in the language, no request failing, no console error,
// axe-core finds no WCAG 2.1 AA violation on any of them; the map of the
// items and item pages draws the page's features over the base map (its
// features counted in OpenLayers, the screenshot not blank and holding the
// features' colour); the items page's screenshot is compared with the
// reviewed reference tests/screenshots/ogc-items.png (screenshots.mjs); a
// click on a feature of the map opens its page; on a phone's width no page
// is wider than the screen.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SLOW, axeBuilder, launchBrowser, skipReason, startServer } from './support.mjs';
import { checkScreenshot, imageStats, pngPixels } from './screenshots.mjs';

const SRC = process.env.GE_SOURCE_DIR || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const manifest = path.join(SRC, 'web/dist/.vite/manifest.json');
const skip = skipReason() || (existsSync(manifest) ? false : `${manifest} is missing (scripts/setup builds the front end)`);
if (skip) console.log(`SKIP: ${skip}`);

const TEXT = {
  de: { collections: 'Referenzebenen', features: 'Bäume: Objekte', feature: 'Bäume: Objekt 3', crumb: 'Brotkrümelnavigation', other: 'English' },
  en: { collections: 'Reference layers', features: 'Bäume: features', feature: 'Bäume: feature 3', crumb: 'Breadcrumb', other: 'Deutsch' },
};

describe('OGC API HTML pages', { skip }, () => {
  let srv, browser;

  before(async () => {
    srv = await startServer('ogc-html');
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  // A tab in the locale, recording failed requests and console errors.
  async function open(locale, url) {
    const ctx = await browser.newContext({
      locale: locale === 'de' ? 'de-DE' : 'en-US',
      viewport: { width: 1000, height: 800 },
      deviceScaleFactor: 1,
    });
    const page = await ctx.newPage();
    const problems = [];
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    page.on('requestfailed', (r) => problems.push(`failed ${r.url()}: ${r.failure()?.errorText}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    await page.goto(`${srv.base}${url}`);
    return { page, problems };
  }

  async function axeClean(page, label) {
    const AxeBuilder = axeBuilder();
    const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    assert.deepEqual(
      result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
      [],
      `axe violations (${label})`,
    );
  }

  // The map has drawn: data-ready set by web/src/ogc/main.js after its first
  // complete render with the features.
  async function mapReady(page) {
    await page.waitForSelector('#map[data-ready]', { timeout: 60000 * SLOW });
    assert.equal(await page.getAttribute('#map', 'data-ready'), 'true');
  }

  const pages = (lang) => [
    { url: '/?f=html', h1: 'geoEDITOR' },
    { url: '/collections?f=html', h1: TEXT[lang].collections },
    { url: '/collections/trees/items?f=html&limit=20', h1: TEXT[lang].features, map: true },
    { url: '/collections/trees/items/3?f=html', h1: TEXT[lang].feature, map: true },
  ];

  for (const lang of ['de', 'en']) {
    test(`the pages in ${lang === 'de' ? 'German' : 'English'} by the browser's language and by ?lang=, axe-clean`, { timeout: 300000 * SLOW }, async () => {
      for (const how of ['locale', 'param']) {
        for (const p of pages(lang)) {
          // by ?lang= the browser's locale is the other language
          const locale = how === 'locale' ? lang : lang === 'de' ? 'en' : 'de';
          const url = how === 'locale' ? p.url : `${p.url}&lang=${lang}`;
          const { page, problems } = await open(locale, url);
          const label = `${url} in ${locale}`;
          assert.equal(await page.getAttribute('html', 'lang'), lang, label);
          assert.equal((await page.textContent('h1')).trim(), p.h1, label);
          assert.equal(await page.getAttribute('nav.crumbs', 'aria-label'), TEXT[lang].crumb, label);
          assert.equal((await page.textContent('nav.lang a')).trim(), TEXT[lang].other, label);
          if (p.map) await mapReady(page);
          await axeClean(page, label);
          assert.deepEqual(problems, [], label);
          await page.context().close();
        }
      }
    });
  }

  test('the items page: its features on the map over the base map, compared with the reference', { timeout: 120000 * SLOW }, async () => {
    const { page, problems } = await open('de', '/collections/trees/items?f=html&limit=20');
    await mapReady(page);
    // the layer of the page's features holds the 20 trees of the table
    const rows = await page.locator('table.list tbody tr').count();
    assert.equal(rows, 20);
    const tiles = await page.evaluate(() => performance.getEntriesByType('resource')
      .filter((e) => e.name.includes('/tiles/basemap/WebMercatorQuad/')).length);
    assert.ok(tiles > 0, 'base map tiles were loaded');

    const { png } = await checkScreenshot(page, 'ogc-items');
    const map = await page.locator('#map').boundingBox();
    const { data: d } = await pngPixels(png, map);
    let ink = 0;
    for (let i = 0; i < d.length; i += 4) {
      // the features' magenta (#b0125b)
      if (Math.abs(d[i] - 0xb0) < 24 && Math.abs(d[i + 1] - 0x12) < 24 && Math.abs(d[i + 2] - 0x5b) < 24) ink++;
    }
    const stats = { ...imageStats(d), ink };
    assert.ok(stats.colours > 50, `only ${stats.colours} colours in the map: it looks blank`);
    assert.ok(stats.variance > 20, `luminance variance ${stats.variance.toFixed(1)}: the map looks blank`);
    // 20 dots of radius 6: about 20 * 80 pixels of their colour
    assert.ok(stats.ink > 20 * 40, `only ${stats.ink} pixels in the features' colour`);
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  test('on a phone the pages are as wide as the screen: tables scroll inside their box', { timeout: 120000 * SLOW }, async () => {
    for (const url of ['/collections?f=html', '/collections/buildings/items?f=html&limit=20', '/collections/trees/items/3?f=html']) {
      const ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 390, height: 800 }, deviceScaleFactor: 1 });
      const page = await ctx.newPage();
      await page.goto(`${srv.base}${url}`);
      if (url.includes('/items')) await mapReady(page);
      const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
      assert.ok(scroll <= client, `${url}: the page is ${scroll} px wide in a ${client} px window`);
      await ctx.close();
    }
  });

  test('a click on a feature of the map opens its page', { timeout: 120000 * SLOW }, async () => {
    const { page, problems } = await open('de', '/collections/trees/items?f=html&limit=1&lang=de');
    await mapReady(page);
    // one tree, fitted: it sits in the middle of the map
    const box = await page.locator('#map').boundingBox();
    await Promise.all([
      page.waitForURL(/\/collections\/trees\/items\/1\?f=html&lang=de$/, { timeout: 30000 * SLOW }),
      page.mouse.click(box.x + box.width / 2, box.y + box.height / 2),
    ]);
    assert.equal((await page.textContent('h1')).trim(), TEXT.de.feature.replace('3', '1'));
    await mapReady(page);
    assert.deepEqual(problems, []);
    await page.context().close();
  });
});
