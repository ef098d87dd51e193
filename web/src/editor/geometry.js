// geometry.js - shapes in true metres on a Web Mercator map: a rectangle
// from centre, width, length and rotation; measures; and the direction of
// the nearest street-space edge, so a skip can be aligned with the kerb.
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
