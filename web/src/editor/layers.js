// layers.js - what the applicant sees under the drawing: the base map (our
// vector tiles, /tiles/basemap/...) and the reference layers that matter for
// the service (street space, cycle lanes, trees, hydrants), with clearance
// rings taken from the service's distance rules, and the legend that
// explains them. Colours are calm and keep the drawing and the problems
// (strong blue, strong red) the most visible things on the map.
import VectorTileLayer from 'ol/layer/VectorTile.js';
import VectorTileSource from 'ol/source/VectorTile.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import MVT from 'ol/format/MVT.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import { bbox as bboxStrategy } from 'ol/loadingstrategy.js';
import { transformExtent, getPointResolution } from 'ol/proj.js';
import { Style, Fill, Stroke, Circle as CircleStyle, Text } from 'ol/style.js';
import CircleGeom from 'ol/geom/Circle.js';
import { num, t } from '../common/i18n.js';

const fill = (c) => new Fill({ color: c });
const stroke = (c, w, dash) => new Stroke({ color: c, width: w, lineDash: dash });

const BASE = {
  landuse: {
    residential: new Style({ fill: fill('#f1eee8') }),
    grass: new Style({ fill: fill('#dcebd4') }),
    park: new Style({ fill: fill('#d6e8cc') }),
    cemetery: new Style({ fill: fill('#d3e2cd') }),
    default: new Style({ fill: fill('#ebe8e1') }),
  },
  water: new Style({ fill: fill('#b9d5ec'), stroke: stroke('#9cc1e0', 1) }),
  buildings: new Style({ fill: fill('#ddd8d1'), stroke: stroke('#bdb5ab', 1) }),
  boundary: new Style({ stroke: stroke('#7a5c99', 2, [8, 6]) }),
};

function roadStyles(width, cls) {
  const major = ['motorway', 'trunk', 'primary', 'secondary', 'tertiary'].includes(cls);
  return [
    new Style({ stroke: stroke('#c3bcb2', width + 2), zIndex: 1 }),
    new Style({ stroke: stroke(major ? '#fff6d8' : '#ffffff', width), zIndex: 2 }),
  ];
}

// Road widths grow with the zoom, about like the real carriageways at 18+.
function roadWidth(resolution, minor) {
  const w = Math.max(1.5, Math.min(14, 6 / resolution));
  return minor ? w * 0.6 : w;
}

function baseStyle(feature, resolution) {
  const layer = feature.get('layer');
  switch (layer) {
    case 'landuse':
      return BASE.landuse[feature.get('class')] || BASE.landuse.default;
    case 'water':
      return BASE.water;
    case 'buildings':
      return BASE.buildings;
    case 'roads':
    case 'minor_roads': {
      const styles = roadStyles(roadWidth(resolution, layer === 'minor_roads'), feature.get('class'));
      const name = feature.get('name');
      if (name && resolution < 1.2)
        styles.push(
          new Style({
            text: new Text({
              text: name,
              placement: 'line',
              font: '600 12px system-ui, sans-serif',
              fill: fill('#3a3f45'),
              stroke: stroke('#ffffff', 3),
            }),
            zIndex: 3,
          }),
        );
      return styles;
    }
    case 'paths':
      return new Style({ stroke: stroke('#b59f86', 1.5, [4, 3]) });
    case 'cycleways':
      return new Style({ stroke: stroke('#8fb3dd', 1.5) });
    case 'housenumbers':
      if (resolution > 0.6) return null;
      return new Style({
        text: new Text({
          text: String(feature.get('housenumber') || ''),
          font: '11px system-ui, sans-serif',
          fill: fill('#5f5a54'),
        }),
      });
    case 'boundary':
      return BASE.boundary;
    default:
      return null;
  }
}

// The credits the importers write, in the page's language: "(c)
// OpenStreetMap contributors" reads "© OpenStreetMap-Mitwirkende" in German.
function localCredit(credit) {
  return credit
    .replace(/\(c\)/gi, '©')
    .replace(/OpenStreetMap contributors/g, t('credit_osm'))
    .replace(/Demo data: fictional, made by geoEDITOR/g, t('credit_demo'));
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
      const credit = localCredit(tj?.attribution || '');
      source.setAttributions(credit);
      const footer = document.getElementById('attribution');
      if (footer) footer.textContent = credit ? `${t('attribution')}: ${credit}` : '';
    })
    .catch(() => {});
  return new VectorTileLayer({
    declutter: true,
    source,
    style: baseStyle,
    background: '#f6f4ef',
  });
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
const OVERLAY = {
  street_space: {
    style: new Style({ fill: fill('rgba(232, 196, 92, 0.28)'), stroke: stroke('#b08a1e', 1) }),
    swatch: { fill: 'rgba(232, 196, 92, 0.5)', border: '#b08a1e' },
  },
  cycleways: {
    style: new Style({ stroke: stroke('#2f6fbf', 3) }),
    swatch: { line: '#2f6fbf' },
  },
  trees: {
    style: new Style({
      image: new CircleStyle({ radius: 5, fill: fill('#3d8b37'), stroke: stroke('#ffffff', 1.5) }),
    }),
    swatch: { dot: '#3d8b37' },
  },
  // junctions: no point of their own, only their clearance (a no-go zone)
  junctions: {
    style: new Style({
      image: new CircleStyle({ radius: 3, fill: fill('#7a1020') }),
    }),
    swatch: { fill: 'rgba(176, 0, 32, 0.14)', border: '#b00020', dashed: true },
  },
  hydrants: {
    style: new Style({
      image: new CircleStyle({ radius: 6, fill: fill('#c62828'), stroke: stroke('#ffffff', 2) }),
      zIndex: 5,
    }),
    swatch: { dot: '#c62828' },
  },
};

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
    const o = OVERLAY[id];
    const ring = rings[id];
    // every clearance is a no-go zone: drawn red, the junctions' filled
    const ringStroke = stroke(id === 'trees' ? 'rgba(61, 139, 55, 0.8)' : 'rgba(176, 0, 32, 0.75)', 1.5, [5, 4]);
    const ringFill = id === 'junctions' ? fill('rgba(176, 0, 32, 0.10)') : undefined;
    layers[id] = new VectorLayer({
      source: featureSource(id),
      minZoom: 14,
      style: (f, resolution) => {
        const g = f.getGeometry();
        // a line to keep off (a cycle lane): a red band under it
        if (nogo.has(id) && g.getType().endsWith('LineString')) return [band, o.style];
        if (!ring || g.getType() !== 'Point' || resolution > (id === 'junctions' ? 3 : 0.8)) return o.style;
        const c = g.getCoordinates();
        const k = 1 / getPointResolution('EPSG:3857', 1, c);
        return [new Style({ geometry: new CircleGeom(c, ring * k), stroke: ringStroke, fill: ringFill }), o.style];
      },
      properties: { overlay: id },
    });
  }
  return layers;
}

// The legend: one row per thing on the map, with a swatch drawn in CSS.
export function fillLegend(ul, service) {
  const used = checkedLayers(service);
  const rings = clearances(service);
  const nogo = avoided(service);
  const rows = [
    ['legend_drawing', { fill: 'rgba(0, 94, 184, 0.3)', border: '#005eb8' }],
    ['legend_selected', { fill: 'rgba(0, 94, 184, 0.3)', border: '#002d5c', thick: true }],
    ['legend_problem', { line: '#b00020', thick: true }],
    ['legend_proposal', { fill: 'rgba(255, 255, 255, 0.6)', border: '#1d2733', dashed: true, thick: true }],
  ];
  for (const id of OVERLAY_IDS)
    if (used.has(id)) rows.push([`legend_${id}`, OVERLAY[id].swatch, rings[id], nogo.has(id) && id !== 'buildings']);
  rows.push(['legend_buildings', { fill: '#ddd8d1', border: '#bdb5ab' }]);
  rows.push(['legend_boundary', { line: '#7a5c99', dashed: true }]);
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
