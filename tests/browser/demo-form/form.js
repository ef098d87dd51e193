// form.js - the demo form's script: opens a draft through its own server
// (which holds the API key), embeds editor_url, talks the Munimap protocol
// with the editor at the editor's origin only, and submits with one
// Idempotency-Key however often the button is pressed.
const $ = (id) => document.getElementById(id);
const mode = new URLSearchParams(location.search).get('mode') || 'iframe';
const locale = new URLSearchParams(location.search).get('locale') || 'de';
window.received = [];
window.result = null;
window.submitAnswers = [];
let editorWindow = null;
let editorOrigin = null;
let draft = null;
const idempotencyKey = crypto.randomUUID();

function log(msg) {
  $('log').textContent += JSON.stringify(msg).slice(0, 300) + '\n';
}

window.addEventListener('message', (ev) => {
  if (ev.origin !== editorOrigin) return;
  window.received.push(ev.data);
  log(ev.data);
  const { action, value } = ev.data || {};
  if (action === 'geoeditorResult' || (action === 'finishGeoEditing_response' && value?.success)) {
    window.result = value;
    $('result').textContent = JSON.stringify(value.geoJSON);
    $('submit').disabled = false;
    $('form-status').textContent = 'Zeichnung übernommen.';
  } else if (action === 'finishGeoEditing_response') {
    $('form-status').textContent = `Noch nicht fertig: ${value.message}`;
  }
});

async function start() {
  const res = await fetch('/api/draft', { method: 'POST', body: JSON.stringify({ locale }) });
  draft = await res.json();
  window.draft = draft;
  editorOrigin = new URL(draft.editor_url).origin;
  if (mode === 'popup') {
    $('open-popup').hidden = false;
    $('open-popup').addEventListener('click', () => {
      editorWindow = window.open(draft.editor_url, 'geoeditor', 'width=1200,height=800');
    });
  } else {
    const f = document.createElement('iframe');
    f.src = draft.editor_url;
    f.title = 'Karte zum Einzeichnen der Stellfläche';
    f.id = 'editor';
    $('editor-slot').append(f);
    editorWindow = f.contentWindow;
  }
  $('ask-finish').addEventListener('click', () => {
    editorWindow?.postMessage({ action: 'finishGeoEditing' }, editorOrigin);
  });
  $('ask-print').addEventListener('click', () => {
    editorWindow?.postMessage({ action: 'printGeoEditing' }, editorOrigin);
  });
  $('submit').addEventListener('click', async () => {
    const r = await fetch('/api/submit', {
      method: 'POST',
      body: JSON.stringify({ draftId: draft.id, key: idempotencyKey }),
    });
    const body = await r.json();
    window.submitAnswers.push({ status: r.status, body });
    $('form-status').textContent = r.ok ? `Antrag eingereicht: ${body.case_id}` : `Fehler: ${body.detail}`;
  });
  document.body.dataset.ready = '1';
}

start();
