// eslint.config.js - lint for the front end (scripts/check-lint runs it):
// ESLint's recommended rules; web/src runs in the browser as ES modules,
// vite.config.js, eslint.config.js and make-favicon.mjs in node. web/dist (built) and
// node_modules are not ours.
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['dist/', 'node_modules/'] },
  js.configs.recommended,
  {
    files: ['src/**/*.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.browser } },
  },
  {
    files: ['*.config.js', '*.mjs'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
  },
];
