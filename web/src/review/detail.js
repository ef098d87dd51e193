// detail.js - one case: its features over the base map and the reference
// overlays, the conflicting cases drawn dashed in their status colour and
// listed, the validation report as submitted and the fresh re-check when it
// differs (reasons in the UI language), where the case is in words (its
// first feature's location sentence, and each feature's beside its
// measures), measures, period, the applicant's
// contact, the decision buttons the workflow allows now (`transitions` of
// GET /v1/cases/{id}) with the comment the applicant will read, and the
// history. A text list says what the map shows, for people who cannot see it.
// Beside the way back to the list: the case's site plan (Lageplan, PDF) and
// map image (PNG), opened in a tab of their own through the session.
//
// Approving a case that other cases conflict with asks first: a modal
// dialog lists them (reference, where, status, period, distance; a case of
// a service the caseworker does not review only as such) in the page's
// language, Cancel (the default) or Approve anyway. Only then is the
// approval sent, naming those cases (override_conflicts); when the server
// knows one more (a 409 for override_conflicts), the dialog asks again with
// the new list. The history names the cases an approval was made over.
import { api } from './api.js';
import { num, period, pick, t, tn, when } from './i18n.js';
import { caseLayers, createMap, labelZoom } from './map.js';
import { checksText, statusBadge, whereLine } from './list.js';

const $ = (id) => document.getElementById(id);
const NEEDS_COMMENT = new Set(['rejected', 'changes_requested']);

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}

function countFeatures(fc) {
  const n = { Polygon: 0, LineString: 0, Point: 0 };
  for (const f of fc?.features || []) {
    const type = (f.geometry?.type || '').replace('Multi', '');
    if (type in n) n[type] += 1;
  }
  const parts = [];
  if (n.Polygon) parts.push(t(n.Polygon === 1 ? 'shape_area_one' : 'shape_areas', { n: n.Polygon }));
  if (n.LineString) parts.push(t(n.LineString === 1 ? 'shape_line_one' : 'shape_lines', { n: n.LineString }));
  if (n.Point) parts.push(t(n.Point === 1 ? 'shape_point_one' : 'shape_points', { n: n.Point }));
  return parts.join(', ') || t('shape_none');
}

// Who acted, for people: the server resolves actor_name (a form server's
// name for client:<id>, the user's name); the stored id is the fallback.
function actorText(e) {
  const actor = e.actor;
  const [kind, ...rest] = String(actor || '').split(':');
  const name = e.actor_name || rest.join(':');
  if (kind === 'user') return name;
  if (kind === 'client') return t('actor_client', { name });
  if (kind === 'system') return t('actor_system');
  return actor || '';
}

export async function createDetail(app, { onChanged }) {
  // etag: the ETag that came with doc (the case's version), sent back as
  // If-Match with a decision.
  const state = { id: null, doc: null, etag: null, conflicts: null, seq: 0 };
  let map = null;
  let layers = null;

  async function ensureMap() {
    if (map) {
      map.updateSize();
      return;
    }
    map = await createMap('detail-map', { overlays: true });
    layers = caseLayers(map);
    app.detailMap = map;
    app.detailLayers = layers;
  }

  // ---- rendering ---------------------------------------------------------------
  // The conflict rule names another case by its id where the check knew no
  // reference; people know cases by their reference, so put that in.
  function withReferences(text) {
    for (const c of state.conflicts?.cases || [])
      if (c.visible !== false && c.reference) text = text.split(c.case_id).join(c.reference);
    return text;
  }

  function violations(ul, report) {
    ul.replaceChildren();
    for (const v of report?.violations || []) {
      const li = el('li', v.severity === 'error' ? 'error' : 'warning');
      const sev = el('strong', null, `${t(v.severity === 'error' ? 'severity_error' : 'severity_warning')}: `);
      const f = Number.isInteger(v.feature) && v.feature >= 0 ? ` (${t('shape_n', { n: v.feature + 1 })})` : '';
      li.append(sev, document.createTextNode(withReferences(pick(v.message)) + f));
      ul.append(li);
    }
  }

  function verdict(p, report) {
    const errs = (report?.violations || []).filter((v) => v.severity === 'error').length;
    const warns = (report?.violations || []).filter((v) => v.severity !== 'error').length;
    p.className = `verdict ${errs ? 'bad' : warns ? 'warn' : 'good'}`;
    p.textContent = checksText(errs, warns);
  }

  function renderHead(d) {
    $('case-heading').textContent = t('case_heading', { ref: d.reference || t('no_reference') });
    const s = $('case-summary');
    s.replaceChildren(
      statusBadge(d.status),
      document.createTextNode(` ${app.serviceTitle(d.service)} · ${t('period_label')}: ${period(d.period)}`),
      el('br'),
      document.createTextNode(
        `${t('received_on', { date: when(d.created) })}${d.closed ? ` · ${t('closed_on', { date: when(d.closed) })}` : ''}`,
      ),
    );
    document.title = `${d.reference || d.case_id} - ${t('app_title')}`;
    // The site plan and the map image, read with the session cookie in a
    // tab of their own; in the case's language, as the applicant gets them.
    const base = `/v1/cases/${encodeURIComponent(d.case_id)}/map`;
    $('case-pdf').href = `${base}.pdf`;
    $('case-png').href = `${base}.png`;
    const where = whereLine(d.location, { showLabel: true });
    $('case-where').replaceChildren(...(where ? where.childNodes : []));
    $('case-where').hidden = !where;
    renderIntegrity(d);
  }

  // The content hash: a purged case's can no longer match (retention emptied
  // what it covers), so the server sends null and a note saying so, which
  // is shown instead of any warning; a mismatch otherwise is a warning.
  function renderIntegrity(d) {
    const p = $('case-integrity');
    p.classList.toggle('integrity-broken', false);
    if (d.content_hash_note) p.textContent = pick(d.content_hash_note);
    else if (d.content_hash_valid === false) {
      p.textContent = t('integrity_broken');
      p.classList.toggle('integrity-broken', true);
    } else p.textContent = '';
  }

  function renderDecide(d) {
    const box = $('decide-buttons');
    box.replaceChildren();
    const next = d.transitions || [];
    for (const s of next) {
      const b = el('button', `decide decide-${s}${s === 'approved' ? ' primary' : ''}`, t(`action_${s}`));
      b.type = 'button';
      b.dataset.status = s;
      b.addEventListener('click', () => decide(s));
      box.append(b);
    }
    $('decide-none').hidden = next.length > 0;
    // A decided case offers nothing to do: no empty comment field either.
    for (const id of ['comment-label', 'comment', 'comment-hint']) $(id).hidden = next.length === 0;
  }

  function renderReport(d) {
    const report = d.validation || null;
    verdict($('report-verdict'), report);
    violations($('report'), report);
    const rv = d.revalidation;
    const differs = !!(rv && rv.differs);
    $('revalidation').hidden = !differs;
    if (differs) {
      $('reval-heading').textContent = t('reval_heading', { when: when(rv.checked_at) });
      verdict($('reval-verdict'), rv.report);
      violations($('reval'), rv.report);
    }
    $('reval-same').textContent = rv && !differs ? t('reval_same', { when: when(rv.checked_at) }) : '';
  }

  function renderMeasures(d) {
    const ul = $('measures');
    ul.replaceChildren();
    const list = d.measures || d.validation?.measures || [];
    for (const m of list) {
      const parts = [];
      if (m.width_m != null && m.length_m != null && m.area_m2 != null)
        parts.push(t('measure_rect', { w: num(m.width_m, 1), l: num(m.length_m, 1), a: num(m.area_m2, 1) }));
      else if (m.area_m2 != null) parts.push(t('measure_area', { a: num(m.area_m2, 1) }));
      else if (m.length_m != null) parts.push(t('measure_length', { l: num(m.length_m, 1) }));
      // where the feature is, in words (made now for a case from before
      // the sentences; none when nothing can be said)
      const where = pick(m.location);
      const text = [parts.join(', '), where].filter(Boolean).join(' · ') || '-';
      ul.append(el('li', null, `${t('shape_n', { n: (m.feature ?? 0) + 1 })}: ${text}`));
    }
    if (!list.length) ul.append(el('li', null, t('measures_none')));
  }

  function renderApplicant(d) {
    const dl = $('applicant');
    dl.replaceChildren();
    const a = d.applicant || {};
    const known = ['name', 'organisation', 'organization', 'email', 'phone', 'address'];
    const keys = [...known.filter((k) => a[k]), ...Object.keys(a).filter((k) => !known.includes(k) && a[k])];
    for (const k of keys) {
      const v = a[k];
      const dd = el('dd');
      const text = typeof v === 'object' ? Object.values(v).join(', ') : String(v);
      if (k === 'email') {
        const link = el('a', null, text);
        link.href = `mailto:${text}`;
        dd.append(link);
      } else if (k === 'phone') {
        const link = el('a', null, text);
        link.href = `tel:${text.replace(/[^+0-9]/g, '')}`;
        dd.append(link);
      } else dd.textContent = text;
      dl.append(el('dt', null, t(`applicant_${k}`) === `applicant_${k}` ? k : t(`applicant_${k}`)), dd);
    }
    if (!keys.length) dl.append(el('dt', null, t('applicant_none')), el('dd', null, '-'));
  }

  // One row per event (when, who, from, to); a comment gets a full-width
  // row of its own under it, so that a long reason reads as a paragraph
  // rather than a narrow column, and so do the conflicts an approval was
  // made over ("Genehmigt trotz Konflikt mit ...").
  function renderHistory(events) {
    const tb = $('history').querySelector('tbody');
    tb.replaceChildren();
    for (const e of events || []) {
      const tr = el('tr', 'event');
      tr.dataset.action = e.action;
      const to = e.action === 'purged' ? t('history_purged') : e.to ? t(`status_${e.to}`) : '';
      tr.append(
        el('td', null, when(e.at)),
        el('td', null, actorText(e)),
        el('td', null, e.from ? t(`status_${e.from}`) : '-'),
        el('td', null, to),
      );
      tb.append(tr);
      if (e.comment) {
        const c = el('tr', 'event-comment');
        const td = el('td', 'comment-cell');
        td.colSpan = 4;
        td.append(el('strong', null, `${t('history_comment')}: `), document.createTextNode(e.comment));
        c.append(td);
        tb.append(c);
      }
      if (e.overridden_conflicts?.length) {
        const o = el('tr', 'event-overrode');
        const names = e.overridden_conflicts.map((x) =>
          x.visible === false ? t('history_overrode_hidden', { service: app.serviceTitle(x.service) }) : x.reference || x.case_id);
        const td = el('td', null, t('history_overrode', { list: names.join(', ') }));
        td.colSpan = 4;
        o.append(td);
        tb.append(o);
      }
    }
  }

  function renderConflicts(c) {
    const ul = $('conflicts');
    ul.replaceChildren();
    const cases = c?.cases || [];
    $('conflicts-intro').textContent = c
      ? cases.length
        ? t(cases.length === 1 ? 'conflicts_intro_one' : 'conflicts_intro', { n: cases.length, d: num(c.distance_m ?? 0, 1) })
        : t('conflicts_none', { d: num(c.distance_m ?? 0, 1) })
      : t('conflicts_unavailable');
    for (const x of cases) {
      const li = el('li', 'conflict');
      li.dataset.caseId = x.case_id;
      let name;
      if (x.visible === false) name = el('span', 'conflict-ref', t('conflict_hidden', { service: app.serviceTitle(x.service) }));
      else {
        name = el('a', 'conflict-ref', x.reference || x.case_id);
        name.href = `#/case/${x.case_id}`;
      }
      li.append(
        name,
        document.createTextNode(' '),
        statusBadge(x.status),
        el('p', 'case-meta', `${app.serviceTitle(x.service)} · ${period(x.period)} · ${x.distance_m === 0 ? t('distance_overlap') : t('distance', { d: num(x.distance_m ?? 0, 1) })}`),
      );
      // where it is, in words (the conflicts route makes the sentence)
      const where = whereLine(x.location);
      if (where) li.append(where);
      ul.append(li);
    }
  }

  // The text alternative of the map: what it draws, in words.
  function renderDrawn(d, c) {
    const ul = $('drawn');
    ul.replaceChildren();
    const own = el('li', 'drawn-own');
    own.dataset.caseId = d.case_id;
    const sw = el('span', 'swatch own');
    sw.setAttribute('aria-hidden', 'true');
    own.append(sw, document.createTextNode(t('drawn_own', { ref: d.reference || d.case_id, what: countFeatures(d.features) })));
    ul.append(own);
    for (const x of c?.cases || []) {
      const li = el('li', 'drawn-conflict');
      li.dataset.caseId = x.case_id;
      const s = el('span', `swatch conflict status-${x.status}`);
      s.setAttribute('aria-hidden', 'true');
      const ref = x.visible === false ? t('conflict_hidden_short') : x.reference || x.case_id;
      li.append(s, document.createTextNode(t('drawn_conflict', { ref, status: t(`status_${x.status}`), what: countFeatures(x.features) })));
      ul.append(li);
    }
    const problems = (d.validation?.violations || []).filter((v) => v.severity === 'error' && v.geometry).length;
    if (problems) {
      const li = el('li', 'drawn-problem');
      const s = el('span', 'swatch problem');
      s.setAttribute('aria-hidden', 'true');
      li.append(s, document.createTextNode(t('drawn_problems', { n: problems })));
      ul.append(li);
    }
  }

  function renderAll() {
    const d = state.doc;
    if (!d) return;
    renderHead(d);
    renderDecide(d);
    renderReport(d);
    renderMeasures(d);
    renderApplicant(d);
    renderHistory(d.history || []);
    renderConflicts(state.conflicts);
    renderDrawn(d, state.conflicts);
  }

  // ---- loading -----------------------------------------------------------------
  async function load(id) {
    const seq = ++state.seq;
    const [r, c] = await Promise.all([api.case(id), api.conflicts(id)]);
    if (seq !== state.seq) return false;
    if (!r.ok) {
      if (r.status === 401) return false;
      state.doc = null;
      state.etag = null;
      $('case-heading').textContent = t('case_missing');
      $('detail-error').textContent = r.status === 404 ? t('case_not_found') : t('case_failed', { detail: r.message });
      return false;
    }
    state.doc = r.body;
    state.etag = r.headers.get('ETag');
    if (!state.doc.history) {
      const h = await api.history(id);
      if (h.ok) state.doc.history = h.body.events || [];
    }
    state.conflicts = c.ok ? c.body : null;
    $('detail-error').textContent = '';
    renderAll();
    layers.set(state.doc.features, state.conflicts?.cases || [], state.doc.validation?.violations || [],
      state.doc.reference || '');
    document.body.dataset.caseLoaded = id;
    return true;
  }

  // ---- deciding ----------------------------------------------------------------
  // One line per conflicting case for the dialog: who (the reference, or
  // "a case of service X"), where, its status, period and distance.
  function conflictLine(x) {
    const li = el('li', 'confirm-item');
    li.dataset.caseId = x.case_id;
    const who = x.visible === false ? t('conflict_hidden', { service: app.serviceTitle(x.service) }) : x.reference || x.case_id;
    const where = pick(x.location);
    const rest = [
      where,
      x.status ? t(`status_${x.status}`) : '',
      period(x.period),
      x.distance_m === 0 ? t('distance_overlap') : t('distance', { d: num(x.distance_m ?? 0, 1) }),
    ].filter(Boolean).join(' · ');
    li.append(el('strong', null, who), document.createTextNode(` – ${rest}`));
    return li;
  }

  // Asks whether to approve over these conflicts; true for "Approve anyway".
  // A modal dialog: the focus starts on Cancel, Escape cancels, and the
  // focus returns where it was.
  function confirmConflicts(cases, again) {
    const dlg = $('confirm-approve');
    $('confirm-new').hidden = !again;
    $('confirm-intro').textContent = tn('confirm_intro', cases.length);
    $('confirm-list').replaceChildren(...cases.map(conflictLine));
    return new Promise((resolve) => {
      const done = () => {
        dlg.removeEventListener('close', done);
        document.body.dataset.confirm = '';
        resolve(dlg.returnValue === 'ok');
      };
      dlg.addEventListener('close', done);
      dlg.returnValue = '';
      dlg.showModal();
      $('confirm-cancel').focus();
      document.body.dataset.confirm = 'open';
    });
  }
  $('confirm-cancel').addEventListener('click', () => $('confirm-approve').close('cancel'));
  $('confirm-ok').addEventListener('click', () => $('confirm-approve').close('ok'));

  async function decide(status) {
    const d = state.doc;
    const comment = $('comment').value.trim();
    const err = $('comment-error');
    err.textContent = '';
    $('comment').removeAttribute('aria-invalid');
    $('decide-result').textContent = '';
    if (NEEDS_COMMENT.has(status) && !comment) {
      err.textContent = t('comment_required', { action: t(`action_${status}`) });
      $('comment').setAttribute('aria-invalid', 'true');
      $('comment').focus();
      return;
    }
    // An approval over conflicts: asked first, and asked again while the
    // server knows of one the caseworker was not shown.
    let ask = status === 'approved' ? state.conflicts?.cases || [] : [];
    let again = false;
    let r;
    for (let round = 0; ; round++) {
      let overrides;
      if (ask.length) {
        if (!(await confirmConflicts(ask, again))) {
          $('decide-result').textContent = t('confirm_cancelled');
          return;
        }
        overrides = ask.map((x) => x.case_id);
      }
      for (const b of $('decide-buttons').querySelectorAll('button')) b.disabled = true;
      r = await api.decide(d.case_id, status, comment, state.etag, overrides);
      for (const b of $('decide-buttons').querySelectorAll('button')) b.disabled = false;
      if (r.status !== 409 || r.body?.member !== 'override_conflicts' || round >= 4) break;
      // The conflicts as they are now, on the page and in the question.
      const c = await api.conflicts(d.case_id);
      if (c.ok) {
        state.conflicts = c.body;
        renderConflicts(state.conflicts);
        renderDrawn(d, state.conflicts);
        layers.set(d.features, state.conflicts.cases || [], d.validation?.violations || [], d.reference || '');
      }
      ask = c.ok && c.body.cases?.length ? c.body.cases : r.body.conflicts || [];
      again = true;
    }
    if (r.status === 401) return;
    if (!r.ok) {
      const key = r.status === 412 ? 'decide_changed' : r.status === 409 ? 'decide_conflict' : 'decide_failed';
      err.textContent = t(key, { detail: r.message });
      if (r.body?.member === 'comment' || /comment/.test(r.body?.parameter || '')) $('comment').setAttribute('aria-invalid', 'true');
      if (r.status === 412 || r.status === 409) await load(d.case_id);
      $('comment').focus();
      return;
    }
    $('comment').value = '';
    if (r.body && r.body.case_id) {
      state.doc = r.body;
      state.etag = r.headers.get('ETag');
      if (!state.doc.history) {
        const h = await api.history(d.case_id);
        if (h.ok) state.doc.history = h.body.events || [];
      }
      renderAll();
    } else await load(d.case_id);
    const msg = t('decide_done', { status: t(`status_${status}`) });
    $('decide-result').textContent = msg;
    onChanged();
    // Focus stays on the decision block: on the next possible step, or on
    // its heading when the case is decided (the buttons are gone).
    const first = $('decide-buttons').querySelector('button');
    $('decide-heading').tabIndex = -1;
    (first || $('decide-heading')).focus();
  }

  $('decide-form').addEventListener('submit', (ev) => ev.preventDefault());

  return {
    async open(id) {
      await ensureMap();
      if (state.id !== id) {
        state.id = id;
        $('comment').value = '';
        $('comment-error').textContent = '';
        $('decide-result').textContent = '';
        layers.set(null, [], []);
      }
      const ok = await load(id);
      $('case-heading').tabIndex = -1;
      if (ok !== false || state.doc === null) $('case-heading').focus();
    },
    close() {
      state.seq++;
    },
    relabel() {
      if (map) labelZoom(map);
      renderAll();
    },
    state,
  };
}
