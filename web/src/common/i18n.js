// i18n.js - the page's strings in German and English (src/i18n/*.json):
// t(key, params) fills {name} placeholders; applyI18n() fills every element
// with a data-i18n key, so no user-facing text is written in code or HTML.
import de from '../i18n/de.json';
import en from '../i18n/en.json';

const tables = { de, en };
let lang = 'de';

export function setLang(l) {
  lang = tables[l] ? l : 'de';
  document.documentElement.lang = lang;
}

export function getLang() {
  return lang;
}

export function t(key, params = {}) {
  const s = tables[lang][key] ?? tables.de[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
}

// Numbers as people of the language write them (1,5 m / 1.5 m).
export function num(x, digits = 1) {
  return new Intl.NumberFormat(lang === 'de' ? 'de-DE' : 'en-GB', {
    maximumFractionDigits: digits,
    minimumFractionDigits: 0,
  }).format(x);
}

export function applyI18n(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}
