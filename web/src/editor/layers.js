// layers.js - what the applicant sees under the drawing: the base map (our
// vector tiles, /tiles/basemap/...) and the reference layers that matter for
// the service (street space, cycle lanes, trees, hydrants), both painted by
// the server's own MapLibre styles (GET /styles/basemap and
// /styles/overlays, from styles/, applied by ol-mapbox-style as the review
// app does), so that the editor, the review app and a geoportal show the
// same map. The editor's own feedback stays drawn here: the clearance rings
// taken from the service's distance rules, the red band under lines to keep
// off, the junctions' no-go zones, and the legend that explains them (its
// swatches read from the same styles).
import VectorTileLayer from 'ol/layer/VectorTile.js';
import VectorTileSource from 'ol/source/VectorTile.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import MVT from 'ol/format/MVT.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import { bbox as bboxStrategy } from 'ol/loadingstrategy.js';
import { transformExtent, getPointResolution } from 'ol/proj.js';
import { Style, Fill, Stroke, Circle as CircleStyle } from 'ol/style.js';
import CircleGeom from 'ol/geom/Circle.js';
import { applyBackground, applyStyle, stylefunction } from 'ol-mapbox-style';
import { num, t } from '../common/i18n.js';
import { localCredit } from '../common/credit.js';

const fill = (c) => new Fill({ color: c });
const stroke = (c, w, dash) => new Stroke({ color: c, width: w, lineDash: dash });

// The style documents, fetched once each.
const styleDocs = {};
export function styleDoc(name) {
  styleDocs[name] ??= fetch(`/styles/${name}`, { headers: { Accept: 'application/json' } }).then((r) => {
    if (!r.ok) throw new Error(`/styles/${name}: ${r.status}`);
    return r.json();
  });
  return styleDocs[name];
}

// The credit comes from the data itself (the base map's TileJSON carries the
// attribution of the imported layers): OSM data says so, a city's own or the
// fictional demo data says what it is.
export function baseLayer() {
  const source = new VectorTileSource({
    format: new MVT(),
    url: '/tiles/basemap/WebMercatorQuad/{z}/{y}/{x}',
    maxZoom: 17,
  });
  fetch('/tiles/basemap/WebMercatorQuad', { headers: { Accept: 'application/json' } })
    .then((r) => (r.ok ? r.json() : null))
    .then((tj) => {
      const credit = localCredit(tj?.attribution || '', t);
      source.setAttributions(credit);
      const footer = document.getElementById('attribution');
      if (footer) footer.textContent = credit ? `${t('attribution')}: ${credit}` : '';
    })
    .catch(() => {});
  // nothing is painted until the style is there (never OpenLayers' default)
  const layer = new VectorTileLayer({ declutter: true, source, style: null, background: '#f6f4ef' });
  styleDoc('basemap')
    .then((gl) => Promise.all([
      applyStyle(layer, gl, { source: 'basemap', updateSource: false }),
      applyBackground(layer, gl),
    ]))
    .catch((e) => console.warn('base map style', e)); // the drawing still works without it
  return layer;
}

// The service's clearance around a layer's items, for the rings: the
// rules' zones as GET /v1/services describes them (never their params).
export function clearances(service) {
  const out = {};
  for (const r of service?.rules || [])
    if (r.zone?.type === 'clearance' && r.zone.distance_m)
      for (const l of r.zone.layers) out[l] = Math.max(out[l] || 0, r.zone.distance_m);
  return out;
}

// The layers the service's drawings must keep off (zone "avoid"): their
// lines are no-go zones and drawn as such.
export function avoided(service) {
  const s = new Set();
  for (const r of service?.rules || []) if (r.zone?.type === 'avoid') for (const l of r.zone.layers) s.add(l);
  return s;
}

// Which reference layers the service's zones name (so only those are shown).
export function checkedLayers(service) {
  const s = new Set();
  for (const r of service?.rules || []) for (const l of r.zone?.layers || []) s.add(l);
  return s;
}

const OVERLAY_IDS = ['street_space', 'cycleways', 'junctions', 'trees', 'hydrants'];
// junctions have no style of their own in styles/: no point to show, only
// their clearance (a no-go zone), which is the editor's own
const JUNCTION = new Style({ image: new CircleStyle({ radius: 3, fill: fill('#7a1020') }) });
const NOGO = { fill: 'rgba(176, 0, 32, 0.14)', border: '#b00020', dashed: true };

// A reference layer as GeoJSON from the Features API, loaded per view
// extent: features (not only pictures) are needed for snapping and for
// aligning a rectangle with the nearest street edge.
function featureSource(id) {
  const format = new GeoJSON({ dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });
  const source = new VectorSource({
    format,
    strategy: bboxStrategy,
    loader: async (extent, resolution, projection, success, failure) => {
      const b = transformExtent(extent, projection, 'EPSG:4326').map((v) => v.toFixed(6));
      try {
        const res = await fetch(`/collections/${id}/items?limit=5000&bbox=${b.join(',')}`);
        if (!res.ok) throw new Error(String(res.status));
        const feats = format.readFeatures(await res.json());
        // the style's layer for these features (as a tile's layer name would be)
        for (const f of feats) f.set('mvt:layer', id, true);
        source.addFeatures(feats);
        success(feats);
      } catch {
        source.removeLoadedExtent(extent);
        failure();
      }
    },
  });
  return source;
}

export function overlayLayers(service) {
  const used = checkedLayers(service);
  const rings = clearances(service);
  const nogo = avoided(service);
  const band = new Style({ stroke: stroke('rgba(176, 0, 32, 0.28)', 10) });
  const layers = {};
  for (const id of OVERLAY_IDS) {
    if (!used.has(id)) continue;
    const ring = rings[id];
    // every clearance is a no-go zone: drawn red, the junctions' filled
    const ringStroke = stroke(id === 'trees' ? 'rgba(61, 139, 55, 0.8)' : 'rgba(176, 0, 32, 0.75)', 1.5, [5, 4]);
    const ringFill = id === 'junctions' ? fill('rgba(176, 0, 32, 0.10)') : undefined;
    // the editor's feedback under the feature as the style paints it
    const own = (f, resolution) => {
      const g = f.getGeometry();
      // a line to keep off (a cycle lane): a red band under it
      if (nogo.has(id) && g.getType().endsWith('LineString')) return [band];
      if (!ring || g.getType() !== 'Point' || resolution > (id === 'junctions' ? 3 : 0.8)) return [];
      const c = g.getCoordinates();
      const k = 1 / getPointResolution('EPSG:3857', 1, c);
      return [new Style({ geometry: new CircleGeom(c, ring * k), stroke: ringStroke, fill: ringFill })];
    };
    const layer = new VectorLayer({
      source: featureSource(id),
      minZoom: 14,
      style: id === 'junctions' ? (f, r) => [...own(f, r), JUNCTION] : (f, r) => own(f, r),
      properties: { overlay: id },
    });
    if (id !== 'junctions')
      styleDoc('overlays')
        .then((gl) => {
          if (!gl.layers.some((l) => l.source === id)) return;
          const painted = stylefunction(layer, gl, id);
          layer.setStyle((f, r) => [...own(f, r), ...(painted(f, r) || [])]);
        })
        .catch((e) => console.warn('overlay style', e));
    layers[id] = layer;
  }
  return layers;
}

// A legend swatch from the style's paint of a layer (colours only; the
// opacity folded into the fill, as the map shows it).
function swatchOf(gl) {
  const p = gl?.paint || {};
  const rgba = (c, a = 1) => {
    const m = /^#([0-9a-f]{6})$/i.exec(typeof c === 'string' ? c : '');
    if (!m) return c;
    const n = parseInt(m[1], 16);
    return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
  };
  const opacity = (v) => (typeof v === 'number' ? v : 1);
  if (gl?.type === 'circle') return { dot: rgba(p['circle-color'], opacity(p['circle-opacity'])) };
  if (gl?.type === 'line') return { line: p['line-color'], dashed: Array.isArray(p['line-dasharray']) };
  if (gl?.type === 'fill')
    // a faint fill reads better in the legend at twice its opacity
    return { fill: rgba(p['fill-color'], Math.min(1, 2 * opacity(p['fill-opacity']))), border: p['fill-outline-color'] || p['fill-color'] };
  return null;
}

// The legend: one row per thing on the map, with a swatch drawn in CSS.
export async function fillLegend(ul, service) {
  const [base, over] = await Promise.all([styleDoc('basemap').catch(() => null), styleDoc('overlays').catch(() => null)]);
  const glLayer = (doc, id) => doc?.layers.find((l) => l.id === id);
  const used = checkedLayers(service);
  const rings = clearances(service);
  const nogo = avoided(service);
  const rows = [
    ['legend_drawing', { fill: 'rgba(0, 94, 184, 0.3)', border: '#005eb8' }],
    ['legend_selected', { fill: 'rgba(0, 94, 184, 0.3)', border: '#002d5c', thick: true }],
    ['legend_problem', { line: '#b00020', thick: true }],
    ['legend_proposal', { fill: 'rgba(255, 255, 255, 0.6)', border: '#1d2733', dashed: true, thick: true }],
  ];
  for (const id of OVERLAY_IDS) {
    if (!used.has(id)) continue;
    const sw = id === 'junctions' ? NOGO : swatchOf(glLayer(over, id));
    if (sw) rows.push([`legend_${id}`, sw, rings[id], nogo.has(id) && id !== 'buildings']);
  }
  const buildings = swatchOf(glLayer(base, 'buildings'));
  const boundary = swatchOf(glLayer(base, 'boundary'));
  if (buildings) rows.push(['legend_buildings', buildings]);
  if (boundary) rows.push(['legend_boundary', boundary]);
  ul.replaceChildren();
  for (const [key, sw, ring, keepOff] of rows) {
    const li = document.createElement('li');
    const s = document.createElement('span');
    s.className = 'swatch';
    s.setAttribute('aria-hidden', 'true');
    if (sw.dot) {
      s.classList.add('dot');
      s.style.background = sw.dot;
    } else if (sw.line) {
      s.classList.add('line');
      s.style.borderTopColor = sw.line;
      if (sw.dashed) s.style.borderTopStyle = 'dashed';
      if (sw.thick) s.style.borderTopWidth = '4px';
    } else {
      s.style.background = sw.fill;
      s.style.borderColor = sw.border;
      if (sw.thick) s.style.borderWidth = '3px';
      if (sw.dashed) s.style.borderStyle = 'dashed';
    }
    const note = ring ? ` (${num(ring, 2)} m)` : keepOff ? ` (${t('keep_clear')})` : '';
    li.append(s, document.createTextNode(t(key) + note));
    ul.append(li);
  }
}
