// map.js - the review app's maps: the base map and the reference overlays
// from the server's own MapLibre styles (GET /styles/basemap and
// /styles/overlays, applied by ol-mapbox-style, as a municipal geoportal
// would), the cases coloured by status, and for one case its features and
// the conflicting cases in a distinct (hatched, dash-dotted) style.
//
// On the list map each listed case is a symbol in its status colour at the
// centre of its box, labelled with its reference; zoomed out, symbols that
// would touch are clustered (OpenLayers' Cluster source) into one circle
// with their number, which a click zooms into (by keyboard: Enter on the
// focused map, the cluster nearest its centre). Closer in, where a case is
// more than a few pixels, its shapes come from the case tiles, labelled
// too. Symbols and labels are decluttered together with the base map's
// labels and drawn above them (a higher z-index wins and is drawn later),
// so a street name gives way to a case, never the other way round.
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
import Cluster from 'ol/source/Cluster.js';
import Feature from 'ol/Feature.js';
import VectorTileLayer from 'ol/layer/VectorTile.js';
import VectorTileSource from 'ol/source/VectorTile.js';
import MVT from 'ol/format/MVT.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import Point from 'ol/geom/Point.js';
import { fromLonLat, transformExtent } from 'ol/proj.js';
import { boundingExtent, createEmpty, extend, isEmpty } from 'ol/extent.js';
import { defaults as defaultControls, ScaleLine } from 'ol/control.js';
import { defaults as defaultInteractions } from 'ol/interaction.js';
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
// Below about zoom 18 a skip is a few pixels: there the list map shows a
// symbol per case (or a cluster of them) instead; closer in, the shape
// itself shows, labelled with the case's reference.
export const DOT_RESOLUTION = 0.4;
const LABEL_FONT = '600 12px system-ui, sans-serif';
function caseStyle(status, selected, resolution, label) {
  const key = `${status}|${selected}`;
  let s = styleCache.get(key);
  if (!s) {
    const c = colour(status);
    s = new Style({
      fill: new Fill({ color: alpha(c, selected ? 0.55 : 0.35) }),
      stroke: new Stroke({ color: selected ? '#111827' : c, width: selected ? 4 : 2 }),
      image: new CircleStyle({
        radius: selected ? 9 : 6,
        fill: new Fill({ color: c }),
        stroke: new Stroke({ color: selected ? '#111827' : '#ffffff', width: 2 }),
        declutterMode: 'obstacle',
      }),
      zIndex: selected ? 2 : 1,
    });
    styleCache.set(key, s);
  }
  if (resolution > DOT_RESOLUTION || !label) return s;
  return [s, labelStyle(label, selected, (f) => {
    const e = f.getGeometry().getExtent();
    return new Point([(e[0] + e[2]) / 2, e[3]]);
  })];
}

// Half the width in CSS pixels of the widest label a symbol of these cases
// can carry: a cluster names up to three of them, "MS-2026-0101,
// MS-2026-0102", centred on its circle - more than a fit's usual padding, so
// a cluster at the edge of the fitted box lost its label's start (list.js
// pads by this). Measured in the bold face of a selected label, with its halo.
const measureCanvas = typeof document === 'undefined' ? null : document.createElement('canvas');
export function labelHalfWidth(labels) {
  const ctx = measureCanvas?.getContext('2d');
  if (!ctx || !labels.length) return 0;
  ctx.font = '700 13px system-ui, sans-serif';
  const widest = [...labels].sort((a, b) => ctx.measureText(b).width - ctx.measureText(a).width);
  const worst = widest.slice(0, 3).join(', ');
  return ctx.measureText(worst).width / 2 + 3;
}

// A case's reference above its symbol or shape, dark on a white halo.
function labelStyle(text, selected, geometry, offsetY = -15) {
  return new Style({
    geometry,
    text: new Text({
      text,
      font: selected ? `700 13px system-ui, sans-serif` : LABEL_FONT,
      fill: new Fill({ color: '#111827' }),
      stroke: new Stroke({ color: '#ffffff', width: 3 }),
      offsetY,
      overflow: true,
    }),
    zIndex: selected ? 4 : 3,
  });
}

// A cluster of listed cases: one case is its symbol and reference; more
// are a dark circle with their number (outlined in the highlight colour
// when the selected case is among them), up to three of them named above.
const clusterCache = new globalThis.Map();
function clusterStyle(feature, selectedId) {
  const members = feature.get('features') || [];
  if (members.length === 1) {
    const m = members[0];
    const selected = m.get('case_id') === selectedId;
    const c = colour(m.get('status'));
    return [
      new Style({
        image: new CircleStyle({
          radius: selected ? 10 : 7,
          fill: new Fill({ color: c }),
          stroke: new Stroke({ color: selected ? '#111827' : '#ffffff', width: selected ? 3 : 2 }),
          declutterMode: 'obstacle',
        }),
        zIndex: selected ? 2 : 1,
      }),
      labelStyle(m.get('label') || '', selected),
    ];
  }
  const holds = members.some((m) => m.get('case_id') === selectedId);
  const key = `${members.length}|${holds}`;
  const radius = 12 + Math.min(8, Math.log2(members.length) * 2);
  let s = clusterCache.get(key);
  if (!s) {
    s = new Style({
      image: new CircleStyle({
        radius,
        fill: new Fill({ color: '#1d2733' }),
        stroke: new Stroke({ color: holds ? '#ffbf47' : '#ffffff', width: 3 }),
        declutterMode: 'obstacle',
      }),
      text: new Text({
        text: String(members.length),
        font: '700 13px system-ui, sans-serif',
        fill: new Fill({ color: '#ffffff' }),
        declutterMode: 'obstacle',
      }),
      zIndex: holds ? 2 : 1,
    });
    clusterCache.set(key, s);
  }
  if (members.length > 3) return s;
  const names = members.map((m) => m.get('label') || '').sort().join(', ');
  return [s, labelStyle(names, holds, undefined, -(radius + 9))];
}

// The zoom buttons named in words in the page's language (a screen reader
// would say "+" and "–"), their tooltips the same; again after a language
// switch (list.js and detail.js relabel).
export function labelZoom(map) {
  const el = map.getTargetElement();
  for (const [sel, key] of [['.ol-zoom-in', 'zoom_in'], ['.ol-zoom-out', 'zoom_out']]) {
    const b = el?.querySelector(sel);
    if (!b) continue;
    b.setAttribute('aria-label', t(key));
    b.title = t(key);
  }
}

// One base map + overlays per map element; the styles' own centre is
// replaced by ours.
export async function createMap(target, { overlays = false } = {}) {
  const view = new View({ center: fromLonLat([10.45, 51.16]), zoom: 6, maxZoom: 21 });
  const map = new Map({
    target,
    view,
    controls: defaultControls({ attribution: false, rotate: false }).extend([new ScaleLine()]),
    // The list map takes the focus (tabindex) for its arrow keys; OpenLayers'
    // own default would then ignore a drag or the wheel until it has it.
    interactions: defaultInteractions(),
  });
  labelZoom(map);
  const center = view.getCenter();
  const zoom = view.getZoom();
  try {
    await apply(map, '/styles/basemap');
    if (overlays) await apply(map, '/styles/overlays');
  } catch (e) {
    console.warn('base map style', e); // the cases still show without a base map
  }
  // Until there are cases to fit, show the area the base map covers.
  const city = await cityBox();
  if (city) fitBoxes(map, [city], { maxZoom: 15 });
  else {
    view.setCenter(center);
    view.setZoom(zoom);
  }
  return map;
}

let tileJson = null;
function basemapTileJson() {
  tileJson ??= fetch('/tiles/basemap/WebMercatorQuad', { headers: { Accept: 'application/json' } })
    .then((r) => (r.ok ? r.json() : null))
    .catch(() => null);
  return tileJson;
}

// The base map's credit from its TileJSON (the data says what it is).
export async function attribution() {
  return (await basemapTileJson())?.attribution || '';
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
  const state = { show: new Set(), selected: null, statuses: new globalThis.Map(), labels: new globalThis.Map() };
  const tiles = await haveCaseTiles();
  let layer, fallback = null;
  const style = (f, resolution) => {
    const id = f.get('case_id');
    if (!state.show.has(id)) return null;
    return caseStyle(state.statuses.get(id) || f.get('status'), id === state.selected, resolution,
      state.labels.get(id) ?? f.get('reference') ?? '');
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
      declutter: true,
      properties: { name: 'cases' },
    });
  } else {
    fallback = new VectorSource();
    layer = new VectorLayer({ source: fallback, style, zIndex: 20, declutter: true, properties: { name: 'cases' } });
  }
  map.addLayer(layer);
  // One point per listed case, clustered, while the shapes are too small.
  const points = new VectorSource();
  const clusters = new Cluster({ source: points, distance: 40, minDistance: 16 });
  const symbols = new VectorLayer({
    source: clusters,
    style: (f) => clusterStyle(f, state.selected),
    zIndex: 21,
    declutter: true,
    minResolution: DOT_RESOLUTION,
    properties: { name: 'case-symbols' },
  });
  map.addLayer(symbols);
  const loaded = new Set();

  return {
    mode: tiles ? 'tiles' : 'features',
    layer,
    symbols,
    async show(cases) {
      state.show = new Set(cases.map((c) => c.case_id));
      for (const c of cases) {
        state.statuses.set(c.case_id, c.status);
        state.labels.set(c.case_id, c.reference || t('no_reference'));
      }
      points.clear();
      points.addFeatures(cases.filter((c) => Array.isArray(c.bbox) && c.bbox.length === 4).map((c) => {
        const [x0, y0] = fromLonLat([c.bbox[0], c.bbox[1]]);
        const [x1, y1] = fromLonLat([c.bbox[2], c.bbox[3]]);
        return new Feature({
          geometry: new Point([(x0 + x1) / 2, (y0 + y1) / 2]),
          case_id: c.case_id,
          status: c.status,
          label: c.reference || t('no_reference'),
        });
      }));
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
      symbols.changed();
    },
    selected: () => state.selected,
    // The cluster under a pixel while symbols show: {ids, extent} (the
    // extent of its cases' symbols, EPSG:3857), or null.
    clusterAt(pixel) {
      let found = null;
      map.forEachFeatureAtPixel(
        pixel,
        (f) => {
          const members = f.get('features') || [];
          found = { ids: members.map((m) => m.get('case_id')), extent: boundingExtent(members.map((m) => m.getGeometry().getCoordinates())) };
          return true;
        },
        { layerFilter: (l) => l === symbols, hitTolerance: 4 },
      );
      return found;
    },
    // The cluster of several cases nearest to a coordinate (EPSG:3857) among
    // those in view while symbols show, as clusterAt answers; null when
    // none: what Enter on the focused list map zooms into.
    clusterNear(coord) {
      const view = map.getView();
      if (view.getResolution() < DOT_RESOLUTION) return null;
      const inView = view.calculateExtent(map.getSize());
      let best = null;
      let bestD = Infinity;
      for (const f of clusters.getFeatures()) {
        const members = f.get('features') || [];
        const [x, y] = f.getGeometry().getCoordinates();
        if (members.length < 2 || x < inView[0] || x > inView[2] || y < inView[1] || y > inView[3]) continue;
        const d = (x - coord[0]) ** 2 + (y - coord[1]) ** 2;
        if (d < bestD) {
          bestD = d;
          best = { ids: members.map((m) => m.get('case_id')), extent: boundingExtent(members.map((m) => m.getGeometry().getCoordinates())) };
        }
      }
      return best;
    },
    // What the symbols layer shows now: one entry per cluster, for tests
    // and for looking around ({ids, label, size, pixel, names}: names is the
    // reference text above the symbol, pixel its anchor on the map).
    symbolsShown() {
      if (map.getView().getResolution() < DOT_RESOLUTION) return [];
      return clusters.getFeatures().map((f) => {
        const members = f.get('features') || [];
        const names = members.length > 3 ? '' : members.map((m) => m.get('label') || '').sort().join(', ');
        return {
          ids: members.map((m) => m.get('case_id')), label: members.length === 1 ? members[0].get('label') : String(members.length),
          size: members.length, names, pixel: map.getPixelFromCoordinate(f.getGeometry().getCoordinates()),
        };
      });
    },
    caseAt(pixel) {
      const cl = this.clusterAt(pixel);
      if (cl && cl.ids.length === 1) return cl.ids[0];
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
// padding is [top, right, bottom, left] in pixels, or a function giving it
// when the fit happens (what covers the map's edges can change meanwhile).
const fitting = new WeakSet(); // maps whose view the app itself is moving
const pendingFit = new WeakMap(); // map -> the last fit asked while it had no size
export function fitBoxes(map, boxes, { maxZoom = 18, padding = [60, 60, 60, 60] } = {}) {
  const e = createEmpty();
  for (const b of boxes) if (b && b.length === 4) extend(e, transformExtent(b, 'EPSG:4326', 'EPSG:3857'));
  if (isEmpty(e)) return false;
  const size = map.getSize();
  if (!size || !size[0] || !size[1]) {
    // A map in a hidden view has no size yet: fit once it gets one, and
    // then only to the latest boxes asked for.
    if (!pendingFit.has(map))
      map.once('change:size', () => {
        const args = pendingFit.get(map);
        pendingFit.delete(map);
        fitBoxes(map, ...args);
      });
    pendingFit.set(map, [boxes, { maxZoom, padding }]);
    return true;
  }
  pendingFit.delete(map);
  const pad = typeof padding === 'function' ? padding() : padding;
  byApp(map, () => map.getView().fit(e, { padding: pad, maxZoom, duration: 0 }));
  return true;
}

// Runs fn, which moves the view, as the app's own move: onUserMove does not
// take it for the caseworker's.
export function byApp(map, fn) {
  fitting.add(map);
  try {
    return fn();
  } finally {
    fitting.delete(map);
  }
}

// Calls fn whenever the view moves by anything but the app itself: a drag,
// the wheel, the zoom buttons, the arrow keys, a double click.
export function onUserMove(map, fn) {
  const view = map.getView();
  const moved = () => {
    if (!fitting.has(map)) fn();
  };
  view.on('change:center', moved);
  view.on('change:resolution', moved);
}

// The city's extent in CRS84: the area the base map covers (its TileJSON
// bounds), or null for a base map of the whole world or none.
export async function cityBox() {
  const b = (await basemapTileJson())?.bounds;
  return Array.isArray(b) && b.length === 4 && b[2] - b[0] < 5 && b[3] - b[1] < 5 ? b : null;
}

export function viewBbox(map) {
  const e = map.getView().calculateExtent(map.getSize());
  return transformExtent(e, 'EPSG:3857', 'EPSG:4326');
}

// ---- one case --------------------------------------------------------------

// The case under review: warm yellow with a dark outline, a colour no
// status uses, so it never looks like one of the other cases.
const OWN = new Style({
  fill: new Fill({ color: 'rgba(255, 191, 71, 0.6)' }),
  stroke: new Stroke({ color: '#1d2733', width: 3 }),
  image: new CircleStyle({
    radius: 8,
    fill: new Fill({ color: '#ffbf47' }),
    stroke: new Stroke({ color: '#1d2733', width: 3 }),
    declutterMode: 'obstacle',
  }),
  zIndex: 3,
});

// Other cases: hatched in their status colour with a long-short dashed
// outline, drawn above the case under review so that an overlap shows as
// the hatching over the yellow; the label sits above the shape, never on
// it. Hatching and the dash-dot rhythm keep them apart from the base map's
// evenly dashed cycle lanes and paths.
const topCentre = (f) => {
  const e = f.getGeometry().getExtent();
  return new Point([(e[0] + e[2]) / 2, e[3]]);
};
export const CONFLICT_DASH = [12, 4, 3, 4];
const hatchCache = new globalThis.Map();
// Diagonal lines in the colour, 8 px apart, as a fill pattern.
export function hatch(c) {
  let p = hatchCache.get(c);
  if (!p) {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 8;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = alpha(c, 0.12);
    ctx.fillRect(0, 0, 8, 8);
    ctx.strokeStyle = alpha(c, 0.75);
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (const o of [-8, 0, 8]) {
      ctx.moveTo(o, 8);
      ctx.lineTo(o + 8, 0);
    }
    ctx.stroke();
    p = ctx.createPattern(canvas, 'repeat');
    hatchCache.set(c, p);
  }
  return p;
}
function conflictStyle(f) {
  const c = colour(f.get('status'));
  return [
    new Style({
      fill: new Fill({ color: hatch(c) }),
      stroke: new Stroke({ color: c, width: 3, lineDash: CONFLICT_DASH }),
      image: new CircleStyle({
        radius: 8,
        fill: new Fill({ color: hatch(c) }),
        stroke: new Stroke({ color: c, width: 3, lineDash: [6, 2, 2, 2] }),
        declutterMode: 'obstacle',
      }),
    }),
    new Style({
      geometry: topCentre,
      text: new Text({
        text: f.get('label') || '',
        font: '600 12px system-ui, sans-serif',
        fill: new Fill({ color: '#111827' }),
        stroke: new Stroke({ color: '#ffffff', width: 3 }),
        offsetY: -12,
        overflow: true,
      }),
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
  // The case's own label goes below it, the others' above: two cases side
  // by side never put their labels on one line.
  const bottomCentre = (f) => {
    const e = f.getGeometry().getExtent();
    return new Point([(e[0] + e[2]) / 2, e[1]]);
  };
  const ownStyle = (f) => [
    OWN,
    new Style({
      geometry: bottomCentre,
      text: new Text({
        text: f.get('label') || '',
        font: '700 12px system-ui, sans-serif',
        fill: new Fill({ color: '#111827' }),
        stroke: new Stroke({ color: '#ffffff', width: 3 }),
        offsetY: 12,
        overflow: true,
        declutterMode: 'obstacle', // the case under review is always named
      }),
    }),
  ];
  // Decluttered together with the base map's labels (the same `true` group),
  // and above them, so a street name gives way to a case's reference; the
  // points stay drawn whatever overlaps them ('obstacle').
  map.addLayer(new VectorLayer({ source: own, style: ownStyle, zIndex: 20, declutter: true, properties: { name: 'case' } }));
  map.addLayer(
    new VectorLayer({ source: others, style: conflictStyle, zIndex: 21, declutter: true, properties: { name: 'conflicts' } }),
  );
  map.addLayer(new VectorLayer({ source: problems, style: PROBLEM, zIndex: 22, properties: { name: 'problems' } }));
  return {
    own,
    others,
    problems,
    // The case's features, the conflicting cases' features, the places the
    // report points at; the view fits all of them.
    set(caseFc, conflicts, violations, label = '') {
      own.clear();
      others.clear();
      problems.clear();
      if (caseFc) {
        const feats = geojson.readFeatures(caseFc);
        feats.forEach((f, i) => f.setProperties({ index: i + 1, label }));
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
      if (!isEmpty(e)) map.getView().fit(e, { padding: [80, 80, 80, 80], maxZoom: 20.5, duration: 0 });
    },
  };
}
