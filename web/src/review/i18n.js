// i18n.js - the review app's strings in German and English
// (src/i18n/review.{de,en}.json, kept apart from the editor's de/en.json so
// the two apps never step on each other's keys): t(key, params) fills {name}
// placeholders, applyI18n() fills every element with a data-i18n key, and
// dates, times and numbers are written as people of the language write them.
// t, applyI18n, num and the language come from common/i18n_core.js.
import de from '../i18n/review.de.json';
import en from '../i18n/review.en.json';
import { makeI18n } from '../common/i18n_core.js';

const i18n = makeI18n({ de, en });
export const { setLang, getLang, t, tn, num, applyI18n } = i18n;
const locale = i18n.locale;

// A text given in both languages ({de, en}) by the server or a service file.
export function pick(x) {
  if (x == null) return '';
  if (typeof x === 'string') return x;
  return x[getLang()] ?? x.de ?? x.en ?? '';
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

// Whole days from the calendar day `from` to `to` ("YYYY-MM-DD" each);
// null when either is missing or no date.
export function daysBetween(from, to) {
  const parse = (d) => {
    const [y, m, day] = String(d || '').split('-').map(Number);
    return y && m && day ? Date.UTC(y, m - 1, day) : NaN;
  };
  const n = (parse(to) - parse(from)) / 86400000;
  return Number.isFinite(n) ? Math.round(n) : null;
}

// Today in the browser's time zone, "YYYY-MM-DD".
export function localToday() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function period(p) {
  if (!p || (!p.start && !p.end)) return t('period_none');
  // A one-day period is one date, not "05.12.2026 – 05.12.2026".
  if (p.start && p.start === p.end) return date(p.start);
  return t('period_range', { start: date(p.start), end: date(p.end) });
}
