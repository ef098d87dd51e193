// main.js - the map of the OGC API's HTML pages (server/features_html.c):
// the features of an items page or one item over the base map the apps
// use (GET /styles/basemap through ol-mapbox-style). The page says what to
// draw: a <script type="application/json" id="map-data"> element with the
// features (CRS84), or data-src, the GeoJSON URL of the same features in
// CRS84 when the page shows another CRS. A click on a feature opens its
// page (data-item, "{id}" replaced). The zoom buttons' tooltips come from
// the page (data-zoom-in, data-zoom-out) in the page's language; the base
// map's credit is written in it too (common/credit.js).
// data-ready="true" is set once the features are drawn (the browser test
// waits for it).
import 'ol/ol.css';
import './ogc.css';
import Map from 'ol/Map.js';
import View from 'ol/View.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import { Zoom, ScaleLine } from 'ol/control.js';
import { isEmpty } from 'ol/extent.js';
import { Style, Fill, Stroke, Circle as CircleStyle } from 'ol/style.js';
import { apply } from 'ol-mapbox-style';
import { setLang, t } from '../common/i18n.js';
import { localCredit } from '../common/credit.js';

// Magenta stands apart from every colour of the base map; white casing
// keeps it readable on dark roads.
const INK = '#b0125b';
const STYLE = [
  new Style({ stroke: new Stroke({ color: '#ffffff', width: 5 }) }),
  new Style({
    fill: new Fill({ color: 'rgba(176, 18, 91, 0.25)' }),
    stroke: new Stroke({ color: INK, width: 2.5 }),
    image: new CircleStyle({
      radius: 6,
      fill: new Fill({ color: INK }),
      stroke: new Stroke({ color: '#ffffff', width: 2 }),
    }),
  }),
];

async function loadData(el) {
  const inline = document.getElementById('map-data');
  if (inline) return JSON.parse(inline.textContent);
  if (!el.dataset.src) return { type: 'FeatureCollection', features: [] };
  const res = await fetch(el.dataset.src, { headers: { Accept: 'application/geo+json' } });
  if (!res.ok) throw new Error(`${el.dataset.src}: ${res.status}`);
  return res.json();
}

async function showAttribution() {
  const p = document.getElementById('attribution');
  if (!p) return;
  try {
    const res = await fetch('/tiles/basemap/WebMercatorQuad', { headers: { Accept: 'application/json' } });
    // the credit as stored, in the page's language (<html lang>)
    setLang(document.documentElement.lang === 'en' ? 'en' : 'de');
    if (res.ok) p.textContent = localCredit((await res.json()).attribution, t);
  } catch {
    // no base map: nothing to credit
  }
}

async function start(el) {
  const format = new GeoJSON({ dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });
  const view = new View({ center: [1160000, 6650000], zoom: 6, maxZoom: 21 });
  const map = new Map({
    target: el,
    view,
    controls: [
      new Zoom({ zoomInTipLabel: el.dataset.zoomIn, zoomOutTipLabel: el.dataset.zoomOut }),
      new ScaleLine(),
    ],
  });
  // named in words for screen readers too, not only by their tooltips
  for (const [sel, label] of [['.ol-zoom-in', el.dataset.zoomIn], ['.ol-zoom-out', el.dataset.zoomOut]]) {
    const b = el.querySelector(sel);
    if (b && label) b.setAttribute('aria-label', label);
  }
  showAttribution();
  try {
    await apply(map, '/styles/basemap');
  } catch (e) {
    console.warn('base map style', e); // the features still show without a base map
  }
  const source = new VectorSource({ features: format.readFeatures(await loadData(el)) });
  map.addLayer(new VectorLayer({ source, style: STYLE, zIndex: 10 }));
  const extent = source.getExtent();
  if (!isEmpty(extent)) view.fit(extent, { padding: [40, 40, 40, 40], maxZoom: 18 });

  const item = el.dataset.item;
  const hit = (pixel) => map.forEachFeatureAtPixel(pixel, (f) => f, { hitTolerance: 4 });
  map.on('pointermove', (e) => {
    el.style.cursor = item && hit(e.pixel) ? 'pointer' : '';
  });
  map.on('singleclick', (e) => {
    const f = hit(e.pixel);
    if (item && f && f.getId() !== undefined)
      window.location.href = item.replace('{id}', encodeURIComponent(f.getId()));
  });
  map.once('rendercomplete', () => {
    el.dataset.ready = 'true';
  });
}

const el = document.getElementById('map');
if (el)
  start(el).catch((e) => {
    console.error('map', e);
    el.dataset.ready = 'error';
  });
