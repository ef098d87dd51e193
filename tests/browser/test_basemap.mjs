// test_basemap.mjs - the base map and the reference overlays in a real
// browser: OpenLayers + ol-mapbox-style (the geoportal stack) in Debian's
// chromium apply GET /styles/basemap and /styles/overlays of the real
// server over the shared OSM extract. Every tile and TileJSON request must
// succeed (200, or 204 for an empty tile), the screenshot must not be blank
// (many colours, pixel variance), and the style's source layers must be
// layers the base map tiles really have. Street names and house numbers are
// drawn (dark label pixels that the same view without the label layers
// lacks), with fonts from the server only. The screenshots go to
// build/test-screenshots and are compared with the reviewed references
// tests/screenshots/basemap.png and basemap-labels.png (screenshots.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { launchBrowser } from './support.mjs';
import { checkScreenshot, imageStats, pngPixels } from './screenshots.mjs';
import { basemapSkipReason, startExtractServer, startPageServer, SRC, SLOW } from './basemap_support.mjs';

const skip = basemapSkipReason() || false;
if (skip) console.log(`SKIP: ${skip}`);

let srv, page, browser;

before(async () => {
  if (skip) return;
  srv = await startExtractServer('basemap');
  page = await startPageServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await page?.close();
  await srv?.stop();
});

test('the base map style names only layers the base map tiles have', { skip }, async () => {
  const tj = await (await fetch(`${srv.base}/tiles/basemap/WebMercatorQuad`)).json();
  const have = new Set(tj.vector_layers.map((l) => l.id));
  const style = JSON.parse(readFileSync(path.join(SRC, 'styles/basemap.json'), 'utf8'));
  for (const l of style.layers) {
    if (!l['source-layer']) continue;
    // pedestrian areas and paths are optional in an extract; the rest must be there
    if (['paths', 'pedestrian_areas'].includes(l['source-layer']) && !have.has(l['source-layer'])) continue;
    assert.ok(have.has(l['source-layer']), `layer ${l.id}: the tiles have no "${l['source-layer']}"`);
  }
  const overlays = JSON.parse(readFileSync(path.join(SRC, 'styles/overlays.json'), 'utf8'));
  for (const l of overlays.layers) {
    const res = await fetch(`${srv.base}/collections/${l['source-layer']}/tiles/WebMercatorQuad`);
    assert.equal(res.status, 200, `overlay ${l.id}: no tileset ${l['source-layer']}`);
  }
});

test('OpenLayers draws the base map and overlays, every tile request succeeds', { skip, timeout: 120000 * SLOW }, async () => {
  const ctx = await browser.newContext({ viewport: { width: 900, height: 640 }, deviceScaleFactor: 1 });
  const tab = await ctx.newPage();
  const responses = [];
  const failed = [];
  const consoleErrors = [];
  tab.on('response', (r) => {
    if (r.url().startsWith(srv.base)) responses.push({ url: r.url(), status: r.status() });
  });
  tab.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  tab.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  const q = new URLSearchParams({ api: srv.base, styles: 'basemap,overlays', lon: '13.3105', lat: '52.5842', z: '16.5' });
  await tab.goto(`${page.origin}/?${q}`);
  await tab.waitForFunction(() => window.mapDone || window.mapError, null, { timeout: 90000 * SLOW });
  assert.equal(await tab.evaluate(() => window.mapError || null), null);

  const tiles = responses.filter((r) => /\/tiles\/|\/WebMercatorQuad/.test(r.url));
  const bad = responses.filter((r) => r.status >= 400).map((r) => `${r.status} ${r.url}`);
  assert.deepEqual(bad, [], 'no request to the server failed');
  assert.deepEqual(failed, [], 'no request failed on the network');
  assert.ok(tiles.some((r) => r.url.includes('/tiles/basemap/WebMercatorQuad/') && r.status === 200), 'base map tiles were loaded');
  for (const id of ['street_space', 'hydrants', 'trees'])
    assert.ok(tiles.some((r) => r.url.includes(`/collections/${id}/tiles/WebMercatorQuad/`)), `${id} tiles were asked for`);
  assert.deepEqual(consoleErrors, []);

  const { png: shot } = await checkScreenshot(tab.locator('#map'), 'basemap');
  // Decode the screenshot and measure it.
  const { width, height, data } = await pngPixels(shot);
  const stats = { width, height, ...imageStats(data) };
  assert.equal(stats.width, 900);
  assert.equal(stats.height, 640);
  assert.ok(stats.colours > 200, `only ${stats.colours} colours: the map looks blank`);
  assert.ok(stats.variance > 50, `luminance variance ${stats.variance.toFixed(1)}: the map looks blank`);
  await ctx.close();
});

// Dark pixels (luminance under 110) of a PNG: the labels' text is the only
// dark ink of the base map style.
async function darkPixels(png) {
  const { data: d } = await pngPixels(png);
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2] < 110) n++;
  return n;
}

test('street names and house numbers are drawn, with fonts from the server only', { skip, timeout: 120000 * SLOW }, async () => {
  const shots = {};
  for (const nolabels of ['0', '1']) {
    const ctx = await browser.newContext({ viewport: { width: 900, height: 640 }, deviceScaleFactor: 1 });
    const tab = await ctx.newPage();
    const responses = [];
    const elsewhere = [];
    tab.on('request', (r) => {
      const u = new URL(r.url());
      if (u.origin !== srv.base && u.origin !== page.origin && u.protocol !== 'data:') elsewhere.push(r.url());
    });
    tab.on('response', (r) => responses.push({ url: r.url(), status: r.status() }));
    const q = new URLSearchParams({ api: srv.base, styles: 'basemap', lon: '13.3105', lat: '52.5842', z: '18', nolabels });
    await tab.goto(`${page.origin}/?${q}`);
    await tab.waitForFunction(() => window.mapDone || window.mapError, null, { timeout: 90000 * SLOW });
    assert.equal(await tab.evaluate(() => window.mapError || null), null);
    // ol-mapbox-style asks the style's ol:webfonts template: our server, never a CDN
    assert.deepEqual(elsewhere, [], 'no request left the two test origins');
    assert.deepEqual(responses.filter((r) => r.status >= 400).map((r) => `${r.status} ${r.url}`), []);
    if (nolabels === '0')
      assert.ok(responses.some((r) => r.url === `${srv.base}/fonts/noto-sans/400.css` && r.status === 200),
        'the label font was declared by the server');
    shots[nolabels] = nolabels === '0'
      ? (await checkScreenshot(tab.locator('#map'), 'basemap-labels')).png
      : await tab.locator('#map').screenshot();
    await ctx.close();
  }
  const withLabels = await darkPixels(shots['0']);
  const without = await darkPixels(shots['1']);
  assert.ok(without < 200, `${without} dark pixels without labels: the style has other dark ink`);
  console.log(`dark pixels: ${withLabels} with labels, ${without} without`);
  assert.ok(withLabels > without + 500, `labels drew only ${withLabels - without} dark pixels`);
});
