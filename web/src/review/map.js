// map.js - the review app's maps: the base map and the reference overlays
// from the server's own MapLibre styles (GET /styles/basemap and
// /styles/overlays, applied by ol-mapbox-style, as a municipal geoportal
// would), the cases coloured by status, and for one case its features and
// the conflicting cases in a distinct (dashed) style.
//
// The cases of the list map come from the authorised vector tile layer
// /collections/cases/tiles/WebMercatorQuad/{z}/{y}/{x} (session cookie).
// The tiles carry every case the caseworker may see; the map shows only the
// ones the list shows (client-side filter on case_id), so list and map
// always agree. Where the server has no case tiles (older server) the same
// layer is filled from GET /v1/cases/{id}/features of the listed cases.
import Map from 'ol/Map.js';
import View from 'ol/View.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import VectorTileLayer from 'ol/layer/VectorTile.js';
import VectorTileSource from 'ol/source/VectorTile.js';
import MVT from 'ol/format/MVT.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import Point from 'ol/geom/Point.js';
import { fromLonLat, transformExtent } from 'ol/proj.js';
import { createEmpty, extend, isEmpty } from 'ol/extent.js';
import { defaults as defaultControls, ScaleLine } from 'ol/control.js';
import { Style, Fill, Stroke, Circle as CircleStyle, Text } from 'ol/style.js';
import { apply } from 'ol-mapbox-style';
import { t } from './i18n.js';

export const geojson = new GeoJSON({ dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });

// Status colours: the badge colours of review.css, each at least 4.5:1
// against white so the same colour serves text on badges.
export const STATUS_COLOUR = {
  received: '#005eb8',
  in_review: '#8a4b00',
  approved: '#1e6b2a',
  rejected: '#6b7280',
  changes_requested: '#7b1fa2',
};
const colour = (status) => STATUS_COLOUR[status] || '#1d2733';
const alpha = (hex, a) => {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
};

const styleCache = new globalThis.Map();
function caseStyle(status, selected) {
  const key = `${status}|${selected}`;
  let s = styleCache.get(key);
  if (!s) {
    const c = colour(status);
    s = [
      new Style({
        fill: new Fill({ color: alpha(c, selected ? 0.55 : 0.35) }),
        stroke: new Stroke({ color: selected ? '#111827' : c, width: selected ? 4 : 2 }),
        image: new CircleStyle({
          radius: selected ? 9 : 6,
          fill: new Fill({ color: c }),
          stroke: new Stroke({ color: selected ? '#111827' : '#ffffff', width: 2 }),
        }),
        zIndex: selected ? 2 : 1,
      }),
    ];
    // Small skips vanish at city zoom: a dot at the centre keeps them findable.
    s.push(
      new Style({
        geometry: (f) => {
          const g = f.getGeometry();
          if (!g || g.getType() === 'Point') return undefined;
          const e = g.getExtent();
          return new Point([(e[0] + e[2]) / 2, (e[1] + e[3]) / 2]);
        },
        image: new CircleStyle({
          radius: selected ? 8 : 5,
          fill: new Fill({ color: c }),
          stroke: new Stroke({ color: selected ? '#111827' : '#ffffff', width: 2 }),
        }),
        zIndex: selected ? 2 : 1,
      }),
    );
    styleCache.set(key, s);
  }
  return s;
}

// One base map + overlays per map element; the styles' own centre is
// replaced by ours.
export async function createMap(target, { overlays = false } = {}) {
  const view = new View({ center: fromLonLat([10.45, 51.16]), zoom: 6, maxZoom: 21 });
  const map = new Map({
    target,
    view,
    controls: defaultControls({ attribution: false, rotate: false }).extend([new ScaleLine()]),
  });
  const center = view.getCenter();
  const zoom = view.getZoom();
  try {
    await apply(map, '/styles/basemap');
    if (overlays) await apply(map, '/styles/overlays');
  } catch (e) {
    console.warn('base map style', e); // the cases still show without a base map
  }
  view.setCenter(center);
  view.setZoom(zoom);
  return map;
}

// The base map's credit from its TileJSON (the data says what it is).
export async function attribution() {
  try {
    const r = await fetch('/tiles/basemap/WebMercatorQuad', { headers: { Accept: 'application/json' } });
    return r.ok ? (await r.json()).attribution || '' : '';
  } catch {
    return '';
  }
}

async function haveCaseTiles() {
  try {
    const r = await fetch('/collections/cases/tiles/WebMercatorQuad', {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
      cache: 'no-store',
    });
    return r.ok;
  } catch {
    return false;
  }
}

// The list map's cases layer. show(ids) sets which cases are drawn,
// select(id) which one is highlighted; caseAt(pixel) is the case under a
// pixel; refresh() reloads after a change on the server.
export async function casesLayer(map, { fetchFeatures }) {
  const state = { show: new Set(), selected: null, statuses: new globalThis.Map() };
  const tiles = await haveCaseTiles();
  let layer, fallback = null;
  const style = (f) => {
    const id = f.get('case_id');
    if (!state.show.has(id)) return null;
    return caseStyle(state.statuses.get(id) || f.get('status'), id === state.selected);
  };
  if (tiles) {
    layer = new VectorTileLayer({
      source: new VectorTileSource({
        format: new MVT(),
        url: '/collections/cases/tiles/WebMercatorQuad/{z}/{y}/{x}',
        maxZoom: 20,
      }),
      style,
      zIndex: 20,
      renderMode: 'hybrid',
      properties: { name: 'cases' },
    });
  } else {
    fallback = new VectorSource();
    layer = new VectorLayer({ source: fallback, style, zIndex: 20, properties: { name: 'cases' } });
  }
  map.addLayer(layer);
  const loaded = new Set();

  return {
    mode: tiles ? 'tiles' : 'features',
    layer,
    async show(cases) {
      state.show = new Set(cases.map((c) => c.case_id));
      for (const c of cases) state.statuses.set(c.case_id, c.status);
      if (fallback) {
        const todo = cases.filter((c) => !loaded.has(c.case_id));
        await Promise.all(
          todo.map(async (c) => {
            loaded.add(c.case_id);
            const r = await fetchFeatures(c.case_id);
            if (!r.ok) {
              loaded.delete(c.case_id);
              return;
            }
            const feats = geojson.readFeatures(r.body);
            for (const f of feats) f.setProperties({ case_id: c.case_id, status: c.status, reference: c.reference });
            fallback.addFeatures(feats);
          }),
        );
      }
      layer.changed();
    },
    select(id) {
      state.selected = id;
      layer.changed();
    },
    selected: () => state.selected,
    caseAt(pixel) {
      let found = null;
      map.forEachFeatureAtPixel(
        pixel,
        (f) => {
          const id = f.get('case_id');
          if (state.show.has(id)) {
            found = id;
            return true;
          }
          return false;
        },
        { layerFilter: (l) => l === layer, hitTolerance: 5 },
      );
      return found;
    },
    // What is drawn now, for tests and the map's text alternative.
    drawnIds() {
      const ids = new Set();
      const feats = fallback
        ? fallback.getFeatures()
        : layer.getFeaturesInExtent(map.getView().calculateExtent(map.getSize()));
      for (const f of feats) if (state.show.has(f.get('case_id'))) ids.add(f.get('case_id'));
      return [...ids];
    },
    refresh() {
      if (fallback) {
        fallback.clear();
        loaded.clear();
      } else layer.getSource().refresh();
    },
  };
}

// Fits the view to boxes given in CRS84 ([minx, miny, maxx, maxy] each).
export function fitBoxes(map, boxes, { maxZoom = 18 } = {}) {
  const e = createEmpty();
  for (const b of boxes) if (b && b.length === 4) extend(e, transformExtent(b, 'EPSG:4326', 'EPSG:3857'));
  if (isEmpty(e)) return false;
  map.getView().fit(e, { padding: [60, 60, 60, 60], maxZoom, duration: 0 });
  return true;
}

export function viewBbox(map) {
  const e = map.getView().calculateExtent(map.getSize());
  return transformExtent(e, 'EPSG:3857', 'EPSG:4326');
}

// ---- one case --------------------------------------------------------------

const OWN = new Style({
  fill: new Fill({ color: 'rgba(0, 94, 184, 0.35)' }),
  stroke: new Stroke({ color: '#003f7d', width: 3 }),
  image: new CircleStyle({ radius: 8, fill: new Fill({ color: '#005eb8' }), stroke: new Stroke({ color: '#fff', width: 2 }) }),
  zIndex: 3,
});

function conflictStyle(f) {
  const c = colour(f.get('status'));
  return [
    new Style({
      fill: new Fill({ color: alpha(c, 0.18) }),
      stroke: new Stroke({ color: c, width: 3, lineDash: [8, 5] }),
      image: new CircleStyle({ radius: 8, fill: new Fill({ color: alpha(c, 0.4) }), stroke: new Stroke({ color: c, width: 3, lineDash: [4, 3] }) }),
      text: new Text({
        text: f.get('label') || '',
        font: '600 12px system-ui, sans-serif',
        fill: new Fill({ color: '#111827' }),
        stroke: new Stroke({ color: '#ffffff', width: 3 }),
        offsetY: -16,
        overflow: true,
      }),
      zIndex: 2,
    }),
  ];
}

const PROBLEM = new Style({
  stroke: new Stroke({ color: '#b00020', width: 2, lineDash: [2, 3] }),
  image: new CircleStyle({ radius: 10, stroke: new Stroke({ color: '#b00020', width: 2 }) }),
  zIndex: 4,
});

export function caseLayers(map) {
  const own = new VectorSource();
  const others = new VectorSource();
  const problems = new VectorSource();
  map.addLayer(new VectorLayer({ source: others, style: conflictStyle, zIndex: 20, properties: { name: 'conflicts' } }));
  map.addLayer(new VectorLayer({ source: own, style: OWN, zIndex: 21, properties: { name: 'case' } }));
  map.addLayer(new VectorLayer({ source: problems, style: PROBLEM, zIndex: 22, properties: { name: 'problems' } }));
  return {
    own,
    others,
    problems,
    // The case's features, the conflicting cases' features, the places the
    // report points at; the view fits all of them.
    set(caseFc, conflicts, violations) {
      own.clear();
      others.clear();
      problems.clear();
      if (caseFc) {
        const feats = geojson.readFeatures(caseFc);
        feats.forEach((f, i) => f.set('index', i + 1));
        own.addFeatures(feats);
      }
      for (const c of conflicts || []) {
        if (!c.features) continue;
        const feats = geojson.readFeatures(c.features);
        const label = c.visible === false ? t('conflict_hidden_short') : c.reference || c.case_id.slice(0, 8);
        for (const f of feats) f.setProperties({ case_id: c.case_id, status: c.status, label });
        others.addFeatures(feats);
      }
      for (const v of violations || []) {
        if (!v.geometry || v.severity !== 'error') continue;
        try {
          problems.addFeature(geojson.readFeature({ type: 'Feature', properties: {}, geometry: v.geometry }));
        } catch {
          // a report without a usable geometry still lists the problem in words
        }
      }
      const e = createEmpty();
      for (const s of [own, others]) if (s.getFeatures().length) extend(e, s.getExtent());
      if (!isEmpty(e)) map.getView().fit(e, { padding: [70, 70, 70, 70], maxZoom: 19.5, duration: 0 });
    },
  };
}
