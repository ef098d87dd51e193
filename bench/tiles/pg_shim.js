// bench/tiles/pg_shim.js - the PostGIS peer's HTTP side, as pg_tileserv and
// Martin do it: GET /{layer}/{z}/{x}/{y} calls the per-tile SQL function
// tile_<layer>(z, x, y) (ST_AsMVTGeom + ST_AsMVT) over a connection pool on
// loopback and sends the bytes; an empty tile is 204.
// Usage: PGPORT=... PGHOST=/tmp PGDATABASE=bench node pg_shim.js PORT POOLSIZE
'use strict';
const http = require('http');
const { Pool } = require('pg');

const port = Number(process.argv[2]);
const pool = new Pool({ max: Number(process.argv[3] || 4) });
const layers = new Set(['buildings', 'roads']);

http.createServer(async (req, res) => {
  const m = /^\/([a-z]+)\/(\d+)\/(\d+)\/(\d+)$/.exec(req.url);
  if (!m || !layers.has(m[1])) {
    res.writeHead(404);
    res.end();
    return;
  }
  try {
    const r = await pool.query({
      name: 'tile_' + m[1],
      text: `SELECT tile_${m[1]}($1, $2, $3) AS t`,
      values: [Number(m[2]), Number(m[3]), Number(m[4])],
    });
    const t = r.rows[0].t;
    if (!t || t.length === 0) {
      res.writeHead(204);
      res.end();
    } else {
      res.writeHead(200, { 'Content-Type': 'application/vnd.mapbox-vector-tile', 'Content-Length': t.length });
      res.end(t);
    }
  } catch (e) {
    res.writeHead(500);
    res.end(String(e));
  }
}).listen(port, '127.0.0.1');
