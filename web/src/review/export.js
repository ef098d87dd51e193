// export.js - the list's export as an action, not a plain link: the button
// fetches GET /v1/export with the list's filters, the chosen format and
// coordinate reference system (none chosen: the server's default, the
// store's metric CRS; the session cookie, the page's language), shows that it is busy (disabled,
// aria-busy, its label), and saves the answer under the server's file name
// (Content-Disposition) through a Blob's object URL, revoked afterwards.
// A refusal is said in the live region under the button: the server's
// problem detail, which it writes in the language the app asked in, and
// for 503 (every export slot taken) when to try again (Retry-After); a
// network failure in words of our own. A 401 is the ended session, which
// api.js hands to the app (the login view, as everywhere else).
import { fetchFile } from './api.js';
import { getLang, t } from './i18n.js';

const $ = (id) => document.getElementById(id);

// How long the object URL lives after the click that saves it: the
// browser's download reads the blob after the click returns, so it is not
// revoked at once (FileSaver.js waits 40 s; a download starts far sooner).
export const REVOKE_AFTER_MS = 4000;

// query(): the list's filters and the format as GET /v1/export's query.
export function createExport(app, query) {
  const state = {
    busy: false,
    // What the live region says: {key, params} of our own, or the server's
    // words {text} (already in the language asked) with an optional hint.
    message: null,
    kind: '', // 'error' | 'done' | ''
    lastUrl: null, // the last object URL (the tests check it is revoked)
  };
  app.exportState = state;
  const button = $('export-button');
  const label = $('export-label');
  const region = $('export-message');

  function say(kind, message) {
    state.kind = kind;
    state.message = message;
    render();
  }

  function render() {
    label.dataset.i18n = state.busy ? 'export_busy' : 'export_download';
    label.textContent = t(label.dataset.i18n);
    button.disabled = state.busy;
    button.setAttribute('aria-busy', state.busy ? 'true' : 'false');
    region.className = `export-message${state.kind ? ` ${state.kind}` : ''}`;
    region.replaceChildren();
    const m = state.message;
    if (!m) return;
    const main = document.createElement('span');
    main.className = 'export-text';
    main.textContent = m.text ?? t(m.key, m.params);
    region.append(main);
    if (m.hint) {
      const hint = document.createElement('span');
      hint.className = 'export-hint';
      hint.textContent = ` ${t(m.hint.key, m.hint.params)}`;
      region.append(hint);
    }
  }

  // The time from which a new try may succeed, as the caseworker's clock
  // shows it: unlike "in 5 seconds" it stays true while the text is read.
  function retryHint(headers) {
    const ra = headers.get('Retry-After');
    if (!ra) return null;
    let at = null;
    if (/^\d+$/.test(ra.trim())) at = new Date(Date.now() + Number(ra.trim()) * 1000);
    else if (!Number.isNaN(Date.parse(ra))) at = new Date(Date.parse(ra));
    if (!at) return null;
    const time = new Intl.DateTimeFormat(getLang() === 'de' ? 'de-DE' : 'en-GB', { timeStyle: 'medium' }).format(at);
    return { key: 'export_retry_at', params: { time } };
  }

  function save(blob, name) {
    const url = URL.createObjectURL(blob);
    state.lastUrl = url;
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
  }

  async function run() {
    if (state.busy) return;
    const format = $('export-format').value;
    state.busy = true;
    say('', { key: 'export_running' });
    document.body.dataset.exporting = '1';
    let r;
    try {
      const q = new URLSearchParams(query());
      const crs = $('export-crs').value;
      if (crs) q.set('crs', crs);
      r = await fetchFile(`/v1/export?${q}`);
    } finally {
      state.busy = false;
      delete document.body.dataset.exporting;
    }
    if (r.ok) {
      const name = r.filename || `cases.${format === 'shp' ? 'zip' : format}`;
      save(r.blob, name);
      say('done', { key: 'export_done', params: { name } });
    } else if (r.status === 401) {
      // The app shows the login with its message; nothing to say here.
      say('', null);
    } else if (r.status === 0) {
      say('error', { key: 'export_network' });
    } else if (r.message) {
      say('error', { text: r.message, hint: r.status === 503 ? retryHint(r.headers) : null });
    } else {
      say('error', { key: 'export_failed', params: { status: r.status } });
    }
    // A disabled button loses the keyboard focus: give it back.
    if (document.activeElement === document.body || document.activeElement === null) button.focus();
    document.body.dataset.exportDone = String((Number(document.body.dataset.exportDone) || 0) + 1);
  }

  button.addEventListener('click', run);
  render();

  return {
    state,
    relabel: render,
  };
}
