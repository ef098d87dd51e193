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
  // when someone changed the case meanwhile).
  decide: (id, status, comment, etag) =>
    call('PATCH', `/v1/cases/${enc(id)}`, comment ? { status, comment } : { status },
      etag ? { 'If-Match': etag } : {}),
};
