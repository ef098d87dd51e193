// main.js - the applicant's editor: loads the draft and its service, shows
// the map, offers the tools the service allows (a rectangle of chosen size
// for a skip, a line or area for an access, a point or small rectangle for a
// stand), checks the drawing as it changes, saves it, and hands it to the
// form (embed.js). Mouse, touch and keyboard reach every operation: the
// crosshair in the map centre is the keyboard's pointer, and on phones
// (below 700 px, editor.css) "Hier platzieren" puts a new footprint there
// while taps only select or move. The live region says, once per check, where
// the changed drawing lies (the report's location sentence) and each reason
// in full; never degrees. A footprint that breaks a rule is outlined red with
// its measured value beside it. After "Fertig" the drawing is locked until
// "Ändern", which tells the form that its result no longer holds. The
// placement assistant's proposals and the "nearest valid place" offer live
// in proposals.js.
import 'ol/ol.css';
import './editor.css';
import Map from 'ol/Map.js';
import View from 'ol/View.js';
import Feature from 'ol/Feature.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import Point from 'ol/geom/Point.js';
import LineString from 'ol/geom/LineString.js';
import Polygon from 'ol/geom/Polygon.js';
import { defaults as defaultInteractions } from 'ol/interaction/defaults.js';
import Draw from 'ol/interaction/Draw.js';
import Modify from 'ol/interaction/Modify.js';
import Snap from 'ol/interaction/Snap.js';
import Translate from 'ol/interaction/Translate.js';
import Collection from 'ol/Collection.js';
import { fromLonLat, toLonLat } from 'ol/proj.js';
import { getCenter, isEmpty } from 'ol/extent.js';
import { Style, Fill, Stroke, Circle as CircleStyle, Text } from 'ol/style.js';
import { ScaleLine, Zoom, Attribution } from 'ol/control.js';

import { applyI18n, num, setLang, t, tn } from '../common/i18n.js';
import { makeApi, tokenFromPath } from '../common/api.js';
import { startEmbedding } from '../common/embed.js';
import { baseLayer, fillLegend, overlayLayers } from './layers.js';
import { centroid, measures, moveMetres, nearestEdgeRotation, normRot, rectFromPolygon, rectPolygon } from './geometry.js';
import { initAddressSearch } from './address.js';
import { initProposals } from './proposals.js';

const $ = (id) => document.getElementById(id);
const geojson = new GeoJSON({ dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });

// ---- configuration from the server (handlers_editor.c) ----------------------
function readConfig() {
  const raw = document.querySelector('meta[name="geoeditor-config"]')?.content || '{}';
  try {
    return JSON.parse(raw);
  } catch {
    return {};
  }
}
const config = readConfig();
setLang(config.locale === 'en' ? 'en' : 'de');
applyI18n();

const token = tokenFromPath();
const api = makeApi(token, config.locale === 'en' ? 'en' : 'de');

// ---- state -----------------------------------------------------------------
const state = {
  service: null,
  tools: [], // 'rect' | 'point' | 'line' | 'polygon'
  tool: null,
  maxCount: 99,
  limits: { wmin: 0.5, wmax: 10, lmin: 0.5, lmax: 20 },
  size: { w: 2, l: 3.5, rot: 0 },
  selected: null, // ol Feature
  moving: null, // {feature, before} while a rectangle follows the crosshair
  sketch: null, // [coords] while drawing a line/area with the keyboard
  undo: [],
  redo: [],
  report: null,
  validateTimer: null,
  saveTimer: null,
  validateSeq: 0,
  savedSnapshot: null,
  say: [], // what the next check's announcement starts with (the change that led to it)
  sayFeature: -1, // the feature whose location sentence it says
  errors: new Map(), // feature index -> the report's errors about it
  locked: false, // after "Fertig", until "Ändern"
};
// The phone layout (editor.css): taps select or move; new footprints by "Hier platzieren".
const phone = window.matchMedia('(max-width: 700px)');
// Below this zoom a footprint would be too small to see: placing zooms in first.
const PLACE_MIN_ZOOM = 17;

const drawSource = new VectorSource();
const problemSource = new VectorSource();
const sketchSource = new VectorSource();

// ---- styles of the drawing and the problems ------------------------------
const blue = '#005eb8';
const drawStyle = (selected) =>
  new Style({
    fill: new Fill({ color: 'rgba(0, 94, 184, 0.28)' }),
    stroke: new Stroke({ color: selected ? '#002d5c' : blue, width: selected ? 3.5 : 2 }),
    image: new CircleStyle({
      radius: selected ? 9 : 7,
      fill: new Fill({ color: blue }),
      stroke: new Stroke({ color: selected ? '#002d5c' : '#ffffff', width: 2.5 }),
    }),
  });
const STYLE_PLAIN = drawStyle(false);
const STYLE_SELECTED = drawStyle(true);
const STYLE_ERROR = new Style({
  stroke: new Stroke({ color: '#b00020', width: 4 }),
  image: new CircleStyle({ radius: 11, stroke: new Stroke({ color: '#b00020', width: 3 }) }),
});
function featureStyle(f) {
  const base = f === state.selected ? STYLE_SELECTED : STYLE_PLAIN;
  const n = drawSource.getFeatures().indexOf(f) + 1;
  const errs = state.dirty ? null : state.errors.get(n - 1);
  const label = errs && errs.map(measuredLabel).filter(Boolean).join(' · ');
  return [
    base,
    ...(errs ? [STYLE_ERROR] : []),
    ...(label
      ? [
          new Style({
            text: new Text({
              text: label,
              font: 'bold 13px system-ui, sans-serif',
              fill: new Fill({ color: '#ffffff' }),
              backgroundFill: new Fill({ color: '#b00020' }),
              padding: [2, 5, 2, 5],
              offsetY: 16,
            }),
            // below the shape, so that it never hides the number above it
            geometry: (feat) => {
              const e = feat.getGeometry().getExtent();
              return new Point([(e[0] + e[2]) / 2, e[1]]);
            },
          }),
        ]
      : []),
    new Style({
      text: new Text({
        text: String(n),
        font: 'bold 11px system-ui, sans-serif',
        fill: new Fill({ color: '#ffffff' }),
        backgroundFill: new Fill({ color: f === state.selected ? '#002d5c' : blue }),
        padding: [1, 4, 1, 4],
        offsetY: -12,
      }),
      // Above the shape, so that the number never hides a small skip.
      geometry: (feat) => {
        const e = feat.getGeometry().getExtent();
        return new Point([(e[0] + e[2]) / 2, e[3]]);
      },
    }),
  ];
}
const problemStyle = new Style({
  stroke: new Stroke({ color: '#b00020', width: 4 }),
  fill: new Fill({ color: 'rgba(176, 0, 32, 0.18)' }),
  image: new CircleStyle({
    radius: 10,
    stroke: new Stroke({ color: '#b00020', width: 3 }),
    fill: new Fill({ color: 'rgba(176, 0, 32, 0.2)' }),
  }),
});
const sketchStyle = new Style({
  stroke: new Stroke({ color: blue, width: 2, lineDash: [6, 4] }),
  fill: new Fill({ color: 'rgba(0, 94, 184, 0.12)' }),
  image: new CircleStyle({ radius: 5, fill: new Fill({ color: blue }) }),
});

// ---- the map ---------------------------------------------------------------
// "0,9 m" for a measured distance: with as many decimals as the limit has
// (at least one), rounded away from the limit as the report's message does
// (a distance below a minimum down, a length above a maximum up), with more
// decimals where that would still look like the limit itself.
function decimalsOf(x) {
  const m = String(x).match(/\.(\d+)$/);
  return m ? m[1].length : 0;
}
function measuredLabel(v) {
  if (typeof v.measured !== 'number' || v.unit !== 'm' || typeof v.limit !== 'number') return '';
  const way = v.bound === 'min' ? Math.floor : v.bound === 'max' ? Math.ceil : Math.round;
  const r = (k) => way(v.measured * 10 ** k + (way === Math.floor ? 1e-9 : -1e-9)) / 10 ** k;
  let d = Math.max(1, decimalsOf(v.limit));
  while (d < 3 && r(d) === v.limit) d++;
  return t('measured_label', {
    v: new Intl.NumberFormat(config.locale === 'en' ? 'en-GB' : 'de-DE', { minimumFractionDigits: d, maximumFractionDigits: d }).format(r(d)),
  });
}

const map = new Map({
  target: 'map',
  layers: [baseLayer()],
  view: new View({ center: fromLonLat([10, 51]), zoom: 6, maxZoom: 21, constrainResolution: false }),
  // Our own keys (crosshair, Enter, R ...) replace OpenLayers' keyboard pan/zoom.
  interactions: defaultInteractions({ keyboard: false, doubleClickZoom: false }),
  controls: [
    new Zoom({ zoomInTipLabel: t('zoom_in'), zoomOutTipLabel: t('zoom_out') }),
    new ScaleLine(),
    new Attribution({ collapsible: false }),
  ],
  keyboardEventTarget: undefined,
});
// "Fertig" is named by the whole sentence, whichever of its texts is shown.
$('finish').setAttribute('aria-label', t('finish'));
// The map and its controls are named in the page's language.
$('map').setAttribute('aria-label', t('map_label'));
for (const [sel, key] of [['.ol-zoom-in', 'zoom_in'], ['.ol-zoom-out', 'zoom_out']]) {
  const b = $('map').querySelector(sel);
  if (b) b.setAttribute('aria-label', t(key));
}
const drawLayer = new VectorLayer({ source: drawSource, style: featureStyle, zIndex: 10 });
const problemLayer = new VectorLayer({ source: problemSource, style: problemStyle, zIndex: 11 });
const sketchLayer = new VectorLayer({ source: sketchSource, style: sketchStyle, zIndex: 12 });
let overlays = {};
let proposals = null; // proposals.js, once the service is known

// ---- features <-> GeoJSON ------------------------------------------------------
function rectParams(f) {
  return f.get('rect');
}

function setRect(f, p) {
  f.set('rect', { ...p, rot: normRot(p.rot) }, true);
  f.setGeometry(rectPolygon(f.get('rect')));
}

function toFeatureCollection() {
  const features = drawSource.getFeatures().map((f) => {
    const o = geojson.writeFeatureObject(f, { decimals: 8 });
    const r = rectParams(f);
    o.properties = r
      ? { shape: 'rectangle', width_m: r.w, length_m: r.l, rotation_deg: r.rot }
      : { shape: f.getGeometry().getType().toLowerCase() };
    delete o.id;
    return o;
  });
  return { type: 'FeatureCollection', features };
}

// A rectangle keeps the geometry it was stored with when it is one (a
// proposal of the placement assistant fits to the centimetre and must not
// move by a rounded rotation); its rotation comes from the shape, its size
// from the properties when they give one. A polygon without a shape of its
// own is a rectangle when the service draws rectangles and it has the shape
// of one.
function fromFeatureCollection(fc) {
  drawSource.clear();
  for (const o of fc?.features || []) {
    const f = geojson.readFeature({ ...o, id: undefined });
    const p = o.properties || {};
    const g = f.getGeometry();
    const asRect = p.shape === 'rectangle' || (!p.shape && state.tools.includes('rect'));
    const r = asRect ? rectFromPolygon(g) : null;
    if (r && p.width_m > 0 && p.length_m > 0 && Math.abs(p.width_m - r.w) < 0.05 && Math.abs(p.length_m - r.l) < 0.05) {
      r.w = +p.width_m;
      r.l = +p.length_m;
    }
    // the rotation as given (195°, not the shape's 15°) when it is the shape's
    const dr = r && Number.isFinite(p.rotation_deg) ? Math.abs(((p.rotation_deg - r.rot) % 180 + 180) % 180) : 90;
    if (Math.min(dr, 180 - dr) < 0.5) r.rot = normRot(p.rotation_deg);
    if (r) f.set('rect', r, true);
    else if (p.shape === 'rectangle' && g.getType() === 'Polygon') {
      const c = getCenter(g.getExtent());
      setRect(f, { cx: c[0], cy: c[1], w: +p.width_m, l: +p.length_m, rot: +p.rotation_deg });
    }
    drawSource.addFeature(f);
  }
}

// A proposal taken (proposals.js): the whole drawing becomes fc, feature
// index is selected and the crosshair stands on it; saved and checked as
// any edit, and undone as one.
function takeDrawing(fc, index) {
  if (!editable()) return;
  state.moving = null;
  state.sketch = null;
  sketchSource.clear();
  remember();
  fromFeatureCollection(fc);
  const f = drawSource.getFeatures()[index] || null;
  select(f);
  if (f) map.getView().setCenter(centroid(f.getGeometry()));
  changed();
}

// ---- history ------------------------------------------------------------------
function snapshot() {
  return JSON.stringify(toFeatureCollection());
}

// Call before a change: the state before it can be restored.
function remember() {
  state.undo.push(snapshot());
  if (state.undo.length > 100) state.undo.shift();
  state.redo = [];
}

function restore(text) {
  const sel = state.selected ? drawSource.getFeatures().indexOf(state.selected) : -1;
  fromFeatureCollection(JSON.parse(text));
  const feats = drawSource.getFeatures();
  select(feats[Math.min(sel, feats.length - 1)] || null);
  changed();
}

function undo() {
  if (!editable() || !state.undo.length) return;
  state.redo.push(snapshot());
  restore(state.undo.pop());
  sayAfterCheck(t('undone'));
}

function redo() {
  if (!editable() || !state.redo.length) return;
  state.undo.push(snapshot());
  restore(state.redo.pop());
  sayAfterCheck(t('redone'));
}

// ---- announcements and summary ----------------------------------------------
let announceTimer = null;
function announce(text) {
  // Cleared first so that the same sentence twice is read twice.
  const el = $('announcer');
  el.textContent = '';
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => (el.textContent = text), 30);
}

// A change that leads to a check: said together with the check's answer
// (where the feature lies now, and the verdict with every reason), once.
function sayAfterCheck(text, featureIndex = -1) {
  if (text) state.say.push(text);
  if (featureIndex >= 0) state.sayFeature = featureIndex;
}

// Changes are possible unless the drawing was handed over ("Fertig").
function editable() {
  if (!state.locked) return true;
  announce(t('locked'));
  return false;
}

// "Rechteck 2" / "Rectangle 2": a shape by its kind and number.
function featureName(f, i) {
  const type = f.getGeometry().getType();
  if (rectParams(f)) return t('name_rect', { i });
  if (type === 'Point') return t('name_point', { i });
  if (type === 'LineString') return t('name_line', { i });
  return t('name_polygon', { i });
}

// A reason (text) of the report's violation v, named after its shape when
// more than one is drawn.
function reasonAbout(v, text) {
  const feats = drawSource.getFeatures();
  if (feats.length < 2 || typeof v.feature !== 'number' || !feats[v.feature]) return text;
  return t('reason_about', { name: featureName(feats[v.feature], v.feature + 1), text });
}

function describeFeature(f, i) {
  const g = f.getGeometry();
  const m = measureOf(f, i - 1);
  const r = rectParams(f);
  let text;
  if (r) text = t('feature_rect', { i, w: num(r.w), l: num(r.l), a: num(m.area), r: Math.round(r.rot) });
  else if (g.getType() === 'Point') text = t('feature_point', { i });
  else if (g.getType() === 'LineString') text = t('feature_line', { i, len: num(m.length) });
  else text = t('feature_polygon', { i, a: num(m.area) });
  // the report's location sentence ("Lindenallee, vor Nr. 9, Nordseite")
  return m.location ? `${text} – ${m.location}` : text;
}

// Measures from the last report when it is about the current drawing, else
// computed here (they agree to a few centimetres).
function measureOf(f, idx) {
  const local = measures(f.getGeometry());
  const r = rectParams(f);
  if (r) local.area = r.w * r.l;
  const srv = state.report && !state.dirty ? state.report.measures?.find((m) => m.feature === idx) : null;
  const lang = config.locale === 'en' ? 'en' : 'de';
  return {
    area: srv?.area_m2 ?? local.area,
    length: srv?.length_m ?? local.length,
    location: srv?.location?.[lang] || srv?.location?.de || '',
  };
}

function renderMeasures() {
  const feats = drawSource.getFeatures();
  // With nothing drawn, the status says so (once) and this says how to start.
  $('measures').textContent = feats.length
    ? feats.map((f, i) => describeFeature(f, i + 1)).join(' · ')
    : t('nothing_drawn_hint');
}

// ---- selection ----------------------------------------------------------------
function select(f) {
  state.selected = f;
  translateFeatures.clear();
  modifyFeatures.clear();
  if (f) {
    if (rectParams(f)) translateFeatures.push(f);
    else modifyFeatures.push(f);
  }
  syncSizeFields();
  drawLayer.changed();
}

function syncSizeFields() {
  const r = state.selected && rectParams(state.selected);
  const src = r || state.size;
  $('width').value = src.w;
  $('length').value = src.l;
  $('rotation').value = src.rot;
}

// ---- changes, validation and autosave -----------------------------------------
function changed() {
  state.dirty = true;
  proposals?.drawingChanged();
  drawLayer.changed();
  renderMeasures();
  clearTimeout(state.validateTimer);
  state.validateTimer = setTimeout(validateNow, 350);
  clearTimeout(state.saveTimer);
  state.saveTimer = setTimeout(saveNow, 1200);
  document.body.dataset.state = 'checking';
  document.body.dataset.saved = '0';
}

async function validateNow() {
  const seq = ++state.validateSeq;
  $('status').textContent = t('checking');
  const sent = snapshot();
  const res = await api.validate(JSON.parse(sent));
  if (seq !== state.validateSeq) return; // a newer check is on its way
  // Changed while the answer was on its way: the next check is due already.
  state.dirty = snapshot() !== sent;
  if (!res.ok) {
    if (res.status === 410 || res.status === 404) return gone();
    $('status').textContent = t('check_failed', { msg: res.message });
    document.body.dataset.state = 'error';
    announce([...state.say, $('status').textContent].join(' '));
    state.say = [];
    return;
  }
  showReport(res.body);
}

function showReport(report) {
  state.report = report;
  problemSource.clear();
  const list = $('violations');
  list.replaceChildren();
  const lang = config.locale === 'en' ? 'en' : 'de';
  const drawn = drawSource.getFeatures().length;
  const errors = (report.violations || []).filter((v) => v.severity === 'error');
  const warnings = (report.violations || []).filter((v) => v.severity !== 'error');
  const words = (v) => v.message?.[lang] || v.message?.de || v.rule;
  // Heard or read away from the map, a reason about one of several shapes
  // starts with its name ("Rechteck 2: ..."); the list numbers them as the
  // map's labels do.
  const about = (v) => reasonAbout(v, words(v));
  state.errors = new Map();
  for (const v of errors)
    if (typeof v.feature === 'number' && v.feature >= 0)
      state.errors.set(v.feature, [...(state.errors.get(v.feature) || []), v]);
  // With nothing drawn, "nothing drawn" is the status, not a listed error;
  // what is wrong with the period is said all the same.
  const listed = drawn ? [...errors, ...warnings] : errors.filter((v) => state.periodRules?.has(v.rule));
  for (const v of listed) {
    const li = document.createElement('li');
    li.className = v.severity === 'error' ? 'error' : 'warning';
    const n = typeof v.feature === 'number' && v.feature >= 0 ? `${v.feature + 1}: ` : '';
    li.textContent = n + words(v);
    list.append(li);
    if (v.geometry) {
      try {
        problemSource.addFeature(new Feature(geojson.readGeometry(v.geometry)));
      } catch {
        // a report without a drawable highlight still lists the problem
      }
    }
  }
  let text;
  if (!drawn) text = t('nothing_drawn');
  else if (errors.length) text = tn('invalid', errors.length);
  else if (warnings.length) text = t('valid_warnings');
  else text = t('valid');
  $('status').textContent = text;
  $('status').className = 'status ' + (!drawn ? 'neutral' : errors.length ? 'bad' : 'good');
  // why "Fertig" is refused; when it is not, the status line above has
  // said so once (on a phone both are in the bottom sheet)
  $('finish-why').textContent = drawn && errors.length ? t('finish_blocked', { list: errors.map(about).join(' ') }) : '';
  document.body.dataset.state = report.valid ? 'valid' : 'invalid';
  renderMeasures();
  drawLayer.changed();
  if (!state.dirty) proposals?.onReport(report);
  // Once per check: the change, where the feature lies now, the verdict and
  // every reason in full.
  const feats = drawSource.getFeatures();
  const fi = state.sayFeature >= 0 && state.sayFeature < feats.length ? state.sayFeature : -1;
  const where = fi >= 0 ? measureOf(feats[fi], fi).location : '';
  const said = [...state.say, where && `${where}.`, text, ...listed.map(about)].filter(Boolean).join(' ');
  state.say = [];
  state.sayFeature = -1;
  announce(said);
}

// ---- the period ------------------------------------------------------------------
// dd.mm.yyyy: always as long, so that the layout never moves with the date
function dayText(x) {
  return new Date(`${x}T12:00:00`).toLocaleDateString(config.locale === 'en' ? 'en-GB' : 'de-DE', { day: '2-digit', month: '2-digit', year: 'numeric' });
}

// Read-only as the form set it, or - when the form server allows it
// (period_editable) or set none, which the rules then ask for - two date
// fields the applicant may change.
function showPeriod() {
  const p = config.period;
  const open = !!config.period_editable || !p?.start;
  if (p?.start) $('period').textContent = t('period', { start: dayText(p.start), end: dayText(p.end) });
  $('period').hidden = open || !p?.start;
  $('period-form').hidden = !open;
  if (open) {
    $('period-start').value = p?.start || '';
    $('period-end').value = p?.end || '';
  }
}

function periodProblem(msg, field) {
  $('period-error').textContent = msg;
  if (field) {
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  }
  announce(msg);
}

// Saves the period through the editor's route; the check that follows (the
// drawing in the new period) says whether the service accepts it: a start
// too soon or a period too long is listed and announced as a reason.
async function applyPeriod(e) {
  e.preventDefault();
  if (!editable()) return;
  const fs = $('period-start'), fe = $('period-end');
  const start = fs.value, end = fe.value;
  fs.removeAttribute('aria-invalid');
  fe.removeAttribute('aria-invalid');
  if (!start || !end) return periodProblem(t('period_missing'), start ? fe : fs);
  if (end < start) return periodProblem(t('period_order'), fe);
  $('period-error').textContent = '';
  if (start === config.period?.start && end === config.period?.end) return announce(t('period_unchanged'));
  $('period-apply').disabled = true;
  const res = await api.putPeriod({ start, end });
  $('period-apply').disabled = false;
  if (!res.ok) {
    if (res.status === 410 || res.status === 404) return gone();
    const member = res.body?.member;
    return periodProblem(t('period_failed', { msg: res.message }), member === 'period.start' ? fs : member === 'period.end' ? fe : null);
  }
  config.period = res.body.period;
  // a period the applicant gave stays theirs to correct (the server agrees)
  config.period_editable = true;
  showPeriod();
  document.body.dataset.period = `${start}/${end}`;
  sayAfterCheck(t('period_saved', { start: dayText(start), end: dayText(end) }));
  clearTimeout(state.validateTimer);
  await validateNow();
}

async function saveNow() {
  clearTimeout(state.saveTimer);
  const text = snapshot();
  if (text === state.savedSnapshot) {
    document.body.dataset.saved = '1';
    return true;
  }
  $('save-state').textContent = t('saving');
  const res = await api.putFeatures(JSON.parse(text));
  if (!res.ok) {
    if (res.status === 410 || res.status === 404) gone();
    else $('save-state').textContent = t('save_failed', { msg: res.message });
    return false;
  }
  state.savedSnapshot = text;
  if (snapshot() === text) document.body.dataset.saved = '1';
  const time = new Date().toLocaleTimeString(config.locale === 'en' ? 'en-GB' : 'de-DE', {
    hour: '2-digit',
    minute: '2-digit',
  });
  $('save-state').textContent = t('saved', { time });
  return true;
}

function gone() {
  document.body.dataset.state = 'gone';
  $('status').textContent = t('link_gone');
  $('finish').disabled = true;
}

// ---- shapes -------------------------------------------------------------------
function centre() {
  return map.getView().getCenter();
}

function countOk() {
  if (drawSource.getFeatures().length < state.maxCount) return true;
  announce(t('max_reached', { n: state.maxCount }));
  return false;
}

// Placing at a zoom where a footprint cannot be seen zooms in on the place
// instead (the next tap or Enter places).
function zoomedInEnough(c) {
  const view = map.getView();
  if (view.getZoom() >= PLACE_MIN_ZOOM) return true;
  view.setCenter(c);
  view.setZoom(19);
  announce(t('zoomed_to_place'));
  return false;
}

function addRect(c) {
  if (!editable() || !zoomedInEnough(c) || !countOk()) return null;
  remember();
  const f = new Feature();
  const aligned = nearestEdgeRotation(overlays.street_space?.getSource(), c);
  const rot = aligned ?? state.size.rot;
  setRect(f, { cx: c[0], cy: c[1], w: state.size.w, l: state.size.l, rot });
  drawSource.addFeature(f);
  select(f);
  changed();
  sayAfterCheck(t('placed', { i: drawSource.getFeatures().length }), drawSource.getFeatures().length - 1);
  return f;
}

function addPoint(c) {
  if (!editable() || !zoomedInEnough(c) || !countOk()) return;
  remember();
  const f = new Feature(new Point(c));
  drawSource.addFeature(f);
  select(f);
  changed();
  sayAfterCheck(t('point_placed', { i: drawSource.getFeatures().length }), drawSource.getFeatures().length - 1);
}

function updateSelectedRect(patch, message) {
  if (!editable()) return true;
  const f = state.selected;
  const r = f && rectParams(f);
  if (!r) {
    if (patch.w || patch.l || patch.rot !== undefined) Object.assign(state.size, patch);
    return false;
  }
  if (!state.moving) remember();
  setRect(f, { ...r, ...patch });
  syncSizeFields();
  changed();
  if (message) sayAfterCheck(message(rectParams(f)), drawSource.getFeatures().indexOf(f));
  return true;
}

function rotateBy(deg) {
  const r = state.selected && rectParams(state.selected);
  if (!r) return announce(t('nothing_selected'));
  updateSelectedRect({ rot: r.rot + deg }, (p) => t('rotated', { r: p.rot }));
}

function alignSelected() {
  const r = state.selected && rectParams(state.selected);
  if (!r) return announce(t('nothing_selected'));
  const rot = nearestEdgeRotation(overlays.street_space?.getSource(), [r.cx, r.cy]);
  if (rot === null) return announce(t('no_edge'));
  updateSelectedRect({ rot }, (p) => t('aligned', { r: p.rot }));
}

function deleteSelected() {
  if (!editable()) return;
  const f = state.selected;
  if (!f) return announce(t('nothing_selected'));
  const name = featureName(f, drawSource.getFeatures().indexOf(f) + 1);
  remember();
  drawSource.removeFeature(f);
  select(null);
  changed();
  sayAfterCheck(t('deleted', { name }));
}

function featureAtCentre() {
  const px = map.getPixelFromCoordinate(centre());
  let hit = null;
  map.forEachFeatureAtPixel(px, (f) => (hit = f), { layerFilter: (l) => l === drawLayer, hitTolerance: 4 });
  return hit;
}

// ---- keyboard drawing ----------------------------------------------------------
// "3 m nach Osten": a move in words (the larger direction of the two).
function moveWords(dx, dy) {
  const d = Math.round(Math.hypot(dx, dy));
  const a = ((Math.atan2(dx, dy) * 180) / Math.PI + 360) % 360;
  const dir = ['n', 'ne', 'e', 'se', 's', 'sw', 'w', 'nw'][Math.round(a / 45) % 8];
  return { d: num(d, 0), dir: t(`dir_${dir}`) };
}

// Arrow keys: the crosshair (and a carried footprint) move; said once the
// keys rest - the footprint's new place with the check, the crosshair's move
// in metres and a direction (never in degrees).
function moveCrosshair(dxm, dym) {
  const c = moveMetres(centre(), dxm, dym);
  map.getView().setCenter(c);
  const acc = (moveCrosshair.acc = moveCrosshair.acc || { dx: 0, dy: 0 });
  acc.dx += dxm;
  acc.dy += dym;
  if (state.moving) {
    const r = rectParams(state.moving.feature);
    setRect(state.moving.feature, { ...r, cx: c[0], cy: c[1] });
    const i = drawSource.getFeatures().indexOf(state.moving.feature);
    state.say = [t('moved', { i: i + 1, ...moveWords(acc.dx, acc.dy) })];
    state.sayFeature = i;
    changed();
    return;
  }
  if (state.sketch) drawSketch();
  clearTimeout(moveCrosshair.timer);
  moveCrosshair.timer = setTimeout(() => {
    announce(t('crosshair_moved', moveWords(acc.dx, acc.dy)));
    moveCrosshair.acc = null;
  }, 700);
}

function enterKey(shift) {
  const c = centre();
  moveCrosshair.acc = null;
  if (!editable()) return;
  if (state.moving) {
    const i = drawSource.getFeatures().indexOf(state.moving.feature) + 1;
    state.moving = null;
    announce(t('dropped', { i }));
    return;
  }
  if (state.tool === 'line' || state.tool === 'polygon') {
    if (shift) return finishSketch();
    state.sketch = state.sketch || [];
    state.sketch.push(c);
    drawSketch();
    announce(t('vertex_added', { n: state.sketch.length }));
    return;
  }
  const hit = featureAtCentre();
  if (hit && rectParams(hit)) {
    select(hit);
    remember();
    const r = rectParams(hit);
    // Centre the map on it: from now on it follows the crosshair.
    map.getView().setCenter([r.cx, r.cy]);
    state.moving = { feature: hit };
    announce(t('picked_up', { i: drawSource.getFeatures().indexOf(hit) + 1 }));
    return;
  }
  if (hit) return select(hit);
  if (state.tool === 'rect') addRect(c);
  else if (state.tool === 'point') addPoint(c);
}

function cancelKey() {
  if (state.moving) {
    state.moving = null;
    undo();
    announce(t('move_cancelled'));
  } else if (state.sketch) {
    state.sketch = null;
    sketchSource.clear();
    announce(t('sketch_cancelled'));
  } else if (state.selected) {
    select(null);
  }
}

function drawSketch() {
  sketchSource.clear();
  if (!state.sketch) return;
  const pts = [...state.sketch, centre()];
  sketchSource.addFeature(new Feature(new LineString(pts)));
  for (const p of state.sketch) sketchSource.addFeature(new Feature(new Point(p)));
}

function finishSketch() {
  if (!editable()) return;
  const pts = state.sketch || [];
  const poly = state.tool === 'polygon';
  if (pts.length < (poly ? 3 : 2)) return announce(t('sketch_too_short'));
  if (!countOk()) return;
  remember();
  const f = new Feature(poly ? new Polygon([[...pts, pts[0]]]) : new LineString(pts));
  drawSource.addFeature(f);
  state.sketch = null;
  sketchSource.clear();
  select(f);
  changed();
  sayAfterCheck(t('sketch_done', { name: featureName(f, drawSource.getFeatures().length) }), drawSource.getFeatures().length - 1);
}

function onMapKey(e) {
  const step = e.shiftKey ? 10 : 1;
  const k = e.key;
  let handled = true;
  if (k === 'ArrowLeft') moveCrosshair(-step, 0);
  else if (k === 'ArrowRight') moveCrosshair(step, 0);
  else if (k === 'ArrowUp') moveCrosshair(0, step);
  else if (k === 'ArrowDown') moveCrosshair(0, -step);
  else if (k === 'Enter') enterKey(e.shiftKey);
  else if (k === 'Escape') cancelKey();
  else if (k === 'r' || k === 'R') rotateBy(e.shiftKey ? -15 : 15);
  else if (k === 'Delete') deleteSelected();
  else if (k === 'Backspace' && state.sketch) {
    state.sketch.pop();
    drawSketch();
  } else if (k === '+' || k === '=') map.getView().adjustZoom(1);
  else if (k === '-') map.getView().adjustZoom(-1);
  else if ((e.ctrlKey || e.metaKey) && k.toLowerCase() === 'z') (e.shiftKey ? redo : undo)();
  else if ((e.ctrlKey || e.metaKey) && k.toLowerCase() === 'y') redo();
  else handled = false;
  if (handled) e.preventDefault();
}

// ---- mouse and touch ---------------------------------------------------------
const translateFeatures = new Collection();
const modifyFeatures = new Collection();
const translate = new Translate({ features: translateFeatures, hitTolerance: 4 });
translate.on('translatestart', () => remember());
translate.on('translateend', (e) => {
  for (const f of e.features.getArray()) {
    const r = rectParams(f);
    if (!r) continue;
    const c = getCenter(f.getGeometry().getExtent());
    setRect(f, { ...r, cx: c[0], cy: c[1] });
    const i = drawSource.getFeatures().indexOf(f);
    sayAfterCheck(t('moved_to', { name: featureName(f, i + 1) }), i);
  }
  changed();
});
const modify = new Modify({ features: modifyFeatures, pixelTolerance: 12 });
modify.on('modifystart', () => remember());
modify.on('modifyend', () => changed());
let draw = null;
let snap = null;

function onMapClick(e) {
  if (draw) return; // the Draw interaction owns clicks while drawing a line or area
  if (proposals?.clickAt(e.pixel)) return; // a proposal's ghost taken
  let hit = null;
  map.forEachFeatureAtPixel(e.pixel, (f) => (hit = f), { layerFilter: (l) => l === drawLayer, hitTolerance: 4 });
  if (hit) return select(hit);
  if (!editable()) return;
  if (phone.matches) return tapMoves(e.coordinate);
  if (state.tool === 'rect') addRect(e.coordinate);
  else if (state.tool === 'point') addPoint(e.coordinate);
}

// On phones a tap beside the drawing moves the selected footprint there; it
// never makes a new one ("Hier platzieren" does).
function tapMoves(c) {
  const f = state.selected;
  if (!f) return announce(t('tap_hint'));
  const i = drawSource.getFeatures().indexOf(f);
  const r = rectParams(f);
  if (r) {
    remember();
    setRect(f, { ...r, cx: c[0], cy: c[1] });
  } else if (f.getGeometry().getType() === 'Point') {
    remember();
    f.getGeometry().setCoordinates(c);
  } else return announce(t('tap_hint'));
  sayAfterCheck(t('moved_to', { name: featureName(f, i + 1) }), i);
  changed();
}

// "Hier platzieren": a new footprint at the crosshair in the map centre, or,
// with one selected on a phone, that one moved there.
function placeHere() {
  if (!editable()) return;
  const c = centre();
  if (map.getView().getZoom() < PLACE_MIN_ZOOM) {
    announce(t('zoom_first'));
    $('measures').textContent = t('zoom_first');
    return $('address').focus();
  }
  if (state.tool === 'rect') addRect(c);
  else if (state.tool === 'point') addPoint(c);
  else enterKey(false);
}

function setTool(tool) {
  state.tool = tool;
  state.sketch = null;
  sketchSource.clear();
  if (draw) map.removeInteraction(draw);
  draw = null;
  if (tool === 'line' || tool === 'polygon') {
    draw = new Draw({ source: drawSource, type: tool === 'line' ? 'LineString' : 'Polygon', style: sketchStyle });
    draw.on('drawstart', () => {
      if (!countOk()) draw.abortDrawing();
      else remember();
    });
    draw.on('drawend', (e) => {
      setTimeout(() => {
        select(e.feature);
        changed();
        announce(t('sketch_done', { name: featureName(e.feature, drawSource.getFeatures().indexOf(e.feature) + 1) }));
      });
    });
    map.addInteraction(draw);
  }
  if (snap) map.removeInteraction(snap);
  snap = overlays.street_space ? new Snap({ source: overlays.street_space.getSource(), pixelTolerance: 8 }) : null;
  if (snap) map.addInteraction(snap); // last: snapping sees the pointer before the others
  for (const b of document.querySelectorAll('#tool-choice [role=radio]')) {
    const on = b.dataset.tool === tool;
    b.setAttribute('aria-checked', String(on));
    b.tabIndex = on ? 0 : -1;
  }
  $('size-fields').hidden = tool !== 'rect';
  $('rotate-left').hidden = $('rotate-right').hidden = $('align').hidden = tool !== 'rect';
  $('finish-sketch').hidden = !(tool === 'line' || tool === 'polygon');
}

// ---- the service's tools -------------------------------------------------------
function toolsFor(service) {
  const types = service.geometry?.types || ['Polygon'];
  const tools = [];
  const rectLike = service.rules?.some((r) => r.kind === 'dimensions');
  if (types.includes('Polygon') && rectLike) tools.push('rect');
  if (types.includes('Point')) tools.push('point');
  if (types.includes('LineString')) tools.push('line');
  if (types.includes('Polygon') && (!rectLike || types.includes('LineString'))) tools.push('polygon');
  return tools.length ? tools : ['polygon'];
}

function limitsFor(service) {
  const l = { wmin: 0.5, wmax: 10, lmin: 0.5, lmax: 20 };
  for (const r of service.rules || []) {
    if (r.kind !== 'dimensions') continue;
    const p = r.params || {};
    if (p.measure === 'width') {
      if (p.min_m) l.wmin = p.min_m;
      if (p.max_m) l.wmax = p.max_m;
    } else if (p.measure === 'length') {
      if (p.min_m) l.lmin = p.min_m;
      if (p.max_m) l.lmax = p.max_m;
    }
  }
  return l;
}

function buildToolChoice() {
  const box = $('tool-choice');
  box.replaceChildren();
  for (const tool of state.tools) {
    const b = document.createElement('button');
    b.type = 'button';
    b.setAttribute('role', 'radio');
    b.dataset.tool = tool;
    b.textContent = t(tool === 'rect' && state.service.id === 'skip-container' ? 'tool_rect_skip' : `tool_${tool}`);
    b.addEventListener('click', () => setTool(tool));
    b.addEventListener('keydown', (e) => {
      const i = state.tools.indexOf(tool);
      const d = e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? -1 : 0;
      if (!d) return;
      e.preventDefault();
      const next = state.tools[(i + d + state.tools.length) % state.tools.length];
      setTool(next);
      box.querySelector(`[data-tool=${next}]`).focus();
    });
    box.append(b);
  }
  const L = state.limits;
  for (const [id, min, max] of [['width', L.wmin, L.wmax], ['length', L.lmin, L.lmax]]) {
    $(id).min = min;
    $(id).max = max;
  }
  $('size-limits').textContent = t('size_limits', { wmin: num(L.wmin), wmax: num(L.wmax), lmin: num(L.lmin), lmax: num(L.lmax) });
}

// ---- finishing and the form ------------------------------------------------------
async function finish() {
  await saveNow();
  const res = await api.finish(toFeatureCollection());
  if (!res.ok) {
    if (res.status === 410 || res.status === 404) gone();
    $('finish-why').textContent = t('finish_failed', { msg: res.message });
    return { success: false, message: res.message, missing: [] };
  }
  const b = res.body;
  if (b.validation) showReport(b.validation);
  if (b.success) {
    lock(true);
    $('finish-why').textContent = t('locked');
    announce(`${t('finish_ok')} ${t('locked')}`);
    embedding?.broadcast({
      action: 'geoeditorResult',
      value: { draftId: b.draft_id, report: b.validation, geoJSON: b.geoJSON },
    });
    return { success: true, geoJSON: b.geoJSON };
  }
  // The server's words, each blocking reason named after its shape (showReport).
  const blocking = (b.validation?.violations || []).filter((v) => v.severity === 'error');
  const lang = config.locale === 'en' ? 'en' : 'de';
  const reasons = blocking.length
    ? blocking.map((v) => reasonAbout(v, v.message?.[lang] || v.message?.de || v.rule))
    : b.missing || [];
  $('finish-why').textContent = `${b.message} ${reasons.join(' ')}`;
  announce($('finish-why').textContent);
  return { success: false, message: b.message, missing: b.missing || [] };
}

// After "Fertig" the drawing is what the form holds: locked, so that nothing
// drawn later differs from it unseen. "Ändern" opens it again and tells the
// form (geoeditorResultWithdrawn) that its result no longer holds.
function lock(on) {
  state.locked = on;
  state.moving = null;
  document.body.classList.toggle('locked', on);
  translate.setActive(!on);
  modify.setActive(!on);
  draw?.setActive(!on);
  $('finish').hidden = on;
  $('edit-again').hidden = !on;
  for (const id of ['width', 'length', 'rotation', 'lat', 'lon', 'coord-go', 'proposals-ask', 'period-start', 'period-end', 'period-apply'])
    $(id).disabled = on;
}

function reopen() {
  lock(false);
  $('finish-why').textContent = t('reopened');
  announce(t('reopened'));
  embedding?.broadcast({ action: 'geoeditorResultWithdrawn', value: { draftId: config.draft_id } });
  $('finish').focus();
}

let embedding = null;

// printGeoEditing: the URL of the drawing's map image (GET
// /v1/edit/{token}/map.png), and beside it (pdfUrl, an addition of ours)
// the A4 site plan's (map.pdf). The form may fetch them later: after the
// submission it shows the submitted drawing, until the draft would have
// expired. With nothing drawn there is no image, and the answer says so
// plainly; another refusal gives the server's reason in the draft's language.
async function printUrl() {
  await saveNow();
  if (!drawSource.getFeatures().length) return { success: false, message: t('print_nothing_drawn') };
  const url = `${location.origin}/v1/edit/${encodeURIComponent(token)}/map.png`;
  let res;
  try {
    res = await fetch(url, {
      cache: 'no-store',
      credentials: 'omit',
      headers: { 'Accept-Language': config.locale === 'en' ? 'en' : 'de' },
    });
  } catch {
    return { success: false, message: t('print_network') };
  }
  if (res.ok && /^image\/png/.test(res.headers.get('content-type') || ''))
    return { success: true, downloadUrl: url, pdfUrl: url.replace(/\.png$/, '.pdf') };
  if (res.status === 409) return { success: false, message: t('print_nothing_drawn') };
  const problem = await res.json().catch(() => null);
  return { success: false, message: t('print_failed', { detail: problem?.detail || `HTTP ${res.status}` }) };
}

// ---- start -----------------------------------------------------------------------
async function centreMap(fcExtent) {
  const view = map.getView();
  if (fcExtent && !isEmpty(fcExtent)) return view.fit(fcExtent, { padding: [80, 80, 80, 80], maxZoom: 19 });
  const q = new URLSearchParams(location.search);
  const lon = parseFloat(q.get('lon')), lat = parseFloat(q.get('lat'));
  if (Number.isFinite(lon) && Number.isFinite(lat)) {
    view.setCenter(fromLonLat([lon, lat]));
    return view.setZoom(19);
  }
  const addr = q.get('address')?.match(/^(.*\S)\s+(\d+\s*[a-zA-Z]?)$/);
  if (addr) {
    const res = await api.address(addr[1], addr[2].replace(/\s+/g, ''));
    const f = res.ok && res.body.features?.[0];
    if (f) {
      view.setCenter(fromLonLat(f.geometry.coordinates));
      return view.setZoom(19);
    }
  }
  const res = await api.boundary();
  if (res.ok && res.body.features?.length) {
    const src = new VectorSource({ features: geojson.readFeatures(res.body) });
    view.fit(src.getExtent(), { padding: [20, 20, 20, 20] });
  }
}

function wireUi() {
  const mapEl = $('map');
  mapEl.addEventListener('keydown', onMapKey);
  $('period-form').addEventListener('submit', applyPeriod);
  // The crosshair is the keyboard's pointer: shown when the map got focus
  // from the keyboard, not after a click.
  mapEl.addEventListener('focus', () => {
    if (mapEl.matches(':focus-visible')) document.body.classList.add('map-focused');
  });
  mapEl.addEventListener('keydown', () => document.body.classList.add('map-focused'));
  mapEl.addEventListener('blur', () => document.body.classList.remove('map-focused'));
  map.on('singleclick', onMapClick);
  // Leaving with changes the autosave has not sent yet: send them anyway
  // (keepalive lets the request outlive the page).
  window.addEventListener('pagehide', () => {
    const text = snapshot();
    if (text === state.savedSnapshot || !token) return;
    fetch(`/v1/edit/${encodeURIComponent(token)}/features`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: text,
      keepalive: true,
      credentials: 'omit',
    });
  });
  map.on('moveend', () => state.sketch && drawSketch());
  $('undo').addEventListener('click', undo);
  $('redo').addEventListener('click', redo);
  $('delete').addEventListener('click', deleteSelected);
  $('rotate-left').addEventListener('click', () => rotateBy(-15));
  $('rotate-right').addEventListener('click', () => rotateBy(15));
  $('align').addEventListener('click', alignSelected);
  $('finish-sketch').addEventListener('click', finishSketch);
  $('finish').addEventListener('click', finish);
  $('edit-again').addEventListener('click', reopen);
  $('place-here').addEventListener('click', placeHere);
  const setSheet = (open) => {
    document.body.classList.toggle('sheet-open', open);
    $('sheet-toggle').setAttribute('aria-expanded', String(open));
  };
  $('sheet-toggle').addEventListener('click', () => setSheet(!document.body.classList.contains('sheet-open')));
  // Proposals after an address search: on a phone they are ghosts on the
  // map, numbered (a tap takes one), and their list waits in the folded
  // sheet - so what their live region says is said through ours while it is
  // folded. Tab from the address field goes to the first one, as it says.
  new MutationObserver(() => {
    const text = $('proposals-status').textContent;
    if (phone.matches && text && !document.body.classList.contains('sheet-open')) announce(text);
  }).observe($('proposals-status'), { childList: true, characterData: true, subtree: true });
  $('address').addEventListener('keydown', (e) => {
    const first = $('proposals-list').hidden ? null : $('proposals-list').querySelector('button');
    if (e.key !== 'Tab' || e.shiftKey || !first || $('address').getAttribute('aria-expanded') === 'true') return;
    e.preventDefault();
    first.focus();
  });
  for (const [id, key, lo, hi] of [
    ['width', 'w', () => state.limits.wmin, () => state.limits.wmax],
    ['length', 'l', () => state.limits.lmin, () => state.limits.lmax],
    ['rotation', 'rot', () => 0, () => 359],
  ]) {
    $(id).addEventListener('change', () => {
      let v = parseFloat(String($(id).value).replace(',', '.'));
      if (!Number.isFinite(v)) return syncSizeFields();
      const asked = v;
      v = Math.min(hi(), Math.max(lo(), v));
      // A value outside the service's limits is set to the nearest allowed
      // one, and that is said (visibly and aloud), never done silently.
      const note = v !== asked && key !== 'rot'
        ? t('size_clamped', { what: t(key === 'w' ? 'what_width' : 'what_length'), v: num(v, 2), min: num(lo(), 2), max: num(hi(), 2) })
        : '';
      $('size-note').textContent = note;
      if (!updateSelectedRect({ [key]: v })) state.size[key] = v;
      if (note) announce(note);
      syncSizeFields();
    });
  }
  // The address field centres the map on the chosen address (the crosshair
  // then stands on it, ready for Enter) and says so in the live region.
  initAddressSearch({
    input: $('address'),
    list: $('address-list'),
    status: $('address-status'),
    lang: config.locale === 'en' ? 'en' : 'de',
    onPick: (a) => {
      map.getView().setCenter(fromLonLat([a.lon, a.lat]));
      // street level, where a footprint can be seen
      if (map.getView().getZoom() < 18) map.getView().setZoom(19);
      renderMeasures();
      announce(t('address_centred', { label: a.label }));
      proposals.ask({ point: [a.lon, a.lat], label: a.label });
    },
  });
  $('coord-form').addEventListener('submit', (e) => {
    e.preventDefault();
    if (!editable()) return;
    const lat = parseFloat($('lat').value.replace(',', '.'));
    const lon = parseFloat($('lon').value.replace(',', '.'));
    if (!(Math.abs(lat) <= 90 && Math.abs(lon) <= 180)) {
      $('coord-error').textContent = t('coord_bad');
      return;
    }
    $('coord-error').textContent = '';
    const c = fromLonLat([lon, lat]);
    map.getView().setCenter(c);
    if (map.getView().getZoom() < 18) map.getView().setZoom(19);
    const r = state.selected && rectParams(state.selected);
    if (r) updateSelectedRect({ cx: c[0], cy: c[1] }, () => t('moved_to', { name: featureName(state.selected, drawSource.getFeatures().indexOf(state.selected) + 1) }));
    else if (state.tool === 'rect') addRect(c);
    else if (state.tool === 'point') addPoint(c);
    else enterKey(false);
  });
}

async function start() {
  if (!token) return gone();
  const [svc, feats] = await Promise.all([api.service(config.service), api.getFeatures()]);
  if (!feats.ok && (feats.status === 404 || feats.status === 410)) return gone();
  if (!svc.ok) {
    $('status').textContent = t('check_failed', { msg: svc.message });
    return;
  }
  const service = svc.body;
  const lang = config.locale === 'en' ? 'en' : 'de';
  state.service = service;
  state.tools = toolsFor(service);
  state.maxCount = service.geometry?.max_count || 99;
  state.limits = limitsFor(service);
  state.size.w = Math.min(state.limits.wmax, Math.max(state.limits.wmin, 2));
  // A usual skip's proportions (2 x 3.5 m), within the service's limits: no service id in code.
  state.size.l = Math.min(state.limits.lmax, Math.max(state.limits.lmin, 1.75 * state.size.w));
  $('title').textContent = service.title?.[lang] || t('app_title');
  document.title = `${$('title').textContent} – geoEDITOR`;
  $('service-hint').textContent = service.description?.[lang] || '';
  state.periodRules = new Set((service.rules || []).filter((r) => r.kind?.startsWith('period')).map((r) => r.id));
  showPeriod();

  overlays = overlayLayers(service);
  for (const l of Object.values(overlays)) map.addLayer(l);
  map.addLayer(drawLayer);
  map.addLayer(problemLayer);
  map.addLayer(sketchLayer);
  map.addInteraction(translate);
  map.addInteraction(modify);
  await fillLegend($('legend'), service);
  proposals = initProposals({
    map,
    api,
    geojson,
    service,
    els: {
      list: $('proposals-list'),
      status: $('proposals-status'),
      reasons: $('proposals-reasons'),
      ask: $('proposals-ask'),
      fix: $('fix'),
      fixButton: $('fix-take'),
      fixDone: $('fix-done'),
      fixWhere: $('fix-where'),
    },
    drawing: toFeatureCollection,
    // proposals of the size in the fields, as a rectangle drawn by hand would be
    size: () => (state.tool === 'rect' ? { width_m: state.size.w, length_m: state.size.l } : null),
    limits: () => state.limits,
    maxCount: () => state.maxCount,
    crosshair: () => toLonLat(centre()),
    take: takeDrawing,
    // a shape's name as every other message says it ("Rechteck 1")
    nameAt: (i) => {
      const f = drawSource.getFeatures()[i - 1];
      return f ? featureName(f, i) : t('name_polygon', { i });
    },
  });
  buildToolChoice();
  wireUi();
  setTool(state.tools[0]);

  if (feats.ok) fromFeatureCollection(feats.body);
  state.savedSnapshot = snapshot();
  await centreMap(drawSource.getFeatures().length ? drawSource.getExtent() : null);
  syncSizeFields();
  renderMeasures();
  await validateNow();

  embedding = startEmbedding({
    origins: config.origins,
    handlers: {
      finishGeoEditing: async () => ({ action: 'finishGeoEditing_response', value: await finish() }),
      printGeoEditing: async () => ({ action: 'printGeoEditing_response', value: await printUrl() }),
    },
  });
  // For the browser tests: where a place is on screen, and that start-up ended.
  window.geoeditor = {
    pixelOf: (lon, lat) => map.getPixelFromCoordinate(fromLonLat([lon, lat])),
    ghostCentre: (i) => proposals.ghostCentre(i),
    map,
    centreLonLat: () => toLonLat(centre()),
  };
  document.body.dataset.ready = '1';
}

start();
