// proposals.js - the placement assistant in the applicant's editor
// (POST /v1/edit/{token}/placements, server/handlers_placements.c):
//
// - "Vorschläge": after an address is picked, or with the button at the map
//   centre (the keyboard's crosshair), up to three valid places are asked
//   for and shown as a numbered list of buttons and as numbered dashed
//   "ghost" footprints on the map. A click or tap on an item or a ghost, or
//   Enter on a focused item, takes it: the drawing becomes that proposal's
//   features (the whole drawing as the server sent it), and main.js saves
//   and checks it like any edit. A polite live region says how many were
//   found and reads the first one's sentence ("Lindenallee, vor Nr. 9,
//   Nordseite"), or the distance while the server sends no sentence; with
//   none it gives the server's reasons in the page's language.
// - "Nächster gültiger Platz": when a check finds that one drawn feature
//   breaks a rule that moving it can cure (inside, outside, distances,
//   conflicts), the nearest valid place for it is asked for (limit 1, the
//   other features kept) and offered as one button, "4 m nach Osten", the
//   distance and the compass direction between the old and the new
//   footprint's centroids.
//
// The drawing itself stays main.js's: this module reads it through
// drawing() and hands a chosen proposal back through take(fc, index).
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import Point from 'ol/geom/Point.js';
import { fromLonLat, toLonLat } from 'ol/proj.js';
import { Style, Fill, Stroke, Circle as CircleStyle, Text } from 'ol/style.js';
import { getLang, num, t, tn } from '../common/i18n.js';
import { centroid, offsetBetween } from './geometry.js';

const LIST_LIMIT = 3;
// Rule kinds whose errors a move can cure.
const MOVABLE = new Set(['inside', 'outside', 'min_distance', 'max_distance', 'conflict']);

// ---- the ghosts' look: provisional (dashed, light), numbered like the list --
const INK = '#1d2733';
function ghostStyles(n, hot) {
  const line = [
    new Stroke({ color: '#ffffff', width: hot ? 6 : 4.5 }),
    new Stroke({ color: INK, width: hot ? 3 : 2, lineDash: [6, 4] }),
  ];
  const styles = line.map(
    (stroke, i) =>
      new Style({
        stroke,
        fill: i ? new Fill({ color: hot ? 'rgba(255, 191, 71, 0.45)' : 'rgba(255, 255, 255, 0.35)' }) : undefined,
        image: new CircleStyle({
          radius: hot ? 9 : 7,
          stroke,
          fill: i ? new Fill({ color: 'rgba(255, 255, 255, 0.6)' }) : undefined,
        }),
      }),
  );
  // The number in a round badge as in the list (the drawing's own numbers
  // are square and blue), above the shape so that it hides nothing.
  if (n)
    styles.push(
      new Style({
        image: new CircleStyle({
          radius: 9,
          fill: new Fill({ color: INK }),
          stroke: new Stroke({ color: hot ? '#ffbf47' : '#ffffff', width: hot ? 3 : 1.5 }),
          displacement: [0, 14],
        }),
        text: new Text({
          text: String(n),
          font: 'bold 12px system-ui, sans-serif',
          fill: new Fill({ color: '#ffffff' }),
          offsetY: -14,
        }),
        geometry: (f) => {
          const e = f.getGeometry().getExtent();
          return new Point([(e[0] + e[2]) / 2, e[3]]);
        },
      }),
    );
  return styles;
}

// map, api (api.placements), geojson (CRS84 <-> map), els {list, status,
// reasons, ask, fix, fixButton, fixDone, fixWhere}; drawing() -> the
// FeatureCollection drawn; size() -> {width_m, length_m} for new proposals
// or null (the service's default); limits() -> {wmin, wmax, lmin, lmax};
// maxCount() -> how many features the service allows; crosshair() -> the
// map centre as [lon, lat]; take(fc, index) replaces the drawing and selects
// feature index.
export function initProposals({ map, api, geojson, service, els, drawing, size, limits, maxCount, crosshair, take, nameAt }) {
  const source = new VectorSource();
  const layer = new VectorLayer({ source, zIndex: 9, style: (f) => ghostStyles(f.get('n'), f.get('hot')) });
  map.addLayer(layer);

  const kindOf = new Map((service.rules || []).map((r) => [r.id, r.kind]));
  const lang = () => getLang();

  let list = null; // {items: [{fc, feature, text, sub}], where, taken}
  let listSeq = 0;
  let fix = null; // {state: 'asking'|'offer'|'none'|'taken', key, ...}
  let fixSeq = 0;
  let lastReport = null;
  let taking = false;

  // ---- texts -------------------------------------------------------------
  const words = (o) => (o ? o[lang()] || o.de || o.en || '' : '');

  // The sentence of a placement: its location, else the location of the
  // proposed feature in its report, else null.
  function sentenceOf(p) {
    const own = words(p.location);
    if (own) return own;
    const last = (p.features?.features?.length || 1) - 1;
    return words(p.report?.measures?.find((m) => m.feature === last)?.location) || null;
  }

  function metres(d) {
    return d < 1 ? num(d, 1) : num(Math.round(d), 0);
  }

  // "14 m südwestlich von Lindenallee 9": the server's distance to the
  // proposal, the direction from the anchor to its centroid.
  function distanceText(p, feature, near) {
    const d = metres(p.distance_m || 0);
    const dir = t(`dir_of_${offsetBetween(fromLonLat(near.point), centroid(feature.getGeometry())).dir}`);
    return near.label
      ? t('proposal_distance_address', { d, dir, label: near.label })
      : t('proposal_distance_centre', { d, dir });
  }

  function where(near) {
    return near.label ? t('near_address', { label: near.label }) : t('near_centre');
  }

  // The live region: what is seen, and what only a screen reader needs to
  // hear besides (the first proposal, the reasons: both listed below it).
  function setStatus(text, state, heard = '') {
    const seen = document.createElement('span');
    seen.textContent = text;
    els.status.replaceChildren(seen);
    if (heard) {
      const more = document.createElement('span');
      more.className = 'visually-hidden';
      more.textContent = ` ${heard}`;
      els.status.append(more);
    }
    document.body.dataset.proposals = state;
  }

  // ---- ghosts ------------------------------------------------------------
  function redrawGhosts() {
    source.clear();
    list?.items.forEach((it, i) => {
      if (list.taken === i) return;
      it.feature.set('n', i + 1);
      it.feature.set('hot', list.hot === i);
      source.addFeature(it.feature);
    });
    if (fix?.state === 'offer') source.addFeature(fix.feature);
  }

  // The proposal as a rectangle of the size asked for, when it is one (the
  // editor then rotates and resizes it like one drawn by hand).
  function named(o, answer) {
    if (answer.shape !== 'rectangle' || !answer.size) return o;
    return { ...o, properties: { ...o.properties, shape: 'rectangle', ...answer.size } };
  }

  function readGhost(o) {
    const f = geojson.readFeature({ ...o, id: undefined });
    f.setProperties({ n: 0, hot: false }, true);
    return f;
  }

  // Every ghost in view, the anchor staying in the centre (where the
  // crosshair is), as close as zoom 20 (a skip about 25 pixels long).
  function showAll(anchor) {
    const feats = source.getFeatures();
    const size = map.getSize();
    if (!feats.length || !size) return;
    const view = map.getView();
    let dx = 0, dy = 0;
    for (const f of feats) {
      const e = f.getGeometry().getExtent();
      dx = Math.max(dx, Math.abs(e[0] - anchor[0]), Math.abs(e[2] - anchor[0]));
      dy = Math.max(dy, Math.abs(e[1] - anchor[1]), Math.abs(e[3] - anchor[1]));
    }
    const pad = 48; // pixels kept free at the edges (and for the numbers)
    const need = Math.max(dx / Math.max(1, size[0] / 2 - pad), dy / Math.max(1, size[1] / 2 - pad));
    view.setCenter(anchor);
    view.setResolution(Math.max(need, view.getResolutionForZoom(20)));
  }

  // ---- the list ----------------------------------------------------------
  // What a proposal keeps: the drawn features the last check found no error
  // in (a broken one would make every proposal fail, and the proposal is
  // meant to replace it), leaving room for the proposal itself.
  function keptFeatures() {
    const fc = drawing();
    const broken = new Set(
      (lastReport?.violations || []).filter((v) => v.severity === 'error' && Number.isInteger(v.feature)).map((v) => v.feature),
    );
    const kept = fc.features.filter((_, i) => !broken.has(i));
    return { type: 'FeatureCollection', features: kept.slice(0, Math.max(0, maxCount() - 1)) };
  }

  function clearList() {
    listSeq++;
    list = null;
    els.list.replaceChildren();
    els.reasons.replaceChildren();
    els.list.hidden = true;
    els.reasons.hidden = true;
    redrawGhosts();
  }

  // near: {point: [lon, lat], label?: 'Lindenallee 9'} (no label: the
  // crosshair). Asks, then lists and draws what came back.
  async function ask(near) {
    clearList();
    const mine = listSeq;
    setStatus(t('proposals_searching'), 'searching');
    const body = { near: { point: near.point }, limit: LIST_LIMIT };
    const kept = keptFeatures();
    if (kept.features.length) body.features = kept; // the server wants none rather than an empty one
    const s = size();
    if (s) body.size = s;
    const res = await api.placements(body);
    if (mine !== listSeq) return; // the drawing or the question changed meanwhile
    if (!res.ok) {
      setStatus(t('proposals_failed', { msg: res.message }), 'error');
      return;
    }
    const placements = res.body.placements || [];
    list = {
      near,
      taken: -1,
      hot: -1,
      items: placements.map((p) => {
        const fs = p.features?.features || [];
        const sentence = sentenceOf(p);
        fs[fs.length - 1] = named(fs[fs.length - 1], res.body);
        const feature = readGhost(fs[fs.length - 1]);
        return {
          fc: p.features,
          index: fs.length - 1,
          feature,
          text: sentence || distanceText(p, feature, near),
          sub: sentence ? distanceText(p, feature, near) : '',
        };
      }),
    };
    renderList();
    const reasons = (res.body.reasons || []).map(words).filter(Boolean);
    els.reasons.replaceChildren(
      ...reasons.map((r) => {
        const li = document.createElement('li');
        li.textContent = r;
        return li;
      }),
    );
    els.reasons.hidden = !reasons.length;
    if (list.items.length)
      setStatus(
        t('proposals_found', { count: tn('proposals_count', list.items.length), where: where(near) }),
        'shown',
        t('proposals_first', { text: list.items[0].text }),
      );
    else setStatus(t('proposals_none', { where: where(near) }), 'none', reasons.join(' '));
    redrawGhosts();
    showAll(fromLonLat(near.point));
  }

  function renderList() {
    els.list.replaceChildren();
    list.items.forEach((it, i) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'proposal';
      b.dataset.i = String(i);
      // Heard as "Vorschlag 1: ...", seen as a numbered badge (an inline
      // block, which would split the name if it carried the number).
      const hidden = document.createElement('span');
      hidden.className = 'visually-hidden';
      hidden.textContent = `${t('proposal_word')} ${i + 1}:`;
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.setAttribute('aria-hidden', 'true');
      badge.textContent = String(i + 1);
      const text = document.createElement('span');
      text.className = 'text';
      text.textContent = ` ${it.text}`;
      b.append(hidden, badge, text);
      if (it.sub) {
        const sub = document.createElement('span');
        sub.className = 'sub';
        sub.textContent = ` ${it.sub}`;
        b.append(sub);
      }
      if (list.taken === i) {
        const mark = document.createElement('span');
        mark.className = 'taken';
        mark.textContent = ` ${t('proposal_taken_mark')}`;
        b.append(mark);
        b.setAttribute('aria-current', 'true');
      }
      b.addEventListener('click', () => takeProposal(i));
      b.addEventListener('focus', () => hot(i));
      b.addEventListener('mouseenter', () => hot(i));
      b.addEventListener('blur', () => hot(-1));
      b.addEventListener('mouseleave', () => hot(-1));
      // Up and Down move between the items as well as Tab does.
      b.addEventListener('keydown', (e) => {
        const d = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
        if (!d) return;
        e.preventDefault();
        const n = list.items.length;
        els.list.querySelector(`button[data-i="${(i + d + n) % n}"]`)?.focus();
      });
      li.append(b);
      els.list.append(li);
    });
    els.list.hidden = !list.items.length;
  }

  function hot(i) {
    if (!list || list.hot === i) return;
    list.hot = i;
    redrawGhosts();
  }

  function takeProposal(i) {
    const it = list?.items[i];
    if (!it) return;
    const focused = document.activeElement?.closest?.('#proposals-list') ? i : -1;
    taking = true;
    try {
      take(it.fc, it.index);
    } finally {
      taking = false;
    }
    list.taken = i;
    list.hot = -1;
    renderList();
    redrawGhosts();
    if (focused >= 0) els.list.querySelector(`button[data-i="${i}"]`)?.focus();
    setStatus(t('proposal_taken', { i: i + 1, text: it.text }), 'taken');
  }

  // ---- the nearest valid place for a broken feature ------------------------
  function hideFix() {
    fixSeq++;
    fix = null;
    els.fix.hidden = true;
    els.fixButton.hidden = true;
    els.fixDone.textContent = '';
    els.fixWhere.textContent = '';
    delete document.body.dataset.fix;
    redrawGhosts();
  }

  // The one feature a move could make valid: every error is about it and
  // one of them is of a movable kind; else -1.
  function movableFeature(report) {
    const errs = (report.violations || []).filter((v) => v.severity === 'error');
    if (!errs.length) return -1;
    const i = errs[0].feature;
    if (!Number.isInteger(i) || i < 0 || errs.some((v) => v.feature !== i)) return -1;
    return errs.some((v) => MOVABLE.has(v.kind || kindOf.get(v.rule))) ? i : -1;
  }

  function fixSize(props) {
    const L = limits();
    const w = +props?.width_m, l = +props?.length_m;
    if (props?.shape !== 'rectangle' || !(w >= L.wmin && w <= L.wmax && l >= L.lmin && l <= L.lmax)) return null;
    return { width_m: w, length_m: l };
  }

  async function offerFix(report) {
    const i = movableFeature(report);
    if (i < 0) {
      if (fix?.state !== 'taken') hideFix();
      return;
    }
    const fc = drawing();
    const key = `${i}:${JSON.stringify(fc)}`;
    if (fix?.key === key) return; // asked already; the answer is shown or on its way
    hideFix();
    const mine = fixSeq;
    const from = centroid(geojson.readGeometry(fc.features[i].geometry));
    fix = { state: 'asking', key };
    const others = fc.features.filter((_, k) => k !== i);
    const body = { near: { point: toLonLat(from) }, limit: 1 };
    if (others.length) body.features = { type: 'FeatureCollection', features: others };
    const s = fixSize(fc.features[i].properties);
    if (s) body.size = s;
    const res = await api.placements(body);
    if (mine !== fixSeq) return;
    const p = res.ok ? res.body.placements?.[0] : null;
    if (!p) {
      // Nothing near, or the server could not say: the list of problems
      // stays the answer; the reasons say why no place fits.
      const reasons = res.ok ? (res.body.reasons || []).map(words).filter(Boolean) : [];
      fix = { state: 'none', key };
      if (reasons.length) {
        els.fixWhere.textContent = t('fix_none', { reasons: reasons.join(' ') });
        els.fix.hidden = false;
        document.body.dataset.fix = 'none';
      }
      return;
    }
    const fs = p.features.features;
    const proposal = named(fs[fs.length - 1], res.body);
    const feature = readGhost(proposal);
    const off = offsetBetween(from, centroid(feature.getGeometry()));
    // The proposal takes the broken feature's place in the order, so that
    // "Rechteck 1" stays number 1.
    const whole = { ...p.features, features: [...fs.slice(0, i), proposal, ...fs.slice(i, fs.length - 1)] };
    fix = { state: 'offer', key, fc: whole, index: i, feature, d: metres(off.metres), dir: t(`dir_${off.dir}`), sentence: sentenceOf(p) };
    els.fixButton.textContent = t('fix_offer', { d: fix.d, dir: fix.dir });
    els.fixButton.hidden = false;
    els.fixWhere.textContent = fix.sentence || '';
    els.fix.hidden = false;
    document.body.dataset.fix = 'offer';
    redrawGhosts();
  }

  function takeFix() {
    if (fix?.state !== 'offer') return;
    const f = fix;
    const hadFocus = document.activeElement === els.fixButton;
    taking = true;
    try {
      take(f.fc, f.index);
    } finally {
      taking = false;
    }
    fix = { state: 'taken', key: null };
    els.fixButton.hidden = true;
    els.fixWhere.textContent = '';
    els.fixDone.textContent = [t('fix_taken', { name: nameAt(f.index + 1), d: f.d, dir: f.dir }), f.sentence].filter(Boolean).join(' ');
    document.body.dataset.fix = 'taken';
    if (hadFocus) els.fixDone.focus(); // the button is gone; the words of what happened take its place
    redrawGhosts();
  }

  els.fixButton.addEventListener('click', takeFix);
  els.ask.addEventListener('click', () => ask({ point: crosshair() }));

  return {
    ask,
    // A check of the current drawing finished.
    onReport(report) {
      lastReport = report;
      offerFix(report);
    },
    // The drawing changed: what was proposed for the old one no longer
    // fits (but taking a proposal is a change of its own making).
    drawingChanged() {
      lastReport = null;
      if (taking) return;
      hideFix();
      if (list) {
        clearList();
        setStatus('', 'none');
      }
    },
    // A click or tap on the map: true when it took a ghost.
    clickAt(pixel) {
      let hit = null;
      map.forEachFeatureAtPixel(pixel, (f) => (hit = f), { layerFilter: (l) => l === layer, hitTolerance: 6 });
      if (!hit) return false;
      if (fix?.feature === hit) takeFix();
      else {
        const i = list?.items.findIndex((it) => it.feature === hit);
        if (i === undefined || i < 0) return false;
        takeProposal(i);
      }
      return true;
    },
    hasGhostAt(pixel) {
      return map.hasFeatureAtPixel(pixel, { layerFilter: (l) => l === layer, hitTolerance: 6 });
    },
    // For the browser tests: a ghost's centre as [lon, lat].
    ghostCentre(i) {
      const f = i === 'fix' ? fix?.feature : list?.items[i]?.feature;
      return f ? toLonLat(centroid(f.getGeometry())) : null;
    },
  };
}
