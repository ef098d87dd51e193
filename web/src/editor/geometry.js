// geometry.js - shapes in true metres on a Web Mercator map: a rectangle
// from centre, width, length and rotation, and back (a proposal of the
// placement assistant arrives as a plain polygon); measures; centroids; and
// the direction of the nearest street-space edge, so a skip can be aligned
// with the kerb.
import Polygon from 'ol/geom/Polygon.js';
import { getPointResolution } from 'ol/proj.js';
import { getArea, getLength } from 'ol/sphere.js';

// Map units (EPSG:3857) per metre on the ground at c: Mercator stretches
// by 1/cos(latitude), so a 2 m skip must be drawn 3.2 units wide at 52 N.
export function unitsPerMetre(c) {
  return 1 / getPointResolution('EPSG:3857', 1, c);
}

// rot in degrees, clockwise; 0 = the long side runs west-east.
export function rectPolygon({ cx, cy, w, l, rot }) {
  const k = unitsPerMetre([cx, cy]);
  const a = (-rot * Math.PI) / 180;
  const ux = Math.cos(a), uy = Math.sin(a); // along the length
  const vx = -uy, vy = ux; // along the width
  const hl = (l / 2) * k, hw = (w / 2) * k;
  const pts = [
    [-hl, -hw],
    [hl, -hw],
    [hl, hw],
    [-hl, hw],
  ].map(([p, q]) => [cx + p * ux + q * vx, cy + p * uy + q * vy]);
  pts.push(pts[0]);
  return new Polygon([pts]);
}

// The rectangle a polygon is ({cx, cy, w, l, rot} as rectPolygon takes it,
// sizes to the centimetre, rotation to a tenth of a degree in 0..180), or
// null when it is not one: one ring of four corners with right angles and
// opposite sides equal to 5 cm (coordinates sent to 7 decimals, about 1 cm,
// bend a small rectangle by more than a relative tolerance would allow).
export function rectFromPolygon(geom) {
  if (geom?.getType() !== 'Polygon') return null;
  const rings = geom.getCoordinates();
  const ring = rings[0];
  if (rings.length !== 1 || ring.length !== 5) return null;
  const [p0, p1, p2, p3] = ring;
  const e = [[p1[0] - p0[0], p1[1] - p0[1]], [p2[0] - p1[0], p2[1] - p1[1]],
    [p3[0] - p2[0], p3[1] - p2[1]], [p0[0] - p3[0], p0[1] - p3[1]]];
  const len = e.map(([x, y]) => Math.hypot(x, y));
  if (Math.min(...len) === 0) return null;
  for (let i = 0; i < 4; i++) {
    const a = e[i], b = e[(i + 1) % 4];
    if (Math.abs(a[0] * b[0] + a[1] * b[1]) / (len[i] * len[(i + 1) % 4]) > 0.02) return null;
  }
  const cx = (p0[0] + p1[0] + p2[0] + p3[0]) / 4, cy = (p0[1] + p1[1] + p2[1] + p3[1]) / 4;
  const k = unitsPerMetre([cx, cy]);
  if (Math.abs(len[0] - len[2]) > 0.05 * k || Math.abs(len[1] - len[3]) > 0.05 * k) return null;
  const long = len[0] >= len[1] ? 0 : 1;
  const deg = (-Math.atan2(e[long][1], e[long][0]) * 180) / Math.PI;
  const rot = Math.round((((deg % 180) + 180) % 180) * 10) / 10;
  return {
    cx,
    cy,
    w: Math.round((len[1 - long] / k) * 100) / 100,
    l: Math.round((len[long] / k) * 100) / 100,
    rot: rot === 180 ? 0 : rot,
  };
}

// The centroid of a point, line or polygon (its outer ring) in map units:
// what the placement assistant is asked to search near, and what "4 m to the
// east" is measured between.
export function centroid(geom) {
  const type = geom.getType();
  if (type === 'Point') return geom.getCoordinates();
  if (type === 'LineString') {
    const c = geom.getCoordinates();
    let sx = 0, sy = 0, sl = 0;
    for (let i = 0; i + 1 < c.length; i++) {
      const l = Math.hypot(c[i + 1][0] - c[i][0], c[i + 1][1] - c[i][1]);
      sx += ((c[i][0] + c[i + 1][0]) / 2) * l;
      sy += ((c[i][1] + c[i + 1][1]) / 2) * l;
      sl += l;
    }
    return sl > 0 ? [sx / sl, sy / sl] : c[0];
  }
  const ring = type === 'Polygon' ? geom.getCoordinates()[0] : null;
  if (ring && ring.length > 3) {
    // relative to the first vertex: large Mercator numbers lose precision
    const [ox, oy] = ring[0];
    let a = 0, sx = 0, sy = 0;
    for (let i = 0; i + 1 < ring.length; i++) {
      const x0 = ring[i][0] - ox, y0 = ring[i][1] - oy, x1 = ring[i + 1][0] - ox, y1 = ring[i + 1][1] - oy;
      const cross = x0 * y1 - x1 * y0;
      a += cross;
      sx += (x0 + x1) * cross;
      sy += (y0 + y1) * cross;
    }
    if (a !== 0) return [ox + sx / (3 * a), oy + sy / (3 * a)];
  }
  const e = geom.getExtent();
  return [(e[0] + e[2]) / 2, (e[1] + e[3]) / 2];
}

// Metres and the compass direction (one of n, ne, e, se, s, sw, w, nw) from
// a to b, both in map units: "4 m to the east".
export function offsetBetween(a, b) {
  const k = unitsPerMetre([(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]);
  const dx = (b[0] - a[0]) / k, dy = (b[1] - a[1]) / k;
  const bearing = ((Math.atan2(dx, dy) * 180) / Math.PI + 360) % 360;
  const dir = ['n', 'ne', 'e', 'se', 's', 'sw', 'w', 'nw'][Math.round(bearing / 45) % 8];
  return { metres: Math.hypot(dx, dy), dir };
}

export function moveMetres(c, dxm, dym) {
  const k = unitsPerMetre(c);
  return [c[0] + dxm * k, c[1] + dym * k];
}

export function measures(geom) {
  const type = geom.getType();
  if (type === 'Polygon') return { area: getArea(geom), length: getLength(geom) };
  if (type === 'LineString') return { length: getLength(geom) };
  return {};
}

export function normRot(r) {
  return ((Math.round(r) % 360) + 360) % 360;
}

// The rotation (degrees, clockwise, 0..179) of the street-space edge
// nearest to c within maxm metres, or null.
export function nearestEdgeRotation(source, c, maxm = 12) {
  if (!source) return null;
  const k = unitsPerMetre(c);
  const r = maxm * k;
  let best = null;
  source.forEachFeatureInExtent([c[0] - r, c[1] - r, c[0] + r, c[1] + r], (f) => {
    const g = f.getGeometry();
    const rings =
      g.getType() === 'Polygon'
        ? g.getCoordinates()
        : g.getType() === 'MultiPolygon'
          ? g.getCoordinates().flat()
          : [];
    for (const ring of rings)
      for (let i = 0; i + 1 < ring.length; i++) {
        const [ax, ay] = ring[i], [bx, by] = ring[i + 1];
        const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
        if (len2 === 0) continue;
        const s = Math.max(0, Math.min(1, ((c[0] - ax) * dx + (c[1] - ay) * dy) / len2));
        const d = Math.hypot(ax + s * dx - c[0], ay + s * dy - c[1]);
        if (d <= r && (!best || d < best.d)) best = { d, dx, dy };
      }
  });
  if (!best) return null;
  const deg = (-Math.atan2(best.dy, best.dx) * 180) / Math.PI;
  return ((Math.round(deg) % 180) + 180) % 180;
}
