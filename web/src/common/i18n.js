// i18n.js - the editor page's strings in German and English (src/i18n/*.json):
// t(key, params) fills {name} placeholders; applyI18n() fills every element
// with a data-i18n key, so no user-facing text is written in code or HTML.
// The mechanics are shared with the review app (i18n_core.js).
import de from '../i18n/de.json';
import en from '../i18n/en.json';
import { makeI18n } from './i18n_core.js';

export const { setLang, getLang, t, tn, num, applyI18n } = makeI18n({ de, en });
