// bench/tiles/cold.js - asks for every tile of a list exactly once over
// CONNS keep-alive connections and prints "tiles/s p99_ms". wrk cannot do
// a single pass (it always runs for its full duration), so the cold runs use
// this driver for both servers.
// Usage: node cold.js BASE TEMPLATE LIST CONNS
'use strict';
const http = require('http');
const fs = require('fs');

const [base, template, list, conns] = process.argv.slice(2);
const url = new URL(base);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(conns) });
const paths = fs.readFileSync(list, 'utf8').split('\n').filter(Boolean).map((l) => {
  const [layer, z, y, x] = l.split('/');
  return template.replace('{layer}', layer).replace('{z}', z).replace('{y}', y).replace('{x}', x);
});
const lat = [];
let next = 0;
let failed = 0;

function get(path) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    http.get({ host: url.hostname, port: url.port, path, agent }, (res) => {
      res.on('data', () => {});
      res.on('end', () => {
        if (res.statusCode !== 200 && res.statusCode !== 204) failed++;
        lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
        resolve();
      });
    }).on('error', () => { failed++; resolve(); });
  });
}

async function worker() {
  while (next < paths.length) await get(paths[next++]);
}

(async () => {
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Number(conns) }, worker));
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  lat.sort((a, b) => a - b);
  if (failed) console.error(`unexpected status on ${failed} tiles`);
  console.log(`${Math.round(paths.length / s)} ${lat[Math.floor(lat.length * 0.99)].toFixed(2)}`);
  agent.destroy();
  process.exit(failed ? 1 : 0);
})();
