// main.js - the caseworkers' review app: session (login, logout, expiry),
// language, and the two views behind the login, the case list beside its
// map (list.js) and one case (detail.js), chosen by the URL's fragment
// (#/ and #/case/{id}; the list's filters as #/?status=...&sort=..., see
// list.js) so that the browser's back button, reloads and bookmarks work.
//
// A caseworker's state lives in the page: the filters, the selected case,
// messages, both maps with their cached case tiles, the services offered in
// the filter. Logging out, and logging in as someone else after a session
// ended, therefore load the page afresh (restart): the next person at this
// browser starts from nothing of the last one's, whatever the modules keep.
import 'ol/ol.css';
import './review.css';
import { applyI18n, getLang, setLang, t } from './i18n.js';
import { api, onSessionExpired, setApiLang, setCsrf } from './api.js';
import { attribution } from './map.js';
import { localCredit } from '../common/credit.js';
import { LIST_URL_KEY, createList } from './list.js';
import { createDetail } from './detail.js';

const $ = (id) => document.getElementById(id);

const app = {
  user: null,
  services: new Map(), // id -> {de, en} title
  announce(text) {
    // A fresh node each time, so that the same words are read again.
    const el = $('announcer');
    el.textContent = '';
    setTimeout(() => {
      el.textContent = text;
    }, 30);
  },
  serviceTitle(id) {
    const s = app.services.get(id);
    if (!s) return id;
    return typeof s === 'string' ? s : s[getLang()] || s.de || id;
  },
};
window.reviewApp = app; // for tests and for looking around in the console

// ---- language ----------------------------------------------------------------
function initialLang() {
  const stored = localStorage.getItem('geoeditor-review-lang');
  if (stored === 'de' || stored === 'en') return stored;
  // The browser's preference: the first of German or English it names.
  for (const l of navigator.languages || [navigator.language || 'de']) {
    const two = String(l).toLowerCase().slice(0, 2);
    if (two === 'de' || two === 'en') return two;
  }
  return 'de';
}

function useLang(l) {
  setLang(l);
  setApiLang(l);
  applyI18n();
  document.title = t('app_title');
  const other = l === 'de' ? 'en' : 'de';
  const btn = $('lang-switch');
  btn.textContent = t('lang_switch');
  btn.lang = other;
  btn.setAttribute('aria-label', t('lang_switch_label'));
  renderWho();
  renderCredit();
}

// The base map's credit as the data gives it, shown in the page's language.
let credit = '';
function renderCredit() {
  const text = localCredit(credit, t);
  $('attribution').textContent = text ? `${t('attribution')}: ${text}` : '';
}

function renderWho() {
  $('who').textContent = app.user ? t('logged_in_as', { name: app.user.name }) : '';
  $('logout').hidden = !app.user;
}

// ---- views -----------------------------------------------------------------
let list = null;
let detail = null;
let returnTo = null;
let endedUser = null; // the name of the user whose session ended in this page

// The page loaded again, at the list, saying messageKey on the login.
const RESTART_KEY = 'geoeditor-review-restart';
function restart(messageKey) {
  if (messageKey) sessionStorage.setItem(RESTART_KEY, messageKey);
  else sessionStorage.removeItem(RESTART_KEY);
  sessionStorage.removeItem(LIST_URL_KEY);
  history.replaceState(null, '', location.pathname);
  location.reload();
}

function showView(name) {
  for (const v of ['login', 'list', 'detail']) $(`view-${v}`).hidden = v !== name;
  document.body.dataset.view = name;
}

function showLogin(messageKey, params) {
  app.user = null;
  setCsrf(null);
  renderWho();
  showView('login');
  $('login-message').textContent = messageKey ? t(messageKey, params) : '';
  $('login-message').dataset.key = messageKey || '';
  $('login-error').textContent = '';
  $('login-password').value = '';
  document.title = `${t('login_heading')} - ${t('app_title')}`;
  $('login-name').focus();
}

async function route() {
  if (!app.user) return;
  const m = location.hash.match(/^#\/case\/([0-9a-f]+)$/);
  if (m) {
    showView('detail');
    list.pause();
    await detail.open(m[1]);
  } else {
    showView('list');
    detail.close();
    await list.resume();
  }
}

async function startSession(doc) {
  app.user = doc.user;
  setCsrf(doc.csrf_token);
  renderWho();
  if (!app.services.size) {
    const r = await api.services();
    if (r.ok) for (const s of r.body.services || []) app.services.set(s.id, s.title);
  }
  if (!list) list = await createList(app);
  if (!detail) detail = await createDetail(app, { onChanged: () => list.invalidate() });
  credit = await attribution();
  renderCredit();
  if (returnTo && returnTo !== location.hash) location.hash = returnTo;
  returnTo = null;
  await route();
  document.body.dataset.ready = '1';
}

// ---- login -----------------------------------------------------------------
$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const name = $('login-name').value.trim();
  const password = $('login-password').value;
  const err = $('login-error');
  err.textContent = '';
  if (!name || !password) {
    err.textContent = t(name ? 'login_need_password' : 'login_need_name');
    (name ? $('login-password') : $('login-name')).focus();
    return;
  }
  $('login-submit').disabled = true;
  const r = await api.login(name, password);
  $('login-submit').disabled = false;
  if (r.ok) {
    $('login-password').value = '';
    $('login-message').textContent = '';
    // Someone else than the user whose session ended here: start afresh
    // (with the new session), not where the other one was.
    if (endedUser && endedUser !== r.body.user?.name) {
      restart(null);
      return;
    }
    endedUser = null;
    await startSession(r.body);
    app.announce(t('logged_in_as', { name: app.user.name }));
    return;
  }
  if (r.status === 429) {
    const secs = Number(r.headers.get('Retry-After')) || 0;
    err.textContent = t('login_locked', { minutes: Math.max(1, Math.ceil(secs / 60)) });
  } else if (r.status === 401) {
    err.textContent = t('login_wrong');
  } else if (r.status === 0) {
    err.textContent = t('network_error');
  } else {
    err.textContent = t('login_failed', { detail: r.message });
  }
  $('login-password').value = '';
  $('login-password').focus();
});

$('logout').addEventListener('click', async () => {
  $('logout').disabled = true;
  await api.logout();
  restart('logged_out');
});

$('lang-switch').addEventListener('click', () => {
  const l = getLang() === 'de' ? 'en' : 'de';
  localStorage.setItem('geoeditor-review-lang', l);
  useLang(l);
  if (document.body.dataset.view === 'login') {
    const key = $('login-message').dataset.key;
    $('login-message').textContent = key ? t(key) : '';
    $('login-error').textContent = '';
  }
  list?.relabel();
  detail?.relabel();
});

// The session ended under us (idle or absolute timeout, logged out in
// another tab): back to the login, then back to where the caseworker was.
onSessionExpired(() => {
  if (!app.user) return;
  endedUser = app.user.name;
  returnTo = location.hash || '#/';
  showLogin('session_expired');
});

window.addEventListener('hashchange', () => {
  route();
});

// ---- start -----------------------------------------------------------------
useLang(initialLang());
(async () => {
  const said = sessionStorage.getItem(RESTART_KEY);
  sessionStorage.removeItem(RESTART_KEY);
  const r = await api.session();
  if (r.ok) await startSession(r.body);
  else {
    returnTo = location.hash || null;
    showLogin(said === 'logged_out' ? 'logged_out' : null);
    document.body.dataset.ready = '1';
  }
})();
