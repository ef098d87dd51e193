// api.js - the review app's calls to the server with the caseworker's
// session cookie (same origin only). The CSRF token from the login or
// GET /v1/session answer goes with every state-changing request as
// X-CSRF-Token (session.h). Every call answers {ok, status, body, message,
// headers}; a 401 on anything but the login itself means the session has
// ended (idle or absolute timeout, logout elsewhere), which the app turns
// into the login view with a message.
import { fetchJson } from '../common/fetch_json.js';

let csrf = null;
let lang = 'de';
let onExpired = () => {};

export function setCsrf(token) {
  csrf = token || null;
}
export function setApiLang(l) {
  lang = l;
}
export function onSessionExpired(fn) {
  onExpired = fn;
}

export async function call(method, url, body, extraHeaders = {}) {
  const headers = { 'Accept-Language': lang, ...extraHeaders };
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  const out = await fetchJson(method, url, body, headers, 'same-origin');
  if (out.status === 401 && url !== '/v1/login' && url !== '/v1/session') onExpired(out);
  return out;
}

// A file from the server (GET, the session cookie, the page's language so
// that a problem document comes in it). Answers {ok, status, blob,
// filename, message, problem, headers}: blob and filename (from
// Content-Disposition, null when it names none) when ok; otherwise the
// problem document's detail (or title) as message, or for an answer that
// is no problem document an empty message; status 0 when the network
// failed, before or during the download. A 401 means the session has
// ended, as for call().
export async function fetchFile(url) {
  let res;
  let blob = null;
  try {
    res = await fetch(url, { headers: { 'Accept-Language': lang }, credentials: 'same-origin', cache: 'no-store' });
    if (res.ok) blob = await res.blob();
  } catch (e) {
    return { ok: false, status: 0, blob: null, filename: null, message: String(e.message || e), problem: null, headers: new Headers() };
  }
  let problem = null;
  if (!res.ok && /json/.test(res.headers.get('Content-Type') || '')) {
    try {
      problem = await res.json();
    } catch {
      problem = null;
    }
  }
  if (res.status === 401) onExpired(res);
  return {
    ok: res.ok,
    status: res.status,
    blob,
    filename: res.ok ? dispositionName(res.headers.get('Content-Disposition')) : null,
    message: (problem && (problem.detail || problem.title)) || '',
    problem,
    headers: res.headers,
  };
}

// The file name of a Content-Disposition header (RFC 6266): filename*
// (UTF-8, percent-encoded) before filename; only its last path part.
export function dispositionName(h) {
  if (!h) return null;
  let name = null;
  const star = h.match(/filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/);
  if (star) {
    try {
      name = decodeURIComponent(star[1].trim());
    } catch {
      name = null;
    }
  }
  if (!name) {
    const m = h.match(/filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/);
    if (m) name = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
  }
  if (!name) return null;
  name = name.split(/[\\/]/).pop();
  return name || null;
}

const enc = encodeURIComponent;

export const api = {
  session: () => call('GET', '/v1/session'),
  login: (name, password) => call('POST', '/v1/login', { name, password }),
  logout: () => call('POST', '/v1/logout', {}),
  services: () => call('GET', '/v1/services'),
  cases: (query) => call('GET', `/v1/cases?${query}`),
  case: (id) => call('GET', `/v1/cases/${enc(id)}`),
  features: (id) => call('GET', `/v1/cases/${enc(id)}/features`),
  history: (id) => call('GET', `/v1/cases/${enc(id)}/history`),
  conflicts: (id) => call('GET', `/v1/cases/${enc(id)}/conflicts`),
  // etag: the case's ETag as the server sent it with the case (opaque,
  // quotes included); the change then happens only on that version (412
  // when someone changed the case meanwhile). overrides: the ids of the
  // conflicting cases the caseworker was shown and approves over (an
  // approval with conflicts not named is a 409 listing them).
  decide: (id, status, comment, etag, overrides) =>
    call('PATCH', `/v1/cases/${enc(id)}`, {
      status,
      ...(comment ? { comment } : {}),
      ...(overrides?.length ? { override_conflicts: overrides } : {}),
    }, etag ? { 'If-Match': etag } : {}),
};
