// i18n_core.js - what the editor's and the review app's strings share: a
// language (German unless set), t(key, params) filling {name} placeholders
// from a page's own tables (falling back to German, then to the key),
// applyI18n() for elements with a data-i18n key, tn(key, n) for counted
// things (key_one, key_other ... chosen by Intl.PluralRules), and numbers as
// people of the language write them. Each app keeps its own string tables
// (common/i18n.js: the editor's de/en.json; review/i18n.js: review.*.json).
export function makeI18n(tables) {
  let lang = 'de';

  function setLang(l) {
    lang = tables[l] ? l : 'de';
    document.documentElement.lang = lang;
  }

  function getLang() {
    return lang;
  }

  function locale() {
    return lang === 'de' ? 'de-DE' : 'en-GB';
  }

  function t(key, params = {}) {
    const s = tables[lang][key] ?? tables.de[key] ?? key;
    return s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
  }

  // "1 Vorschlag" / "3 Vorschläge": the table's key_<plural category>,
  // else key_other; n is also a placeholder.
  function tn(key, n, params = {}) {
    const cat = new Intl.PluralRules(locale()).select(n);
    const k = tables[lang][`${key}_${cat}`] !== undefined || tables.de[`${key}_${cat}`] !== undefined
      ? `${key}_${cat}`
      : `${key}_other`;
    return t(k, { n, ...params });
  }

  // 1,5 m / 1.5 m
  function num(x, digits = 1) {
    return new Intl.NumberFormat(locale(), {
      maximumFractionDigits: digits,
      minimumFractionDigits: 0,
    }).format(x);
  }

  function applyI18n(root = document) {
    for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  }

  return { setLang, getLang, locale, t, tn, num, applyI18n };
}
