// fetch_json.js - one JSON request to the server as both apps make it:
// Accept: application/json, a JSON body when given, never from the HTTP
// cache. The answer is {ok, status, body, message, headers}: body is the
// parsed JSON (null when none), message a problem document's detail (or
// title) so a page can say what went wrong in the server's words, and a
// network failure is status 0. Who sends which credentials stays with the
// caller (the editor: none, its capability token is in the path; the review
// app: its same-origin session cookie and CSRF header).
export async function fetchJson(method, url, body, extraHeaders, credentials) {
  const headers = { Accept: 'application/json', ...extraHeaders };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials,
      cache: 'no-store',
    });
  } catch (e) {
    return { ok: false, status: 0, body: null, message: String(e.message || e), headers: new Headers() };
  }
  let doc;
  try {
    doc = await res.json();
  } catch {
    doc = null;
  }
  return {
    ok: res.ok,
    status: res.status,
    body: doc,
    headers: res.headers,
    message: res.ok ? '' : (doc && (doc.detail || doc.title)) || `HTTP ${res.status}`,
  };
}
