// api.js - the applicant's calls to the server, with the capability token of
// the page's path as the only credential (DESIGN.md section 5). Every call
// answers {ok, status, body}; a problem document's detail is kept as the
// message, so the page can say what went wrong in the server's words.

import { fetchJson } from './fetch_json.js';

// The token is the last path segment of /edit/{token}.
export function tokenFromPath(pathname = location.pathname) {
  const m = pathname.match(/\/edit\/([A-Za-z0-9_-]+)\/?$/);
  return m ? m[1] : null;
}

function call(method, url, body, lang) {
  return fetchJson(method, url, body, { 'Accept-Language': lang }, 'omit');
}

export function makeApi(token, lang) {
  const base = `/v1/edit/${encodeURIComponent(token)}`;
  return {
    getFeatures: () => call('GET', `${base}/features`, undefined, lang),
    putFeatures: (fc) => call('PUT', `${base}/features`, fc, lang),
    validate: (fc) => call('POST', `${base}/validate`, fc, lang),
    finish: (fc) => call('POST', `${base}/finish`, fc, lang),
    putPeriod: (period) => call('PUT', `${base}/period`, { period }, lang),
    placements: (body) => call('POST', `${base}/placements`, body, lang),
    service: (id) => call('GET', `/v1/services/${encodeURIComponent(id)}`, undefined, lang),
    boundary: () => call('GET', '/collections/boundary/items?limit=10', undefined, lang),
    address: (street, number) =>
      call(
        'GET',
        `/collections/addresses/items?limit=1&street=${encodeURIComponent(street)}` +
          `&housenumber=${encodeURIComponent(number)}`,
        undefined,
        lang,
      ),
  };
}
