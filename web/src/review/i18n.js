// i18n.js - the review app's strings in German and English
// (src/i18n/review.{de,en}.json, kept apart from the editor's de/en.json so
// the two apps never step on each other's keys): t(key, params) fills {name}
// placeholders, applyI18n() fills every element with a data-i18n key, and
// dates, times and numbers are written as people of the language write them.
import de from '../i18n/review.de.json';
import en from '../i18n/review.en.json';

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

// A text given in both languages ({de, en}) by the server or a service file.
export function pick(x) {
  if (x == null) return '';
  if (typeof x === 'string') return x;
  return x[lang] ?? x.de ?? x.en ?? '';
}

const locale = () => (lang === 'de' ? 'de-DE' : 'en-GB');

export function num(x, digits = 1) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(x);
}

// "2026-12-01" -> 01.12.2026 / 1 Dec 2026; the date is a calendar day, so no time zone applies.
export function date(d) {
  if (!d) return '';
  const [y, m, day] = d.split('-').map(Number);
  if (!y || !m || !day) return d;
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: 'UTC' }).format(
    new Date(Date.UTC(y, m - 1, day)),
  );
}

// An ISO timestamp in the browser's time zone.
export function when(ts) {
  if (!ts) return '';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return ts;
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export function period(p) {
  if (!p || (!p.start && !p.end)) return t('period_none');
  // A one-day period is one date, not "05.12.2026 – 05.12.2026".
  if (p.start && p.start === p.end) return date(p.start);
  return t('period_range', { start: date(p.start), end: date(p.end) });
}

export function applyI18n(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}
