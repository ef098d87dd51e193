// api.js - the review app's calls to the server with the caseworker's
// session cookie (same origin only). The CSRF token from the login or
// GET /v1/session answer goes with every state-changing request as
// X-CSRF-Token (session.h). Every call answers {ok, status, body, message,
// headers}; a 401 on anything but the login itself means the session has
// ended (idle or absolute timeout, logout elsewhere), which the app turns
// into the login view with a message.
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
  const headers = { Accept: 'application/json', 'Accept-Language': lang, ...extraHeaders };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (e) {
    return { ok: false, status: 0, body: null, message: String(e.message || e), headers: new Headers() };
  }
  let doc = null;
  try {
    doc = await res.json();
  } catch {
    doc = null;
  }
  const out = {
    ok: res.ok,
    status: res.status,
    body: doc,
    headers: res.headers,
    message: res.ok ? '' : (doc && (doc.detail || doc.title)) || `HTTP ${res.status}`,
  };
  if (res.status === 401 && url !== '/v1/login' && url !== '/v1/session') onExpired(out);
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
  decide: (id, status, comment, updated) =>
    call('PATCH', `/v1/cases/${enc(id)}`, comment ? { status, comment } : { status },
      updated ? { 'If-Match': `"${updated}"` } : {}),
};
