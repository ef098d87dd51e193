// list.js - the case list beside its map: the filters (service, status,
// period, free text, only the map's area) become the query of GET /v1/cases;
// the answer fills the list and decides which cases the map draws, so list
// and map always show the same cases. Selecting a case in the list (focus
// or click) highlights it on the map; clicking it on the map selects it in
// the list and says so in the live region. Each case says how many other
// cases conflict with it now (conflicts of GET /v1/cases). The map fits
// the listed cases until the caseworker moves it (see fitCases). Each case
// says where it is in words: the location sentence of its first feature
// (location of GET /v1/cases), in the page's language.
//
// The morning view: above the filters, the server's summary of the cases
// the filters match whatever their status (how many in each status, each a
// button that shows only those, and how many open ones start within the
// next 7 days); the list in the order chosen (by default the period's
// start, open cases first: ?sort= of GET /v1/cases); each open case says
// how many days remain until it starts (counted from the server's "today",
// plurals by Intl.PluralRules), and a case with conflicts carries a badge.
import { api } from './api.js';
import { createExport } from './export.js';
import { date, daysBetween, localToday, num, period, pick, t, tn } from './i18n.js';
import { STATUS_COLOUR, byApp, casesLayer, cityBox, createMap, fitBoxes, labelHalfWidth, labelZoom, onUserMove, viewBbox } from './map.js';

const $ = (id) => document.getElementById(id);
const PAGE = 100;
// The list's last URL in this tab (its filters), for the way back from a case.
export const LIST_URL_KEY = 'geoeditor-review-list';
const STATUSES = ['received', 'in_review', 'changes_requested', 'approved', 'rejected'];
const CLOSED = new Set(['approved', 'rejected']);
const SORTS = ['start', 'newest', 'oldest', 'reference'];
// A single case (or a few side by side) is shown this close and no closer:
// its shape, not a dot (map.js DOT_RESOLUTION), with the street it stands
// in and the house numbers around it.
const CASE_MAX_ZOOM = 19;

export function statusBadge(status) {
  const b = document.createElement('span');
  b.className = `badge status-${status}`;
  b.textContent = t(`status_${status}`);
  return b;
}

// Where a case is, in words (a {de, en} location sentence), as a line of
// the card or the case's summary; null when nothing can be said. The label
// is for screen readers on a card (the sentence speaks for itself to the
// eye) and shown in the case's summary.
export function whereLine(location, { tag = 'p', cls = 'case-where', showLabel = false } = {}) {
  const text = pick(location);
  if (!text) return null;
  const line = document.createElement(tag);
  line.className = cls;
  const label = document.createElement(showLabel ? 'strong' : 'span');
  if (!showLabel) label.className = 'visually-hidden';
  label.textContent = `${t('location_label')}: `;
  line.append(label, document.createTextNode(text));
  return line;
}

// How far the case's period is from today, for an open case: "beginnt in
// 3 Tagen", "beginnt heute", "begonnen vor 2 Tagen", "Zeitraum abgelaufen";
// null for a closed case or one without a period.
export function daysText(c, today) {
  if (CLOSED.has(c.status) || !c.period?.start) return null;
  const toStart = daysBetween(today, c.period.start);
  if (toStart === null) return null;
  if (toStart > 0) return { text: tn('starts_in', toStart), soon: toStart <= 7 };
  if (toStart === 0) return { text: t('starts_today'), soon: true };
  const toEnd = daysBetween(today, c.period.end || c.period.start);
  if (toEnd !== null && toEnd < 0) return { text: t('period_over'), soon: false };
  return { text: tn('started', -toStart), soon: true };
}

export function checksText(errors, warnings) {
  if (!errors && !warnings) return t('checks_none');
  const parts = [];
  if (errors) parts.push(t(errors === 1 ? 'checks_error_one' : 'checks_errors', { n: errors }));
  if (warnings) parts.push(t(warnings === 1 ? 'checks_warning_one' : 'checks_warnings', { n: warnings }));
  return parts.join(', ');
}

export async function createList(app) {
  const state = {
    cases: [],
    matched: 0,
    selected: null,
    summary: null, // the server's summary of the last answer
    seq: 0,
    follow: true, // the map fits the list until the caseworker moves it
    visible: false,
  };

  // ---- filters ---------------------------------------------------------------
  function fillSelects() {
    const svc = $('f-service');
    const keep = svc.value;
    const mine = app.user.role === 'admin' ? [...app.services.keys()] : app.user.services || [];
    // An admin's "all" is every service, not "all of mine".
    svc.replaceChildren(new Option(t(app.user.role === 'admin' ? 'filter_service_all_admin' : 'filter_service_all'), ''));
    for (const id of mine) svc.append(new Option(app.serviceTitle(id), id));
    svc.value = [...svc.options].some((o) => o.value === keep) ? keep : '';

    const st = $('f-status');
    const keepSt = st.value || 'open';
    st.replaceChildren(
      new Option(t('filter_status_open'), 'open'),
      new Option(t('filter_status_closed'), 'closed'),
      new Option(t('filter_status_all'), ''),
    );
    for (const s of STATUSES) st.append(new Option(t(`status_${s}`), s));
    st.value = keepSt;

    const so = $('f-sort');
    const keepSo = so.value || 'start';
    so.replaceChildren(...SORTS.map((x) => new Option(t(`sort_${x}`), x)));
    so.value = keepSo;
  }

  function query(offset = 0) {
    const q = new URLSearchParams();
    if ($('f-service').value) q.set('service', $('f-service').value);
    if ($('f-status').value) q.set('status', $('f-status').value);
    if ($('f-from').value) q.set('from', $('f-from').value);
    if ($('f-to').value) q.set('to', $('f-to').value);
    const text = $('f-q').value.trim();
    if (text) q.set('q', text);
    if ($('f-bbox').checked) q.set('bbox', viewBbox(map).map((v) => v.toFixed(6)).join(','));
    q.set('sort', $('f-sort').value || 'start');
    q.set('limit', String(PAGE));
    if (offset) q.set('offset', String(offset));
    return q.toString();
  }

  // ---- the filters in the URL -------------------------------------------------
  // The list's filters (all but "only cases in the map area": the map's view
  // is not in the URL) live in the fragment, #/?status=received&sort=reference,
  // so that a reload, a bookmark, the back button from a case and "Zurück zur
  // Liste" find the same list. Defaults are left out: the open cases by
  // start are "#/". Changes replace the entry rather than add one, so the
  // back button leaves the list instead of undoing filter by filter. The
  // tab remembers the list's URL (sessionStorage, dropped by a logout) for
  // "Zurück zur Liste" of a case the page was reloaded at.
  const DAY = /^\d{4}-\d{2}-\d{2}$/;
  function filterHash() {
    const q = new URLSearchParams();
    if ($('f-service').value) q.set('service', $('f-service').value);
    if ($('f-status').value !== 'open') q.set('status', $('f-status').value || 'all');
    if ($('f-sort').value && $('f-sort').value !== 'start') q.set('sort', $('f-sort').value);
    if ($('f-from').value) q.set('from', $('f-from').value);
    if ($('f-to').value) q.set('to', $('f-to').value);
    const text = $('f-q').value.trim();
    if (text) q.set('q', text);
    const qs = q.toString();
    return qs ? `#/?${qs}` : '#/';
  }
  function writeHash() {
    const h = filterHash();
    $('back').setAttribute('href', h);
    sessionStorage.setItem(LIST_URL_KEY, h);
    if (state.visible && location.hash !== h && !location.hash.startsWith('#/case/')) history.replaceState(history.state, '', h);
  }
  // The URL's filters into the form; false when the URL has none ("#/").
  function readHash() {
    const m = location.hash.match(/^#\/\?(.*)$/);
    if (!m) return false;
    const q = new URLSearchParams(m[1]);
    const choose = (id, v, fallback) => {
      const sel = $(id);
      sel.value = [...sel.options].some((o) => o.value === v) ? v : fallback;
    };
    choose('f-service', q.get('service') || '', '');
    const st = q.get('status');
    choose('f-status', st === 'all' ? '' : st || 'open', 'open');
    choose('f-sort', q.get('sort') || 'start', 'start');
    $('f-from').value = DAY.test(q.get('from') || '') ? q.get('from') : '';
    $('f-to').value = DAY.test(q.get('to') || '') ? q.get('to') : '';
    $('f-q').value = q.get('q') || '';
    return true;
  }

  // ---- the map ---------------------------------------------------------------
  const map = await createMap('list-map', { overlays: false });
  const layer = await casesLayer(map, { fetchFeatures: (id) => api.features(id) });
  app.listMap = map;
  app.listLayer = layer;

  // A cluster of several cases opens up: the map zooms in on them.
  function openCluster(cl) {
    state.follow = false;
    map.getView().fit(cl.extent, { padding: padding(), maxZoom: CASE_MAX_ZOOM, duration: 250 });
    app.announce(t('map_cluster', { n: num(cl.ids.length, 0) }));
  }
  map.on('singleclick', (ev) => {
    const cl = layer.clusterAt(ev.pixel);
    if (cl && cl.ids.length > 1) {
      openCluster(cl);
      return;
    }
    const id = layer.caseAt(ev.pixel);
    if (!id) return;
    select(id, { scroll: true });
    const c = state.cases.find((x) => x.case_id === id);
    if (c) app.announce(t('selected_case', { ref: c.reference || id }));
  });
  // By keyboard: Enter on the focused map opens the cluster nearest to its
  // centre (the arrow keys bring another one there), as a click on it would.
  $('list-map').addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' || ev.target !== $('list-map') || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    ev.preventDefault();
    const cl = layer.clusterNear(map.getView().getCenter());
    if (cl) openCluster(cl);
    else app.announce(t('map_no_cluster'));
  });
  map.on('pointermove', (ev) => {
    if (ev.dragging) return;
    map.getTargetElement().style.cursor = layer.caseAt(ev.pixel) || layer.clusterAt(ev.pixel) ? 'pointer' : '';
  });
  map.on('dblclick', (ev) => {
    const id = layer.caseAt(ev.pixel);
    if (!id) return;
    ev.preventDefault();
    location.hash = `#/case/${id}`;
  });
  // ---- the map follows the list ----------------------------------------------
  // After each load the map fits the listed cases' boxes (bbox of each case
  // in GET /v1/cases), or the city when the filter shows none. Once the
  // caseworker moves the map (drag, wheel, zoom buttons, arrow keys) it
  // stays where they put it, and filter changes only change which cases are
  // drawn, until they ask with the button "Zoom to the cases". With "only
  // cases in the map area" the map is the filter and never moves by itself.
  onUserMove(map, () => {
    state.follow = false;
  });
  // Room for what covers the map's edges: the zoom buttons (left), the
  // button above and the key (bottom right, over the scale bar's row); and
  // at the sides for half the widest label a symbol there can carry (a
  // cluster's "MS-2026-0101, MS-2026-0102" is centred on it).
  function padding() {
    const m = $('list-map').getBoundingClientRect();
    const tools = $('list-map-tools').getBoundingClientRect();
    const key = $('list-legend').getBoundingClientRect();
    const top = Math.min(m.height * 0.25, Math.max(48, tools.bottom - m.top + 16));
    const bottom = Math.min(m.height * 0.4, Math.max(48, m.bottom - key.top + 16));
    const labels = state.cases.map((c) => c.reference || t('no_reference'));
    const side = Math.min(m.width * 0.3, Math.max(80, labelHalfWidth(labels) + 8));
    return [top, side, bottom, side];
  }
  async function fitCases() {
    const boxes = state.cases.map((c) => c.bbox).filter((b) => Array.isArray(b) && b.length === 4);
    if (boxes.length) return fitBoxes(map, boxes, { maxZoom: CASE_MAX_ZOOM, padding });
    const city = await cityBox();
    return city ? fitBoxes(map, [city], { maxZoom: 17, padding }) : false;
  }
  $('list-fit').addEventListener('click', async () => {
    state.follow = true;
    await fitCases();
    const n = state.cases.length;
    app.announce(n === 0 ? t('list_fit_city_done') : t(n === 1 ? 'list_fit_done_one' : 'list_fit_done', { n: num(n, 0) }));
  });

  let moveTimer = null;
  map.on('moveend', () => {
    if (!$('f-bbox').checked || !state.visible) return;
    clearTimeout(moveTimer);
    moveTimer = setTimeout(() => load(), 300);
  });

  function legend() {
    const ul = $('list-legend');
    ul.setAttribute('aria-label', t('legend'));
    ul.replaceChildren();
    for (const s of STATUSES) {
      const li = document.createElement('li');
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = STATUS_COLOUR[s];
      sw.setAttribute('aria-hidden', 'true');
      li.append(sw, document.createTextNode(t(`status_${s}`)));
      ul.append(li);
    }
    // A dark circle with a number: cases close together, zoomed out.
    const cl = document.createElement('li');
    const csw = document.createElement('span');
    csw.className = 'swatch cluster';
    csw.setAttribute('aria-hidden', 'true');
    cl.append(csw, document.createTextNode(t('legend_cluster')));
    ul.append(cl);
    // The base map's dashed blue lines are cycle lanes, not cases.
    const li = document.createElement('li');
    const sw = document.createElement('span');
    sw.className = 'swatch line cycleway-base';
    sw.setAttribute('aria-hidden', 'true');
    li.append(sw, document.createTextNode(t('legend_cycleway')));
    ul.append(li);
  }

  // ---- the list --------------------------------------------------------------
  function select(id, { scroll = false } = {}) {
    state.selected = id;
    layer.select(id);
    for (const li of $('case-list').children) {
      const on = li.dataset.caseId === id;
      li.classList.toggle('selected', on);
      if (on) {
        li.setAttribute('aria-current', 'true');
        if (scroll) li.scrollIntoView({ block: 'nearest' });
      } else li.removeAttribute('aria-current');
    }
  }

  function item(c) {
    const li = document.createElement('li');
    li.className = 'case-item';
    li.dataset.caseId = c.case_id;
    li.dataset.status = c.status;
    li.dataset.service = c.service;
    if (c.bbox) li.dataset.bbox = JSON.stringify(c.bbox);
    const head = document.createElement('div');
    head.className = 'case-head';
    const a = document.createElement('a');
    a.href = `#/case/${c.case_id}`;
    a.className = 'case-ref';
    a.textContent = c.reference || t('no_reference');
    const badges = document.createElement('span');
    badges.className = 'case-badges';
    // Other cases in the same place and time (counted now, unlike the
    // report at submission, which knew only the cases before it): a badge
    // on the case itself, so that what collides shows at once.
    if (c.conflicts > 0) {
      const k = document.createElement('span');
      k.className = 'badge case-conflicts';
      k.textContent = t(c.conflicts === 1 ? 'list_conflicts_one' : 'list_conflicts', { n: num(c.conflicts, 0) });
      badges.append(k);
    }
    badges.append(statusBadge(c.status));
    head.append(a, badges);
    const where = whereLine(c.location);
    const meta = document.createElement('p');
    meta.className = 'case-meta';
    meta.textContent = `${app.serviceTitle(c.service)} · ${period(c.period)}`;
    const days = daysText(c, state.summary?.today || localToday());
    if (days) {
      const d = document.createElement('span');
      d.className = `case-days${days.soon ? ' soon' : ''}`;
      d.textContent = days.text;
      meta.append(document.createTextNode(' · '), d);
    }
    const checks = document.createElement('p');
    checks.className = `case-checks${c.errors ? ' has-errors' : c.warnings ? ' has-warnings' : ''}`;
    checks.textContent = checksText(c.errors, c.warnings);
    const who = document.createElement('p');
    who.className = 'case-meta';
    who.textContent = [c.applicant_name, t('received_on', { date: date((c.created || '').slice(0, 10)) })]
      .filter(Boolean)
      .join(' · ');
    li.append(...[head, where, meta, checks, who].filter(Boolean));
    li.addEventListener('click', (ev) => {
      if (ev.target.closest('a')) return;
      select(c.case_id);
    });
    a.addEventListener('focus', () => select(c.case_id));
    return li;
  }

  // The summary above the filters: one button per status with its count
  // (pressed while the status filter shows just that status), and the open
  // cases that start within the next 7 days.
  function renderSummary() {
    const sum = state.summary;
    const ul = $('summary-statuses');
    ul.setAttribute('aria-label', t('summary_statuses'));
    ul.replaceChildren();
    $('summary').hidden = !sum;
    if (!sum) return;
    const current = $('f-status').value;
    for (const s of STATUSES) {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'summary-count';
      b.dataset.status = s;
      b.setAttribute('aria-pressed', String(current === s));
      b.title = t('summary_show', { status: t(`status_${s}`) });
      const n = document.createElement('span');
      n.className = 'n';
      n.textContent = num(sum.statuses?.[s] ?? 0, 0);
      const label = document.createElement('span');
      label.textContent = t(`status_${s}`);
      b.append(n, label);
      b.addEventListener('click', () => {
        $('f-status').value = current === s ? 'open' : s;
        changed();
      });
      li.append(b);
      ul.append(li);
    }
    const soon = $('summary-soon');
    const n = document.createElement('span');
    n.className = 'n';
    n.textContent = num(sum.starting_soon?.count ?? 0, 0);
    const hint = document.createElement('span');
    hint.className = 'small';
    hint.textContent = ` (${t('summary_soon_hint', { date: date(sum.starting_soon?.until) })})`;
    soon.replaceChildren(n, document.createTextNode(` ${t('summary_soon')}`), hint);
  }

  function render() {
    renderSummary();
    const ul = $('case-list');
    ul.replaceChildren(...state.cases.map(item));
    const n = state.cases.length;
    $('list-count').textContent =
      state.matched === 0
        ? t('list_empty')
        : state.matched > n
          ? t('list_count_some', { n: num(n, 0), total: num(state.matched, 0) })
          : t(state.matched === 1 ? 'list_count_one' : 'list_count', { n: num(state.matched, 0) });
    $('list-more').hidden = state.matched <= n;
    // With no case to show, the map shows the city and says why it is empty.
    $('list-fit').textContent = t(n === 0 ? 'list_fit_city' : 'list_fit');
    $('list-map-empty').hidden = n > 0;
    if (state.selected && state.cases.some((c) => c.case_id === state.selected)) select(state.selected);
    else select(null);
  }

  // Marks the page while list and map are not yet in step with the
  // filters (the tests wait on it).
  let loading = 0;
  async function load(opts) {
    loading++;
    document.body.dataset.listLoading = '1';
    try {
      await loadList(opts);
    } finally {
      if (--loading === 0) delete document.body.dataset.listLoading;
    }
  }

  async function loadList({ more = false } = {}) {
    const seq = ++state.seq;
    const r = await api.cases(query(more ? state.cases.length : 0));
    if (seq !== state.seq) return; // an answer to an older filter
    if (!r.ok) {
      if (r.status !== 401) $('filter-error').textContent = t('list_failed', { detail: r.message });
      return;
    }
    $('filter-error').textContent = '';
    state.cases = more ? state.cases.concat(r.body.cases || []) : r.body.cases || [];
    state.matched = r.body.numberMatched ?? state.cases.length;
    state.summary = r.body.summary || null;
    render();
    await layer.show(state.cases);
    if (state.follow && !$('f-bbox').checked) await fitCases();
    document.body.dataset.listSeq = String(seq);
  }

  // The export carries the list's filters (all matching cases, no paging)
  // and the chosen format (export.js).
  function exportQuery() {
    const q = new URLSearchParams(query());
    q.delete('limit');
    q.delete('offset');
    q.delete('sort');
    q.set('f', $('export-format').value);
    return q.toString();
  }
  const exporter = createExport(app, exportQuery);

  function changed() {
    writeHash();
    load();
  }

  let textTimer = null;
  for (const id of ['f-service', 'f-status', 'f-from', 'f-to', 'f-bbox', 'f-sort']) $(id).addEventListener('change', changed);
  $('f-q').addEventListener('input', () => {
    clearTimeout(textTimer);
    textTimer = setTimeout(changed, 300);
  });
  $('filters').addEventListener('submit', (ev) => {
    ev.preventDefault();
    changed();
  });
  $('f-reset').addEventListener('click', () => {
    $('f-service').value = '';
    $('f-status').value = 'open';
    $('f-from').value = '';
    $('f-to').value = '';
    $('f-q').value = '';
    $('f-bbox').checked = false;
    $('f-sort').value = 'start';
    changed();
  });
  $('list-more').addEventListener('click', () => load({ more: true }));

  fillSelects();
  legend();
  $('back').setAttribute('href', sessionStorage.getItem(LIST_URL_KEY) || '#/');

  return {
    map,
    layer,
    state,
    pause() {
      state.visible = false;
    },
    async resume() {
      state.visible = true;
      byApp(map, () => map.updateSize());
      // The URL's filters, or (at a plain "#/") the page's, written to the URL.
      readHash();
      writeHash();
      await load();
      // Back from a case: the keyboard continues where it left.
      const li = state.selected && [...$('case-list').children].find((x) => x.dataset.caseId === state.selected);
      if (li && document.activeElement === document.body) li.querySelector('a').focus();
    },
    invalidate() {
      layer.refresh();
    },
    relabel() {
      fillSelects();
      legend();
      labelZoom(map);
      render();
      exporter.relabel();
    },
  };
}
