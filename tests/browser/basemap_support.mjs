// basemap_support.mjs - what the base map browser test needs beyond
// support.mjs: the real geoeditor server over the shared OSM extract
// (../shared/data, imported by "geoeditor import" into a scratch store, base
// map MBTiles included), and a small page on its own loopback origin that
// loads OpenLayers and ol-mapbox-style from web/node_modules as their
// browser bundles and applies the server's styles, the way a municipal
// geoportal would.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SRC = process.env.GE_SOURCE_DIR || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.GE_BINARY || path.join(SRC, 'build/geoeditor');
const TMP = process.env.GE_TEST_TMP || path.join(SRC, 'build/test-tmp');
const SHARED = process.env.GE_SHARED_DATA || path.join(SRC, '../shared/data');
export const OSM = path.join(SHARED, 'berlin-borsigwalde.osm.pbf');
export const SLOW = /asan|sanitize/i.test(BIN) ? 4 : 1;

export function basemapSkipReason() {
  if (!existsSync('/usr/bin/chromium')) return '/usr/bin/chromium is not installed (Debian package chromium)';
  for (const p of ['playwright-core', 'ol/dist/ol.js', 'ol-mapbox-style/dist/olms.js'])
    if (!existsSync(path.join(SRC, 'web/node_modules', p))) return `web/node_modules/${p} is missing (scripts/setup runs npm ci)`;
  if (!existsSync(OSM)) return `${OSM} is absent (the shared OSM extract)`;
  if (!existsSync(BIN)) return `${BIN} is not built`;
  return null;
}

// The shared extract in a scratch store, served on a free loopback port.
export async function startExtractServer(name) {
  const dir = path.join(TMP, `browser-${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const db = path.join(dir, 'store.db');
  execFileSync(BIN, ['import', '--quiet', '--db', db, OSM], { stdio: ['ignore', 'ignore', 'pipe'] });
  const child = spawn(BIN, ['serve', '--db', db, '--port', '0', '--bind', '127.0.0.1',
    '--data-dir', path.join(SRC, 'data')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 30000 * SLOW);
    child.stderr.on('data', (d) => {
      log += d;
      const m = log.match(/"listening"[^\n]*"port":(\d+)|"port":(\d+)[^\n]*"listening"/);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1] || m[2]));
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${log}`)));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    dir,
    log: () => log,
    async stop() {
      if (child.exitCode !== null) return;
      const done = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      await done;
    },
  };
}

const PAGE = `<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Basiskarte</title>
<link rel="stylesheet" href="/ol.css">
<style>html,body{margin:0}#map{width:900px;height:640px}</style>
<script src="/ol.js"></script><script src="/olms.js"></script></head>
<body><div id="map"></div>
<script>
(async () => {
  const q = new URLSearchParams(location.search);
  const api = q.get('api');
  const view = new ol.View({ center: ol.proj.fromLonLat([Number(q.get('lon')), Number(q.get('lat'))]), zoom: Number(q.get('z')) });
  const map = new ol.Map({ target: 'map', view });
  try {
    for (const id of (q.get('styles') || 'basemap').split(',')) {
      if (q.get('nolabels') === '1') {
        // the same style without its label layers, to tell what the labels draw
        const doc = await (await fetch(api + '/styles/' + id)).json();
        doc.layers = doc.layers.filter((l) => l.type !== 'symbol');
        await olms.apply(map, doc);
      } else {
        await olms.apply(map, api + '/styles/' + id);
      }
    }
    // a style may carry its own centre and zoom: the test asks for this view
    view.setCenter(ol.proj.fromLonLat([Number(q.get('lon')), Number(q.get('lat'))]));
    view.setZoom(Number(q.get('z')));
    map.once('rendercomplete', () => { window.mapDone = true; });
    map.render();
  } catch (e) {
    window.mapError = String(e && e.stack || e);
  }
})();
</script></body></html>`;

// The page and the two browser bundles, on a second loopback origin.
export function startPageServer() {
  const nm = path.join(SRC, 'web/node_modules');
  const files = {
    '/ol.js': [path.join(nm, 'ol/dist/ol.js'), 'text/javascript'],
    '/olms.js': [path.join(nm, 'ol-mapbox-style/dist/olms.js'), 'text/javascript'],
    '/ol.css': [path.join(nm, 'ol/ol.css'), 'text/css'],
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return res.end(PAGE);
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      return res.end();
    }
    const f = files[url.pathname];
    if (!f || !existsSync(f[0])) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'Content-Type': f[1] });
    res.end(readFileSync(f[0]));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => server.close(r)),
  })));
}
