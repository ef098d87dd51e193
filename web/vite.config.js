// vite.config.js - builds the front end into web/dist, one HTML entry per page:
// edit.html is the applicant's editor (the server serves it at /edit/{token},
// handlers_editor.c); review/index.html the caseworkers' review app, which
// the server's static files answer at /review/ (static.h); further pages add
// an input here. src/ogc/main.js is a script entry for pages the server
// writes itself (the OGC API's HTML pages, server/features_html.c): the
// server finds its hashed file names in dist/.vite/manifest.json
// (server/web_manifest.c). public/ (the favicon) is copied as it is.
import { cpSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The map styles' label glyphs (SDF ranges of Noto Sans from the npm package
// tileserver-gl-styles) go into dist/fonts, which the server answers at
// /fonts/{fontstack}/{range}.pbf (server/handlers_glyphs.c).
let outDir;
const glyphs = {
  name: 'geoeditor-glyphs',
  configResolved(config) {
    outDir = resolve(config.root, config.build.outDir);
  },
  closeBundle() {
    cpSync(
      resolve(import.meta.dirname, 'node_modules/tileserver-gl-styles/fonts'),
      resolve(outDir, 'fonts'),
      { recursive: true },
    );
  },
};

export default defineConfig({
  base: '/',
  plugins: [glyphs],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
    manifest: true,
    rollupOptions: {
      input: {
        edit: resolve(import.meta.dirname, 'edit.html'),
        review: resolve(import.meta.dirname, 'review/index.html'),
        ogc: resolve(import.meta.dirname, 'src/ogc/main.js'),
      },
    },
  },
});
